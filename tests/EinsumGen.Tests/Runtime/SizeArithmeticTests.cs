using System;
using System.Numerics.Tensors;
using Xunit;

namespace EinsumGen.Tests.Runtime;

public static partial class SizeArithmeticMethods
{
    [Einsum("a,b,c,abc->")]
    public static partial float Triple(ReadOnlyTensorSpan<float> x, ReadOnlyTensorSpan<float> y, ReadOnlyTensorSpan<float> z, ReadOnlyTensorSpan<float> w);

    [Einsum("ab,cd,ef,abcdef->")]
    public static partial float Huge(ReadOnlyTensorSpan<float> x, ReadOnlyTensorSpan<float> y, ReadOnlyTensorSpan<float> z, ReadOnlyTensorSpan<float> w);
}

/// <summary>
/// Sizes whose products no array can hold are an <see cref="ArgumentException"/> naming the labels and their sizes, thrown
/// before anything is allocated: never an OverflowException, never a wrapped product that loops forever.
/// </summary>
public class SizeArithmeticTests
{
    [Fact]
    public void AnIntermediateTooLargeForAnArrayNamesItsLabels()
    {
        var v = Tensor.Create(new float[65536], [65536]);
        var w = Tensor.Create(new float[1], [1, 1, 1]);
        var ex = Assert.ThrowsAny<ArgumentException>(() => Einsum.Evaluate("a,b,c,abc->", v, v, v, w));
        Assert.Contains("=65536", ex.Message, StringComparison.Ordinal);
        Assert.Contains("more than an array can hold", ex.Message, StringComparison.Ordinal);

        var data = new float[65536];
        ex = Assert.ThrowsAny<ArgumentException>(() => SizeArithmeticMethods.Triple(
            new ReadOnlyTensorSpan<float>(data, [65536]), new ReadOnlyTensorSpan<float>(data, [65536]),
            new ReadOnlyTensorSpan<float>(data, [65536]), new ReadOnlyTensorSpan<float>(new float[1], [1, 1, 1])));
        Assert.Contains("more than an array can hold", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProductsBeyondLongAreRefusedNotWrapped()
    {
        var one = new float[1];
        nint big = unchecked((nint)(1L << 31));
        var ex = Assert.ThrowsAny<ArgumentException>(() =>
        {
            var broadcast = new ReadOnlyTensorSpan<float>(one, 0, [big, big], [0, 0]);
            SizeArithmeticMethods.Huge(broadcast, broadcast, broadcast, new ReadOnlyTensorSpan<float>(one, [1, 1, 1, 1, 1, 1]));
        });
        Assert.Contains("more than an array can hold", ex.Message, StringComparison.Ordinal);
    }
}
