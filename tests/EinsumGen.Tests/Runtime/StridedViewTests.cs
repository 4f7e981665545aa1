using System;
using System.Buffers;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using Xunit;
using static EinsumGen.Tests.Runtime.RuntimeTestUtil;

namespace EinsumGen.Tests.Runtime;

public static partial class StridedMethods
{
    [Einsum("mn,nk->mk")]
    public static partial void MatMulF(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);
    [Einsum("mn,nk->mk")]
    public static partial void MatMulD(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, TensorSpan<double> c);

    [Einsum("ij->ji")]
    public static partial void TransposeF(ReadOnlyTensorSpan<float> x, TensorSpan<float> y);
    [Einsum("ij->ji")]
    public static partial void TransposeD(ReadOnlyTensorSpan<double> x, TensorSpan<double> y);

    [Einsum("ii->i")]
    public static partial void DiagF(ReadOnlyTensorSpan<float> x, TensorSpan<float> y);
    [Einsum("ii->i")]
    public static partial void DiagD(ReadOnlyTensorSpan<double> x, TensorSpan<double> y);

    [Einsum("ij,j->i")]
    public static partial void MatVecF(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> v, TensorSpan<float> y);
    [Einsum("ij,j->i")]
    public static partial void MatVecD(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> v, TensorSpan<double> y);

    [Einsum("...ij,...jk->...ik")]
    public static partial void BatchedF(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);
    [Einsum("...ij,...jk->...ik")]
    public static partial void BatchedD(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, TensorSpan<double> c);
}

/// <summary>
/// Generated methods and <see cref="Einsum.Evaluate{T}"/> on non-dense views (transposed, sliced, stride-0 broadcast, odd
/// strides, size-1 dimensions) and into strided outputs, against <see cref="Einsum.EvaluateNaive{T}"/> on dense copies.
/// </summary>
public class StridedViewTests
{
    private static Binary<T> MatMul<T>() => typeof(T) == typeof(float)
        ? (Binary<T>)(Delegate)(Binary<float>)StridedMethods.MatMulF
        : (Binary<T>)(Delegate)(Binary<double>)StridedMethods.MatMulD;

    private static Binary<T> MatVec<T>() => typeof(T) == typeof(float)
        ? (Binary<T>)(Delegate)(Binary<float>)StridedMethods.MatVecF
        : (Binary<T>)(Delegate)(Binary<double>)StridedMethods.MatVecD;

    private static Binary<T> Batched<T>() => typeof(T) == typeof(float)
        ? (Binary<T>)(Delegate)(Binary<float>)StridedMethods.BatchedF
        : (Binary<T>)(Delegate)(Binary<double>)StridedMethods.BatchedD;

    private static Unary<T> Transpose<T>() => typeof(T) == typeof(float)
        ? (Unary<T>)(Delegate)(Unary<float>)StridedMethods.TransposeF
        : (Unary<T>)(Delegate)(Unary<double>)StridedMethods.TransposeD;

    private static Unary<T> Diag<T>() => typeof(T) == typeof(float)
        ? (Unary<T>)(Delegate)(Unary<float>)StridedMethods.DiagF
        : (Unary<T>)(Delegate)(Unary<double>)StridedMethods.DiagD;

    /// <summary>A strided output region: its backing array (filled with the sentinel), start, lengths and strides.</summary>
    private sealed record OutputView<T>(T[] Data, int Start, nint[] Lengths, nint[] Strides) where T : INumberBase<T>
    {
        public static OutputView<T> Create(int arrayLength, int start, nint[] lengths, nint[] strides) =>
            new(Filled(arrayLength, Sentinel<T>()), start, lengths, strides);

        public TensorSpan<T> Span => new(Data, Start, Lengths, Strides);

        public Tensor<T> Read() => ReadStrided(Data, Start, Lengths, Strides);

        public void AssertUntouchedOutside() => RuntimeTestUtil.AssertUntouchedOutside<T>(Data, Start, Lengths, Strides);
    }

