using System;
using System.Buffers;
using System.Linq;
using System.Numerics.Tensors;
using EinsumGen.Convolutions;
using Xunit;

namespace EinsumGen.Tests.Convolutions;

/// <summary>
/// The kernels that replaced network paths: the strided input VJP by stride phase (<see cref="ImplicitGemmPhases"/>, and the
/// strided transpose convolution that is the same operation) and the thin-layer direct kernel (<see cref="ThinConv"/>:
/// depthwise and fewer than four output channels per group; forward, weight VJP, stride-1 input VJP), and the strided thin input
/// VJP (<see cref="ThinStridedInputVjp"/>). Against direct loops in double, float and double, with central differences for the gradients;
/// every case asserts its routing, so none passes on the network path.
/// </summary>
public class ConvDirectKernelTests
{
    public sealed record Layer(string Name, int Batch, int In, int Out, int[] Size, ConvSpec Spec)
    {
        public override string ToString() => Name;
    }

    private static ConvSpec Square(int dims, int kernel, int stride = 1, int padding = 0, int dilation = 1, int groups = 1) =>
        ConvSpec.Uniform(dims, kernel, stride, padding, dilation, groups);

    /// <summary>Strided layers the implicit GEMM takes: their input VJP runs by stride phase.</summary>
    public static TheoryData<Layer> StridedLayers => new()
    {
        new Layer("3x3 stride 2 p1, 6 -> 9, 11x10", 2, 6, 9, new[] { 11, 10 }, Square(2, 3, stride: 2, padding: 1)),
        new Layer("3x3 stride 2 p1, 16 -> 8, 16x16 (even sizes)", 2, 16, 8, new[] { 16, 16 }, Square(2, 3, stride: 2, padding: 1)),
        new Layer("5x3 stride (3, 2), 4 -> 6, 16x9", 2, 4, 6, new[] { 16, 9 }, new ConvSpec(new[] { 5, 3 }, stride: new[] { 3, 2 })),
        new Layer("2x2 stride 3 p1 (phases no tap reaches), 5 -> 4, 10x11", 2, 5, 4, new[] { 10, 11 }, Square(2, 2, stride: 3, padding: 1)),
        new Layer("3x3 stride 2 dilation 2 p2 (gcd 2: half the phases empty), 4 -> 5, 12x9", 2, 4, 5, new[] { 12, 9 },
            Square(2, 3, stride: 2, padding: 2, dilation: 2)),
        new Layer("3x3 stride 2 dilation 3 p1, 4 -> 6, 13x14", 1, 4, 6, new[] { 13, 14 }, Square(2, 3, stride: 2, padding: 1, dilation: 3)),
        new Layer("3x2 stride (2, 3) per-side padding (2, 0) / (0, 1), 5 -> 7, 9x11", 2, 5, 7, new[] { 9, 11 },
            new ConvSpec(new[] { 3, 2 }, stride: new[] { 2, 3 }, padding: new[] { ConvPadding.PerSide(2, 0), ConvPadding.PerSide(0, 1) })),
        new Layer("3x3 stride 2 p1 groups 3, 12 -> 12", 2, 12, 12, new[] { 9, 8 }, Square(2, 3, stride: 2, padding: 1, groups: 3)),
        new Layer("1-d K=3 stride 2 dilation 3, 4 -> 5, length 40", 2, 4, 5, new[] { 40 }, Square(1, 3, stride: 2, dilation: 3)),
        new Layer("1-d K=4 stride 4 p1, 4 -> 6, length 23", 3, 4, 6, new[] { 23 }, Square(1, 4, stride: 4, padding: 1)),
        new Layer("3-d 3x3x3 stride 2 p1, 4 -> 5, 5x6x7", 2, 4, 5, new[] { 5, 6, 7 }, Square(3, 3, stride: 2, padding: 1)),
        new Layer("3-d 2x3x2 stride (1, 2, 1), 4 -> 5, 4x7x5", 1, 4, 5, new[] { 4, 7, 5 },
            new ConvSpec(new[] { 2, 3, 2 }, stride: new[] { 1, 2, 1 }, padding: new ConvPadding[] { 0, 1, 1 })),
        new Layer("7x7 stride 2 p3 (the ResNet stem's geometry), 4 -> 8, 20x18", 2, 4, 8, new[] { 20, 18 }, Square(2, 7, stride: 2, padding: 3)),
    };

