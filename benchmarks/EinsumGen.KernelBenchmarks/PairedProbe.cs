using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using EinsumGen.Runtime.Kernels;

namespace EinsumGen.KernelBenchmarks
{
    /// <summary>
    /// A workload's fraction of the FMA limit, measured so that a swing of the shared VM cancels: probe and workload samples
    /// alternate (probe, workload, probe, …), each about 2 ms long when undisturbed, with random pauses between them; each
    /// workload sample is compared with the mean of the two probe samples around it, and the line's ratio is the median of
    /// those pair ratios, printed with their spread. On several threads the probe runs on the kernels' own pool
    /// (<see cref="KernelThreads"/>) in 4 parts per thread, timed by the wall clock with the fork-join inside, as the
    /// workload's split calls are, and a pair counts only where the process's CPU time shows every thread running through
    /// its samples; on one thread (`cpu`) both are timed by the thread's CPU time (<see cref="CpuTime"/>). A ratio above 100%
    /// means the probe under-measured: the line flags it.
    /// </summary>
    internal static unsafe class PairedProbe
    {
        /// <summary>One line's figures: seconds per call, the probe's GFLOP/s, and the workload's fraction of it (0..1).</summary>
        public readonly record struct Result(
            double Median, double Best, double ProbeMedian, double ProbeP10, double ProbeP90, double ProbeBest,
            double RatioMedian, double RatioP10, double RatioP90, double RatioBestOfBest, int Pairs, int Kept, int PairsAbove);

        /// <summary>Parts of the probe per thread on the kernel pool: a late worker costs it no more than a split call's parts cost the call.</summary>
        private const int PartsPerThread = 4;

        private struct ProbeJob
        {
            public long Iterations;
        }

        /// <summary>
        /// Measures <paramref name="call"/> (<paramref name="flops"/> a call) on <paramref name="threads"/> threads against the
        /// probe on as many, pair by pair, for about <paramref name="budget"/> seconds of workload samples.
        /// </summary>
        public static Result Measure(Action call, double flops, int threads, bool cpu, double budget = 0.5)
        {
            Func<double> clock = cpu ? CpuTime.Now : () => Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
            Probes.FmaLoop(1000);
            // Warmed up (JIT tiers, caches, the pool's threads), then the samples sized: ~2 ms each. Both kinds of sample are sized by their undisturbed (fastest) time, so that they last equally long: on a busy
            // machine the longer of two samples is the likelier to lose its core to another process for a time slice.
            double start = clock(), fastest = double.MaxValue;
            int warm = 0;
            // At least 100 calls (up to 3 s): the JIT replaces a method's unoptimized code after 30 calls and a delay, and a
            // kernel the JIT does not inline runs unoptimized until then (a first line measured at 6% of the probe).
            while (warm < 3 || (warm < 100 && clock() - start < 3) || clock() - start < 0.2)
            {
                double c0 = clock();
                call();
                fastest = Math.Min(fastest, clock() - c0);
                warm++;
            }
            int inner = Math.Max(1, (int)Math.Round(0.002 / fastest));
            const long Calibration = 200_000;
            double probeFor = double.MaxValue;
            for (int i = 0; i < 5; i++) probeFor = Math.Min(probeFor, Probe(Calibration, threads, clock));
            long iterations = Math.Max(Calibration / 4, (long)(Calibration * (fastest * inner) / probeFor));
            double per = fastest;
            double probeFlops = iterations * Probes.FlopsPerIteration * threads;
            int pairs = Math.Clamp((int)(budget / (per * inner)), 15, 400);

            var times = new double[pairs];
            var probeRates = new double[pairs + 1];
            var probeKept = new bool[pairs + 1];
            var occupancy = new double[pairs];
            var ratios = new List<double>(pairs);
            var kept = new List<double>(pairs);
            var keptProbes = new List<double>(pairs + 1);
            // Each workload sample sits between two probe samples. The gap between them is random (none, or a pause of the
            // other's kind): with a fixed rhythm, a shared machine's time slices could lock onto it (the thread preempted
            // in the same phase of every pair). A wall-clock sample counts only where the process's CPU time shows every
            // thread running throughout (a sample descheduled part of the time measures the other load, not the hardware):
            // the probe's every thread, the workload's as many as its least disturbed samples ran (a small call runs whole).
            var random = new Random(18);
            (probeRates[0], probeKept[0]) = ProbeRate(iterations, threads, clock, cpu, probeFlops);
            for (int s = 0; s < pairs; s++)
            {
                if (random.Next(2) == 0) Probe(iterations / 2 * random.Next(1, 3), threads, clock);
                double p0 = cpu ? 0 : CpuTime.ProcessNow(), t0 = clock();
                for (int i = 0; i < inner; i++) call();
                double t1 = clock(), p1 = cpu ? 0 : CpuTime.ProcessNow();
                times[s] = (t1 - t0) / inner;
                occupancy[s] = cpu ? 1 : (p1 - p0) / (t1 - t0);
                if (random.Next(2) == 0) call();
                (probeRates[s + 1], probeKept[s + 1]) = ProbeRate(iterations, threads, clock, cpu, probeFlops);
                double ratio = flops / times[s] / ((probeRates[s] + probeRates[s + 1]) / 2);
                ratios.Add(ratio);
            }
            double busiest = 0;
            foreach (double o in occupancy) busiest = Math.Max(busiest, Math.Min(o, threads));
            for (int s = 0; s < pairs; s++)
                if (occupancy[s] >= Occupancy * busiest && probeKept[s] && probeKept[s + 1]) kept.Add(ratios[s]);
            for (int i = 0; i <= pairs; i++) if (probeKept[i]) keptProbes.Add(probeRates[i]);
            // Too few samples ran undisturbed (a busy machine): every pair counts, and the line says so.
            bool all = kept.Count < 5;
            List<double> use = all ? ratios : kept;
            List<double> probesUsed = all || keptProbes.Count == 0 ? new List<double>(probeRates) : keptProbes;
            use.Sort();
            int above = 0;
            foreach (double r in use) if (r > 1) above++;
            probesUsed.Sort();
            Array.Sort(times);
            double probeBest = probesUsed[^1];
            return new Result(
                times[pairs / 2], times[0],
                probesUsed[probesUsed.Count / 2] / 1e9, Quantile(probesUsed, 0.1) / 1e9, Quantile(probesUsed, 0.9) / 1e9, probeBest / 1e9,
                use[use.Count / 2], Quantile(use, 0.1), Quantile(use, 0.9), flops / times[0] / probeBest, pairs, all ? 0 : kept.Count, above);
        }

