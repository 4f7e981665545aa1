using System;
using System.Numerics.Tensors;
using EinsumGen.Runtime.Kernels;
using Xunit;
using static EinsumGen.Tests.Runtime.RuntimeTestUtil;

namespace EinsumGen.Tests.Runtime;

public static partial class AllocationMethods
{
    public const string TtSizes = "a=8,b=8,c=8,d=8,e=2,f=2,g=2,h=2,i=8,j=8,k=8,n=256";

    [Einsum("aei,bfij,cgjk,dhk,nabcd->nefgh", Sizes = TtSizes)]
    public static partial void TtDeclared(ReadOnlyTensorSpan<float> w1, ReadOnlyTensorSpan<float> w2, ReadOnlyTensorSpan<float> w3,
        ReadOnlyTensorSpan<float> w4, ReadOnlyTensorSpan<float> x, TensorSpan<float> y);

    [Einsum("aei,bfij,cgjk,dhk,nabcd->nefgh")]
    public static partial void Tt(ReadOnlyTensorSpan<float> w1, ReadOnlyTensorSpan<float> w2, ReadOnlyTensorSpan<float> w3,
        ReadOnlyTensorSpan<float> w4, ReadOnlyTensorSpan<float> x, TensorSpan<float> y);

    [Einsum("mn,nk->mk", Sizes = "m=16,n=16,k=16")]
    public static partial void MatMul16(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);

    [Einsum("mn,nk->mk", Sizes = "m=6,n=5,k=7")]
    public static partial void MatMulOdd(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, TensorSpan<double> c);

    [Einsum("...ij,...jk->...ik")]
    public static partial void Batched(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);

    [Einsum("n,n->")]
    public static partial float Inner(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b);
}

/// <summary>Allocation tests measure every thread, so they run alone, after the parallel tests.</summary>
[CollectionDefinition(nameof(AllocationCollection), DisableParallelization = true)]
public sealed class AllocationCollection
{
}

/// <summary>
/// Generated methods allocate nothing per call in steady state: after a few warm-up calls, 20 more allocate 0 bytes on the
/// calling thread and (about) 0 on all threads together, which also covers the kernel's second thread where a call splits
/// (from a plain thread: <see cref="TensorTrainStepSlicedOverTheCores"/>; best of 10 rounds). Each case then
/// checks its result (the tensor train against the run-time evaluator: the naive oracle would take minutes there), and <see cref="TheProbeSeesOneSmallAllocation"/> checks the probe itself.
/// </summary>
[Collection(nameof(AllocationCollection))]
public class AllocationTests
{
    private const int Calls = 20;
    // Other threads of the test host (its result reporter, still serializing earlier tests' messages) allocate now and then:
    // a per-call allocation shows in every round, a neighbour's in some, so the test looks for one quiet round among many.
    private const int Rounds = 10;

    // All threads together: the runtime itself may allocate a little now and then (e.g. tiered compilation's call counting).
    private const long AllThreadsTolerance = 256;

    private static readonly nint[] Core1 = { 8, 2, 8 }, Core2 = { 8, 2, 8, 8 }, Input = { 256, 8, 8, 8, 8 }, Output = { 256, 2, 2, 2, 2 };

    private sealed class TtData
    {
        public readonly float[] W1 = Values<float>(128, 1), W2 = Values<float>(1024, 2), W3 = Values<float>(1024, 3), W4 = Values<float>(128, 4);
        public readonly float[] X = Values<float>(256 * 4096, 5), Y = new float[256 * 16], Dy = Values<float>(256 * 16, 6);
        public readonly float[] G1 = new float[128], G2 = new float[1024], G3 = new float[1024], G4 = new float[128], Gx = new float[256 * 4096];
        public readonly float[] T1 = Values<float>(128, 7), T4 = Values<float>(128, 8);

        public Tensor<float>[] Operands() =>
            new[] { Tensor.Create(W1, Core1), Tensor.Create(W2, Core2), Tensor.Create(W3, Core2), Tensor.Create(W4, Core1), Tensor.Create(X, Input) };
    }

