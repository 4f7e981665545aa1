using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using EinsumGen.Runtime.Kernels;

namespace EinsumGen.KernelBenchmarks
{
    public static class Program
    {
        public static int Main(string[] args)
        {
            if (args.Length > 0 && args[0] == "probe")
            {
                // The probes alone, a few seconds: the FMA limit on one core and on all.
                int cores = Environment.ProcessorCount;
                Console.WriteLine($"FMA probe (float32): {Probes.PeakGflops(1):F1} GFLOP/s on 1 core, {Probes.PeakGflops(cores):F1} GFLOP/s on {cores} cores");
                return 0;
            }
            if (args.Length > 0 && args[0] == "conv")
            {
                ConvBench.Run(args.Skip(1).ToArray());
                return 0;
            }
            if (args.Length > 0 && args[0] == "ratio")
            {
                Ratio(args.Skip(1).ToArray());
                return 0;
            }
            if (args.Length > 1 && args[0] == "gemm" && args[1] == "parts")
            {
                GemmParts.Run(args.Skip(2).ToArray());
                return 0;
            }
            if (args.Length > 0 && args[0] == "gemm")
            {
                Gemm(args.Skip(1).ToArray());
                return 0;
            }
            if (args.Length > 0 && args[0] == "lanecpu")
            {
                LaneCpuBench.Run(args.Skip(1).ToArray());
                return 0;
            }
            if (args.Length > 0 && args[0] == "memory")
            {
                MemoryBench.Run(args.Skip(1).ToArray());
                return 0;
            }
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
            return 0;
        }

        /// <summary>Seconds per call: the median and the best of many timed calls after warming up.</summary>
        internal static (double median, double best) Time(Action run, double budget = 0.6)
        {
            var sw = Stopwatch.StartNew();
            int warm = 0;
            // Enough calls for tiered JIT to finish (30 calls + background recompilation) before timing.
            while (warm < 3 || (warm < 60 && sw.Elapsed.TotalSeconds < 1.0) || sw.Elapsed.TotalSeconds < 0.2) { run(); warm++; }
            double per = sw.Elapsed.TotalSeconds / warm;
            int inner = Math.Max(1, (int)(0.005 / per));         // calls per sample: samples of ~5 ms
            int samples = Math.Clamp((int)(budget / (per * inner)), 5, 200);
            var times = new double[samples];
            for (int s = 0; s < samples; s++)
            {
                long t0 = Stopwatch.GetTimestamp();
                for (int i = 0; i < inner; i++) run();
                times[s] = (Stopwatch.GetTimestamp() - t0) / (double)Stopwatch.Frequency / inner;
            }
            Array.Sort(times);
            return (times[samples / 2], times[0]);
        }

