using System;
using System.Linq;
using System.Numerics.Tensors;
using EinsumGen.Tests.Corpus;
using Xunit;

namespace EinsumGen.Tests.Runtime;

/// <summary>
/// NumPy's rules for '...' (numpy/_core/src/multiarray/einsum.c.src): the ellipsis may cover no dimension, and then a
/// '...' output is rank 0 (np.einsum('...i,...i', a, b) on vectors, np.einsum('...,...', 2.0, 3.0)); the implicit output
/// is '...' then the labels seen once, in order; '...' dimensions broadcast right-aligned, size 1 against any size; an
/// operand without '...' broadcasts against the others; an explicit output without '...' is an error when '...' covers
/// some dimension. The generated methods that return T for a '...' output bind it to no dimension and name the operand
/// whose '...' covers some.
/// </summary>
public class EllipsisSemanticsTests
{
    [Fact]
    public void EllipsisOverVectorsIsAScalar()
    {
        var a = Tensor.Create(new[] { 1.0, 2, 3 }, [3]);
        var b = Tensor.Create(new[] { 4.0, 5, 6 }, [3]);
        var dot = Einsum.Evaluate("...i,...i", a, b);
        Assert.Equal(1, dot.FlattenedLength); // the runtime's scalar result: one element
        Assert.Equal(32.0, TestData.Flatten(dot).Single());
        Assert.Equal(32.0, CorpusMethods.ScalarEllipsisInnerD(a, b));
        Assert.Equal(32f, CorpusMethods.ScalarEllipsisInnerF(Tensor.Create(new[] { 1f, 2, 3 }, [3]), Tensor.Create(new[] { 4f, 5, 6 }, [3])));
    }

    [Fact]
    public void EllipsisOverScalarsIsAScalar()
    {
        // Tensor<T> has no rank 0: the runtime takes and gives a one-element tensor for a scalar, as NumPy does for shape (1,).
        var product = Einsum.Evaluate("...,...", Tensor.Create(new[] { 2.0 }, [1]), Tensor.Create(new[] { 3.0 }, [1]));
        Assert.Equal(1, product.FlattenedLength);
        Assert.Equal(6.0, TestData.Flatten(product).Single());
        Assert.Equal(6.0, CorpusMethods.ScalarEllipsisValuesD(2.0, 3.0));
        Assert.Equal(6f, CorpusMethods.ScalarEllipsisValuesF(2f, 3f));
        Assert.Equal(20.0, CorpusMethods.ScalarEllipsisScaledSumD(2.0, Tensor.Create(new[] { 1.0, 2, 3, 4 }, [4])));
    }

    [Fact]
    public void AScalarResultNamesTheOperandWhoseEllipsisCoversDimensions()
    {
        var matrix = Tensor.Create(Enumerable.Range(0, 6).Select(i => (double)i).ToArray(), [2, 3]);
        var vector = Tensor.Create(new[] { 1.0, 2, 3 }, [3]);
        var e = Assert.Throws<ArgumentException>(() => CorpusMethods.ScalarEllipsisInnerD(vector, matrix));
        Assert.Equal("x1", e.ParamName);
        Assert.Contains("'...' must cover none", e.Message);
        Assert.Contains("[2]", e.Message);
        e = Assert.Throws<ArgumentException>(() => CorpusMethods.ScalarEllipsisSumD(Tensor.Create(new double[8], [2, 4])));
        Assert.Equal("x0", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => CorpusMethods.ScalarEllipsisScaledSumD(1.0, Tensor.Create(new double[8], [4, 2])));
        Assert.Equal("x1", e.ParamName);

        // The backward pass and forward mode check the same before touching anything.
        var gradient = Tensor.Create(new double[6], [2, 3]);
        e = Assert.Throws<ArgumentException>(() => CorpusMethods.ScalarEllipsisInnerDBackward(matrix, matrix, 1.0, gradient, default));
        Assert.Equal("x0", e.ParamName);
        Assert.All(TestData.Flatten(gradient), v => Assert.Equal(0.0, v));
        e = Assert.Throws<ArgumentException>(() => CorpusMethods.ScalarEllipsisInnerDJvp(matrix, matrix, matrix, matrix));
        Assert.Equal("x0", e.ParamName);
    }

