using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using Xunit;

namespace EinsumGen.Tests.Conformance;

/// <summary>
/// Explicit contraction orders (<see cref="EinsumPlanOptions.Path"/>): NumPy's <c>optimize=['einsum_path', ...]</c>
/// (numpy/_core/tests/test_einsum.py: test_path_type_input, test_path_type_input_internal_trace,
/// test_path_type_input_invalid, and every path TestEinsumPath states) and opt_einsum's <c>optimize=path</c>
/// (opt_einsum/tests/test_paths.py: test_explicit_path, path_edge_tests, test_memory_paths, test_optimal_edge_cases,
/// test_greedy_edge_cases, test_can_optimize_outer_products, test_path_optimal; test_edge_cases.py:
/// test_pathinfo_for_empty_contraction; test_contract.py: test_linear_vs_ssa). Each stated path is followed step for step
/// (the plan's <see cref="EinsumPlan.LinearPath"/> is the path, its cost opt_einsum's), its values are checked against
/// the oracle in double and float through Evaluate and EvaluateInto, and its gradients by central finite differences.
/// </summary>
public class ExplicitPathTests
{
    /// <summary>spec; the stated linear path ("0,2;0,1"); sizes ("" for opt_einsum's defaults).</summary>
    public static TheoryData<string, string, string> StatedPaths() => new()
    {
        // opt_einsum path_edge_tests (every strategy's path) and NumPy test_edge_paths.
        { "eb,cb,fb->cef", "0,2;0,1", "" },
        { "eb,cb,fb->cef", "1,2;0,1", "" },
        { "dd,fb,be,cdb->cef", "0,3;0,1;0,1", "" },
        { "dd,fb,be,cdb->cef", "0,3;0,2;0,1", "" },
        { "bca,cdb,dbf,afc->", "1,2;0,2;0,1", "" },
        { "bca,cdb,dbf,afc->", "1,2;1,2;0,1", "" },
        { "dcc,fce,ea,dbf->ab", "1,2;0,1;0,1", "" },
        { "dcc,fce,ea,dbf->ab", "1,2;0,2;0,1", "" },
        // NumPy test_long_paths.
        { "acdf,jbje,gihb,hfac,gfac,gifabc,hfac", "3,6;3,4;2,4;2,3;0,2;0,1", "" },
        { "chd,bde,agbc,hiad,bdi,cgh,agdb", "3,4;0,3;3,4;1,3;1,2;0,1", "" },
        { "chd,bde,agbc,hiad,bdi,cgh,agdb", "0,5;1,4;3,4;1,3;1,2;0,1", "" },
        // NumPy test_path_type_input: optimize=False's path, optimize=True's, and the explicit one.
        { "dcc,fce,ea,dbf->ab", "0,1,2,3", "" },
        { "dcc,fce,ea,dbf->ab", "0,2;0,2;0,1", "" },
        // test_path_type_input_internal_trace (gh-20962): a unary step first.
        { "cab,cdd->ab", "1;0,1", "" },
        // test_memory_paths, with and without its limit.
        { "abc,bdef,fghj,cem,mhk,ljk->adgl", "0,1,2,3,4,5", "" },
        { "abc,bdef,fghj,cem,mhk,ljk->adgl", "0,3;0,4;0,2;0,2;0,1", "" },
        // test_optimal_edge_cases / NumPy edge test 5: a pairwise step, then one multiway step.
        { "a,ac,ab,ad,cd,bd,bc->", "0,1;0,1,2,3,4,5", "a=20,b=20,c=20,d=20" },
        // test_greedy_edge_cases, with and without max_input.
        { "abc,cfd,dbe,efa", "0,1,2,3", "a=20,b=20,c=20,d=20,e=20,f=20" },
        { "abc,cfd,dbe,efa", "0,1;0,2;0,1", "a=20,b=20,c=20,d=20,e=20,f=20" },
        // test_path_optimal / test_path_greedy (GEMM1) and NumPy test_memory_contraints.
        { "abd,ac,bdc->", "0,2;0,1", "a=1,b=2,c=3,d=4" },
        { "abd,ac,bdc->", "0,1,2", "a=1,b=2,c=3,d=4" },
        { "a,b,c->abc", "0,1,2", "" },
        { "acdf,jbje,gihb,hfac", "0,1,2,3", "" },
        // test_can_optimize_outer_products.
        { "ab,cd,ef,fg", "2,3;0,2;0,1", "a=10,b=10,c=10,d=10,e=10,f=10,g=2" },
        // Multiway steps before the last, unary steps on intermediates, positions in any order.
        { "ab,bc,cd,de,ef->af", "0,1,2;0,1,2", "" },
        { "ab,bc,cd,de,ef->af", "4,2,3;1,0;1,0", "" },
        { "aab,bcc,cd->ad", "0;0;0,1,2", "" },
        { "ab,bc->ac", "0,1;0", "" },
        { "ab,bc->ac", "1;0;0,1", "" },
        { "ij,jk,kl,lm->im", "3,2;0,1;0;1,0", "" },
        // Ellipses, broadcasting and scalar operands.
        { "...ab,...bc,...cd->...ad", "1,2;0,1", "" },
        { "a...,b...,ab->...", "0,1,2", "" },
        { "a,,b->ab", "0,1;0,1", "" },
    };

