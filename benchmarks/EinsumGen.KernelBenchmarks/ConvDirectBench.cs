using System;
using System.Linq;
using System.Numerics.Tensors;
using EinsumGen.Convolutions;

namespace EinsumGen.KernelBenchmarks
{
    /// <summary>
    /// `conv direct [cpu] [quick] [layer=text]`: the layers that the implicit GEMM did not take before — depthwise and thin
    /// layers (now <c>ThinConv</c>; their strided input VJPs <c>ThinStridedInputVjp</c>) and strided input VJPs (by stride
    /// phase) — forward, weight VJP and input VJP, each
    /// through <c>Conv</c> against the einsum network path it replaced (the same call with the kernels switched off in the
    /// same process: the code path of the previous commit), and into kept buffers (<c>ForwardInto</c>,
    /// <c>ForwardBackward</c> with buffers, Accumulate). GFLOP/s counts the multiply-adds of the convolution itself (2 per
    /// tap, input channel per group and output element), % against the same-run FMA probe; "vs network" is the
    /// network's median over this row's. `cpu`: one core (MaxDegreeOfParallelism 1), timed by the thread's CPU time
    /// (run with DOTNET_PROCESSOR_COUNT=1 on a loaded machine). `faults`: page faults and gen-2 collections per allocating call.
    /// </summary>
    internal static class ConvDirectBench
    {
        private sealed record Layer(string Name, int Batch, int In, int Out, int Size, int Kernel, int Stride, int Padding, int Groups);

        public static void Run(string[] args)
        {
            bool oneCore = args.Contains("cpu");
            s_faults = args.Contains("faults");
            s_oneCore = oneCore;
            if (oneCore) EinsumGen.Runtime.Kernels.ContractionKernel.MaxDegreeOfParallelism = 1;
            int all = Environment.ProcessorCount;
            double peak = oneCore ? Probes.PeakGflopsCpuTime() : Probes.PeakGflops(all);
            Console.WriteLine(oneCore
                ? $"Thin layers and strided input VJPs — 1 core by thread CPU time, .NET {Environment.Version}; FMA probe (float32): {peak:F1} GFLOP/s"
                : $"Thin layers and strided input VJPs — {all} cores, wall time, .NET {Environment.Version}; FMA probe (float32): {peak:F1} GFLOP/s");
            Console.WriteLine($"{"layer / operation",-60} {"median",10} {"best",10} {"GFLOP/s",8} {"% peak",7} {"vs network",10}");
            int n = args.Contains("quick") ? 2 : 8;
            var layers = new[]
            {
                new Layer("ConvNeXt depthwise 7/1/3 C=128 @56", n, 128, 128, 56, 7, 1, 3, 128),
                new Layer("ConvNeXt depthwise 7/1/3 C=512 @14", n, 512, 512, 14, 7, 1, 3, 512),
                new Layer("MobileNetV2 depthwise 3/2/1 C=144 @56", n, 144, 144, 56, 3, 2, 1, 144),
                new Layer("thin 3x3/1/1 64->3 @32", n, 64, 3, 32, 3, 1, 1, 1),
                new Layer("ResNet-18 3x3/2/1 64->128 @56 (strided input VJP)", n, 64, 128, 56, 3, 2, 1, 1),
                new Layer("ResNet stem 7x7/2/3 3->64 @224", n, 3, 64, 224, 7, 2, 3, 1),
            };
            string? only = args.FirstOrDefault(a => a.StartsWith("layer=", StringComparison.Ordinal))?.Substring("layer=".Length);
            foreach (var l in layers.Where(l => only is null || l.Name.Contains(only, StringComparison.OrdinalIgnoreCase))) Measure(l, peak);
        }

        private static bool s_oneCore, s_faults;

        /// <summary>`faults`: minor page faults and gen-2 collections per call of an allocating row, its result advised and not.</summary>
        private static void Faults(string name, Action run)
        {
            if (!s_faults) return;
            var (faults, gen2) = PageFaults.PerCall(run);
            ResultMemory.HugePages = false;
            var (plainFaults, plainGen2) = PageFaults.PerCall(run);
            ResultMemory.HugePages = true;
            Console.WriteLine($"{name + ": faults / gen-2 GCs per call",-60} advised {faults,7:F0} / {gen2:F2}, not {plainFaults,7:F0} / {plainGen2:F2}");
        }

