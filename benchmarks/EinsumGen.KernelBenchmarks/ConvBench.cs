using System;
using System.Linq;
using System.Numerics.Tensors;
using System.Threading.Tasks;
using EinsumGen.Convolutions;

namespace EinsumGen.KernelBenchmarks
{
    /// <summary>
    /// `conv`: convolutions as einsum against im2col + GEMM on the same kernels, float32, in one run beside the FMA probe.
    /// Forward and weight VJP of a 3×3, 64→64, 32×32, batch-32 layer; KFAC-reduce (network and pre-averaged patterns)
    /// against the unfold-based formula on that layer and ResNet-18 / ConvNeXt layer shapes. `conv quick` uses batch 4, `conv kfac` runs only KFAC-reduce
    /// (`cpu`: timed by the process's CPU time, all threads, for a loaded machine, one core's work with DOTNET_PROCESSOR_COUNT=1;
    /// `unbinned`: also the pre-averaged path with Π̄ matrices where the windows do not overlap, the binned mean's A/B);
    /// `conv implicit` runs only the forward, weight VJP and input VJP (the implicit GEMM beside the einsum network and
    /// im2col + GEMM); `conv cpu` does the same on one core, timed by the thread's CPU time against the one-core probe.
    /// `conv overhead` measures the per-call overhead on small layers (<see cref="ConvOverheadBench"/>).
    /// </summary>
    internal static class ConvBench
    {
        private sealed record Layer(string Name, int Batch, int In, int Out, int Size, int Kernel, int Stride, int Padding, int Groups);

        public static void Run(string[] args)
        {
            if (args.Contains("overhead"))
            {
                ConvOverheadBench.Run();
                return;
            }
            if (args.Contains("direct"))
            {
                ConvDirectBench.Run(args);
                return;
            }
            bool quick = args.Contains("quick");
            int all = Environment.ProcessorCount;
            s_cpu = args.Contains("cpu");
            s_faults = args.Contains("faults");
            // `conv cpu` (without kfac): one core, timed by the calling thread's CPU time against the one-core probe timed so.
            s_oneCore = s_cpu && !args.Contains("kfac");
            if (s_oneCore) EinsumGen.Runtime.Kernels.ContractionKernel.MaxDegreeOfParallelism = 1;
            double peak = s_oneCore ? Probes.PeakGflopsCpuTime() : Probes.PeakGflops(all);
            Console.WriteLine(s_oneCore
                ? $"Convolutions as einsum — 1 core by thread CPU time, .NET {Environment.Version}; FMA probe (float32): {peak:F1} GFLOP/s on 1 core"
                : $"Convolutions as einsum — {all} cores, .NET {Environment.Version}; FMA probe (float32): {peak:F1} GFLOP/s on {all} cores");
            Console.WriteLine($"{"layer / operation",-52} {"median",10} {"best",10} {"GFLOP/s",8} {"% peak",7} {"vs im2col",9}");
            int n = quick ? 4 : 32;
            var main = new Layer("3x3 64->64 32x32", n, 64, 64, 32, 3, 1, 1, 1);
            if (!args.Contains("kfac"))
            {
                ForwardAndWeight(main, peak);
                if (s_oneCore || args.Contains("implicit")) return;
            }
            var layers = new[]
            {
                main,
                new Layer("ResNet-18 3x3 64@56", n, 64, 64, 56, 3, 1, 1, 1),
                new Layer("ResNet-18 3x3/2 128->256 @28", n, 128, 256, 28, 3, 2, 1, 1),
                new Layer("ResNet-18 1x1/2 shortcut 128->256 @28", n, 128, 256, 28, 1, 2, 0, 1),
                new Layer("ConvNeXt stem 4/4 3->128 @224", n, 3, 128, 224, 4, 4, 0, 1),
                new Layer("ConvNeXt downsample 2/2 256->512 @28", n, 256, 512, 28, 2, 2, 0, 1),
                // Last: its unfold-based baseline allocates 1.2 GB of columns, after which every 4 MB allocation of the next
                // layer cost ~24 ms of CPU in the GC (measured: the downsample's factor allocation, 0.3 ms when run first).
                new Layer("ConvNeXt depthwise 7/1/3 G=256 @28", n, 256, 256, 28, 7, 1, 3, 256),
            };
            if (s_cpu) Console.WriteLine("KFAC-reduce timed by the process's CPU time (all threads), not wall time");
            s_unbinned = args.Contains("unbinned");
            // `layer=<text>`: only the layers whose name holds the text (e.g. `layer=downsample`).
            string? only = args.FirstOrDefault(a => a.StartsWith("layer=", StringComparison.Ordinal))?.Substring("layer=".Length);
            foreach (var layer in layers.Where(l => only is null || l.Name.Contains(only, StringComparison.OrdinalIgnoreCase))) KfacReduce(layer);
        }

