using System;
using System.Diagnostics;
using System.Numerics.Tensors;
using System.Threading;
using EinsumGen.Runtime.Kernels;
using Xunit;

namespace EinsumGen.Tests.Kernels
{
    /// <summary>
    /// A GEMM split along its contracted index adds the other parts' partial results into C after the parts ran. Those
    /// partials must belong to the call until then. They once lived in the workspace of whichever thread ran the part — a
    /// kernel worker's — and were read after the pool had been released, while that worker might already run the next
    /// call's part and write its own partial over them (wrong sums; had the buffer grown meanwhile, a read of freed memory).
    /// </summary>
    [Collection(nameof(ThreadPoolCollection))]
    public unsafe class KSplitConcurrencyTests
    {
        private const string MatMul = "mk,kn->mn";

        /// <summary>Elements that a part of the other thread's calls overwrites in its thread's partial-result buffer.</summary>
        private static int s_scribbled;

        /// <summary>A part of another split call, as a K-split part uses the running thread's workspace: fills its partial buffer with NaN.</summary>
        private static void Scribble(void* state, int part, int parts)
        {
            int length = Volatile.Read(ref s_scribbled);
            // For 20 µs: long enough that the pinned part 1 waits for the worker, and that the worker writes while the K
            // split adds its partials.
            var partial = new Span<float>(KernelWorkspace.ForCurrentThread.Partial<float>(length), length);
            long until = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 50_000;
            do partial.Fill(float.NaN);
            while (Stopwatch.GetTimestamp() < until);
        }

        /// <summary>
        /// One thread runs K-split products and checks each; another waits for a split call to end and calls the pool at
        /// once, with parts that, like a K-split part, write their running thread's partial buffer — so its worker writes
        /// while the first call still adds its partials. Each call's sums must hold. A race, so a detector by chance: on a
        /// busy 2-core VM it caught the old placement in 2 runs of about 15, when the worker was scheduled at the time.
        /// </summary>
        [Fact]
        public void PartialsOfAKSplitBelongToItsCallUntilAdded()
        {
            if (KernelThreads.WorkerCount < 1) return;
            // 128 × 1024 × 128: split along K (long against the free groups); each extra part holds a 128 × 128 partial. The
            // result is every other column of a wider buffer, so the partials are added through C's tables one at a time
            // (the slow way: a wider window for the other call).
            var a = TestData.Random<float>(new[] { 128, 1024 }, 40);
            var b = TestData.Random<float>(new[] { 1024, 128 }, 41);
            var expected = Einsum.Evaluate(MatMul, a, b); // on an xunit thread: whole
            Volatile.Write(ref s_scribbled, (Math.Min(KernelThreads.WorkerCount + 1, 8) - 1) * 128 * 128);
            long kSplitBefore = ContractionKernel.KSplitCalls;
            long until = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
            Exception? failure = null;
            var checker = new Thread(() =>
            {
                try
                {
                    var c = Tensor.Create(new float[128 * 256], 0, new nint[] { 128, 128 }, new nint[] { 256, 2 });
                    while (Stopwatch.GetTimestamp() < until)
                    {
                        Einsum.EvaluateInto(MatMul, c, a, b);
                        TestData.AssertClose(expected, c, 1024, "K-split product");
                    }
                }
                catch (Exception e)
                {
                    failure = e;
                }
            });
            var other = new Thread(() =>
            {
                // Calls the pool as soon as another call releases it (the split count moves just before), else waits.
                long seen = KernelThreads.SplitCalls;
                while (Stopwatch.GetTimestamp() < until)
                {
                    if (KernelThreads.SplitCalls == seen) { Thread.Yield(); continue; }
                    // The count moves while the call still holds the pool: try until it lets go (a few hundred nanoseconds).
                    for (int tries = 0; tries < 1000 && !KernelThreads.TryRun(&Scribble, null, 2, 2, pinned: true); tries++) { }
                    seen = KernelThreads.SplitCalls;
                }
            });
            checker.Start();
            other.Start();
            checker.Join();
            other.Join();
            Assert.Null(failure);
            Assert.True(ContractionKernel.KSplitCalls > kSplitBefore);
        }
    }
}
