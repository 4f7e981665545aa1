using System;
using System.Linq;
using System.Numerics.Tensors;
using Xunit;

namespace EinsumGen.Tests.Runtime;

/// <summary>
/// <see cref="Einsum.EvaluateInto{T}"/>, NumPy's <c>out=</c>: the result lands in a given view (dense, transposed, a scalar),
/// overwriting it; a wrong shape or an output sharing memory with an operand throws before anything is written.
/// </summary>
public class EvaluateIntoTests
{
    private static Tensor<double> Arange(int count, params nint[] shape) =>
        Tensor.Create(Enumerable.Range(0, count).Select(i => (double)(i % 7 - 3)).ToArray(), shape);

    [Fact]
    public void Writes_into_a_dense_or_transposed_view_and_overwrites_it()
    {
        var a = Arange(12, 3, 4);
        var b = Arange(20, 4, 5);
        var expected = TestData.Flatten(Einsum.Evaluate("ij,jk->ik", a, b));

        var dense = TestData.Garbage<double>([3, 5]);
        Einsum.EvaluateInto("ij,jk->ik", dense, a, b);
        Assert.Equal(expected, TestData.Flatten(dense));

        // A column-major buffer seen as [3, 5]: element (i, k) at k·3 + i.
        var buffer = Enumerable.Repeat(double.NaN, 15).ToArray();
        var transposed = Tensor.Create(buffer, 0, [3, 5], [1, 3]);
        Einsum.EvaluateInto("ij,jk->ik", transposed, a, b);
        Assert.Equal(expected, TestData.Flatten(transposed));
    }

    [Fact]
    public void A_scalar_result_goes_into_a_one_element_tensor()
    {
        var a = Arange(6, 6);
        var result = Tensor.Create(new[] { double.NaN }, [1]);
        Einsum.EvaluateInto("i,i->", result, a, a);
        Assert.Equal(TestData.Flatten(Einsum.Evaluate("i,i->", a, a)), TestData.Flatten(result));
    }

    [Fact]
    public void A_wrong_shape_or_an_overlapping_output_throws_and_writes_nothing()
    {
        var a = Arange(12, 3, 4);
        var b = Arange(20, 4, 5);
        var wrong = TestData.Garbage<double>([5, 3]);
        var error = Assert.Throws<ArgumentException>(() => Einsum.EvaluateInto("ij,jk->ik", wrong, a, b));
        Assert.Equal("output", error.ParamName);
        Assert.Contains("[5, 3]", error.Message);
        Assert.Contains("[3, 5]", error.Message);
        Assert.All(TestData.Flatten(wrong), v => Assert.True(double.IsNaN(v)));

        // The output is the first operand's own memory.
        var square = Arange(9, 3, 3);
        var before = TestData.Flatten(square);
        Assert.Throws<ArgumentException>(() => Einsum.EvaluateInto("ij,jk->ik", square, square, Arange(9, 3, 3)));
        Assert.Equal(before, TestData.Flatten(square));
    }
}
