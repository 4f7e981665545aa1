using System;
using System.Buffers;
using System.Linq;
using System.Numerics.Tensors;
using EinsumGen.Convolutions;
using EinsumGen.Tests.Runtime;
using Xunit;

namespace EinsumGen.Tests.Convolutions;

/// <summary>
/// KFAC-reduce into a kept factor: the same numbers as the allocating call (binned, window-sum and Π̄-matrix means, simplified
/// or not), a strided factor, the checks, and a repeated call that allocates neither its mean nor its factor.
/// </summary>
public class ConvKfacBufferTests
{
    public static TheoryData<int[], ConvSpec> Cases() => new()
    {
        { new[] { 2, 3, 8, 10 }, ConvSpec.Uniform(2, 2, stride: 2) },                                          // binned mean
        { new[] { 2, 4, 9, 7 }, new ConvSpec(new[] { 3, 3 }, stride: new[] { 2, 1 }, padding: new ConvPadding[] { 1, 1 }, groups: 2) }, // window sums
        { new[] { 2, 2, 8, 8 }, ConvSpec.Uniform(2, 1, stride: 2) },                                          // one tap: the Π̄ matrices
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void IntoAKeptFactorMatchesTheAllocatingCall(int[] xs, ConvSpec spec)
    {
        var x = ConvOracle.Random(xs, 3);
        foreach (bool simplify in new[] { true, false })
        {
            var s = spec.WithSimplify(simplify);
            var expected = Conv.KfacReduce(ConvOracle.ToTensor<double>(x, xs), s);
            var factor = Tensor.Create(Enumerable.Repeat(9.0, (int)expected.FlattenedLength).ToArray(), expected.Lengths);
            Conv.KfacReduce(ConvOracle.ToTensor<double>(x, xs), s, factor);
            var shape = expected.Lengths.ToArray().Select(d => (int)d).ToArray();
            ConvOracle.AssertClose(ConvOracle.ToDoubles(expected), factor, shape, 4, $"into a kept factor, simplify={simplify}");
            // Again into the same buffer (overwritten, not added), and through a strided view of a larger one.
            Conv.KfacReduce(ConvOracle.ToTensor<double>(x, xs), s, factor);
            ConvOracle.AssertClose(ConvOracle.ToDoubles(expected), factor, shape, 4, $"a second call, simplify={simplify}");
            var wide = Tensor.CreateFromShape<float>(new nint[] { shape[0], shape[1], shape[2] + 2 });
            var view = wide.Slice(NRange.All, NRange.All, new NRange(0, shape[2]));
            Conv.KfacReduce(ConvOracle.ToTensor<float>(x, xs), s, view);
            ConvOracle.AssertClose(ConvOracle.ToDoubles(expected), view, shape, 4 * shape[1], $"float, strided factor, simplify={simplify}");
        }
    }

    [Fact]
    public void TheFactorIsCheckedFirst()
    {
        var x = ConvOracle.ToTensor<double>(ConvOracle.Random(new[] { 2, 3, 8, 8 }, 5), new[] { 2, 3, 8, 8 });
        var spec = ConvSpec.Uniform(2, 2, stride: 2);
        var wrong = Tensor.Create(Enumerable.Repeat(7.0, 12 * 11).ToArray(), new nint[] { 1, 12, 11 });
        var e = Assert.Throws<ArgumentException>(() => Conv.KfacReduce(x, spec, wrong));
        Assert.Equal("factor", e.ParamName);
        Assert.Contains("dimension 2", e.Message);
        Assert.Contains("has size 11, but 12 is expected", e.Message);
        Assert.All(ConvOracle.ToDoubles(wrong), value => Assert.Equal(7.0, value));
        var block = new double[2 * 3 * 8 * 8];
        var sharedX = Tensor.Create(block, new nint[] { 2, 3, 8, 8 });
        var factorOverX = Tensor.Create(block, 100, new nint[] { 1, 12, 12 }, default);
        e = Assert.Throws<ArgumentException>(() => Conv.KfacReduce(sharedX, spec, factorOverX));
        Assert.Equal("factor", e.ParamName);
        Assert.Contains("overlaps x", e.Message);
    }
}

/// <summary>A repeated KFAC-reduce into a kept factor allocates neither its mean (pooled) nor its factor on the calling thread.</summary>
[Collection(nameof(AllocationCollection))]
public class ConvKfacBufferAllocationTests
{
    [Fact]
    public void ARepeatedCallAllocatesNoLargeBuffer()
    {
        // 2×2/2 on 16 channels of 16×16, batch 64: mean [64, 64] (16 KB of float), factor [1, 64, 64] (16 KB).
        int[] xs = { 64, 16, 16, 16 };
        var x = ConvOracle.ToTensor<float>(ConvOracle.Random(xs, 7), xs);
        var spec = ConvSpec.Uniform(2, 2, stride: 2);
        var factor = Tensor.CreateFromShape<float>(new nint[] { 1, 64, 64 });
        for (int i = 0; i < 5; i++) Conv.KfacReduce(x, spec, factor);
        long before = GC.GetAllocatedBytesForCurrentThread();
        const int calls = 20;
        for (int i = 0; i < calls; i++) Conv.KfacReduce(x, spec, factor);
        long perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / calls;
        // Small objects remain (views, the row split's closures); the mean and the factor are 16 KB each.
        Assert.True(perCall < 8 * 1024, $"{perCall} bytes per call");
        ConvOracle.AssertClose(ConvOracle.ToDoubles(Conv.KfacReduce(x, spec)), factor, new[] { 1, 64, 64 }, 400, "kept factor");
    }
}
