using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using EinsumGen.KernelBenchmarks;
using EinsumGen.Runtime;
using EinsumGen.Runtime.Kernels;
using TensorTrain;

namespace EinsumGen.Benchmarks
{
    /// <summary>
    /// The main job's training loop (samples/TensorTrain, its default settings) against the same run's FMA limit: the
    /// loop's planned FLOPs over the two-core FMA probe of <c>EinsumGen.KernelBenchmarks -- probe</c>, then where the time
    /// goes, by phase of an epoch and by step of the generated calls, profiled by stopwatch.
    /// </summary>
    public static class LoopProfile
    {
        public static void Print(string[] args)
        {
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            int epochs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
            // "ab [rounds]": after the profile, the loop with each sweep as one parallel region and step by step, alternately.
            int ab = Array.IndexOf(args, "ab");
            int rounds = ab >= 0 && args.Length > ab + 1 ? int.Parse(args[ab + 1], CultureInfo.InvariantCulture) : ab >= 0 ? 3 : 0;
            int cores = Environment.ProcessorCount;
            var options = new Options { Epochs = epochs, Quiet = true };

            // First the loop alone, as the sample runs it (the first run in the process: its kernels compile as it goes),
            // then with every step timed; the probe runs before and after, and the better of each is kept.
            double peak1Before = Probes.PeakGflops(1), peakBefore = Probes.PeakGflops(cores);
            long bytes = GC.GetTotalAllocatedBytes(precise: true);
            int collections = GC.CollectionCount(0);
            var plain = Experiment.Run(options);
            bytes = GC.GetTotalAllocatedBytes(precise: true) - bytes;
            collections = GC.CollectionCount(0) - collections;
            StepTimes.Reset();
            StepTimes.Enabled = true;
            ExperimentResult profiled;
            try
            {
                profiled = Experiment.Run(options);
            }
            finally
            {
                StepTimes.Enabled = false;
            }
            // The layer's own calls (the data and the least-squares baseline are made with generated einsums too).
            var steps = StepTimes.Snapshot().Where(e => e.Program.OperandCount == 5 && e.Program.OutputName == "y").ToList();
            double peakAll = Math.Max(peakBefore, Probes.PeakGflops(cores));
            double peak1 = Math.Max(peak1Before, Probes.PeakGflops(1));
            // The cores share no FMA units: the limit on all is the one-core limit times the cores. On a busy machine the
            // all-core probe rarely gets every core at once and reads low; the higher of the two keeps the ratio honest.
            double peak = Math.Max(peakAll, cores * peak1);

            // Planned work of an epoch: the forward steps and the backward steps (recomputed forward steps do not count:
            // they are the backward's own choice, and are copied back when their inputs are unchanged).
            double forwardFlops = 2 * steps.Where(e => e.Phase == StepPhase.Forward && e.Step >= 0).Sum(e => e.MultiplyAdds);
            double backwardFlops = 2 * steps.Where(e => e.Phase == StepPhase.Backward && e.Step >= 0).Sum(e => e.MultiplyAdds);
            double flops = forwardFlops + backwardFlops;
            double limit = flops * epochs / (peak * 1e9);

            Console.WriteLine(($"Tensor-train training loop (samples/TensorTrain defaults, {epochs} epochs), {cores} cores, .NET {Environment.Version}"));
            Console.WriteLine(($"FMA probe (float32, as KernelBenchmarks -- probe; best of before and after the loops): {peak1:F1} GFLOP/s on 1 core, {peakAll:F1} on {cores}; " +
                $"limit taken: {peak:F1} (the higher of the {cores}-core probe and {cores} × the 1-core one)"));
            Console.WriteLine(($"planned work: {flops / 1e6:F2} MFLOP an epoch (forward {forwardFlops / 1e6:F2} M, gradients {backwardFlops / 1e6:F2} M); FMA limit for the loop {limit:F3} s"));
            Report("loop, as the sample runs it", plain, limit, epochs);
            Console.WriteLine($"  the whole experiment (data, least squares, loop) allocated {bytes / 1e6:F1} MB, {collections} gen-0 collections; " +
                $"the loop {plain.Phases.AllocatedBytes} bytes");
            Report("loop again, every step timed (timed sweeps run step by step, not as one region)", profiled, limit, epochs);
            Console.WriteLine();
            Breakdown(profiled, steps, epochs, peak);
            if (rounds > 0) Alternate(options, rounds, flops, peak, cores);
        }