    [Fact]
    public void ImplicitOutputIsTheEllipsisThenTheLabelsSeenOnce()
    {
        var x = Tensor.Create(Enumerable.Range(0, 24).Select(i => (double)i).ToArray(), [2, 3, 4]);
        // '...ba' implicitly means '...ba->...ab': the last two dimensions swapped.
        var swapped = Einsum.Evaluate("...ba", x);
        Assert.Equal(new nint[] { 2, 4, 3 }, swapped.Lengths.ToArray());
        Assert.Equal(TestData.Flatten(Einsum.EvaluateNaive("...ba->...ab", x)), TestData.Flatten(swapped));
        Assert.Equal(x[1, 2, 3], swapped[1, 3, 2]);
        // A label seen twice is summed; '...' stays in front.
        var y = Tensor.Create(Enumerable.Range(0, 12).Select(i => (double)i).ToArray(), [4, 3]);
        var product = Einsum.Evaluate("...ij,jk", x, y);
        Assert.Equal(new nint[] { 2, 3, 3 }, product.Lengths.ToArray());
        Assert.Equal(TestData.Flatten(Einsum.EvaluateNaive("...ij,jk->...ik", x, y)), TestData.Flatten(product));
    }

    [Fact]
    public void EllipsisDimensionsBroadcastRightAlignedWithSizeOne()
    {
        var a = Tensor.Create(Enumerable.Range(0, 15).Select(i => (double)i).ToArray(), [3, 1, 5]);
        var b = Tensor.Create(Enumerable.Range(0, 10).Select(i => (double)(i % 4)).ToArray(), [2, 5]);
        var result = Einsum.Evaluate("...i,...i->...", a, b);
        Assert.Equal(new nint[] { 3, 2 }, result.Lengths.ToArray());
        for (int p = 0; p < 3; p++)
        {
            for (int q = 0; q < 2; q++)
            {
                double sum = 0;
                for (int i = 0; i < 5; i++) sum += a[p, 0, i] * b[q, i];
                Assert.Equal(sum, result[p, q]);
            }
        }
    }

    [Fact]
    public void AnOperandWithoutEllipsisBroadcastsAgainstTheOthers()
    {
        var a = Tensor.Create(Enumerable.Range(0, 24).Select(i => (double)i).ToArray(), [2, 3, 4]);
        var v = Tensor.Create(new[] { 1.0, -1, 2, 0 }, [4]);
        var result = Einsum.Evaluate("...i,i->...", a, v);
        Assert.Equal(new nint[] { 2, 3 }, result.Lengths.ToArray());
        Assert.Equal(TestData.Flatten(Einsum.EvaluateNaive("...i,i->...", a, v)), TestData.Flatten(result));
        Assert.Equal(a[1, 2, 0] - a[1, 2, 1] + 2 * a[1, 2, 2], result[1, 2]);
        // '...' in the middle of one term and at the end of another.
        var m = Tensor.Create(Enumerable.Range(0, 6).Select(i => (double)i).ToArray(), [2, 3]);
        var mixed = Einsum.Evaluate("i...j,...->ij...", Tensor.Create(Enumerable.Range(0, 24).Select(i => (double)i).ToArray(), [2, 3, 4]), Tensor.Create(new[] { 2.0, 3, 4 }, [3]));
        Assert.Equal(new nint[] { 2, 4, 3 }, mixed.Lengths.ToArray());
        Assert.Equal(TestData.Flatten(Einsum.EvaluateNaive("i...j,...->ij...", Tensor.Create(Enumerable.Range(0, 24).Select(i => (double)i).ToArray(), [2, 3, 4]),
            Tensor.Create(new[] { 2.0, 3, 4 }, [3]))), TestData.Flatten(mixed));
        Assert.Equal(6, m.FlattenedLength);
    }

    [Fact]
    public void AnExplicitOutputWithoutEllipsisSumsCoveredDimensions()
    {
        // NumPy since gh-30349 (and np.einsum_path, opt_einsum, torch.einsum): the dimensions '...' covers are summed.
        var matrix = Tensor.Create(new double[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        Assert.Equal(new double[] { 5, 7, 9 }, TestData.Flatten(Einsum.Evaluate("...i->i", matrix)));
        Assert.Equal(new double[] { 5, 7, 9 }, TestData.Flatten(Einsum.EvaluateNaive("...i->i", matrix)));
        Assert.Equal(new double[] { 6, 15 }, TestData.Flatten(Einsum.Evaluate("i...->i", matrix)));
        // Covering no dimension, nothing is summed.
        var vector = Tensor.Create(new[] { 1.0, 2, 3 }, [3]);
        Assert.Equal(TestData.Flatten(vector), TestData.Flatten(Einsum.Evaluate("...i->i", vector)));
    }
}