    private static IReadOnlyList<IReadOnlyList<int>> ParsePath(string path) =>
        path.Split(';').Select(s => (IReadOnlyList<int>)s.Split(',').Select(int.Parse).ToArray()).ToArray();

    private static string Show(IReadOnlyList<IReadOnlyList<int>> path) => string.Join(";", path.Select(s => string.Join(",", s)));

    private static IReadOnlyDictionary<char, int> Sizes(string sizes) =>
        sizes.Length == 0 ? ConformanceData.DefaultSizes : sizes.Split(',').ToDictionary(p => p[0], p => int.Parse(p.Substring(2)));

    [Theory]
    [MemberData(nameof(StatedPaths))]
    public void PlanFollowsTheStatedPathAtOptEinsumsCost(string spec, string path, string sizes)
    {
        var dims = Sizes(sizes);
        var options = new EinsumPlanOptions { Path = ParsePath(path), Strategy = EinsumPlanStrategy.Greedy, MemoryLimit = 1 };
        var plan = EinsumPlan.Create(spec, options, ConformanceData.BuildShapes(spec, dims));
        string sorted = string.Join(";", path.Split(';').Select(s => string.Join(",", s.Split(',').Select(int.Parse).Order())));
        Assert.Equal(sorted, Show(plan.LinearPath));
        Assert.Equal("explicit path", plan.Strategy);
        if (!spec.Contains('.') && !spec.Contains(",,") && !spec.StartsWith(','))
        {
            Assert.Equal(PathOracle.LinearPathCost(spec, dims, path), plan.TotalFlops);
            PathOracle.AssertStepCosts(spec, dims, plan);
        }
        foreach (var step in plan.Steps)
        {
            Assert.Equal(step.Operands.Count > 2, step.Kind == EinsumStepKind.Multiway);
        }

        // Round trip: the plan's own path gives the same plan.
        var again = EinsumPlan.Create(spec, new EinsumPlanOptions { Path = plan.LinearPath }, ConformanceData.BuildShapes(spec, dims));
        Assert.Equal(Show(plan.LinearPath), Show(again.LinearPath));
        Assert.Equal(plan.TotalFlops, again.TotalFlops);
        Assert.Equal(plan.ToString(), again.ToString());
    }

    /// <summary>Shapes small enough for the oracle: each default size capped at 4 (the path does not depend on sizes).</summary>
    private static int[][] ValueShapes(string spec, string sizes) =>
        ConformanceData.BuildShapes(spec, Sizes(sizes).ToDictionary(kv => kv.Key, kv => Math.Min(kv.Value, 4)));

