using System;
using System.Linq;
using System.Numerics.Tensors;
using Xunit;

namespace EinsumGen.Tests.Runtime;

/// <summary>
/// <see cref="Einsum.EvaluateInto{T}"/>, NumPy's <c>out=</c>: the result lands in a given view (dense, transposed, a scalar),
/// overwriting it; a wrong shape throws before anything is written, and an output sharing memory with an operand gets the
/// result as NumPy's does.
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
    public void A_wrong_shape_throws_and_writes_nothing()
    {
        var a = Arange(12, 3, 4);
        var b = Arange(20, 4, 5);
        var wrong = TestData.Garbage<double>([5, 3]);
        var error = Assert.Throws<ArgumentException>(() => Einsum.EvaluateInto("ij,jk->ik", wrong, a, b));
        Assert.Equal("output", error.ParamName);
        Assert.Contains("[5, 3]", error.Message);
        Assert.Contains("[3, 5]", error.Message);
        Assert.All(TestData.Flatten(wrong), v => Assert.True(double.IsNaN(v)));
    }

    [Fact]
    public void An_output_that_is_an_operand_gets_the_result_as_numpy_out_does()
    {
        // numpy gh-10080: np.einsum('ij,jk->ik', a, b, out=b) equals a·b; test_out_is_res: out=a for '...ij,...jk->...ik'.
        var square = Arange(9, 3, 3);
        var other = Arange(9, 3, 3);
        var expected = TestData.Flatten(Einsum.EvaluateNaive("ij,jk->ik", square, other));
        Einsum.EvaluateInto("ij,jk->ik", square, square, other);
        Assert.Equal(expected, TestData.Flatten(square));

        var b = Arange(9, 3, 3);
        expected = TestData.Flatten(Einsum.EvaluateNaive("...ij,...jk->...ik", b, b));
        Einsum.EvaluateInto("...ij,...jk->...ik", b, b, b);
        Assert.Equal(expected, TestData.Flatten(b));

        // A transposed view of an operand's memory as the output.
        var data = TestData.Flatten(Arange(9, 3, 3));
        var operand = Tensor.Create(data, [3, 3]);
        var output = Tensor.Create(data, 0, [3, 3], [1, 3]);
        expected = TestData.Flatten(Einsum.EvaluateNaive("ij,jk->ik", Arange(9, 3, 3), other));
        Einsum.EvaluateInto("ij,jk->ik", output, operand, other);
        Assert.Equal(expected, TestData.Flatten(output));
    }
}
