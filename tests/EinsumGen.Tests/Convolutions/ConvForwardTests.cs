using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using EinsumGen.Convolutions;
using Xunit;
using static EinsumGen.Tests.Convolutions.ConvCases;

namespace EinsumGen.Tests.Convolutions;

/// <summary>Every §7 convolution case, float and double, with and without simplification, against the direct-loop oracle.</summary>
public class ConvForwardTests
{
    [Theory]
    [MemberData(nameof(Low), MemberType = typeof(ConvCases))]
    public void ForwardMatchesTheOracle(Case c) => Check(c);

    [Theory]
    [MemberData(nameof(High), MemberType = typeof(ConvCases))]
    public void HighDimensionalForwardMatchesTheOracle(Case c) => Check(c, sample: 11, bothTypes: false);

    /// <summary>
    /// Float and double, simplified and not. The 4-d to 6-d cases (up to 360,000 outputs of 300 terms each) check every
    /// 11th output position against the oracle, and double only simplified, to keep the group's time down.
    /// </summary>
    private static void Check(Case c, int sample = 1, bool bothTypes = true)
    {
        var (x, w) = Inputs(c);
        var expected = ConvOracle.Forward(x, c.X, w, c.W, c.Spec, out var shape, sample);
        Assert.Equal(c.Y, shape);
        foreach (bool simplify in new[] { true, false })
        {
            Run<float>(c, x, w, expected, simplify);
            if (bothTypes || simplify) Run<double>(c, x, w, expected, simplify);
        }
    }

    private static void Run<T>(Case c, double[] x, double[] w, double[] expected, bool simplify) where T : unmanaged, INumberBase<T>
    {
        var y = Conv.Forward(ConvOracle.ToTensor<T>(x, c.X), ConvOracle.ToTensor<T>(w, c.W), c.Spec.WithSimplify(simplify));
        ConvOracle.AssertClose(expected, y, c.Y, Terms(c), $"{c.Name} {typeof(T).Name} simplify={simplify}");
    }

    [Fact]
    public void BiasIsAddedPerOutputChannel()
    {
        var spec = new ConvSpec(new[] { 3, 3 }, padding: new ConvPadding[] { 1, 1 });
        int[] xs = { 2, 3, 6, 5 }, ws = { 4, 3, 3, 3 };
        var x = ConvOracle.Random(xs, 3);
        var w = ConvOracle.Random(ws, 4);
        double[] bias = { 0.5, -1, 2, 3 };
        var expected = ConvOracle.Forward(x, xs, w, ws, spec, out var ys);
        int plane = ys[2] * ys[3];
        for (int i = 0; i < expected.Length; i++) expected[i] += bias[i / plane % 4];
        var y = Conv.Forward(ConvOracle.ToTensor<double>(x, xs), ConvOracle.ToTensor<double>(w, ws), spec, ConvOracle.ToTensor<double>(bias, new[] { 4 }));
        ConvOracle.AssertClose(expected, y, ys, 27, "bias");
    }

    [Theory]
    [InlineData(1, 1, 0, 8)]  // 1×1: a channel matmul
    [InlineData(1, 2, 0, 8)]  // 1×1 stride 2: down-sampling
    [InlineData(4, 4, 0, 16)] // 4×4/4 patchify: dense
    [InlineData(2, 2, 0, 8)]  // 2×2/2 downsample layer: dense
    [InlineData(2, 3, 0, 9)]  // K=2, S=3, I=9: down-sampling, then dense
    [InlineData(8, 1, 0, 8)]  // K = I: a dense layer
    [InlineData(3, 1, 1, 8)]  // general 3×3 p1
    public void SimplifiedLayerKindsMatchTheOracle(int kernel, int stride, int padding, int size)
    {
        var spec = ConvSpec.Uniform(2, kernel, stride, padding);
        int[] xs = { 3, 4, size, size }, ws = { 5, 4, kernel, kernel };
        var x = ConvOracle.Random(xs, 5);
        var w = ConvOracle.Random(ws, 6);
        var expected = ConvOracle.Forward(x, xs, w, ws, spec, out var ys);
        foreach (bool simplify in new[] { true, false })
        {
            var y = Conv.Forward(ConvOracle.ToTensor<double>(x, xs), ConvOracle.ToTensor<double>(w, ws), spec.WithSimplify(simplify));
            ConvOracle.AssertClose(expected, y, ys, 4 * kernel * kernel, $"K={kernel} S={stride} simplify={simplify}");
        }
    }

