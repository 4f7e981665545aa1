using System;
using System.Linq;
using System.Numerics;
using EinsumGen.Dispatch;
using EinsumGen.Runtime;
using EinsumGen.Runtime.Kernels;
using Xunit;

namespace EinsumGen.Tests.Kernels
{
    /// <summary>
    /// The small-batch kernel (<see cref="SmallBatchKernel"/>: large batches of small products) against the step by
    /// definition: every remainder of its four-row blocks and of its vector widths, on every vector path, one and two
    /// threads, float and double; strided and padded views, two batch dimensions in either order, the transposed
    /// orientation (the result unit-stride along the first factor's own dimension), non-temporal stores on and off a line;
    /// the dispatcher's decision; and end to end through <see cref="Einsum.Evaluate{T}"/> against the oracle.
    /// </summary>
    public class SmallBatchKernelTests
    {
        private static readonly KernelPath[] Paths = { KernelPath.Vector512, KernelPath.Vector256, KernelPath.Vector128, KernelPath.Scalar };

        /// <summary>bij,bjk->bik, dense: dimensions [b, i, k, j], three kept.</summary>
        private static Step Dense(long batch, long m, long n, long k) => new(
            new[] { batch, m, n, k },
            new[] { m * k, k, 0, 1 },
            new[] { k * n, 0, 1, n },
            new[] { m * n, n, 1, 0 }, 3);

        [Fact]
        public void EveryRemainderMatchesOnEveryPathAndThreadCount()
        {
            foreach (long m in new long[] { 2, 3, 4, 5, 9 })
            {
                foreach (long n in new long[] { 2, 4, 6, 8, 12, 20, 24, 31 })
                {
                    foreach (long k in new long[] { 2, 5, 8 })
                    {
                        var step = Dense(5, m, n, k);
                        foreach (var path in Paths)
                        {
                            foreach (int threads in new[] { 1, 2 })
                            {
                                string context = $"m {m} n {n} k {k} {path} threads {threads}";
                                if (n >= 4) Run<float>(step, path, threads, context);
                                Run<double>(step, path, threads, context);
                            }
                        }
                    }
                }
            }
        }

        [Fact]
        public void StridedViewsAndBothOrientationsMatch()
        {
            var cases = new[]
            {
                // Padded rows and batch entries in every tensor.
                new Step(new long[] { 7, 6, 8, 5 }, new long[] { 40, 6, 0, 1 }, new long[] { 50, 0, 1, 9 }, new long[] { 70, 10, 1, 0 }, 3),
                // Two batch dimensions, the result's outer one listed second (the kernel walks the result's storage order).
                new Step(new long[] { 3, 4, 5, 16, 3 }, new long[] { 15 * 4, 15, 3, 0, 1 }, new long[] { 48 * 4, 48, 0, 1, 16 },
                    new long[] { 80, 80 * 3, 16, 1, 0 }, 4),
                // Transposed: the result unit-stride along the first factor's i (C[b,k,i] = Σ_j A[b,j,i]·B[b,k,j]).
                new Step(new long[] { 6, 8, 5, 7 }, new long[] { 56, 1, 0, 8 }, new long[] { 35, 0, 7, 1 }, new long[] { 40, 1, 8, 0 }, 3),
                // N one 512-bit vector of floats (two of doubles), K 16.
                new Step(new long[] { 9, 4, 16, 16 }, new long[] { 64, 16, 0, 1 }, new long[] { 256, 0, 1, 16 }, new long[] { 64, 16, 1, 0 }, 3),
            };
            foreach (var step in cases)
            {
                foreach (var path in Paths)
                {
                    foreach (int threads in new[] { 1, 2 })
                    {
                        foreach (int offset in new[] { 0, 3 })
                        {
                            string context = $"case {Array.IndexOf(cases, step)} {path} threads {threads} offset {offset}";
                            Run<float>(step, path, threads, context, offset);
                            Run<double>(step, path, threads, context, offset);
                        }
                    }
                }
            }
        }

