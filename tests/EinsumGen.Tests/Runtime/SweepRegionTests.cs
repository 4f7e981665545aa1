using System;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using EinsumGen.Runtime;
using EinsumGen.Runtime.Kernels;
using Xunit;

namespace EinsumGen.Tests.Runtime;

/// <summary>
/// Sweeps run as one parallel region (<see cref="SweepRegion"/>, <see cref="SweepSchedule"/>): the same bits as the
/// step-by-step sweep (every unit runs the same kernel on the same data), the schedule's dependencies for the tensor train,
/// and every corpus spec with every step sliced in more parts than threads.
/// </summary>
[Collection(nameof(SlicingCollection))]
public class SweepRegionTests
{
    private static readonly int[][] TtShapes = { new[] { 8, 2, 8 }, new[] { 8, 2, 8, 8 }, new[] { 8, 2, 8, 8 }, new[] { 8, 2, 8 }, new[] { 32, 8, 8, 8, 8 } };

    [Fact]
    public void TensorTrainForwardAndGradientsAreTheStepByStepBits()
    {
        AssertSameBits<float>();
        AssertSameBits<double>();
    }

    [Fact]
    public void TensorTrainJvpIsTheStepByStepBits()
    {
        // The first tangent's pass runs as a region with its operand read from the tangent slot; the others add into y.
        var w = TtShapes.Take(4).Select((s, i) => TestData.Random<float>(s, 80 + i)).ToArray();
        var x = TestData.Random<float>(TtShapes[4], 90);
        var tangents = TtShapes.Select((s, i) => TestData.Random<float>(s, 100 + i)).ToArray();
        float[] Run()
        {
            var y = new float[32 * 16];
            SlicedMethods.TtFJvp(w[0], w[1], w[2], w[3], x, tangents[0], tangents[1], tangents[2], tangents[3], tangents[4],
                Tensor.Create(y, [32, 2, 2, 2, 2]));
            return y;
        }

        float[] steps = Array.Empty<float>(), region = steps;
        try
        {
            KernelOptions.Current.SweepRegions = false;
            Kernels.ContractionKernelTests.OnPlainThread(() => steps = Run());
            KernelOptions.Current.SweepRegions = true;
            for (int attempt = 0; ; attempt++)
            {
                long before = SweepRegion.Regions;
                Kernels.ContractionKernelTests.OnPlainThread(() => region = Run());
                if (SweepRegion.Regions > before || Environment.ProcessorCount == 1) break;
                Assert.True(attempt < 100, "no sweep ran as a region");
            }
        }
        finally
        {
            KernelOptions.Current.SweepRegions = true;
        }
        Assert.Equal(steps, region);
        Assert.Contains(steps, v => v != 0);
    }

    [Fact]
    public void TensorTrainScheduleWaitsOnlyForWhatEachPartReads()
    {
        if (Environment.ProcessorCount == 1) return;
        var binding = Bind(gradients: true);
        var forward = binding.ForwardSchedule(2)!;
        Assert.NotNull(forward);
        // t1 = w1·w2 and t2 = w3·w4 on different threads; W = t1·t2 in two parts waiting for both; y = x·W's part p for W's
        // part p alone; then one unit adds y's partial sums.
        var tasks = forward.Tasks;
        Assert.Equal(new[] { 1, 1, 2, 2 }, tasks.Select(t => t.Parts));
        Assert.NotEqual(forward.UnitOwner[tasks[0].FirstUnit], forward.UnitOwner[tasks[1].FirstUnit]);
        for (int p = 0; p < 2; p++)
        {
            Assert.Equal(p, forward.UnitOwner[tasks[2].FirstUnit + p]);
            Assert.Equal(new[] { tasks[0].FirstUnit, tasks[1].FirstUnit }, DepsOf(forward, tasks[2].FirstUnit + p).Order());
            Assert.Equal(new[] { tasks[2].FirstUnit + p }, DepsOf(forward, tasks[3].FirstUnit + p));
        }
        Assert.Equal(-1, tasks[2].AddUnit); // W's rows are kept: no partial sums
        Assert.Equal(new[] { tasks[3].FirstUnit, tasks[3].FirstUnit + 1 }, DepsOf(forward, tasks[3].AddUnit));

        var backward = binding.BackwardSchedule(2)!;
        Assert.NotNull(backward);
        var b = backward.Tasks;
        // t1, t2 again (t3 is not read), ∂W, ∂t1, ∂t2, then ∂w3, ∂w4, ∂w1, ∂w2.
        Assert.Equal(new[] { SweepTaskKind.Recompute, SweepTaskKind.Recompute }, b.Take(2).Select(t => t.Kind));
        var dW = b[2];
        var dT1 = b[3];
        var dT2 = b[4];
        Assert.Equal((3, true, 2), (dW.Step, dW.Left, dW.Parts));
        Assert.Equal((2, true, 2), (dT1.Step, dT1.Left, dT1.Parts));
        Assert.Equal((2, false, 2), (dT2.Step, dT2.Left, dT2.Parts));
        Assert.Empty(DepsOf(backward, dW.FirstUnit)); // x and ∂y are the caller's
        for (int p = 0; p < 2; p++)
        {
            // ∂t1's part p reads ∂W's part p (its own rows) and t2 whole; ∂t2's likewise with t1.
            Assert.Equal(new[] { b[1].FirstUnit, dW.FirstUnit + p }, DepsOf(backward, dT1.FirstUnit + p).Order());
            Assert.Equal(new[] { b[0].FirstUnit, dW.FirstUnit + p }, DepsOf(backward, dT2.FirstUnit + p).Order());
        }
        Assert.True(dT2.AddUnit >= 0);
        var small = b.Skip(5).ToArray();
        Assert.Equal(4, small.Length);
        Assert.All(small, t => Assert.Equal(1, t.Parts));
        // ∂w3, ∂w4 wait for ∂t2's sums; ∂w1, ∂w2 for both parts of ∂t1; the four are spread over both threads.
        Assert.Equal(new[] { dT2.AddUnit }, DepsOf(backward, small[0].FirstUnit));
        Assert.Equal(new[] { dT1.FirstUnit, dT1.FirstUnit + 1 }, DepsOf(backward, small[2].FirstUnit).Order());
        Assert.Equal(2, small.Select(t => backward.UnitOwner[t.FirstUnit]).Distinct().Count());
    }

