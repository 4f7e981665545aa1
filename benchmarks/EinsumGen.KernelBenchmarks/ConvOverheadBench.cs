using System;
using System.Linq;
using System.Numerics.Tensors;
using EinsumGen.Convolutions;

namespace EinsumGen.KernelBenchmarks
{
    /// <summary>
    /// `conv overhead`: the per-call cost of small convolution layers (batch 2, where planning dominates the arithmetic),
    /// with the spec's plan cache off (every call builds, simplifies and plans the network, as before the cache) and on
    /// (a call binds and runs), in one run. The spec is reused, as a [Convolution] method's static one is. The tiny layers have
    /// almost no arithmetic: their time is what a call costs beyond its kernels.
    /// </summary>
    internal static class ConvOverheadBench
    {
        public static void Run()
        {
            Console.WriteLine($"Convolution per-call overhead — {Environment.ProcessorCount} cores, .NET {Environment.Version}, float32, batch 2");
            Console.WriteLine($"{"layer / operation (median; best)",-44} {"uncached",10} {"cached",10} {"speed-up",9} {"best: unc.",10} {"cached",10} {"speed-up",9}");
            var conv1 = ConvSpec.Uniform(2, 1);
            var conv3 = ConvSpec.Uniform(2, 3, padding: 1);
            var patch = ConvSpec.Uniform(2, 4, 4);
            var shortcut = ConvSpec.Uniform(2, 1, 2);
            var x16 = Random(new[] { 2, 16, 8, 8 }, 1);
            var w1 = Random(new[] { 16, 16, 1, 1 }, 2);
            var w3 = Random(new[] { 16, 16, 3, 3 }, 3);
            var xp = Random(new[] { 2, 3, 16, 16 }, 4);
            var wp = Random(new[] { 16, 3, 4, 4 }, 5);
            var v8 = Random(new[] { 2, 16, 8, 8 }, 6);
            var b16 = Random(new[] { 16 }, 7);
            // Almost no arithmetic: what a call costs beyond its kernels.
            var tinyX = Random(new[] { 1, 2, 4, 4 }, 8);
            var tinyW1 = Random(new[] { 2, 2, 1, 1 }, 9);
            var tinyW3 = Random(new[] { 2, 2, 3, 3 }, 10);
            Compare("tiny: 1x1 2->2 @4 forward, batch 1", () => Conv.Forward(tinyX, tinyW1, conv1));
            Compare("tiny: 3x3/1/1 2->2 @4 forward, batch 1", () => Conv.Forward(tinyX, tinyW3, conv3));
            Compare("1x1 16->16 @8 forward (channel matmul)", () => Conv.Forward(x16, w1, conv1));
            // Peer: the same channel matmul as a run-time einsum (parsed and planned per call), and on a reused output.
            var x3 = Random(new[] { 2, 16, 64 }, 1);
            var w2 = Random(new[] { 16, 16 }, 2);
            var y3 = Tensor.CreateFromShape<float>(new nint[] { 2, 16, 64 });
            var peer = Program.Time(() => Einsum.EvaluateInto("nab,ia->nib", y3, x3, w2), 0.4);
            Console.WriteLine($"{"  peer: Einsum.EvaluateInto nab,ia->nib",-44} {"",10} {Program.Fmt(peer.median),10} {"",9} {"",10} {Program.Fmt(peer.best),10}");
            Compare("3x3/1/1 16->16 @8 forward", () => Conv.Forward(x16, w3, conv3));
            Compare("3x3/1/1 16->16 @8 forward + bias", () => Conv.Forward(x16, w3, conv3, b16));
            Compare("4x4/4 patchify 3->16 @16 forward", () => Conv.Forward(xp, wp, patch));
            Compare("3x3/1/1 16->16 @8 input VJP", () => Conv.InputVjp(v8, w3, conv3, new[] { 8, 8 }));
            Compare("3x3/1/1 16->16 @8 weight VJP", () => Conv.WeightVjp(x16, v8, conv3));
            Compare("1x1/2 16 @8 KFAC-reduce", () => Conv.KfacReduce(x16, shortcut));
            Compare("3x3/1/1 16 @8 KFC", () => Conv.Kfc(x16, conv3));
            // The pooled intermediates' own cost (a call rents and returns one per intermediate): this thread's CPU time.
            var pair = CpuTime.Time(() =>
            {
                for (int i = 0; i < 1000; i++) EinsumGen.Runtime.AlignedPool<float>.Return(EinsumGen.Runtime.AlignedPool<float>.Rent(4096));
            }, 0.3);
            Console.WriteLine($"{"AlignedPool<float> Rent + Return (thread CPU)",-44} {pair.median * 1e6,8:F1} ns {pair.best * 1e6,8:F1} ns (median; best per pair)");
        }

        private static void Compare(string name, Action run)
        {
            ConvPlanCache.Enabled = false;
            var uncached = Program.Time(run, 0.4);
            ConvPlanCache.Enabled = true;
            var cached = Program.Time(run, 0.4);
            Console.WriteLine($"{name,-44} {Program.Fmt(uncached.median),10} {Program.Fmt(cached.median),10} {uncached.median / cached.median,8:F2}x "
                + $"{Program.Fmt(uncached.best),10} {Program.Fmt(cached.best),10} {uncached.best / cached.best,8:F2}x");
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