    [Theory]
    [MemberData(nameof(StatedPaths))]
    public void StatedPathValuesMatchTheOracle(string spec, string path, string sizes)
    {
        var shapes = ValueShapes(spec, sizes);
        var options = new EinsumPlanOptions { Path = ParsePath(path) };
        long terms = ConformanceData.Terms(spec, shapes);

        var d = ConformanceData.RandomOperands<double>(shapes, 7);
        var expected = Einsum.EvaluateNaive(spec, d);
        TestData.AssertClose(expected, Einsum.Evaluate(spec, options, d), terms, $"{spec} [{path}] double");
        var into = TestData.Garbage<double>(expected.Lengths);
        Einsum.EvaluateInto(spec, options, into, d);
        TestData.AssertClose(expected, into, terms, $"{spec} [{path}] EvaluateInto");

        var f = ConformanceData.RandomOperands<float>(shapes, 7);
        TestData.AssertClose(Einsum.EvaluateNaive(spec, f), Einsum.Evaluate(spec, options, f), terms, $"{spec} [{path}] float");

        // Integers exactly (small values, so nothing wraps).
        var ints = shapes.Select((s, k) => ConformanceData.Tensor(s, i => (i * 7 + k * 3) % 5 - 2)).ToArray();
        Assert.Equal(TestData.Elements(Einsum.EvaluateNaive(spec, ints)), TestData.Elements(Einsum.Evaluate(spec, options, ints)));
    }

    [Theory]
    [MemberData(nameof(StatedPaths))]
    public void StatedPathGradientsMatchFiniteDifferences(string spec, string path, string sizes)
    {
        var shapes = ValueShapes(spec, sizes);
        var options = new EinsumPlanOptions { Path = ParsePath(path) };
        var x = ConformanceData.RandomOperands<double>(shapes, 11);
        var result = Einsum.Evaluate(spec, options, x);
        var g = TestData.Random<double>(result.Lengths.ToArray().Select(v => (int)v).ToArray(), 5);
        var grads = Einsum.Backward(spec, options, g, x);
        var unconstrained = Einsum.Backward(spec, g, x);
        double Loss(Tensor<double>[] operands) =>
            TestData.Flatten(Einsum.Evaluate(spec, options, operands)).Zip(TestData.Flatten(g), (a, b) => a * b).Sum();
        const double h = 1e-3;
        for (int k = 0; k < x.Length; k++)
        {
            Assert.Equal(x[k].Lengths.ToArray(), grads[k].Lengths.ToArray());
            var direction = TestData.Random<double>(x[k].Lengths.ToArray().Select(v => (int)v).ToArray(), 100 + k);
            var plus = (Tensor<double>[])x.Clone();
            var minus = (Tensor<double>[])x.Clone();
            plus[k] = Add(x[k], direction, h);
            minus[k] = Add(x[k], direction, -h);
            double numeric = (Loss(plus) - Loss(minus)) / (2 * h);
            double analytic = TestData.Flatten(grads[k]).Zip(TestData.Flatten(direction), (a, b) => a * b).Sum();
            double scale = Math.Max(1, Math.Abs(numeric)) * ConformanceData.Terms(spec, shapes);
            Assert.True(Math.Abs(numeric - analytic) <= 1e-9 * scale, $"{spec} [{path}]: operand {k}: finite difference {numeric}, gradient {analytic}");
            TestData.AssertClose(unconstrained[k], grads[k], ConformanceData.Terms(spec, shapes), $"{spec} [{path}] gradient {k}");
        }
    }

    private static Tensor<double> Add(Tensor<double> x, Tensor<double> d, double scale)
    {
        var values = TestData.Flatten(x).Zip(TestData.Flatten(d), (a, b) => a + scale * b).ToArray();
        return Tensor.Create(values, x.Lengths);
    }