        [Fact]
        public void NonTemporalStoresMatchOnAndOffALine()
        {
            try
            {
                KernelOptions.Current.StreamNonTemporalBytes = 0;
                foreach (var step in new[] { Dense(9, 8, 8, 8), Dense(4, 5, 16, 3), Dense(3, 4, 24, 6), Dense(3, 7, 12, 4) })
                {
                    foreach (var path in Paths)
                    {
                        foreach (int offset in new[] { 0, 1, 4, 8 })
                        {
                            foreach (int threads in new[] { 1, 2 })
                            {
                                string context = $"non-temporal {path} offset {offset} threads {threads}";
                                Run<float>(step, path, threads, context, offset);
                                Run<double>(step, path, threads, context, offset);
                            }
                        }
                    }
                }
            }
            finally
            {
                KernelOptions.Current.StreamNonTemporalBytes = new KernelOptions().StreamNonTemporalBytes;
            }
        }

        [Fact]
        public void TheDispatcherTakesLargeBatchesOfSmallProductsOnly()
        {
            var limits = DispatchLimits.Measured;
            KernelChoice Choose(Step s, int threads) => KernelDispatch.ChooseStep(s.Sizes, s.First, s.Second, s.Result, s.Kept, hasSecond: true,
                accumulate: false, laneBlock: false, sizeof(float), 64, quadAvailable: true, threads, limits);
            var large = Choose(Dense(65536, 8, 8, 8), 2);
            Assert.Equal((DispatchedKernel.SmallBatch, false, DispatchedSplit.Batch), (large.Kernel, large.Transposed, large.Split));
            Assert.Equal(DispatchedSplit.None, Choose(Dense(65536, 8, 8, 8), 1).Split);
            // Too few entries to leave the caches, products too large to be memory-bound, a result strided along every
            // vector: the GEMM kernel keeps them.
            Assert.NotEqual(DispatchedKernel.SmallBatch, Choose(Dense(64, 8, 8, 8), 2).Kernel);
            Assert.NotEqual(DispatchedKernel.SmallBatch, Choose(Dense(4096, 64, 64, 64), 2).Kernel);
            var strided = new Step(new long[] { 65536, 8, 8, 8 }, new long[] { 64, 8, 0, 1 }, new long[] { 64, 0, 8, 1 }, new long[] { 64, 1, 8, 0 }, 3);
            Assert.NotEqual(DispatchedKernel.SmallBatch, Choose(strided, 2).Kernel);
            var transposed = new Step(new long[] { 65536, 8, 8, 8 }, new long[] { 64, 1, 0, 8 }, new long[] { 64, 0, 8, 1 }, new long[] { 64, 1, 8, 0 }, 3);
            Assert.Equal((DispatchedKernel.SmallBatch, true), (Choose(transposed, 1).Kernel, Choose(transposed, 1).Transposed));
            Assert.Equal("small batch", KernelDispatch.Name(KernelDispatch.ChooseDense("bij", "bjk", "bik", "j", c => c == 'b' ? 65536 : 8, sizeof(float))));
            // The accumulating form computes into scratch, then adds it in.
            var dense = Dense(65536, 8, 8, 8);
            var accumulated = KernelDispatch.ChooseStep(dense.Sizes, dense.First, dense.Second, dense.Result, 3, hasSecond: true, accumulate: true,
                laneBlock: false, sizeof(float), 64, quadAvailable: true, 1, limits);
            Assert.Equal((DispatchedKernel.SmallBatch, true), (accumulated.Kernel, accumulated.ThroughScratch));
        }

        [Theory]
        [InlineData("bij,bjk->bik", 4096, 8)]
        [InlineData("bhij,bhjk->bhik", 256, 8)]
        [InlineData("bji,bkj->bki", 4096, 8)]
        [InlineData("bij,bjk->bik", 1024, 16)]
        [InlineData("bij,bjk->bik", 8192, 5)]
        public void SpecsMatchTheOracle(string spec, int batch, int side)
        {
            // Every core the process has (MaxDegreeOfParallelism is process-wide, so it stays as it is: one thread is
            // covered on the kernel itself above).
            AssertSpec<float>(spec, batch, side);
            AssertSpec<double>(spec, batch, side);
        }

