using System;
using System.Linq;
using System.Numerics.Tensors;
using EinsumGen.Convolutions;
using Xunit;

namespace EinsumGen.Tests.Convolutions;

/// <summary>Layers whose generated Backward and Jvp companions are tested here (the generator runs on this project).</summary>
public static partial class CompanionLayers
{
    [Convolution(3, 2, Stride = new[] { 2, 1 }, PaddingPerSide = new[] { 1, 0, 0, 1 }, Dilation = new[] { 1, 2 }, Groups = 2)]
    public static partial Tensor<double> Layer(Tensor<double> x, Tensor<double> weight, Tensor<double> bias);

    [Convolution(3, 3, Padding = new[] { 1 })]
    public static partial Tensor<float> LayerFloat(Tensor<float> input, Tensor<float> kernel);

    [Convolution(3, 2, Stride = new[] { 2, 1 }, PaddingPerSide = new[] { 1, 0, 0, 1 }, Groups = 2, OutputPadding = new[] { 1, 0 },
        Operation = ConvOperation.TransposeForward)]
    public static partial Tensor<double> Up(Tensor<double> x, Tensor<double> weight, Tensor<double> bias);

    [Convolution(2, 3, Stride = new[] { 2 }, PaddingPerSide = new[] { 0, 1 }, Operation = ConvOperation.Unfold)]
    public static partial Tensor<double> Columns(Tensor<double> x);

    [Convolution(3, Derivatives = false)]
    public static partial Tensor<double> NoCompanions(Tensor<double> x, Tensor<double> weight);

    // A member named as a companion is fine once Derivatives = false.
    public static int NoCompanionsBackward() => 0;
}

/// <summary>
/// The generated reverse and forward modes of [Convolution] layers: directional finite differences of ⟨v, f⟩ for every
/// gradient (the layers are affine in each operand, so central differences are exact up to rounding), the JVP against
/// differences of f itself, both against the run-time Conv API, and the flags that skip gradients.
/// </summary>
public class ConvCompanionTests
{
    private static readonly ConvSpec LayerSpec = new(new[] { 3, 2 }, stride: new[] { 2, 1 },
        padding: new[] { ConvPadding.PerSide(1, 0), ConvPadding.PerSide(0, 1) }, dilation: new[] { 1, 2 }, groups: 2);

    private static readonly int[] XShape = { 2, 4, 7, 6 }, WShape = { 6, 2, 3, 2 }, BShape = { 6 };

    private static Tensor<double> D(double[] v, int[] shape) => ConvOracle.ToTensor<double>(v, shape);

    private static int[] Shape<T>(Tensor<T> t) => t.Lengths.ToArray().Select(d => (int)d).ToArray();

    private static double Dot(double[] a, double[] b) => a.Zip(b, (p, q) => p * q).Sum();

    private static double[] Axpy(double[] x, double a, double[] d) => x.Zip(d, (p, q) => p + a * q).ToArray();

    /// <summary>The directional derivative of ⟨v, f⟩ along <paramref name="direction"/> by central differences.</summary>
    private static double Difference(Func<double[], double[]> f, double[] at, double[] direction, double[] v, double h = 1e-3) =>
        (Dot(v, f(Axpy(at, h, direction))) - Dot(v, f(Axpy(at, -h, direction)))) / (2 * h);

    private static void Close(double expected, double actual, string what)
    {
        Assert.True(Math.Abs(expected - actual) <= 1e-7 * Math.Max(1, Math.Abs(expected)), $"{what}: {actual} vs {expected}");
    }

    [Fact]
    public void PerSidePaddingLayerMatchesTheOracle()
    {
        var x = ConvOracle.Random(XShape, 1);
        var w = ConvOracle.Random(WShape, 2);
        var b = ConvOracle.Random(BShape, 3);
        var expected = ConvOracle.Forward(x, XShape, w, WShape, LayerSpec, out var yShape);
        Assert.Equal(new[] { 2, 6, 3, 5 }, yShape); // 1 + (7+1+0−2−1)/2, 1 + (6+0+1−2·1−1)/1
        int plane = yShape[2] * yShape[3];
        for (int i = 0; i < expected.Length; i++) expected[i] += b[i / plane % 6];
        ConvOracle.AssertClose(expected, CompanionLayers.Layer(D(x, XShape), D(w, WShape), D(b, BShape)), yShape, 12, "per-side forward");
    }

