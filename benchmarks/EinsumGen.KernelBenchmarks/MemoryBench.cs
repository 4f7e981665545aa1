using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Threading;
using EinsumGen.Runtime;
using EinsumGen.Runtime.Kernels;

namespace EinsumGen.KernelBenchmarks
{
    /// <summary>
    /// The memory-bound steps (`memory` command): each einsum through the public API on 4096² float operands (64 MiB), beside
    /// a same-run bandwidth probe over the same bytes — a Vector512 copy of the bytes both read and written, a two-stream sum
    /// of the bytes only read and a fill of the bytes only written, each starting on a cache line — on one thread and on
    /// every core. Prints each step's time,
    /// its GB/s for the bytes it moves (best run) and its fraction of the probe's; with <c>ab</c>, also the same steps with the
    /// streaming tier switched off (the strided loops and the GEMM kernel), alternating. With <c>cpu</c>: one thread only, the
    /// step and the probe both timed by the thread's CPU time (<see cref="CpuTime"/>), their samples alternating, for A/B
    /// runs on a shared machine.
    /// </summary>
    public static class MemoryBench
    {
        /// <summary>A workload: the spec, operand shapes, output shape.</summary>
        /// <summary>
        /// <paramref name="LinesRead"/>: where the step reads scattered elements (a diagonal), the bytes of the cache lines
        /// it must fetch, which is what it moves; otherwise the operands' bytes.
        /// </summary>
        private sealed record Step(string Spec, int[][] Inputs, int[] Output, long LinesRead = 0)
        {
            public long ReadBytes => LinesRead > 0 ? LinesRead : Inputs.Sum(s => Count(s)) * sizeof(float);
            public long WrittenBytes => Count(Output) * sizeof(float);
        }

        private static long Count(int[] shape) => shape.Aggregate(1L, (p, d) => p * d);

        public static void Run(string[] args)
        {
            bool ab = args.Contains("ab");
            bool cpu = args.Contains("cpu") && CpuTime.Available;
            int all = cpu ? 1 : Environment.ProcessorCount;
            Console.WriteLine($"EinsumGen memory-bound steps — {all} cores{(cpu ? " (thread CPU time)" : "")}, Vector512 accelerated: {Vector512.IsHardwareAccelerated}, .NET {Environment.Version}");
            const int s = 4096;
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
                new("ijk->ik", new[] { new[] { 256, 256, 256 } }, new[] { 256, 256 }),
                new("bij->bji", new[] { new[] { 64, 512, 512 } }, new[] { 64, 512, 512 }),
                // A diagonal reads one element per row, each on its own cache line (and, 16 KiB apart, its own page).
                new("ii->i", new[] { new[] { s, s } }, new[] { s }, LinesRead: 64L * s),
                new("ii->", new[] { new[] { s, s } }, Array.Empty<int>(), LinesRead: 64L * s),
                // 16 floats per row: a batch of diagonals reads every line of its operand.
                new("bii->bi", new[] { new[] { 16384, 16, 16 } }, new[] { 16384, 16 }),
                new("bii->b", new[] { new[] { 16384, 16, 16 } }, new[] { 16384 }),
                // Batched 8³ products: 2 FLOPs per byte, bound by memory.
                new("bij,bjk->bik", new[] { new[] { 65536, 8, 8 }, new[] { 65536, 8, 8 } }, new[] { 65536, 8, 8 }),
            };
            Console.WriteLine($"{"step",-12} {"threads",7} {"variant",-9} {"median",10} {"best",10} {"GB/s",7} {"probe GB/s",10} {"of probe",8}");
            foreach (var step in steps)
            {
                if (args.Length > 0 && !args.Contains(step.Spec) && !args.All(a => a is "ab" or "cpu")) continue;
                var operands = step.Inputs.Select((shape, i) => TestTensor(shape, i)).ToArray();
                var output = Tensor.CreateFromShape<float>(step.Output.Select(d => (nint)d).ToArray());
                long bytes = step.ReadBytes + step.WrittenBytes;
                foreach (int threads in new[] { 1, all }.Distinct())
                {
                    double probe = cpu ? 0 : Probe(step, threads);
                    var probeCall = cpu ? ProbeCall(step) : null;
                    ContractionKernel.MaxDegreeOfParallelism = threads;
                    foreach (bool stream in ab ? new[] { true, false, true, false } : new[] { true })
                    {
                        KernelOptions.Current.StreamTier = stream;
                        // A rank-0 result comes back as a new one-element tensor.
                        Action call = step.Output.Length == 0
                            ? () => Einsum.Evaluate(step.Spec, operands)
                            : () => Einsum.EvaluateInto(step.Spec, output, operands);
                        var (median, best) = cpu ? (0.0, 0.0) : Time(call);
                        if (cpu)
                        {
                            // Each variant against probe samples taken between its own.
                            (median, best, double probeSeconds) = Interleaved(call, probeCall!);
                            probe = bytes / probeSeconds / 1e9;
                        }
                        // Best against best: the probe keeps its best run too (the machine may be shared).
                        double gbps = bytes / best / 1e9;
                        Console.WriteLine($"{step.Spec,-12} {threads,7} {(stream ? "stream" : "before"),-9} {Fmt(median),10} {Fmt(best),10} {gbps,7:F1} {probe,10:F1} {100 * gbps / probe,7:F1}%");
                    }
                    KernelOptions.Current.Reset();
                }
                ContractionKernel.MaxDegreeOfParallelism = all;
            }
        }

        private static Tensor<float> TestTensor(int[] shape, int seed)
        {
            var rng = new Random(seed);
            var data = new float[Count(shape)];
            for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
            return Tensor.Create(data, shape.Select(d => (nint)d).ToArray());
        }

