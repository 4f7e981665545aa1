using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Threading;
using EinsumGen.Runtime;
using EinsumGen.Runtime.Kernels;

namespace EinsumGen.KernelBenchmarks
{
    /// <summary>
    /// The memory-bound steps (`memory` command): each einsum through the public API, beside a same-run bandwidth probe over
    /// the same bytes (<see cref="BandwidthProbe"/>: the written bytes combined from the read streams, the rest read, the
    /// rest written, on the kernels' own thread pool; on several threads, the better of that and one thread alone). One
    /// thread is timed by the thread's CPU time, every core by the wall clock; either way the step's samples alternate with
    /// the probe's (probe, step, probe, …), so both see the same moments of a shared machine, and each sample of either is
    /// the same number of back-to-back passes between two clock readings. Prints each step's median and best, its GB/s
    /// for the bytes it moves (best), the probe's, the step's share of the probe, best against best and median against
    /// median, and whether the line is valid (neither share above 100%). <c>cpu</c>: one thread only; <c>two</c>: every core only; <c>ab</c>: also the same steps with
    /// the streaming tier switched off (the strided loops and the GEMM kernel), alternating; <c>nt</c>: likewise with its
    /// non-temporal stores switched off; <c>side=N</c>: N² operands (8192 by default); <c>probe</c>: the probe alone, by
    /// size and variant, beside the old instrument.
    /// </summary>
    public static unsafe class MemoryBench
    {
        /// <summary>
        /// A workload: the spec, operand shapes, output shape. <paramref name="LinesRead"/>: where the step reads scattered
        /// elements (a diagonal), the bytes of the cache lines it must fetch, which is what it moves; otherwise the
        /// operands' bytes.
        /// </summary>
        private sealed record Step(string Spec, int[][] Inputs, int[] Output, long LinesRead = 0, long Stride = 0)
        {
            public long ReadBytes => LinesRead > 0 ? LinesRead : Inputs.Sum(s => Count(s)) * sizeof(float);
            public long WrittenBytes => Count(Output) * sizeof(float);
        }

        private static long Count(int[] shape) => shape.Aggregate(1L, (p, d) => p * d);

        private static readonly string[] Flags = { "ab", "nt", "cpu", "two" };