        private static bool s_cpu, s_unbinned, s_oneCore, s_faults;

        private static (double median, double best) Time(Action run, double budget)
        {
            // The previous row's garbage (the einsum network's buffers) collected first, so that this row's fresh results
            // do not inherit its collections and returned memory (it swung the next row's median 2x).
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return s_oneCore ? CpuTime.Time(run, budget) : s_cpu ? CpuTime.Time(run, budget, process: true) : Program.Time(run, budget);
        }

        /// <summary>The clock <see cref="Time"/> uses, in seconds.</summary>
        private static double Clock() => s_oneCore ? CpuTime.Now() : s_cpu ? CpuTime.ProcessNow()
            : System.Diagnostics.Stopwatch.GetTimestamp() / (double)System.Diagnostics.Stopwatch.Frequency;

        private static ConvSpec Spec(Layer l) => ConvSpec.Uniform(2, l.Kernel, l.Stride, l.Padding, groups: l.Groups);

        private static int OutSize(Layer l) => (l.Size + 2 * l.Padding - l.Kernel) / l.Stride + 1;

        private static void ForwardAndWeight(Layer l, double peak)
        {
            var spec = Spec(l);
            int o = OutSize(l), k = l.In / l.Groups * l.Kernel * l.Kernel;
            var x = Random(new[] { l.Batch, l.In, l.Size, l.Size }, 1);
            var w = Random(new[] { l.Out, l.In / l.Groups, l.Kernel, l.Kernel }, 2);
            var v = Random(new[] { l.Batch, l.Out, o, o }, 3);
            double flops = 2.0 * l.Batch * l.Out * k * o * o;
            var w2 = Tensor.Reshape(w, new nint[] { l.Out, k });
            var columns = Tensor.CreateFromShape<float>(new nint[] { l.Batch, k, o * o });
            var y = Tensor.CreateFromShape<float>(new nint[] { l.Batch, l.Out, o * o });
            var gw = Tensor.CreateFromShape<float>(new nint[] { l.Out, k });
            var gx = Tensor.CreateFromShape<float>(new nint[] { l.Batch, l.In, l.Size, l.Size });
            var v3 = Tensor.Reshape(v, new nint[] { l.Batch, l.Out, o * o });
            var size = new[] { l.Size, l.Size };

            // Each operation: im2col + GEMM (the baseline), the einsum network (the implicit GEMM off), Conv (implicit GEMM).
            var baseline = Time(() =>
            {
                Im2col(x, columns, l);
                Einsum.EvaluateInto("ok,nkl->nol", y, w2, columns);
            }, 0.6);
            var network = Network(() => Conv.Forward(x, w, spec));
            var implicitGemm = Time(() => Conv.Forward(x, w, spec), 0.6);
            Report($"{l.Name} forward: im2col + GEMM", flops, baseline, peak, baseline);
            Report($"{l.Name} forward: einsum network", flops, network, peak, baseline);
            Report($"{l.Name} forward: Conv.Forward (implicit GEMM)", flops, implicitGemm, peak, baseline);
            // The same-run A/B of the result's memory: a plain fresh array, whose first touch faults page by page.
            ResultMemory.HugePages = false;
            var plainResult = Time(() => Conv.Forward(x, w, spec), 0.6);
            ResultMemory.HugePages = true;
            Report($"{l.Name} forward: Conv.Forward, result not advised", flops, plainResult, peak, baseline);
            // The same kernel into a kept output: the call above also allocates its 4·N·C_out·ΠO-byte result.
            var y4 = Tensor.CreateFromShape<float>(new nint[] { l.Batch, l.Out, o, o });
            var geometries = spec.Geometries(new[] { l.Size, l.Size });
            var kept = Time(() => ImplicitGemmConv.ForwardInto(x, w, geometries, l.Groups, y4), 0.6);
            Report($"{l.Name} forward: implicit GEMM, result kept", flops, kept, peak, baseline);
            // The same-run A/B of the column reads: gathered into packed panels (the form before the shifted one).
            var gathered = Time(() => ImplicitGemmConv.ForwardInto(x, w, geometries, l.Groups, y4, ImplicitGemmForm.Gathered), 0.6);
            Report($"{l.Name} forward: gathered columns, result kept", flops, gathered, peak, baseline);
            // The mean per call, in rotating blocks of 20 calls: the result aligned to 2 MiB and advised to huge pages (the
            // default), advised in place (its unaligned ends on small pages: the form before), and a plain array. A fresh
            // result's page faults fall on a third of the calls or fewer, which the median hides ("median" and "best" show the mean).
            var means = new double[3];
            for (int block = 0; block < 9; block++)
            {
                int mode = block % 3;
                ResultMemory.HugePages = mode < 2;
                ResultMemory.Aligned = mode == 0;
                double t0 = Clock();
                for (int i = 0; i < 20; i++) Conv.Forward(x, w, spec);
                means[mode] += (Clock() - t0) / 20 / 3;
            }
            ResultMemory.HugePages = true;
            ResultMemory.Aligned = true;
            Report($"{l.Name} forward: Conv.Forward, mean of 60 calls", flops, (means[0], means[0]), peak, baseline);
            Report($"{l.Name} forward: the same, advised in place", flops, (means[1], means[1]), peak, baseline);
            Report($"{l.Name} forward: the same, result not advised", flops, (means[2], means[2]), peak, baseline);
            if (s_faults)
            {
                var (faults, gen2) = PageFaults.PerCall(() => Conv.Forward(x, w, spec));
                Console.WriteLine($"{l.Name + " forward: minor faults / gen-2 GCs per call",-52} {faults,8:F0} / {gen2:F2}");
                Console.WriteLine($"{l.Name + " forward: wall time by faults",-52} {PageFaults.Split(() => Conv.Forward(x, w, spec))}");
                var trace = new System.Text.StringBuilder();
                for (int i = 0; i < 24; i++)
                {
                    long f0 = PageFaults.Minor();
                    int g0 = GC.CollectionCount(0), g2 = GC.CollectionCount(2);
                    double t0 = CpuTime.Now();
                    Conv.Forward(x, w, spec);
                    double ms = (CpuTime.Now() - t0) * 1e3;
                    trace.Append($" {ms:F1}ms/{PageFaults.Minor() - f0}f/{GC.CollectionCount(0) - g0}g0/{GC.CollectionCount(2) - g2}g2");
                }
                Console.WriteLine($"{l.Name + " forward: per call (thread CPU, faults, GCs)",-52}{trace}");
            }

            baseline = Time(() =>
            {
                Im2col(x, columns, l);
                Einsum.EvaluateInto("nol,nkl->ok", gw, v3, columns);
            }, 0.6);
            network = Network(() => Conv.WeightVjp(x, v, spec));
            implicitGemm = Time(() => Conv.WeightVjp(x, v, spec), 0.6);
            Report($"{l.Name} weight VJP: im2col + GEMM", flops, baseline, peak, baseline);
            Report($"{l.Name} weight VJP: einsum network", flops, network, peak, baseline);
            Report($"{l.Name} weight VJP: Conv (implicit GEMM)", flops, implicitGemm, peak, baseline);
            // The same-run A/B: the gathered dot-product form (before the shifted outer-product one).
            var gatheredVjp = Time(() => ImplicitGemmConv.WeightVjp(x, v, geometries, l.Groups, spec.KernelSize, ImplicitGemmForm.Gathered), 0.6);
            Report($"{l.Name} weight VJP: gathered dot-product form", flops, gatheredVjp, peak, baseline);

            baseline = Time(() =>
            {
                Einsum.EvaluateInto("ok,nol->nkl", columns, w2, v3);
                Col2im(columns, gx, l);
            }, 0.6);
            network = Network(() => Conv.InputVjp(v, w, spec, size));
            implicitGemm = Time(() => Conv.InputVjp(v, w, spec, size), 0.6);
            Report($"{l.Name} input VJP: GEMM + col2im", flops, baseline, peak, baseline);
            Report($"{l.Name} input VJP: einsum network", flops, network, peak, baseline);
            Report($"{l.Name} input VJP: Conv (implicit GEMM)", flops, implicitGemm, peak, baseline);
        }