    [Fact]
    public void OptEinsumsExplicitPathOnVectors()
    {
        // test_explicit_path: contract("a,b,c", [1], [2], [3], optimize=[(1, 2), (0, 1)]) == 6.
        var ones = new[] { 1.0, 2.0, 3.0 }.Select(v => Tensor.Create(new[] { v }, new nint[] { 1 })).ToArray();
        var result = Einsum.Evaluate("a,b,c", new EinsumPlanOptions { Path = new[] { new[] { 1, 2 }, new[] { 0, 1 } } }, ones);
        Assert.Equal(new nint[] { 1, 1, 1 }, result.Lengths.ToArray());
        Assert.Equal(6.0, TestData.Flatten(result).Single());
    }

    [Fact]
    public void PlansMdExample()
    {
        var options = new EinsumPlanOptions { Path = new[] { new[] { 0, 2 }, new[] { 0, 1 } } };
        var operands = ConformanceData.RandomOperands<double>(ConformanceData.BuildShapes("dcc,fce,ea->ad"), 4);
        TestData.AssertClose(Einsum.EvaluateNaive("dcc,fce,ea->ad", operands), Einsum.Evaluate("dcc,fce,ea->ad", options, operands), 60, "plans.md");
        Assert.Equal("0,2;0,1", Show(EinsumPlan.Create("dcc,fce,ea->ad", options, ConformanceData.BuildShapes("dcc,fce,ea->ad")).LinearPath));
    }

    [Fact]
    public void EmptyPathForASingleOperand()
    {
        // test_pathinfo_for_empty_contraction: contract_path("->", 1.0, optimize=[]) works; largest intermediate 1.
        var plan = EinsumPlan.Create("->", new EinsumPlanOptions { Path = Array.Empty<int[]>() }, Array.Empty<int>());
        Assert.Equal(1, plan.LargestIntermediate);
        Assert.Single(plan.LinearPath);
        Assert.False(string.IsNullOrEmpty(plan.ToString()));
        var x = TestData.Random<double>(new[] { 3, 4 }, 1);
        var t = Einsum.Evaluate("ij->ji", new EinsumPlanOptions { Path = Array.Empty<int[]>() }, x);
        Assert.Equal(TestData.Flatten(Einsum.EvaluateNaive("ij->ji", x)), TestData.Flatten(t));
    }

    /// <summary>spec; path; words the message must contain.</summary>
    public static TheoryData<string, string, string> InvalidPaths() => new()
    {
        // NumPy test_path_type_input_invalid (RuntimeError there): the path leaves two tensors.
        { "ab,bc,cd,de->ae", "2,3;0,1", "leaves 2 tensors" },
        { "a,a,a->a", "1;0,1", "leaves 2 tensors" },
        { "ab,bc,cd->ad", "0,3", "Step 0 of the path names position 3" },
        { "ab,bc,cd->ad", "0,1;0,2", "Step 1 of the path names position 2" },
        { "ab,bc,cd->ad", "0,-1;0,1", "Step 0 of the path names position -1" },
        { "ab,bc,cd->ad", "1,1;0,1", "Step 0 of the path names position 1 twice" },
        { "ab,bc,cd->ad", "0,1,2;1", "Step 1 of the path names position 1, but 1 tensor(s)" },
        { "ab,bc->ac", "0,1;0;0,1", "Step 2 of the path names position 1" },
    };