        private static void Ratio(string[] filter)
        {
            Console.WriteLine($"EinsumGen kernel ratios — {Environment.ProcessorCount} cores, Vector512 accelerated: {Vector512.IsHardwareAccelerated}, .NET {Environment.Version}");
            double peak1 = Probes.PeakGflops(1), peak2 = Probes.PeakGflops(Environment.ProcessorCount);
            double bw = Probes.CopyGBps(Environment.ProcessorCount);
            Console.WriteLine($"FMA probe (float32): {peak1:F1} GFLOP/s on 1 core, {peak2:F1} GFLOP/s on {Environment.ProcessorCount} cores");
            Console.WriteLine($"Copy (STREAM-like, read+write): {bw:F1} GB/s");
            Console.WriteLine();
            Console.WriteLine($"{"workload",-34} {"threads",7} {"median",12} {"best",12} {"GFLOP/s",9} {"% peak",7}");

            void Report(string name, int threads, double flops, (double median, double best) t)
            {
                double peak = threads == 1 ? peak1 : peak2;
                double gf = flops / t.median / 1e9;
                Console.WriteLine($"{name,-34} {threads,7} {Fmt(t.median),12} {Fmt(t.best),12} {gf,9:F1} {Probes.Percent(gf, peak),7}");
            }

            int all = Environment.ProcessorCount;
            var workloads = new List<Workload>();
            foreach (int s in new[] { 16, 64, 256, 512, 1024 }) workloads.Add(Workload.MatMul(s));
            workloads.Add(Workload.Mnk());
            workloads.Add(Workload.Transposed(1024));
            workloads.Add(Workload.Batched(4096, 8));
            foreach (bool planned in new[] { false, true })
            {
                workloads.Add(Workload.TtForward(planned));
                workloads.Add(Workload.TtWeightGradient(planned));
            }
            foreach (var w in workloads)
            {
                if (filter.Length > 0 && !filter.Any(f => w.Name.Contains(f, StringComparison.Ordinal))) continue;
                Report(w.Name, all, w.Flops, Time(() => w.Run(KernelPath.Auto, GemmMode.Auto, all)));
                if (w.Flops >= 1e8 || w.Name.StartsWith("tt", StringComparison.Ordinal)) Report(w.Name, 1, w.Flops, Time(() => w.Run(KernelPath.Auto, GemmMode.Auto, 1)));
            }
            if (filter.Contains("shape"))
            {
                foreach (var w in new[] { Workload.Mnk(), Workload.Plain(256, 256, 8192), Workload.Plain(256, 256, 1024), Workload.Plain(1024, 1024, 256), Workload.Plain(240, 256, 2048) })
                    Report(w.Name, 1, w.Flops, Time(() => w.Run(KernelPath.Auto, GemmMode.Auto, 1), 0.4));
            }
            if (filter.Contains("modes"))
            {
                foreach (int sz in new[] { 16, 24, 32, 48, 64, 96, 128 })
                {
                    var w = Workload.MatMul(sz);
                    foreach (GemmMode mode in new[] { GemmMode.Direct, GemmMode.Packed })
                        Report($"{w.Name} {mode}", 1, w.Flops, Time(() => w.Run(KernelPath.Auto, mode, 1), 0.2));
                }
                var bt = Workload.Batched(4096, 8);
                Report($"{bt.Name} Direct", 1, bt.Flops, Time(() => bt.Run(KernelPath.Auto, GemmMode.Direct, 1), 0.2));
                Report($"{bt.Name} Packed", 1, bt.Flops, Time(() => bt.Run(KernelPath.Auto, GemmMode.Packed, 1), 0.2));
            }
            if (filter.Contains("skinny"))
            {
                foreach (var w in new[] { Workload.Plain(256, 16, 4096), Workload.Plain(256, 32, 4096), Workload.Plain(256, 64, 4096), Workload.Plain(256, 128, 4096) })
                    Report(w.Name, 1, w.Flops, Time(() => w.Run(KernelPath.Auto, GemmMode.Packed, 1), 0.4));
            }
            if (filter.Contains("ttmodes"))
            {
                foreach (var w in new[] { Workload.TtForward(true), Workload.TtWeightGradient(true), Workload.Plain(256, 16, 4096) })
                    foreach (GemmMode mode in new[] { GemmMode.Packed, GemmMode.Direct })
                    {
                        Report($"{w.Name} {mode}", 1, w.Flops, Time(() => w.Run(KernelPath.Auto, mode, 1), 0.3));
                        Report($"{w.Name} {mode}", all, w.Flops, Time(() => w.Run(KernelPath.Auto, mode, all), 0.3));
                    }
            }
            if (filter.Contains("quad"))
            {
                // The tensor train's y = x·W on the quad-broadcast loop and on the plain along-N loop, alternating.
                var w = Workload.TtForward(true);
                for (int rep = 0; rep < 3; rep++)
                    foreach (bool on in new[] { true, false })
                    {
                        KernelOptions.Current.QuadLoop = on;
                        Report($"{w.Name} quad={on}", 1, w.Flops, Time(() => w.Run(KernelPath.Auto, GemmMode.Auto, 1), 0.3));
                        Report($"{w.Name} quad={on}", all, w.Flops, Time(() => w.Run(KernelPath.Auto, GemmMode.Auto, all), 0.3));
                    }
                KernelOptions.Current.Reset();
            }
            if (filter.Contains("packprefetch"))
            {
                // Packing with and without its software prefetch a few rows ahead, alternating (operands from memory, then cached).
                foreach (var w in new[] { Workload.Mnk(), Workload.Plain(256, 256, 8192), Workload.Plain(1024, 1024, 256) })
                    for (int rep = 0; rep < 3; rep++)
                        foreach (bool on in new[] { true, false })
                        {
                            KernelOptions.Current.PackingPrefetch = on;
                            Report($"{w.Name} packprefetch={on}", 1, w.Flops, Time(() => w.Run(KernelPath.Auto, GemmMode.Auto, 1), 0.3));
                        }
                KernelOptions.Current.Reset();
            }
            if (filter.Contains("prefetch"))
            {
                foreach (var w in new[] { Workload.Mnk(), Workload.MatMul(1024), Workload.Transposed(1024) })
                    for (int rep = 0; rep < 3; rep++)
                        foreach (bool on in new[] { true, false })
                        {
                            KernelOptions.Current.PackedPrefetch = on;
                            Report($"{w.Name} prefetch={on}", 1, w.Flops, Time(() => w.Run(KernelPath.Auto, GemmMode.Auto, 1), 0.3));
                        }
                KernelOptions.Current.Reset();
            }
            if (filter.Contains("strips"))
            {
                // ∂W = Σ_n x[n,k]·∂y[n,o] with 16 outputs: three-vector strips against 16 × 1-vector blocks, alternating, with
                // x in L2 (512 columns) and from L3 (4096), then the tensor train's own ∂W on one core and two.
                foreach (int kc in new[] { 512, 4096, 512, 4096 })
                    foreach (bool on in new[] { true, false })
                    {
                        KernelOptions.Current.WideStrips = on;
                        var w = Workload.WeightGradient(256, kc);
                        Report(w.Name + " wide=" + on, 1, w.Flops, Time(() => w.Run(KernelPath.Auto, GemmMode.Auto, 1), 0.3));
                    }
                foreach (bool on in new[] { true, false, true, false })
                {
                    KernelOptions.Current.WideStrips = on;
                    var w = Workload.TtWeightGradient(true);
                    Report(w.Name + " wide=" + on, 1, w.Flops, Time(() => w.Run(KernelPath.Auto, GemmMode.Auto, 1), 0.3));
                    Report(w.Name + " wide=" + on, 2, w.Flops, Time(() => w.Run(KernelPath.Auto, GemmMode.Auto, 2), 0.3));
                }
                KernelOptions.Current.Reset();
            }
            if (filter.Length == 0 || filter.Contains("paths"))
            {
                var w = Workload.MatMul(512);
                foreach (KernelPath p in new[] { KernelPath.Vector512, KernelPath.Vector256, KernelPath.Vector128, KernelPath.Scalar })
                    Report($"{w.Name} path {p}", 1, w.Flops, Time(() => w.Run(p, GemmMode.Packed, 1), 0.3));
            }
            if (filter.Length == 0 || filter.Contains("memory"))
            {
                // Each memory-bound step against the probe that streams the same way: a matrix-vector product reads, an
                // outer product writes.
                double bytes = 4.0 * 4096 * 4096;
                double read = Probes.ReadGBps(all, (long)bytes), write = Probes.WriteGBps(all, (long)bytes);
                Console.WriteLine($"Read probe (sum of 64 MiB): {read:F1} GB/s; write probe (fill of 64 MiB): {write:F1} GB/s");
                var mv = Workload.MatVec(4096);
                var t = Time(() => mv.Run(KernelPath.Auto, GemmMode.Auto, all));
                Console.WriteLine($"{mv.Name,-34} {all,7} {Fmt(t.median),12} {Fmt(t.best),12} {bytes / t.median / 1e9,7:F1} GB/s read = {Probes.Percent(bytes / t.median / 1e9, read)} of the read probe");
                var op = Workload.Outer(4096);
                t = Time(() => op.Run(KernelPath.Auto, GemmMode.Auto, all));
                Console.WriteLine($"{op.Name,-34} {all,7} {Fmt(t.median),12} {Fmt(t.best),12} {bytes / t.median / 1e9,7:F1} GB/s written = {Probes.Percent(bytes / t.median / 1e9, write)} of the write probe");
                // 8³ blocks do 2 FLOPs per byte moved: the batched workload is bound by memory, not by the FMA units.
                var bt = Workload.Batched(4096, 8);
                t = Time(() => bt.Run(KernelPath.Auto, GemmMode.Auto, all));
                double moved = 3.0 * bt.A.Length * sizeof(float);
                Console.WriteLine($"{bt.Name,-34} {all,7} {Fmt(t.median),12} {Fmt(t.best),12} {moved / t.median / 1e9,7:F1} GB/s moved (A, B read; C written) = {Probes.Percent(moved / t.median / 1e9, bw)} of the copy probe");
            }
            if (filter.Length == 0 || filter.Contains("lanes"))
            {
                // The lane-block tier against the GEMM kernel on the same steps, alternating, one core.
                foreach (var step in LaneStep.TensorTrain())
                {
                    for (int rep = 0; rep < 2; rep++)
                    {
                        foreach (bool lanes in new[] { false, true })
                        {
                            KernelOptions.Current.LaneBlocks = lanes;
                            Report($"{step.Name} {(lanes ? "lanes" : "GEMM")}", 1, step.Flops, Time(step.Run, 0.3));
                        }
                    }
                }
                KernelOptions.Current.Reset();
            }
            if (filter.Contains("small"))
            {
                // The tensor train's small steps: the step kernel as dispatched, and the GEMM kernel with each tier forced.
                KernelOptions.Current.RecordChoices = true;
                foreach (var step in LaneStep.TensorTrainSmall())
                {
                    step.Run();
                    Report($"{step.Name} auto {ContractionKernel.LastRun}", 1, step.Flops, Time(step.Run, 0.2));
                    foreach (var mode in new[] { GemmMode.Direct, GemmMode.Packed })
                    {
                        step.RunGemm(mode);
                        Report($"{step.Name} {mode} {ContractionKernel.LastRun}", 1, step.Flops, Time(() => step.RunGemm(mode), 0.2));
                    }
                }
                KernelOptions.Current.Reset();
            }
            if (filter.Length == 0 || filter.Contains("naive"))
            {
                var w = Workload.MatMul(256);
                Report("naive loop mn,nk->mk 256", 1, w.Flops, Time(() => Workload.Naive(w.A, w.B, w.C, 256), 0.5));
            }
        }

