using System;
using System.Diagnostics;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using System.Threading;
using EinsumGen.Tests.Kernels;
using Xunit;

namespace EinsumGen.Tests.Runtime;

public static partial class HostileMethods
{
    [Einsum("mn,nk->mk")]
    public static partial void MatMul(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, TensorSpan<double> c);

    [Einsum("mn,nk->mk")]
    public static partial void MatMulF(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);

    [Einsum("mn,nk->mk", Sizes = "m=5,n=4,k=3")]
    public static partial void MatMul543(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);

    [Einsum("mn,nk->mk", Sizes = "m=16,n=16,k=16")]
    public static partial void MatMul16(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, TensorSpan<double> c);

    [Einsum("bmn,bnk->bmk")]
    public static partial void Batched(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);

    [Einsum("ij,jk,kl->il")]
    public static partial void Chain(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, ReadOnlyTensorSpan<double> c, TensorSpan<double> d);

    [Einsum("i->")]
    public static partial double Sum(ReadOnlyTensorSpan<double> a);
}

/// <summary>
/// Run-time hostile input not covered elsewhere (see RuntimeErrorTests, WrittenViewTests, SizeArithmeticTests,
/// StridedViewTests and KernelThreadsStressTests for the rest): gradients aliasing what the backward pass reads, zero-size
/// dimensions through backward and forward mode, overflowing sizes through EvaluateInto and Backward, NaN and infinity
/// against the naive loop, and many threads sharing one method or spec with different shapes.
/// </summary>
public class HostileInputTests
{
    private static double[] Filled(int n, double start) => Enumerable.Range(0, n).Select(i => start + i).ToArray();

    private static ReadOnlyTensorSpan<double> R(double[] data, params nint[] shape) => new(data, shape);

    private static TensorSpan<double> W(double[] data, params nint[] shape) => new(data, shape);

    // ---- aliasing ------------------------------------------------------------------------------------------------

