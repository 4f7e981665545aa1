using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using EinsumGen.Convolutions;
using Xunit;

namespace EinsumGen.Tests.Convolutions;

/// <summary>Every other operation as a [Convolution] layer (the generator implements them at build time).</summary>
public static partial class GeneratedConvOperations
{
    private const int S = 2;

    [Convolution(3, 3, Stride = new[] { 2, 1 }, Padding = new[] { 1 }, Groups = 2)]
    public static partial Tensor<double> ForwardBias(Tensor<double> x, Tensor<double> weight, Tensor<double> bias);

    [Convolution(3, 3, Stride = new[] { 2, 1 }, Padding = new[] { 1 }, Groups = 2, Operation = ConvOperation.InputVjp)]
    public static partial Tensor<double> InputVjp(Tensor<double> outputGradient, Tensor<double> weight, int[] inputSize);

    [Convolution(3, 3, Stride = new[] { 2, 1 }, Padding = new[] { 1 }, Groups = 2, Operation = ConvOperation.InputVjp)]
    public static partial Tensor<float> InputVjpFloat(Tensor<float> outputGradient, Tensor<float> weight, IReadOnlyList<int> inputSize);

    [Convolution(3, 3, Stride = new[] { 2, 1 }, Padding = new[] { 1 }, Groups = 2, Operation = ConvOperation.InputJvp)]
    public static partial Tensor<double> InputJvp(Tensor<double> inputTangent, Tensor<double> weight);

    [Convolution(3, 3, Stride = new[] { 2, 1 }, Padding = new[] { 1 }, Groups = 2, Operation = ConvOperation.WeightJvp)]
    public static partial Tensor<double> WeightJvp(Tensor<double> x, Tensor<double> weightTangent);

    [Convolution(3, 3, Stride = new[] { 2, 1 }, Padding = new[] { 1 }, Operation = ConvOperation.Unfold)]
    public static partial Tensor<double> Unfold(Tensor<double> x);

    [Convolution(3, 3, Stride = new[] { 2, 1 }, Padding = new[] { 1 }, Operation = ConvOperation.Fold)]
    public static partial Tensor<double> Fold(Tensor<double> columns, int[] inputSize);

    [Convolution(3, 2, Stride = new[] { S, 1 }, Padding = new[] { 1, 0 }, Groups = 2, OutputPadding = new[] { 1, 0 },
        Operation = ConvOperation.TransposeForward)]
    public static partial Tensor<double> TransposeForward(Tensor<double> x, Tensor<double> weight, Tensor<double> bias);

    [Convolution(3, 2, Stride = new[] { S, 1 }, Padding = new[] { 1, 0 }, OutputPadding = new[] { 1, 0 }, Operation = ConvOperation.TransposeUnfold)]
    public static partial Tensor<float> TransposeUnfold(Tensor<float> x);

    [Convolution(3, 2, Stride = new[] { S, 1 }, Padding = new[] { 1, 0 }, Groups = 2, OutputPadding = new[] { 1, 0 },
        Operation = ConvOperation.TransposeKfacReduce)]
    public static partial Tensor<double> TransposeKfacReduce(Tensor<double> x);

    [Convolution(3, 3, Stride = new[] { 2, 1 }, Padding = new[] { 1 }, Groups = 2, Operation = ConvOperation.Kfc)]
    public static partial Tensor<double> Kfc(Tensor<double> x);

    [Convolution(1, 1, Stride = new[] { 2 }, Operation = ConvOperation.KfacReduce)]
    public static partial Tensor<double> ShortcutKfacReduce(Tensor<double> x);

    [Convolution(3, 3, Stride = new[] { 2, 1 }, Padding = new[] { 1 }, Groups = 2, Operation = ConvOperation.KfacReduceAveraged)]
    public static partial Tensor<float> KfacReduceAveraged(Tensor<float> x);

    [Convolution(3, 3, Stride = new[] { 2, 1 }, Padding = new[] { 1 }, Groups = 2, Operation = ConvOperation.WeightVjpRandomized,
        Keep = 0.5, DropoutAxes = ConvDropoutAxes.Channels)]
    public static partial Tensor<double> WeightVjpRandomized(Tensor<double> x, Tensor<double> outputGradient, int seed);
}