    /// <summary>Thin layers: depthwise, and fewer than four output channels per group.</summary>
    public static TheoryData<Layer> ThinLayers => new()
    {
        new Layer("depthwise 3x3 p1, 6 channels, 9x11", 2, 6, 6, new[] { 9, 11 }, Square(2, 3, padding: 1, groups: 6)),
        new Layer("depthwise 7x7 p3 (ConvNeXt), 4 channels, 14x14", 2, 4, 4, new[] { 14, 14 }, Square(2, 7, padding: 3, groups: 4)),
        new Layer("depthwise 3x3 stride 2 p1 (MobileNetV2), 5 channels, 13x12", 2, 5, 5, new[] { 13, 12 }, Square(2, 3, stride: 2, padding: 1, groups: 5)),
        new Layer("depthwise 3x3 dilation 2 p2, multiplier 2, 3 -> 6, 10x9", 2, 3, 6, new[] { 10, 9 }, Square(2, 3, padding: 2, dilation: 2, groups: 3)),
        new Layer("3x3 p1, 5 -> 1, 9x11", 3, 5, 1, new[] { 9, 11 }, Square(2, 3, padding: 1)),
        new Layer("3x3 p1, 7 -> 3, 8x8", 2, 7, 3, new[] { 8, 8 }, Square(2, 3, padding: 1)),
        new Layer("3x3 p1 groups 2, 8 -> 4 (2 per group)", 2, 8, 4, new[] { 7, 9 }, Square(2, 3, padding: 1, groups: 2)),
        new Layer("3x2 per-side padding (1, 2) / (0, 1), 4 -> 2, 7x8", 2, 4, 2, new[] { 7, 8 },
            new ConvSpec(new[] { 3, 2 }, padding: new[] { ConvPadding.PerSide(1, 2), ConvPadding.PerSide(0, 1) })),
        new Layer("1x3 'same', 1 -> 6 (one input channel, six rows in two passes)", 2, 1, 6, new[] { 5, 21 },
            new ConvSpec(new[] { 1, 3 }, padding: new[] { ConvPadding.Same, ConvPadding.Same })),
        new Layer("1-d K=5 p2 depthwise, 3 channels, length 150 (rows of many vectors)", 2, 3, 3, new[] { 150 }, Square(1, 5, padding: 2, groups: 3)),
        new Layer("1-d K=3 stride 3 dilation 2, 4 -> 2, length 37", 2, 4, 2, new[] { 37 }, Square(1, 3, stride: 3, dilation: 2)),
        new Layer("3-d 3x3x3 p1 depthwise, 3 channels, 5x6x7", 2, 3, 3, new[] { 5, 6, 7 }, Square(3, 3, padding: 1, groups: 3)),
        new Layer("depthwise 5x5 stride 3 p2, 4 channels, 16x15", 2, 4, 4, new[] { 16, 15 }, Square(2, 5, stride: 3, padding: 2, groups: 4)),
        new Layer("1-d depthwise K=3 stride 2 dilation 2 p1 (half the phases empty), 3 channels, length 41", 2, 3, 3, new[] { 41 },
            Square(1, 3, stride: 2, padding: 1, dilation: 2, groups: 3)),
        new Layer("3-d depthwise 3x3x3 stride 2 p1, 2 channels, 7x6x5", 2, 2, 2, new[] { 7, 6, 5 }, Square(3, 3, stride: 2, padding: 1, groups: 2)),
        new Layer("depthwise 3x3 p1, 8 channels, 24x24, batch 4 (split over threads)", 4, 8, 8, new[] { 24, 24 }, Square(2, 3, padding: 1, groups: 8)),
    };

    [Theory]
    [MemberData(nameof(StridedLayers))]
    public void StridedInputVjpMatchesDirectLoops(Layer l)
    {
        var (x, xs, w, ws, dy, ys) = Inputs(l);
        Assert.True(ImplicitGemmConv.AppliesToStridedInputVjp<float>(l.Spec, Geometries(l), l.In / l.Spec.Groups, l.Out / l.Spec.Groups), "routed");
        ConvImplicitGemmTests.Adjoints(x, xs, w, ws, dy, ys, l.Spec, out var dx, out _);
        long terms = (long)ys[1] * l.Spec.KernelSize.Aggregate(1, (a, b) => a * b);
        ConvOracle.AssertClose(dx, Conv.InputVjp(ConvOracle.ToTensor<float>(dy, ys), ConvOracle.ToTensor<float>(w, ws), l.Spec, l.Size), xs, terms, l.Name + " float");
        ConvOracle.AssertClose(dx, Conv.InputVjp(ConvOracle.ToTensor<double>(dy, ys), ConvOracle.ToTensor<double>(w, ws), l.Spec, l.Size), xs, terms, l.Name + " double");
        CentralDifferences(l, x, xs, w, ws, dy, ys);
    }

