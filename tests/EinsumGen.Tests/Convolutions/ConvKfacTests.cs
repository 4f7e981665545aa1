using System.Linq;
using EinsumGen.Convolutions;
using Xunit;

namespace EinsumGen.Tests.Convolutions;

/// <summary>
/// KFC and KFAC-reduce (network and pre-averaged) against their unfold-based formulas (the reference's ground truth:
/// unfold, then Σ u uᵀ / N, or the mean over positions, then Σ m mᵀ / N, per group), and transpose KFAC-reduce against
/// the same formula on the transpose-unfold.
/// </summary>
public class ConvKfacTests
{
    public static TheoryData<int[], ConvSpec> FactorCases() => new()
    {
        { new[] { 2, 3, 20 }, new ConvSpec(new[] { 5 }, padding: new ConvPadding[] { 2 }) },
        { new[] { 2, 4, 20 }, new ConvSpec(new[] { 3 }, stride: new[] { 3 }, groups: 2) },
        { new[] { 2, 3, 12, 10 }, new ConvSpec(new[] { 3, 3 }, stride: new[] { 2, 1 }, padding: new ConvPadding[] { 1, ConvPadding.PerSide(0, 2) }, dilation: new[] { 1, 2 }) },
        { new[] { 2, 4, 10, 8 }, new ConvSpec(new[] { 3, 2 }, padding: new[] { ConvPadding.Same, ConvPadding.Same }, groups: 2) },
        { new[] { 2, 2, 8, 8 }, new ConvSpec(new[] { 2, 2 }, stride: new[] { 2, 2 }) },        // dense: identities
        { new[] { 2, 2, 8, 8 }, new ConvSpec(new[] { 1, 1 }, stride: new[] { 2, 2 }) },        // 1×1 stride 2: down-sampling
        { new[] { 2, 3, 7, 6, 5 }, new ConvSpec(new[] { 3, 2, 2 }, stride: new[] { 2, 1, 2 }, padding: new ConvPadding[] { 1, 0, 1 }) },
    };

    [Theory]
    [MemberData(nameof(FactorCases))]
    public void FactorsMatchTheirUnfoldBasedFormulas(int[] xs, ConvSpec spec)
    {
        var x = ConvOracle.Random(xs, 0);
        var u = ConvOracle.Unfold(x, xs, spec, out var us);
        int groups = spec.Groups, side = us[1] / groups;
        var kfc = ConvOracle.KfcFromColumns(u, us[0], us[1], us[2], groups);
        var reduce = ConvOracle.KfacReduceFromColumns(u, us[0], us[1], us[2], groups);
        var fs = new[] { groups, side, side };
        foreach (bool simplify in new[] { true, false })
        {
            var s = spec.WithSimplify(simplify);
            ConvOracle.AssertClose(kfc, Conv.Kfc(ConvOracle.ToTensor<double>(x, xs), s), fs, us[2] * 2, $"KFC simplify={simplify}");
            ConvOracle.AssertClose(kfc, Conv.Kfc(ConvOracle.ToTensor<float>(x, xs), s), fs, us[2] * 2, $"KFC float simplify={simplify}");
            ConvOracle.AssertClose(reduce, Conv.KfacReduce(ConvOracle.ToTensor<double>(x, xs), s), fs, us[2] * 2, $"KFAC-reduce simplify={simplify}");
            ConvOracle.AssertClose(reduce, Conv.KfacReduce(ConvOracle.ToTensor<float>(x, xs), s), fs, us[2] * 2, $"KFAC-reduce float simplify={simplify}");
        }
        ConvOracle.AssertClose(reduce, Conv.KfacReduceAveraged(ConvOracle.ToTensor<double>(x, xs), spec), fs, us[2] * 2, "KFAC-reduce averaged");
        ConvOracle.AssertClose(reduce, Conv.KfacReduceAveraged(ConvOracle.ToTensor<float>(x, xs), spec), fs, us[2] * 2, "KFAC-reduce averaged float");
    }