    [Fact]
    public void SweepsWithoutSlicedStepsRunStepByStep()
    {
        // Too small to slice: nothing to gain from a region.
        var small = new EinsumBinding(TestPrograms.Create("ij,jk,kl->il", null, "0,1>ik;3,2>il", new[] { "a", "b", "c" }, "y"));
        BindShapes(small, new[] { new[] { 16, 16 }, new[] { 16, 16 }, new[] { 16, 16 } }, new[] { 16, 16 }, gradients: true);
        Assert.Null(small.ForwardSchedule(2));
        Assert.Null(small.BackwardSchedule(2));
    }

    [Fact]
    public void EveryCorpusSpecSlicedInThreePartsIsTheStepByStepBits() => AssertCorpusBits(c => true);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void AThreadRunningUnitsOfAnotherThatHasNotStartedGivesTheSameBits(int delayed)
    {
        // One thread sleeps before it starts its units in every region, so the other, waiting for them, runs them itself:
        // the tensor train (two parts a step, on two threads) and a share of the corpus sliced in three parts.
        if (Environment.ProcessorCount == 1) return;
        long before = SweepRegion.TakenOver;
        try
        {
            SweepRegion.DelayedThread = delayed;
            AssertSameBits<float>();
            AssertSameBits<double>();
            int index = 0;
            AssertCorpusBits(c => index++ % 4 == 0);
        }
        finally
        {
            SweepRegion.DelayedThread = -1;
        }
        Assert.True(SweepRegion.TakenOver > before, "no unit was run by a thread other than its own");
    }

    /// <summary>The corpus specs <paramref name="include"/> takes, every step sliced in three parts on two threads: each sweep as a region, the same bits as step by step.</summary>
    private static void AssertCorpusBits(Func<Corpus.CorpusCase, bool> include)
    {
        if (Environment.ProcessorCount == 1) return;
        KernelOptions.Current.SliceEverything = true;
        KernelOptions.Current.SliceParts = 3;
        long before = SweepRegion.Regions;
        try
        {
            foreach (var c in Corpus.CorpusMethods.Cases)
            {
                if (!include(c)) continue;
                var operands = Corpus.CorpusTests.Operands<double>(c);
                var expected = Einsum.EvaluateNaive(c.Spec, operands);
                var outputGradient = TestData.Random<double>(expected.Lengths.ToArray().Select(d => (int)d).DefaultIfEmpty(1).ToArray(), 78);
                if (expected.Rank == 0 || outputGradient.FlattenedLength != expected.FlattenedLength) outputGradient = TestData.Random<double>(null, 78);
                Tensor<double> regionResult = null!, stepResult = null!;
                Tensor<double>[] regionGradients = null!, stepGradients = null!;
                KernelOptions.Current.SweepRegions = false;
                Kernels.ContractionKernelTests.OnPlainThread(() =>
                {
                    stepResult = Einsum.Evaluate(c.Spec, operands);
                    stepGradients = Einsum.Backward(c.Spec, outputGradient, operands);
                });
                KernelOptions.Current.SweepRegions = true;
                Kernels.ContractionKernelTests.OnPlainThread(() =>
                {
                    regionResult = Einsum.Evaluate(c.Spec, operands);
                    regionGradients = Einsum.Backward(c.Spec, outputGradient, operands);
                });
                // The GC may move the operands between the two runs: the kernels' bits do not depend on where they lie.
                TestData.AssertClose(expected, regionResult, Corpus.CorpusTests.ContractionLength(c), c + " in a region");
                AssertSameBits(stepResult, regionResult, c + ": the region's result");
                for (int i = 0; i < operands.Length; i++) AssertSameBits(stepGradients[i], regionGradients[i], $"{c}: the region's gradient {i}");
            }
        }
        finally
        {
            KernelOptions.Current.SliceEverything = false;
            KernelOptions.Current.SliceParts = null;
            KernelOptions.Current.SweepRegions = true;
        }
        Assert.True(SweepRegion.Regions > before, "no sweep ran as a region");
    }