        public static void Run(string[] args)
        {
            if (args.Contains("probe"))
            {
                ProbeReport.Run(args.Where(a => a != "probe").ToArray());
                return;
            }
            bool ab = args.Contains("ab"), nt = args.Contains("nt");
            int all = Environment.ProcessorCount;
            var threadCounts = args.Contains("cpu") ? new[] { 1 } : args.Contains("two") ? new[] { all } : new[] { 1, all }.Distinct().ToArray();
            Console.WriteLine($"EinsumGen memory-bound steps — {all} cores, Vector512 accelerated: {Vector512.IsHardwareAccelerated}, .NET {Environment.Version}; "
                + $"one thread timed by {(CpuTime.Available ? "thread CPU time" : "the wall clock")}, {all} threads by the wall clock");
            // Every operand 256 MiB (a diagonal's lines aside): past the last-level cache, which on this VM still serves part of
            // a 64 MiB operand (`memory probe`: one thread reads 64 MiB at ~48 GB/s, 128 MiB and more at ~39).
            int s = args.FirstOrDefault(a => a.StartsWith("side=")) is string side ? int.Parse(side[5..]) : 8192;
            int scale = (int)((long)s * s / (4096 * 4096));
            var steps = new List<Step>
            {
                new("nm->m", new[] { new[] { s, s } }, new[] { s }),
                new("nm->n", new[] { new[] { s, s } }, new[] { s }),
                new("nm->", new[] { new[] { s, s } }, Array.Empty<int>()),
                new("n,nm->m", new[] { new[] { s }, new[] { s, s } }, new[] { s }),
                new("mn,n->m", new[] { new[] { s, s }, new[] { s } }, new[] { s }),
                new("ij->ji", new[] { new[] { s, s } }, new[] { s, s }),
                new("n,m->nm", new[] { new[] { s }, new[] { s } }, new[] { s, s }),
                new("ij,j->ij", new[] { new[] { s, s }, new[] { s } }, new[] { s, s }),
                new("ij,ij->ij", new[] { new[] { s, s }, new[] { s, s } }, new[] { s, s }),
                new("ijk->ik", new[] { new[] { 256 * scale, 256, 256 } }, new[] { 256 * scale, 256 }),
                new("bij->bji", new[] { new[] { 64 * scale, 512, 512 } }, new[] { 64 * scale, 512, 512 }),
                // A diagonal reads one element per row, each on its own cache line (and, 32 KiB apart, its own page).
                // Its probe reads the same scattered lines over as large a buffer (BandwidthProbe's gather).
                new("ii->i", new[] { new[] { s, s } }, new[] { s }, LinesRead: 64L * s, Stride: s + 1),
                new("ii->", new[] { new[] { s, s } }, Array.Empty<int>(), LinesRead: 64L * s, Stride: s + 1),
                // 16 floats per row: a batch of diagonals reads every line of its operand.
                new("bii->bi", new[] { new[] { 16384 * 4 * scale, 16, 16 } }, new[] { 16384 * 4 * scale, 16 }),
                new("bii->b", new[] { new[] { 16384 * 4 * scale, 16, 16 } }, new[] { 16384 * 4 * scale }),
                // Batched 8³ products: 2 FLOPs per byte, bound by memory.
                new("bij,bjk->bik", new[] { new[] { 65536 * 4 * scale, 8, 8 }, new[] { 65536 * 4 * scale, 8, 8 } }, new[] { 65536 * 4 * scale, 8, 8 }),
            };
            Console.WriteLine("Each line: the step's median and best time and GB/s (best) for the bytes it moves; the probe's (variant: inputs x streams, "
                + "+nt non-temporal stores, +pf prefetched gather, +st regions staggered within a page) over the same bytes; the step's % of the probe, best against best and median against median; "
                + "valid: both at most 100% (a step above its probe means the probe under-measured, and the line says nothing).");
            Console.WriteLine($"{"step",-12} {"threads",7} {"variant",-7} {"median",10} {"best",10} {"GB/s",6} {"probe",-10} {"median",10} {"best",10} {"GB/s",6} {"best %",7} {"median %",8} {"valid",5}");
            var specs = args.Where(a => !Flags.Contains(a) && !a.StartsWith("side=")).ToArray();
            foreach (var step in steps)
            {
                if (specs.Length > 0 && !specs.Contains(step.Spec)) continue;
                var arrays = step.Inputs.Select((shape, i) => TestData(shape, i)).ToArray();
                var operands = arrays.Select((data, i) => Tensor.Create(data, step.Inputs[i].Select(d => (nint)d).ToArray())).ToArray();
                var output = Tensor.CreateFromShape<float>(step.Output.Select(d => (nint)d).ToArray());
                // A diagonal's probe gathers from the step's own operand (pinned while both run).
                var pin = GCHandle.Alloc(arrays[0], GCHandleType.Pinned);
                using var probe = new BandwidthProbe(step.ReadBytes, step.WrittenBytes, step.Stride,
                    step.Stride > 0 ? (float*)pin.AddrOfPinnedObject() : null);
                foreach (int threads in threadCounts)
                {
                    Func<double> clock = threads == 1 && CpuTime.Available ? CpuTime.Now : WallSeconds;
                    ContractionKernel.MaxDegreeOfParallelism = threads;
                    // A rank-0 result comes back as a new one-element tensor.
                    Action call = step.Output.Length == 0
                        ? () => Einsum.Evaluate(step.Spec, operands)
                        : () => Einsum.EvaluateInto(step.Spec, output, operands);
                    call();
                    var variant = probe.Calibrate(threads, clock);
                    var alone = threads > 1 ? probe.Calibrate(1, clock) : variant;
                    // On several threads each probe sample is the better of the split pass and a pass on the calling thread
                    // alone: a split call whose second thread is not scheduled runs its parts on the caller (the step too),
                    // and a limit that one thread beats is no limit.
                    // Timed as the step is, a batch of passes between two readings of the clock: a reading is a system call,
                    // which on this VM (page-table isolation) empties the TLB, and a scattered read pays for that.
                    Func<int, double> probeSample = threads == 1
                        ? passes => Seconds(() => { for (int p = 0; p < passes; p++) probe.Run(1, variant); }, clock) / passes
                        : passes => Math.Min(Seconds(() => { for (int p = 0; p < passes; p++) probe.Run(threads, variant); }, clock),
                            Seconds(() => { for (int p = 0; p < passes; p++) probe.Run(1, alone); }, clock)) / passes;
                    foreach (bool stream in ab || nt ? new[] { true, false, true, false } : new[] { true })
                    {
                        // ab: the streaming tier on and off; nt: its non-temporal stores on and off.
                        if (ab) KernelOptions.Current.StreamTier = stream;
                        else if (!stream) KernelOptions.Current.StreamNonTemporalBytes = long.MaxValue;
                        else KernelOptions.Current.Reset();
                        var t = Interleaved(call, probeSample, clock);
                        long bytes = probe.Bytes;
                        double best = 100 * t.ProbeBest / t.Best, median = 100 * t.ProbeMedian / t.Median;
                        Console.WriteLine($"{step.Spec,-12} {threads,7} {(stream ? "stream" : ab ? "before" : "no-nt"),-7} {Fmt(t.Median),10} {Fmt(t.Best),10} {bytes / t.Best / 1e9,6:F1} "
                            + $"{$"{probe.Inputs}x{variant}",-10} {Fmt(t.ProbeMedian),10} {Fmt(t.ProbeBest),10} {bytes / t.ProbeBest / 1e9,6:F1} "
                            + $"{best,6:F1}% {median,7:F1}% {(best <= 100 && median <= 100 ? "yes" : "NO"),5}");
                    }
                    KernelOptions.Current.Reset();
                }
                ContractionKernel.MaxDegreeOfParallelism = all;
                pin.Free();
            }
        }

