using System;
using System.Buffers;
using System.Linq;
using System.Numerics.Tensors;
using EinsumGen.Convolutions;
using Xunit;

namespace EinsumGen.Tests.Convolutions;

/// <summary>
/// <see cref="Conv.ForwardInto"/>: the same values as <see cref="Conv.Forward"/> on the implicit-GEMM path (dense output,
/// written in place) and on the others (strided output, a depthwise layer), nothing written outside the view, and every
/// check made before anything is written.
/// </summary>
public class ConvForwardIntoTests
{
    private static readonly ConvSpec Dense3x3 = ConvSpec.Uniform(2, 3, padding: 1);

    [Fact]
    public void ADenseOutputGetsForwardsValuesInPlace()
    {
        Check<float>(Dense3x3, new[] { 2, 8, 9, 7 }, new[] { 12, 8, 3, 3 }, withBias: true);
        Check<double>(Dense3x3, new[] { 2, 8, 9, 7 }, new[] { 12, 8, 3, 3 }, withBias: false);
        // Strided, dilated, grouped.
        var spec = new ConvSpec(new[] { 3, 3 }, stride: new[] { 2, 1 }, padding: new[] { ConvPadding.PerSide(1, 0), ConvPadding.PerSide(2, 2) },
            dilation: new[] { 1, 2 }, groups: 2);
        Check<double>(spec, new[] { 3, 8, 11, 10 }, new[] { 8, 4, 3, 3 }, withBias: true);
    }

    [Fact]
    public void ADepthwiseLayerTakesTheOtherPath()
    {
        var spec = ConvSpec.Uniform(2, 3, padding: 1, groups: 4);
        Check<float>(spec, new[] { 2, 4, 6, 6 }, new[] { 4, 1, 3, 3 }, withBias: true);
    }

    [Fact]
    public void AStridedOutputGetsTheValuesAndNothingElseIsWritten()
    {
        var x = TestData.Random<double>(new[] { 2, 8, 6, 5 }, 1);
        var w = TestData.Random<double>(new[] { 6, 8, 3, 3 }, 2);
        var b = TestData.Random<double>(new[] { 6 }, 3);
        var expected = TestData.Flatten(Conv.Forward(x, w, Dense3x3, b));
        var whole = Tensor.Create(Enumerable.Repeat(-7.0, 2 * 6 * 6 * 8).ToArray(), [2, 6, 6, 8]);
        var view = whole.Slice(NRange.All, NRange.All, NRange.All, new NRange(0, 5));
        Conv.ForwardInto(x, w, Dense3x3, b, view);
        Assert.Equal(expected, TestData.Flatten(view));
        var all = TestData.Flatten(whole);
        for (int i = 0; i < all.Length; i++)
        {
            if (i % 8 >= 5) Assert.Equal(-7.0, all[i]);
        }
    }

    [Fact]
    public void BadOutputsAreRejectedBeforeAnythingIsWritten()
    {
        var x = TestData.Random<double>(new[] { 2, 8, 6, 5 }, 1);
        var w = TestData.Random<double>(new[] { 6, 8, 3, 3 }, 2);
        var wrong = Tensor.Create(Enumerable.Repeat(-7.0, 2 * 6 * 6 * 4).ToArray(), [2, 6, 6, 4]);
        var error = Assert.Throws<ArgumentException>(() => Conv.ForwardInto(x, w, Dense3x3, null, wrong));
        Assert.Contains("output", error.Message);
        Assert.Contains("5", error.Message);
        Assert.Contains("4", error.Message);
        Assert.All(TestData.Flatten(wrong), v => Assert.Equal(-7.0, v));

        var repeated = Tensor.Create(new double[6 * 6 * 5], 0, [2, 6, 6, 5], [0, 30, 5, 1]);
        Assert.Throws<ArgumentException>(() => Conv.ForwardInto(x, w, Dense3x3, null, repeated));

        // The output may not be the input's own memory: a [2, 6, 6, 5] view over x's array.
        var data = TestData.Flatten(TestData.Random<double>(new[] { 2, 8, 6, 5 }, 4));
        var shared = Tensor.Create(data, [2, 8, 6, 5]);
        var overX = Tensor.Create(data, 0, [2, 6, 6, 5], [240, 30, 5, 1]);
        var inPlace = Assert.Throws<ArgumentException>(() => Conv.ForwardInto(shared, w, Dense3x3, null, overX));
        Assert.Contains("output", inPlace.Message);

        var badBias = TestData.Random<double>(new[] { 5 }, 5);
        var output = Tensor.CreateFromShape<double>([2, 6, 6, 5]);
        Assert.Throws<ArgumentException>(() => Conv.ForwardInto(x, w, Dense3x3, badBias, output));
    }

    private static void Check<T>(ConvSpec spec, int[] xShape, int[] wShape, bool withBias) where T : unmanaged, System.Numerics.INumberBase<T>
    {
        var x = TestData.Random<T>(xShape, 11);
        var w = TestData.Random<T>(wShape, 12);
        var b = withBias ? TestData.Random<T>(new[] { wShape[0] }, 13) : null;
        var expected = Conv.Forward(x, w, spec, b);
        var output = Tensor.Create(Enumerable.Repeat(T.CreateChecked(-7), (int)expected.FlattenedLength).ToArray(), expected.Lengths);
        Conv.ForwardInto(x, w, spec, b, output);
        Assert.Equal(TestData.Flatten(expected), TestData.Flatten(output));
    }
}