    /// <summary>Runs a binary generated method on views into a strided output and checks it against the oracle.</summary>
    private static void CheckBinary<T>(string spec, Binary<T> run, Tensor<T> a, Tensor<T> b, OutputView<T> output, long terms, string context)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var expected = Einsum.EvaluateNaive(spec, Dense(a), Dense(b));
        run(a.AsReadOnlyTensorSpan(), b.AsReadOnlyTensorSpan(), output.Span);
        TestData.AssertClose(expected, output.Read(), terms, context);
        output.AssertUntouchedOutside();

        // The oracle reads views through their indexers, so it agrees on the views themselves.
        TestData.AssertClose(expected, Einsum.EvaluateNaive(spec, a, b), terms, context + " (EvaluateNaive on views)");
    }

    // ---- matmul on transposed / sliced / odd-strided views into a strided output -------------------------------

    [Fact] public void MatMulTransposedAndSlicedFloat() => MatMulTransposedAndSliced<float>();
    [Fact] public void MatMulTransposedAndSlicedDouble() => MatMulTransposedAndSliced<double>();

    private static void MatMulTransposedAndSliced<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        // a: the transpose of a dense 4x3, i.e. a 3x4 view with strides (1, 3).
        var a = View(Values<T>(12, 1), 0, [3, 4], [1, 3]);
        // b: rows 1..4 and columns 2, 4, 6 of a dense 6x7.
        var b = View(Values<T>(42, 2), 1 * 7 + 2, [4, 3], [7, 2]);
        // c: 3x3 written at 1 + 10 m + 3 k inside a 32-element array.
        var c = OutputView<T>.Create(32, 1, [3, 3], [10, 3]);
        CheckBinary("mn,nk->mk", MatMul<T>(), a, b, c, 4, "transposed a, sliced b, strided c");
    }

    [Fact] public void MatMulOddStridesFloat() => MatMulOddStrides<float>();
    [Fact] public void MatMulOddStridesDouble() => MatMulOddStrides<double>();

    private static void MatMulOddStrides<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = View(Values<T>(200, 3), 5, [5, 7], [3, 29]);        // column-ish, odd
        var b = View(Values<T>(300, 4), 11, [7, 6], [37, 5]);
        var c = OutputView<T>.Create(5 * 6 * 5 + 20, 7, [5, 6], [1, 23]);   // column-major with a gap
        CheckBinary("mn,nk->mk", MatMul<T>(), a, b, c, 7, "odd strides");
    }

    [Fact]
    public void MatMulOnNRangeSlices()
    {
        var bigA = Tensor.Create(Values<float>(6 * 7, 5), [6, 7]);
        var bigB = Tensor.Create(Values<float>(8 * 5, 6), [8, 5]);
        var a = bigA.AsReadOnlyTensorSpan([new NRange(1, 5), new NRange(2, 5)]);      // 4x3
        var b = bigB.AsReadOnlyTensorSpan([new NRange(3, 6), new NRange(1, 5)]);      // 3x4
        Assert.Equal(new nint[] { 4, 3 }, a.Lengths.ToArray());
        Assert.Equal(new nint[] { 3, 4 }, b.Lengths.ToArray());

        // The oracle on hand-copied dense slices.
        var denseA = Tensor.CreateFromShape<float>([4, 3]);
        for (int i = 0; i < 4; i++) for (int j = 0; j < 3; j++) denseA[i, j] = bigA[i + 1, j + 2];
        var denseB = Tensor.CreateFromShape<float>([3, 4]);
        for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) denseB[i, j] = bigB[i + 3, j + 1];
        var expected = Einsum.EvaluateNaive("mn,nk->mk", denseA, denseB);

        var c = TestData.Garbage<float>([4, 4]);
        StridedMethods.MatMulF(a, b, c.AsTensorSpan());
        TestData.AssertClose(expected, c, 3, "NRange slices");

        // Hand loop as a second opinion.
        for (int m = 0; m < 4; m++)
        {
            for (int k = 0; k < 4; k++)
            {
                double s = 0;
                for (int n = 0; n < 3; n++) s += (double)bigA[m + 1, n + 2] * bigB[n + 3, k + 1];
                Assert.True(Math.Abs(s - c[m, k]) <= 1e-5, $"c[{m},{k}] = {c[m, k]}, expected {s}");
            }
        }
    }

    // ---- stride-0 broadcast dimensions and size-1 dimensions -----------------------------------------------------

    [Fact] public void StrideZeroBroadcastFloat() => StrideZeroBroadcast<float>();
    [Fact] public void StrideZeroBroadcastDouble() => StrideZeroBroadcast<double>();

    private static void StrideZeroBroadcast<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        // a: every row is the same 4-vector (row stride 0); v: one value repeated 4 times (stride 0).
        var rowData = Values<T>(4, 7);
        var a = View(rowData, 0, [3, 4], [0, 1]);
        var v = View(new[] { T.CreateChecked(0.5) }, 0, [4], [0]);
        var y = OutputView<T>.Create(3, 0, [3], [1]);
        CheckBinary("ij,j->i", MatVec<T>(), a, v, y, 4, "stride-0 rows and vector");
        T rowSum = rowData.Aggregate(T.Zero, (s, x) => s + x);
        var result = y.Read();
        for (int i = 0; i < 3; i++) Assert.True(T.Abs(result[i] - rowSum * T.CreateChecked(0.5)) <= T.CreateChecked(1e-5));

        // A stride-0 column: every column the same 3-vector.
        var colData = Values<T>(3, 8);
        var a2 = View(colData, 0, [3, 5], [1, 0]);
        var b2 = View(Values<T>(5 * 2, 9), 0, [5, 2], [2, 1]);
        var c2 = OutputView<T>.Create(12, 0, [3, 2], [4, 1]);
        CheckBinary("mn,nk->mk", MatMul<T>(), a2, b2, c2, 5, "stride-0 columns");
    }

    [Fact] public void SizeOneDimensionsBroadcastFloat() => SizeOneDimensionsBroadcast<float>();
    [Fact] public void SizeOneDimensionsBroadcastDouble() => SizeOneDimensionsBroadcast<double>();

    private static void SizeOneDimensionsBroadcast<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        // NumPy broadcasts a size-1 dimension against a label's size: np.einsum('ij,j->i', ones((3,4)), ones(1)).
        var a = Tensor.Create(Values<T>(12, 10), [3, 4]);
        var v = Tensor.Create(new[] { T.CreateChecked(2) }, [1]);
        var y = OutputView<T>.Create(3, 0, [3], [1]);
        CheckBinary("ij,j->i", MatVec<T>(), a, v, y, 4, "size-1 vector");

        // The contracted index has size 1 in a (broadcast) and 5 in b; a is a column-major view.
        var a1 = View(Values<T>(3, 11), 0, [3, 1], [1, 0]);
        var b = Tensor.Create(Values<T>(5 * 4, 12), [5, 4]);
        var c = OutputView<T>.Create(12, 0, [3, 4], [4, 1]);
        CheckBinary("mn,nk->mk", MatMul<T>(), a1, b, c, 5, "size-1 contracted dim");

        // Size-1 in the free index of a against the other operand's size.
        var m1 = Tensor.Create(Values<T>(1 * 4, 13), [1, 4]);
        var v4 = Tensor.Create(Values<T>(4, 14), [4]);
        var y1 = OutputView<T>.Create(1, 0, [1], [0]);
        CheckBinary("ij,j->i", MatVec<T>(), m1, v4, y1, 4, "size-1 free dim");
    }

    // ---- unary: transpose, diagonal ------------------------------------------------------------------------------

    [Fact] public void TransposeStridedFloat() => TransposeStrided<float>();
    [Fact] public void TransposeStridedDouble() => TransposeStrided<double>();

    private static void TransposeStrided<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var run = Transpose<T>();
        var data = Values<T>(100, 15);
        var x = View(data, 2, [3, 5], [17, 3]);
        var y = OutputView<T>.Create(40, 1, [5, 3], [7, 2]);
        run(x.AsReadOnlyTensorSpan(), y.Span);
        var result = y.Read();
        for (int i = 0; i < 3; i++) for (int j = 0; j < 5; j++) Assert.Equal(data[2 + 17 * i + 3 * j], result[j, i]);
        y.AssertUntouchedOutside();

        // Writing the transpose through a transposed output view reproduces the input's dense layout.
        var dense = Values<T>(12, 16);
        var back = Filled(12, Sentinel<T>());
        run(new ReadOnlyTensorSpan<T>(dense, [3, 4]), new TensorSpan<T>(back, 0, [4, 3], [1, 4]));
        Assert.Equal(dense, back);
    }

    [Fact] public void DiagonalStridedFloat() => DiagonalStrided<float>();
    [Fact] public void DiagonalStridedDouble() => DiagonalStrided<double>();

    private static void DiagonalStrided<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var run = Diag<T>();
        var data = Values<T>(81, 17);
        var x = View(data, 1, [4, 4], [18, 2]);
        var y = OutputView<T>.Create(13, 1, [4], [3]);
        run(x.AsReadOnlyTensorSpan(), y.Span);
        var result = y.Read();
        for (int i = 0; i < 4; i++) Assert.Equal(data[1 + 18 * i + 2 * i], result[i]);
        y.AssertUntouchedOutside();

        // Transposed input has the same diagonal.
        var y2 = OutputView<T>.Create(4, 0, [4], [1]);
        run(View(data, 1, [4, 4], [2, 18]).AsReadOnlyTensorSpan(), y2.Span);
        Assert.Equal(TestData.Flatten(result), TestData.Flatten(y2.Read()));
    }

    // ---- ellipsis with strided batches ---------------------------------------------------------------------------

    [Fact] public void BatchedStridedFloat() => BatchedStrided<float>();
    [Fact] public void BatchedStridedDouble() => BatchedStrided<double>();

    private static void BatchedStrided<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        // a: batch innermost in memory; b: one matrix broadcast over the batch (stride 0); c: strided output.
        var a = View(Values<T>(24, 18), 0, [2, 3, 4], [1, 8, 2]);
        var b = View(Values<T>(20, 19), 0, [2, 4, 5], [0, 5, 1]);
        var c = OutputView<T>.Create(64, 0, [2, 3, 5], [32, 10, 2]);
        CheckBinary("...ij,...jk->...ik", Batched<T>(), a, b, c, 4, "batched strided");

        // Two ellipsis dims against one (right-aligned), b's batch being size 1.
        var a2 = View(Values<T>(200, 20), 3, [2, 3, 2, 4], [90, 1, 30, 5]);
        var b2 = View(Values<T>(40, 21), 2, [1, 4, 3], [0, 1, 4]);
        var c2 = OutputView<T>.Create(2 * 3 * 2 * 3, 0, [2, 3, 2, 3], [18, 6, 3, 1]);
        CheckBinary("...ij,...jk->...ik", Batched<T>(), a2, b2, c2, 4, "batched broadcast");

        // No batch dims at all: plain matmul through the ellipsis method.
        var a3 = View(Values<T>(12, 22), 0, [3, 4], [1, 3]);
        var b3 = Tensor.Create(Values<T>(8, 23), [4, 2]);
        var c3 = OutputView<T>.Create(6, 0, [3, 2], [2, 1]);
        CheckBinary("...ij,...jk->...ik", Batched<T>(), a3, b3, c3, 4, "empty ellipsis");
    }

    // ---- zero-size dimensions ------------------------------------------------------------------------------------

    [Fact] public void ZeroSizeDimensionsFloat() => ZeroSizeDimensions<float>();
    [Fact] public void ZeroSizeDimensionsDouble() => ZeroSizeDimensions<double>();

    private static void ZeroSizeDimensions<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var run = MatMul<T>();

        // Contracted index of size 0: the result is all zeros (the output is overwritten, not left as it was).
        var c = Filled(6, Sentinel<T>());
        run(new ReadOnlyTensorSpan<T>(Array.Empty<T>(), [2, 0]), new ReadOnlyTensorSpan<T>(Array.Empty<T>(), [0, 3]), new TensorSpan<T>(c, [2, 3]));
        Assert.All(c, v => Assert.Equal(T.Zero, v));

        // A free index of size 0: an empty result, nothing to do, no error.
        run(new ReadOnlyTensorSpan<T>(Array.Empty<T>(), [0, 3]), new ReadOnlyTensorSpan<T>(Values<T>(6, 1), [3, 2]), new TensorSpan<T>(Array.Empty<T>(), [0, 2]));
        // Size 0 in both free indices and 3 in the contracted one.
        run(new ReadOnlyTensorSpan<T>(Array.Empty<T>(), [0, 3]), new ReadOnlyTensorSpan<T>(Array.Empty<T>(), [3, 0]), new TensorSpan<T>(Array.Empty<T>(), [0, 0]));

        // Through Evaluate.
        var zeros = Einsum.Evaluate("ij,jk->ik", Tensor.CreateFromShape<T>([2, 0]), Tensor.CreateFromShape<T>([0, 3]));
        Assert.Equal(new nint[] { 2, 3 }, zeros.Lengths.ToArray());
        Assert.All(TestData.Flatten(zeros), v => Assert.Equal(0.0, v));

        var empty = Einsum.Evaluate("i,j", Tensor.CreateFromShape<T>([0]), Tensor.Create(Values<T>(3, 2), [3]));
        Assert.Equal(new nint[] { 0, 3 }, empty.Lengths.ToArray());

        var sumOfNothing = Einsum.Evaluate("i->", Tensor.CreateFromShape<T>([0]));
        Assert.Equal(new nint[] { 1 }, sumOfNothing.Lengths.ToArray());
        Assert.Equal(T.Zero, sumOfNothing[0]);

        var batchOfNothing = Einsum.Evaluate("...ij,...jk->...ik", Tensor.CreateFromShape<T>([0, 2, 3]), Tensor.CreateFromShape<T>([3, 4]));
        Assert.Equal(new nint[] { 0, 2, 4 }, batchOfNothing.Lengths.ToArray());
    }

    // ---- NumPy semantics through Evaluate ------------------------------------------------------------------------

    [Fact] public void NumPyResultsFloat() => NumPyResults<float>();
    [Fact] public void NumPyResultsDouble() => NumPyResults<double>();

    private static void NumPyResults<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        // np.einsum('..., ...', 3, 4) == 12.
        var three = Tensor.Create(new[] { T.CreateChecked(3) }, [1]);
        var four = Tensor.Create(new[] { T.CreateChecked(4) }, [1]);
        var product = Einsum.Evaluate("..., ...", three, four);
        Assert.Equal(1, product.FlattenedLength);
        Assert.Equal(T.CreateChecked(12), product[0]);
        Assert.Equal(T.CreateChecked(12), Einsum.Evaluate(",", three, four)[0]);
        Assert.Equal(T.CreateChecked(12), Einsum.Evaluate(",->", three, four)[0]);

        var x = Tensor.Create(Arange<T>(12), [3, 4]);

        // "i...->..." sums axis 0; "...i->..." sums the last axis.
        Assert.Equal(new double[] { 12, 15, 18, 21 }, TestData.Flatten(Einsum.Evaluate("i...->...", x)));
        Assert.Equal(new double[] { 6, 22, 38 }, TestData.Flatten(Einsum.Evaluate("...i->...", x)));
        Assert.Equal(new double[] { 12, 15, 18, 21 }, TestData.Flatten(Einsum.EvaluateNaive("i...->...", x)));
        Assert.Equal(new double[] { 6, 22, 38 }, TestData.Flatten(Einsum.EvaluateNaive("...i->...", x)));

        // "i,j" is the outer product (implicit output "ij").
        var u = Tensor.Create(new[] { T.CreateChecked(1), T.CreateChecked(2) }, [2]);
        var w = Tensor.Create(new[] { T.CreateChecked(3), T.CreateChecked(4), T.CreateChecked(5) }, [3]);
        var outer = Einsum.Evaluate("i,j", u, w);
        Assert.Equal(new nint[] { 2, 3 }, outer.Lengths.ToArray());
        Assert.Equal(new double[] { 3, 4, 5, 6, 8, 10 }, TestData.Flatten(outer));
        Assert.Equal(new double[] { 3, 6, 4, 8, 5, 10 }, TestData.Flatten(Einsum.Evaluate("j,i", u, w)));   // implicit "ij": i from w

        // "ij,j" is a matrix-vector product.
        var v = Tensor.Create(new[] { T.One, T.Zero, -T.One, T.CreateChecked(2) }, [4]);
        Assert.Equal(new double[] { 0 - 2 + 6, 4 - 6 + 14, 8 - 10 + 22 }, TestData.Flatten(Einsum.Evaluate("ij,j", x, v)));

        // "ba" transposes (implicit output sorted), "ii" is the trace, "ii->i" the diagonal.
        var sq = Tensor.Create(Arange<T>(9), [3, 3]);
        Assert.Equal(new double[] { 0, 3, 6, 1, 4, 7, 2, 5, 8 }, TestData.Flatten(Einsum.Evaluate("ba", sq)));
        Assert.Equal(new double[] { 12 }, TestData.Flatten(Einsum.Evaluate("ii", sq)));
        Assert.Equal(new double[] { 0, 4, 8 }, TestData.Flatten(Einsum.Evaluate("ii->i", sq)));

        // Scalar times tensor.
        Assert.Equal(TestData.Flatten(x).Select(e => 3 * e), TestData.Flatten(Einsum.Evaluate(",ij->ij", three, x)));
    }

    [Fact] public void EvaluateOnStridedViewsFloat() => EvaluateOnStridedViews<float>();
    [Fact] public void EvaluateOnStridedViewsDouble() => EvaluateOnStridedViews<double>();

    private static void EvaluateOnStridedViews<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = View(Values<T>(60, 30), 0, [3, 4, 2], [1, 12, 5]);
        var b = View(Values<T>(40, 31), 0, [4, 5], [1, 6]);
        var c = View(Values<T>(10, 32), 0, [5, 2], [0, 3]);
        foreach (var spec in new[] { "ijk,jl,lk->i", "ijk,jl,lk", "ijk,jl,lk->kil", "ijk,jl,lk->" })
        {
            var expected = Einsum.EvaluateNaive(spec, Dense(a), Dense(b), Dense(c));
            TestData.AssertClose(expected, Einsum.Evaluate(spec, a, b, c), 4 * 5 * 2, spec);
        }

        var t = View(Values<T>(12, 33), 0, [3, 4], [1, 3]);
        var v = View(Values<T>(4, 34), 0, [4], [1]);
        TestData.AssertClose(Einsum.EvaluateNaive("ij,j->i", Dense(t), Dense(v)), Einsum.Evaluate("ij,j->i", t, v), 4, "transposed matvec");
        TestData.AssertClose(Einsum.EvaluateNaive("ij->ji", Dense(t)), Einsum.Evaluate("ij->ji", t), 1, "transpose of a transposed view");
    }

    // ---- known defects (NumPy semantics): these fail until src/ is fixed ----------------------------------------

    [Fact] public void EvaluateOnViewsWithAStartOffsetFloat() => EvaluateOnViewsWithAStartOffset<float>();
    [Fact] public void EvaluateOnViewsWithAStartOffsetDouble() => EvaluateOnViewsWithAStartOffset<double>();

    /// <summary>
    /// Einsum.Evaluate must compute on the view's own elements. A tensor made by Tensor.Create(array, start, lengths,
    /// strides) with start > 0 is read from the beginning of the array instead: Tensor&lt;T&gt;.GetPinnableReference()
    /// ignores the start offset (its ReadOnlyTensorSpan's does not), and Einsum.Evaluate binds operands through it.
    /// </summary>
    private static void EvaluateOnViewsWithAStartOffset<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var data = Arange<T>(10).Select(v => v + T.CreateChecked(10)).ToArray();   // 10, 11, ..., 19
        var view = View(data, 3, [2, 2], [2, 1]);                                    // [[13, 14], [15, 16]]
        Assert.Equal(new double[] { 13, 14, 15, 16 }, TestData.Flatten(Einsum.EvaluateNaive("ij->ij", view)));
        Assert.Equal(new double[] { 13, 14, 15, 16 }, TestData.Flatten(Einsum.Evaluate("ij->ij", view)));
        Assert.Equal(new double[] { 13 + 16 }, TestData.Flatten(Einsum.Evaluate("ii", view)));

        var a = View(Values<T>(60, 30), 1, [3, 4, 2], [1, 12, 5]);
        var b = View(Values<T>(40, 31), 2, [4, 5], [1, 6]);
        var c = View(Values<T>(10, 32), 4, [5, 2], [0, 3]);
        var expected = Einsum.EvaluateNaive("ijk,jl,lk->i", Dense(a), Dense(b), Dense(c));
        TestData.AssertClose(expected, Einsum.Evaluate("ijk,jl,lk->i", a, b, c), 40, "offset views");
    }

    [Fact]
    public void ScalarOperandViewWithAStartOffset()
    {
        // A one-element view standing for a scalar: the oracle's scalar read (Tensor<T>.GetPinnableReference) ignores the
        // start offset too, in EvaluateNaive as in Evaluate.
        var data = new double[] { 10, 11, 12, 13 };
        var s = View(data, 3, [1], [0]);
        var two = Tensor.Create(new double[] { 2 }, [1]);
        Assert.Equal(new double[] { 26 }, TestData.Flatten(Einsum.EvaluateNaive(",->", s, two)));
        Assert.Equal(new double[] { 26 }, TestData.Flatten(Einsum.Evaluate(",->", s, two)));
    }

    [Fact]
    public void OutputEllipsisCoveringNothingEvaluate()
    {
        // NumPy: np.einsum('ij->...ij', x) is x (the output '...' covers the zero broadcast dimensions). EinsumGen passes
        // the planner an output label '.' that no operand has and fails with "Output label '.' appears in no operand".
        var x = Tensor.Create(Arange<double>(6), [2, 3]);
        Assert.Equal(TestData.Flatten(x), TestData.Flatten(Einsum.EvaluateNaive("ij->...ij", x)));
        Assert.Equal(TestData.Flatten(x), TestData.Flatten(Einsum.Evaluate("ij->...ij", x)));
        Assert.Equal(new double[] { 3, 12 }, TestData.Flatten(Einsum.Evaluate("ij->...i", x)));
    }

    [Fact]
    public void OutputEllipsisCoveringNothingGenerator()
    {
        // The generator reports EG0020 (internal error) for the same NumPy-valid spec.
        var result = EinsumGen.Tests.Generator.GeneratorHarness.Run("""
            using System.Numerics.Tensors;
            using EinsumGen;
            public static partial class P
            {
                [Einsum("ij->...ij")]
                public static partial void Lift(ReadOnlyTensorSpan<float> x, TensorSpan<float> y);
            }
            """);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.True(result.CompilationDiagnostics.IsEmpty, string.Join("\n", result.CompilationDiagnostics));
    }
}