        /// <summary>The operation with the implicit GEMM switched off: the einsum network as before it.</summary>
        private static (double median, double best) Network(Action run)
        {
            ImplicitGemmConv.Enabled = false;
            try { return Time(run, 0.6); }
            finally { ImplicitGemmConv.Enabled = true; }
        }

        private static void KfacReduce(Layer l)
        {
            // The previous layer's buffers (the depthwise layer's columns are 1.2 GB) are garbage now: collect them, so that
            // this layer's allocations do not run under the GC's high-memory-load mode (it made the next layer's calls ~8x slower).
            System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            var spec = Spec(l);
            int o = OutSize(l), k = l.In / l.Groups * l.Kernel * l.Kernel;
            var x = Random(new[] { l.Batch, l.In, l.Size, l.Size }, 1);
            var columns = Tensor.CreateFromShape<float>(new nint[] { l.Batch, l.In * l.Kernel * l.Kernel, o * o });
            // The baseline keeps its mean and factor, as Conv.KfacReduce's buffer overload keeps the factor: a fresh 4 MB factor per
            // call is memory the GC hands back between calls, whose first touch faults again (~40% of calls, 3× their time).
            var mean = Tensor.CreateFromShape<float>(new nint[] { l.Batch, l.Groups, k });
            var kept = Tensor.CreateFromShape<float>(new nint[] { l.Groups, k, k });
            void UnfoldBased()
            {
                Im2col(x, columns, l);
                Einsum.EvaluateInto("ngkl,s->ngk", mean, Tensor.Reshape(columns, new nint[] { l.Batch, l.Groups, k, o * o }),
                    Tensor.Create(new[] { 1f / (o * o) }, new nint[] { 1 }));
                Einsum.EvaluateInto("nga,ngb,s->gab", kept, mean, mean, Tensor.Create(new[] { 1f / l.Batch }, new nint[] { 1 }));
            }
            var baseline = Time(UnfoldBased, 0.4);
            // The network itself (Conv.KfacReduce runs the pre-averaged contraction when simplified).
            var network = Time(() => Conv.KfacReduceNetwork(x, spec), 0.4);
            var averaged = Time(() => Conv.KfacReduce(x, spec), 0.4);
            var keptTime = Time(() => Conv.KfacReduce(x, spec, kept), 0.4);
            // The same path with the matrices Π̄ where the windows do not overlap (the binned mean off): a same-run A/B.
            (double median, double best) matrices = default, product = default, meanOnly = default;
            if (s_unbinned)
            {
                ConvAveragedPlan.BinnedMeans = false;
                matrices = Time(() => Conv.KfacReduce(x, spec), 0.4);
                ConvAveragedPlan.BinnedMeans = true;
                // Its parts: the factor's product alone (the rest of the call is the mean).
                var m = Random(new[] { l.Batch, l.Groups, k }, 4);
                var scale = Tensor.Create(new[] { 1f / l.Batch }, new nint[] { 1 });
                product = Time(() => Einsum.Evaluate("nga,ngb,s->gab", m, m, scale), 0.4);
                if (ConvWindowMean.TryCreate(spec.Geometries(new[] { l.Size, l.Size })) is { } windows)
                {
                    var into = Tensor.CreateFromShape<float>(new nint[] { l.Batch, l.Groups, k });
                    meanOnly = Time(() => windows.Run(x, into), 0.4);
                    var read = Time(() => System.Numerics.Tensors.TensorPrimitives.Sum(
                        System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref Einsum.First(x), (int)x.FlattenedLength)), 0.4);
                    Console.WriteLine($"{l.Name + " KFAC-reduce: probe: one pass over x (sum)",-52} {Program.Fmt(read.median),10} {Program.Fmt(read.best),10}");
                }
            }
            Console.WriteLine($"{l.Name + " KFAC-reduce: unfold-based (kept mean, factor)",-52} {Program.Fmt(baseline.median),10} {Program.Fmt(baseline.best),10}");
            Console.WriteLine($"{l.Name + " KFAC-reduce: einsum network",-52} {Program.Fmt(network.median),10} {Program.Fmt(network.best),10} {"",8} {"",7} {baseline.median / network.median,8:F2}x");
            if (s_unbinned)
            {
                Console.WriteLine($"{l.Name + " KFAC-reduce: pre-averaged, Π̄ matrices",-52} {Program.Fmt(matrices.median),10} {Program.Fmt(matrices.best),10} {"",8} {"",7} {baseline.median / matrices.median,8:F2}x");
                Console.WriteLine($"{l.Name + " KFAC-reduce: its factor product only",-52} {Program.Fmt(product.median),10} {Program.Fmt(product.best),10}");
                Console.WriteLine($"{l.Name + " KFAC-reduce: window-sum mean only",-52} {Program.Fmt(meanOnly.median),10} {Program.Fmt(meanOnly.best),10}");
            }
            Console.WriteLine($"{l.Name + " KFAC-reduce: Conv.KfacReduce (pre-averaged Π̄)",-52} {Program.Fmt(averaged.median),10} {Program.Fmt(averaged.best),10} {"",8} {"",7} {baseline.median / averaged.median,8:F2}x");
            Console.WriteLine($"{l.Name + " KFAC-reduce: Conv.KfacReduce into a kept factor",-52} {Program.Fmt(keptTime.median),10} {Program.Fmt(keptTime.best),10} {"",8} {"",7} {baseline.median / keptTime.median,8:F2}x");
            if (s_faults)
            {
                var (baseFaults, baseGen2) = PageFaults.PerCall(UnfoldBased);
                var (faults, gen2) = PageFaults.PerCall(() => Conv.KfacReduce(x, spec));
                Console.WriteLine($"{l.Name + " KFAC-reduce: minor faults / gen-2 GCs per call",-52} unfold-based {baseFaults,8:F0} / {baseGen2:F2}, Conv.KfacReduce {faults,8:F0} / {gen2:F2}");
                Console.WriteLine($"{l.Name + " KFAC-reduce: wall time by faults",-52} unfold-based: {PageFaults.Split(UnfoldBased)}");
                Console.WriteLine($"{l.Name + " KFAC-reduce: wall time by faults",-52} Conv.KfacReduce: {PageFaults.Split(() => Conv.KfacReduce(x, spec))}");
                var (intoFaults, intoGen2) = PageFaults.PerCall(() => Conv.KfacReduce(x, spec, kept));
                Console.WriteLine($"{l.Name + " KFAC-reduce: minor faults / gen-2 GCs per call",-52} Conv.KfacReduce into a kept factor {intoFaults,8:F0} / {intoGen2:F2}");
                Console.WriteLine($"{l.Name + " KFAC-reduce: wall time by faults",-52} into a kept factor: {PageFaults.Split(() => Conv.KfacReduce(x, spec, kept))}");
            }
        }

