using System;
using System.Collections.Generic;
using System.Linq;
using EinsumGen.Notation;
using Xunit;

namespace EinsumGen.Tests.Conformance;

/// <summary>
/// Contraction paths and their costs against opt_einsum/tests/test_paths.py (path_edge_tests, explicit_path_tests,
/// test_path_scalar_cases, test_can_optimize_outer_products, test_large_path, the dp edge cases, test_memory_paths and
/// test_greedy_edge_cases without a memory limit) and NumPy's TestEinsumPath (test_long_paths, test_edge_paths,
/// test_path_type_input), on opt_einsum.testing's default sizes. opt_einsum's paths are not unique, so the check is on
/// cost, under opt_einsum's convention: EinsumGen's plan costs at most what opt_einsum's stated path costs, and at most
/// the exact optimum over all pairwise trees (which bounds greedy, branch and optimal) and over trees whose operands are
/// first summed over their own labels (which bounds dp), so at most the best of opt_einsum's strategies.
/// </summary>
public class OptEinsumPathTests
{
    /// <summary>algorithm; spec; opt_einsum's (or NumPy's) expected linear path; sizes ("" for the defaults).</summary>
    public static TheoryData<string, string, string, string> StatedPaths() => new()
    {
        // opt_einsum path_edge_tests.
        { "greedy", "eb,cb,fb->cef", "0,2;0,1", "" },
        { "optimal", "eb,cb,fb->cef", "0,2;0,1", "" },
        { "dp", "eb,cb,fb->cef", "1,2;0,1", "" },
        { "greedy", "dd,fb,be,cdb->cef", "0,3;0,1;0,1", "" },
        { "dp", "dd,fb,be,cdb->cef", "0,3;0,2;0,1", "" },
        { "greedy", "bca,cdb,dbf,afc->", "1,2;0,2;0,1", "" },
        { "dp", "bca,cdb,dbf,afc->", "1,2;1,2;0,1", "" },
        { "greedy", "dcc,fce,ea,dbf->ab", "1,2;0,1;0,1", "" },
        { "optimal", "dcc,fce,ea,dbf->ab", "1,2;0,2;0,1", "" },
        // NumPy test_long_paths.
        { "greedy", "acdf,jbje,gihb,hfac,gfac,gifabc,hfac", "3,6;3,4;2,4;2,3;0,2;0,1", "" },
        { "optimal", "acdf,jbje,gihb,hfac,gfac,gifabc,hfac", "3,6;3,4;2,4;2,3;0,2;0,1", "" },
        { "greedy", "chd,bde,agbc,hiad,bdi,cgh,agdb", "3,4;0,3;3,4;1,3;1,2;0,1", "" },
        { "optimal", "chd,bde,agbc,hiad,bdi,cgh,agdb", "0,5;1,4;3,4;1,3;1,2;0,1", "" },
        // NumPy test_path_type_input (an explicit path) and test_path_type_input_internal_trace.
        { "explicit", "dcc,fce,ea,dbf->ab", "0,2;0,2;0,1", "" },
        { "explicit", "cab,cdd->ab", "1;0,1", "" },
        // test_memory_paths and test_greedy_edge_cases without a limit; explicit_path_tests GEMM1.
        { "optimal", "abc,bdef,fghj,cem,mhk,ljk->adgl", "0,3;0,4;0,2;0,2;0,1", "" },
        { "greedy", "abc,cfd,dbe,efa", "0,1;0,2;0,1", "a=20,b=20,c=20,d=20,e=20,f=20" },
        { "optimal", "abd,ac,bdc->", "0,2;0,1", "a=1,b=2,c=3,d=4" },
        // test_optimal_edge_cases / NumPy edge test 5 (memory-limited: one step for the rest).
        { "optimal", "a,ac,ab,ad,cd,bd,bc->", "0,1;0,1,2,3,4,5", "a=20,b=20,c=20,d=20" },
        // test_can_optimize_outer_products.
        { "optimal", "ab,cd,ef,fg", "2,3;0,2;0,1", "a=10,b=10,c=10,d=10,e=10,f=10,g=2" },
    };

