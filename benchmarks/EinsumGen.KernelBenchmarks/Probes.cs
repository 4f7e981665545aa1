using System;
using System.Linq;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading;

namespace EinsumGen.KernelBenchmarks
{
    /// <summary>This machine's limits, measured: FMA throughput, and copy, read and write bandwidth.</summary>
    public static class Probes
    {
        /// <summary>
        /// Peak float32 GFLOP/s on <paramref name="threads"/> threads: 12 independent FMA chains of the widest vector, the same
        /// loop for one core and for several. The threads are started, pinned one per core (Linux) and spinning before any
        /// timing; each round releases them together, each thread times its own loop, and the slowest thread sets the
        /// round's figure; the best of the rounds is kept (the machine is shared, and its quiet moments show the hardware's
        /// limit). The loop is compiled fully optimized from its first call, so no round runs tier-0 code.
        /// </summary>
        public static double PeakGflops(int threads, int rounds = 20)
        {
            const long Iterations = 4_000_000L;
            FmaLoop(1000); // compiled now, not inside a timed round
            using var crew = new SpinningCrew(threads);
            double best = 0;
            for (int round = 0; round < rounds; round++)
            {
                var seconds = crew.Run(_ => FmaLoop(Iterations));
                best = Math.Max(best, threads * FlopsPerCall(Iterations) / seconds.Max() / 1e9);
            }
            return best;
        }

        /// <summary>The FMA loop on the calling thread alone, timed by its CPU time (<see cref="CpuTime"/>): GFLOP/s, the best of the rounds.</summary>
        public static double PeakGflopsCpuTime(int rounds = 10)
        {
            const long Iterations = 4_000_000L;
            FmaLoop(1000);
            double best = 0;
            for (int round = 0; round < rounds; round++)
            {
                double t0 = CpuTime.Now();
                FmaLoop(Iterations);
                best = Math.Max(best, FlopsPerCall(Iterations) / (CpuTime.Now() - t0) / 1e9);
            }
            return best;
        }

        private static double FlopsPerCall(long iterations) => iterations * FlopsPerIteration;

        /// <summary>Floating-point operations of one iteration of the FMA loop: 12 FMAs of the widest vector.</summary>
        internal static double FlopsPerIteration => 12.0 * (Vector512.IsHardwareAccelerated ? 16 : 8) * 2;

        /// <summary>
        /// "12.3%" of a measured limit, with a warning when above 100%: a step cannot beat the hardware's limit, so a figure
        /// above it means the probe under-measured (or the machine changed during the run), and the ratio is not to be trusted.
        /// </summary>
        public static string Percent(double value, double limit)
        {
            double percent = 100 * value / limit;
            string text = percent.ToString("F1", System.Globalization.CultureInfo.InvariantCulture) + "%";
            return percent > 100 ? text + " [WARNING: above the probe's limit; the probe under-measured, this ratio is not valid]" : text;
        }