        private static double Seconds(Action run, Func<double> clock)
        {
            double t0 = clock();
            run();
            return clock() - t0;
        }

        internal static double WallSeconds() => Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;

        private static float[] TestData(int[] shape, int seed)
        {
            var rng = new Random(seed);
            var data = new float[Count(shape)];
            for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
            return data;
        }

        /// <summary>
        /// The step timed by <paramref name="clock"/> beside its probe (which times itself: seconds per pass over the given
        /// number of passes), samples alternating (probe, step, probe, …) so that both see the same moments of a shared
        /// machine, each sample the same number of back-to-back passes of both: each one's median and best, in seconds per
        /// call.
        /// </summary>
        internal static (double Median, double Best, double ProbeMedian, double ProbeBest) Interleaved(Action call, Func<int, double> probe, Func<double> clock,
            double budget = 1.5)
        {
            double start = clock();
            int warm = 0;
            while (warm < 3 || (warm < 60 && clock() - start < 0.5) || clock() - start < 0.2) { call(); probe(1); warm++; }
            double per = (clock() - start) / warm;
            int inner = Math.Max(1, (int)(0.002 / per));
            int samples = Math.Clamp((int)(budget / (per * inner)), 10, 400);
            var times = new double[samples];
            var probes = new double[samples];
            for (int s = 0; s < samples; s++)
            {
                probes[s] = probe(inner);
                double t1 = clock();
                for (int i = 0; i < inner; i++) call();
                times[s] = (clock() - t1) / inner;
            }
            Array.Sort(times);
            Array.Sort(probes);
            return (times[samples / 2], times[0], probes[samples / 2], probes[0]);
        }

        private static string Fmt(double seconds) => seconds >= 1e-3 ? $"{seconds * 1e3:F2} ms" : $"{seconds * 1e6:F1} µs";
    }
}
