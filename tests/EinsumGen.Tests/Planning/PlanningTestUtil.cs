using System;
using System.Collections.Generic;
using System.Linq;
using EinsumGen.Notation;
using EinsumGen.Planning;
using Xunit;

namespace EinsumGen.Tests.Planning
{
    /// <summary>Spec parsing and independent re-checking of plans for the planner tests.</summary>
    internal static class PlanningTestUtil
    {
        public static ContractionPath Plan(string spec, IReadOnlyDictionary<char, long> sizes, PlannerOptions? options = null)
        {
            Split(spec, out var inputs, out string output);
            return ContractionPlanner.Plan(inputs, output, sizes, options);
        }

        public static void Split(string spec, out List<string> inputs, out string output)
        {
            var e = EinsumParser.Parse(spec);
            inputs = e.Inputs.Select(t => t.DistinctLabels()).ToList();
            output = e.Output.DistinctLabels();
        }

        public static Dictionary<char, long> Uniform(string spec, long size)
        {
            var d = new Dictionary<char, long>();
            foreach (char c in spec) if (char.IsLetter(c)) d[c] = size;
            return d;
        }

        /// <summary>Recomputes every step from the step list alone and checks the structural rules.</summary>
        public static void CheckInvariants(IReadOnlyList<string> inputs, string output, IReadOnlyDictionary<char, long> sizes, ContractionPath path)
        {
            int n = inputs.Count;
            var tensors = new List<string>(inputs);
            var used = new bool[n + path.Steps.Count];
            if (n == 1)
            {
                Assert.Single(path.Steps);
                Assert.Equal(0, path.Steps[0].Left);
                Assert.Equal(-1, path.Steps[0].Right);
                Assert.Equal(output, path.Steps[0].ResultLabels);
                return;
            }
            int unary = path.Steps.Count(s => s.IsUnary);
            // A multiway last step (a memory limit no pairwise order meets) stands for as many pairwise steps as it has inputs, less one.
            int merged = path.Steps.Sum(s => s.IsMultiway ? s.Inputs.Length - 2 : 0);
            Assert.All(path.Steps.Take(path.Steps.Count - 1), s => Assert.False(s.IsMultiway));
            Assert.Equal(n - 1 + unary - merged, path.Steps.Count);
            long total = 0, largest = 0;
            for (int k = 0; k < path.Steps.Count; k++)
            {
                var s = path.Steps[k];
                Assert.InRange(s.Left, 0, n + k - 1);
                Assert.False(used[s.Left], "tensor " + s.Left + " used twice");
                used[s.Left] = true;
                if (s.IsUnary)
                {
                    Assert.True(s.Left < n, "a unary step reads an operand");
                    Assert.NotEqual(k, path.Steps.Count - 1);
                }
                else
                {
                    foreach (int id in s.Inputs.Skip(1))
                    {
                        Assert.InRange(id, 0, n + k - 1);
                        Assert.NotEqual(s.Left, id);
                        Assert.False(used[id], "tensor " + id + " used twice");
                        used[id] = true;
                    }
                }
                var union = string.Concat(s.Inputs.Select(id => tensors[id])).Distinct().ToList();
                var others = new HashSet<char>();
                for (int id = 0; id < n + k; id++) if (!used[id]) foreach (char c in tensors[id]) others.Add(c);
                var kept = union.Where(c => output.IndexOf(c) >= 0 || others.Contains(c)).ToList();
                Assert.Equal(kept.OrderBy(c => c), s.ResultLabels.OrderBy(c => c));
                Assert.Equal(union.Where(c => !kept.Contains(c)).OrderBy(c => c), s.SummedLabels.OrderBy(c => c));
                if (s.IsUnary) Assert.NotEmpty(s.SummedLabels);
                long product = union.Aggregate(1L, (p, c) => Saturating.Mul(p, sizes[c]));
                long expected = Saturating.Mul(product, Math.Max(1, s.Inputs.Length - 1) + (kept.Count < union.Count ? 1 : 0));
                Assert.Equal(expected, s.Flops);
                Assert.Equal(s.ResultLabels.Aggregate(1L, (p, c) => Saturating.Mul(p, sizes[c])), s.ResultSize);
                total = Saturating.Add(total, s.Flops);
                largest = Math.Max(largest, s.ResultSize);
                tensors.Add(s.ResultLabels);
            }
            Assert.Equal(output, path.Steps[path.Steps.Count - 1].ResultLabels);
            Assert.Equal(total, path.TotalFlops);
            Assert.Equal(largest, path.LargestIntermediate);
        }

        /// <summary>A deterministic random einsum in the style of opt_einsum.testing.rand_equation.</summary>
        public static string RandomEquation(int n, int regularity, int outputs, int seed, out Dictionary<char, long> sizes)
        {
            var random = new Random(seed);
            int labelCount = Math.Max(1, n * regularity / 2) + outputs;
            const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
            labelCount = Math.Min(labelCount, alphabet.Length);
            var terms = Enumerable.Range(0, n).Select(_ => new List<char>()).ToList();
            sizes = new Dictionary<char, long>();
            string output = "";
            for (int l = 0; l < labelCount; l++)
            {
                char c = alphabet[l];
                sizes[c] = random.Next(2, 7);
                if (l < outputs)
                {
                    output += c;
                    terms[random.Next(n)].Add(c);
                    continue;
                }
                int a = random.Next(n), b = random.Next(n - 1);
                if (b >= a) b++;
                terms[a].Add(c);
                terms[b].Add(c);
            }
            return string.Join(",", terms.Select(t => new string(t.OrderBy(_ => random.Next()).ToArray()))) + "->" + output;
        }
    }
}
