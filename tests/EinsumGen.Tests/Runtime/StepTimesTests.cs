using System;
using System.Linq;
using System.Numerics.Tensors;
using EinsumGen.Runtime;
using EinsumGen.Tests.Corpus;
using Xunit;

namespace EinsumGen.Tests.Runtime;

/// <summary>
/// The training loop's profile (<c>EinsumGen.Benchmarks -- loop</c>) reads <see cref="StepTimes"/>: while it is enabled,
/// every step of a forward and a backward call is recorded once per call with its multiply-adds, the binding apart; while
/// it is off, nothing is. Alone in its collection, since the switch is process-wide.
/// </summary>
[Collection(nameof(StepTimesCollection))]
public class StepTimesTests
{
    private static readonly int[][] Shapes = { new[] { 8, 2, 8 }, new[] { 8, 2, 8, 8 }, new[] { 8, 2, 8, 8 }, new[] { 8, 2, 8 }, new[] { 3, 8, 8, 8, 8 } };

    [Fact]
    public void EnabledRecordsEveryStepOfForwardAndBackwardWithItsWork()
    {
        var o = Shapes.Select((s, i) => TestData.Random<float>(s, 50 + i)).ToArray();
        var y = Tensor.CreateFromShape<float>(new nint[] { 3, 2, 2, 2, 2 });
        var g = Enumerable.Range(0, 4).Select(i => Tensor.CreateFromShape<float>(o[i].Lengths.ToArray())).ToArray();
        StepTimes.Reset();
        StepTimes.Enabled = true;
        try
        {
            for (int call = 0; call < 3; call++)
            {
                CorpusMethods.TensorTrainF(o[0], o[1], o[2], o[3], o[4], y);
                CorpusMethods.TensorTrainFBackward(o[0], o[1], o[2], o[3], o[4], y, g[0], g[1], g[2], g[3], default);
            }
        }
        finally
        {
            StepTimes.Enabled = false;
        }
        var entries = StepTimes.Snapshot().Where(e => e.Program.OperandCount == 5 && e.Program.Spec.Contains("nabcd", StringComparison.Ordinal)).ToList();

        // Forward: the binding and handing it back (steps -1 and -2), then each step of the order this shape runs (planned per call: no size is declared), each
        // with the product of the sizes of its labels (a…k: 8 or 2, n = 3).
        var forward = entries.Where(e => e.Phase == StepPhase.Forward).OrderBy(e => e.Step).ToList();
        Assert.Equal(Enumerable.Range(-2, 6), forward.Select(e => e.Step));
        Assert.All(forward, e => Assert.Equal(3, e.Calls));
        Assert.All(forward, e => Assert.True(e.Ticks > 0 && e.MedianTicks > 0 && e.MedianTicks <= e.Ticks));
        Assert.Equal(0, forward[0].MultiplyAdds + forward[1].MultiplyAdds);
        Assert.All(forward.Skip(2), e => Assert.Equal(Work(e.Plan), e.MultiplyAdds));
        Assert.All(forward.Skip(2), e => Assert.Equal(4, e.StepCount));

        // Backward: its binding, and each gradient into a weight or an intermediate once per call, with the multiply-adds
        // of the step it walks back through; x's gradient is not requested, so no step writes it.
        Assert.Equal(3, Assert.Single(entries, e => e.Phase == StepPhase.Backward && e.Step == -1).Calls);
        Assert.Equal(3, Assert.Single(entries, e => e.Phase == StepPhase.Backward && e.Step == -2).Calls);
        var backward = entries.Where(e => e.Phase == StepPhase.Backward && e.Step >= 0).ToList();
        Assert.Equal(7, backward.Count); // 4 weights, and 3 intermediates (the last step's result is the given ∂y)
        Assert.All(backward, e => Assert.Equal(3, e.Calls));
        Assert.All(backward, e => Assert.Equal(Work(e.Plan), e.MultiplyAdds));
        Assert.DoesNotContain(backward, e => (e.Left ? e.Plan.Left : e.Plan.Right) == 4);
    }

    /// <summary>Multiply-adds of a step: the product of the sizes of its result's and its summed labels.</summary>
    private static double Work(ProgramStep step) =>
        (step.ResultLabels + step.SummedLabels).Aggregate(1.0, (product, label) => product * (label == 'n' ? 3 : "efgh".Contains(label) ? 2 : 8));

    [Fact]
    public void OffRecordsNothingAndResetForgets()
    {
        var o = Shapes.Select((s, i) => TestData.Random<float>(s, 60 + i)).ToArray();
        var y = Tensor.CreateFromShape<float>(new nint[] { 3, 2, 2, 2, 2 });
        StepTimes.Enabled = true;
        CorpusMethods.TensorTrainF(o[0], o[1], o[2], o[3], o[4], y);
        StepTimes.Enabled = false;
        Assert.NotEmpty(StepTimes.Snapshot());
        StepTimes.Reset();
        CorpusMethods.TensorTrainF(o[0], o[1], o[2], o[3], o[4], y);
        Assert.Empty(StepTimes.Snapshot());
    }
}

[CollectionDefinition(nameof(StepTimesCollection), DisableParallelization = true)]
public class StepTimesCollection
{
}
