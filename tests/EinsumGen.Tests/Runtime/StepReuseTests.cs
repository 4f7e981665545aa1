using System;
using System.Linq;
using System.Numerics.Tensors;
using System.Threading;
using EinsumGen.Runtime;
using EinsumGen.Tests.Corpus;
using Xunit;

namespace EinsumGen.Tests.Runtime;

/// <summary>
/// A backward pass reuses the forward's small leaf steps (the tensor train's t1 = w1·w2, t2 = w3·w4) when their operands
/// are bitwise unchanged, and recomputes them when an operand changed in place between the forward and the backward call.
/// Each case runs on threads of its own, so that each starts from a fresh binding (the memory is per thread's binding).
/// </summary>
public class StepReuseTests
{
    private static readonly int[][] Shapes = { new[] { 8, 2, 8 }, new[] { 8, 2, 8, 8 }, new[] { 8, 2, 8, 8 }, new[] { 8, 2, 8 }, new[] { 3, 8, 8, 8, 8 } };

    [Fact]
    public void BackwardAfterForwardReusesLeafStepsAndMatchesAFreshBackward()
    {
        var operands = Shapes.Select((s, i) => TestData.Random<float>(s, 10 + i)).ToArray();
        var dy = TestData.Random<float>(new[] { 3, 2, 2, 2, 2 }, 20);
        float[][] expected = OnFreshThread(() => Backward(operands, dy, forwardFirst: false));
        long before = EinsumBinding.ReusedSteps;
        float[][] actual = OnFreshThread(() => Backward(operands, dy, forwardFirst: true));
        Assert.True(EinsumBinding.ReusedSteps >= before + 2, "the backward pass recomputed t1 and t2");
        for (int g = 0; g < 4; g++) Assert.Equal(expected[g], actual[g]);
    }

    [Fact]
    public void AnOperandChangedInPlaceIsRecomputed()
    {
        var operands = Shapes.Select((s, i) => TestData.Random<float>(s, 30 + i)).ToArray();
        var dy = TestData.Random<float>(new[] { 3, 2, 2, 2, 2 }, 40);
        float[][] actual = OnFreshThread(() =>
        {
            Forward(operands);
            // w1's first element changes after the forward call: t1 (and so ∂w2, ∂w3, ∂w4) must see it.
            operands[0].AsTensorSpan()[0, 0, 0] += 0.75f;
            return Gradients(operands, dy);
        });
        float[][] expected = OnFreshThread(() => Backward(operands, dy, forwardFirst: false));
        for (int g = 0; g < 4; g++) Assert.Equal(expected[g], actual[g]);
    }

    private static float[][] Backward(Tensor<float>[] operands, Tensor<float> dy, bool forwardFirst)
    {
        if (forwardFirst) Forward(operands);
        return Gradients(operands, dy);
    }

    private static void Forward(Tensor<float>[] o)
    {
        var y = Tensor.CreateFromShape<float>(new nint[] { 3, 2, 2, 2, 2 });
        CorpusMethods.TensorTrainF(o[0], o[1], o[2], o[3], o[4], y);
    }

    private static float[][] Gradients(Tensor<float>[] o, Tensor<float> dy)
    {
        var g = Enumerable.Range(0, 4).Select(i => Tensor.CreateFromShape<float>(o[i].Lengths.ToArray())).ToArray();
        CorpusMethods.TensorTrainFBackward(o[0], o[1], o[2], o[3], o[4], dy, g[0], g[1], g[2], g[3], default);
        return g.Select(t => t.ToArray()).ToArray();
    }

    private static float[][] OnFreshThread(Func<float[][]> body)
    {
        float[][]? result = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { result = body(); }
            catch (Exception e) { failure = e; }
        });
        thread.Start();
        thread.Join();
        if (failure is not null) throw new Xunit.Sdk.XunitException(failure.ToString());
        return result!;
    }
}