    public static TheoryData<int[], ConvSpec> NonOverlappingCases() => new()
    {
        { new[] { 2, 3, 5, 70 }, ConvSpec.Uniform(2, 2, stride: 2) },                                       // 2×2/2, whole vectors
        { new[] { 2, 2, 9, 67 }, new ConvSpec(new[] { 2, 3 }, stride: new[] { 3, 4 }, padding: new[] { ConvPadding.PerSide(1, 0), 0 }) },
        { new[] { 3, 2, 6, 50 }, new ConvSpec(new[] { 1, 2 }, stride: new[] { 2, 4 }, dilation: new[] { 1, 2 }) },   // taps 0 and 2 of 4
        { new[] { 2, 4, 4, 6, 41 }, new ConvSpec(new[] { 2, 2, 2 }, stride: new[] { 2, 2, 2 }, groups: 2) },
        { new[] { 2, 3, 12, 16 }, ConvSpec.Uniform(2, 4, stride: 4) },                                       // patchify
        { new[] { 2, 3, 7, 5 }, ConvSpec.Uniform(2, 2, stride: 7) },                                         // stride above the row
    };

    /// <summary>
    /// Non-overlapping windows make every Π̄ a selection, and KFAC-reduce's mean a binned sum (one pass, whole vectors where
    /// the windows repeat): against the unfold-based formula, float and double, dense and strided x (which takes the matrices).
    /// </summary>
    [Theory]
    [MemberData(nameof(NonOverlappingCases))]
    public void NonOverlappingKfacReduceIsABinnedMean(int[] xs, ConvSpec spec)
    {
        Assert.NotNull(ConvBinnedMean.TryCreate<float>(spec.Geometries(xs.Skip(2).ToArray())));
        AssertAgainstUnfold<float>(xs, spec, seed: 1, offset: 1);
    }

    public static TheoryData<int[], ConvSpec> OverlappingCases() => new()
    {
        { new[] { 2, 3, 29 }, new ConvSpec(new[] { 3 }, stride: new[] { 2 }, padding: new ConvPadding[] { 1 }) },                // 1-d, strided
        { new[] { 2, 4, 28, 28 }, ConvSpec.Uniform(2, 3, stride: 2, padding: 1) },                                            // ResNet-18 3×3/2
        { new[] { 2, 4, 11, 13 }, new ConvSpec(new[] { 3, 3 }, stride: new[] { 2, 1 }, padding: new ConvPadding[] { 1, ConvPadding.PerSide(0, 2) }, dilation: new[] { 1, 2 }, groups: 2) },
        { new[] { 2, 2, 9, 10 }, new ConvSpec(new[] { 5, 3 }, stride: new[] { 3, 2 }, padding: new ConvPadding[] { 4, 0 }) },  // taps that read nothing
        { new[] { 2, 3, 7, 6, 21 }, new ConvSpec(new[] { 3, 2, 3 }, stride: new[] { 2, 1, 2 }, padding: new ConvPadding[] { 1, 0, 1 }) }, // 3-d
        { new[] { 2, 3, 12, 12 }, new ConvSpec(new[] { 3, 3 }, stride: new[] { 2, 3 }, dilation: new[] { 3, 2 }, padding: new ConvPadding[] { 2, 1 }) },
        { new[] { 2, 6, 10, 9 }, ConvSpec.Uniform(2, 3, padding: 1, groups: 3) },                                           // stride 1
        { new[] { 3, 2, 8, 8 }, ConvSpec.Uniform(2, 1, stride: 2) },                                                        // one tap: the matrices
    };

    /// <summary>
    /// Overlapping windows take the window sums (each tap's progression summed dimension by dimension, the taps of one residue
    /// class sharing their core): against the unfold-based formula, float and double, dense and strided x (which takes the matrices).
    /// </summary>
    [Theory]
    [MemberData(nameof(OverlappingCases))]
    public void OverlappingKfacReduceTakesTheWindowSums(int[] xs, ConvSpec spec)
    {
        var geometries = spec.Geometries(xs.Skip(2).ToArray());
        Assert.Null(ConvBinnedMean.TryCreate<float>(geometries));
        // A single tap keeps the Π̄ matrices (a faster GEMV); it is still checked against the formula here.
        if (geometries.All(g => g.KernelSize == 1)) Assert.Null(ConvWindowMean.TryCreate(geometries));
        else Assert.NotNull(ConvWindowMean.TryCreate(geometries));
        AssertAgainstUnfold<double>(xs, spec, seed: 2, offset: 2);
    }

