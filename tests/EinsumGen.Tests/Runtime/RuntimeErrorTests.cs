using System;
using System.Numerics;
using System.Numerics.Tensors;
using Xunit;
using static EinsumGen.Tests.Runtime.RuntimeTestUtil;

namespace EinsumGen.Tests.Runtime;

public static partial class ErrorMethods
{
    [Einsum("mn,nk->mk")]
    public static partial void MatMulF(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);
    [Einsum("mn,nk->mk")]
    public static partial void MatMulD(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, TensorSpan<double> c);

    [Einsum("mn,nk->mk", Sizes = "m=3")]
    public static partial void MatMulM3F(ReadOnlyTensorSpan<float> left, ReadOnlyTensorSpan<float> right, TensorSpan<float> result);
    [Einsum("mn,nk->mk", Sizes = "m=3")]
    public static partial void MatMulM3D(ReadOnlyTensorSpan<double> left, ReadOnlyTensorSpan<double> right, TensorSpan<double> result);

    [Einsum("ii")]
    public static partial float TraceF(ReadOnlyTensorSpan<float> x);
    [Einsum("ii")]
    public static partial double TraceD(ReadOnlyTensorSpan<double> x);

    [Einsum("ii->i")]
    public static partial void DiagF(ReadOnlyTensorSpan<float> x, TensorSpan<float> y);
    [Einsum("ii->i")]
    public static partial void DiagD(ReadOnlyTensorSpan<double> x, TensorSpan<double> y);

    [Einsum("i")]
    public static partial void IdentityF(ReadOnlyTensorSpan<float> x, TensorSpan<float> y);
    [Einsum("i")]
    public static partial void IdentityD(ReadOnlyTensorSpan<double> x, TensorSpan<double> y);

    [Einsum("aabcb,abc")]
    public static partial float CollapseF(ReadOnlyTensorSpan<float> p, ReadOnlyTensorSpan<float> q);
    [Einsum("aabcb,abc")]
    public static partial double CollapseD(ReadOnlyTensorSpan<double> p, ReadOnlyTensorSpan<double> q);

    [Einsum("...ij,...jk->...ik")]
    public static partial void BatchedF(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);
    [Einsum("...ij,...jk->...ik")]
    public static partial void BatchedD(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, TensorSpan<double> c);

    [Einsum("...i->i")]
    public static partial void DropEllipsisF(ReadOnlyTensorSpan<float> x, TensorSpan<float> y);
    [Einsum("...i->i")]
    public static partial void DropEllipsisD(ReadOnlyTensorSpan<double> x, TensorSpan<double> y);

    [Einsum("ij,ij->ij")]
    public static partial void HadamardF(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);
    [Einsum("ij,ij->ij")]
    public static partial void HadamardD(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, TensorSpan<double> c);
}

/// <summary>
/// Run-time errors of generated methods and <see cref="Einsum.Evaluate{T}"/>: every mismatch throws
/// <see cref="ArgumentException"/> naming the parameter, the index and both sizes, before any output element is written.
/// </summary>
public class RuntimeErrorTests
{
    // ---- helpers ------------------------------------------------------------------------------------------------

    private static ArgumentException ThrowsWithoutWriting<T>(T[] output, Action call) where T : INumberBase<T>
    {
        var ex = Assert.ThrowsAny<ArgumentException>(call);
        AssertAllSentinel(output);
        return ex;
    }

    private static void AssertMentions(ArgumentException ex, params string[] parts)
    {
        foreach (var part in parts) Assert.Contains(part, ex.Message, StringComparison.Ordinal);
    }

    private static Binary<T> MatMul<T>() => typeof(T) == typeof(float)
        ? (Binary<T>)(Delegate)(Binary<float>)ErrorMethods.MatMulF
        : (Binary<T>)(Delegate)(Binary<double>)ErrorMethods.MatMulD;

    private static Binary<T> MatMulM3<T>() => typeof(T) == typeof(float)
        ? (Binary<T>)(Delegate)(Binary<float>)ErrorMethods.MatMulM3F
        : (Binary<T>)(Delegate)(Binary<double>)ErrorMethods.MatMulM3D;

    private static Binary<T> Batched<T>() => typeof(T) == typeof(float)
        ? (Binary<T>)(Delegate)(Binary<float>)ErrorMethods.BatchedF
        : (Binary<T>)(Delegate)(Binary<double>)ErrorMethods.BatchedD;