    [Theory]
    [MemberData(nameof(StatedPaths))]
    public void PlanCostsAtMostOptEinsumsPath(string algorithm, string spec, string path, string sizes)
    {
        var dims = Sizes(spec, sizes);
        long stated = PathOracle.LinearPathCost(spec, dims, path);
        var shapes = ConformanceData.BuildShapes(spec, dims);
        var auto = EinsumPlan.Create(spec, shapes);
        Assert.True(auto.TotalFlops <= stated, $"{spec}: {auto.TotalFlops} > {stated}, the cost of opt_einsum's {algorithm} path [{path}]");
        if (algorithm == "greedy")
        {
            var greedy = EinsumPlan.Create(spec, new EinsumPlanOptions { Strategy = EinsumPlanStrategy.Greedy }, shapes);
            Assert.True(greedy.TotalFlops <= stated, $"{spec}: greedy {greedy.TotalFlops} > {stated}, opt_einsum's greedy path [{path}]");
        }
    }

    public static TheoryData<string> Equations()
    {
        var data = new TheoryData<string>();
        foreach (string spec in OracleCasesTests.Expressions.Where(s => !s.Contains('.'))) data.Add(spec);
        data.Add("abc,bdef,fghj,cem,mhk,ljk->adgl");
        data.Add("abcd,abc,bc->");        // explicit_path_tests Inner1 (its sizes below are the defaults' kind)
        data.Add("nlp,nlq,pl->n");
        data.Add("a,bcd,efg->");
        data.Add("a,b,abc->c");
        return data;
    }

    [Theory]
    [MemberData(nameof(Equations))]
    public void PlanCostsAtMostTheBestOfOptEinsumsStrategies(string spec)
    {
        var dims = Sizes(spec, "");
        var shapes = ConformanceData.BuildShapes(spec, dims);
        long best = PathOracle.BestBound(spec, dims);
        foreach (var strategy in new[] { EinsumPlanStrategy.Auto, EinsumPlanStrategy.Optimal })
        {
            var plan = EinsumPlan.Create(spec, new EinsumPlanOptions { Strategy = strategy }, shapes);
            Assert.True(plan.TotalFlops <= best, $"{spec}: {strategy} {plan.TotalFlops} > {best}");
            PathOracle.AssertStepCosts(spec, dims, plan);
        }
        var hybrid = EinsumPlan.Create(spec, new EinsumPlanOptions { Strategy = EinsumPlanStrategy.Hybrid }, shapes);
        Assert.True(hybrid.TotalFlops <= best * 1.05, $"{spec}: hybrid {hybrid.TotalFlops} > 1.05 × {best}");
        PathOracle.AssertStepCosts(spec, dims, hybrid);
        PathOracle.AssertStepCosts(spec, dims, EinsumPlan.Create(spec, new EinsumPlanOptions { Strategy = EinsumPlanStrategy.Greedy }, shapes));
        Assert.Equal(PathOracle.NaiveCost(spec, dims), hybrid.NaiveFlops);
    }

    [Theory]
    // test_path_scalar_cases: the number of contractions, whatever the optimizer.
    [InlineData("a,->a", 1)]
    [InlineData("ab,->ab", 1)]
    [InlineData(",a,->a", 2)]
    [InlineData(",,a,->a", 3)]
    [InlineData(",,->", 2)]
    public void ScalarOperandsTakeOneStepEach(string spec, int steps)
    {
        var shapes = ConformanceData.BuildShapes(spec);
        foreach (var strategy in Enum.GetValues<EinsumPlanStrategy>())
        {
            var plan = EinsumPlan.Create(spec, new EinsumPlanOptions { Strategy = strategy }, shapes);
            Assert.Equal(steps, plan.Steps.Count);
            PathOracle.AssertStepCosts(spec, ConformanceData.DefaultSizes, plan);
        }
    }