    [Fact]
    public void GradientInAnOperandsMemoryIsRefusedBeforeWriting()
    {
        var shared = Filled(16, 1);
        var before = (double[])shared.Clone();
        var ex = Assert.ThrowsAny<ArgumentException>(() => HostileMethods.MatMulBackward(
            R(shared, 4, 4), R(Filled(16, 3), 4, 4), R(Filled(16, 5), 4, 4), W(shared, 4, 4), default));
        Assert.Contains("gradient of a", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'a'", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, shared);

        // The gradient of b inside a, partly (starts in the middle of it).
        var big = Filled(24, 1);
        var bigBefore = (double[])big.Clone();
        var gb = new double[16];
        ex = Assert.ThrowsAny<ArgumentException>(() => HostileMethods.MatMulBackward(
            R(big, 4, 4), R(Filled(16, 3), 4, 4), R(Filled(16, 5), 4, 4), W(gb, 4, 4), new TensorSpan<double>(big, 8, [4, 4], [4, 1])));
        Assert.Contains("gradient of b", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'a'", ex.Message, StringComparison.Ordinal);
        Assert.Equal(bigBefore, big);
        Assert.Equal(new double[16], gb);
    }

    [Fact]
    public void GradientInTheOutputGradientsMemoryIsRefusedBeforeWriting()
    {
        var shared = Filled(16, 5);
        var before = (double[])shared.Clone();
        var ga = new double[16];
        var ex = Assert.ThrowsAny<ArgumentException>(() => HostileMethods.MatMulBackward(
            R(Filled(16, 1), 4, 4), R(Filled(16, 3), 4, 4), R(shared, 4, 4), W(ga, 4, 4), W(shared, 4, 4)));
        Assert.Contains("gradient of b", ex.Message, StringComparison.Ordinal);
        Assert.Contains("gradient of c", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, shared);
        Assert.Equal(new double[16], ga);
    }

    [Fact]
    public void TwoGradientsInOneBufferAreRefusedBeforeWriting()
    {
        var shared = Filled(16, 9);
        var before = (double[])shared.Clone();
        var ex = Assert.ThrowsAny<ArgumentException>(() => HostileMethods.MatMulBackward(
            R(Filled(16, 1), 4, 4), R(Filled(16, 3), 4, 4), R(Filled(16, 5), 4, 4), W(shared, 4, 4),
            new TensorSpan<double>(shared, 0, [4, 4], [1, 4])));
        Assert.Contains("gradient of a", ex.Message, StringComparison.Ordinal);
        Assert.Contains("gradient of b", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, shared);
    }

    [Fact]
    public void EvaluateIntoAnOutputPartlyInsideAnOperandGetsTheResultOfTheOriginalOperand()
    {
        // NumPy's out= may overlap an operand (gh-10080): the result is that of the operands as they were.
        var shared = Filled(20, 1);
        var before = (double[])shared.Clone();
        var a = Tensor.Create(shared, 0, [3, 4], [4, 1]);
        var b = Tensor.Create(Filled(12, 2), [4, 3]);
        var expected = TestData.Flatten(Einsum.EvaluateNaive("ij,jk->ik", Tensor.Create(before, 0, [3, 4], [4, 1]), b));
        var output = Tensor.Create(shared, 10, [3, 3], [3, 1]);
        Einsum.EvaluateInto("ij,jk->ik", output, a, b);
        Assert.Equal(expected, TestData.Flatten(output));
        Assert.Equal(before.Take(10), shared.Take(10));
        Assert.Equal(before[19], shared[19]);
    }

    // ---- zero-size dimensions ------------------------------------------------------------------------------------

    [Fact]
    public void BackwardWithAnEmptyContractedLabelGivesEmptyGradients()
    {
        // n = 0: the gradients have no elements; c = 0 and its gradient is ignored.
        HostileMethods.MatMulBackward(R([], 2, 0), R([], 0, 3), R(Filled(6, 1), 2, 3), W([], 2, 0), W([], 0, 3));
        var grads = Einsum.Backward("mn,nk->mk", Tensor.Create(Filled(6, 1), [2, 3]), Tensor.CreateFromShape<double>([2, 0]),
            Tensor.CreateFromShape<double>([0, 3]));
        Assert.Equal(new nint[] { 2, 0 }, grads[0].Lengths.ToArray());
        Assert.Equal(new nint[] { 0, 3 }, grads[1].Lengths.ToArray());
    }

    [Fact]
    public void BackwardWithAnEmptyFreeLabelGivesZeroGradients()
    {
        // m = 0: dL/db = aᵀ·dc sums over an empty m, so every element is 0 (and the buffer is overwritten).
        var gb = Enumerable.Repeat(double.NaN, 6).ToArray();
        HostileMethods.MatMulBackward(R([], 0, 3), R(Filled(6, 1), 3, 2), R([], 0, 2), W([], 0, 3), W(gb, 3, 2));
        Assert.All(gb, v => Assert.Equal(0.0, v));

        var grads = Einsum.Backward("mn,nk->mk", Tensor.CreateFromShape<double>([0, 2]), Tensor.CreateFromShape<double>([0, 3]),
            Tensor.Create(Filled(6, 1), [3, 2]));
        Assert.Equal(new nint[] { 0, 3 }, grads[0].Lengths.ToArray());
        Assert.Equal(new nint[] { 3, 2 }, grads[1].Lengths.ToArray());
        Assert.All(TestData.Flatten(grads[1]), v => Assert.Equal(0.0, v));

        // The sum of nothing: its gradient is empty too.
        var sumGrads = Einsum.Backward("i->", Tensor.Create(new[] { 1.0 }, [1]), Tensor.CreateFromShape<double>([0]));
        Assert.Equal(new nint[] { 0 }, sumGrads[0].Lengths.ToArray());
        Assert.Equal(0.0, HostileMethods.Sum(R([], 0)));
        HostileMethods.SumBackward(R([], 0), 1.0, W([], 0));
    }

    [Fact]
    public void JvpWithZeroSizeDimensions()
    {
        // n = 0: the tangent of c is a sum over nothing, all zeros (the buffer is overwritten).
        var y = Enumerable.Repeat(double.NaN, 6).ToArray();
        HostileMethods.MatMulJvp(R([], 2, 0), R([], 0, 3), R([], 2, 0), R([], 0, 3), W(y, 2, 3));
        Assert.All(y, v => Assert.Equal(0.0, v));

        // m = 0: an empty result stays empty, no error.
        HostileMethods.MatMulJvp(R([], 0, 3), R(Filled(6, 1), 3, 2), R([], 0, 3), R(Filled(6, 2), 3, 2), W([], 0, 2));
    }

    [Fact]
    public void EvaluateIntoWithAnEmptyContractedLabelOverwritesWithZeros()
    {
        var output = TestData.Garbage<double>([2, 3]);
        Einsum.EvaluateInto("ij,jk->ik", output, Tensor.CreateFromShape<double>([2, 0]), Tensor.CreateFromShape<double>([0, 3]));
        Assert.All(TestData.Flatten(output), v => Assert.Equal(0.0, v));
    }

    // ---- sizes whose product overflows ---------------------------------------------------------------------------

    [Fact]
    public void OverflowingSizesThroughEvaluateIntoAndBackwardAreRefused()
    {
        var v = Tensor.Create(new float[65536], [65536]);
        var w = Tensor.Create(new float[1], [1, 1, 1]);
        var result = Tensor.Create(new[] { 7f }, [1]);
        var ex = Assert.ThrowsAny<ArgumentException>(() => Einsum.EvaluateInto("a,b,c,abc->", result, v, v, v, w));
        Assert.Contains("more than an array can hold", ex.Message, StringComparison.Ordinal);
        Assert.Equal(7f, result[0]);

        ex = Assert.ThrowsAny<ArgumentException>(() => Einsum.Backward("a,b,c,abc->", Tensor.Create(new[] { 1f }, [1]), v, v, v, w));
        Assert.Contains("more than an array can hold", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnOutputBeyondLongIsRefusedBeforeAllocating()
    {
        // Broadcast views of 2³¹ × 2³¹ elements in one float each; the outer product would have 2¹²⁴ elements.
        nint big = unchecked((nint)(1L << 31));
        var x = Tensor.Create(new float[1], 0, [big, big], [0, 0]);
        var ex = Assert.ThrowsAny<ArgumentException>(() => Einsum.Evaluate("ab,cd->abcd", x, x));
        Assert.Contains("more than an array can hold", ex.Message, StringComparison.Ordinal);
        ex = Assert.ThrowsAny<ArgumentException>(() => Einsum.Backward("ab,cd->", Tensor.Create(new[] { 1f }, [1]), x, x));
        Assert.Contains("more than an array can hold", ex.Message, StringComparison.Ordinal);
    }

    // ---- NaN and infinity ----------------------------------------------------------------------------------------

    /// <summary>Same NaN positions, same infinities, finite values close: what a naive IEEE loop gives.</summary>
    private static void AssertSameIeee<T>(Tensor<T> expected, Tensor<T> actual, long terms, string context) where T : IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Lengths.ToArray(), actual.Lengths.ToArray());
        var e = TestData.Flatten(expected);
        var a = TestData.Flatten(actual);
        double eps = typeof(T) == typeof(float) ? 1.2e-7 : 2.3e-16;
        for (int i = 0; i < e.Length; i++)
        {
            bool ok = double.IsNaN(e[i]) ? double.IsNaN(a[i])
                : double.IsInfinity(e[i]) ? e[i] == a[i]
                : Math.Abs(e[i] - a[i]) <= 4 * eps * terms * Math.Max(1, Math.Abs(e[i]));
            Assert.True(ok, $"{context}: element {i} is {a[i]}, expected {e[i]}");
        }
    }

    /// <summary>
    /// A [m,n]·[n,k] pair with hostile values: a NaN facing a zero row of b, an infinity facing a zero (∞·0 = NaN),
    /// +∞ and −∞ meeting in one sum (NaN), and an infinity facing finite values (±∞).
    /// </summary>
    private static (Tensor<T> A, Tensor<T> B) HostilePair<T>(int m, int n, int k, int seed) where T : IFloatingPointIeee754<T>
    {
        var a = TestData.Random<T>([m, n], seed);
        var b = TestData.Random<T>([n, k], seed + 1);
        for (int j = 0; j < k; j++) b[1, j] = T.Zero;
        a[0, 1] = T.NaN;                        // row 0 of c: NaN everywhere, though b's row 1 is all zeros
        a[m - 1, 1] = T.PositiveInfinity;       // row m-1: ∞·0 = NaN
        a[m / 2, 0] = T.PositiveInfinity;       // row m/2: +∞ from column 0 …
        a[m / 2, 2] = T.NegativeInfinity;       // … and −∞ from column 2 where b's rows 0 and 2 have the same sign
        for (int j = 0; j < k; j++) b[2, j] = b[0, j] = T.Abs(b[0, j]) + T.One;
        a[1, 3] = T.PositiveInfinity;           // row 1: +∞ · positive = +∞ unless a NaN joins
        for (int j = 0; j < k; j++) b[3, j] = T.Abs(b[3, j]) + T.One;
        b[n - 1, k - 1] = T.NaN;                // column k-1: NaN
        return (a, b);
    }

    public static TheoryData<int, int, int> Sizes => new() { { 5, 4, 3 }, { 64, 64, 64 }, { 33, 130, 17 }, { 8, 1000, 8 } };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void NaNAndInfinityPropagateThroughMatMulFloat(int m, int n, int k)
    {
        var (a, b) = HostilePair<float>(m, n, k, m + n + k);
        var expected = Einsum.EvaluateNaive("mn,nk->mk", a, b);
        Assert.True(float.IsNaN(expected[0, 0]) && float.IsNaN(expected[m - 1, 0]) && float.IsNaN(expected[m / 2, 0]));
        var c = TestData.Garbage<float>([m, k]);
        HostileMethods.MatMulF(a, b, c);
        AssertSameIeee(expected, c, n, "generated");
        AssertSameIeee(expected, Einsum.Evaluate("mn,nk->mk", a, b), n, "Evaluate");
        var into = TestData.Garbage<float>([m, k]);
        Einsum.EvaluateInto("mn,nk->mk", into, a, b);
        AssertSameIeee(expected, into, n, "EvaluateInto");
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void NaNAndInfinityPropagateThroughMatMulDouble(int m, int n, int k)
    {
        var (a, b) = HostilePair<double>(m, n, k, m * n + k);
        var expected = Einsum.EvaluateNaive("mn,nk->mk", a, b);
        var c = TestData.Garbage<double>([m, k]);
        HostileMethods.MatMul(a, b, c);
        AssertSameIeee(expected, c, n, "generated");
        AssertSameIeee(expected, Einsum.Evaluate("mn,nk->mk", a, b), n, "Evaluate");
    }

    [Fact]
    public void NaNAndInfinityPropagateThroughMethodsWithDeclaredSizes()
    {
        // Declared sizes compile to the generated method's own loops, not the runtime's kernels.
        var (a, b) = HostilePair<float>(5, 4, 3, 21);
        var c = TestData.Garbage<float>([5, 3]);
        HostileMethods.MatMul543(a, b, c);
        AssertSameIeee(Einsum.EvaluateNaive("mn,nk->mk", a, b), c, 4, "declared 5×4×3");

        var (a16, b16) = HostilePair<double>(16, 16, 16, 22);
        var c16 = TestData.Garbage<double>([16, 16]);
        HostileMethods.MatMul16(a16, b16, c16);
        AssertSameIeee(Einsum.EvaluateNaive("mn,nk->mk", a16, b16), c16, 16, "declared 16³");

        var dc = TestData.Random<double>([16, 16], 23);
        dc[5, 5] = double.NaN;
        var ga = TestData.Garbage<double>([16, 16]);
        var gb = TestData.Garbage<double>([16, 16]);
        HostileMethods.MatMul16Backward(a16, b16, dc, ga, gb);
        AssertSameIeee(Einsum.EvaluateNaive("mk,nk->mn", dc, b16), ga, 16, "declared 16³ dL/da");
        AssertSameIeee(Einsum.EvaluateNaive("mn,mk->nk", a16, dc), gb, 16, "declared 16³ dL/db");
    }

    [Fact]
    public void NaNAndInfinityPropagateThroughBatchedAndOtherShapes()
    {
        // Batched (the lane-block tier for small matrices), a vector contraction, a sum, a trace and an outer product.
        var (a0, b0) = HostilePair<float>(6, 5, 4, 7);
        var a = Tensor.CreateFromShape<float>([3, 6, 5]);
        var b = Tensor.CreateFromShape<float>([3, 5, 4]);
        for (int t = 0; t < 3; t++)
        {
            for (int i = 0; i < 6; i++) for (int j = 0; j < 5; j++) a[t, i, j] = a0[i, j] * (t + 1);
            for (int i = 0; i < 5; i++) for (int j = 0; j < 4; j++) b[t, i, j] = b0[i, j];
        }
        var expected = Einsum.EvaluateNaive("bmn,bnk->bmk", a, b);
        var c = TestData.Garbage<float>([3, 6, 4]);
        HostileMethods.Batched(a, b, c);
        AssertSameIeee(expected, c, 5, "generated batched");
        AssertSameIeee(expected, Einsum.Evaluate("bmn,bnk->bmk", a, b), 5, "Evaluate batched");

        foreach (string spec in new[] { "mn,n->m", "mn->", "mn,mn->", "mn,nk->", "mn,kj->mnkj", "mn,nm->", "mn,mk->nk" })
        {
            var operands = spec.Split("->")[0].Split(',').Length == 1 ? new[] { a0 }
                : spec.StartsWith("mn,n->", StringComparison.Ordinal) ? new[] { a0, Tensor.Create(new[] { 0f, 0f, 1f, 2f, -1f }, [5]) }
                : spec.StartsWith("mn,mn", StringComparison.Ordinal) ? new[] { a0, TestData.Random<float>([6, 5], 3) }
                : spec.StartsWith("mn,nm", StringComparison.Ordinal) ? new[] { a0, TestData.Random<float>([5, 6], 4) }
                : spec.StartsWith("mn,mk", StringComparison.Ordinal) ? new[] { a0, TestData.Random<float>([6, 4], 5) }
                : new[] { a0, b0 };
            AssertSameIeee(Einsum.EvaluateNaive(spec, operands), Einsum.Evaluate(spec, operands), 30, spec);
        }
    }

    [Fact]
    public void NaNAndInfinityPropagateThroughBackwardAndJvp()
    {
        var (a, b) = HostilePair<double>(9, 7, 5, 11);
        var dc = TestData.Random<double>([9, 5], 12);
        dc[4, 4] = double.NaN;
        dc[2, 0] = double.NegativeInfinity;
        var expectedA = Einsum.EvaluateNaive("mk,nk->mn", dc, b);
        var expectedB = Einsum.EvaluateNaive("mn,mk->nk", a, dc);
        var ga = TestData.Garbage<double>([9, 7]);
        var gb = TestData.Garbage<double>([7, 5]);
        HostileMethods.MatMulBackward(a, b, dc, ga, gb);
        AssertSameIeee(expectedA, ga, 5, "generated dL/da");
        AssertSameIeee(expectedB, gb, 9, "generated dL/db");
        var grads = Einsum.Backward("mn,nk->mk", dc, a, b);
        AssertSameIeee(expectedA, grads[0], 5, "Backward dL/da");
        AssertSameIeee(expectedB, grads[1], 9, "Backward dL/db");

        // Forward mode: ta·b + a·tb, each term as the naive loop gives it.
        var ta = TestData.Random<double>([9, 7], 13);
        var tb = TestData.Random<double>([7, 5], 14);
        ta[3, 1] = double.NaN;
        var expected = Einsum.EvaluateNaive("mn,nk->mk", ta, b);
        var second = Einsum.EvaluateNaive("mn,nk->mk", a, tb);
        for (int i = 0; i < 9; i++) for (int j = 0; j < 5; j++) expected[i, j] += second[i, j];
        var y = TestData.Garbage<double>([9, 5]);
        HostileMethods.MatMulJvp(a, b, ta, tb, y);
        AssertSameIeee(expected, y, 14, "generated JVP");
    }

    // ---- many threads, one method, different shapes ----------------------------------------------------------------

    [Collection(nameof(ThreadPoolCollection))]
    public class SharedAcrossThreads
    {
        private sealed record Problem(Tensor<double> A, Tensor<double> B, Tensor<double> Expected, Tensor<double> DC, Tensor<double>[] Gradients,
            Tensor<double> C, Tensor<double> ChainExpected);

        [Fact]
        public void OneMethodAndOneSpecWithDifferentShapesOnManyThreads()
        {
            int[][] shapes =
            {
                [1, 1, 1], [3, 5, 2], [0, 4, 3], [4, 0, 3], [17, 9, 31], [64, 64, 64], [96, 48, 80], [2, 300, 2], [128, 8, 1], [1, 200, 70],
            };
            var problems = shapes.Select((s, i) =>
            {
                var a = TestData.Random<double>([s[0], s[1]], 40 + i);
                var b = TestData.Random<double>([s[1], s[2]], 60 + i);
                var dc = TestData.Random<double>([s[0], s[2]], 80 + i);
                // A third factor whose last size differs by shape, so that a multi-step plan's intermediates differ too.
                var c = TestData.Random<double>([s[2], 1 + (s[0] + s[1]) % 37], 100 + i);
                var expected = Einsum.EvaluateNaive("mn,nk->mk", a, b);
                return new Problem(a, b, expected, dc, [Einsum.EvaluateNaive("mk,nk->mn", dc, b), Einsum.EvaluateNaive("mn,mk->nk", a, dc)],
                    c, Einsum.EvaluateNaive("ij,jk->ik", expected, c));
            }).ToArray();

            const int Threads = 8;
            long until = Stopwatch.GetTimestamp() + 2 * Stopwatch.Frequency;
            var failures = new Exception?[Threads];
            var workers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
            {
                var rng = new Random(t);
                try
                {
                    for (int i = 0; i < 3 * problems.Length || Stopwatch.GetTimestamp() < until; i++)
                    {
                        var p = problems[i < problems.Length ? (i + t) % problems.Length : rng.Next(problems.Length)];
                        long n = p.A.Lengths[1];
                        switch ((i + t) % 6)
                        {
                            case 0:
                                var c = TestData.Garbage<double>(p.Expected.Lengths);
                                HostileMethods.MatMul(p.A, p.B, c);
                                TestData.AssertClose(p.Expected, c, n, "generated");
                                break;
                            case 1:
                                TestData.AssertClose(p.Expected, Einsum.Evaluate("mn,nk->mk", p.A, p.B), n, "Evaluate");
                                break;
                            case 2:
                                var g = Einsum.Backward("mn,nk->mk", p.DC, p.A, p.B);
                                TestData.AssertClose(p.Gradients[0], g[0], p.B.Lengths[1], "Backward dL/da");
                                TestData.AssertClose(p.Gradients[1], g[1], p.A.Lengths[0], "Backward dL/db");
                                break;
                            case 4:
                                var d = TestData.Garbage<double>([p.A.Lengths[0], p.C.Lengths[1]]);
                                HostileMethods.Chain(p.A, p.B, p.C, d);
                                TestData.AssertClose(p.ChainExpected, d, n * p.C.Lengths[0], "generated chain");
                                break;
                            case 5:
                                TestData.AssertClose(p.ChainExpected, Einsum.Evaluate("ij,jk,kl->il", p.A, p.B, p.C), n * p.C.Lengths[0], "Evaluate chain");
                                break;
                            default:
                                var ga = TestData.Garbage<double>(p.A.Lengths);
                                var gb = TestData.Garbage<double>(p.B.Lengths);
                                HostileMethods.MatMulBackward(p.A, p.B, p.DC, ga, gb);
                                TestData.AssertClose(p.Gradients[0], ga, p.B.Lengths[1], "generated dL/da");
                                TestData.AssertClose(p.Gradients[1], gb, p.A.Lengths[0], "generated dL/db");
                                break;
                        }
                    }
                }
                catch (Exception e)
                {
                    failures[t] = e;
                }
            })).ToArray();
            foreach (var w in workers) w.Start();
            foreach (var w in workers) w.Join();
            foreach (var failure in failures)
            {
                if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
            }
        }
    }
}