        private static void AssertSpec<T>(string spec, int batch, int side) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var parts = spec.Split("->")[0].Split(',');
            // b gets the batch size, h 8, every other label the side.
            int Size(char c) => c == 'b' ? batch : c == 'h' ? 8 : side;
            var x = parts.Select((term, i) => TestData.Random<T>(term.Select(Size).ToArray(), 21 + i)).ToArray();
            var expected = Einsum.EvaluateNaive(spec, x);
            var actual = Einsum.Evaluate(spec, x);
            TestData.AssertClose(expected, actual, 2L * side, $"{spec} batch {batch} side {side} {typeof(T).Name}");
        }

        /// <summary>A step: sizes, each tensor's strides (0 where it lacks the dimension), the kept count.</summary>
        private sealed record Step(long[] Sizes, long[] First, long[] Second, long[] Result, int Kept);

        /// <summary>
        /// Runs the kernel (forced, whatever the step's size) against the step by definition; <paramref name="offset"/>
        /// elements before each tensor move it against cache lines. Elements of a padded result the step does not write keep
        /// their values.
        /// </summary>
        private static void Run<T>(Step s, KernelPath path, int threads, string context, int offset = 0) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var rng = new Random(11);
            T[] a = Values<T>(Extent(s.Sizes, s.First) + offset, rng), b = Values<T>(Extent(s.Sizes, s.Second) + offset, rng);
            int length = Extent(s.Sizes, s.Result) + offset;
            T[] r = Values<T>(length, rng);
            var expected = r.Select(v => double.CreateChecked(v)).ToArray();
            var written = new bool[length];
            var index = new long[s.Sizes.Length];
            foreach (var _ in Odometer(s.Sizes.Take(s.Kept).ToArray(), index))
            {
                long o = offset;
                for (int d = 0; d < s.Kept; d++) o += index[d] * s.Result[d];
                if (!written[o]) expected[o] = 0;
                written[o] = true;
            }
            foreach (var _ in Odometer(s.Sizes, index))
            {
                long oa = offset, ob = offset, or = offset;
                for (int d = 0; d < s.Sizes.Length; d++)
                {
                    oa += index[d] * s.First[d];
                    ob += index[d] * s.Second[d];
                    if (d < s.Kept) or += index[d] * s.Result[d];
                }
                expected[or] += double.CreateChecked(a[oa]) * double.CreateChecked(b[ob]);
            }
            bool ran;
            using (TestRegions.Read(a, b).AndWrite(r))
            {
                ran = SmallBatchKernel.Run(s.Kept, N(s.Sizes), ref a[offset], N(s.First), ref b[offset], N(s.Second), ref r[offset], N(s.Result),
                    path, threads, force: true);
            }
            Assert.True(ran, $"{context}: the kernel did not take the step");
            long terms = 1;
            for (int d = s.Kept; d < s.Sizes.Length; d++) terms *= s.Sizes[d];
            double eps = typeof(T) == typeof(float) ? 1.2e-7 : 2.3e-16;
            for (int i = 0; i < length; i++)
            {
                double tol = 4 * eps * (terms + 1) * Math.Max(1, Math.Abs(expected[i]));
                Assert.True(Math.Abs(expected[i] - double.CreateChecked(r[i])) <= tol,
                    $"{context} ({typeof(T).Name}) sizes [{string.Join(",", s.Sizes)}]: element {i} is {r[i]}, expected {expected[i]}");
            }
        }

        private static System.Collections.Generic.IEnumerable<int> Odometer(long[] sizes, long[] index)
        {
            Array.Clear(index);
            if (sizes.Any(size => size == 0)) yield break;
            while (true)
            {
                yield return 0;
                int d = sizes.Length - 1;
                for (; d >= 0; d--)
                {
                    if (++index[d] < sizes[d]) break;
                    index[d] = 0;
                }
                if (d < 0) yield break;
            }
        }

        private static int Extent(long[] sizes, long[] strides)
        {
            long extent = 1;
            for (int d = 0; d < sizes.Length; d++) extent += Math.Max(sizes[d] - 1, 0) * strides[d];
            return checked((int)extent);
        }

        private static T[] Values<T>(int length, Random rng) where T : INumberBase<T> =>
            Enumerable.Range(0, length).Select(_ => T.CreateChecked(rng.NextDouble() * 2 - 1)).ToArray();

        private static nint[] N(long[] values) => values.Select(v => (nint)v).ToArray();
    }
}
