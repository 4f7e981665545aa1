using System;
using EinsumGen.Convolutions;
using Xunit;

namespace EinsumGen.Tests.Convolutions;

/// <summary>Bad hyperparameters and shapes: an ArgumentException naming the operand, the dimension and both sizes.</summary>
public class ConvErrorTests
{
    private static System.Numerics.Tensors.Tensor<double> T(params int[] shape) => TestData.Random<double>(shape, 1);

    private static void Throws(Action action, string parameter, params string[] fragments)
    {
        var e = Assert.ThrowsAny<ArgumentException>(action);
        Assert.Equal(parameter, e.ParamName);
        foreach (var f in fragments) Assert.Contains(f, e.Message);
    }

    [Fact]
    public void KernelLargerThanThePaddedInput() =>
        Throws(() => Conv.Forward(T(1, 2, 3), T(4, 2, 5), new ConvSpec(new[] { 5 })), "x", "spatial dimension 0", "size 3", "extent 5", "padded input size 3");

    [Fact]
    public void DilatedKernelLargerThanThePaddedInput() =>
        Throws(() => Conv.Forward(T(1, 2, 6, 6), T(4, 2, 3, 3), new ConvSpec(new[] { 3, 3 }, dilation: new[] { 1, 3 })), "x", "spatial dimension 1", "extent 7", "6");

    [Fact]
    public void GroupsMustDivideTheChannels()
    {
        Throws(() => Conv.Forward(T(1, 3, 8), T(4, 1, 3), new ConvSpec(new[] { 3 }, groups: 2)), "x", "dimension 1", "size 3", "2 groups");
        Throws(() => Conv.Forward(T(1, 4, 8), T(3, 2, 3), new ConvSpec(new[] { 3 }, groups: 2)), "weight", "dimension 0", "size 3", "2 groups");
    }

    [Fact]
    public void NegativePaddingAndSameWithStride()
    {
        Throws(() => new ConvSpec(new[] { 3 }, padding: new ConvPadding[] { -1 }), "padding", "dimension 0", "negative");
        Throws(() => new ConvSpec(new[] { 3, 3 }, stride: new[] { 1, 2 }, padding: new[] { ConvPadding.Same, ConvPadding.Same }), "padding", "dimension 1", "'same'", "stride 1", "2");
        Throws(() => new ConvSpec(new[] { 0 }), "kernelSize", "dimension 0", "0");
        Throws(() => new ConvSpec(new[] { 3 }, groups: 0), "groups", "0");
        Throws(() => new ConvSpec(new[] { 3 }, stride: new[] { 1, 1 }), "stride", "2 entries", "1 dimensions");
    }

    [Fact]
    public void WeightBiasAndGradientShapes()
    {
        var spec = new ConvSpec(new[] { 3, 3 });
        Throws(() => Conv.Forward(T(2, 3, 8, 8), T(4, 2, 3, 3), spec), "weight", "dimension 1", "size 2", "3 is expected");
        Throws(() => Conv.Forward(T(2, 3, 8, 8), T(4, 3, 3, 2), spec), "weight", "dimension 3", "size 2", "3 is expected");
        Throws(() => Conv.Forward(T(2, 3, 8, 8), T(4, 3, 3), spec), "weight", "rank 3", "rank 4");
        Throws(() => Conv.Forward(T(2, 3, 8, 8), T(4, 3, 3, 3), spec, T(5)), "bias", "dimension 0", "size 5", "4 is expected");
        Throws(() => Conv.Forward(T(2, 3, 8), T(4, 3, 3, 3), spec), "x", "rank 3", "rank 4");
        Throws(() => Conv.WeightVjp(T(2, 3, 8, 8), T(2, 4, 6, 5), spec), "outputGradient", "dimension 3", "size 5", "6 is expected");
        Throws(() => Conv.WeightVjp(T(2, 3, 8, 8), T(3, 4, 6, 6), spec), "outputGradient", "dimension 0", "size 3", "2 is expected");
        Throws(() => Conv.InputVjp(T(2, 4, 6, 6), T(4, 3, 3, 3), spec, new[] { 8, 9 }), "outputGradient", "dimension 3", "size 6", "7 is expected");
        Throws(() => Conv.InputVjp(T(2, 4, 6, 6), T(4), spec, new[] { 8, 8 }), "weight", "rank 1", "rank 4");
        Throws(() => Conv.Fold(T(2, 10, 36), spec, new[] { 8, 8 }), "columns", "dimension 1", "10");
        Throws(() => Conv.TransposeForward(T(2, 3, 4, 4), T(2, 3, 3, 3), spec), "weight", "dimension 0", "size 2", "3 is expected");
        Throws(() => Conv.WeightVjpRandomized(T(2, 3, 8, 8), T(2, 4, 6, 6), spec, 0, ConvDropoutAxes.Channels, 1), "keep", "0");
    }

    [Fact]
    public void GeometryErrorsAreTextForDiagnostics()
    {
        Assert.Contains("larger than the padded input", ConvGeometry.TryCreate(3, 5, 1, 0, 1, out _));
        Assert.Contains("'same' needs stride 1", ConvGeometry.TryCreate(8, 3, 2, ConvPadding.Same, 1, out _));
        Assert.Contains("negative", ConvGeometry.TryCreate(8, 3, 1, ConvPadding.PerSide(-1, 0), 1, out _));
        Assert.Null(ConvGeometry.TryCreate(8, 3, 1, ConvPadding.PerSide(0, 2), 1, out var g));
        Assert.Equal(8, g!.OutputSize);
    }
}