        /// <summary>
        /// The loop run alternately with the sweeps as parallel regions (the default) and step by step
        /// (<c>KernelOptions.SweepRegions</c> off), each run's wall time, best and median epoch, and the process's CPU time
        /// (both cores' work and waiting, spinning included), against the FMA limit measured again beside each pair.
        /// </summary>
        private static void Alternate(Options options, int rounds, double flops, double peak, int cores)
        {
            Console.WriteLine();
            Console.WriteLine($"A/B, alternating: sweeps as one parallel region each (region) and step by step (steps), {rounds} rounds");
            var best = new Dictionary<bool, List<double>> { [true] = new(), [false] = new() };
            for (int round = 0; round < rounds; round++)
            {
                // The better of this probe and the profile's: a probe on a busy machine reads low, and is no limit then.
                double probe = Math.Max(peak, Math.Max(Probes.PeakGflops(cores), cores * Probes.PeakGflops(1)));
                foreach (bool region in round % 2 == 0 ? new[] { true, false } : new[] { false, true })
                {
                    KernelOptions.Current.SweepRegions = region;
                    var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
                    ExperimentResult result;
                    try
                    {
                        result = Experiment.Run(options);
                    }
                    finally
                    {
                        KernelOptions.Current.SweepRegions = true;
                    }
                    cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu;
                    var epoch = result.Phases.Epoch;
                    double limit = flops * options.Epochs / (probe * 1e9);
                    double seconds = result.TrainingTime.TotalSeconds;
                    best[region].Add(seconds);
                    Console.WriteLine($"  {(region ? "one region a sweep" : "step by step"),-18} {seconds,7:F3} s, {100 * limit / seconds,5:F1}% of the limit (probe {probe:F0} GFLOP/s); " +
                        $"median epoch {Median(epoch) * 1e6,6:F1} µs, best {Best(epoch) * 1e6,6:F1} µs ({100 * limit / options.Epochs / Best(epoch),5:F1}%); " +
                        $"process CPU {cpu.TotalSeconds,6:F2} s; tt_r2={result.TtR2:F4}");
                }
            }
            Console.WriteLine($"  best run: region {best[true].Min():F3} s, steps {best[false].Min():F3} s; region/steps {best[true].Min() / best[false].Min():F3}");
        }

        /// <summary>Epochs counted apart as the first: tiered compilation has moved the loop's code to optimized code by then.</summary>
        private const int FirstEpochs = 100;

        private static void Report(string name, ExperimentResult result, double limit, int epochs)
        {
            double seconds = result.TrainingTime.TotalSeconds;
            var epoch = result.Phases.Epoch;
            double first = LoopPhases.Seconds(epoch.Take(FirstEpochs).Sum());
            double median = Median(epoch), firstMedian = Median(epoch.Take(FirstEpochs).ToArray()), laterMedian = Median(epoch.Skip(epochs / 2).ToArray());
            Console.WriteLine(
                $"{name}: {seconds:F3} s, {100 * limit / seconds:F1}% of the FMA limit; median epoch {median * 1e6:F1} µs " +
                $"({100 * limit / epochs / median:F1}% of the limit), best {Best(epoch) * 1e6:F1} µs ({100 * limit / epochs / Best(epoch):F1}%); tt_r2={result.TtR2:F4}");
            Console.WriteLine(
                $"  first {FirstEpochs} epochs {first * 1e3:F1} ms (median {firstMedian * 1e6:F1} µs; the second half's median {laterMedian * 1e6:F1} µs)");
        }

        private static double Best(long[] ticks) => LoopPhases.Seconds(ticks.Min());

        private static double Median(long[] ticks)
        {
            var sorted = (long[])ticks.Clone();
            Array.Sort(sorted);
            return LoopPhases.Seconds(sorted[sorted.Length / 2]);
        }

