using System.Linq;
using EinsumGen.Convolutions;
using EinsumGen.Tests.Convolutions;
using Xunit;

namespace EinsumGen.Tests.Conformance;

/// <summary>
/// The hyperparameter grids of the einconv reference's factor tests (f-dangel/einconv test/expressions/
/// convNd_kfc_cases.py, convNd_kfac_reduce_cases.py — the same grid — and conv_transposeNd_kfac_reduce_cases.py),
/// against the unfold-based formulas on the direct-loop oracle, in double and float. The 1-d and 2-d cases and every
/// transpose case are the reference's exactly; its 3-d KFC cases keep their hyperparameters on a smaller input
/// ([2, C, 12, 11, 10], [2, 3, 8, 8, 8] and [2, 3, 14, 14, 14] for [2, C, 50, 40, 30]: the oracle's Σ u uᵀ over 43,056 columns of 375 rows takes minutes).
/// The convolution, VJP, unfold and index-pattern grids are in Convolutions/ConvCases.cs and ConvPatternTests.
/// </summary>
public class EinconvGridTests
{
    private static ConvPadding[] P(params int[] p) => p.Select(v => ConvPadding.Symmetric(v)).ToArray();

    private static ConvPadding[] Same(int n) => Enumerable.Repeat(ConvPadding.Same, n).ToArray();

    private static int[] R(int n, int v) => Enumerable.Repeat(v, n).ToArray();

    /// <summary>input shape, spec: KFC_{1,2,3}D_CASES (= KFAC_REDUCE_{1,2,3}D_CASES).</summary>
    public static TheoryData<int[], ConvSpec> FactorGrid() => new()
    {
        { new[] { 2, 3, 50 }, new ConvSpec(new[] { 5 }) },
        { new[] { 2, 3, 50 }, new ConvSpec(new[] { 5 }, stride: new[] { 2 }) },
        { new[] { 2, 4, 50 }, new ConvSpec(new[] { 5 }, stride: new[] { 3 }, groups: 2) },
        { new[] { 2, 3, 50 }, new ConvSpec(new[] { 5 }, padding: P(2)) },
        { new[] { 2, 3, 50 }, new ConvSpec(new[] { 5 }, stride: new[] { 3 }, padding: P(2), dilation: new[] { 1 }) },
        { new[] { 2, 3, 50 }, new ConvSpec(new[] { 5 }, dilation: new[] { 2 }) },
        { new[] { 2, 3, 20 }, new ConvSpec(new[] { 5 }, padding: Same(1)) },
        { new[] { 2, 3, 50, 40 }, new ConvSpec(new[] { 5, 5 }) },
        { new[] { 2, 3, 50, 40 }, new ConvSpec(new[] { 5, 5 }, stride: R(2, 2)) },
        { new[] { 2, 4, 50, 40 }, new ConvSpec(new[] { 5, 5 }, stride: R(2, 3), groups: 2) },
        { new[] { 2, 3, 50, 40 }, new ConvSpec(new[] { 6, 6 }, padding: P(2, 2)) },
        { new[] { 2, 3, 50, 40 }, new ConvSpec(new[] { 5, 3 }, stride: new[] { 3, 2 }, padding: P(2, 1), dilation: new[] { 1, 2 }) },
        { new[] { 2, 3, 50, 40 }, new ConvSpec(new[] { 5, 6 }, dilation: R(2, 2)) },
        { new[] { 2, 3, 50, 40 }, new ConvSpec(new[] { 5, 3 }, padding: Same(2), dilation: new[] { 1, 2 }) },
        { new[] { 2, 3, 12, 11, 10 }, new ConvSpec(new[] { 5, 5, 5 }) },
        { new[] { 2, 3, 12, 11, 10 }, new ConvSpec(new[] { 5, 5, 5 }, stride: R(3, 2)) },
        { new[] { 2, 4, 12, 11, 10 }, new ConvSpec(new[] { 5, 5, 5 }, stride: R(3, 3), groups: 2) },
        { new[] { 2, 3, 8, 8, 8 }, new ConvSpec(new[] { 5, 6, 7 }, padding: P(2, 2, 2)) },
        { new[] { 2, 3, 12, 11, 10 }, new ConvSpec(new[] { 5, 3, 2 }, stride: new[] { 3, 2, 1 }, padding: P(2, 1, 0), dilation: new[] { 1, 2, 3 }) },
        { new[] { 2, 3, 14, 14, 14 }, new ConvSpec(new[] { 5, 6, 7 }, dilation: R(3, 2)) },
        { new[] { 2, 3, 12, 11, 10 }, new ConvSpec(new[] { 5, 3, 2 }, padding: Same(3), dilation: new[] { 1, 2, 2 }) },
    };