        /// <summary>The probe's loop: 12 independent FMA chains of the widest vector, <paramref name="iterations"/> times.</summary>
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        internal static double FmaLoop(long iterations)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                Vector512<float> x = Vector512.Create(1.0000001f), y = Vector512.Create(0.9999999f);
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default, a8 = default, a9 = default, a10 = default, a11 = default;
                for (long i = 0; i < iterations; i++)
                {
                    a0 = Vector512.FusedMultiplyAdd(x, y, a0); a1 = Vector512.FusedMultiplyAdd(x, y, a1); a2 = Vector512.FusedMultiplyAdd(x, y, a2); a3 = Vector512.FusedMultiplyAdd(x, y, a3);
                    a4 = Vector512.FusedMultiplyAdd(x, y, a4); a5 = Vector512.FusedMultiplyAdd(x, y, a5); a6 = Vector512.FusedMultiplyAdd(x, y, a6); a7 = Vector512.FusedMultiplyAdd(x, y, a7);
                    a8 = Vector512.FusedMultiplyAdd(x, y, a8); a9 = Vector512.FusedMultiplyAdd(x, y, a9); a10 = Vector512.FusedMultiplyAdd(x, y, a10); a11 = Vector512.FusedMultiplyAdd(x, y, a11);
                }
                Sink = (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11).GetElement(0);
                return FlopsPerCall(iterations);
            }
            else
            {
                Vector256<float> x = Vector256.Create(1.0000001f), y = Vector256.Create(0.9999999f);
                Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default, a8 = default, a9 = default, a10 = default, a11 = default;
                for (long i = 0; i < iterations; i++)
                {
                    a0 = Vector256.FusedMultiplyAdd(x, y, a0); a1 = Vector256.FusedMultiplyAdd(x, y, a1); a2 = Vector256.FusedMultiplyAdd(x, y, a2); a3 = Vector256.FusedMultiplyAdd(x, y, a3);
                    a4 = Vector256.FusedMultiplyAdd(x, y, a4); a5 = Vector256.FusedMultiplyAdd(x, y, a5); a6 = Vector256.FusedMultiplyAdd(x, y, a6); a7 = Vector256.FusedMultiplyAdd(x, y, a7);
                    a8 = Vector256.FusedMultiplyAdd(x, y, a8); a9 = Vector256.FusedMultiplyAdd(x, y, a9); a10 = Vector256.FusedMultiplyAdd(x, y, a10); a11 = Vector256.FusedMultiplyAdd(x, y, a11);
                }
                Sink = (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11).GetElement(0);
                return FlopsPerCall(iterations);
            }
        }

        public static float Sink;

        /// <summary>STREAM-like copy bandwidth in GB/s (bytes read + bytes written) over 2 × 128 MiB on <paramref name="threads"/> threads, timed as <see cref="ReadGBps"/>.</summary>
        public static double CopyGBps(int threads)
        {
            const int n = 32 * 1024 * 1024; // floats: 128 MiB per array
            var src = new float[n];
            var dst = new float[n];
            src.AsSpan().Fill(1); dst.AsSpan().Fill(0);
            double best = 0;
            for (int rep = 0; rep < 8; rep++)
                best = Math.Max(best, 2.0 * n * sizeof(float) / TimedOnThreads(threads, t =>
                {
                    int lo = (int)((long)n * t / threads), hi = (int)((long)n * (t + 1) / threads);
                    src.AsSpan(lo, hi - lo).CopyTo(dst.AsSpan(lo, hi - lo));
                }) / 1e9);
            return best;
        }

        /// <summary>
        /// Read bandwidth in GB/s: vector sums over <paramref name="bytes"/> split over <paramref name="threads"/> threads,
        /// warm (the footprint of the workload it is compared with, so both see the same caches); each thread times itself
        /// after a common start, and the slowest sets the figure.
        /// </summary>
        public static double ReadGBps(int threads, long bytes)
        {
            int n = (int)(bytes / sizeof(float));
            var src = new float[n];
            src.AsSpan().Fill(1);
            var sums = new float[threads * 16];
            double best = 0;
            for (int rep = 0; rep < 10; rep++)
                best = Math.Max(best, bytes / TimedOnThreads(threads, t =>
                {
                    int lo = (int)((long)n * t / threads), hi = (int)((long)n * (t + 1) / threads);
                    sums[t * 16] = SumStream(src.AsSpan(lo, hi - lo));
                }) / 1e9);
            Sink = sums[0];
            return best;
        }

        /// <summary>Four independent Vector512 sums: as many loads in flight as the core allows, nothing else.</summary>
        internal static float SumStream(ReadOnlySpan<float> x)
        {
            ref float r = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            nuint i = 0, n = (nuint)x.Length - (nuint)x.Length % 64;
            for (; i < n; i += 64)
            {
                s0 += Vector512.LoadUnsafe(ref r, i);
                s1 += Vector512.LoadUnsafe(ref r, i + 16);
                s2 += Vector512.LoadUnsafe(ref r, i + 32);
                s3 += Vector512.LoadUnsafe(ref r, i + 48);
            }
            float sum = Vector512.Sum(s0 + s1 + s2 + s3);
            for (; i < (nuint)x.Length; i++) sum += x[(int)i];
            return sum;
        }

        /// <summary>
        /// The memory-bound steps' read probe: the span cut in two halves summed side by side, two Vector512 accumulators
        /// each. On this VM (4 KiB pages) two streams in flight read 10–20% faster than one (<see cref="SumStream"/>), and
        /// the kernels that read several rows at once get that too, so a one-stream probe under-measures.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static float SumStreams(ReadOnlySpan<float> x)
        {
            ref float r = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
            nuint half = (nuint)x.Length / 2 / 32 * 32;
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (nuint i = 0; i < half; i += 32)
            {
                s0 += Vector512.LoadUnsafe(ref r, i);
                s1 += Vector512.LoadUnsafe(ref r, i + 16);
                s2 += Vector512.LoadUnsafe(ref r, half + i);
                s3 += Vector512.LoadUnsafe(ref r, half + i + 16);
            }
            float sum = Vector512.Sum(s0 + s1 + s2 + s3);
            for (nuint i = 2 * half; i < (nuint)x.Length; i++) sum += x[(int)i];
            return sum;
        }

        /// <summary>
        /// The memory-bound steps' copy probe: a Vector512 loop with ordinary stores (as the kernels' stores), which moves
        /// more per second here than <c>Span.CopyTo</c>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void CopyStream(ReadOnlySpan<float> from, Span<float> to)
        {
            ref float s = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(from);
            ref float d = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(to);
            nuint i = 0, n = (nuint)from.Length - (nuint)from.Length % 32;
            for (; i < n; i += 32)
            {
                Vector512.LoadUnsafe(ref s, i).StoreUnsafe(ref d, i);
                Vector512.LoadUnsafe(ref s, i + 16).StoreUnsafe(ref d, i + 16);
            }
            for (; i < (nuint)from.Length; i++) to[(int)i] = from[(int)i];
        }

        /// <summary>The memory-bound steps' write probe: a Vector512 fill loop (faster here than <c>Span.Fill</c>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void FillStream(Span<float> to, float value)
        {
            ref float d = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(to);
            var v = Vector512.Create(value);
            nuint i = 0, n = (nuint)to.Length - (nuint)to.Length % 32;
            for (; i < n; i += 32)
            {
                v.StoreUnsafe(ref d, i);
                v.StoreUnsafe(ref d, i + 16);
            }
            for (; i < (nuint)to.Length; i++) to[(int)i] = value;
        }

        /// <summary>Write bandwidth in GB/s: fills of <paramref name="bytes"/> split over <paramref name="threads"/> threads, warm, timed as <see cref="ReadGBps"/>.</summary>
        public static double WriteGBps(int threads, long bytes)
        {
            int n = (int)(bytes / sizeof(float));
            var dst = new float[n];
            dst.AsSpan().Fill(0);
            double best = 0;
            for (int rep = 0; rep < 10; rep++)
                best = Math.Max(best, bytes / TimedOnThreads(threads, t =>
                {
                    int lo = (int)((long)n * t / threads), hi = (int)((long)n * (t + 1) / threads);
                    dst.AsSpan(lo, hi - lo).Fill(rep);
                }) / 1e9);
            return best;
        }

        /// <summary>Seconds the slowest of <paramref name="threads"/> threads takes for its part, after a common start.</summary>
        private static double TimedOnThreads(int threads, Action<int> body)
        {
            using var crew = new SpinningCrew(threads);
            return crew.Run(t => { body(t); return 0; }).Max();
        }
    }
}
