using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using EinsumGen.Planning;
using Xunit;

namespace EinsumGen.Tests.Planning
{
    /// <summary>paths-public.json: random equations with opt_einsum's best and greedy costs.</summary>
    public class PublicCasesTests
    {
        public sealed class PathCase
        {
            public string Spec = "";
            public Dictionary<char, long> Sizes = new Dictionary<char, long>();
            public int Operands;
            public long Best;
            public long Greedy;

            public override string ToString() => Operands + " operands: " + Spec;
        }

        private static string CasesPath => Path.Combine(AppContext.BaseDirectory, "Cases", "paths-public.json");

        public static IEnumerable<object[]> Cases()
        {
            if (!File.Exists(CasesPath)) yield break;
            using var doc = JsonDocument.Parse(File.ReadAllText(CasesPath));
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                var c = new PathCase
                {
                    Spec = e.GetProperty("spec").GetString()!,
                    Operands = e.GetProperty("n_operands").GetInt32(),
                    Best = e.GetProperty("best_flops").GetInt64(),
                    Greedy = e.GetProperty("greedy_flops").GetInt64(),
                };
                foreach (var p in e.GetProperty("sizes").EnumerateObject()) c.Sizes[p.Name[0]] = p.Value.GetInt64();
                yield return new object[] { c };
            }
        }

        [Fact]
        public void CasesFileIsPresent()
        {
            Assert.True(File.Exists(CasesPath), "missing " + CasesPath);
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void AutoMatchesOptEinsumBest(PathCase c)
        {
            PlanningTestUtil.Split(c.Spec, out var inputs, out string output);
            var path = ContractionPlanner.Plan(inputs, output, c.Sizes);
            PlanningTestUtil.CheckInvariants(inputs, output, c.Sizes, path);
            Assert.True(path.TotalFlops <= c.Greedy, $"{path.TotalFlops} > greedy {c.Greedy}");
            if (c.Operands <= 12) Assert.Equal(c.Best, path.TotalFlops);
            else Assert.True(path.TotalFlops <= c.Best * 1.05, $"{path.TotalFlops} > 1.05 x best {c.Best}");
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void HybridIsNeverWorseThanGreedy(PathCase c)
        {
            PlanningTestUtil.Split(c.Spec, out var inputs, out string output);
            var hybrid = ContractionPlanner.Plan(inputs, output, c.Sizes, new PlannerOptions { Strategy = PlanStrategy.Hybrid });
            var greedy = ContractionPlanner.Plan(inputs, output, c.Sizes, new PlannerOptions { Strategy = PlanStrategy.Greedy });
            PlanningTestUtil.CheckInvariants(inputs, output, c.Sizes, hybrid);
            PlanningTestUtil.CheckInvariants(inputs, output, c.Sizes, greedy);
            Assert.True(hybrid.TotalFlops <= greedy.TotalFlops);
            Assert.True(hybrid.TotalFlops <= c.Greedy);
            Assert.True(hybrid.TotalFlops <= c.Best * 1.05, $"hybrid {hybrid.TotalFlops} > 1.05 x best {c.Best}");
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void OptimalIsExactUpToSixteen(PathCase c)
        {
            if (c.Operands > SubsetOptimizer.MaxPieces) return;
            PlanningTestUtil.Split(c.Spec, out var inputs, out string output);
            var path = ContractionPlanner.Plan(inputs, output, c.Sizes, new PlannerOptions { Strategy = PlanStrategy.Optimal });
            Assert.Equal("optimal", path.Strategy);
            Assert.True(path.TotalFlops <= c.Best);
        }
    }
}