        /// <summary>
        /// `gemm`: the batched and skinny products models run (attention's two einsums, a convolution's im2col forward and
        /// weight VJP, their plain GEMM shapes) beside a square GEMM, each against the FMA probe on as many cores, their
        /// samples interleaved (<see cref="PairedProbe"/>). `gemm N` repeats the list N times.
        /// </summary>
        private static void Gemm(string[] args)
        {
            int all = Environment.ProcessorCount;
            int repeats = args.Length > 0 && int.TryParse(args[0], out int r) ? r : 1;
            // `gemm N resident` (or `kernel8x3`): each workload with that change on, then off, alternating (same-run A/B).
            string? ab = args.FirstOrDefault(a => a is "resident" or "kernel8x3" or "prefetch" or "batchprefetch" or "inplace" or "shiftededge" or "edgeblock" or "rowsahead" or "nextahead" or "longparts");
            // `gemm one`: on one core, against the one-core probe; `gemm cpu`: on one core, timed by the thread's CPU time.
            bool cpu = args.Contains("cpu") && CpuTime.Available;
            if (args.Contains("one") || cpu) all = 1;
            string[] filter = args.Where(a => !int.TryParse(a, out _) && a != ab && a is not "one" and not "cpu").ToArray();
            Console.WriteLine($"GEMM shapes — {all} cores{(cpu ? " (thread CPU time)" : "")}, Vector512 accelerated: {Vector512.IsHardwareAccelerated}, .NET {Environment.Version}");
            Console.WriteLine("Each line alternates ~2 ms samples of the FMA probe (float32, as many threads, on the kernels' pool) and of the workload.");
            Console.WriteLine("% pairs: the median over workload samples of its GFLOP/s against the mean of the two probe samples around it; p10-p90:");
            Console.WriteLine("their spread; probe: GFLOP/s, median (p10-p90); best/best: best workload sample against best probe sample; kept/pairs:");
            Console.WriteLine("pairs whose samples ran undisturbed (process CPU time ≥ 90% of threads × wall for the probe, of the workload's");
            Console.WriteLine("busiest sample for the workload; `cpu`: all).");
            Console.WriteLine(PairedProbe.Header(46));
            var workloads = new[]
            {
                Workload.MatMul(1024),
                Workload.AttentionScores(8, 12, 128, 128, 64),
                Workload.AttentionValues(8, 12, 128, 128, 64),
                Workload.ConvForward(32, 64, 576, 1024),
                Workload.Plain(64, 32768, 576),
                Workload.ConvWeight(32, 64, 576, 1024),
                Workload.AttentionScores(1, 1, 128, 128, 64),
                Workload.AttentionValues(1, 1, 128, 128, 64),
            };
            // `gemm MxNxK` adds a plain row-major product of that shape (and keeps only those named).
            var shapes = filter.Select(f => f.Split('x')).Where(p => p.Length == 3 && p.All(x => int.TryParse(x, out _))).ToArray();
            if (shapes.Length > 0)
            {
                workloads = shapes.Select(p => Workload.Plain(int.Parse(p[0]), int.Parse(p[1]), int.Parse(p[2]))).ToArray();
                filter = Array.Empty<string>();
            }
            bool[] settings = ab != null ? new[] { true, false } : new[] { true };
            foreach (var w in workloads)
            {
                if (filter.Length > 0 && !filter.Any(f => w.Name.Contains(f, StringComparison.Ordinal))) continue;
                for (int rep = 0; rep < repeats; rep++)
                    foreach (bool on in settings)
                    {
                        if (ab == "resident") KernelOptions.Current.ResidentA = on;
                        if (ab == "kernel8x3") KernelOptions.Current.Kernel8x3 = on;
                        if (ab == "prefetch") KernelOptions.Current.PackedPrefetch = on;
                        if (ab == "batchprefetch") KernelOptions.Current.BatchPrefetch = on;
                        if (ab == "inplace") KernelOptions.Current.InPlace = on;
                        if (ab == "edgeblock") KernelOptions.Current.EdgeBlock = on;
                        if (ab == "rowsahead") KernelOptions.Current.RowsAhead = on;
                        if (ab == "nextahead") KernelOptions.Current.NextEntryAhead = on;
                        if (ab == "shiftededge") KernelOptions.Current.ShiftedEdge = on;
                        if (ab == "longparts") KernelOptions.Current.LongBatchParts = on;
                        int threads = all;
                        var t = PairedProbe.Measure(() => w.Run(KernelPath.Auto, GemmMode.Auto, threads), w.Flops, threads, cpu);
                        string name = ab != null ? $"{w.Name} {ab}={on}" : w.Name;
                        Console.WriteLine(PairedProbe.Line(name, 46, w.Flops, t));
                    }
            }
            KernelOptions.Current.Reset();
        }

