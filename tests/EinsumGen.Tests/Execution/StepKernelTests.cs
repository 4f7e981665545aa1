using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using Xunit;

namespace EinsumGen.Tests.Execution;

/// <summary>
/// The GEMM-like step kernel against the naive oracle: sizes around the micro-tile and cache-block edges (1..67, K past
/// one 256 block, M past one 96 block), transposed, strided and broadcast operands, batch groups, both orientations, the
/// two-core split (large products), float and double. Tolerance: 4ε per term of the contraction.
/// </summary>
public class StepKernelTests
{
    public static IEnumerable<object[]> Shapes()
    {
        var rng = new Random(2024);
        foreach (var (m, n, k) in new[] { (1, 1, 1), (6, 32, 1), (7, 33, 5), (5, 31, 300), (97, 17, 3), (13, 67, 257), (64, 64, 64), (150, 140, 130) })
        {
            yield return new object[] { m, n, k };
        }
        for (int i = 0; i < 8; i++) yield return new object[] { rng.Next(1, 68), rng.Next(1, 68), rng.Next(1, 68) };
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatMulMatchesOracle(int m, int n, int k)
    {
        Check<float>("mk,kn->mn", new[] { m, k }, new[] { k, n }, k);
        Check<double>("mk,kn->mn", new[] { m, k }, new[] { k, n }, k);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TransposedOperandsAndOutput(int m, int n, int k)
    {
        Check<float>("km,nk->nm", new[] { k, m }, new[] { n, k }, k);
        Check<double>("km,nk->nm", new[] { k, m }, new[] { n, k }, k);
    }

    [Theory]
    [InlineData(3, 5, 7, 2)]
    [InlineData(4, 33, 9, 40)]
    [InlineData(2, 70, 80, 90)]
    public void BatchedWithPermutedGroups(int b, int m, int n, int k)
    {
        Check<float>("bmk,knb->nbm", new[] { b, m, k }, new[] { k, n, b }, k);
        Check<double>("mbk,bkn->bmn", new[] { m, b, k }, new[] { b, k, n }, k);
    }

    [Theory]
    [InlineData(5, 7, 3)]
    [InlineData(40, 50, 60)]
    public void MultiLabelGroupsAsInTheTensorTrain(int p, int q, int r)
    {
        // Two labels per group, as the TT layer's steps have: M = (a,e), N = (c,g), K = (j,k).
        Check<float>("aejk,cgjk->aecg", new[] { p, 2, 3, r }, new[] { q, 2, 3, r }, 3 * r);
        Check<double>("aejk,jkcg->cage", new[] { p, 2, 3, r }, new[] { 3, r, q, 2 }, 3 * r);
    }

    [Theory]
    [InlineData(33, 100, 16)]
    [InlineData(64, 67, 32)]
    [InlineData(9, 130, 48)]
    public void WeightGradientShapes(int n, int k, int o)
    {
        // ∂W[k,o] = Σ_n x[n,k]·∂y[n,o]: computed as ∂Wᵀ (vectors along x's k), full 16 × 16 float tiles stored transposed.
        Check<float>("nk,no->ko", new[] { n, k }, new[] { n, o }, n);
        Check<double>("nk,no->ko", new[] { n, k }, new[] { n, o }, n);
        // The tensor train's, with its labels: o = (e,f,g,h), k = (a,b,c,d).
        Check<float>("nabcd,nefgh->abcdefgh", new[] { n, 4, 4, 4, 2 }, new[] { n, 2, 2, 2, 2 }, n);
    }

    [Fact]
    public void StridedAndBroadcastViews()
    {
        // A: every other row of a larger array; B: transposed, with a broadcast (stride-0) column; sizes around the tiles.
        var rng = new Random(3);
        var data = Enumerable.Range(0, 40 * 70).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var a = Tensor.Create(data, 0, new nint[] { 20, 37 }, new nint[] { 140, 1 });
        var bData = Enumerable.Range(0, 37).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var b = Tensor.Create(bData, 0, new nint[] { 37, 19 }, new nint[] { 1, 0 });
        var expected = Einsum.EvaluateNaive("mk,kn->mn", a, b);
        TestData.AssertClose(expected, Einsum.Evaluate("mk,kn->mn", a, b), 37, "strided A, broadcast B");
    }

    private static void Check<T>(string spec, int[] shapeA, int[] shapeB, long terms) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = TestData.Random<T>(shapeA, 11);
        var b = TestData.Random<T>(shapeB, 12);
        TestData.AssertClose(Einsum.EvaluateNaive(spec, a, b), Einsum.Evaluate(spec, a, b), terms, $"{spec} {string.Join("x", shapeA)} · {string.Join("x", shapeB)}");
    }
}
