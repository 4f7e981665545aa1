using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using Xunit;

namespace EinsumGen.Tests.Conformance;

/// <summary>
/// A memory limit that no pairwise order meets, as opt_einsum answers it: pairwise steps that fit, then one step over all
/// remaining tensors. Paths against opt_einsum's test_paths.py (test_memory_paths, test_optimal_edge_cases,
/// test_greedy_edge_cases) and NumPy's TestEinsumPath.test_memory_contraints, costs against opt_einsum's flop_count,
/// values and gradients against the oracle and the unconstrained plan.
/// </summary>
public class MemoryLimitTests
{
    /// <summary>algorithm; spec; sizes ("" for opt_einsum.testing's defaults); limit (-2: max_input); opt_einsum's linear path.</summary>
    public static TheoryData<string, string, string, long, string> StatedPaths() => new()
    {
        // opt_einsum test_memory_paths: a tiny limit contracts everything at once; -1 is no limit.
        { "optimal", "abc,bdef,fghj,cem,mhk,ljk->adgl", "", 5, "0,1,2,3,4,5" },
        { "greedy", "abc,bdef,fghj,cem,mhk,ljk->adgl", "", 5, "0,1,2,3,4,5" },
        { "optimal", "abc,bdef,fghj,cem,mhk,ljk->adgl", "", -1, "0,3;0,4;0,2;0,2;0,1" },
        { "greedy", "abc,bdef,fghj,cem,mhk,ljk->adgl", "", -1, "0,3;0,4;0,2;0,2;0,1" },
        // test_optimal_edge_cases (edge test 5): a·ac first, then the other six at once.
        { "greedy", "a,ac,ab,ad,cd,bd,bc->", "a=20,b=20,c=20,d=20", -2, "0,1;0,1,2,3,4,5" },
        { "optimal", "a,ac,ab,ad,cd,bd,bc->", "a=20,b=20,c=20,d=20", -2, "0,1;0,1,2,3,4,5" },
        // test_greedy_edge_cases.
        { "greedy", "abc,cfd,dbe,efa", "a=20,b=20,c=20,d=20,e=20,f=20", -2, "0,1,2,3" },
        { "greedy", "abc,cfd,dbe,efa", "a=20,b=20,c=20,d=20,e=20,f=20", -1, "0,1;0,2;0,1" },
        // NumPy test_memory_contraints: ('greedy', 0) and ('optimal', 0).
        { "greedy", "a,b,c->abc", "", 0, "0,1,2" },
        { "optimal", "a,b,c->abc", "", 0, "0,1,2" },
        { "greedy", "acdf,jbje,gihb,hfac", "", 0, "0,1,2,3" },
        { "optimal", "acdf,jbje,gihb,hfac", "", 0, "0,1,2,3" },
    };

    [Theory]
    [MemberData(nameof(StatedPaths))]
    public void PlansOptEinsumsPathUnderTheLimit(string algorithm, string spec, string sizes, long limit, string path)
    {
        var dims = Sizes(sizes);
        var shapes = ConformanceData.BuildShapes(spec, dims);
        if (limit == -2) limit = MaxInput(spec, shapes);
        var strategy = algorithm == "greedy" ? EinsumPlanStrategy.Greedy : EinsumPlanStrategy.Optimal;
        foreach (var s in new[] { strategy, EinsumPlanStrategy.Auto })
        {
            var plan = EinsumPlan.Create(spec, new EinsumPlanOptions { Strategy = s, MemoryLimit = limit }, shapes);
            long stated = PathOracle.LinearPathCost(spec, dims, path);
            if (path.Split(';').Any(step => step.Count(c => c == ',') >= 2))
            {
                // A multiway path is unique up to ties: it must be opt_einsum's, step for step.
                Assert.Equal(path, string.Join(";", plan.LinearPath.Select(p => string.Join(",", p))));
                Assert.Equal(stated, plan.TotalFlops);
                Assert.Equal(EinsumStepKind.Multiway, plan.Steps[^1].Kind);
                Assert.Contains("multiway", plan.ToString(), StringComparison.Ordinal);
                Assert.Contains("at once", plan.Strategy, StringComparison.Ordinal);
            }
            else
            {
                Assert.True(plan.TotalFlops <= stated, $"{spec} ({s}, limit {limit}): {plan.TotalFlops} > {stated}");
                Assert.DoesNotContain(plan.Steps, st => st.Kind == EinsumStepKind.Multiway);
            }
            PathOracle.AssertStepCosts(spec, dims, plan);
            Assert.All(plan.Steps.Take(plan.Steps.Count - 1), st => Assert.True(limit < 0 || st.ResultSize <= limit));
        }
    }