        private static void Report(string name, double flops, (double median, double best) t, double peak, (double median, double best) baseline)
        {
            double gf = flops / t.median / 1e9;
            Console.WriteLine($"{name,-52} {Program.Fmt(t.median),10} {Program.Fmt(t.best),10} {gf,8:F1} {100 * gf / peak,6:F1}% {baseline.median / t.median,8:F2}x");
        }

        /// <summary>A plain im2col (torch's unfold layout [N, C·K·K, O·O]), written out here as the baseline's own gather.</summary>
        private static unsafe void Im2col(Tensor<float> x, Tensor<float> columns, Layer l)
        {
            int o = OutSize(l), size = l.Size, kk = l.Kernel;
            fixed (float* xp = &x.GetPinnableReference())
            fixed (float* cp = &columns.GetPinnableReference())
            {
                nint xa = (nint)xp, ca = (nint)cp;
                For(l.Batch * l.In, bc =>
                {
                    float* src = (float*)xa + (long)bc * size * size;
                    float* dst = (float*)ca + (long)bc * kk * kk * o * o;
                    for (int k1 = 0; k1 < kk; k1++)
                    for (int k2 = 0; k2 < kk; k2++)
                    for (int o1 = 0; o1 < o; o1++)
                    {
                        int i1 = o1 * l.Stride + k1 - l.Padding;
                        for (int o2 = 0; o2 < o; o2++, dst++)
                        {
                            int i2 = o2 * l.Stride + k2 - l.Padding;
                            *dst = i1 >= 0 && i1 < size && i2 >= 0 && i2 < size ? src[i1 * size + i2] : 0f;
                        }
                    }
                });
            }
        }