    [Theory]
    [MemberData(nameof(InvalidPaths))]
    public void InvalidPathsAreArgumentExceptionsBeforeAnythingIsWritten(string spec, string path, string message)
    {
        var options = new EinsumPlanOptions { Path = ParsePath(path) };
        var shapes = ConformanceData.BuildShapes(spec);
        var x = ConformanceData.RandomOperands<double>(shapes, 3);
        var result = Einsum.EvaluateNaive(spec, x);
        void Check(Action action, string what)
        {
            var e = Assert.ThrowsAny<ArgumentException>(action);
            Assert.Contains(message, e.Message);
            Assert.Equal("options", e.ParamName);
            Assert.True(e is not ArgumentNullException, what);
        }
        Check(() => EinsumPlan.Create(spec, options, shapes), "Create");
        Check(() => Einsum.Evaluate(spec, options, x), "Evaluate");
        var output = TestData.Garbage<double>(result.Lengths);
        Check(() => Einsum.EvaluateInto(spec, options, output, x), "EvaluateInto");
        Assert.All(TestData.Flatten(output), v => Assert.True(double.IsNaN(v)));
        Check(() => Einsum.Backward(spec, options, result, x), "Backward");
        var halves = x.Select(t => Tensor.ConvertChecked<double, Half>(t)).ToArray();
        Check(() => Einsum.Evaluate(spec, options, halves), "Evaluate<Half>");
    }

    [Fact]
    public void NullEmptyAndMissingStepsAreNamed()
    {
        var shapes = ConformanceData.BuildShapes("ab,bc->ac");
        var e = Assert.Throws<ArgumentException>(() => EinsumPlan.Create("ab,bc->ac", new EinsumPlanOptions { Path = new int[][] { null! } }, shapes));
        Assert.Contains("Step 0 of the path is null", e.Message);
        e = Assert.Throws<ArgumentException>(() => EinsumPlan.Create("ab,bc->ac", new EinsumPlanOptions { Path = new[] { new[] { 0, 1 }, Array.Empty<int>() } }, shapes));
        Assert.Contains("Step 1 of the path names no tensor", e.Message);
        e = Assert.Throws<ArgumentException>(() => EinsumPlan.Create("ab,bc->ac", new EinsumPlanOptions { Path = Array.Empty<int[]>() }, shapes));
        Assert.Contains("The path is empty, but 2 operands", e.Message);
        // Shape errors still come first, and name the operand.
        e = Assert.Throws<ArgumentException>(() => EinsumPlan.Create("ab,bc->ac", new EinsumPlanOptions { Path = ParsePath("0,5") }, new[] { 2, 3 }, new[] { 4, 5 }));
        Assert.Contains("'b'", e.Message);
    }

    /// <summary>opt_einsum test_linear_vs_ssa, and the round trip through the path, for every ported expression.</summary>
    public static TheoryData<string> Expressions() => new(OracleCasesTests.Expressions);

    [Theory]
    [MemberData(nameof(Expressions))]
    public void LinearPathIsTheStepsAndRoundTrips(string spec)
    {
        var shapes = ConformanceData.BuildShapes(spec);
        foreach (var options in new[] { new EinsumPlanOptions(), new EinsumPlanOptions { Strategy = EinsumPlanStrategy.Greedy, MemoryLimit = 0 } })
        {
            var plan = EinsumPlan.Create(spec, options, shapes);
            // Linear → SSA: replay the positions on a list of ids; each step's ids are the step's operands.
            var live = Enumerable.Range(0, shapes.Length).ToList();
            for (int k = 0; k < plan.LinearPath.Count; k++)
            {
                var positions = plan.LinearPath[k];
                Assert.Equal(positions.Order(), positions);
                var ids = positions.Select(p => live[p]).ToList();
                Assert.Equal(plan.Steps[k].Operands.Order(), ids.Order());
                foreach (int p in positions.OrderDescending()) live.RemoveAt(p);
                live.Add(plan.Steps[k].ResultId);
            }
            Assert.Single(live);
            var again = EinsumPlan.Create(spec, new EinsumPlanOptions { Path = plan.LinearPath }, shapes);
            Assert.Equal(Show(plan.LinearPath), Show(again.LinearPath));
            Assert.Equal(plan.TotalFlops, again.TotalFlops);
            Assert.Equal(plan.LargestIntermediate, again.LargestIntermediate);
        }
    }
}