    /// <summary>algorithm; spec; sizes; NumPy's expected path (TestEinsumPath: test_long_paths, test_edge_paths, test_path_type_input).</summary>
    public static TheoryData<string, string, string, string> NumpyDefaultPaths() => new()
    {
        { "greedy", "acdf,jbje,gihb,hfac,gfac,gifabc,hfac", "", "3,6;3,4;2,4;2,3;0,2;0,1" },
        { "optimal", "acdf,jbje,gihb,hfac,gfac,gifabc,hfac", "", "3,6;3,4;2,4;2,3;0,2;0,1" },
        { "greedy", "chd,bde,agbc,hiad,bdi,cgh,agdb", "", "3,4;0,3;3,4;1,3;1,2;0,1" },
        { "optimal", "chd,bde,agbc,hiad,bdi,cgh,agdb", "", "0,5;1,4;3,4;1,3;1,2;0,1" },
        { "greedy", "eb,cb,fb->cef", "", "0,2;0,1" },
        { "optimal", "eb,cb,fb->cef", "", "0,2;0,1" },
        { "greedy", "dd,fb,be,cdb->cef", "", "0,3;0,1;0,1" },
        { "optimal", "dd,fb,be,cdb->cef", "", "0,3;0,1;0,1" },
        { "greedy", "bca,cdb,dbf,afc->", "", "1,2;0,2;0,1" },
        { "optimal", "bca,cdb,dbf,afc->", "", "1,2;0,2;0,1" },
        { "greedy", "dcc,fce,ea,dbf->ab", "", "1,2;0,1;0,1" },
        { "optimal", "dcc,fce,ea,dbf->ab", "", "1,2;0,2;0,1" },
        { "greedy", "a,ac,ab,ad,cd,bd,bc->", "a=20,b=20,c=20,d=20", "0,1;0,1,2,3,4,5" },
        { "optimal", "a,ac,ab,ad,cd,bd,bc->", "a=20,b=20,c=20,d=20", "0,1;0,1,2,3,4,5" },
    };

    /// <summary>
    /// np.einsum_path caps every intermediate at the largest operand or output unless told otherwise; EinsumPlan has no
    /// default cap, so the cap is passed as MemoryLimit. Under it, every NumPy path above is met: the multiway one step
    /// for step, the pairwise ones at their cost or less.
    /// </summary>
    [Theory]
    [MemberData(nameof(NumpyDefaultPaths))]
    public void NumpysEinsumPathUnderItsDefaultLimit(string algorithm, string spec, string sizes, string path)
    {
        var dims = Sizes(sizes);
        var shapes = ConformanceData.BuildShapes(spec, dims);
        var e = EinsumPlan.Create(spec, shapes);
        long output = e.LabelSizes.Where(kv => e.Spec.Split("->")[1].Contains(kv.Key)).Aggregate(1L, (p, kv) => p * kv.Value);
        long limit = Math.Max(MaxInput(spec, shapes), output);
        var strategy = algorithm == "greedy" ? EinsumPlanStrategy.Greedy : EinsumPlanStrategy.Optimal;
        var plan = EinsumPlan.Create(spec, new EinsumPlanOptions { Strategy = strategy, MemoryLimit = limit }, shapes);
        long stated = PathOracle.LinearPathCost(spec, dims, path);
        if (path.Split(';').Any(step => step.Count(c => c == ',') >= 2))
        {
            Assert.Equal(path, string.Join(";", plan.LinearPath.Select(p => string.Join(",", p))));
            Assert.Equal(stated, plan.TotalFlops);
        }
        else
        {
            Assert.True(plan.TotalFlops <= stated, $"{spec} ({algorithm}, limit {limit}): {plan.TotalFlops} > {stated}");
        }
        Assert.All(plan.Steps.Take(plan.Steps.Count - 1), st => Assert.True(st.ResultSize <= limit));
        PathOracle.AssertStepCosts(spec, dims, plan);
    }

