using System;
using System.Linq;
using System.Numerics.Tensors;
using EinsumGen.Tests.Corpus;
using EinsumGen.Training;
using Xunit;

namespace EinsumGen.Tests.Training;

/// <summary>
/// Seed 000 §2.2 scaled down so that it runs in a test: a tensor-train layer 256 = 4⁴ → 16 = 2⁴ of rank 4 on a
/// make_regression task (64 samples, 16 informative features), trained 300 epochs with Adam (lr 5e-2) through the generated
/// forward and backward methods. The loss must fall in trend (no window of 50 epochs more than 5% above the previous
/// one, the last below half the first) and end below a fifth of where it started.
/// </summary>
public class TensorTrainTrainingTests
{
    [Fact]
    public void ShortTrainingRunLearns()
    {
        const int samples = 64, m = 4, n = 2, r = 4, epochs = 300;
        var data = Datasets.MakeRegression<float>(samples, m * m * m * m, 16, n * n * n * n, seed: 7);
        Preprocessing.StandardizeColumns<float>(data.X, m * m * m * m);
        Preprocessing.StandardizeColumns<float>(data.Y, n * n * n * n);
        var random = new SeededRandom(11);
        float[] w1 = Core(random, m * n * r), w2 = Core(random, m * n * r * r), w3 = Core(random, m * n * r * r), w4 = Core(random, m * n * r);
        float[] g1 = new float[w1.Length], g2 = new float[w2.Length], g3 = new float[w3.Length], g4 = new float[w4.Length];
        nint[] s1 = [m, n, r], s2 = [m, n, r, r];
        var x = Tensor.Create(data.X, [samples, m, m, m, m]);
        var yHat = new float[data.Y.Length];
        var dy = new float[data.Y.Length];
        nint[] ys = [samples, n, n, n, n];
        var adam = new Adam<float>(5e-2, w1, w2, w3, w4);
        var losses = new float[epochs];
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            CorpusMethods.TensorTrainF(new ReadOnlyTensorSpan<float>(w1, s1), new ReadOnlyTensorSpan<float>(w2, s2), new ReadOnlyTensorSpan<float>(w3, s2),
                new ReadOnlyTensorSpan<float>(w4, s1), x, new TensorSpan<float>(yHat, ys));
            losses[epoch] = Losses.MeanSquaredErrorWithGradient<float>(yHat, data.Y, dy);
            CorpusMethods.TensorTrainFBackward(new ReadOnlyTensorSpan<float>(w1, s1), new ReadOnlyTensorSpan<float>(w2, s2), new ReadOnlyTensorSpan<float>(w3, s2),
                new ReadOnlyTensorSpan<float>(w4, s1), x, new ReadOnlyTensorSpan<float>(dy, ys),
                new TensorSpan<float>(g1, s1), new TensorSpan<float>(g2, s2), new TensorSpan<float>(g3, s2), new TensorSpan<float>(g4, s1), default);
            adam.Step(g1, g2, g3, g4);
        }

        var windows = Enumerable.Range(0, epochs / 50).Select(w => losses.Skip(50 * w).Take(50).Average()).ToArray();
        // On the plateau (windows 3–5 within 3% of each other) Adam's spikes move a window up or down by a few percent
        // with the order of a sum's terms: a rise beyond 5% is a trend, not noise.
        for (int w = 1; w < windows.Length; w++) Assert.True(windows[w] < 1.05f * windows[w - 1], $"window {w}: {windows[w]} after {windows[w - 1]}");
        Assert.True(windows[^1] < 0.5f * windows[0], $"last window {windows[^1]} vs first {windows[0]}");
        Assert.True(losses[^1] < 0.2f * losses[0], $"final loss {losses[^1]} vs initial {losses[0]}");
        Assert.True(Metrics.R2Score<float>(data.Y, yHat) > 0.8, $"R² {Metrics.R2Score<float>(data.Y, yHat)}");
    }

    private static float[] Core(SeededRandom random, int length)
    {
        var core = new float[length];
        random.FillNormal<float>(core);
        float norm = MathF.Sqrt(core.Sum(v => v * v));
        for (int i = 0; i < core.Length; i++) core[i] /= norm;
        return core;
    }
}