/// <summary>
/// Each generated operation against the direct-loop oracle where it has one, and against the run-time API with the same
/// hyperparameters (itself checked against the oracle and finite differences elsewhere).
/// </summary>
public class ConvGeneratedOperationsTests
{
    private static readonly ConvSpec Spec = new(new[] { 3, 3 }, stride: new[] { 2, 1 }, padding: new ConvPadding[] { 1, 1 }, groups: 2);
    private static readonly ConvSpec Ungrouped = new(new[] { 3, 3 }, stride: new[] { 2, 1 }, padding: new ConvPadding[] { 1, 1 });
    private static readonly ConvSpec Transpose = new(new[] { 3, 2 }, stride: new[] { 2, 1 }, padding: new ConvPadding[] { 1, 0 }, groups: 2,
        outputPadding: new[] { 1, 0 });

    private static readonly int[] XShape = { 2, 4, 7, 9 }, WShape = { 6, 2, 3, 3 }, YShape = { 2, 6, 4, 9 };

    private static Tensor<double> D(double[] v, int[] shape) => ConvOracle.ToTensor<double>(v, shape);

    [Fact]
    public void ForwardWithBiasMatchesTheOracle()
    {
        var x = ConvOracle.Random(XShape, 1);
        var w = ConvOracle.Random(WShape, 2);
        var b = ConvOracle.Random(new[] { 6 }, 3);
        var expected = ConvOracle.Forward(x, XShape, w, WShape, Spec, out var yShape);
        Assert.Equal(YShape, yShape);
        int plane = yShape[2] * yShape[3];
        for (int i = 0; i < expected.Length; i++) expected[i] += b[i / plane % 6];
        ConvOracle.AssertClose(expected, GeneratedConvOperations.ForwardBias(D(x, XShape), D(w, WShape), D(b, new[] { 6 })), yShape, 18, "forward + bias");
    }

    /// <summary>⟨v, conv(x)⟩ = ⟨VJP_x(v), x⟩ for every x: the input VJP from the oracle's forward on unit inputs.</summary>
    [Fact]
    public void InputVjpIsTheAdjointOfTheOracle()
    {
        var w = ConvOracle.Random(WShape, 4);
        var v = ConvOracle.Random(YShape, 5);
        int size = XShape.Aggregate(1, (a, b) => a * b);
        var expected = new double[size];
        for (int j = 0; j < size; j++)
        {
            var unit = new double[size];
            unit[j] = 1;
            var y = ConvOracle.Forward(unit, XShape, w, WShape, Spec, out _);
            expected[j] = y.Zip(v, (a, b) => a * b).Sum();
        }
        ConvOracle.AssertClose(expected, GeneratedConvOperations.InputVjp(D(v, YShape), D(w, WShape), new[] { 7, 9 }), XShape, 18, "input VJP");
        var vf = ConvOracle.ToTensor<float>(v, YShape);
        ConvOracle.AssertClose(expected, GeneratedConvOperations.InputVjpFloat(vf, ConvOracle.ToTensor<float>(w, WShape), new List<int> { 7, 9 }),
            XShape, 18, "input VJP float");
    }

    [Fact]
    public void JvpsAreForwardPassesOfTheTangents()
    {
        var x = ConvOracle.Random(XShape, 6);
        var w = ConvOracle.Random(WShape, 7);
        var expected = ConvOracle.Forward(x, XShape, w, WShape, Spec, out var yShape);
        ConvOracle.AssertClose(expected, GeneratedConvOperations.InputJvp(D(x, XShape), D(w, WShape)), yShape, 18, "input JVP");
        ConvOracle.AssertClose(expected, GeneratedConvOperations.WeightJvp(D(x, XShape), D(w, WShape)), yShape, 18, "weight JVP");
    }

    [Fact]
    public void UnfoldAndFoldMatchTheOracleAndAreAdjoint()
    {
        var x = ConvOracle.Random(XShape, 8);
        var expected = ConvOracle.Unfold(x, XShape, Ungrouped, out var uShape);
        var u = GeneratedConvOperations.Unfold(D(x, XShape));
        ConvOracle.AssertClose(expected, u, uShape, 1, "unfold");
        var c = ConvOracle.Random(uShape, 9);
        var folded = GeneratedConvOperations.Fold(D(c, uShape), new[] { 7, 9 });
        ConvOracle.AssertClose(ConvOracle.ToDoubles(Conv.Fold(D(c, uShape), Ungrouped, new[] { 7, 9 })), folded, XShape, 9, "fold against Conv.Fold");
        // ⟨c, unfold(x)⟩ = ⟨fold(c), x⟩
        double left = c.Zip(expected, (a, b) => a * b).Sum(), right = ConvOracle.ToDoubles(folded).Zip(x, (a, b) => a * b).Sum();
        Assert.True(System.Math.Abs(left - right) <= 1e-10 * System.Math.Max(1, System.Math.Abs(left)), $"{left} vs {right}");
    }

