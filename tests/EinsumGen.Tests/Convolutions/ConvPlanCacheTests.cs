using System.Linq;
using System.Numerics.Tensors;
using System.Threading.Tasks;
using EinsumGen.Convolutions;
using Xunit;

namespace EinsumGen.Tests.Convolutions;

/// <summary>
/// The spec's plan cache: one plan per operation and call shape, reused by later calls (dense or strided operands, any
/// thread), the same numbers as a fresh spec; and KFAC-reduce, routed to the pre-averaged contraction, equal to its network.
/// </summary>
public class ConvPlanCacheTests
{
    private static readonly int[] XShape = { 2, 4, 7, 9 }, WShape = { 6, 2, 3, 3 };

    // Three output channels per group: simplified, the thin-layer kernel would take this layer and plan no network.
    private static ConvSpec NewSpec() => new ConvSpec(new[] { 3, 3 }, stride: new[] { 2, 1 }, padding: new ConvPadding[] { 1, 1 }, groups: 2).WithSimplify(false);

    [Fact]
    public void ACallShapeIsPlannedOnceAndReused()
    {
        var spec = NewSpec();
        var x = ConvOracle.Random(XShape, 1);
        var w = ConvOracle.Random(WShape, 2);
        var expected = ConvOracle.Forward(x, XShape, w, WShape, spec, out var yShape);
        for (int call = 0; call < 3; call++)
        {
            ConvOracle.AssertClose(expected, Conv.Forward(ConvOracle.ToTensor<double>(x, XShape), ConvOracle.ToTensor<double>(w, WShape), spec),
                yShape, 18, $"call {call}");
        }
        Assert.Equal(1, spec.Plans.Count);
        // float shares the plan (its constants and programs are kept per element type inside it).
        ConvOracle.AssertClose(expected, Conv.Forward(ConvOracle.ToTensor<float>(x, XShape), ConvOracle.ToTensor<float>(w, WShape), spec), yShape, 18, "float");
        Assert.Equal(1, spec.Plans.Count);

        int[] other = { 3, 4, 8, 9 };
        var x2 = ConvOracle.Random(other, 3);
        var expected2 = ConvOracle.Forward(x2, other, w, WShape, spec, out var y2);
        ConvOracle.AssertClose(expected2, Conv.Forward(ConvOracle.ToTensor<double>(x2, other), ConvOracle.ToTensor<double>(w, WShape), spec), y2, 18, "new shape");
        Assert.Equal(2, spec.Plans.Count);
        Conv.WeightVjp(ConvOracle.ToTensor<double>(x2, other), Tensor.CreateFromShape<double>(y2.Select(d => (nint)d).ToArray()), spec);
        Assert.Equal(3, spec.Plans.Count);
    }

    /// <summary>Which legs merge depends on whether an operand is a dense view: a strided x after a dense one plans its own contraction.</summary>
    [Fact]
    public void AStridedOperandAfterADenseOneIsRight()
    {
        var spec = ConvSpec.Uniform(2, 1);
        int[] wide = { 2, 4, 7, 18 }, xs = { 2, 4, 7, 9 }, ws = { 5, 4, 1, 1 };
        var x = ConvOracle.Random(xs, 4);
        var w = ConvOracle.Random(ws, 5);
        var expected = ConvOracle.Forward(x, xs, w, ws, spec, out var yShape);
        var dense = ConvOracle.ToTensor<double>(x, xs);
        ConvOracle.AssertClose(expected, Conv.Forward(dense, ConvOracle.ToTensor<double>(w, ws), spec), yShape, 4, "dense");
        // The same values as every other element of a wider buffer: a strided view.
        var backing = new double[wide.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < x.Length; i++) backing[2 * i] = x[i];
        var view = Tensor.Create(backing, 0, xs.Select(d => (nint)d).ToArray(), new nint[] { 4 * 7 * 18, 7 * 18, 18, 2 });
        Assert.False(view.IsDense);
        ConvOracle.AssertClose(expected, Conv.Forward(view, ConvOracle.ToTensor<double>(w, ws), spec), yShape, 4, "strided");
        Assert.Equal(1, spec.Plans.Count);
    }

    [Fact]
    public void ThreadsShareAPlan()
    {
        var spec = NewSpec();
        var x = ConvOracle.ToTensor<float>(ConvOracle.Random(XShape, 6), XShape);
        var w = ConvOracle.ToTensor<float>(ConvOracle.Random(WShape, 7), WShape);
        var reference = ConvOracle.ToDoubles(Conv.Forward(x, w, NewSpec()));
        var results = new double[16][];
        Parallel.For(0, results.Length, i => results[i] = ConvOracle.ToDoubles(Conv.Forward(x, w, spec)));
        Assert.All(results, r => Assert.Equal(reference, r));
        Assert.Equal(1, spec.Plans.Count);
    }

    [Fact]
    public void TheCacheStaysBounded()
    {
        var spec = ConvSpec.Uniform(1, 1);
        var w = ConvOracle.ToTensor<float>(new double[] { 2 }, new[] { 1, 1, 1 });
        for (int size = 1; size <= ConvPlanCache.MaxPlans + 6; size++)
        {
            var x = ConvOracle.ToTensor<float>(Enumerable.Repeat(1.0, size).ToArray(), new[] { 1, 1, size });
            Assert.All(ConvOracle.ToDoubles(Conv.Forward(x, w, spec)), v => Assert.Equal(2.0, v));
            Assert.InRange(spec.Plans.Count, 1, ConvPlanCache.MaxPlans);
        }
    }

    /// <summary>A [Convolution] method's spec is a static field: its calls share one plan per shape.</summary>
    [Fact]
    public void AGeneratedLayerPlansOncePerShape()
    {
        var field = typeof(GeneratedConvOperations).GetField("__Kfc_ConvSpec", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static);
        var spec = Assert.IsType<ConvSpec>(field!.GetValue(null));
        int[] xs = { 2, 4, 5, 6 };
        var x = ConvOracle.ToTensor<double>(ConvOracle.Random(xs, 9), xs);
        int before = spec.Plans.Count;
        var first = ConvOracle.ToDoubles(GeneratedConvOperations.Kfc(x));
        int after = spec.Plans.Count;
        var second = ConvOracle.ToDoubles(GeneratedConvOperations.Kfc(x));
        Assert.Equal(after, spec.Plans.Count);
        Assert.InRange(after - before, 0, 1); // 0 when another test ran this shape first
        Assert.Equal(first, second);
    }

    [Theory]
    [InlineData(1, 2, 0)]
    [InlineData(3, 1, 1)]
    [InlineData(2, 2, 0)]
    public void KfacReduceRoutedEqualsItsNetwork(int kernel, int stride, int padding)
    {
        int[] xs = { 3, 4, 8, 6 };
        var spec = ConvSpec.Uniform(2, kernel, stride, padding, groups: 2);
        var x = ConvOracle.ToTensor<double>(ConvOracle.Random(xs, 8), xs);
        var network = Conv.KfacReduceNetwork(x, spec);
        var routed = Conv.KfacReduce(x, spec);
        var asBuilt = Conv.KfacReduce(x, spec.WithSimplify(false));
        var shape = network.Lengths.ToArray().Select(d => (int)d).ToArray();
        ConvOracle.AssertClose(ConvOracle.ToDoubles(network), routed, shape, 64, "routed against the simplified network");
        ConvOracle.AssertClose(ConvOracle.ToDoubles(network), asBuilt, shape, 64, "routed against the network as built");
    }
}