    [Fact]
    public void BackwardMatchesFiniteDifferencesAndTheRuntime()
    {
        var x = ConvOracle.Random(XShape, 4);
        var w = ConvOracle.Random(WShape, 5);
        var b = ConvOracle.Random(BShape, 6);
        int[] yShape = { 2, 6, 3, 5 };
        var v = ConvOracle.Random(yShape, 7);
        double[] F(double[] xs, double[] ws, double[] bs) => ConvOracle.ToDoubles(CompanionLayers.Layer(D(xs, XShape), D(ws, WShape), D(bs, BShape)));

        var (gx, gw, gb) = CompanionLayers.LayerBackward(D(x, XShape), D(w, WShape), D(b, BShape), D(v, yShape));
        Assert.Equal(XShape, Shape(gx!));
        Assert.Equal(WShape, Shape(gw!));
        Assert.Equal(BShape, Shape(gb!));
        for (int seed = 0; seed < 2; seed++)
        {
            var dx = ConvOracle.Random(XShape, 10 + seed);
            var dw = ConvOracle.Random(WShape, 20 + seed);
            var db = ConvOracle.Random(BShape, 30 + seed);
            Close(Difference(p => F(p, w, b), x, dx, v), Dot(ConvOracle.ToDoubles(gx!), dx), "∂x");
            Close(Difference(p => F(x, p, b), w, dw, v), Dot(ConvOracle.ToDoubles(gw!), dw), "∂W");
            Close(Difference(p => F(x, w, p), b, db, v), Dot(ConvOracle.ToDoubles(gb!), db), "∂b");
        }
        var runtimeX = Conv.InputVjp(D(v, yShape), D(w, WShape), LayerSpec, new[] { 7, 6 });
        var runtimeW = Conv.WeightVjp(D(x, XShape), D(v, yShape), LayerSpec);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(runtimeX), gx!, XShape, 12, "∂x against Conv.InputVjp");
        ConvOracle.AssertClose(ConvOracle.ToDoubles(runtimeW), gw!, WShape, 40, "∂W against Conv.WeightVjp");

