using System;
using System.Collections.Generic;
using System.Linq;
using EinsumGen.Dispatch;
using EinsumGen.Runtime;
using EinsumGen.Runtime.Kernels;
using Xunit;

namespace EinsumGen.Tests.Kernels
{
    /// <summary>
    /// The pure dispatcher, given a step's plain facts (sizes, strides, element and vector width, threads), names the
    /// kernel, transposition and split the run takes, on the tuning steps and on random ones: both read the same
    /// thresholds (<see cref="DispatchLimits"/>), and these tests keep their decisions in step.
    /// </summary>
    [Collection(nameof(EinsumGen.Tests.Kernels.KernelChoicesCollection))]
    public class KernelDispatchTests
    {
        /// <summary>A pairwise step: sizes per dimension, each tensor's strides (0 where it lacks the label), the kept count.</summary>
        public sealed record Step(string Name, long[] Sizes, long[] First, long[] Second, long[] Result, int Kept)
        {
            public override string ToString() => Name;
        }

        public static IEnumerable<object[]> Steps() => Named().Concat(Random(160)).Select(s => new object[] { s });

        [Theory]
        [MemberData(nameof(Steps))]
        public void TheRunTakesTheDispatchedKernelOnOneThread(Step step) => AssertAgree(step, threads: 1, onPlainThread: false);

        [Theory]
        [MemberData(nameof(Steps))]
        public void TheRunTakesTheDispatchedKernelAndSplitOnEveryCore(Step step)
        {
            int threads = Math.Min(ContractionKernel.MaxDegreeOfParallelism, KernelThreads.WorkerCount + 1);
            AssertAgree(step, threads, onPlainThread: true);
        }

        [Fact]
        public void NamedStepsTakeTheTiersTheyWereMeasuredOn()
        {
            var limits = KernelContext.Vector512.Dispatch;
            var quad = Choose(Named().Single(s => s.Name == "layer y = x·W"), 64, quadAvailable: true, threads: 1, limits);
            Assert.Equal(DispatchedKernel.DirectAlongNQuad, quad.Kernel);
            var gradient = Choose(Named().Single(s => s.Name == "layer ∂W = Σ x·∂y"), 64, quadAvailable: true, threads: 1, limits);
            Assert.Equal(DispatchedKernel.DirectAlongNStridedC, gradient.Kernel);
            var square = Choose(Named().Single(s => s.Name == "matmul 128³"), 64, quadAvailable: true, threads: 1, limits);
            Assert.Equal(DispatchedKernel.Packed, square.Kernel);
            var longK = Choose(Named().Single(s => s.Name == "mnk,mkr->nr"), 64, quadAvailable: true, threads: 2, limits);
            Assert.Equal((DispatchedKernel.Packed, DispatchedSplit.K), (longK.Kernel, longK.Split));
            var small = Choose(Named().Single(s => s.Name == "tt ∂w1"), 64, quadAvailable: true, threads: 1, limits);
            Assert.Equal((DispatchedKernel.Packed, true), (small.Kernel, small.Transposed));
            var unary = KernelDispatch.ChooseStep(new long[] { 4 }, new long[] { 1 }, new long[] { 0 }, new long[] { 0 }, 0,
                hasSecond: false, accumulate: false, laneBlock: false, 4, 64, false, 1, limits);
            Assert.Equal(DispatchedKernel.Stream, unary.Kernel);
            Assert.False(string.IsNullOrEmpty(square.Reason));
        }

        [Fact]
        public void TheStepsReachEveryTier()
        {
            // So that the agreement tests above are not vacuous: on AVX-512 with the quad loop, the steps cover each kernel.
            var limits = KernelContext.Vector512.Dispatch;
            var kernels = Named().Concat(Random(160)).Select(s =>
            {
                var tables = new GemmTables().Fill(s.Kept, N(s.Sizes), N(s.First), N(s.Second), N(s.Result));
                var plan = new LaneBlockPlan().Fill(s.Kept, N(s.Sizes), N(s.First), N(s.Second), N(s.Result), sizeof(float), KernelPath.Vector512);
                return KernelDispatch.ChooseStep(s.Sizes, s.First, s.Second, s.Result, s.Kept, hasSecond: true, accumulate: false,
                    plan.Applies, sizeof(float), 64, quadAvailable: true, threads: 2, limits).Kernel;
            }).ToHashSet();
            var all = Enum.GetValues<DispatchedKernel>().Where(k => k != DispatchedKernel.Strided).ToHashSet();
            Assert.True(all.SetEquals(kernels), "missing: " + string.Join(", ", all.Except(kernels)));
        }