    [Fact]
    public void OptEinsumsPathEdgeCases()
    {
        // test_can_optimize_outer_products: the outer product of the two small matrices comes first, for every optimizer.
        foreach (var strategy in new[] { EinsumPlanStrategy.Auto, EinsumPlanStrategy.Optimal, EinsumPlanStrategy.Greedy, EinsumPlanStrategy.Hybrid })
        {
            var plan = EinsumPlan.Create("ab,cd,ef,fg", new EinsumPlanOptions { Strategy = strategy },
                new[] { 10, 10 }, new[] { 10, 10 }, new[] { 10, 10 }, new[] { 10, 2 });
            Assert.Equal(new[] { 2, 3 }, plan.Steps[0].Operands.OrderBy(i => i));
        }
        // test_dp_edge_cases_dimension_1 and _all_singlet_indices: the largest step spans 3 labels.
        Assert.Equal(3, EinsumPlan.Create("nlp,nlq,pl->n", new[] { 1, 1, 1 }, new[] { 1, 1, 1 }, new[] { 1, 1 }).OptimizedScaling);
        Assert.Equal(3, EinsumPlan.Create("a,bcd,efg->", new[] { 2 }, new[] { 2, 2, 2 }, new[] { 2, 2, 2 }).OptimizedScaling);
        // test_custom_dp_can_optimize_for_outer_products: taking the outer product a,b first is cheaper (2·2 + 2·2·3·2).
        Assert.Equal(28, EinsumPlan.Create("a,b,abc->c", new[] { 2 }, new[] { 2 }, new[] { 2, 2, 3 }).TotalFlops);
        // test_pathinfo_for_empty_contraction: '->' on a scalar.
        var empty = EinsumPlan.Create("->", Array.Empty<int>());
        Assert.Equal(1, empty.LargestIntermediate);
        Assert.Contains("->", empty.ToString(), StringComparison.Ordinal);
        // test_contract_with_assumed_shapes / test_path_with_assumed_shapes: size-1 dimensions broadcast in the plan too.
        Assert.Equal(new[] { 2, 4 }, Einsum.Evaluate("ab,bc->ac", ConformanceData.Tensor(new[] { 2, 1 }, i => 1.0),
            ConformanceData.Tensor(new[] { 3, 4 }, i => 1.0)).Lengths.ToArray().Select(d => (int)d));
        Assert.Equal(3, EinsumPlan.Create("ab,bc->ac", new[] { 2, 1 }, new[] { 3, 4 }).LabelSizes['b']);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(26)]
    [InlineData(52)]
    public void LargeChainsPlanWithoutFailing(int symbols)
    {
        // test_large_path: 'ab,bc,cd,…' over every label EinsumGen has (opt_einsum goes on to 300 Unicode symbols).
        const string letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        string spec = string.Join(",", Enumerable.Range(0, symbols - 1).Select(t => letters.Substring(t, 2)));
        var sizes = letters.Select((c, i) => (c, s: new[] { 2, 3, 4 }[i % 3])).ToDictionary(p => p.c, p => p.s);
        var shapes = ConformanceData.BuildShapes(spec, sizes);
        var plan = EinsumPlan.Create(spec, shapes);
        Assert.Equal(Math.Max(1, symbols - 2), plan.Steps.Count);
        string leftToRight = symbols == 2 ? "0" : string.Join(";", Enumerable.Repeat("0,1", symbols - 2));
        Assert.True(plan.TotalFlops <= PathOracle.LinearPathCost(spec, sizes, leftToRight));
        Assert.True(plan.OptimizedScaling <= 3);
    }

    private static IReadOnlyDictionary<char, int> Sizes(string spec, string sizes)
    {
        if (sizes.Length == 0) return ConformanceData.DefaultSizes;
        return sizes.Split(',').ToDictionary(p => p[0], p => int.Parse(p.Substring(2)));
    }
}

/// <summary>opt_einsum's cost convention, and exhaustive searches under it.</summary>
internal static class PathOracle
{
    private static long Size(IEnumerable<char> labels, IReadOnlyDictionary<char, int> sizes) =>
        labels.Aggregate(1L, (p, c) => p * sizes[c]);

    /// <summary>opt_einsum's helpers.flop_count: |union| · (max(1, terms − 1) + 1 if a label is removed).</summary>
    private static long FlopCount(ICollection<char> union, bool removes, int terms, IReadOnlyDictionary<char, int> sizes) =>
        Size(union, sizes) * (Math.Max(1, terms - 1) + (removes ? 1 : 0));

    private static void Parse(string spec, out List<HashSet<char>> inputs, out HashSet<char> output)
    {
        var e = EinsumParser.Parse(spec);
        inputs = e.Inputs.Select(t => new HashSet<char>(t.Labels)).ToList();
        output = new HashSet<char>(e.Output.Labels);
    }

    /// <summary>contract_path's cost of a linear path ("0,2;0,1": each step's positions in the current list).</summary>
    public static long LinearPathCost(string spec, IReadOnlyDictionary<char, int> sizes, string path)
    {
        Parse(spec, out var tensors, out var output);
        long total = 0;
        foreach (string step in path.Split(';'))
        {
            var positions = step.Split(',').Select(int.Parse).OrderByDescending(p => p).ToList();
            var union = new HashSet<char>();
            foreach (int p in positions) union.UnionWith(tensors[p]);
            foreach (int p in positions) tensors.RemoveAt(p);
            var kept = new HashSet<char>(union.Where(c => output.Contains(c) || tensors.Any(t => t.Contains(c))));
            total += FlopCount(union, kept.Count < union.Count, positions.Count, sizes);
            tensors.Add(kept);
        }
        Assert.Single(tensors);
        return total;
    }

