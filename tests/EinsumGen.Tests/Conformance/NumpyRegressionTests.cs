using System;
using System.Linq;
using System.Numerics.Tensors;
using Xunit;

namespace EinsumGen.Tests.Conformance;

/// <summary>
/// numpy/_core/tests/test_einsum.py cases the other groups lacked: test_einsum_broadcast_30349,
/// test_einsum_ellipsis_30349_single_operand and _two_operands (each run as <c>optimize=False</c>, one multiway step;
/// <c>optimize=True</c>, the planner's order; and the order read back through an explicit path), test_einsum_fixedstridebug
/// (gh-4485), test_einsum_all_contig_non_contig_output (gh-5907) and test_einsum_chunking_precision (to the summation bound, not
/// NumPy's 15 decimals).
/// </summary>
public class NumpyRegressionTests
{
    /// <summary>np.tile(np.array([1, 2, 3]), (3, 3, 1)): x[i, j, k] = k + 1.</summary>
    private static Tensor<double> Tiled() => ConformanceData.Tensor(new[] { 3, 3, 3 }, i => i % 3 + 1.0);

    [Fact]
    public void Broadcast30349()
    {
        var x = Tiled();
        Assert.Equal(new[] { 18.0, 18, 18 }, TestData.Flatten(Einsum.Evaluate("i...->i", x)));
        Assert.Equal(new[] { 18.0, 18, 18 }, TestData.Flatten(Einsum.Evaluate("i...->i", new EinsumPlanOptions { MemoryLimit = 0 }, x)));
    }

    public static TheoryData<string, int> Ellipsis30349() => new()
    {
        { "...i->i", 1 }, { "ij...->i", 1 }, { "ij...->ij", 1 }, { "...ij->i", 1 }, { "...ij->ij", 1 }, { "i...j->i", 1 },
        { "i...j->ij", 1 }, { "ijk->i", 1 }, { "ijk->ij", 1 }, { "ijk->ijk", 1 },
        { "ij..., i...->i", 2 }, { "j..., i...->j", 2 }, { "j..., i...->", 2 }, { "ijk, jk...->", 2 }, { "ijk, k...->i", 2 },
        { "ijk, klm->k", 2 }, { "ijk, jkl->ik", 2 },
    };

    [Theory]
    [MemberData(nameof(Ellipsis30349))]
    public void EllipsisCases30349AgreeOptimizedOrNot(string spec, int operands)
    {
        var args = Enumerable.Repeat(Tiled(), operands).ToArray();
        var expected = Einsum.EvaluateNaive(spec, args);
        var plan = EinsumPlan.Create(spec, Enumerable.Repeat(new[] { 3, 3, 3 }, operands).ToArray());
        foreach (var options in new EinsumPlanOptions?[] { null, new() { MemoryLimit = 0 }, new() { Path = plan.LinearPath } })
        {
            var actual = Einsum.Evaluate(spec, options, args);
            Assert.Equal(expected.Lengths.ToArray(), actual.Lengths.ToArray());
            Assert.Equal(TestData.Flatten(expected), TestData.Flatten(actual));
        }
        // The summed '...' dimensions in the backward pass: each gradient broadcasts the result's gradient along them.
        var random = Enumerable.Range(0, operands).Select(k => ConformanceData.Random<double>(new[] { 3, 3, 3 }, 20 + k)).ToArray();
        ConformanceData.AssertGradientsAreAdjoint(spec, random, spec);
        var g = TestData.Random<double>(expected.Lengths.ToArray().Select(d => (int)d).ToArray(), 3);
        var byPath = Einsum.Backward(spec, new EinsumPlanOptions { Path = plan.LinearPath }, g, random);
        var plain = Einsum.Backward(spec, g, random);
        for (int k = 0; k < operands; k++) TestData.AssertClose(plain[k], byPath[k], 27, $"{spec}: gradient {k} by path");
    }

    [Fact]
    public void FixedStrideBug4485()
    {
        // 'cl, cpx->lpx' against tensordot over axis 0, across the 8192-element buffer boundary, and the original report.
        foreach (var (spec, a, b) in new[]
        {
            ("cl, cpx->lpx", new[] { 2, 3 }, new[] { 2, 3, 2731 }),
            ("cl, cpxy->lpxy", new[] { 3, 3 }, new[] { 3, 3, 64, 64 }),
        })
        {
            var ad = ConformanceData.Tensor(a, i => (double)i);
            var bd = ConformanceData.Tensor(b, i => (double)(short)i);
            var expected = Einsum.EvaluateNaive(spec, ad, bd);
            Assert.Equal(TestData.Flatten(expected), TestData.Flatten(Einsum.Evaluate(spec, ad, bd)));
            var af = ConformanceData.Tensor(a, i => (float)i);
            var bf = ConformanceData.Tensor(b, i => (float)(short)i);
            Assert.Equal(TestData.Flatten(expected), TestData.Flatten(Einsum.Evaluate(spec, af, bf)));
        }
    }

    [Fact]
    public void NonContiguousOutput5907()
    {
        var x = ConformanceData.Tensor(new[] { 5, 5 }, _ => 1.0);
        foreach (string spec in new[] { "mi,mi,mi->m", "im,im,im->m" })
        {
            // out = np.ones(10)[::2]
            var data = Enumerable.Repeat(1.0, 10).ToArray();
            var output = Tensor.Create(data, 0, [5], [2]);
            Einsum.EvaluateInto(spec, output, x, x, x);
            Assert.Equal(Enumerable.Range(0, 10).Select(i => i % 2 == 0 ? 5.0 : 1.0), data);
            data = Enumerable.Repeat(1.0, 10).ToArray();
            Einsum.EvaluateInto(spec, new EinsumPlanOptions { Path = new[] { new[] { 0, 1, 2 } } }, Tensor.Create(data, 0, [5], [2]), x, x, x);
            Assert.Equal(Enumerable.Range(0, 10).Select(i => i % 2 == 0 ? 5.0 : 1.0), data);
        }
        // out = np.ones((2, 2, 2))[..., 0]
        var cube = Enumerable.Repeat(1f, 8).ToArray();
        var y = ConformanceData.Tensor(new[] { 2, 2 }, _ => 1f);
        Einsum.EvaluateInto("ij,jk->ik", Tensor.Create(cube, 0, [2, 2], [4, 2]), y, y);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => i % 2 == 0 ? 2f : 1f), cube);
    }

    [Fact]
    public void ChunkingPrecision()
    {
        // A million copies of 1 + 8196 eps (a stride-0 view), summed and divided by a million. NumPy's test asks for
        // 15 decimals, which its 8192-element inner loops reach; the runtime's reduction is off by about 2e-12 (docs/notation.md lists this). What holds is the error bound of any summation order,
        // n·ε relative, which this checks (and 1e-11 absolute, well inside it).
        const int num = 1_000_000;
        double value = 1.0 + 8196 * Math.Pow(2, -52);
        var broadcast = Tensor.Create(new[] { value }, 0, [num], [0]);
        double result = TestData.Flatten(Einsum.Evaluate("i->", broadcast)).Single() / num;
        Assert.True(Math.Abs(result - value) <= num * Math.Pow(2, -52) * value, $"{result:R} vs {value:R}");
        Assert.True(Math.Abs(result - value) < 1e-11, $"{result:R} vs {value:R}");
    }
}