        /// <summary>col2im, the adjoint of <see cref="Im2col"/>: scatter-adds the columns into a cleared x-shaped tensor.</summary>
        private static unsafe void Col2im(Tensor<float> columns, Tensor<float> x, Layer l)
        {
            int o = OutSize(l), size = l.Size, kk = l.Kernel;
            fixed (float* xp = &x.GetPinnableReference())
            fixed (float* cp = &columns.GetPinnableReference())
            {
                nint xa = (nint)xp, ca = (nint)cp;
                For(l.Batch * l.In, bc =>
                {
                    float* dst = (float*)xa + (long)bc * size * size;
                    float* src = (float*)ca + (long)bc * kk * kk * o * o;
                    new Span<float>(dst, size * size).Clear();
                    for (int k1 = 0; k1 < kk; k1++)
                    for (int k2 = 0; k2 < kk; k2++)
                    for (int o1 = 0; o1 < o; o1++)
                    {
                        int i1 = o1 * l.Stride + k1 - l.Padding;
                        for (int o2 = 0; o2 < o; o2++, src++)
                        {
                            int i2 = o2 * l.Stride + k2 - l.Padding;
                            if (i1 >= 0 && i1 < size && i2 >= 0 && i2 < size) dst[i1 * size + i2] += *src;
                        }
                    }
                });
            }
        }

        /// <summary>Parallel.For, or a plain loop when timing one core.</summary>
        private static void For(int count, Action<int> body)
        {
            if (s_oneCore) { for (int i = 0; i < count; i++) body(i); }
            else Parallel.For(0, count, body);
        }

        private static Tensor<float> Random(int[] shape, int seed)
        {
            var rng = new Random(seed);
            var data = new float[shape.Aggregate(1L, (a, b) => a * b)];
            for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
            return Tensor.Create(data, shape.Select(d => (nint)d).ToArray());
        }
    }
}