        internal static string Fmt(double seconds) =>
            seconds >= 1e-3 ? $"{seconds * 1e3:F3} ms" : seconds >= 1e-6 ? $"{seconds * 1e6:F2} µs" : $"{seconds * 1e9:F1} ns";
    }

    /// <summary>BenchmarkDotNet over the same workloads (float32, default thread count).</summary>
    [MemoryDiagnoser]
    public class KernelBenchmarks
    {
        private Workload _w = null!;
        private Workload _naive = null!;

        [Params("mn,nk->mk 16", "mn,nk->mk 64", "mn,nk->mk 256", "mn,nk->mk 512", "mn,nk->mk 1024", "mnk,mkr->nr", "km,nk->mn 1024", "bij,bjk->bik 4096x8^3", "mn,n->m 4096")]
        public string Workload { get; set; } = "";

        [GlobalSetup]
        public void Setup()
        {
            _w = Workload switch
            {
                "mnk,mkr->nr" => EinsumGen.KernelBenchmarks.Workload.Mnk(),
                "km,nk->mn 1024" => EinsumGen.KernelBenchmarks.Workload.Transposed(1024),
                "bij,bjk->bik 4096x8^3" => EinsumGen.KernelBenchmarks.Workload.Batched(4096, 8),
                "mn,n->m 4096" => EinsumGen.KernelBenchmarks.Workload.MatVec(4096),
                _ => EinsumGen.KernelBenchmarks.Workload.MatMul(int.Parse(Workload.Split(' ')[1])),
            };
            _naive = EinsumGen.KernelBenchmarks.Workload.MatMul(256);
        }

        [Benchmark]
        public void Kernel() => _w.Run();
    }

    /// <summary>The naive-loop baseline at 256.</summary>
    public class NaiveBaseline
    {
        private readonly Workload _w = EinsumGen.KernelBenchmarks.Workload.MatMul(256);

        [Benchmark(Baseline = true)]
        public void NaiveLoop256() => Workload_Naive(_w);

        [Benchmark]
        public void Kernel256() => _w.Run();

        private static void Workload_Naive(Workload w) => EinsumGen.KernelBenchmarks.Workload.Naive(w.A, w.B, w.C, 256);
    }
}
