using System;
using System.Numerics.Tensors;
using Xunit;

namespace EinsumGen.Tests.Runtime;

public static partial class WrittenViewMethods
{
    [Einsum("mn,nk->mk")]
    public static partial void MatMul(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);

    [Einsum("...->")]
    public static partial float SumAll(ReadOnlyTensorSpan<float> a);

    [Einsum("...,...->...")]
    public static partial void Multiply(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);

    [Einsum("ij...,ij...->...")]
    public static partial void Inner(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);
}

/// <summary>
/// Every entry point of a generated method (forward, backward, forward mode) checks every view it writes against every
/// view it reads, and refuses a written view whose elements alias each other, before anything is written.
/// </summary>
public class WrittenViewTests
{
    private static float[] Filled(int n, float start = 1)
    {
        var data = new float[n];
        for (int i = 0; i < n; i++) data[i] = start + i;
        return data;
    }

    [Fact]
    public void JvpOutputInTheOperandsMemoryIsRefused()
    {
        var shared = Filled(16);
        var before = (float[])shared.Clone();
        var b = Filled(16, 3);
        var ta = Filled(16, 5);
        var tb = Filled(16, 7);
        var ex = Assert.ThrowsAny<ArgumentException>(() => WrittenViewMethods.MatMulJvp(
            new ReadOnlyTensorSpan<float>(shared, [4, 4]), new ReadOnlyTensorSpan<float>(b, [4, 4]),
            new ReadOnlyTensorSpan<float>(ta, [4, 4]), new ReadOnlyTensorSpan<float>(tb, [4, 4]), new TensorSpan<float>(shared, [4, 4])));
        Assert.Contains("overlaps 'a'", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, shared);
    }

    [Fact]
    public void JvpOutputInATangentsMemoryIsRefused()
    {
        var a = Filled(16);
        var b = Filled(16, 3);
        var shared = Filled(16, 5);
        var before = (float[])shared.Clone();
        var ex = Assert.ThrowsAny<ArgumentException>(() => WrittenViewMethods.MatMulJvp(
            new ReadOnlyTensorSpan<float>(a, [4, 4]), new ReadOnlyTensorSpan<float>(b, [4, 4]),
            new ReadOnlyTensorSpan<float>(shared, [4, 4]), default, new TensorSpan<float>(shared, [4, 4])));
        Assert.Contains("tangent of a", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, shared);
    }

    [Fact]
    public void JvpSumsEveryTangentsTerm()
    {
        var a = Filled(16);
        var b = Filled(16, 3);
        var ta = Filled(16, -2);
        var tb = Filled(16, 0.5f);
        var y = new float[16];
        WrittenViewMethods.MatMulJvp(new ReadOnlyTensorSpan<float>(a, [4, 4]), new ReadOnlyTensorSpan<float>(b, [4, 4]),
            new ReadOnlyTensorSpan<float>(ta, [4, 4]), new ReadOnlyTensorSpan<float>(tb, [4, 4]), new TensorSpan<float>(y, [4, 4]));
        var expected = new float[16];
        for (int m = 0; m < 4; m++)
        {
            for (int k = 0; k < 4; k++)
            {
                for (int n = 0; n < 4; n++) expected[m * 4 + k] += ta[m * 4 + n] * b[n * 4 + k] + a[m * 4 + n] * tb[n * 4 + k];
            }
        }
        Assert.Equal(expected, y);
    }

    [Fact]
    public void BroadcastOutputIsRefused()
    {
        var c = new float[4];
        var ex = Assert.ThrowsAny<ArgumentException>(() => WrittenViewMethods.MatMul(
            new ReadOnlyTensorSpan<float>(Filled(16), [4, 4]), new ReadOnlyTensorSpan<float>(Filled(16), [4, 4]),
            new TensorSpan<float>(c, 0, [4, 4], [0, 1])));
        Assert.Contains("stride 0", ex.Message, StringComparison.Ordinal);
        Assert.Equal(new float[4], c);
    }

    [Fact]
    public void BroadcastGradientBufferIsRefused()
    {
        var gradient = new float[4];
        var ex = Assert.ThrowsAny<ArgumentException>(() => WrittenViewMethods.MatMulBackward(
            new ReadOnlyTensorSpan<float>(Filled(16), [4, 4]), new ReadOnlyTensorSpan<float>(Filled(16), [4, 4]),
            new ReadOnlyTensorSpan<float>(Filled(16), [4, 4]), new TensorSpan<float>(gradient, 0, [4, 4], [0, 1]), default));
        Assert.Contains("gradient of a", ex.Message, StringComparison.Ordinal);
        Assert.Equal(new float[4], gradient);
    }

    [Fact]
    public void DefaultViewOnAnEllipsisTermNamesTheOperand()
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => WrittenViewMethods.SumAll(default(ReadOnlyTensorSpan<float>)));
        Assert.Equal("a", ex.ParamName);
        var c = new float[4];
        ex = Assert.ThrowsAny<ArgumentException>(() => WrittenViewMethods.Multiply(default,
            new ReadOnlyTensorSpan<float>(Filled(4), [4]), new TensorSpan<float>(c, [4])));
        Assert.Equal("a", ex.ParamName);
    }

    [Fact]
    public void ARankZeroEllipsisResultLandsInAOneElementView()
    {
        var a = Filled(6);
        var b = Filled(6, 2);
        var c = new float[1];
        WrittenViewMethods.Inner(new ReadOnlyTensorSpan<float>(a, [2, 3]), new ReadOnlyTensorSpan<float>(b, [2, 3]), new TensorSpan<float>(c, [1]));
        float expected = 0;
        for (int i = 0; i < 6; i++) expected += a[i] * b[i];
        Assert.Equal(expected, c[0]);

        var ex = Assert.ThrowsAny<ArgumentException>(() =>
            WrittenViewMethods.Inner(new ReadOnlyTensorSpan<float>(a, [2, 3]), new ReadOnlyTensorSpan<float>(b, [2, 3]), default));
        Assert.Equal("c", ex.ParamName);
        ex = Assert.ThrowsAny<ArgumentException>(() => WrittenViewMethods.InnerJvp(new ReadOnlyTensorSpan<float>(a, [2, 3]),
            new ReadOnlyTensorSpan<float>(b, [2, 3]), default, default, default));
        Assert.Equal("tangent of c", ex.ParamName);
        ex = Assert.ThrowsAny<ArgumentException>(() => WrittenViewMethods.InnerBackward(new ReadOnlyTensorSpan<float>(a, [2, 3]),
            new ReadOnlyTensorSpan<float>(b, [2, 3]), default, new TensorSpan<float>(new float[6], [2, 3]), default));
        Assert.Equal("gradient of c", ex.ParamName);

        // With a batch dimension the result has rank 1 and a one-element view of it is an ordinary output.
        var batched = new float[2];
        WrittenViewMethods.Inner(new ReadOnlyTensorSpan<float>(a, [1, 3, 2]), new ReadOnlyTensorSpan<float>(b, [1, 3, 2]), new TensorSpan<float>(batched, [2]));
        Assert.Equal(a[0] * b[0] + a[2] * b[2] + a[4] * b[4], batched[0]);
    }
}