        /// <summary>
        /// A wall-clock sample counts where the process's CPU time over it is at least this share of the threads' time (each
        /// thread ran, nothing else took its core for long); a split call's workers spin between back-to-back calls, so its
        /// threads stay busy too.
        /// </summary>
        private const double Occupancy = 0.9;

        private static (double Rate, bool Ran) ProbeRate(long iterations, int threads, Func<double> clock, bool cpu, double probeFlops)
        {
            double p0 = cpu ? 0 : CpuTime.ProcessNow();
            double seconds = Probe(iterations, threads, clock);
            double p1 = cpu ? 0 : CpuTime.ProcessNow();
            return (probeFlops / seconds, cpu || p1 - p0 >= Occupancy * threads * seconds);
        }

        /// <summary>Seconds for <paramref name="iterations"/> of the FMA loop on each of <paramref name="threads"/> threads.</summary>
        private static double Probe(long iterations, int threads, Func<double> clock)
        {
            double t0 = clock();
            if (threads > 1)
            {
                int parts = threads * PartsPerThread;
                ProbeJob job = new() { Iterations = iterations / PartsPerThread };
                if (!KernelThreads.TryRun(&ProbePart, &job, parts, threads))
                    for (int p = 0; p < parts; p++) Probes.FmaLoop(job.Iterations);
            }
            else
            {
                Probes.FmaLoop(iterations);
            }
            return clock() - t0;
        }

        private static void ProbePart(void* state, int part, int parts) => Probes.FmaLoop(((ProbeJob*)state)->Iterations);

        private static double Quantile(List<double> sorted, double q) => sorted[Math.Clamp((int)Math.Round(q * (sorted.Count - 1)), 0, sorted.Count - 1)];

        /// <summary>The header of <see cref="Line"/>.</summary>
        public static string Header(int nameWidth) =>
            $"{"workload".PadRight(nameWidth)} {"median",10} {"best",10} {"GFLOP/s",8} {"probe (p10-p90)",19} {"% pairs",8} {"p10-p90",13} {"best/best",9} {"kept/pairs",10}";

        /// <summary>One line: times, GFLOP/s, the probe's median and spread, the median pair ratio and its spread.</summary>
        public static string Line(string name, int nameWidth, double flops, Result r)
        {
            string flag = r.RatioMedian > 1 ? "  [INVALID: above the probe; it under-measured]"
                : r.Kept == 0 ? "  [too few undisturbed pairs: a busy machine, every pair counted]"
                : r.PairsAbove > 0 ? $"  [{r.PairsAbove} pair(s) above 100%]" : "";
            return $"{name.PadRight(nameWidth)} {Program.Fmt(r.Median),10} {Program.Fmt(r.Best),10} {flops / r.Median / 1e9,8:F1} "
                + $"{$"{r.ProbeMedian:F0} ({r.ProbeP10:F0}-{r.ProbeP90:F0})",19} {100 * r.RatioMedian,7:F1}% {$"{100 * r.RatioP10:F1}-{100 * r.RatioP90:F1}%",13} "
                + $"{100 * r.RatioBestOfBest,8:F1}% {$"{r.Kept}/{r.Pairs}",10}{flag}";
        }
    }
}