    /// <summary>Bytes allocated by <see cref="Calls"/> calls after <paramref name="warmup"/> calls: on this thread, and on all threads.</summary>
    private static (long Thread, long AllThreads) Measure(Action call, int warmup = 5)
    {
        for (int i = 0; i < warmup; i++) call();
        long thread = GC.GetAllocatedBytesForCurrentThread();
        long all = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < Calls; i++) call();
        return (GC.GetAllocatedBytesForCurrentThread() - thread, GC.GetTotalAllocatedBytes(precise: true) - all);
    }

    /// <summary>
    /// Passes when one of <see cref="Rounds"/> rounds of <see cref="Calls"/> calls allocates nothing on this thread (and at
    /// most <see cref="AllThreadsTolerance"/> on all). An allocation made by every call shows in every round; what the
    /// runtime does once (tiered compilation, a buffer grown on a path a call takes for the first time) cannot fail the test.
    /// </summary>
    private static void AssertNoAllocation(string what, Action call)
    {
        var rounds = new (long Thread, long AllThreads)[Rounds];
        for (int r = 0; r < Rounds; r++)
        {
            if (r > 0) System.Threading.Thread.Sleep(20);
            rounds[r] = Measure(call);
            // The checked build (docs/testing.md) and CI's scalar pass (no SIMD) run a round tens of times slower, long
            // enough for the test host's own background allocations to pass the tolerance: there, only this thread's
            // count is held to zero.
            bool slowRounds = MemoryRegions.Enabled || !System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated;
            if (rounds[r].Thread == 0 && (rounds[r].AllThreads <= AllThreadsTolerance || slowRounds)) return;
        }
        Assert.Fail($"{what}: bytes allocated per round of {Calls} calls (this thread / all threads): " +
            string.Join(", ", Array.ConvertAll(rounds, x => x.Thread + " / " + x.AllThreads)) + ".");
    }

    [Fact]
    public void TheProbeSeesOneSmallAllocation()
    {
        object? keep = null;
        var (thread, all) = Measure(() => keep = new byte[1]);
        Assert.NotNull(keep);
        Assert.True(thread >= Calls * 25, $"{thread} bytes seen for {Calls} one-byte arrays");
        Assert.True(all >= thread, $"{all} bytes on all threads, {thread} on this one");
    }

    [Fact]
    public void TensorTrainForwardWithSizesDeclared()
    {
        var d = new TtData();
        AssertNoAllocation("TT forward, Sizes declared", () => AllocationMethods.TtDeclared(
            new(d.W1, Core1), new(d.W2, Core2), new(d.W3, Core2), new(d.W4, Core1), new(d.X, Input), new TensorSpan<float>(d.Y, Output)));
        TestData.AssertClose(Einsum.Evaluate("aei,bfij,cgjk,dhk,nabcd->nefgh", d.Operands()), Tensor.Create(d.Y, Output), 4096, "TT forward");
    }

    [Fact]
    public void TensorTrainForwardWithoutSizes()
    {
        var d = new TtData();
        AssertNoAllocation("TT forward, no Sizes", () => AllocationMethods.Tt(
            new(d.W1, Core1), new(d.W2, Core2), new(d.W3, Core2), new(d.W4, Core1), new(d.X, Input), new TensorSpan<float>(d.Y, Output)));
        TestData.AssertClose(Einsum.Evaluate("aei,bfij,cgjk,dhk,nabcd->nefgh", d.Operands()), Tensor.Create(d.Y, Output), 4096, "TT forward");
    }

    [Fact]
    public void TensorTrainForwardOnOneThread()
    {
        int degree = ContractionKernel.MaxDegreeOfParallelism;
        try
        {
            ContractionKernel.MaxDegreeOfParallelism = 1;
            var d = new TtData();
            AssertNoAllocation("TT forward, one thread", () => AllocationMethods.TtDeclared(
                new(d.W1, Core1), new(d.W2, Core2), new(d.W3, Core2), new(d.W4, Core1), new(d.X, Input), new TensorSpan<float>(d.Y, Output)));
        }
        finally
        {
            ContractionKernel.MaxDegreeOfParallelism = degree;
        }
    }

    [Fact]
    public void TensorTrainStepSlicedOverTheCores()
    {
        // From a plain thread (xunit's pool threads never split a call): the large steps run sliced over the cores, their
        // partial sums in pooled buffers and their tables kept by the layout.
        var d = new TtData();
        long before = EinsumGen.Runtime.SlicedStep.Calls;
        Kernels.ContractionKernelTests.OnPlainThread(() => AssertNoAllocation("TT forward and backward, sliced", () =>
        {
            AllocationMethods.TtDeclared(new(d.W1, Core1), new(d.W2, Core2), new(d.W3, Core2), new(d.W4, Core1), new(d.X, Input), new TensorSpan<float>(d.Y, Output));
            AllocationMethods.TtDeclaredBackward(new(d.W1, Core1), new(d.W2, Core2), new(d.W3, Core2), new(d.W4, Core1), new(d.X, Input),
                new ReadOnlyTensorSpan<float>(d.Dy, Output), new TensorSpan<float>(d.G1, Core1), new TensorSpan<float>(d.G2, Core2),
                new TensorSpan<float>(d.G3, Core2), new TensorSpan<float>(d.G4, Core1), default);
        }));
        Assert.True(EinsumGen.Runtime.SlicedStep.Calls > before || Environment.ProcessorCount == 1, "no step ran sliced");
    }

    [Fact]
    public void TensorTrainBackward()
    {
        var d = new TtData();
        AssertNoAllocation("TT backward, every gradient", () => AllocationMethods.TtDeclaredBackward(
            new(d.W1, Core1), new(d.W2, Core2), new(d.W3, Core2), new(d.W4, Core1), new(d.X, Input), new ReadOnlyTensorSpan<float>(d.Dy, Output),
            new TensorSpan<float>(d.G1, Core1), new TensorSpan<float>(d.G2, Core2), new TensorSpan<float>(d.G3, Core2), new TensorSpan<float>(d.G4, Core1),
            new TensorSpan<float>(d.Gx, Input)));
        AssertNoAllocation("TT backward, cores only, accumulating, no Sizes", () => AllocationMethods.TtBackward(
            new(d.W1, Core1), new(d.W2, Core2), new(d.W3, Core2), new(d.W4, Core1), new(d.X, Input), new ReadOnlyTensorSpan<float>(d.Dy, Output),
            new TensorSpan<float>(d.G1, Core1), new TensorSpan<float>(d.G2, Core2), new TensorSpan<float>(d.G3, Core2), new TensorSpan<float>(d.G4, Core1),
            default, GradientMode.Accumulate));
        var expected = Einsum.Backward("aei,bfij,cgjk,dhk,nabcd->nefgh", Tensor.Create(d.Dy, Output), d.Operands());
        d.G1.AsSpan().Clear();
        AllocationMethods.TtDeclaredBackward(new(d.W1, Core1), new(d.W2, Core2), new(d.W3, Core2), new(d.W4, Core1), new(d.X, Input),
            new ReadOnlyTensorSpan<float>(d.Dy, Output), new TensorSpan<float>(d.G1, Core1), default, default, default, default);
        TestData.AssertClose(expected[0], Tensor.Create(d.G1, Core1), 256 * 1024, "∂w1");
    }

    [Fact]
    public void TensorTrainJvpWithTwoTangents()
    {
        var d = new TtData();
        AssertNoAllocation("TT JVP, two tangents", () => AllocationMethods.TtDeclaredJvp(
            new(d.W1, Core1), new(d.W2, Core2), new(d.W3, Core2), new(d.W4, Core1), new(d.X, Input),
            new(d.T1, Core1), default, default, new(d.T4, Core1), default, new TensorSpan<float>(d.Y, Output)));
    }

    [Fact]
    public void SmallMatMulWithSizesDeclared()
    {
        var a = Values<float>(256, 1);
        var b = Values<float>(256, 2);
        float[] c = new float[256], ga = new float[256], gb = new float[256];
        nint[] shape = { 16, 16 };
        AssertNoAllocation("16x16x16 forward", () => AllocationMethods.MatMul16(new(a, shape), new(b, shape), new TensorSpan<float>(c, shape)));
        TestData.AssertClose(Einsum.EvaluateNaive("mn,nk->mk", Tensor.Create(a, shape), Tensor.Create(b, shape)), Tensor.Create(c, shape), 16, "16x16x16");
        AssertNoAllocation("16x16x16 backward", () => AllocationMethods.MatMul16Backward(new(a, shape), new(b, shape), new(c, shape),
            new TensorSpan<float>(ga, shape), new TensorSpan<float>(gb, shape)));
    }

    [Fact]
    public void SmallMatMulWithOddSizesAndATransposedView()
    {
        var a = Values<double>(30, 1);
        var b = Values<double>(35, 2);
        var c = new double[42];
        // b as the transpose of a 7x5 row-major matrix: strides (1, 5).
        AssertNoAllocation("6x5x7 forward, strided", () => AllocationMethods.MatMulOdd(new(a, [6, 5]), new(b, 0, [5, 7], [1, 5]), new TensorSpan<double>(c, [6, 7])));
        var expected = Einsum.EvaluateNaive("mn,nk->mk", Tensor.Create(a, [6, 5]), Tensor.Create(b, 0, [5, 7], [1, 5]));
        TestData.AssertClose(expected, Tensor.Create(c, [6, 7]), 5, "6x5x7");
    }

    [Fact]
    public void EllipsisAndScalarResult()
    {
        // b broadcasts along the first ellipsis dimension, so its gradient sums over it.
        var a = Values<float>(2 * 3 * 4 * 5, 1);
        var b = Values<float>(3 * 5 * 6, 2);
        float[] c = new float[2 * 3 * 4 * 6], gb = new float[3 * 5 * 6];
        AssertNoAllocation("...ij,...jk->...ik", () => AllocationMethods.Batched(new(a, [2, 3, 4, 5]), new(b, [3, 5, 6]), new TensorSpan<float>(c, [2, 3, 4, 6])));
        var expected = Einsum.EvaluateNaive("...ij,...jk->...ik", Tensor.Create(a, [2, 3, 4, 5]), Tensor.Create(b, [3, 5, 6]));
        TestData.AssertClose(expected, Tensor.Create(c, [2, 3, 4, 6]), 5, "...ij,...jk->...ik");
        AssertNoAllocation("...ij,...jk->...ik backward", () => AllocationMethods.BatchedBackward(new(a, [2, 3, 4, 5]), new(b, [3, 5, 6]),
            new(c, [2, 3, 4, 6]), default, new TensorSpan<float>(gb, [3, 5, 6])));
        float sum = 0;
        AssertNoAllocation("n,n->", () => sum += AllocationMethods.Inner(new ReadOnlyTensorSpan<float>(a, [120]), new ReadOnlyTensorSpan<float>(a, [120])));
        Assert.True(sum > 0);
    }
}