        private static KernelChoice Choose(Step s, int vectorBytes, bool quadAvailable, int threads, DispatchLimits limits) =>
            KernelDispatch.ChooseStep(s.Sizes, s.First, s.Second, s.Result, s.Kept, hasSecond: true, accumulate: false, laneBlock: false,
                sizeof(float), vectorBytes, quadAvailable, threads, limits);

        private static void AssertAgree(Step s, int threads, bool onPlainThread)
        {
            var path = ContractionKernel.BestPath;
            var context = KernelContext.For(path);
            nint[] sizes = N(s.Sizes), first = N(s.First), second = N(s.Second), result = N(s.Result);
            var tables = new GemmTables().Fill(s.Kept, sizes, first, second, result);
            bool lanes = KernelOptions.Current.LaneBlocks && tables.LanePlan(sizeof(float)) is not null;
            var expected = KernelDispatch.ChooseStep(s.Sizes, s.First, s.Second, s.Result, s.Kept, hasSecond: true, accumulate: false,
                lanes, sizeof(float), VectorBytes(path), QuadAvailable(), threads, context.Dispatch);

            float[] a = Values(Length(s.Sizes, s.First)), b = Values(Length(s.Sizes, s.Second)), c = new float[Length(s.Sizes, s.Result)];
            (DispatchedKernel Kernel, bool Transposed, DispatchedSplit Split)? ran = null;
            void Run()
            {
                ContractionKernel.LastRun = null;
                StepKernel.Contract(s.Kept, sizes, ref a[0], first, ref b[0], second, hasSecond: true, ref c[0], result, accumulate: false);
                ran = ContractionKernel.LastRun;
            }
            KernelOptions.Current.RecordChoices = true;
            try
            {
                if (onPlainThread) ContractionKernelTests.OnPlainThread(Run);
                else Run();
            }
            finally
            {
                KernelOptions.Current.RecordChoices = false;
            }

            if (expected.Kernel == DispatchedKernel.LaneBlock)
            {
                Assert.Null(ran);
                return;
            }
            Assert.NotNull(ran);
            Assert.Equal((expected.Kernel, expected.Transposed, expected.Split), ran.Value);
        }

        /// <summary>Steps measured while tuning the tiers (the tensor train's layer and its gradient, a square GEMM, a long K).</summary>
        private static IEnumerable<Step> Named()
        {
            // y[n,o] = Σ_k x[n,k]·W[k,o]: dims n, o kept; k summed.
            yield return new Step("layer y = x·W", new long[] { 256, 16, 256 }, new long[] { 256, 0, 1 }, new long[] { 0, 1, 16 }, new long[] { 16, 1, 0 }, 2);
            // ∂W[k,o] = Σ_n x[n,k]·∂y[n,o]: dims k, o kept; n summed.
            yield return new Step("layer ∂W = Σ x·∂y", new long[] { 512, 16, 256 }, new long[] { 1, 0, 512 }, new long[] { 0, 1, 16 }, new long[] { 16, 1, 0 }, 2);
            yield return new Step("matmul 128³", new long[] { 128, 128, 128 }, new long[] { 128, 0, 1 }, new long[] { 0, 1, 128 }, new long[] { 128, 1, 0 }, 2);
            // nr = Σ_mk mnk·mkr with n = r = 64, m·k = 4096·2.
            yield return new Step("mnk,mkr->nr", new long[] { 64, 64, 2, 4096 }, new long[] { 1, 0, 64 * 4096, 64 }, new long[] { 0, 1, 64 * 4096, 64 }, new long[] { 64, 1, 0, 0 }, 2);
            yield return new Step("batched 8³ × 64", new long[] { 64, 8, 8, 8 }, new long[] { 64, 8, 0, 1 }, new long[] { 64, 0, 1, 8 }, new long[] { 64, 8, 1, 0 }, 3);
            // A large batch of small products: memory-bound, each product in registers (the small-batch kernel).
            yield return new Step("batched 8³ × 4096", new long[] { 4096, 8, 8, 8 }, new long[] { 64, 8, 0, 1 }, new long[] { 64, 0, 1, 8 }, new long[] { 64, 8, 1, 0 }, 3);
            yield return new Step("outer product", new long[] { 300, 200 }, new long[] { 1, 0 }, new long[] { 0, 1 }, new long[] { 200, 1 }, 2);
            // kme,kng->mneg: a vector of the result's contiguous e,g mixes the M and N groups (the lane-block tier on Vector512).
            yield return new Step("kme,kng->mneg", new long[] { 20, 24, 4, 4, 5 }, new long[] { 4, 0, 1, 0, 80 }, new long[] { 0, 4, 0, 1, 96 }, new long[] { 384, 16, 4, 1, 0 }, 4);
            // The tensor train's ∂w1[a,e,i] = Σ ∂t1[j,a,b,e,f]·w2[b,f,i,j] (dims a e i j b f): a small packed step that pads less transposed.
            yield return new Step("tt ∂w1", new long[] { 8, 2, 8, 8, 8, 2 }, new long[] { 32, 2, 0, 256, 4, 1 }, new long[] { 0, 0, 8, 1, 128, 64 },
                new long[] { 16, 8, 1, 0, 0, 0 }, 3);
            yield return new Step("dot products along K", new long[] { 6, 5, 64 }, new long[] { 64, 0, 1 }, new long[] { 0, 64, 1 }, new long[] { 1, 6, 0 }, 2);
        }