    private static Binary<T> Hadamard<T>() => typeof(T) == typeof(float)
        ? (Binary<T>)(Delegate)(Binary<float>)ErrorMethods.HadamardF
        : (Binary<T>)(Delegate)(Binary<double>)ErrorMethods.HadamardD;

    private static Unary<T> Diag<T>() => typeof(T) == typeof(float)
        ? (Unary<T>)(Delegate)(Unary<float>)ErrorMethods.DiagF
        : (Unary<T>)(Delegate)(Unary<double>)ErrorMethods.DiagD;

    private static Unary<T> Identity<T>() => typeof(T) == typeof(float)
        ? (Unary<T>)(Delegate)(Unary<float>)ErrorMethods.IdentityF
        : (Unary<T>)(Delegate)(Unary<double>)ErrorMethods.IdentityD;

    private static Unary<T> DropEllipsis<T>() => typeof(T) == typeof(float)
        ? (Unary<T>)(Delegate)(Unary<float>)ErrorMethods.DropEllipsisF
        : (Unary<T>)(Delegate)(Unary<double>)ErrorMethods.DropEllipsisD;

    private static UnaryScalar<T> Trace<T>() => typeof(T) == typeof(float)
        ? (UnaryScalar<T>)(Delegate)(UnaryScalar<float>)ErrorMethods.TraceF
        : (UnaryScalar<T>)(Delegate)(UnaryScalar<double>)ErrorMethods.TraceD;

    private static BinaryScalar<T> Collapse<T>() => typeof(T) == typeof(float)
        ? (BinaryScalar<T>)(Delegate)(BinaryScalar<float>)ErrorMethods.CollapseF
        : (BinaryScalar<T>)(Delegate)(BinaryScalar<double>)ErrorMethods.CollapseD;

    private static ReadOnlyTensorSpan<T> Span<T>(T[] data, params nint[] lengths) => new(data, lengths);

    // ---- size mismatch ------------------------------------------------------------------------------------------

    [Fact] public void SizeMismatchFloat() => SizeMismatch<float>();
    [Fact] public void SizeMismatchDouble() => SizeMismatch<double>();