    [Fact]
    public void TransposeOperationsMatchTheOracleAndTheRuntime()
    {
        int[] xs = { 2, 4, 4, 5 }, ws = { 4, 3, 3, 2 };
        int[] input = { 8, 6 }; // (4−1)·2 − 2 + 2 + 1 + 1, (5−1)·1 − 0 + 1 + 1
        var x = ConvOracle.Random(xs, 10);
        var w = ConvOracle.Random(ws, 11);
        var b = ConvOracle.Random(new[] { 6 }, 12);
        var expected = ConvOracle.TransposeForward(x, xs, w, ws, Transpose, input, out var yShape);
        int plane = yShape[2] * yShape[3];
        for (int i = 0; i < expected.Length; i++) expected[i] += b[i / plane % 6];
        ConvOracle.AssertClose(expected, GeneratedConvOperations.TransposeForward(D(x, xs), D(w, ws), D(b, new[] { 6 })), yShape, 12, "transpose forward");

        var ungrouped = new ConvSpec(new[] { 3, 2 }, stride: new[] { 2, 1 }, padding: new ConvPadding[] { 1, 0 }, outputPadding: new[] { 1, 0 });
        var tu = GeneratedConvOperations.TransposeUnfold(ConvOracle.ToTensor<float>(x, xs));
        var expectedUnfold = ConvOracle.TransposeUnfold(x, xs, ungrouped, input);
        ConvOracle.AssertClose(expectedUnfold, tu, tu.Lengths.ToArray().Select(d => (int)d).ToArray(), 1, "transpose-unfold");

        var factor = GeneratedConvOperations.TransposeKfacReduce(D(x, xs));
        var runtime = Conv.TransposeKfacReduce(D(x, xs), Transpose);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(runtime), factor, runtime.Lengths.ToArray().Select(d => (int)d).ToArray(), 64, "transpose KFAC-reduce");
    }

    [Fact]
    public void FactorsMatchTheUnfoldFormulas()
    {
        var x = ConvOracle.Random(XShape, 13);
        var u = ConvOracle.Unfold(x, XShape, Ungrouped, out var us);
        int side = 2 * 9;
        var kfc = ConvOracle.KfcFromColumns(u, us[0], us[1], us[2], 2);
        ConvOracle.AssertClose(kfc, GeneratedConvOperations.Kfc(D(x, XShape)), new[] { 2, side, side }, us[2] * 2, "KFC");
        var reduce = ConvOracle.KfacReduceFromColumns(u, us[0], us[1], us[2], 2);
        ConvOracle.AssertClose(reduce, GeneratedConvOperations.KfacReduceAveraged(ConvOracle.ToTensor<float>(x, XShape)), new[] { 2, side, side },
            us[2] * 2, "KFAC-reduce averaged");

        int[] xs = { 3, 5, 8, 6 };
        var xr = ConvOracle.Random(xs, 14);
        var shortcut = ConvSpec.Uniform(2, 1, stride: 2);
        var ur = ConvOracle.Unfold(xr, xs, shortcut, out var urs);
        var expected = ConvOracle.KfacReduceFromColumns(ur, urs[0], urs[1], urs[2], 1);
        ConvOracle.AssertClose(expected, GeneratedConvOperations.ShortcutKfacReduce(D(xr, xs)), new[] { 1, 5, 5 }, urs[2] * 2, "1×1/2 KFAC-reduce");
    }

    [Fact]
    public void RandomizedWeightVjpIsTheRuntimesWithTheSameSeed()
    {
        var x = ConvOracle.Random(XShape, 15);
        var v = ConvOracle.Random(YShape, 16);
        for (int seed = 0; seed < 3; seed++)
        {
            var generated = GeneratedConvOperations.WeightVjpRandomized(D(x, XShape), D(v, YShape), seed);
            var runtime = Conv.WeightVjpRandomized(D(x, XShape), D(v, YShape), Spec, 0.5, ConvDropoutAxes.Channels, seed);
            ConvOracle.AssertClose(ConvOracle.ToDoubles(runtime), generated, WShape, 1, $"randomized weight VJP seed {seed}");
        }
    }
}
