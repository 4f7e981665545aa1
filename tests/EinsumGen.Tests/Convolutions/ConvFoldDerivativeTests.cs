using System;
using System.Linq;
using System.Numerics.Tensors;
using EinsumGen.Convolutions;
using Xunit;

namespace EinsumGen.Tests.Convolutions;

/// <summary>Fold layers whose generated Backward and Jvp companions are tested here.</summary>
public static partial class FoldLayers
{
    [Convolution(3, 2, Stride = new[] { 2 }, PaddingPerSide = new[] { 1, 0, 0, 1 }, Dilation = new[] { 1, 2 }, Operation = ConvOperation.Fold)]
    public static partial Tensor<double> Fold(Tensor<double> columns, int[] inputSize);

    [Convolution(2, 2, Stride = new[] { 2 }, Operation = ConvOperation.Fold)]
    public static partial Tensor<float> FoldFloat(Tensor<float> columns, System.Collections.Generic.IReadOnlyList<int> inputSize);
}

/// <summary>
/// The derivatives of fold (col2im), which is linear in its columns: its VJP is the unfold of the result's gradient and its
/// JVP the fold of the tangent. Central differences of ⟨v, fold(c)⟩ and of fold itself (exact up to rounding: fold is linear),
/// the run-time entry points, the generated companions and their buffer overloads, float and double, and the checks.
/// </summary>
public class ConvFoldDerivativeTests
{
    private static readonly ConvSpec FoldSpec = new(new[] { 3, 2 }, stride: new[] { 2, 2 },
        padding: new[] { ConvPadding.PerSide(1, 0), ConvPadding.PerSide(0, 1) }, dilation: new[] { 1, 2 });

    private static readonly int[] InputSize = { 7, 8 };

    // Output sizes: 1 + (7 + 1 − 3)/2 = 3, 1 + (8 + 1 − 3)/2 = 4; columns [N, C·ΠK, ΠO] = [2, 3·6, 12].
    private static readonly int[] CShape = { 2, 18, 12 }, YShape = { 2, 3, 7, 8 };

    private static Tensor<double> D(double[] v, int[] shape) => ConvOracle.ToTensor<double>(v, shape);

    private static double Dot(double[] a, double[] b) => a.Zip(b, (p, q) => p * q).Sum();

    private static double[] Axpy(double[] x, double a, double[] d) => x.Zip(d, (p, q) => p + a * q).ToArray();

    private static double[] F(double[] c) => ConvOracle.ToDoubles(Conv.Fold(D(c, CShape), FoldSpec, InputSize));

