using System;
using System.Linq;
using System.Numerics;
using EinsumGen.Dispatch;
using EinsumGen.Runtime.Kernels;
using Xunit;

namespace EinsumGen.Tests.Kernels
{
    /// <summary>
    /// Scattered reads on the streaming tier (a diagonal, a trace: one element per cache line): the split counts each
    /// element as the line it moves, so a large diagonal splits over the cores; the prefetching loops match the step by
    /// definition on one and two threads, float and double, written and added into, every length around the prefetch
    /// distance.
    /// </summary>
    public class ScatteredStreamTests
    {
        [Fact]
        public void AScatteredReadCountsALinePerElement()
        {
            var limits = DispatchLimits.Measured;
            KernelChoice Choose(long n, long stride, int kept) => KernelDispatch.ChooseStep(new[] { n }, new[] { stride }, new long[] { 0 },
                new long[] { kept == 1 ? 1 : 0 }, kept, hasSecond: false, accumulate: false, laneBlock: false, sizeof(float), 64, false, threads: 2, limits);
            // 9000 elements 68 bytes apart: 576 KB of lines read, past the split threshold; 8 bytes apart: 72 KB.
            Assert.Equal(DispatchedSplit.M, Choose(9000, 17, 1).Split);
            Assert.Equal(DispatchedSplit.K, Choose(9000, 17, 0).Split);
            Assert.Equal(DispatchedSplit.None, Choose(9000, 2, 1).Split);
            Assert.Equal(64.0 * 9000 + 4 * 9000, KernelDispatch.MovedBytes(1, new long[] { 17 }, new long[] { 0 }, new long[] { 1 },
                new long[] { 9000, 0, 9000 }, sizeof(float)));
        }

        [Fact]
        public void DiagonalsAndTracesMatchOnOneAndTwoThreads()
        {
            foreach (long n in new long[] { 1, 15, 16, 17, 33, 9000 })
            {
                foreach (long stride in new long[] { 17, 33, -17 })
                {
                    foreach (int kept in new[] { 0, 1 })
                    {
                        foreach (int threads in new[] { 1, 2 })
                        {
                            foreach (bool accumulate in new[] { false, true })
                            {
                                string context = $"n {n} stride {stride} kept {kept} threads {threads} accumulate {accumulate}";
                                Run<float>(n, stride, kept, threads, accumulate, context);
                                Run<double>(n, stride, kept, threads, accumulate, context);
                            }
                        }
                    }
                }
            }
        }

        /// <summary>r[i] (=|+=) a[i·stride] (kept) or r (=|+=) Σ_i a[i·stride], against the definition in double.</summary>
        private static void Run<T>(long n, long stride, int kept, int threads, bool accumulate, string context) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var rng = new Random(5);
            long extent = (n - 1) * Math.Abs(stride) + 1;
            T[] a = Enumerable.Range(0, (int)extent).Select(_ => T.CreateChecked(rng.NextDouble() * 2 - 1)).ToArray();
            T[] b = new T[1];
            T[] r = Enumerable.Range(0, (int)n).Select(_ => T.CreateChecked(rng.NextDouble())).ToArray();
            int start = stride < 0 ? (int)(extent - 1) : 0;
            double[] expected = new double[n];
            for (long i = 0; i < n; i++)
            {
                double v = double.CreateChecked(a[start + i * stride]);
                if (kept == 1) expected[i] = (accumulate ? double.CreateChecked(r[i]) : 0) + v;
                else expected[0] += v;
            }
            if (kept == 0 && accumulate) expected[0] += double.CreateChecked(r[0]);
            using (TestRegions.Read(a, b).AndWrite(r))
            {
                StreamKernel.Run(kept, new nint[] { (nint)n }, ref a[start], new nint[] { (nint)stride }, ref b[0], new nint[] { 0 }, hasSecond: false,
                    ref r[0], new nint[] { kept == 1 ? 1 : 0 }, accumulate, onlyIfTaken: false, KernelPath.Auto, threads);
            }
            double eps = typeof(T) == typeof(float) ? 1.2e-7 : 2.3e-16;
            for (int i = 0; i < (kept == 1 ? n : 1); i++)
            {
                double tol = 4 * eps * (kept == 1 ? 2 : n + 1) * Math.Max(1, Math.Abs(expected[i]));
                Assert.True(Math.Abs(expected[i] - double.CreateChecked(r[i])) <= tol, $"{context} ({typeof(T).Name}): element {i} is {r[i]}, expected {expected[i]}");
            }
        }
    }
}
