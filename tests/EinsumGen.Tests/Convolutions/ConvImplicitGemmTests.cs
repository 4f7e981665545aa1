using System;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using EinsumGen.Convolutions;
using Xunit;

namespace EinsumGen.Tests.Convolutions;

/// <summary>
/// The implicit-GEMM kernels (forward, weight VJP, and the stride-1 input VJP / transpose convolution as a forward with the
/// flipped weight) against direct loops in double, float and double: borders, stride, dilation, per-side and 'same'
/// padding, groups, 1-d to 3-d, batch 1, sizes that leave remainders in every block (positions not a multiple of a
/// panel or a vector, output channels not a multiple of the register rows, input channels not a multiple of the weight
/// VJP's channel block), chunks of positions that span images, calls large enough to split over threads, strided views.
/// Every case asserts that it is routed to the implicit GEMM, so none passes on the network path.
/// </summary>
public class ConvImplicitGemmTests
{
    public sealed record Layer(string Name, int Batch, int In, int Out, int[] Size, ConvSpec Spec)
    {
        public override string ToString() => Name;
    }

    private static ConvSpec Square(int dims, int kernel, int stride = 1, int padding = 0, int dilation = 1, int groups = 1) =>
        ConvSpec.Uniform(dims, kernel, stride, padding, dilation, groups);

