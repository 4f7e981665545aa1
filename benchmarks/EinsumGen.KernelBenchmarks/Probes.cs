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
        /// <summary>Peak float32 GFLOP/s on <paramref name="threads"/> threads: 24 independent FMA chains of the widest vector.</summary>
        public static double PeakGflops(int threads, double seconds = 0.5)
        {
            double best = 0;
            // Many short runs, keep the best: the machine is shared, and the quiet moments show the hardware's limit.
            for (int rep = 0; rep < 12; rep++)
            {
                long iterations = 15_000_000L;
                double[] flops = new double[threads];
                var sw = Stopwatch.StartNew();
                RunOnThreads(threads, t => flops[t] = FmaLoop(iterations));
                double s = sw.Elapsed.TotalSeconds;
                double total = 0;
                foreach (double f in flops) total += f;
                best = Math.Max(best, total / s / 1e9);
            }
            return best;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static double FmaLoop(long iterations)
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
                return iterations * 12.0 * 16 * 2;
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
                return iterations * 12.0 * 8 * 2;
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
        private static float SumStream(ReadOnlySpan<float> x)
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
            var seconds = new double[threads];
            RunOnThreads(threads, t =>
            {
                long t0 = Stopwatch.GetTimestamp();
                body(t);
                seconds[t] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            });
            return seconds.Max();
        }

        private static void RunOnThreads(int threads, Action<int> body)
        {
            if (threads == 1) { body(0); return; }
            var ts = new Thread[threads];
            using var start = new Barrier(threads);
            for (int t = 0; t < threads; t++)
            {
                int id = t;
                ts[t] = new Thread(() => { start.SignalAndWait(); body(id); });
                ts[t].Start();
            }
            foreach (var t in ts) t.Join();
        }
    }
}