    [Theory]
    [MemberData(nameof(FactorGrid))]
    public void KfcAndKfacReduceMatchTheUnfoldFormulas(int[] xs, ConvSpec spec)
    {
        var x = ConvOracle.Random(xs, 0);
        var u = ConvOracle.Unfold(x, xs, spec, out var us);
        int side = us[1] / spec.Groups;
        var shape = new[] { spec.Groups, side, side };
        var kfc = ConvOracle.KfcFromColumns(u, us[0], us[1], us[2], spec.Groups);
        var reduce = ConvOracle.KfacReduceFromColumns(u, us[0], us[1], us[2], spec.Groups);
        ConvOracle.AssertClose(kfc, Conv.Kfc(ConvOracle.ToTensor<double>(x, xs), spec), shape, us[2] * 2, "KFC");
        ConvOracle.AssertClose(kfc, Conv.Kfc(ConvOracle.ToTensor<float>(x, xs), spec), shape, us[2] * 2, "KFC float");
        ConvOracle.AssertClose(reduce, Conv.KfacReduce(ConvOracle.ToTensor<double>(x, xs), spec), shape, us[2] * 2, "KFAC-reduce");
        ConvOracle.AssertClose(reduce, Conv.KfacReduce(ConvOracle.ToTensor<float>(x, xs), spec), shape, us[2] * 2, "KFAC-reduce float");
    }

    /// <summary>input shape, spec: TRANSPOSE_KFAC_REDUCE_{1,2,3}D_CASES.</summary>
    public static TheoryData<int[], ConvSpec> TransposeGrid() => new()
    {
        { new[] { 2, 3, 8 }, new ConvSpec(new[] { 5 }) },
        { new[] { 2, 3, 8 }, new ConvSpec(new[] { 5 }, stride: new[] { 2 }) },
        { new[] { 2, 4, 8 }, new ConvSpec(new[] { 5 }, stride: new[] { 3 }, groups: 2) },
        { new[] { 2, 3, 8 }, new ConvSpec(new[] { 5 }, padding: P(2)) },
        { new[] { 2, 3, 8 }, new ConvSpec(new[] { 5 }, stride: new[] { 2 }, outputPadding: new[] { 1 }) },
        { new[] { 2, 3, 8 }, new ConvSpec(new[] { 5 }, dilation: new[] { 2 }) },
        { new[] { 2, 3, 8 }, new ConvSpec(new[] { 3 }, stride: new[] { 2 }, padding: P(1), dilation: new[] { 1 }, outputPadding: new[] { 1 }) },
        { new[] { 2, 3, 8, 7 }, new ConvSpec(new[] { 5, 5 }) },
        { new[] { 2, 3, 8, 7 }, new ConvSpec(new[] { 5, 3 }, stride: new[] { 2, 3 }, padding: P(1, 2), dilation: new[] { 2, 1 },
            outputPadding: new[] { 1, 2 }) },
        { new[] { 2, 3, 8, 7, 6 }, new ConvSpec(new[] { 5, 5, 5 }) },
        { new[] { 2, 3, 8, 7, 6 }, new ConvSpec(new[] { 5, 3, 2 }, stride: new[] { 3, 2, 1 }, padding: P(0, 1, 2), dilation: new[] { 1, 2, 3 },
            outputPadding: new[] { 2, 0, 0 }) },
    };

    [Theory]
    [MemberData(nameof(TransposeGrid))]
    public void TransposeKfacReduceMatchesTheTransposeUnfoldFormula(int[] xs, ConvSpec spec)
    {
        var x = ConvOracle.Random(xs, 0);
        var input = spec.TransposeGeometries(xs.Skip(2).ToArray()).Select(g => g.InputSize).ToArray();
        var u = ConvOracle.TransposeUnfold(x, xs, spec, input);
        int taps = spec.KernelSize.Aggregate(1, (a, b) => a * b), positions = input.Aggregate(1, (a, b) => a * b);
        int rows = xs[1] * taps, side = rows / spec.Groups;
        var expected = ConvOracle.KfacReduceFromColumns(u, xs[0], rows, positions, spec.Groups);
        var shape = new[] { spec.Groups, side, side };
        ConvOracle.AssertClose(expected, Conv.TransposeKfacReduce(ConvOracle.ToTensor<double>(x, xs), spec), shape, positions * 2, "transpose KFAC-reduce");
        ConvOracle.AssertClose(expected, Conv.TransposeKfacReduce(ConvOracle.ToTensor<float>(x, xs), spec), shape, positions * 2,
            "transpose KFAC-reduce float");
    }
}