    /// <summary>opt_einsum's naive cost: every label's size, times (max(1, n − 1) + 1 if a label is shared by operands).</summary>
    public static long NaiveCost(string spec, IReadOnlyDictionary<char, int> sizes)
    {
        Parse(spec, out var inputs, out _);
        var all = new HashSet<char>(inputs.SelectMany(t => t));
        return FlopCount(all, inputs.Sum(t => t.Count) > all.Count, inputs.Count, sizes);
    }

    /// <summary>
    /// The least of two exhaustive searches: every pairwise tree over the operands as given (opt_einsum's 'optimal' and
    /// 'branch' search within these, 'greedy' picks one), and every tree over the operands first summed over the labels
    /// no other operand or the output has ('dp' sums those first, then searches within these trees).
    /// </summary>
    public static long BestBound(string spec, IReadOnlyDictionary<char, int> sizes)
    {
        Parse(spec, out var inputs, out var output);
        if (inputs.Count == 1) return FlopCount(inputs[0], !inputs[0].IsSubsetOf(output), 1, sizes);
        long plain = BestTree(inputs, output, sizes);
        long reductions = 0;
        var reduced = new List<HashSet<char>>();
        for (int k = 0; k < inputs.Count; k++)
        {
            var keep = new HashSet<char>(inputs[k].Where(c => output.Contains(c) || inputs.Where((_, j) => j != k).Any(t => t.Contains(c))));
            if (keep.Count < inputs[k].Count) reductions += FlopCount(inputs[k], true, 1, sizes);
            reduced.Add(keep);
        }
        return Math.Min(plain, reductions + BestTree(reduced, output, sizes));
    }

    private static long BestTree(List<HashSet<char>> leaves, HashSet<char> output, IReadOnlyDictionary<char, int> sizes)
    {
        int n = leaves.Count, full = (1 << n) - 1;
        var labels = new HashSet<char>[full + 1];
        for (int m = 1; m <= full; m++)
        {
            labels[m] = new HashSet<char>();
            for (int k = 0; k < n; k++) if ((m >> k & 1) != 0) labels[m].UnionWith(leaves[k]);
        }
        HashSet<char> Tensor(int m)
        {
            if ((m & (m - 1)) == 0) return leaves[System.Numerics.BitOperations.TrailingZeroCount(m)];
            var outside = new HashSet<char>(output);
            if ((full & ~m) != 0) outside.UnionWith(labels[full & ~m]);
            return new HashSet<char>(labels[m].Where(outside.Contains));
        }
        var tensor = new HashSet<char>[full + 1];
        for (int m = 1; m <= full; m++) tensor[m] = Tensor(m);
        var cost = new long[full + 1];
        for (int m = 1; m <= full; m++)
        {
            if ((m & (m - 1)) == 0) continue;
            long best = long.MaxValue;
            for (int a = (m - 1) & m; a > 0; a = (a - 1) & m)
            {
                int b = m & ~a;
                if (a < b) continue;
                var union = new HashSet<char>(tensor[a]);
                union.UnionWith(tensor[b]);
                best = Math.Min(best, cost[a] + cost[b] + FlopCount(union, tensor[m].Count < union.Count, 2, sizes));
            }
            cost[m] = best;
        }
        return cost[full];
    }

    /// <summary>Recomputes each step of a plan from its operands alone, with opt_einsum's flop_count, and the total.</summary>
    public static void AssertStepCosts(string spec, IReadOnlyDictionary<char, int> sizes, EinsumPlan plan)
    {
        Parse(spec, out var inputs, out var output);
        var tensors = new Dictionary<int, HashSet<char>>();
        for (int k = 0; k < inputs.Count; k++) tensors[k] = inputs[k];
        long total = 0;
        foreach (var step in plan.Steps)
        {
            var union = new HashSet<char>();
            foreach (int id in step.Operands)
            {
                union.UnionWith(tensors[id]);
                tensors.Remove(id);
            }
            var kept = new HashSet<char>(union.Where(c => output.Contains(c) || tensors.Values.Any(t => t.Contains(c))));
            Assert.True(kept.SetEquals(step.ResultLabels), $"{spec}: step {step.Index} keeps '{step.ResultLabels}', expected '{string.Concat(kept)}'");
            long flops = FlopCount(union, kept.Count < union.Count, step.Operands.Count, sizes);
            Assert.True(flops == step.Flops, $"{spec}: step {step.Index} ({step.Einsum}) costs {step.Flops}, opt_einsum's flop_count says {flops}");
            total += flops;
            tensors[step.ResultId] = kept;
        }
        Assert.Single(tensors);
        Assert.Equal(total, plan.TotalFlops);
    }
}