    [Fact]
    public void FoldBackwardMatchesCentralDifferencesAndIsTheUnfold()
    {
        var c = ConvOracle.Random(CShape, 1);
        var v = ConvOracle.Random(YShape, 2);
        var g = Conv.FoldBackward(D(c, CShape), D(v, YShape), FoldSpec, InputSize);
        Assert.Equal(CShape, g.Lengths.ToArray().Select(d => (int)d).ToArray());
        const double h = 1e-3;
        for (int seed = 0; seed < 3; seed++)
        {
            var dc = ConvOracle.Random(CShape, 10 + seed);
            double expected = (Dot(v, F(Axpy(c, h, dc))) - Dot(v, F(Axpy(c, -h, dc)))) / (2 * h);
            double actual = Dot(ConvOracle.ToDoubles(g), dc);
            Assert.True(Math.Abs(expected - actual) <= 1e-8 * Math.Max(1, Math.Abs(expected)), $"{actual} vs {expected}");
        }
        ConvOracle.AssertClose(ConvOracle.Unfold(v, YShape, FoldSpec, out _), g, CShape, 1, "fold's VJP is the unfold");

        var generated = FoldLayers.FoldBackward(D(c, CShape), InputSize, D(v, YShape));
        ConvOracle.AssertClose(ConvOracle.ToDoubles(g), generated, CShape, 1, "generated FoldBackward");
        var into = Tensor.Create(Enumerable.Repeat(1.0, CShape.Aggregate(1, (a, b) => a * b)).ToArray(), CShape.Select(d => (nint)d).ToArray());
        FoldLayers.FoldBackward(D(c, CShape), InputSize, D(v, YShape), into, GradientMode.Accumulate);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(g).Select(e => e + 1).ToArray(), into, CShape, 1, "generated FoldBackward accumulated");
        Conv.FoldBackward(D(c, CShape), D(v, YShape), FoldSpec, InputSize, into);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(g), into, CShape, 1, "FoldBackward overwritten");
    }

    [Fact]
    public void FoldJvpMatchesCentralDifferences()
    {
        var c = ConvOracle.Random(CShape, 20);
        var dc = ConvOracle.Random(CShape, 21);
        const double h = 1e-3;
        var expected = F(Axpy(c, h, dc)).Zip(F(Axpy(c, -h, dc)), (p, m) => (p - m) / (2 * h)).ToArray();
        var jvp = Conv.FoldJvp(D(c, CShape), D(dc, CShape), FoldSpec, InputSize);
        ConvOracle.AssertClose(expected, ConvOracle.ToDoubles(jvp), 100000, false, "fold JVP against differences");
        ConvOracle.AssertClose(ConvOracle.ToDoubles(jvp), FoldLayers.FoldJvp(D(c, CShape), InputSize, D(dc, CShape)), YShape, 1, "generated FoldJvp");
        var into = Tensor.CreateFromShape<double>(YShape.Select(d => (nint)d).ToArray());
        FoldLayers.FoldJvp(D(c, CShape), InputSize, D(dc, CShape), into);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(jvp), into, YShape, 1, "generated FoldJvp into a buffer");
    }

    [Fact]
    public void FloatFoldCompanionsMatchTheRuntime()
    {
        // 2×2/2 on 6×8: columns [2, 4·4, 3·4].
        int[] cs = { 2, 16, 12 }, ys = { 2, 4, 6, 8 };
        var spec = ConvSpec.Uniform(2, 2, stride: 2);
        var c = ConvOracle.ToTensor<float>(ConvOracle.Random(cs, 30), cs);
        var v = ConvOracle.ToTensor<float>(ConvOracle.Random(ys, 31), ys);
        var g = FoldLayers.FoldFloatBackward(c, new[] { 6, 8 }, v);
        Assert.Equal(ConvOracle.ToDoubles(Conv.Unfold(v, spec)), ConvOracle.ToDoubles(g));
        var j = FoldLayers.FoldFloatJvp(c, new[] { 6, 8 }, c);
        Assert.Equal(ConvOracle.ToDoubles(FoldLayers.FoldFloat(c, new[] { 6, 8 })), ConvOracle.ToDoubles(j));
    }

    [Fact]
    public void FoldDerivativesCheckEveryShapeFirst()
    {
        var c = D(ConvOracle.Random(CShape, 40), CShape);
        var wrong = D(ConvOracle.Random(new[] { 2, 3, 8, 8 }, 41), new[] { 2, 3, 8, 8 });
        var e = Assert.Throws<ArgumentException>(() => Conv.FoldBackward(c, wrong, FoldSpec, InputSize));
        Assert.Equal("outputGradient", e.ParamName);
        Assert.Contains("dimension 2", e.Message);
        Assert.Contains("has size 8, but 7 is expected", e.Message);
        e = Assert.Throws<ArgumentException>(() => FoldLayers.FoldJvp(c, InputSize, D(ConvOracle.Random(new[] { 2, 18, 11 }, 42), new[] { 2, 18, 11 })));
        Assert.Equal("columnsTangent", e.ParamName);
        Assert.Contains("has size 11, but 12 is expected", e.Message);
        var buffer = Tensor.Create(Enumerable.Repeat(5.0, 2 * 18 * 12).ToArray(), new nint[] { 2, 18, 12 });
        e = Assert.Throws<ArgumentException>(() => Conv.FoldBackward(c, D(ConvOracle.Random(YShape, 43), YShape), FoldSpec, InputSize, c));
        Assert.Equal("columnsGradient", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Conv.FoldJvp(c, c, FoldSpec, InputSize, Tensor.CreateFromShape<double>(new nint[] { 2, 3, 7, 9 })));
        Assert.Equal("outputTangent", e.ParamName);
        Assert.Contains("has size 9, but 8 is expected", e.Message);
        e = Assert.Throws<ArgumentException>(() => Conv.FoldBackward(c, wrong, FoldSpec, InputSize, buffer, GradientMode.Accumulate));
        Assert.Equal("outputGradient", e.ParamName);
        Assert.All(ConvOracle.ToDoubles(buffer), value => Assert.Equal(5.0, value));
    }
}