    private static void SizeMismatch<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = Values<T>(2 * 3, 1);
        var b = Values<T>(4 * 5, 2);
        var c = Filled(2 * 5, Sentinel<T>());
        var run = MatMul<T>();
        var ex = ThrowsWithoutWriting(c, () => run(Span(a, 2, 3), Span(b, 4, 5), new TensorSpan<T>(c, [2, 5])));
        Assert.Equal("b", ex.ParamName);
        AssertMentions(ex, "'n'", "4", "3");
    }

    [Fact]
    public void SizeMismatchNamesTheFirstOperandWhenItIsTheOddOne()
    {
        // Sizes are resolved left to right; the message must still carry both sizes and the index.
        var a = Values<float>(2 * 7, 1);
        var b = Values<float>(3 * 5, 2);
        var c = Filled(2 * 5, Sentinel<float>());
        var ex = ThrowsWithoutWriting(c, () => ErrorMethods.MatMulF(Span(a, 2, 7), Span(b, 3, 5), new TensorSpan<float>(c, [2, 5])));
        AssertMentions(ex, "'n'", "7", "3");
        Assert.True(ex.ParamName is "a" or "b", ex.ParamName);
    }

    [Fact]
    public void SizeOneBroadcastsAgainstALabelSizeButOtherSizesDoNot()
    {
        var a = Arange<float>(1 * 3);
        var b = Arange<float>(2 * 3);
        var c = Filled(2 * 3, Sentinel<float>());
        ErrorMethods.HadamardF(Span(a, 1, 3), Span(b, 2, 3), new TensorSpan<float>(c, [2, 3]));
        Assert.Equal(new float[] { 0, 1, 4, 0, 4, 10 }, c);

        var a2 = Arange<double>(3 * 3);
        var b2 = Arange<double>(2 * 3);
        var c2 = Filled(2 * 3, Sentinel<double>());
        var ex = ThrowsWithoutWriting(c2, () => ErrorMethods.HadamardD(Span(a2, 3, 3), Span(b2, 2, 3), new TensorSpan<double>(c2, [2, 3])));
        Assert.Equal("b", ex.ParamName);
        AssertMentions(ex, "'i'", "2", "3");
    }

    [Fact]
    public void EvaluateSizeMismatchNamesTheOperand()
    {
        var a = Tensor.Create(Arange<double>(6), [2, 3]);
        var b = Tensor.Create(Arange<double>(20), [4, 5]);
        var ex = Assert.ThrowsAny<ArgumentException>(() => Einsum.Evaluate("mn,nk->mk", a, b));
        AssertMentions(ex, "operands[1]", "'n'", "4", "3");
        Assert.ThrowsAny<ArgumentException>(() => Einsum.EvaluateNaive("mn,nk->mk", a, b));
    }

    // ---- rank mismatch ------------------------------------------------------------------------------------------

    [Fact] public void RankMismatchFloat() => RankMismatch<float>();
    [Fact] public void RankMismatchDouble() => RankMismatch<double>();

    private static void RankMismatch<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = Values<T>(2 * 3 * 1, 1);
        var b = Values<T>(3 * 5, 2);
        var c = Filled(2 * 5, Sentinel<T>());
        var run = MatMul<T>();
        var ex = ThrowsWithoutWriting(c, () => run(Span(a, 2, 3, 1), Span(b, 3, 5), new TensorSpan<T>(c, [2, 5])));
        Assert.Equal("a", ex.ParamName);
        AssertMentions(ex, "rank 3", "2");

        ex = ThrowsWithoutWriting(c, () => run(Span(a, 6), Span(b, 3, 5), new TensorSpan<T>(c, [2, 5])));
        Assert.Equal("a", ex.ParamName);
        AssertMentions(ex, "rank 1");
    }

    [Fact]
    public void EllipsisTermNeedsAtLeastItsLabels()
    {
        var a = Values<float>(3, 1);
        var b = Values<float>(3 * 2, 2);
        var c = Filled(6, Sentinel<float>());
        var ex = ThrowsWithoutWriting(c, () => ErrorMethods.BatchedF(Span(a, 3), Span(b, 3, 2), new TensorSpan<float>(c, [3, 2])));
        Assert.Equal("a", ex.ParamName);
        AssertMentions(ex, "at least 2");
    }

    // ---- repeated labels (diagonals) --------------------------------------------------------------------------

    [Fact] public void TraceOfNonSquareFloat() => TraceOfNonSquare<float>();
    [Fact] public void TraceOfNonSquareDouble() => TraceOfNonSquare<double>();

    private static void TraceOfNonSquare<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        // NumPy: np.einsum('ii', np.arange(6).reshape(2, 3)) and 'ii->i' raise.
        var x = Arange<T>(6);
        var trace = Trace<T>();
        var ex = Assert.ThrowsAny<ArgumentException>(() => trace(Span(x, 2, 3)));
        Assert.Equal("x", ex.ParamName);
        AssertMentions(ex, "'i'", "2", "3");

        var y = Filled(3, Sentinel<T>());
        var diag = Diag<T>();
        ex = ThrowsWithoutWriting(y, () => diag(Span(x, 2, 3), new TensorSpan<T>(y, [2])));
        Assert.Equal("x", ex.ParamName);
        AssertMentions(ex, "'i'", "2", "3");
        ex = ThrowsWithoutWriting(y, () => diag(Span(x, 2, 3), new TensorSpan<T>(y, [3])));
        AssertMentions(ex, "'i'", "2", "3");

        // The square case works.
        Assert.Equal(T.CreateChecked(0 + 4 + 8), trace(Span(Arange<T>(9), 3, 3)));
    }

    [Fact]
    public void NumPyRuntimeErrorsThroughEvaluate()
    {
        var x = Tensor.Create(Arange<double>(6), [2, 3]);
        AssertMentions(Assert.ThrowsAny<ArgumentException>(() => Einsum.Evaluate("ii", x)), "'i'", "2", "3");
        AssertMentions(Assert.ThrowsAny<ArgumentException>(() => Einsum.Evaluate("ii->i", x)), "'i'", "2", "3");
        AssertMentions(Assert.ThrowsAny<ArgumentException>(() => Einsum.Evaluate("i", x)), "rank 2");
        Assert.ThrowsAny<ArgumentException>(() => Einsum.EvaluateNaive("ii", x));
        Assert.ThrowsAny<ArgumentException>(() => Einsum.EvaluateNaive("i", x));

        var p = Tensor.Create(Arange<double>(3 * 3 * 4 * 5 * 6), [3, 3, 4, 5, 6]);
        var q = Tensor.Create(Arange<double>(3 * 4 * 5), [3, 4, 5]);
        var ex = Assert.ThrowsAny<ArgumentException>(() => Einsum.Evaluate("aabcb,abc", p, q));
        AssertMentions(ex, "operands[0]", "'b'", "4", "6");
    }

    [Fact]
    public void VectorThroughAMatrixTermIsARankError()
    {
        // NumPy: np.einsum('i', np.arange(6).reshape(2, 3)) raises.
        var x = Arange<float>(6);
        var y = Filled(6, Sentinel<float>());
        var ex = ThrowsWithoutWriting(y, () => ErrorMethods.IdentityF(Span(x, 2, 3), new TensorSpan<float>(y, [6])));
        Assert.Equal("x", ex.ParamName);
        AssertMentions(ex, "rank 2", "1");

        var yd = Filled(6, Sentinel<double>());
        Assert.ThrowsAny<ArgumentException>(() => ErrorMethods.IdentityD(Span(Arange<double>(6), 2, 3), new TensorSpan<double>(yd, [6])));
        AssertAllSentinel(yd);
    }

    [Fact] public void CollapsingIndexNamesTheLabelFloat() => CollapsingIndexNamesTheLabel<float>();
    [Fact] public void CollapsingIndexNamesTheLabelDouble() => CollapsingIndexNamesTheLabel<double>();

    private static void CollapsingIndexNamesTheLabel<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        // NumPy: np.einsum('aabcb,abc', zeros((3,3,4,5,6)), zeros((3,4,5))) raises about index 'b' (4 != 6).
        var p = Values<T>(3 * 3 * 4 * 5 * 6, 1);
        var q = Values<T>(3 * 4 * 5, 2);
        var run = Collapse<T>();
        var ex = Assert.ThrowsAny<ArgumentException>(() => run(Span(p, 3, 3, 4, 5, 6), Span(q, 3, 4, 5)));
        Assert.Equal("p", ex.ParamName);
        AssertMentions(ex, "'b'", "4", "6");

        // With consistent shapes it agrees with the oracle.
        var p2 = Values<T>(3 * 3 * 4 * 5 * 4, 3);
        T actual = run(Span(p2, 3, 3, 4, 5, 4), Span(q, 3, 4, 5));
        var expected = Einsum.EvaluateNaive("aabcb,abc", Tensor.Create(p2, [3, 3, 4, 5, 4]), Tensor.Create(q, [3, 4, 5]));
        var got = Tensor.Create(new[] { actual }, [1]);
        TestData.AssertClose(expected, got, 3 * 4 * 5, "aabcb,abc");
    }

    // ---- output shape -------------------------------------------------------------------------------------------

    [Fact] public void WrongOutputShapeFloat() => WrongOutputShape<float>();
    [Fact] public void WrongOutputShapeDouble() => WrongOutputShape<double>();

    private static void WrongOutputShape<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = Values<T>(2 * 3, 1);
        var b = Values<T>(3 * 5, 2);
        var c = Filled(5 * 5, Sentinel<T>());
        var run = MatMul<T>();

        var ex = ThrowsWithoutWriting(c, () => run(Span(a, 2, 3), Span(b, 3, 5), new TensorSpan<T>(c, [2, 4])));
        Assert.Equal("c", ex.ParamName);
        AssertMentions(ex, "'k'", "4", "5");

        ex = ThrowsWithoutWriting(c, () => run(Span(a, 2, 3), Span(b, 3, 5), new TensorSpan<T>(c, [5, 2])));
        Assert.Equal("c", ex.ParamName);
        AssertMentions(ex, "'m'", "5", "2");

        ex = ThrowsWithoutWriting(c, () => run(Span(a, 2, 3), Span(b, 3, 5), new TensorSpan<T>(c, [10])));
        Assert.Equal("c", ex.ParamName);
        AssertMentions(ex, "rank 1", "2");

        ex = ThrowsWithoutWriting(c, () => run(Span(a, 2, 3), Span(b, 3, 5), new TensorSpan<T>(c, [2, 5, 1])));
        Assert.Equal("c", ex.ParamName);
        AssertMentions(ex, "rank 3");

        // An output of size 1 where the label has size 5 does not broadcast either.
        ex = ThrowsWithoutWriting(c, () => run(Span(a, 2, 3), Span(b, 3, 5), new TensorSpan<T>(c, [2, 1])));
        Assert.Equal("c", ex.ParamName);
        AssertMentions(ex, "'k'", "1", "5");
    }

    [Fact]
    public void WrongEllipsisOutputShape()
    {
        var a = Values<double>(4 * 2 * 3, 1);
        var b = Values<double>(4 * 3 * 2, 2);
        var c = Filled(5 * 2 * 2, Sentinel<double>());
        var ex = ThrowsWithoutWriting(c, () => ErrorMethods.BatchedD(Span(a, 4, 2, 3), Span(b, 4, 3, 2), new TensorSpan<double>(c, [5, 2, 2])));
        Assert.Equal("c", ex.ParamName);
        AssertMentions(ex, "5", "4");

        ex = ThrowsWithoutWriting(c, () => ErrorMethods.BatchedD(Span(a, 4, 2, 3), Span(b, 4, 3, 2), new TensorSpan<double>(c, [2, 2])));
        Assert.Equal("c", ex.ParamName);
        AssertMentions(ex, "rank 2", "3");
    }

    // ---- overlap ------------------------------------------------------------------------------------------------

    [Fact] public void OutputOverlappingAnInputFloat() => OutputOverlappingAnInput<float>();
    [Fact] public void OutputOverlappingAnInputDouble() => OutputOverlappingAnInput<double>();

    private static void OutputOverlappingAnInput<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var run = MatMul<T>();
        var shared = Values<T>(16, 5);
        var before = (T[])shared.Clone();
        var b = Values<T>(4, 6);

        // Output is exactly the first operand's memory.
        var ex = Assert.ThrowsAny<ArgumentException>(() => run(Span(shared, 2, 2), Span(b, 2, 2), new TensorSpan<T>(shared, [2, 2])));
        Assert.Equal("c", ex.ParamName);
        Assert.Contains("'a'", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, shared);

        // Output overlaps the second operand partly (starts inside it).
        ex = Assert.ThrowsAny<ArgumentException>(() =>
            run(Span(b, 2, 2), new ReadOnlyTensorSpan<T>(shared, 0, [2, 2], [2, 1]), new TensorSpan<T>(shared, 3, [2, 2], [2, 1])));
        Assert.Equal("c", ex.ParamName);
        Assert.Contains("'b'", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, shared);

        // Operand starts inside the output.
        ex = Assert.ThrowsAny<ArgumentException>(() =>
            run(new ReadOnlyTensorSpan<T>(shared, 5, [2, 2], [2, 1]), Span(b, 2, 2), new TensorSpan<T>(shared, 2, [2, 2], [2, 1])));
        Assert.Equal("c", ex.ParamName);
        Assert.Equal(before, shared);

        // A transposed view of the output's own memory as input.
        ex = Assert.ThrowsAny<ArgumentException>(() =>
            run(new ReadOnlyTensorSpan<T>(shared, 0, [2, 2], [1, 2]), Span(b, 2, 2), new TensorSpan<T>(shared, 0, [2, 2], [2, 1])));
        Assert.Equal("c", ex.ParamName);
        Assert.Equal(before, shared);
    }

    [Fact]
    public void DisjointPartsOfOneArrayAreNotAnOverlap()
    {
        var shared = Values<float>(12, 5);
        var b = Values<float>(4, 6);
        var expected = Einsum.EvaluateNaive("mn,nk->mk", Tensor.Create(shared[..4], [2, 2]), Tensor.Create(b, [2, 2]));
        ErrorMethods.MatMulF(new ReadOnlyTensorSpan<float>(shared, 0, [2, 2], [2, 1]), Span(b, 2, 2), new TensorSpan<float>(shared, 4, [2, 2], [2, 1]));
        TestData.AssertClose(expected, Tensor.Create(shared[4..8], [2, 2]), 2, "disjoint");

        // Output placed before the operand in the same array.
        var shared2 = Values<float>(12, 5);
        var expected2 = Einsum.EvaluateNaive("mn,nk->mk", Tensor.Create(shared2[8..12], [2, 2]), Tensor.Create(b, [2, 2]));
        ErrorMethods.MatMulF(new ReadOnlyTensorSpan<float>(shared2, 8, [2, 2], [2, 1]), Span(b, 2, 2), new TensorSpan<float>(shared2, 4, [2, 2], [2, 1]));
        TestData.AssertClose(expected2, Tensor.Create(shared2[4..8], [2, 2]), 2, "disjoint, output first");
    }

    // ---- declared Sizes -----------------------------------------------------------------------------------------

    [Fact] public void DeclaredSizeMismatchFloat() => DeclaredSizeMismatch<float>();
    [Fact] public void DeclaredSizeMismatchDouble() => DeclaredSizeMismatch<double>();

    private static void DeclaredSizeMismatch<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var run = MatMulM3<T>();
        var a = Values<T>(4 * 2, 1);
        var b = Values<T>(2 * 5, 2);
        var c = Filled(4 * 5, Sentinel<T>());
        var ex = ThrowsWithoutWriting(c, () => run(Span(a, 4, 2), Span(b, 2, 5), new TensorSpan<T>(c, [4, 5])));
        Assert.Equal("left", ex.ParamName);
        AssertMentions(ex, "'m'", "m=3", "4");

        // With m = 3 it runs and matches the oracle.
        var a3 = Values<T>(3 * 2, 3);
        var c3 = Filled(3 * 5, Sentinel<T>());
        run(Span(a3, 3, 2), Span(b, 2, 5), new TensorSpan<T>(c3, [3, 5]));
        var expected = Einsum.EvaluateNaive("mn,nk->mk", Tensor.Create(a3, [3, 2]), Tensor.Create(b, [2, 5]));
        TestData.AssertClose(expected, Tensor.Create(c3, [3, 5]), 2, "Sizes m=3");
    }

    // ---- ellipsis -----------------------------------------------------------------------------------------------

    [Fact] public void EllipsisPartsThatDoNotBroadcastFloat() => EllipsisPartsThatDoNotBroadcast<float>();
    [Fact] public void EllipsisPartsThatDoNotBroadcastDouble() => EllipsisPartsThatDoNotBroadcast<double>();

    private static void EllipsisPartsThatDoNotBroadcast<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var run = Batched<T>();
        var a = Values<T>(2 * 3 * 4, 1);
        var b = Values<T>(5 * 4 * 2, 2);
        var c = Filled(5 * 3 * 2, Sentinel<T>());
        var ex = ThrowsWithoutWriting(c, () => run(Span(a, 2, 3, 4), Span(b, 5, 4, 2), new TensorSpan<T>(c, [5, 3, 2])));
        Assert.Equal("b", ex.ParamName);
        AssertMentions(ex, "5", "2", "'a'");

        // Right-aligned: (7,2) against (3) does not broadcast; (7,2) against (2) and (7,1) do.
        var a2 = Values<T>(7 * 2 * 3 * 4, 3);
        var b3 = Values<T>(3 * 4 * 2, 4);
        var c2 = Filled(7 * 2 * 3 * 2, Sentinel<T>());
        ThrowsWithoutWriting(c2, () => run(Span(a2, 7, 2, 3, 4), Span(b3, 3, 4, 2), new TensorSpan<T>(c2, [7, 2, 3, 2])));

        var b2 = Values<T>(2 * 4 * 2, 5);
        run(Span(a2, 7, 2, 3, 4), Span(b2, 2, 4, 2), new TensorSpan<T>(c2, [7, 2, 3, 2]));
        var expected = Einsum.EvaluateNaive("...ij,...jk->...ik", Tensor.Create(a2, [7, 2, 3, 4]), Tensor.Create(b2, [2, 4, 2]));
        TestData.AssertClose(expected, Tensor.Create(c2, [7, 2, 3, 2]), 4, "(7,2) with (2)");

        var b71 = Values<T>(7 * 1 * 4 * 2, 6);
        Array.Fill(c2, Sentinel<T>());
        run(Span(a2, 7, 2, 3, 4), Span(b71, 7, 1, 4, 2), new TensorSpan<T>(c2, [7, 2, 3, 2]));
        expected = Einsum.EvaluateNaive("...ij,...jk->...ik", Tensor.Create(a2, [7, 2, 3, 4]), Tensor.Create(b71, [7, 1, 4, 2]));
        TestData.AssertClose(expected, Tensor.Create(c2, [7, 2, 3, 2]), 4, "(7,2) with (7,1)");
    }

    [Fact]
    public void EvaluateEllipsisPartsThatDoNotBroadcast()
    {
        var a = Tensor.Create(Values<double>(2 * 3 * 4, 1), [2, 3, 4]);
        var b = Tensor.Create(Values<double>(5 * 4 * 2, 2), [5, 4, 2]);
        var ex = Assert.ThrowsAny<ArgumentException>(() => Einsum.Evaluate("...ij,...jk->...ik", a, b));
        AssertMentions(ex, "5", "2");
        Assert.ThrowsAny<ArgumentException>(() => Einsum.EvaluateNaive("...ij,...jk->...ik", a, b));
    }

    [Fact] public void EllipsisDroppedFromTheOutputFloat() => EllipsisDroppedFromTheOutput<float>();
    [Fact] public void EllipsisDroppedFromTheOutputDouble() => EllipsisDroppedFromTheOutput<double>();

    private static void EllipsisDroppedFromTheOutput<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Generated methods still raise, as NumPy did before gh-30349 ("output has more dimensions than subscripts given ...,
        // but no '...' ellipsis provided"; Einsum.Evaluate now sums), while on a rank-1 input the ellipsis covers nothing.
        var run = DropEllipsis<T>();
        var x = Arange<T>(6);
        var y = Filled(3, Sentinel<T>());
        var ex = ThrowsWithoutWriting(y, () => run(Span(x, 2, 3), new TensorSpan<T>(y, [3])));
        Assert.Equal("y", ex.ParamName);
        AssertMentions(ex, "...");

        // A size-1 ellipsis dimension still is a dimension: NumPy raises for shape (1, 3) too.
        ThrowsWithoutWriting(y, () => run(Span(x, 1, 3), new TensorSpan<T>(y, [3])));

        run(Span(x, 3), new TensorSpan<T>(y, [3]));
        Assert.Equal(new[] { T.Zero, T.One, T.CreateChecked(2) }, y);
    }

    [Fact]
    public void EvaluateEllipsisDroppedFromTheOutput()
    {
        // NumPy since gh-30349, np.einsum_path, opt_einsum and torch.einsum sum the dimensions '...' covers.
        Assert.Equal(new double[] { 3, 5, 7 }, TestData.Flatten(Einsum.Evaluate("...i->i", Tensor.Create(Arange<double>(6), [2, 3]))));
        Assert.Equal(new double[] { 0, 1, 2 }, TestData.Flatten(Einsum.Evaluate("...i->i", Tensor.Create(Arange<double>(3), [1, 3]))));
        var r = Einsum.Evaluate("...i->i", Tensor.Create(Arange<double>(3), [3]));
        Assert.Equal(new double[] { 0, 1, 2 }, TestData.Flatten(r));
    }

    [Fact]
    public void EvaluateNaiveEllipsisDroppedFromTheOutput()
    {
        Assert.Equal(new double[] { 3, 5, 7 }, TestData.Flatten(Einsum.EvaluateNaive("...i->i", Tensor.Create(Arange<double>(6), [2, 3]))));
        var r = Einsum.EvaluateNaive("...i->i", Tensor.Create(Arange<double>(3), [3]));
        Assert.Equal(new double[] { 0, 1, 2 }, TestData.Flatten(r));
    }

    // ---- operand count and spec errors through Evaluate ---------------------------------------------------------

    [Fact]
    public void EvaluateRejectsWrongOperandCountAndBadSpecs()
    {
        var x = Tensor.Create(Arange<float>(3), [3]);
        var ex = Assert.ThrowsAny<ArgumentException>(() => Einsum.Evaluate("i,i->", x));
        Assert.Equal("operands", ex.ParamName);
        Assert.ThrowsAny<ArgumentException>(() => Einsum.Evaluate("i->", x, x));
        ex = Assert.ThrowsAny<ArgumentException>(() => Einsum.Evaluate("i->j", x));
        Assert.Equal("spec", ex.ParamName);
        Assert.ThrowsAny<ArgumentException>(() => Einsum.Evaluate("i%", x));
        Assert.Throws<ArgumentNullException>(() => Einsum.Evaluate<float>(null!, x));
    }
}
