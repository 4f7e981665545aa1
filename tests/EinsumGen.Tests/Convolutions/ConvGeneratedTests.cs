using System.Linq;
using System.Numerics.Tensors;
using EinsumGen.Convolutions;
using Xunit;

namespace EinsumGen.Tests.Convolutions;

/// <summary>Layers declared with [Convolution] and implemented by the generator at build time (this project runs it).</summary>
public static partial class GeneratedConvLayers
{
    [Convolution(3, 3, Stride = new[] { 2, 1 }, Padding = new[] { 1 }, Dilation = new[] { 1, 2 }, Groups = 2)]
    public static partial Tensor<float> ForwardFloat(Tensor<float> x, Tensor<float> weight);

    [Convolution(3, 3, Stride = new[] { 2, 1 }, Padding = new[] { 1 }, Dilation = new[] { 1, 2 }, Groups = 2)]
    public static partial Tensor<double> ForwardDouble(Tensor<double> x, Tensor<double> weight);

    [Convolution(3, 3, Stride = new[] { 2, 1 }, Padding = new[] { 1 }, Dilation = new[] { 1, 2 }, Groups = 2, Operation = ConvOperation.WeightVjp)]
    public static partial Tensor<double> WeightVjp(Tensor<double> x, Tensor<double> outputGradient);

    [Convolution(3, 3, Stride = new[] { 2, 1 }, Padding = new[] { 1 }, Dilation = new[] { 1, 2 }, Groups = 2, Operation = ConvOperation.WeightVjp)]
    public static partial Tensor<float> WeightVjpFloat(Tensor<float> x, Tensor<float> outputGradient);

    [Convolution(4, 4, Stride = new[] { 4 })]
    internal static partial Tensor<float> Patchify(Tensor<float> x, Tensor<float> weight);

    [Convolution(3, SamePadding = true)]
    internal static partial Tensor<double> Same1d(Tensor<double> x, Tensor<double> weight);
}

public class ConvGeneratedTests
{
    private static readonly ConvSpec Spec = new(new[] { 3, 3 }, stride: new[] { 2, 1 }, padding: new ConvPadding[] { 1, 1 },
        dilation: new[] { 1, 2 }, groups: 2);

    private static readonly int[] XShape = { 2, 4, 7, 9 }, WShape = { 6, 2, 3, 3 };

    [Fact]
    public void ForwardMatchesTheOracleAndTheRuntime()
    {
        var x = ConvOracle.Random(XShape, 3);
        var w = ConvOracle.Random(WShape, 4);
        var expected = ConvOracle.Forward(x, XShape, w, WShape, Spec, out var yShape);
        var yf = GeneratedConvLayers.ForwardFloat(ConvOracle.ToTensor<float>(x, XShape), ConvOracle.ToTensor<float>(w, WShape));
        var yd = GeneratedConvLayers.ForwardDouble(ConvOracle.ToTensor<double>(x, XShape), ConvOracle.ToTensor<double>(w, WShape));
        ConvOracle.AssertClose(expected, yf, yShape, 18, "generated float");
        ConvOracle.AssertClose(expected, yd, yShape, 18, "generated double");
        var runtime = Conv.Forward(ConvOracle.ToTensor<double>(x, XShape), ConvOracle.ToTensor<double>(w, WShape), Spec);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(runtime), yd, yShape, 18, "generated against Conv.Forward");
    }

    /// <summary>∂⟨v, y(W)⟩/∂W_j = ⟨v, y(e_j)⟩ (y is linear in W): the direct-loop oracle on each unit weight gives the exact VJP.</summary>
    [Fact]
    public void WeightVjpMatchesTheOracleAndTheRuntime()
    {
        var x = ConvOracle.Random(XShape, 5);
        int[] yShape = { 2, 6, 4, 7 };
        var v = ConvOracle.Random(yShape, 6);
        int size = WShape.Aggregate(1, (a, b) => a * b);
        var expected = new double[size];
        for (int j = 0; j < size; j++)
        {
            var unit = new double[size];
            unit[j] = 1;
            var y = ConvOracle.Forward(x, XShape, unit, WShape, Spec, out var shape);
            Assert.Equal(yShape, shape);
            expected[j] = y.Zip(v, (a, b) => a * b).Sum();
        }
        long terms = yShape[0] * yShape[2] * yShape[3];
        var gd = GeneratedConvLayers.WeightVjp(ConvOracle.ToTensor<double>(x, XShape), ConvOracle.ToTensor<double>(v, yShape));
        var gf = GeneratedConvLayers.WeightVjpFloat(ConvOracle.ToTensor<float>(x, XShape), ConvOracle.ToTensor<float>(v, yShape));
        ConvOracle.AssertClose(expected, gd, WShape, terms, "generated weight VJP double");
        ConvOracle.AssertClose(expected, gf, WShape, terms, "generated weight VJP float");
        var runtime = Conv.WeightVjp(ConvOracle.ToTensor<double>(x, XShape), ConvOracle.ToTensor<double>(v, yShape), Spec);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(runtime), gd, WShape, terms, "generated against Conv.WeightVjp");
    }

    [Fact]
    public void PatchifyAndSamePaddingMatchTheOracle()
    {
        int[] xs = { 1, 3, 8, 12 }, ws = { 5, 3, 4, 4 };
        var x = ConvOracle.Random(xs, 7);
        var w = ConvOracle.Random(ws, 8);
        var expected = ConvOracle.Forward(x, xs, w, ws, ConvSpec.Uniform(2, 4, stride: 4), out var shape);
        ConvOracle.AssertClose(expected, GeneratedConvLayers.Patchify(ConvOracle.ToTensor<float>(x, xs), ConvOracle.ToTensor<float>(w, ws)), shape, 48, "patchify");

        int[] x1 = { 2, 3, 10 }, w1 = { 4, 3, 3 };
        var a = ConvOracle.Random(x1, 9);
        var b = ConvOracle.Random(w1, 10);
        var e1 = ConvOracle.Forward(a, x1, b, w1, new ConvSpec(new[] { 3 }, padding: new[] { ConvPadding.Same }), out var s1);
        Assert.Equal(new[] { 2, 4, 10 }, s1);
        ConvOracle.AssertClose(e1, GeneratedConvLayers.Same1d(ConvOracle.ToTensor<double>(a, x1), ConvOracle.ToTensor<double>(b, w1)), s1, 9, "same 1-d");
    }

    [Fact]
    public void ShapeErrorsStillNameTheOperand()
    {
        var x = ConvOracle.ToTensor<float>(new double[2 * 3 * 7 * 9], new[] { 2, 3, 7, 9 });
        var w = ConvOracle.ToTensor<float>(new double[6 * 2 * 9], WShape);
        var e = Assert.ThrowsAny<System.ArgumentException>(() => GeneratedConvLayers.ForwardFloat(x, w));
        Assert.False(string.IsNullOrEmpty(e.ParamName));
    }
}