        /// <summary>Random steps: labels kept in the first factor, the second or both (batch), or summed; each tensor dense in a random order.</summary>
        private static IEnumerable<Step> Random(int count)
        {
            var rng = new Random(20240611);
            long[] pool = { 1, 2, 3, 4, 5, 8, 12, 16, 24, 32, 48, 64, 100, 128 };
            for (int i = 0; i < count; i++)
            {
                int rank = rng.Next(2, 7), kept = rng.Next(1, rank);
                var sizes = new long[rank];
                var inFirst = new bool[rank];
                var inSecond = new bool[rank];
                double product = 1;
                for (int d = 0; d < rank; d++)
                {
                    sizes[d] = pool[rng.Next(pool.Length)];
                    if (product * sizes[d] > 4e6) sizes[d] = 1;
                    product *= sizes[d];
                    int kind = d >= kept ? 2 : rng.Next(3);
                    inFirst[d] = kind != 1;
                    inSecond[d] = kind != 0;
                }
                var result = new bool[rank];
                for (int d = 0; d < kept; d++) result[d] = true;
                yield return new Step($"random {i}: [{string.Join(",", sizes)}] kept {kept}", sizes,
                    Dense(sizes, inFirst, rng), Dense(sizes, inSecond, rng), Dense(sizes, result, rng), kept);
            }
        }

        /// <summary>Strides of a dense tensor over the dimensions it holds, laid out in a random order.</summary>
        private static long[] Dense(long[] sizes, bool[] holds, Random rng)
        {
            var strides = new long[sizes.Length];
            long stride = 1;
            foreach (int d in Enumerable.Range(0, sizes.Length).Where(d => holds[d]).OrderBy(_ => rng.Next()))
            {
                strides[d] = stride;
                stride *= sizes[d];
            }
            return strides;
        }

        private static int Length(long[] sizes, long[] strides)
        {
            long extent = 1;
            for (int d = 0; d < sizes.Length; d++) extent += (sizes[d] - 1) * strides[d];
            return checked((int)extent);
        }

        private static float[] Values(int length)
        {
            var values = new float[length];
            for (int i = 0; i < length; i++) values[i] = (i % 7) - 3;
            return values;
        }

        /// <summary>Bytes of a vector on <paramref name="path"/> (one float on the scalar path).</summary>
        private static int VectorBytes(KernelPath path) => Math.Max(LaneBlockPlan.LanesOf(path, 1), sizeof(float));

        /// <summary>Whether the quad loop runs for float here: AVX-512, and switched on.</summary>
        private static bool QuadAvailable() => KernelOptions.Current.QuadLoop && System.Runtime.Intrinsics.X86.Avx512F.IsSupported;

        private static nint[] N(long[] values) => values.Select(v => (nint)v).ToArray();
    }
}