        var (onlyX, noW, noB) = CompanionLayers.LayerBackward(D(x, XShape), D(w, WShape), D(b, BShape), D(v, yShape), ConvGradients.Input);
        Assert.Null(noW);
        Assert.Null(noB);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(gx!), onlyX!, XShape, 1, "only ∂x");
    }

    [Fact]
    public void JvpMatchesFiniteDifferences()
    {
        var x = ConvOracle.Random(XShape, 40);
        var w = ConvOracle.Random(WShape, 41);
        var b = ConvOracle.Random(BShape, 42);
        var dx = ConvOracle.Random(XShape, 43);
        var dw = ConvOracle.Random(WShape, 44);
        var db = ConvOracle.Random(BShape, 45);
        const double h = 1e-3;
        double[] F(double a) => ConvOracle.ToDoubles(CompanionLayers.Layer(D(Axpy(x, a, dx), XShape), D(Axpy(w, a, dw), WShape), D(Axpy(b, a, db), BShape)));
        var plus = F(h);
        var minus = F(-h);
        var expected = plus.Zip(minus, (p, m) => (p - m) / (2 * h)).ToArray();
        var jvp = CompanionLayers.LayerJvp(D(x, XShape), D(w, WShape), D(b, BShape), D(dx, XShape), D(dw, WShape), D(db, BShape));
        ConvOracle.AssertClose(expected, ConvOracle.ToDoubles(jvp), 100000, false, "JVP against differences");

        // Absent tangents count as zero: the weight's term alone is the forward pass with the tangent as weight.
        var weightOnly = CompanionLayers.LayerJvp(D(x, XShape), D(w, WShape), D(b, BShape), null, D(dw, WShape), null);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(Conv.WeightJvp(D(x, XShape), D(dw, WShape), LayerSpec)), weightOnly, Shape(jvp), 1, "weight term");
        var none = CompanionLayers.LayerJvp(D(x, XShape), D(w, WShape), D(b, BShape), null, null, null);
        Assert.Equal(Shape(jvp), Shape(none));
        Assert.All(ConvOracle.ToDoubles(none), value => Assert.Equal(0.0, value));

        var e = Assert.Throws<ArgumentException>(() => CompanionLayers.LayerJvp(D(x, XShape), D(w, WShape), D(b, BShape), null, D(dw, new[] { 6, 2, 2, 3 }), null));
        Assert.Equal("weightTangent", e.ParamName);
        Assert.Contains("dimension 2", e.Message);
    }

    [Fact]
    public void FloatLayerWithoutBiasGetsTwoGradients()
    {
        int[] xs = { 2, 3, 6, 5 }, ws = { 4, 3, 3, 3 }, ys = { 2, 4, 6, 5 };
        var x = ConvOracle.Random(xs, 50);
        var w = ConvOracle.Random(ws, 51);
        var v = ConvOracle.Random(ys, 52);
        var spec = ConvSpec.Uniform(2, 3, padding: 1);
        var (gx, gw) = CompanionLayers.LayerFloatBackward(ConvOracle.ToTensor<float>(x, xs), ConvOracle.ToTensor<float>(w, ws), ConvOracle.ToTensor<float>(v, ys));
        ConvOracle.AssertClose(ConvOracle.ToDoubles(Conv.InputVjp(D(v, ys), D(w, ws), spec, new[] { 6, 5 })), gx!, xs, 36, "float ∂x");
        ConvOracle.AssertClose(ConvOracle.ToDoubles(Conv.WeightVjp(D(x, xs), D(v, ys), spec)), gw!, ws, 60, "float ∂W");
        var jvp = CompanionLayers.LayerFloatJvp(ConvOracle.ToTensor<float>(x, xs), ConvOracle.ToTensor<float>(w, ws), ConvOracle.ToTensor<float>(v.Take(x.Length).ToArray(), xs), null);
        ConvOracle.AssertClose(ConvOracle.Forward(v.Take(x.Length).ToArray(), xs, w, ws, spec, out _), jvp, ys, 27, "float input JVP");
    }

    [Fact]
    public void TransposeBackwardAndJvpMatchFiniteDifferences()
    {
        int[] xs = { 2, 4, 4, 5 }, ws = { 4, 3, 3, 2 }, bs = { 6 };
        var x = ConvOracle.Random(xs, 60);
        var w = ConvOracle.Random(ws, 61);
        var b = ConvOracle.Random(bs, 62);
        var y = CompanionLayers.Up(D(x, xs), D(w, ws), D(b, bs));
        var ys = Shape(y);
        Assert.Equal(new[] { 2, 6, 9, 5 }, ys); // (4−1)·2 − 1 − 0 + 2 + 1 + 1, (5−1) − 0 − 1 + 1 + 1
        var v = ConvOracle.Random(ys, 63);
        double[] F(double[] a, double[] c, double[] e) => ConvOracle.ToDoubles(CompanionLayers.Up(D(a, xs), D(c, ws), D(e, bs)));
        var (gx, gw, gb) = CompanionLayers.UpBackward(D(x, xs), D(w, ws), D(b, bs), D(v, ys));
        var dx = ConvOracle.Random(xs, 64);
        var dw = ConvOracle.Random(ws, 65);
        var db = ConvOracle.Random(bs, 66);
        Close(Difference(p => F(p, w, b), x, dx, v), Dot(ConvOracle.ToDoubles(gx!), dx), "transpose ∂x");
        Close(Difference(p => F(x, p, b), w, dw, v), Dot(ConvOracle.ToDoubles(gw!), dw), "transpose ∂W");
        Close(Difference(p => F(x, w, p), b, db, v), Dot(ConvOracle.ToDoubles(gb!), db), "transpose ∂b");

        const double h = 1e-3;
        var plus = F(Axpy(x, h, dx), Axpy(w, h, dw), Axpy(b, h, db));
        var minus = F(Axpy(x, -h, dx), Axpy(w, -h, dw), Axpy(b, -h, db));
        var jvp = CompanionLayers.UpJvp(D(x, xs), D(w, ws), D(b, bs), D(dx, xs), D(dw, ws), D(db, bs));
        ConvOracle.AssertClose(plus.Zip(minus, (p, m) => (p - m) / (2 * h)).ToArray(), ConvOracle.ToDoubles(jvp), 100000, false, "transpose JVP");
    }

    [Fact]
    public void UnfoldBackwardIsFoldAndItsJvpTheUnfoldOfTheTangent()
    {
        int[] xs = { 2, 3, 7, 8 };
        var spec = new ConvSpec(new[] { 2, 3 }, stride: new[] { 2, 2 }, padding: new[] { ConvPadding.PerSide(0, 1), ConvPadding.PerSide(0, 1) });
        var x = ConvOracle.Random(xs, 70);
        var u = CompanionLayers.Columns(D(x, xs));
        var expected = ConvOracle.Unfold(x, xs, spec, out var us);
        ConvOracle.AssertClose(expected, u, us, 1, "per-side unfold");
        var g = ConvOracle.Random(us, 71);
        var gx = CompanionLayers.ColumnsBackward(D(x, xs), D(g, us));
        Close(Dot(g, expected), Dot(ConvOracle.ToDoubles(gx), x), "⟨g, unfold(x)⟩ = ⟨unfold backward(g), x⟩");
        var dx = ConvOracle.Random(xs, 72);
        ConvOracle.AssertClose(ConvOracle.Unfold(dx, xs, spec, out _), CompanionLayers.ColumnsJvp(D(x, xs), D(dx, xs)), us, 1, "unfold JVP");
    }

    [Fact]
    public void DerivativesFalseWritesNoCompanions()
    {
        var methods = typeof(CompanionLayers).GetMethods().Select(m => m.Name).ToList();
        Assert.Contains("LayerBackward", methods);
        Assert.Contains("UpJvp", methods);
        Assert.DoesNotContain("NoCompanionsJvp", methods);
        Assert.Equal(0, CompanionLayers.NoCompanionsBackward());
    }
}