    [Theory]
    [MemberData(nameof(StridedLayers))]
    public void StridedInputVjpIntoBuffersOverwritesAndAccumulates(Layer l)
    {
        var (x, xs, w, ws, dy, ys) = Inputs(l);
        ConvImplicitGemmTests.Adjoints(x, xs, w, ws, dy, ys, l.Spec, out var dx, out _);
        // The phases write every position of a dense buffer (the ones no tap reaches are zero).
        InputVjpIntoBuffers(l, x, xs, w, ws, dy, ys, dx, floatBetween: false);
    }

    /// <summary>
    /// The input VJP into kept buffers: dense overwritten (every position written), then accumulated; a strided view
    /// accumulated with its padding untouched (after a float call, with <paramref name="floatBetween"/>: the thread's scratch
    /// reused at another element type).
    /// </summary>
    private static void InputVjpIntoBuffers(Layer l, double[] x, int[] xs, double[] w, int[] ws, double[] dy, int[] ys, double[] dx, bool floatBetween)
    {
        long terms = (long)ys[1] * l.Spec.KernelSize.Aggregate(1, (a, b) => a * b);
        var xt = ConvOracle.ToTensor<double>(x, xs);
        var wt = ConvOracle.ToTensor<double>(w, ws);
        var dyt = ConvOracle.ToTensor<double>(dy, ys);
        var dense = Filled(xs, double.NaN);
        Conv.ForwardBackward(xt, wt, dyt, l.Spec, dense, null);
        ConvOracle.AssertClose(dx, dense, xs, terms, l.Name + " overwritten");
        Conv.ForwardBackward(xt, wt, dyt, l.Spec, dense, null, mode: GradientMode.Accumulate);
        ConvOracle.AssertClose(dx.Select(v => 2 * v).ToArray(), dense, xs, 2 * terms, l.Name + " accumulated");
        var (view, whole) = StridedView(xs, 5.0);
        if (floatBetween)
        {
            Conv.ForwardBackward(ConvOracle.ToTensor<float>(x, xs), ConvOracle.ToTensor<float>(w, ws), ConvOracle.ToTensor<float>(dy, ys), l.Spec, null, null);
        }
        Conv.ForwardBackward(xt, wt, dyt, l.Spec, view, null, mode: GradientMode.Accumulate);
        ConvOracle.AssertClose(dx.Select(v => v + 5).ToArray(), view.ToDenseTensor(), xs, terms, l.Name + " strided, accumulated");
        Assert.All(ConvOracle.ToDoubles(PaddingOf(whole).ToDenseTensor()), v => Assert.Equal(5.0, v));
    }