        /// <summary>
        /// Per epoch: each phase of the loop, and inside the generated calls, the binding and each step: the mean (the
        /// loop's time over the epochs) and the median (robust to the descheduling of a shared machine), whose FLOP rate
        /// is set against the probe.
        /// </summary>
        private static void Breakdown(ExperimentResult result, IReadOnlyList<StepTimes.Entry> steps, int epochs, double peak)
        {
            var p = result.Phases;
            double epochMedian = Median(p.Epoch);
            Console.WriteLine($"{"per epoch (share and GFLOP/s of the median)",-62} {"mean µs",8} {"median",8} {"best",8} {"share",7} {"GFLOP/s",8} {"% limit",8} {"best: %",8}");
            void Row(string name, double mean, double median, double best, double flops = 0)
            {
                string rates = "";
                if (flops > 0) rates = $"{flops / median / 1e9,8:F1} {100 * flops / median / 1e9 / peak,7:F1}% {100 * flops / best / 1e9 / peak,7:F1}%";
                Console.WriteLine($"{name,-62} {mean * 1e6,8:F1} {median * 1e6,8:F1} {best * 1e6,8:F1} {100 * median / epochMedian,6:F1}% {rates}");
            }
            double Mean(long[] ticks) => LoopPhases.Seconds(ticks.Sum()) / epochs;
            double all = 2 * steps.Where(e => e.Phase != StepPhase.Recompute && e.Step >= 0).Sum(e => e.MultiplyAdds);
            Row("whole epoch", Mean(p.Epoch), epochMedian, Best(p.Epoch), all);
            foreach (var (phase, ticks, sweep) in new[] { ("forward (generated call)", p.Forward, StepPhase.Forward), ("backward (generated call)", p.Backward, StepPhase.Backward) })
            {
                var own = steps.Where(e => sweep == StepPhase.Forward ? e.Phase == StepPhase.Forward : e.Phase != StepPhase.Forward).ToList();
                double flops = 2 * own.Where(e => e.Phase != StepPhase.Recompute && e.Step >= 0).Sum(e => e.MultiplyAdds);
                Row(phase, Mean(ticks), Median(ticks), Best(ticks), flops);
                foreach (var e in own) Row("  " + Describe(e), e.Seconds / e.Calls, LoopPhases.Seconds(e.MedianTicks), LoopPhases.Seconds(e.BestTicks), 2 * e.MultiplyAdds);
                Row("  (the rest: spans, views, the call; the profiler's own records)", Mean(ticks) - own.Sum(e => e.Seconds / e.Calls),
                    Median(ticks) - own.Sum(e => LoopPhases.Seconds(e.MedianTicks)), Best(ticks) - own.Sum(e => LoopPhases.Seconds(e.BestTicks)));
                if (sweep == StepPhase.Forward) Row("loss and its gradient (MSE, one core)", Mean(p.Loss), Median(p.Loss), Best(p.Loss));
            }
            Row("Adam (one core)", Mean(p.Optimizer), Median(p.Optimizer), Best(p.Optimizer));
            Row("loop itself (spans, timestamps)", Mean(p.Epoch) - Mean(p.Forward) - Mean(p.Loss) - Mean(p.Backward) - Mean(p.Optimizer),
                epochMedian - Median(p.Forward) - Median(p.Loss) - Median(p.Backward) - Median(p.Optimizer),
                Best(p.Epoch) - Best(p.Forward) - Best(p.Loss) - Best(p.Backward) - Best(p.Optimizer));
        }

        private static string Describe(StepTimes.Entry e)
        {
            if (e.Step == -1) return "binding (shapes, checks, layout lookup)";
            if (e.Step < 0) return "handing the binding and its buffers back";
            var step = e.Plan;
            string Name(int id) => id < e.Program.OperandCount ? e.Program.OperandNames[id] : $"t{id - e.Program.OperandCount + 1}";
            string result = e.Step == e.StepCount - 1 ? e.Program.OutputName : $"t{e.Step + 1}";
            string product = step.Right < 0 ? Name(step.Left) : $"{Name(step.Left)}·{Name(step.Right)}";
            return e.Phase switch
            {
                StepPhase.Forward => $"step {e.Step + 1}: {result}[{step.ResultLabels}] = Σ_{step.SummedLabels} {product}",
                StepPhase.Recompute => $"step {e.Step + 1} again: {result}[{step.ResultLabels}] (for the gradients)",
                _ => $"back through step {e.Step + 1}: ∂{Name(e.Left ? step.Left : step.Right)} from ∂{result}",
            };
        }
    }
}