    public static TheoryData<Layer> Layers => new()
    {
        new Layer("3x3 p1, 13 outputs, 9x11, batch 1", 1, 5, 13, new[] { 9, 11 }, Square(2, 3, padding: 1)),
        new Layer("3x3 p1, 13 outputs, 9x11, batch 3", 3, 5, 13, new[] { 9, 11 }, Square(2, 3, padding: 1)),
        new Layer("3x3 p1, 64 -> 64, 8x8 (8x3 rows exactly)", 2, 64, 64, new[] { 8, 8 }, Square(2, 3, padding: 1)),
        new Layer("3x3 p1, 16 -> 20, 20x20, batch 4 (split over threads)", 4, 16, 20, new[] { 20, 20 }, Square(2, 3, padding: 1)),
        new Layer("3x3 no padding, 7 -> 4, 6x13", 2, 7, 4, new[] { 6, 13 }, Square(2, 3)),
        new Layer("3x3 stride 2 p1, 6 -> 9, 11x10", 2, 6, 9, new[] { 11, 10 }, Square(2, 3, stride: 2, padding: 1)),
        new Layer("5x3 stride (3, 2), 4 -> 6, 16x9", 2, 4, 6, new[] { 16, 9 }, new ConvSpec(new[] { 5, 3 }, stride: new[] { 3, 2 })),
        new Layer("3x3 dilation 2 p2, 5 -> 7, 12x12", 2, 5, 7, new[] { 12, 12 }, Square(2, 3, padding: 2, dilation: 2)),
        new Layer("3x2 per-side padding (1, 2) / (0, 1), 4 -> 5, 7x8", 2, 4, 5, new[] { 7, 8 },
            new ConvSpec(new[] { 3, 2 }, padding: new[] { ConvPadding.PerSide(1, 2), ConvPadding.PerSide(0, 1) })),
        new Layer("4x4 'same' (left 1, right 2), dilation (1, 2), 5 -> 6, 9x10", 2, 5, 6, new[] { 9, 10 },
            new ConvSpec(new[] { 4, 4 }, padding: new[] { ConvPadding.Same, ConvPadding.Same }, dilation: new[] { 1, 2 })),
        new Layer("3x3 p1 groups 2, 8 -> 10", 2, 8, 10, new[] { 7, 9 }, Square(2, 3, padding: 1, groups: 2)),
        new Layer("3x3 p1 groups 3, 9 -> 12, stride 2", 2, 9, 12, new[] { 9, 8 }, Square(2, 3, stride: 2, padding: 1, groups: 3)),
        new Layer("1-d K=5 p2, 4 -> 9, length 37", 3, 4, 9, new[] { 37 }, Square(1, 5, padding: 2)),
        new Layer("1-d K=3 stride 2 dilation 3, 2 -> 5, length 40", 2, 2, 5, new[] { 40 }, Square(1, 3, stride: 2, dilation: 3)),
        new Layer("3-d 3x3x3 p1, 4 -> 4, 5x6x7", 2, 4, 4, new[] { 5, 6, 7 }, Square(3, 3, padding: 1)),
        new Layer("3-d 2x3x2 stride (1, 2, 1), 2 -> 5, 4x7x5", 1, 2, 5, new[] { 4, 7, 5 },
            new ConvSpec(new[] { 2, 3, 2 }, stride: new[] { 1, 2, 1 }, padding: new ConvPadding[] { 0, 1, 1 })),
        new Layer("3x3 p1, 40 -> 6, 17x17, batch 3 (position chunks span images, several channel blocks)", 3, 40, 6, new[] { 17, 17 },
            Square(2, 3, padding: 1)),
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void ForwardMatchesTheOracle(Layer l)
    {
        var (x, xs, w, ws, _, _) = Inputs(l);
        Assert.True(ImplicitGemmConv.Applies<float>(l.Spec, Geometries(l), l.In / l.Spec.Groups, l.Out / l.Spec.Groups), "routed");
        var expected = ConvOracle.Forward(x, xs, w, ws, l.Spec, out var ys);
        long terms = ws.Skip(1).Aggregate(1L, (a, b) => a * b);
        ConvOracle.AssertClose(expected, Conv.Forward(ConvOracle.ToTensor<float>(x, xs), ConvOracle.ToTensor<float>(w, ws), l.Spec), ys, terms, l.Name + " float");
        ConvOracle.AssertClose(expected, Conv.Forward(ConvOracle.ToTensor<double>(x, xs), ConvOracle.ToTensor<double>(w, ws), l.Spec), ys, terms, l.Name + " double");
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void WeightVjpMatchesTheOracle(Layer l)
    {
        var (x, xs, w, ws, dy, ys) = Inputs(l);
        Assert.True(ImplicitGemmConv.Applies<double>(l.Spec, Geometries(l), l.In / l.Spec.Groups, l.Out / l.Spec.Groups), "routed");
        Adjoints(x, xs, w, ws, dy, ys, l.Spec, out _, out var dw);
        long terms = ys.Where((_, d) => d != 1).Aggregate(1L, (a, b) => a * b);
        ConvOracle.AssertClose(dw, Conv.WeightVjp(ConvOracle.ToTensor<float>(x, xs), ConvOracle.ToTensor<float>(dy, ys), l.Spec), ws, terms, l.Name + " float");
        ConvOracle.AssertClose(dw, Conv.WeightVjp(ConvOracle.ToTensor<double>(x, xs), ConvOracle.ToTensor<double>(dy, ys), l.Spec), ws, terms, l.Name + " double");
    }

    /// <summary>The input VJP of every layer (stride-1 ones through the implicit GEMM, the others on the network path).</summary>
    [Theory]
    [MemberData(nameof(Layers))]
    public void InputVjpMatchesTheOracle(Layer l)
    {
        var (x, xs, w, ws, dy, ys) = Inputs(l);
        bool strideOne = l.Spec.Stride.All(s => s == 1);
        Assert.Equal(strideOne && l.In / l.Spec.Groups >= ImplicitGemmConv.MinRows, ImplicitGemmConv.AppliesToInputVjp<float>(l.Spec, Geometries(l), l.In / l.Spec.Groups, l.Out / l.Spec.Groups));
        Adjoints(x, xs, w, ws, dy, ys, l.Spec, out var dx, out _);
        long terms = (long)ys[1] * l.Spec.KernelSize.Aggregate(1, (a, b) => a * b);
        ConvOracle.AssertClose(dx, Conv.InputVjp(ConvOracle.ToTensor<float>(dy, ys), ConvOracle.ToTensor<float>(w, ws), l.Spec, l.Size), xs, terms, l.Name + " float");
        ConvOracle.AssertClose(dx, Conv.InputVjp(ConvOracle.ToTensor<double>(dy, ys), ConvOracle.ToTensor<double>(w, ws), l.Spec, l.Size), xs, terms, l.Name + " double");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void StrideOneTransposeConvolutionMatchesTheOracle(int dilation)
    {
        var spec = new ConvSpec(new[] { 3, 2 }, padding: new[] { (ConvPadding)1, ConvPadding.PerSide(0, 1) }, dilation: new[] { dilation, 1 }, groups: 2);
        int[] xs = { 2, 8, 6, 7 }, ws = { 8, 5, 3, 2 };
        var x = ConvOracle.Random(xs, 11);
        var w = ConvOracle.Random(ws, 12);
        var input = spec.TransposeGeometries(new[] { 6, 7 }, "x").Select(g => g.InputSize).ToArray();
        Assert.True(ImplicitGemmConv.AppliesToInputVjp<double>(spec, spec.TransposeGeometries(new[] { 6, 7 }, "x"), 10 / 2, 8 / 2));
        var expected = ConvOracle.TransposeForward(x, xs, w, ws, spec, input, out var ys);
        ConvOracle.AssertClose(expected, Conv.TransposeForward(ConvOracle.ToTensor<float>(x, xs), ConvOracle.ToTensor<float>(w, ws), spec), ys, 24, "float");
        ConvOracle.AssertClose(expected, Conv.TransposeForward(ConvOracle.ToTensor<double>(x, xs), ConvOracle.ToTensor<double>(w, ws), spec), ys, 24, "double");
    }

    [Fact]
    public void StridedViewsAreRead()
    {
        var spec = Square(2, 3, padding: 1);
        int[] big = { 3, 6, 10, 12 }, xs = { 3, 6, 8, 9 }, ws = { 5, 6, 3, 3 };
        var all = ConvOracle.Random(big, 21);
        var w = ConvOracle.Random(ws, 22);
        var view = ConvOracle.ToTensor<float>(all, big).Slice(new System.Buffers.NRange[]
        {
            System.Buffers.NRange.All, System.Buffers.NRange.All, new(1, 9), new(2, 11),
        });
        Assert.False(view.IsDense);
        var x = ConvOracle.ToDoubles(view.ToDenseTensor());
        var expected = ConvOracle.Forward(x, xs, w, ws, spec, out var ys);
        ConvOracle.AssertClose(expected, Conv.Forward(view, ConvOracle.ToTensor<float>(w, ws), spec), ys, 54, "strided x");
        var dy = ConvOracle.Random(ys, 23);
        var dyView = ConvOracle.ToTensor<float>(dy, ys).Slice(new System.Buffers.NRange[] { System.Buffers.NRange.All, new(0, 5), System.Buffers.NRange.All, System.Buffers.NRange.All });
        Adjoints(x, xs, w, ws, dy, ys, spec, out _, out var dw);
        ConvOracle.AssertClose(dw, Conv.WeightVjp(view, dyView, spec), ws, 3 * 72, "strided x, weight VJP");
    }

    [Fact]
    public void AnEmptyBatchGivesEmptyResultsAndAZeroWeightGradient()
    {
        var spec = Square(2, 3, padding: 1);
        var x = Tensor.CreateFromShape<float>(new nint[] { 0, 4, 5, 5 });
        var w = ConvOracle.ToTensor<float>(ConvOracle.Random(new[] { 6, 4, 3, 3 }, 31), new[] { 6, 4, 3, 3 });
        var dy = Tensor.CreateFromShape<float>(new nint[] { 0, 6, 5, 5 });
        Assert.Equal(new nint[] { 0, 6, 5, 5 }, Conv.Forward(x, w, spec).Lengths.ToArray());
        Assert.Equal(new nint[] { 0, 4, 5, 5 }, Conv.InputVjp(dy, w, spec, new[] { 5, 5 }).Lengths.ToArray());
        var dw = Conv.WeightVjp(x, dy, spec);
        Assert.Equal(new nint[] { 6, 4, 3, 3 }, dw.Lengths.ToArray());
        Assert.All(ConvOracle.ToDoubles(dw), v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void LayersTheSimplifierTurnsIntoAGemmKeepTheirPath()
    {
        Assert.False(ImplicitGemmConv.Applies<float>(Square(2, 1), Square(2, 1).Geometries(new[] { 8, 8 }, "x"), 16, 16));            // 1×1
        Assert.False(ImplicitGemmConv.Applies<float>(Square(2, 4, 4), Square(2, 4, 4).Geometries(new[] { 16, 16 }, "x"), 3, 16));     // patchify
        Assert.False(ImplicitGemmConv.Applies<float>(Square(2, 3, padding: 1).WithSimplify(false), Square(2, 3, padding: 1).Geometries(new[] { 8, 8 }, "x"), 16, 16));
        Assert.False(ImplicitGemmConv.Applies<float>(Square(2, 3, padding: 1), Square(2, 3, padding: 1).Geometries(new[] { 8, 8 }, "x"), 1, 1)); // depthwise
        Assert.False(ImplicitGemmConv.Applies<Half>(Square(2, 3, padding: 1), Square(2, 3, padding: 1).Geometries(new[] { 8, 8 }, "x"), 16, 16));
        Assert.True(ImplicitGemmConv.Applies<float>(Square(2, 3, padding: 1), Square(2, 3, padding: 1).Geometries(new[] { 8, 8 }, "x"), 16, 16));
    }

    private static ConvGeometry[] Geometries(Layer l) => l.Spec.Geometries(l.Size, "x");

    private static (double[] X, int[] XShape, double[] W, int[] WShape, double[] Dy, int[] YShape) Inputs(Layer l)
    {
        int[] xs = new[] { l.Batch, l.In }.Concat(l.Size).ToArray();
        int[] ws = new[] { l.Out, l.In / l.Spec.Groups }.Concat(l.Spec.KernelSize).ToArray();
        int[] ys = new[] { l.Batch, l.Out }.Concat(ConvOracle.OutputSize(l.Spec, l.Size)).ToArray();
        int seed = l.Name.Length;
        return (Signed(xs, seed), xs, Signed(ws, seed + 1), ws, Signed(ys, seed + 2), ys);
    }

    private static double[] Signed(int[] shape, int seed) => ConvOracle.Random(shape, seed).Select(v => 2 * v - 1).ToArray();

    /// <summary>Direct loops: dx = Σ dy·w and dw = Σ dy·x over every (output, tap, input channel) the forward sums.</summary>
    internal static void Adjoints(double[] x, int[] xs, double[] w, int[] ws, double[] dy, int[] ys, ConvSpec spec, out double[] dx, out double[] dw)
    {
        var h = ConvOracle.Resolve(spec);
        int n = xs.Length - 2, batch = xs[0], cin = xs[1], cout = ws[0], cinG = cin / h.G, coutG = cout / h.G;
        var input = xs.Skip(2).ToArray();
        var output = ys.Skip(2).ToArray();
        int outCount = output.Aggregate(1, (a, b) => a * b), tapCount = h.K.Aggregate(1, (a, b) => a * b), inCount = input.Aggregate(1, (a, b) => a * b);
        dx = new double[x.Length];
        dw = new double[w.Length];
        var o = new int[n];
        var k = new int[n];
        for (int b = 0; b < batch; b++)
        for (int c = 0; c < cout; c++)
        {
            int g = c / coutG;
            for (int of = 0; of < outCount; of++)
            {
                ConvOracle.Unflatten(of, output, o);
                double v = dy[((long)b * cout + c) * outCount + of];
                for (int kf = 0; kf < tapCount; kf++)
                {
                    ConvOracle.Unflatten(kf, h.K, k);
                    int at = 0;
                    bool inside = true;
                    for (int d = 0; d < n && inside; d++)
                    {
                        int i = o[d] * h.S[d] + k[d] * h.D[d] - h.PadLeft[d];
                        inside = i >= 0 && i < input[d];
                        at = at * input[d] + i;
                    }
                    if (!inside) continue;
                    for (int ci = 0; ci < cinG; ci++)
                    {
                        long xi = ((long)b * cin + g * cinG + ci) * inCount + at, wi = ((long)c * cinG + ci) * tapCount + kf;
                        dx[xi] += v * w[wi];
                        dw[wi] += v * x[xi];
                    }
                }
            }
        }
    }
}