    [Fact]
    public void StridedInputViewsAreRead()
    {
        // x as a transposed view (spatial axes swapped) and a sliced weight: the operations take any strided tensor.
        var spec = ConvSpec.Uniform(2, 3, 2, 1);
        int[] xs = { 2, 3, 7, 9 }, ws = { 4, 3, 3, 3 };
        var x = ConvOracle.Random(xs, 7);
        var w = ConvOracle.Random(ws, 8);
        var expected = ConvOracle.Forward(x, xs, w, ws, spec, out var ys);
        var swapped = ConvOracle.ToTensor<double>(x, xs).ToDenseTensor();
        var transposed = Tensor.PermuteDimensions(Tensor.PermuteDimensions(swapped, new[] { 0, 1, 3, 2 }).ToDenseTensor(), new[] { 0, 1, 3, 2 });
        var y = Conv.Forward(transposed, ConvOracle.ToTensor<double>(w, ws), spec);
        ConvOracle.AssertClose(expected, y, ys, 27, "strided x");
    }
}

/// <summary>The batch-chunked path (columns over the chunk budget) gives the unchunked results.</summary>
[Collection(nameof(ConvChunkCollection))]
public class ConvChunkTests
{
    [Fact]
    public void ChunkedOperationsMatchUnchunkedOnes()
    {
        var spec = new ConvSpec(new[] { 3, 2 }, stride: new[] { 2, 1 }, padding: new ConvPadding[] { 1, 0 }, groups: 2);
        int[] xs = { 5, 4, 9, 7 }, ws = { 6, 2, 3, 2 };
        var x = ConvOracle.ToTensor<double>(ConvOracle.Random(xs, 1), xs);
        var w = ConvOracle.ToTensor<double>(ConvOracle.Random(ws, 2), ws);
        var y = Conv.Forward(x, w, spec);
        var v = ConvOracle.ToTensor<double>(ConvOracle.Random(y.Lengths.ToArray().Select(d => (int)d).ToArray(), 3), y.Lengths.ToArray().Select(d => (int)d).ToArray());
        System.Func<Tensor<double>>[] ops =
        {
            () => Conv.Forward(x, w, spec), () => Conv.WeightVjp(x, v, spec), () => Conv.InputVjp(v, w, spec, new[] { 9, 7 }),
            () => Conv.Kfc(x, spec), () => Conv.KfacReduce(x, spec), () => Conv.Unfold(x, spec),
            () => Conv.TransposeKfacReduce(v, new ConvSpec(new[] { 3, 2 }, stride: new[] { 2, 1 }, padding: new ConvPadding[] { 1, 0 }, groups: 2)), () => Conv.Fold(Conv.Unfold(x, spec), spec, new[] { 9, 7 }),
        };
        var expected = ops.Select(op => TestData.Flatten(op())).ToArray();
        long saved = Conv.ChunkElements;
        try
        {
            Conv.ChunkElements = 100; // one sample per chunk
            for (int i = 0; i < ops.Length; i++) ConvOracle.AssertClose(expected[i], TestData.Flatten(ops[i]()), 100, false, $"operation {i} chunked");
        }
        finally
        {
            Conv.ChunkElements = saved;
        }
    }
}

[CollectionDefinition(nameof(ConvChunkCollection), DisableParallelization = true)]
public class ConvChunkCollection
{
}
