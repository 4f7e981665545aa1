using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Threading;
using EinsumGen.Runtime.Kernels;
using Xunit;

namespace EinsumGen.Tests.Kernels
{
    /// <summary>
    /// A streaming step split over the cores groups its sums by part: a full sum split along its outermost summed
    /// dimension adds the parts' partial sums at the end, and rows summed four at a time start at each part's first row.
    /// When the kernel pool is taken by another thread of the process, the step must run the same parts on the calling
    /// thread, one after the other, so that its bits do not depend on whether the pool was free.
    /// </summary>
    [Collection(nameof(ThreadPoolCollection))]
    public unsafe class StreamSplitDeterminismTests
    {
        private static readonly ManualResetEventSlim s_held = new(false), s_release = new(false);

        /// <summary>A part of another thread's call that holds the pool until released.</summary>
        private static void Hold(void* state, int part, int parts)
        {
            s_held.Set();
            s_release.Wait(TimeSpan.FromSeconds(30));
        }

        [Theory]
        [InlineData("ab->", 1024, 1023)]   // no kept dimension: partial sums, split along the summed rows
        [InlineData("ab->a", 1022, 1021)]  // row sums split along the kept rows: each part sums four rows at a time from its first
        [InlineData("ab->b", 1023, 1020)]  // column sums, split along the kept columns
        [InlineData("abc->b", 4, 515, 300)] // a middle-axis sum
        public void ASplitStepGivesTheSameBitsWhenThePoolIsTaken(string spec, params int[] shape)
        {
            if (KernelThreads.WorkerCount < 1) return; // one core: no pool to take
            Check<float>(spec, shape);
            Check<double>(spec, shape);
        }

        private static void Check<T>(string spec, int[] shape) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var x = TestData.Random<T>(shape, 11);
            var (free, freeSplit) = OnOwnThread(() => Einsum.Evaluate(spec, x));
            Assert.True(freeSplit, $"{spec}: the free-pool call did not split (the test would not compare anything)");
            TestData.AssertClose(Einsum.EvaluateNaive(spec, x), free, shape[^1] * (long)shape[0], spec);

            s_held.Reset();
            s_release.Reset();
            var holder = new Thread(() => KernelThreads.TryRun(&Hold, null, 2, 2)) { IsBackground = true };
            holder.Start();
            try
            {
                Assert.True(s_held.Wait(TimeSpan.FromSeconds(30)), "the holder never took the pool");
                var (taken, takenSplit) = OnOwnThread(() => Einsum.Evaluate(spec, x));
                Assert.False(takenSplit, $"{spec}: the call split while the pool was held");
                var expected = new T[free.FlattenedLength];
                var actual = new T[taken.FlattenedLength];
                free.FlattenTo(expected);
                taken.FlattenTo(actual);
                Assert.Equal(expected.Length, actual.Length);
                for (int i = 0; i < expected.Length; i++)
                    Assert.True(expected[i].Equals(actual[i]), $"{spec} ({typeof(T).Name}) element {i}: {actual[i]} with the pool taken, {expected[i]} with it free");
            }
            finally
            {
                s_release.Set();
                holder.Join();
            }
        }

        /// <summary>
        /// The call on a thread of its own (a thread-pool thread would not split at all), and whether it ran split. The free
        /// pool may be held a moment by another test's leftover call, so a call that did not split is tried again.
        /// </summary>
        private static (Tensor<T> Result, bool Split) OnOwnThread<T>(Func<Tensor<T>> call)
        {
            Tensor<T>? result = null;
            bool split = false;
            Exception? failure = null;
            var thread = new Thread(() =>
            {
                try
                {
                    for (int attempt = 0; attempt < 20 && !split; attempt++)
                    {
                        long before = KernelThreads.SplitCallsOnThisThread;
                        result = call();
                        split = KernelThreads.SplitCallsOnThisThread > before;
                    }
                }
                catch (Exception e)
                {
                    failure = e;
                }
            });
            thread.Start();
            thread.Join();
            if (failure is not null) throw new InvalidOperationException("the call failed", failure);
            return (result!, split);
        }
    }
}