    [Fact]
    public void TheLastStepOverAllRemainingTensorsIsCheaperThanAnyPairwiseOrderThatBreaksTheLimit()
    {
        // The tensor train under a limit of 10 elements: everything at once, no intermediate.
        var shapes = new[] { new[] { 8, 2, 8 }, new[] { 8, 2, 8, 8 }, new[] { 8, 2, 8, 8 }, new[] { 8, 2, 8 }, new[] { 256, 8, 8, 8, 8 } };
        var plan = EinsumPlan.Create("aei,bfij,cgjk,dhk,nabcd->nefgh", new EinsumPlanOptions { MemoryLimit = 10 }, shapes);
        Assert.Single(plan.Steps);
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, plan.Steps[0].Operands);
        Assert.Equal(plan.NaiveFlops, plan.TotalFlops);
        Assert.Equal(plan.Steps[0].Flops, plan.TotalFlops);
        // Past ten operands the groups are merged greedily: a ring of 12 matrices under a limit a pair cannot meet.
        string ring = "ab,bc,cd,de,ef,fg,gh,hi,ij,jk,kl,la->";
        var ringShapes = Enumerable.Repeat(new[] { 3, 3 }, 12).ToArray();
        var greedy = EinsumPlan.Create(ring, new EinsumPlanOptions { MemoryLimit = 8 }, ringShapes);
        Assert.Equal(EinsumStepKind.Multiway, greedy.Steps[^1].Kind);
        Assert.All(greedy.Steps.Take(greedy.Steps.Count - 1), st => Assert.True(st.ResultSize <= 8));
        PathOracle.AssertStepCosts(ring, "abcdefghijkl".ToDictionary(c => c, _ => 3), greedy);
    }

    /// <summary>spec; shapes; limit: each runs its last step over three or more tensors.</summary>
    public static TheoryData<string, string, long> MultiwayCases() => new()
    {
        { "ij,jk,kl->il", "3,4;4,5;5,2", 0 },
        { "a,ac,ab,ad,cd,bd,bc->", "3;3,3;3,3;3,3;3,3;3,3;3,3", 9 },   // a·ac first, then six at once
        { "iij,jk,kl->il", "3,3,4;4,2;2,5", 0 },                       // a diagonal read in the last step
        { "ij,jk,kl->", "3,4;4,5;5,2", 0 },                             // a scalar result
        { ",ab,b->a", "();3,4;4", 0 },                                  // a rank-0 operand
        { "a,b,c->abc", "2;3;4", 0 },                                   // outer products only
        { "bij,bjk,bkl->bil", "1,3,4;2,4,5;2,5,3", 0 },                 // a size-1 batch dimension broadcast
        { "ij,jk,kl->il", "1,4;4,1;1,2", 0 },                            // size-1 labels against each other
        { "...ij,...jk,k->...i", "2,1,3,4;3,4,5;5", 0 },                // broadcast ellipsis dimensions
        { "i...,i...,i...->...", "3,2;3,1;3,2", 0 },                    // the ellipsis behind a label
        { "aj,b,c->abc", "2,0;3;4", 0 },                                 // an empty sum (zeros), an empty gradient
        { "ab,b,c->ac", "2,3;3;4", 0 },
        { "ab,bc,cd,de->ae", "3,2;2,3;3,2;2,3", 4 },                    // pairs within the limit first
    };

    [Theory]
    [MemberData(nameof(MultiwayCases))]
    public void MultiwayPlansMatchTheOracleWithGradients(string spec, string shapeText, long limit)
    {
        var shapes = ConformanceData.Shapes(shapeText);
        var options = new EinsumPlanOptions { MemoryLimit = limit };
        var plan = EinsumPlan.Create(spec, options, shapes);
        Assert.Equal(EinsumStepKind.Multiway, plan.Steps[^1].Kind);
        Assert.True(plan.Steps[^1].Operands.Count >= 3);

        var operands = ConformanceData.RandomOperands<double>(shapes, 7);
        var expected = Einsum.EvaluateNaive(spec, operands);
        var actual = Einsum.Evaluate(spec, options, operands);
        TestData.AssertClose(expected, actual, ConformanceData.Terms(spec, shapes), spec);

        var g = ConformanceData.Random<double>(expected.Lengths.ToArray().Select(d => (int)d).ToArray(), 5);
        var reference = Einsum.Backward(spec, g, operands);
        var limited = Einsum.Backward(spec, options, g, operands);
        for (int k = 0; k < operands.Length; k++)
        {
            Assert.Equal(reference[k].Lengths.ToArray(), limited[k].Lengths.ToArray());
            TestData.AssertClose(reference[k], limited[k], ConformanceData.Terms(spec, shapes), $"{spec}: gradient {k}");
        }

        var single = operands.Select(o => Tensor.ConvertChecked<double, float>(o)).ToArray();
        var floats = Einsum.Evaluate(spec, options, single);
        TestData.AssertClose(Tensor.ConvertChecked<double, float>(expected), floats, ConformanceData.Terms(spec, shapes), spec + " (float)");
        var half = operands.Select(o => Tensor.ConvertChecked<double, Half>(o)).ToArray();
        Assert.Equal(expected.Lengths.ToArray(), Einsum.Evaluate(spec, options, half).Lengths.ToArray());
    }

    [Fact]
    public void MultiwayStepsReadStridedViewsAndIntegers()
    {
        // A transposed view and a broadcast (stride-0) view, read in the last step.
        var a = ConformanceData.Random<double>(new[] { 4, 3 }, 1);
        var at = Tensor.Create(TestData.Flatten(a), new nint[] { 3, 4 }, new nint[] { 1, 3 });
        var b = Tensor.Create(new[] { 1.0, 2.0, 3.0, 4.0 }, new nint[] { 4, 5 }, new nint[] { 1, 0 });
        var c = ConformanceData.Random<double>(new[] { 5, 2 }, 3);
        var options = new EinsumPlanOptions { MemoryLimit = 0 };
        TestData.AssertClose(Einsum.EvaluateNaive("ij,jk,kl->il", at, b, c), Einsum.Evaluate("ij,jk,kl->il", options, at, b, c), 60, "views");
        var grads = Einsum.Backward("ij,jk,kl->il", options, Tensor.Create(Enumerable.Repeat(1.0, 6).ToArray(), new nint[] { 3, 2 }), at, b, c);
        TestData.AssertClose(Einsum.Backward("ij,jk,kl->il", Tensor.Create(Enumerable.Repeat(1.0, 6).ToArray(), new nint[] { 3, 2 }), at, b, c)[1],
            grads[1], 60, "the gradient of a broadcast view");

        var ints = ConformanceData.Shapes("3,4;4,5;5,2").Select((s, k) => ConformanceData.Tensor(s, i => (i * 7 + k) % 11 - 5)).ToArray();
        Assert.Equal(TestData.Flatten(Einsum.EvaluateNaive("ij,jk,kl->il", ints)), TestData.Flatten(Einsum.Evaluate("ij,jk,kl->il", options, ints)));
    }

    [Fact]
    public void OptionsReachEvaluateAndBackward()
    {
        // Without a limit, the options choose the strategy of a pairwise plan, which runs on the program runner.
        var shapes = ConformanceData.Shapes("3,4;4,5;5,2");
        var operands = ConformanceData.RandomOperands<double>(shapes, 3);
        var expected = Einsum.EvaluateNaive("ij,jk,kl->il", operands);
        foreach (var strategy in Enum.GetValues<EinsumPlanStrategy>())
        {
            var options = new EinsumPlanOptions { Strategy = strategy, MemoryLimit = 1000 };
            TestData.AssertClose(expected, Einsum.Evaluate("ij,jk,kl->il", options, operands), 60, strategy.ToString());
        }
        Assert.Throws<ArgumentException>(() => Einsum.Evaluate("ij,jk,kl->il", new EinsumPlanOptions { MemoryLimit = 0 }, operands[0], operands[0], operands[2]));
        Assert.Throws<ArgumentException>(() => Einsum.Backward("ij,jk,kl->il", new EinsumPlanOptions { MemoryLimit = 0 },
            ConformanceData.Random<double>(new[] { 3, 3 }, 1), operands));
    }

    [Fact]
    public void EvaluateIntoWithALimit()
    {
        // np.einsum(..., out=d, optimize=('greedy', 0)): the multiway step into a strided view; a wrong shape writes nothing.
        var options = new EinsumPlanOptions { Strategy = EinsumPlanStrategy.Greedy, MemoryLimit = 0 };
        var x = ConformanceData.RandomOperands<double>(ConformanceData.Shapes("3,4;4,5;5,2"), 9);
        var backing = Enumerable.Repeat(double.NaN, 12).ToArray();
        var transposed = Tensor.Create(backing, 0, new nint[] { 3, 2 }, new nint[] { 1, 3 });
        Einsum.EvaluateInto("ij,jk,kl->il", options, transposed, x);
        TestData.AssertClose(Einsum.EvaluateNaive("ij,jk,kl->il", x), transposed, 60, "into a transposed view");
        var scalar = Tensor.Create(new[] { double.NaN }, new nint[] { 1, 1 });
        Einsum.EvaluateInto("ij,jk,kl->", options, scalar, x);
        Assert.Equal(TestData.Flatten(Einsum.EvaluateNaive("ij,jk,kl->", x))[0], scalar[0, 0], 1e-12);
        var wrong = Tensor.Create(Enumerable.Repeat(double.NaN, 6).ToArray(), new nint[] { 2, 3 });
        var error = Assert.Throws<ArgumentException>(() => Einsum.EvaluateInto("ij,jk,kl->il", options, wrong, x));
        Assert.Contains("[3, 2]", error.Message, StringComparison.Ordinal);
        Assert.All(TestData.Flatten(wrong), v => Assert.True(double.IsNaN(v)));
    }

    /// <summary>opt_einsum's memory_limit="max_input": the largest operand.</summary>
    private static long MaxInput(string spec, int[][] shapes) => shapes.Max(s => s.Aggregate(1L, (p, d) => p * d));

    private static IReadOnlyDictionary<char, int> Sizes(string sizes) =>
        sizes.Length == 0 ? ConformanceData.DefaultSizes : sizes.Split(',').ToDictionary(p => p[0], p => int.Parse(p.Substring(2)));
}