        /// <summary>
        /// GB/s of the plain streams over a step's bytes on <paramref name="threads"/> threads: a vectorized copy of the bytes
        /// both read and written, a sum over the rest of the bytes read and a fill of the rest of the bytes written, each
        /// thread a share of each, the best of 40 runs (fewer under-read on a busy machine).
        /// </summary>
        private static double Probe(Step step, int threads)
        {
            var (copied, read, written, rest, source, target) = ProbeRegions(step);
            var sums = new float[threads * 16];
            double best = double.MaxValue;
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
                        var (c0, c1) = Share(copied, id, threads);
                        Probes.CopyStream(source.Span.Slice((int)c0, (int)(c1 - c0)), target.Span.Slice((int)c0, (int)(c1 - c0)));
                        var (r0, r1) = Share(read, id, threads);
                        sums[id * 16] = Probes.SumStreams(source.Span.Slice((int)(rest + r0), (int)(r1 - r0)));
                        var (w0, w1) = Share(written, id, threads);
                        Probes.FillStream(target.Span.Slice((int)(rest + w0), (int)(w1 - w0)), rep);
                        seconds[id] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                    });
                    workers[t].Start();
                }
                foreach (var w in workers) w.Join();
                best = Math.Min(best, seconds.Max());
            }
            return (step.ReadBytes + step.WrittenBytes) / best / 1e9;
        }

        /// <summary>
        /// <see cref="Probe"/>'s streams on the calling thread alone: a call that copies, sums and fills the step's bytes
        /// (arrays allocated once, outside the timing).
        /// </summary>
        private static Action ProbeCall(Step step)
        {
            var (copied, read, written, rest, source, target) = ProbeRegions(step);
            int rep = 0;
            return () =>
            {
                Probes.CopyStream(source.Span.Slice(0, (int)copied), target.Span);
                Probes.Sink += Probes.SumStreams(source.Span.Slice((int)rest, (int)read));
                Probes.FillStream(target.Span.Slice((int)rest, (int)written), rep++);
            };
        }

        /// <summary>
        /// The step and its probe timed by this thread's CPU time, samples alternating (probe, step, probe, …) so that both
        /// see the same moments of a shared machine: the step's median and best, and the probe's best, in seconds per call.
        /// </summary>
        private static (double median, double best, double probe) Interleaved(Action call, Action probe, double budget = 1.5)
        {
            double start = CpuTime.Now();
            int warm = 0;
            while (warm < 3 || (warm < 60 && CpuTime.Now() - start < 0.5) || CpuTime.Now() - start < 0.2) { call(); probe(); warm++; }
            double per = (CpuTime.Now() - start) / warm;
            int inner = Math.Max(1, (int)(0.005 / per));
            int samples = Math.Clamp((int)(budget / (per * inner)), 10, 400);
            var times = new double[samples];
            double probeBest = double.MaxValue;
            for (int s = 0; s < samples; s++)
            {
                double t0 = CpuTime.Now();
                for (int i = 0; i < inner; i++) probe();
                double t1 = CpuTime.Now();
                for (int i = 0; i < inner; i++) call();
                times[s] = (CpuTime.Now() - t1) / inner;
                probeBest = Math.Min(probeBest, (t1 - t0) / inner);
            }
            Array.Sort(times);
            return (times[samples / 2], times[0], probeBest);
        }

        /// <summary>
        /// The probe's streams for a step, in floats: copied (the bytes both read and written), the rest read and the rest
        /// written, where the rest begins (past the copy, rounded up to a line, so each stream starts on a cache line), and
        /// the source and target memory, filled.
        /// </summary>
        private static (long copied, long read, long written, long rest, Memory<float> source, Memory<float> target) ProbeRegions(Step step)
        {
            long copied = Math.Min(step.ReadBytes, step.WrittenBytes) / sizeof(float);
            long read = step.ReadBytes / sizeof(float) - copied, written = step.WrittenBytes / sizeof(float) - copied;
            long rest = (copied + 15) / 16 * 16;
            var source = AlignedMemory(rest + read);
            var target = AlignedMemory(rest + written);
            source.Span.Fill(1);
            target.Span.Fill(0);
            return (copied, read, written, rest, source, target);
        }

        /// <summary>
        /// A pinned array's span that starts on a cache line: the kernels align their streams to lines, and a vector load
        /// across two lines reads ~25% slower here, so an unaligned probe would under-measure.
        /// </summary>
        private static Memory<float> AlignedMemory(long length)
        {
            var array = GC.AllocateArray<float>((int)length + 16, pinned: true);
            unsafe
            {
                fixed (float* p = array)
                {
                    int skip = (int)(((64 - ((long)p & 63)) & 63) / sizeof(float));
                    return array.AsMemory(skip, (int)length);
                }
            }
        }

        private static (long, long) Share(long length, int part, int parts) => (length * part / parts, length * (part + 1) / parts);

        /// <summary>Seconds per call: the median and the best of timed calls after warming up.</summary>
        private static (double median, double best) Time(Action run)
        {
            var sw = Stopwatch.StartNew();
            int warm = 0;
            while (warm < 3 || (warm < 40 && sw.Elapsed.TotalSeconds < 0.6)) { run(); warm++; }
            double per = sw.Elapsed.TotalSeconds / warm;
            int samples = Math.Clamp((int)(0.6 / per), 5, 100);
            var times = new double[samples];
            for (int i = 0; i < samples; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                run();
                times[i] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            }
            Array.Sort(times);
            return (times[samples / 2], times[0]);
        }

        private static string Fmt(double seconds) => seconds >= 1e-3 ? $"{seconds * 1e3:F2} ms" : $"{seconds * 1e6:F1} µs";
    }
}