    private static void AssertSameBits(Tensor<double> expected, Tensor<double> actual, string context)
    {
        var e = expected.ToArray();
        var a = actual.ToArray();
        Assert.Equal(e.Length, a.Length);
        for (int i = 0; i < e.Length; i++)
        {
            Assert.True(BitConverter.DoubleToInt64Bits(e[i]) == BitConverter.DoubleToInt64Bits(a[i]),
                $"{context} differs from step by step at element {i}: {a[i]:R} against {e[i]:R}");
        }
    }

    private static int[] DepsOf(SweepSchedule schedule, int unit) => schedule.Deps[schedule.DepStart[unit]..schedule.DepStart[unit + 1]].Distinct().ToArray();

    private static void AssertSameBits<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var w = TtShapes.Take(4).Select((s, i) => TestData.Random<T>(s, 60 + i)).ToArray();
        var x = TestData.Random<T>(TtShapes[4], 70);
        var dy = TestData.Random<T>(new[] { 32, 2, 2, 2, 2 }, 71);
        (T[] Y, T[][] Gradients) Run()
        {
            var y = new T[32 * 16];
            var g = TtShapes.Take(4).Select(s => Tensor.Create<T>(new T[s.Aggregate(1, (a, b) => a * b)], s.Select(d => (nint)d).ToArray())).ToArray();
            if (typeof(T) == typeof(float))
            {
                var wf = w.Cast<Tensor<float>>().ToArray();
                var gf = g.Cast<Tensor<float>>().ToArray();
                SlicedMethods.TtF(wf[0], wf[1], wf[2], wf[3], (Tensor<float>)(object)x, Tensor.Create((float[])(object)y, [32, 2, 2, 2, 2]));
                SlicedMethods.TtFBackward(wf[0], wf[1], wf[2], wf[3], (Tensor<float>)(object)x, (Tensor<float>)(object)dy,
                    gf[0].AsTensorSpan(), gf[1].AsTensorSpan(), gf[2].AsTensorSpan(), gf[3].AsTensorSpan(), default);
            }
            else
            {
                var wd = w.Cast<Tensor<double>>().ToArray();
                var gd = g.Cast<Tensor<double>>().ToArray();
                SlicedMethods.TtD(wd[0], wd[1], wd[2], wd[3], (Tensor<double>)(object)x, Tensor.Create((double[])(object)y, [32, 2, 2, 2, 2]));
                SlicedMethods.TtDBackward(wd[0], wd[1], wd[2], wd[3], (Tensor<double>)(object)x, (Tensor<double>)(object)dy,
                    gd[0].AsTensorSpan(), gd[1].AsTensorSpan(), gd[2].AsTensorSpan(), gd[3].AsTensorSpan(), default);
            }
            return (y, g.Select(t => t.ToArray()).ToArray());
        }

        (T[] Y, T[][] Gradients) steps = (Array.Empty<T>(), Array.Empty<T[]>()), region = steps;
        try
        {
            KernelOptions.Current.SweepRegions = false;
            Kernels.ContractionKernelTests.OnPlainThread(() => steps = Run());
            KernelOptions.Current.SweepRegions = true;
            for (int attempt = 0; ; attempt++)
            {
                // Another test may hold the kernel threads for a moment: the sweep then runs step by step (correct too).
                long before = SweepRegion.Regions;
                Kernels.ContractionKernelTests.OnPlainThread(() => region = Run());
                if (SweepRegion.Regions >= before + 2 || Environment.ProcessorCount == 1) break;
                Assert.True(attempt < 100, "no sweep ran as a region");
            }
        }
        finally
        {
            KernelOptions.Current.SweepRegions = true;
        }
        Assert.Equal(steps.Y, region.Y);
        for (int i = 0; i < 4; i++) Assert.Equal(steps.Gradients[i], region.Gradients[i]);
        Assert.Contains(steps.Y, v => !T.IsZero(v));
    }

    private static EinsumBinding Bind(bool gradients)
    {
        var binding = new EinsumBinding(TestPrograms.Create("aei,bfij,cgjk,dhk,nabcd->nefgh", null, "0,1>jabef;2,3>jcdgh;5,6>abcdefgh;7,4>nefgh",
            new[] { "w1", "w2", "w3", "w4", "x" }, "y"));
        BindShapes(binding, TtShapes, new[] { 32, 2, 2, 2, 2 }, gradients);
        return binding;
    }

    private static void BindShapes(EinsumBinding binding, int[][] shapes, int[] output, bool gradients)
    {
        for (int i = 0; i < shapes.Length; i++)
        {
            var t = Tensor.CreateFromShape<float>(shapes[i].Select(d => (nint)d).ToArray());
            binding.Operand(i, t.Lengths, t.Strides);
            if (gradients && i < 4) binding.Gradient(i, t.Lengths, t.Strides);
        }
        var y = Tensor.CreateFromShape<float>(output.Select(d => (nint)d).ToArray());
        binding.Output(y.Lengths, y.Strides);
        binding.Complete();
    }
}