        private static (double median, double best) Time(Action run, double budget = 0.6) =>
            s_oneCore ? CpuTime.Time(run, budget) : Program.Time(run, budget);

        private static (double median, double best) Network(Action run)
        {
            ImplicitGemmConv.Enabled = false;
            try { return Time(run); }
            finally { ImplicitGemmConv.Enabled = true; }
        }

        /// <summary>The call with its fresh result a plain array (not placed on huge pages: <c>ResultMemory</c>'s A/B; the same below 2 MiB).</summary>
        private static (double median, double best) Plain(Action run)
        {
            ResultMemory.HugePages = false;
            try { return Time(run); }
            finally { ResultMemory.HugePages = true; }
        }

        private static void Measure(Layer l, double peak)
        {
            var spec = ConvSpec.Uniform(2, l.Kernel, l.Stride, l.Padding, groups: l.Groups);
            int o = (l.Size + 2 * l.Padding - l.Kernel) / l.Stride + 1;
            var x = Random(new[] { l.Batch, l.In, l.Size, l.Size }, 1);
            var w = Random(new[] { l.Out, l.In / l.Groups, l.Kernel, l.Kernel }, 2);
            var dy = Random(new[] { l.Batch, l.Out, o, o }, 3);
            var y = Tensor.CreateFromShape<float>(new nint[] { l.Batch, l.Out, o, o });
            var gx = Tensor.CreateFromShape<float>(new nint[] { l.Batch, l.In, l.Size, l.Size });
            var gw = Tensor.CreateFromShape<float>(new nint[] { l.Out, l.In / l.Groups, l.Kernel, l.Kernel });
            var size = new[] { l.Size, l.Size };
            double flops = 2.0 * l.Batch * l.Out * (l.In / l.Groups) * l.Kernel * l.Kernel * o * o;

            var network = Network(() => Conv.Forward(x, w, spec));
            Report($"{l.Name} forward: einsum network", flops, network, peak, network);
            Report($"{l.Name} forward: Conv.Forward", flops, Time(() => Conv.Forward(x, w, spec)), peak, network);
            Report($"{l.Name} forward: Conv.Forward, result not advised", flops, Plain(() => Conv.Forward(x, w, spec)), peak, network);
            Faults($"{l.Name} forward: Conv.Forward", () => Conv.Forward(x, w, spec));
            Report($"{l.Name} forward: Conv.ForwardInto (kept)", flops, Time(() => Conv.ForwardInto(x, w, spec, null, y)), peak, network);

            network = Network(() => Conv.WeightVjp(x, dy, spec));
            Report($"{l.Name} weight VJP: einsum network", flops, network, peak, network);
            Report($"{l.Name} weight VJP: Conv.WeightVjp", flops, Time(() => Conv.WeightVjp(x, dy, spec)), peak, network);
            Report($"{l.Name} weight VJP: into a kept buffer, Accumulate", flops,
                Time(() => Conv.ForwardBackward(x, w, dy, spec, null, gw, mode: GradientMode.Accumulate)), peak, network);

            network = Network(() => Conv.InputVjp(dy, w, spec, size));
            Report($"{l.Name} input VJP: einsum network", flops, network, peak, network);
            Report($"{l.Name} input VJP: Conv.InputVjp", flops, Time(() => Conv.InputVjp(dy, w, spec, size)), peak, network);
            Report($"{l.Name} input VJP: Conv.InputVjp, result not advised", flops, Plain(() => Conv.InputVjp(dy, w, spec, size)), peak, network);
            Faults($"{l.Name} input VJP: Conv.InputVjp", () => Conv.InputVjp(dy, w, spec, size));
            Report($"{l.Name} input VJP: into a kept buffer, Overwrite", flops,
                Time(() => Conv.ForwardBackward(x, w, dy, spec, gx, null)), peak, network);
        }

        private static void Report(string name, double flops, (double median, double best) t, double peak, (double median, double best) network)
        {
            double gf = flops / t.median / 1e9;
            Console.WriteLine($"{name,-60} {Program.Fmt(t.median),10} {Program.Fmt(t.best),10} {gf,8:F1} {100 * gf / peak,6:F1}% {network.median / t.median,9:F2}x");
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
