using System;
using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using EinsumGen.Planning;

namespace EinsumGen.Benchmarks
{
    /// <summary>
    /// Planning time by operand count, Auto strategy, over fixed random equations in the style of
    /// opt_einsum.testing.rand_equation (each label joins two operands, about 3 labels per operand, 2 output labels).
    /// </summary>
    [MemoryDiagnoser]
    public class PlanningBenchmarks
    {
        private const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        private List<string> _inputs = new List<string>();
        private string _output = "";
        private Dictionary<char, long> _sizes = new Dictionary<char, long>();

        [Params(3, 5, 8, 12, 14, 20, 30, 50)]
        public int Operands { get; set; }

        [GlobalSetup]
        public void Setup()
        {
            var random = new Random(12345 + Operands);
            int labels = Math.Min(Alphabet.Length, Math.Max(1, Operands * 3 / 2) + 2);
            var terms = new List<List<char>>();
            for (int k = 0; k < Operands; k++) terms.Add(new List<char>());
            _sizes = new Dictionary<char, long>();
            _output = "";
            for (int l = 0; l < labels; l++)
            {
                char c = Alphabet[l];
                _sizes[c] = random.Next(2, 7);
                if (l < 2)
                {
                    _output += c;
                    terms[random.Next(Operands)].Add(c);
                    continue;
                }
                int a = random.Next(Operands), b = random.Next(Operands - 1);
                if (b >= a) b++;
                terms[a].Add(c);
                terms[b].Add(c);
            }
            _inputs = terms.ConvertAll(t => new string(t.ToArray()));
        }

        [Benchmark]
        public long PlanAuto() => ContractionPlanner.Plan(_inputs, _output, _sizes).TotalFlops;

        [Benchmark]
        public long PlanGreedy() => ContractionPlanner.Plan(_inputs, _output, _sizes, new PlannerOptions { Strategy = PlanStrategy.Greedy }).TotalFlops;
    }
}
