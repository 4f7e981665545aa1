using System;
using System.Linq;
using EinsumGen.Runtime.Kernels;

namespace EinsumGen.KernelBenchmarks
{
    /// <summary>
    /// `lanecpu [rounds] [filter]`: the tensor train's three lane-block steps, its six small steps and its two large ones on one core, each
    /// timed by the thread's CPU time (<see cref="CpuTime"/>), against the one-core FMA probe timed the same way. On a
    /// shared machine the thread's CPU time leaves out the time other work ran; run two builds alternately for an A/B.
    /// </summary>
    internal static class LaneCpuBench
    {
        private static readonly float[] s_t3 = new float[65536];

        /// <summary>t3's 256 KiB written once by whole vectors: the floor of a step that writes it.</summary>
        private static unsafe void StoreProbe(float[] to)
        {
            fixed (float* p = to)
            {
                var v = System.Runtime.Intrinsics.Vector512.Create(1f);
                for (int i = 0; i < to.Length; i += 64)
                {
                    System.Runtime.Intrinsics.Vector512.Store(v, p + i); System.Runtime.Intrinsics.Vector512.Store(v, p + i + 16);
                    System.Runtime.Intrinsics.Vector512.Store(v, p + i + 32); System.Runtime.Intrinsics.Vector512.Store(v, p + i + 48);
                }
            }
        }

        public static void Run(string[] args)
        {
            int rounds = args.Length > 0 && int.TryParse(args[0], out int r) ? r : 3;
            string[] filter = args.Where(a => !int.TryParse(a, out _)).ToArray();
            ContractionKernel.MaxDegreeOfParallelism = 1;
            // LANECPU_SHUFFLES=1: the lane-block steps' summed lanes added by the plan's permutes, not the faster reductions.
            LaneBlockKernel.FastReductions = Environment.GetEnvironmentVariable("LANECPU_SHUFFLES") != "1";
            var steps = LaneStep.TensorTrain().Concat(LaneStep.TensorTrainSmall()).Concat(LaneStep.TensorTrainLarge())
                .Where(s => filter.Length == 0 || filter.Any(f => s.Name.Contains(f, StringComparison.Ordinal))).ToArray();
            var best = new double[steps.Length];
            var medians = new double[steps.Length][];
            for (int i = 0; i < steps.Length; i++) { best[i] = double.MaxValue; medians[i] = new double[rounds]; }
            double peak = 0;
            for (int round = 0; round < rounds; round++)
            {
                peak = Math.Max(peak, Probes.PeakGflopsCpuTime());
                for (int i = 0; i < steps.Length; i++)
                {
                    var t = CpuTime.Time(steps[i].Run, 0.3);
                    best[i] = Math.Min(best[i], t.best);
                    medians[i][round] = t.median;
                }
            }
            Console.WriteLine($"one core, thread CPU time; FMA probe (float32, CPU time, best): {peak:F1} GFLOP/s");
            var store = CpuTime.Time(() => StoreProbe(s_t3), 0.3);
            Console.WriteLine($"store probe: 256 KiB written by 512-bit stores, best {store.best * 1e6:F2} µs, median {store.median * 1e6:F2} µs");
            Console.WriteLine($"{"step",-34} {"best µs",9} {"median µs",10} {"% probe (best)",15}");
            for (int i = 0; i < steps.Length; i++)
            {
                Array.Sort(medians[i]);
                double gf = steps[i].Flops / best[i] / 1e9;
                Console.WriteLine($"{steps[i].Name,-34} {best[i] * 1e6,9:F2} {medians[i][rounds / 2] * 1e6,10:F2} {gf / peak * 100,14:F1}%");
            }
        }
    }
}
