using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using EinsumGen.Training;

namespace EinsumGen.Benchmarks
{
    /// <summary>Seed 000's tensor-train layer at n = 256 with every size declared, as the sample trains it.</summary>
    public static partial class TtLayer
    {
        [Einsum("aei,bfij,cgjk,dhk,nabcd->nefgh", Sizes = "a=8,b=8,c=8,d=8,e=2,f=2,g=2,h=2,i=8,j=8,k=8,n=256")]
        public static partial void Forward(ReadOnlyTensorSpan<float> w1, ReadOnlyTensorSpan<float> w2, ReadOnlyTensorSpan<float> w3,
            ReadOnlyTensorSpan<float> w4, ReadOnlyTensorSpan<float> x, TensorSpan<float> y);
    }

    /// <summary>The layer's operands, gradients and optimizer, shared by the BenchmarkDotNet class and the ratio harness.</summary>
    public sealed class TensorTrainState
    {
        private static readonly nint[] Core1 = { 8, 2, 8 }, Core2 = { 8, 2, 8, 8 }, Output = { 256, 2, 2, 2, 2 };
        private readonly float[] _w1 = Filled(128, 1), _w2 = Filled(1024, 2), _w3 = Filled(1024, 3), _w4 = Filled(128, 4);
        private readonly float[] _g1 = new float[128], _g2 = new float[1024], _g3 = new float[1024], _g4 = new float[128];
        private readonly float[] _x = Filled(256 * 4096, 5), _y = Filled(256 * 16, 6), _yHat = new float[256 * 16], _dy = new float[256 * 16];
        private readonly Adam<float> _adam;

        public TensorTrainState() => _adam = new Adam<float>(5e-2, _w1, _w2, _w3, _w4);

        private ReadOnlyTensorSpan<float> X => new(_x, new nint[] { 256, 8, 8, 8, 8 });

        public void Forward() => TtLayer.Forward(new(_w1, Core1), new(_w2, Core2), new(_w3, Core2), new(_w4, Core1), X, new TensorSpan<float>(_yHat, Output));

        public void Backward() => TtLayer.ForwardBackward(new(_w1, Core1), new(_w2, Core2), new(_w3, Core2), new(_w4, Core1), X, new ReadOnlyTensorSpan<float>(_dy, Output),
            new TensorSpan<float>(_g1, Core1), new TensorSpan<float>(_g2, Core2), new TensorSpan<float>(_g3, Core2), new TensorSpan<float>(_g4, Core1), default);

        /// <summary>One training step as the sample runs it: forward, MSE and its gradient, backward, Adam.</summary>
        public void TrainingStep()
        {
            Forward();
            Losses.MeanSquaredErrorWithGradient<float>(_yHat, _y, _dy);
            Backward();
            _adam.Step(_g1, _g2, _g3, _g4);
        }

        private static float[] Filled(int length, ulong seed)
        {
            var values = new float[length];
            new SeededRandom(seed).FillNormal<float>(values);
            for (int i = 0; i < values.Length; i++) values[i] *= 0.1f;
            return values;
        }
    }

    /// <summary>BenchmarkDotNet: forward alone, backward alone, and a whole training step.</summary>
    [MemoryDiagnoser]
    public class TensorTrainBenchmarks
    {
        private readonly TensorTrainState _state = new();

        [Benchmark(Baseline = true)]
        public void Forward() => _state.Forward();

        [Benchmark]
        public void Backward() => _state.Backward();

        [Benchmark]
        public void TrainingStep() => _state.TrainingStep();
    }

