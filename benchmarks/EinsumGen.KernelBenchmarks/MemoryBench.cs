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
    /// a same-run bandwidth probe over the same bytes — a plain vectorized copy of the bytes both read and written, a sum of
    /// the bytes only read and a fill of the bytes only written — on one thread and on every core. Prints each step's time,
    /// its GB/s for the bytes it moves (best run) and its fraction of the probe's; with <c>ab</c>, also the same steps with the
    /// streaming tier switched off (the strided loops and the GEMM kernel), alternating.
    /// </summary>
    public static class MemoryBench
    {
        /// <summary>A workload: the spec, operand shapes, output shape.</summary>
        private sealed record Step(string Spec, int[][] Inputs, int[] Output)
        {
            public long ReadBytes => Inputs.Sum(s => Count(s)) * sizeof(float);
            public long WrittenBytes => Count(Output) * sizeof(float);
        }

        private static long Count(int[] shape) => shape.Aggregate(1L, (p, d) => p * d);

        public static void Run(string[] args)
        {
            bool ab = args.Contains("ab");
            int all = Environment.ProcessorCount;
            Console.WriteLine($"EinsumGen memory-bound steps — {all} cores, Vector512 accelerated: {Vector512.IsHardwareAccelerated}, .NET {Environment.Version}");
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
            };
            Console.WriteLine($"{"step",-12} {"threads",7} {"variant",-9} {"median",10} {"best",10} {"GB/s",7} {"probe GB/s",10} {"of probe",8}");
            foreach (var step in steps)
            {
                if (args.Length > 0 && !args.Contains(step.Spec) && !args.All(a => a == "ab")) continue;
                var operands = step.Inputs.Select((shape, i) => TestTensor(shape, i)).ToArray();
                var output = Tensor.CreateFromShape<float>(step.Output.Select(d => (nint)d).ToArray());
                long bytes = step.ReadBytes + step.WrittenBytes;
                foreach (int threads in new[] { 1, all }.Distinct())
                {
                    double probe = Probe(step, threads);
                    ContractionKernel.MaxDegreeOfParallelism = threads;
                    foreach (bool stream in ab ? new[] { true, false, true, false } : new[] { true })
                    {
                        KernelOptions.Current.StreamTier = stream;
                        // A rank-0 result comes back as a new one-element tensor.
                        var (median, best) = step.Output.Length == 0
                            ? Time(() => Einsum.Evaluate(step.Spec, operands))
                            : Time(() => Einsum.EvaluateInto(step.Spec, output, operands));
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
        /// thread a share of each, the best of several runs.
        /// </summary>
        private static double Probe(Step step, int threads)
        {
            long copied = Math.Min(step.ReadBytes, step.WrittenBytes) / sizeof(float);
            long read = step.ReadBytes / sizeof(float) - copied, written = step.WrittenBytes / sizeof(float) - copied;
            var source = new float[copied + read];
            var target = new float[copied + written];
            source.AsSpan().Fill(1);
            target.AsSpan().Fill(0);
            var sums = new float[threads * 16];
            double best = double.MaxValue;
            for (int rep = 0; rep < 12; rep++)
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
                        source.AsSpan((int)c0, (int)(c1 - c0)).CopyTo(target.AsSpan((int)c0, (int)(c1 - c0)));
                        var (r0, r1) = Share(read, id, threads);
                        sums[id * 16] = Probes.SumStream(source.AsSpan((int)(copied + r0), (int)(r1 - r0)));
                        var (w0, w1) = Share(written, id, threads);
                        target.AsSpan((int)(copied + w0), (int)(w1 - w0)).Fill(rep);
                        seconds[id] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                    });
                    workers[t].Start();
                }
                foreach (var w in workers) w.Join();
                best = Math.Min(best, seconds.Max());
            }
            return (step.ReadBytes + step.WrittenBytes) / best / 1e9;
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