    [Theory]
    [InlineData(2, 0)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    public void StridedTransposeConvolutionMatchesTheOracle(int stride, int outputPadding)
    {
        var spec = new ConvSpec(new[] { 3, 4 }, stride: new[] { stride, 2 }, padding: new ConvPadding[] { 1, 1 }, groups: 2,
            outputPadding: new[] { outputPadding, 1 });
        int[] xs = { 2, 8, 5, 6 }, ws = { 8, 5, 3, 4 };
        var x = ConvOracle.Random(xs, 41);
        var w = ConvOracle.Random(ws, 42);
        var geometries = spec.TransposeGeometries(new[] { 5, 6 }, "x");
        Assert.True(ImplicitGemmConv.AppliesToStridedInputVjp<double>(spec, geometries, 10 / 2, 8 / 2));
        var input = geometries.Select(g => g.InputSize).ToArray();
        var expected = ConvOracle.TransposeForward(x, xs, w, ws, spec, input, out var ys);
        ConvOracle.AssertClose(expected, Conv.TransposeForward(ConvOracle.ToTensor<float>(x, xs), ConvOracle.ToTensor<float>(w, ws), spec), ys, 48, "float");
        ConvOracle.AssertClose(expected, Conv.TransposeForward(ConvOracle.ToTensor<double>(x, xs), ConvOracle.ToTensor<double>(w, ws), spec), ys, 48, "double");
        // Its JVP into a kept tangent: convT(ẋ, W) + convT(x, Ẇ), both by phase.
        var dx = ConvOracle.Random(xs, 43);
        var dw = ConvOracle.Random(ws, 44);
        var a = ConvOracle.TransposeForward(dx, xs, w, ws, spec, input, out _);
        var b = ConvOracle.TransposeForward(x, xs, dw, ws, spec, input, out _);
        var tangent = Filled(ys, double.NaN);
        Conv.TransposeForwardJvp(ConvOracle.ToTensor<double>(x, xs), ConvOracle.ToTensor<double>(w, ws), spec, ConvOracle.ToTensor<double>(dx, xs),
            ConvOracle.ToTensor<double>(dw, ws), null, tangent);
        ConvOracle.AssertClose(a.Zip(b, (p, q) => p + q).ToArray(), tangent, ys, 96, "JVP into a kept tangent");
    }

    /// <summary>Strided thin layers: their input VJP runs on <see cref="ThinStridedInputVjp"/>.</summary>
    public static TheoryData<Layer> ThinStridedLayers => new()
    {
        new Layer("depthwise 3x3 stride 2 p1 (MobileNetV2), 5 channels, 13x12", 2, 5, 5, new[] { 13, 12 }, Square(2, 3, stride: 2, padding: 1, groups: 5)),
        new Layer("depthwise 3x3 stride 2 p1, 3 channels, 14x40 (rows of several vectors)", 2, 3, 3, new[] { 14, 40 },
            Square(2, 3, stride: 2, padding: 1, groups: 3)),
        new Layer("7x7 stride 2 p3 (the ResNet stem's geometry), 3 -> 2, 20x18", 2, 3, 2, new[] { 20, 18 }, Square(2, 7, stride: 2, padding: 3)),
        new Layer("depthwise 5x5 stride 3 p2, 4 channels, 16x15", 2, 4, 4, new[] { 16, 15 }, Square(2, 5, stride: 3, padding: 2, groups: 4)),
        new Layer("2x2 stride 3 (residues no tap reaches), depthwise multiplier 2, 2 -> 4, 10x11", 2, 2, 4, new[] { 10, 11 },
            Square(2, 2, stride: 3, groups: 2)),
        new Layer("3x3 stride 2 dilation 2 p2 (gcd 2: half the residues empty), 2 -> 3, 12x9", 2, 2, 3, new[] { 12, 9 },
            Square(2, 3, stride: 2, padding: 2, dilation: 2)),
        new Layer("3x2 stride (2, 3) per-side padding (2, 0) / (1, 1), depthwise, 3 channels, 9x11", 2, 3, 3, new[] { 9, 11 },
            new ConvSpec(new[] { 3, 2 }, stride: new[] { 2, 3 }, padding: new[] { ConvPadding.PerSide(2, 0), ConvPadding.PerSide(1, 1) }, groups: 3)),
        new Layer("3x3 stride (1, 2) p1 (stride only along the rows), 3 -> 3, 7x16", 1, 3, 3, new[] { 7, 16 },
            new ConvSpec(new[] { 3, 3 }, stride: new[] { 1, 2 }, padding: new ConvPadding[] { 1, 1 })),
        new Layer("3x3 stride (2, 1) p1 (stride only across rows), depthwise, 2 channels, 9x20", 2, 2, 2, new[] { 9, 20 },
            new ConvSpec(new[] { 3, 3 }, stride: new[] { 2, 1 }, padding: new ConvPadding[] { 1, 1 }, groups: 2)),
        new Layer("1-d K=3 stride 3 dilation 2, 2 -> 3, length 37", 2, 2, 3, new[] { 37 }, Square(1, 3, stride: 3, dilation: 2)),
        new Layer("1-d depthwise K=4 stride 2 p1, 3 channels, length 150 (many vectors)", 2, 3, 3, new[] { 150 }, Square(1, 4, stride: 2, padding: 1, groups: 3)),
        new Layer("3-d depthwise 3x3x3 stride 2 p1, 2 channels, 7x6x5", 2, 2, 2, new[] { 7, 6, 5 }, Square(3, 3, stride: 2, padding: 1, groups: 2)),
        new Layer("depthwise 3x3 stride 2 p1, 8 channels, 24x24, batch 4 (split over threads)", 4, 8, 8, new[] { 24, 24 },
            Square(2, 3, stride: 2, padding: 1, groups: 8)),
    };

    [Theory]
    [MemberData(nameof(ThinStridedLayers))]
    public void ThinStridedInputVjpMatchesDirectLoopsAndDifferences(Layer l)
    {
        var (x, xs, w, ws, dy, ys) = Inputs(l);
        int inG = l.In / l.Spec.Groups, outG = l.Out / l.Spec.Groups;
        Assert.True(ThinStridedInputVjp.Applies<float>(l.Spec, Geometries(l), inG, outG), "routed");
        Assert.True(ThinStridedInputVjp.Applies<double>(l.Spec, Geometries(l), inG, outG), "routed");
        ConvImplicitGemmTests.Adjoints(x, xs, w, ws, dy, ys, l.Spec, out var dx, out _);
        long terms = (long)ys[1] * l.Spec.KernelSize.Aggregate(1, (a, b) => a * b);
        ConvOracle.AssertClose(dx, Conv.InputVjp(ConvOracle.ToTensor<float>(dy, ys), ConvOracle.ToTensor<float>(w, ws), l.Spec, l.Size), xs, terms, l.Name + " float");
        ConvOracle.AssertClose(dx, Conv.InputVjp(ConvOracle.ToTensor<double>(dy, ys), ConvOracle.ToTensor<double>(w, ws), l.Spec, l.Size), xs, terms, l.Name + " double");
        CentralDifferences(l, x, xs, w, ws, dy, ys);
        InputVjpIntoBuffers(l, x, xs, w, ws, dy, ys, dx, floatBetween: true);
    }

    [Fact]
    public void ThinStridedRoutingKeepsManyOutputChannelsOnTheNetwork()
    {
        var stem = Square(2, 7, stride: 2, padding: 3);
        var g = stem.Geometries(new[] { 32, 32 }, "x");
        Assert.False(ThinStridedInputVjp.Applies<float>(stem, g, 3, 64));                 // the stem's 3 → 64: a GEMM over 64 channels
        Assert.False(ImplicitGemmConv.AppliesToStridedInputVjp<float>(stem, g, 3, 64));
        Assert.True(ThinStridedInputVjp.Applies<float>(stem, g, 3, 3));
        Assert.False(ThinStridedInputVjp.Applies<float>(Square(2, 7, padding: 3), Square(2, 7, padding: 3).Geometries(new[] { 32, 32 }, "x"), 1, 1)); // stride 1
        var dw = Square(2, 3, stride: 2, padding: 1, groups: 8);
        Assert.True(ThinStridedInputVjp.Applies<double>(dw, dw.Geometries(new[] { 16, 16 }, "x"), 1, 1));
        Assert.False(ThinStridedInputVjp.Applies<Half>(dw, dw.Geometries(new[] { 16, 16 }, "x"), 1, 1));
        Assert.False(ThinStridedInputVjp.Applies<float>(dw.WithSimplify(false), dw.Geometries(new[] { 16, 16 }, "x"), 1, 1));
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    public void ThinStridedTransposeConvolutionMatchesTheOracle(int rowPadding, int columnPadding)
    {
        // A depthwise 3×3/2 transpose convolution with output padding (the MobileNetV2 layer's adjoint as a layer of its own):
        // the positions past the last window read only zeros.
        var spec = new ConvSpec(new[] { 3, 3 }, stride: new[] { 2, 2 }, padding: new ConvPadding[] { 1, 1 }, groups: 4,
            outputPadding: new[] { rowPadding, columnPadding });
        int[] xs = { 2, 4, 6, 7 }, ws = { 4, 1, 3, 3 };
        var x = ConvOracle.Random(xs, 51);
        var w = ConvOracle.Random(ws, 52);
        var geometries = spec.TransposeGeometries(new[] { 6, 7 }, "x");
        Assert.True(ThinStridedInputVjp.Applies<float>(spec, geometries, 1, 1));
        var input = geometries.Select(g => g.InputSize).ToArray();
        var expected = ConvOracle.TransposeForward(x, xs, w, ws, spec, input, out var ys);
        ConvOracle.AssertClose(expected, Conv.TransposeForward(ConvOracle.ToTensor<float>(x, xs), ConvOracle.ToTensor<float>(w, ws), spec), ys, 9, "float");
        ConvOracle.AssertClose(expected, Conv.TransposeForward(ConvOracle.ToTensor<double>(x, xs), ConvOracle.ToTensor<double>(w, ws), spec), ys, 9, "double");
    }

    [Theory]
    [MemberData(nameof(ThinLayers))]
    public void ThinForwardMatchesTheOracle(Layer l)
    {
        var (x, xs, w, ws, _, _) = Inputs(l);
        Assert.True(ThinConv.Applies<float>(l.Spec, Geometries(l), l.In / l.Spec.Groups, l.Out / l.Spec.Groups), "routed");
        var expected = ConvOracle.Forward(x, xs, w, ws, l.Spec, out var ys);
        long terms = ws.Skip(1).Aggregate(1L, (a, b) => a * b);
        ConvOracle.AssertClose(expected, Conv.Forward(ConvOracle.ToTensor<float>(x, xs), ConvOracle.ToTensor<float>(w, ws), l.Spec), ys, terms, l.Name + " float");
        ConvOracle.AssertClose(expected, Conv.Forward(ConvOracle.ToTensor<double>(x, xs), ConvOracle.ToTensor<double>(w, ws), l.Spec), ys, terms, l.Name + " double");
        // Into a strided output: through pooled scratch, the padding untouched.
        var (view, whole) = StridedView(ys, -3.0);
        Conv.ForwardInto(ConvOracle.ToTensor<double>(x, xs), ConvOracle.ToTensor<double>(w, ws), l.Spec, null, view);
        ConvOracle.AssertClose(expected, view.ToDenseTensor(), ys, terms, l.Name + " into a strided view");
        Assert.All(ConvOracle.ToDoubles(PaddingOf(whole).ToDenseTensor()), v => Assert.Equal(-3.0, v));
    }

    [Theory]
    [MemberData(nameof(ThinLayers))]
    public void ThinGradientsMatchDirectLoopsAndDifferences(Layer l)
    {
        var (x, xs, w, ws, dy, ys) = Inputs(l);
        ConvImplicitGemmTests.Adjoints(x, xs, w, ws, dy, ys, l.Spec, out var dx, out var dw);
        long wTerms = ys.Where((_, d) => d != 1).Aggregate(1L, (a, b) => a * b);
        ConvOracle.AssertClose(dw, Conv.WeightVjp(ConvOracle.ToTensor<float>(x, xs), ConvOracle.ToTensor<float>(dy, ys), l.Spec), ws, wTerms, l.Name + " dW float");
        ConvOracle.AssertClose(dw, Conv.WeightVjp(ConvOracle.ToTensor<double>(x, xs), ConvOracle.ToTensor<double>(dy, ys), l.Spec), ws, wTerms, l.Name + " dW double");
        bool strideOne = l.Spec.Stride.All(s => s == 1);
        int inG = l.In / l.Spec.Groups, outG = l.Out / l.Spec.Groups;
        Assert.Equal(strideOne && !ImplicitGemmConv.AppliesToInputVjp<float>(l.Spec, Geometries(l), inG, outG),
            ThinConv.AppliesToInputVjp<float>(l.Spec, Geometries(l), inG, outG));
        long xTerms = (long)ys[1] * l.Spec.KernelSize.Aggregate(1, (a, b) => a * b);
        ConvOracle.AssertClose(dx, Conv.InputVjp(ConvOracle.ToTensor<float>(dy, ys), ConvOracle.ToTensor<float>(w, ws), l.Spec, l.Size), xs, xTerms, l.Name + " dx float");
        ConvOracle.AssertClose(dx, Conv.InputVjp(ConvOracle.ToTensor<double>(dy, ys), ConvOracle.ToTensor<double>(w, ws), l.Spec, l.Size), xs, xTerms, l.Name + " dx double");
        CentralDifferences(l, x, xs, w, ws, dy, ys);
    }

    [Fact]
    public void ThinRoutingLeavesTheOtherLayersAlone()
    {
        var s = Square(2, 3, padding: 1);
        var g = s.Geometries(new[] { 8, 8 }, "x");
        Assert.True(ThinConv.Applies<float>(s, g, 1, 1));
        Assert.True(ThinConv.Applies<double>(s, g, 16, 3));
        Assert.False(ThinConv.Applies<float>(s, g, 16, 16));                  // the implicit GEMM's
        Assert.False(ThinConv.Applies<float>(s.WithSimplify(false), g, 1, 1));  // the network as built
        Assert.False(ThinConv.Applies<Half>(s, g, 1, 1));
        Assert.False(ThinConv.Applies<float>(Square(2, 1), Square(2, 1).Geometries(new[] { 8, 8 }, "x"), 1, 1));           // 1×1: a GEMM
        Assert.False(ThinConv.Applies<float>(Square(2, 4, 4), Square(2, 4, 4).Geometries(new[] { 16, 16 }, "x"), 1, 1));    // patchify
    }

    /// <summary>
    /// ⟨dy, conv(x + εu, W + εv) − conv(x − εu, W − εv)⟩ / 2ε = ⟨dx, u⟩ + ⟨dW, v⟩ along random directions, double, with the
    /// gradients from <c>Conv</c> and the differences from the oracle's forward.
    /// </summary>
    private static void CentralDifferences(Layer l, double[] x, int[] xs, double[] w, int[] ws, double[] dy, int[] ys)
    {
        var gx = ConvOracle.ToDoubles(Conv.InputVjp(ConvOracle.ToTensor<double>(dy, ys), ConvOracle.ToTensor<double>(w, ws), l.Spec, l.Size));
        var gw = ConvOracle.ToDoubles(Conv.WeightVjp(ConvOracle.ToTensor<double>(x, xs), ConvOracle.ToTensor<double>(dy, ys), l.Spec));
        var u = ConvOracle.Random(xs, 91);
        var v = ConvOracle.Random(ws, 92);
        const double eps = 1e-3;
        var plus = ConvOracle.Forward(Axpy(x, eps, u), xs, Axpy(w, eps, v), ws, l.Spec, out _);
        var minus = ConvOracle.Forward(Axpy(x, -eps, u), xs, Axpy(w, -eps, v), ws, l.Spec, out _);
        double difference = (Dot(dy, plus) - Dot(dy, minus)) / (2 * eps);
        double predicted = Dot(gx, u) + Dot(gw, v);
        Assert.True(Math.Abs(difference - predicted) <= 1e-6 * (1 + Math.Abs(predicted)), $"{l.Name}: differences {difference}, gradients {predicted}");
    }

    private static double Dot(double[] a, double[] b) => a.Zip(b, (p, q) => p * q).Sum();

    private static double[] Axpy(double[] x, double a, double[] d) => x.Zip(d, (p, q) => p + a * q).ToArray();

    private static ConvGeometry[] Geometries(Layer l) => l.Spec.Geometries(l.Size, "x");

    internal static Tensor<double> Filled(int[] shape, double value) =>
        Tensor.Create(Enumerable.Repeat(value, shape.Aggregate(1, (a, b) => a * b)).ToArray(), shape.Select(d => (nint)d).ToArray());

    /// <summary>A strided view of <paramref name="shape"/> inside a tensor filled with <paramref name="fill"/> (its last dimension padded by 3).</summary>
    internal static (Tensor<double> View, Tensor<double> Whole) StridedView(int[] shape, double fill)
    {
        var padded = shape.Select(d => (nint)d).ToArray();
        padded[^1] += 3;
        var whole = Tensor.Create(Enumerable.Repeat(fill, padded.Aggregate(1, (a, b) => a * (int)b)).ToArray(), padded);
        var ranges = shape.Select(_ => NRange.All).ToArray();
        ranges[^1] = new NRange(0, shape[^1]);
        return (whole.Slice(ranges), whole);
    }

    internal static Tensor<double> PaddingOf(Tensor<double> whole)
    {
        var ranges = Enumerable.Repeat(NRange.All, whole.Rank).ToArray();
        ranges[^1] = new NRange((int)whole.Lengths[^1] - 3, (int)whole.Lengths[^1]);
        return whole.Slice(ranges);
    }

    private static (double[] X, int[] XShape, double[] W, int[] WShape, double[] Dy, int[] YShape) Inputs(Layer l)
    {
        int[] xs = new[] { l.Batch, l.In }.Concat(l.Size).ToArray();
        int[] ws = new[] { l.Out, l.In / l.Spec.Groups }.Concat(l.Spec.KernelSize).ToArray();
        int[] ys = new[] { l.Batch, l.Out }.Concat(ConvOracle.OutputSize(l.Spec, l.Size)).ToArray();
        int seed = l.Name.Length;
        return (Signed(xs, seed), xs, Signed(ws, seed + 1), ws, Signed(ys, seed + 2), ys);
    }

    private static double[] Signed(int[] shape, int seed) => ConvOracle.Random(shape, seed).Select(v => 2 * v - 1).ToArray();
}
