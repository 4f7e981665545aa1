using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using EinsumGen.Runtime.Kernels;

namespace EinsumGen.KernelBenchmarks
{
    /// <summary>
    /// `memory probe`: the bandwidth probe alone (<see cref="BandwidthProbe"/>), so that each of its figures can be explained —
    /// reads by size (where the last-level cache stops helping) and by streams in flight, copies and fills with ordinary and
    /// non-temporal stores, on one thread (thread CPU time) and on every core (wall clock, the kernels' pool); then the
    /// instrument used before, taken apart, on the bytes of a 4096² sum.
    /// </summary>
    internal static unsafe class ProbeReport
    {
        public static void Run(string[] args)
        {
            int all = Environment.ProcessorCount;
            Console.WriteLine($"Bandwidth probe — {all} cores; GB/s best (median) of the passes; 1 thread by thread CPU time, {all} by the wall clock");
            Console.WriteLine("Reads (sum), by size and streams in flight:");
            foreach (long mib in new long[] { 1, 4, 16, 32, 64, 128, 256 })
            {
                using var probe = new BandwidthProbe(mib << 20, 0);
                Console.Write($"  {mib,4} MiB");
                foreach (int threads in new[] { 1, all })
                    foreach (int streams in new[] { 1, 2, 4 })
                        Console.Write($"  {threads}t {streams}s {Rate(probe, threads, new(streams, false))}");
                Console.WriteLine();
            }
            foreach (var (name, read, written) in new[] { ("copy", 64L << 20, 64L << 20), ("fill", 0L, 64L << 20), ("copy", 256L << 20, 256L << 20), ("fill", 0L, 256L << 20) })
            {
                using var probe = new BandwidthProbe(read, written);
                Console.Write($"{name} {written >> 20} MiB:");
                foreach (int threads in new[] { 1, all })
                    foreach (bool nt in new[] { false, true })
                        Console.Write($"  {threads}t {(nt ? "nt " : "ord")} {Rate(probe, threads, new(1, nt))}");
                Console.WriteLine();
            }
            OldInstrument(all);
        }

        /// <summary>"GB/s best (median)" of passes of the probe on <paramref name="threads"/> threads.</summary>
        private static string Rate(BandwidthProbe probe, int threads, BandwidthProbe.Variant variant, int passes = 15)
        {
            Func<double> clock = threads == 1 && CpuTime.Available ? CpuTime.Now : MemoryBench.WallSeconds;
            ContractionKernel.MaxDegreeOfParallelism = threads;
            probe.Run(threads, variant);
            var times = new double[passes];
            for (int p = 0; p < passes; p++)
            {
                double t0 = clock();
                probe.Run(threads, variant);
                times[p] = clock() - t0;
            }
            Array.Sort(times);
            return $"{probe.Bytes / times[0] / 1e9,5:F1} ({probe.Bytes / times[passes / 2] / 1e9,5:F1})";
        }

        /// <summary>
        /// The earlier wall-clock instrument on the bytes of `nm->` (64 MiB read, 4 bytes written): fresh threads per pass
        /// released by a barrier, each timing itself, the read cut into float-exact shares (the second share then starts
        /// off a cache line) — beside the same with shares on pages, and beside the probe on the kernels' pool.
        /// </summary>
        private static unsafe void OldInstrument(int threads)
        {
            const long bytes = 64L << 20;
            int n = (int)(bytes / sizeof(float)) - 1; // what the old instrument summed: the bytes read less the one copied float
            var source = GC.AllocateArray<float>(n + 32, pinned: true);
            source.AsSpan().Fill(1);
            int skip;
            fixed (float* p = source) skip = (int)(((64 - ((long)p & 63)) & 63) / sizeof(float)) + 16;
            Console.WriteLine($"The instrument before, on `nm->`'s bytes ({threads} fresh threads per pass, each timing itself from a barrier, best of 40):");
            foreach (bool pageShares in new[] { false, true })
            {
                double best = double.MaxValue;
                var all = new double[40];
                for (int rep = 0; rep < 40; rep++)
                {
                    var seconds = new double[threads];
                    var workers = new Thread[threads];
                    using var start = new Barrier(threads);
                    for (int t = 0; t < threads; t++)
                    {
                        int id = t;
                        workers[t] = new Thread(() =>
                        {
                            start.SignalAndWait();
                            long t0 = Stopwatch.GetTimestamp();
                            long lo = (long)n * id / threads, hi = (long)n * (id + 1) / threads;
                            if (pageShares)
                            {
                                lo = lo / 1024 * 1024;
                                hi = id == threads - 1 ? n : hi / 1024 * 1024;
                            }
                            BandwidthProbe.Sink += Probes.SumStreams(source.AsSpan(skip + (int)lo, (int)(hi - lo)));
                            seconds[id] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                        });
                        workers[t].Start();
                    }
                    foreach (var w in workers) w.Join();
                    all[rep] = seconds.Max();
                    best = Math.Min(best, all[rep]);
                }
                Array.Sort(all);
                Console.WriteLine($"  shares {(pageShares ? "on pages     " : "float-exact  ")}: {bytes / best / 1e9,5:F1} ({bytes / all[20] / 1e9,5:F1}) GB/s");
            }
            using var probe = new BandwidthProbe(bytes, 4);
            foreach (int streams in new[] { 1, 2, 4 })
                Console.WriteLine($"  probe, kernels' pool, {streams} stream(s): {Rate(probe, threads, new(streams, false), 40)} GB/s");
        }
    }
}