    /// <summary>
    /// Conv.KfacReduce of a random x against the unfold-based formula, in double and float, then with x a strided view of
    /// element type <typeparamref name="TStrided"/> (its last dimension at <paramref name="offset"/> inside a wider, NaN-filled tensor).
    /// </summary>
    private static void AssertAgainstUnfold<TStrided>(int[] xs, ConvSpec spec, int seed, int offset)
        where TStrided : unmanaged, System.Numerics.INumberBase<TStrided>
    {
        var x = ConvOracle.Random(xs, seed);
        var u = ConvOracle.Unfold(x, xs, spec, out var us);
        int side = us[1] / spec.Groups;
        var expected = ConvOracle.KfacReduceFromColumns(u, us[0], us[1], us[2], spec.Groups);
        var fs = new[] { spec.Groups, side, side };
        ConvOracle.AssertClose(expected, Conv.KfacReduce(ConvOracle.ToTensor<double>(x, xs), spec), fs, us[2] * 2, "double");
        ConvOracle.AssertClose(expected, Conv.KfacReduce(ConvOracle.ToTensor<float>(x, xs), spec), fs, us[2] * 2, "float");
        var wide = xs.ToArray();
        wide[^1] += 3;
        var host = ConvOracle.ToTensor<TStrided>(Enumerable.Repeat(double.NaN, wide.Aggregate(1, (a, b) => a * b)).ToArray(), wide);
        var ranges = wide.Select((d, i) => i == wide.Length - 1 ? new System.Buffers.NRange(offset, offset + xs[^1]) : System.Buffers.NRange.All).ToArray();
        var strided = host.Slice(ranges);
        ConvOracle.ToTensor<TStrided>(x, xs).CopyTo(strided);
        ConvOracle.AssertClose(expected, Conv.KfacReduce(strided, spec), fs, us[2] * 2, "strided " + typeof(TStrided).Name.ToLowerInvariant().Replace("single", "float"));
    }

    [Fact]
    public void OverlappingWindowsAndSingleTapsAreNotBinned()
    {
        Assert.Null(ConvBinnedMean.TryCreate<float>(ConvSpec.Uniform(2, 3, padding: 1).Geometries(new[] { 8, 8 })));
        Assert.Null(ConvBinnedMean.TryCreate<double>(ConvSpec.Uniform(1, 3, stride: 2).Geometries(new[] { 9 })));
        Assert.Null(ConvBinnedMean.TryCreate<float>(ConvSpec.Uniform(2, 1, stride: 2).Geometries(new[] { 8, 8 }))); // one tap: the GEMV path
    }

    public static TheoryData<int[], ConvSpec> TransposeCases() => new()
    {
        // The reference's transpose KFAC-reduce cases: x [2,3,8(,7,6)], K 5 / (5,3) / (5,3,2), output padding up to 2.
        { new[] { 2, 3, 8 }, new ConvSpec(new[] { 5 }, stride: new[] { 3 }, outputPadding: new[] { 2 }) },
        { new[] { 2, 3, 8, 7 }, new ConvSpec(new[] { 5, 3 }, stride: new[] { 3, 2 }, padding: new ConvPadding[] { 1, 0 }, outputPadding: new[] { 2, 1 }) },
        { new[] { 2, 3, 8, 7, 6 }, new ConvSpec(new[] { 5, 3, 2 }, stride: new[] { 3, 2, 1 }, outputPadding: new[] { 2, 1, 0 }) },
        { new[] { 2, 4, 8, 7 }, new ConvSpec(new[] { 5, 3 }, stride: new[] { 3, 2 }, outputPadding: new[] { 1, 0 }, groups: 2) },
    };

    [Theory]
    [MemberData(nameof(TransposeCases))]
    public void TransposeKfacReduceMatchesTheTransposeUnfoldFormula(int[] xs, ConvSpec spec)
    {
        var x = ConvOracle.Random(xs, 0);
        var input = spec.TransposeGeometries(xs.Skip(2).ToArray()).Select(g => g.InputSize).ToArray();
        var u = ConvOracle.TransposeUnfold(x, xs, spec, input);
        int taps = spec.KernelSize.Aggregate(1, (a, b) => a * b), positions = input.Aggregate(1, (a, b) => a * b);
        int rows = xs[1] * taps, side = rows / spec.Groups;
        var expected = ConvOracle.KfacReduceFromColumns(u, xs[0], rows, positions, spec.Groups);
        foreach (bool simplify in new[] { true, false })
        {
            var f = Conv.TransposeKfacReduce(ConvOracle.ToTensor<double>(x, xs), spec.WithSimplify(simplify));
            ConvOracle.AssertClose(expected, f, new[] { spec.Groups, side, side }, positions * 2, $"transpose KFAC-reduce simplify={simplify}");
        }
    }
}