    /// <summary>
    /// A quick harness: median of repeated timings, printed with the backward/forward ratio from the same run, and each
    /// time against the same call with every step run whole (no slicing over the cores), interleaved round by round; then the
    /// quad-broadcast loop and the backward's reuse of leaf steps, each against the same call without it.
    /// </summary>
    public static class TensorTrainRatios
    {
        public static void Print()
        {
            var state = new TensorTrainState();
            Action<bool> slicing = on => EinsumGen.Runtime.Kernels.KernelOptions.Current.SlicedSteps = on;
            var (forward, forwardWhole) = Compare(state.Forward, slicing);
            var (backward, backwardWhole) = Compare(state.Backward, slicing);
            var (step, stepWhole) = Compare(state.TrainingStep, slicing);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"tensor-train layer (n=256, float32, {Environment.ProcessorCount} cores): forward {forward:0.000} ms, backward {backward:0.000} ms " +
                $"(backward/forward {backward / forward:0.00}x), training step {step:0.000} ms, 10,000 epochs ≈ {step * 10:0.0} s"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  steps run whole instead of sliced over the cores: forward {forwardWhole:0.000} ms (sliced/whole {forward / forwardWhole:0.00}), " +
                $"backward {backwardWhole:0.000} ms ({backward / backwardWhole:0.00}), training step {stepWhole:0.000} ms ({step / stepWhole:0.00})"));
            // Same-run comparisons of two later tiers, each switched off alone (the other tiers on).
            var (quadForward, plainForward) = Compare(state.Forward, on => EinsumGen.Runtime.Kernels.KernelOptions.Current.QuadLoop = on);
            var (quadStep, plainStep) = Compare(state.TrainingStep, on => EinsumGen.Runtime.Kernels.KernelOptions.Current.QuadLoop = on);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  without the quad-broadcast loop: forward {plainForward:0.000} ms (with/without {quadForward / plainForward:0.00}), training step {plainStep:0.000} ms ({quadStep / plainStep:0.00})"));
            var (wideBackward, narrowBackward) = Compare(state.Backward, on => EinsumGen.Runtime.Kernels.KernelOptions.Current.WideStrips = on);
            var (wideStep, narrowStep) = Compare(state.TrainingStep, on => EinsumGen.Runtime.Kernels.KernelOptions.Current.WideStrips = on);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  ∂W in 16 × 1-vector blocks instead of three-vector strips: backward {narrowBackward:0.000} ms (wide/narrow {wideBackward / narrowBackward:0.00}), training step {narrowStep:0.000} ms ({wideStep / narrowStep:0.00})"));
            var (reuseStep, recomputeStep) = Compare(state.TrainingStep, on => EinsumGen.Runtime.Kernels.KernelOptions.Current.StepReuse = on);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  recomputing the forward's leaf steps in the backward: training step {recomputeStep:0.000} ms (reuse/recompute {reuseStep / recomputeStep:0.00})"));
            // Each sweep as one parallel region, against its steps one by one (each sliced step handed to the cores on its
            // own): medians, and the 10th percentiles, which a busy machine disturbs less.
            Action<bool> regions = on => EinsumGen.Runtime.Kernels.KernelOptions.Current.SweepRegions = on;
            foreach (var (name, action) in new[] { ("forward", (Action)state.Forward), ("backward", state.Backward), ("training step", state.TrainingStep) })
            {
                var (region, steps) = Compare(action, regions, 0.5);
                var (regionLow, stepsLow) = Compare(action, regions, 0.1);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {name} step by step instead of one region a sweep: {steps:0.000} ms (region/steps {region / steps:0.00}); 10th percentiles " +
                    $"{regionLow:0.000} / {stepsLow:0.000} ms ({regionLow / stepsLow:0.00})"));
            }
        }

        /// <summary>
        /// Milliseconds at <paramref name="quantile"/> (the median unless asked) with a switch on and off: 15 rounds of 41 timed runs each way, alternating, each round after 5
        /// untimed runs (switching leaves the data where the other mode put it: the first calls after a switch pay for that).
        /// </summary>
        private static (double On, double Off) Compare(Action action, Action<bool> setSwitch, double quantile = 0.5)
        {
            var times = new[] { new List<double>(), new List<double>() };
            try
            {
                Timing.MedianSeconds(action, 1);
                for (int round = 0; round < 15; round++)
                {
                    for (int mode = 0; mode < 2; mode++)
                    {
                        setSwitch(mode == 0);
                        for (int i = 0; i < 5; i++) action();
                        for (int i = 0; i < 41; i++)
                        {
                            long start = Stopwatch.GetTimestamp();
                            action();
                            times[mode].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                        }
                    }
                }
            }
            finally
            {
                setSwitch(true);
            }
            foreach (var list in times) list.Sort();
            return (times[0][(int)(times[0].Count * quantile)], times[1][(int)(times[1].Count * quantile)]);
        }
    }
}
