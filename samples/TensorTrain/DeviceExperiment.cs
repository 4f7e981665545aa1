using System;
using System.Diagnostics;
using System.Linq;
using EinsumGen;
using EinsumGen.Training;

namespace TensorTrain;

/// <summary>
/// The same experiment with the whole training loop on an <see cref="EinsumDevice"/> (a CUDA GPU, or ILGPU's CPU
/// accelerator when there is none): same data, same initial cores, same optimizer formulas, so the same R² up to float
/// rounding. The layer's forward and backward passes are the generated device overloads; the loss, its gradient and
/// the optimizer are <see cref="DeviceOps"/>. Nothing returns to the host between epochs: each epoch's loss is written
/// into a device array, read back only when the progress display shows it and once at the end (for the plot), and the
/// prediction is read once, for the final R².
/// </summary>
public static class DeviceExperiment
{
    public static ExperimentResult Run(Options o, Action<int, float>? progress = null)
    {
        int s = o.Samples, m = o.InputFactor, n = o.OutputFactor, r = o.Rank;
        using var device = EinsumDevice.Create();
        Console.Error.WriteLine($"device: {device.Name} ({device.Kind})");
        var data = Datasets.MakeRegression<float>(s, o.Inputs, o.Informative, o.Outputs, seed: o.Seed);
        Preprocessing.StandardizeColumns<float>(data.X, o.Inputs);
        Preprocessing.StandardizeColumns<float>(data.Y, o.Outputs);
        var clock = Stopwatch.StartNew();
        var full = LeastSquares.MinimumNorm<float>(data.X, data.Y, s, o.Inputs, o.Outputs);
        var fullPrediction = full.Predict<float>(data.X);
        var fullFit = clock.Elapsed;

        var random = new SeededRandom(o.Seed ^ 0x5EED);
        float[] w1 = Experiment.Core(random, m * n * r), w2 = Experiment.Core(random, m * n * r * r);
        float[] w3 = Experiment.Core(random, m * n * r * r), w4 = Experiment.Core(random, m * n * r);
        int[][] shapes = [[m, n, r], [m, n, r, r], [m, n, r, r], [m, n, r]];
        var cores = new[] { w1, w2, w3, w4 }.Select((w, i) => device.Upload<float>(w, shapes[i])).ToArray();
        var grads = shapes.Select(shape => device.Allocate<float>(shape)).ToArray();
        // Adam's moments (zeroed by Allocate); SGD needs none.
        var first = shapes.Select(shape => device.Allocate<float>(shape)).ToArray();
        var second = shapes.Select(shape => device.Allocate<float>(shape)).ToArray();
        using var x = device.Upload<float>(data.X, s, m, m, m, m);
        using var y = device.Upload<float>(data.Y, s, n, n, n, n);
        using var yHat = device.Allocate<float>(s, n, n, n, n);
        using var dy = device.Allocate<float>(s, n, n, n, n);
        using var losses = device.Allocate<float>(Math.Max(o.Epochs, 1));
        int every = Math.Max(1, o.Epochs / 200); // as often as the progress display shows the loss
        try
        {
            clock.Restart();
            for (int epoch = 0; epoch < o.Epochs; epoch++)
            {
                var loss = losses.Slice(0, epoch, 1);
                Forward(o, cores, x, yHat);
                DeviceOps.MeanSquaredErrorWithGradient(yHat, y, dy, loss);
                if (o.IsSeedShape) TtLayer.SeedForwardBackward(cores[0], cores[1], cores[2], cores[3], x, dy, grads[0], grads[1], grads[2], grads[3], null);
                else TtLayer.ForwardBackward(cores[0], cores[1], cores[2], cores[3], x, dy, grads[0], grads[1], grads[2], grads[3], null);
                for (int i = 0; i < cores.Length; i++)
                {
                    if (o.Optimizer == "sgd") DeviceOps.SgdStep(cores[i], grads[i], o.LearningRate);
                    else DeviceOps.AdamStep(cores[i], grads[i], first[i], second[i], epoch + 1, o.LearningRate);
                }
                if (progress is not null && ((epoch + 1) % every == 0 || epoch + 1 == o.Epochs)) progress(epoch, loss.ToArray()[0]);
            }
            device.Synchronize();
            var training = clock.Elapsed;

            Forward(o, cores, x, yHat);
            var predicted = yHat.ToArray();
            var history = losses.ToArray().AsSpan(0, o.Epochs).ToArray();
            return new ExperimentResult(
                Metrics.MeanSquaredError<float>(data.Y, predicted), Metrics.R2Score<float>(data.Y, predicted),
                Metrics.MeanSquaredError<float>(data.Y, fullPrediction), Metrics.R2Score<float>(data.Y, fullPrediction),
                w1.Length + w2.Length + w3.Length + w4.Length, (long)o.Inputs * o.Outputs, history, training, fullFit);
        }
        finally
        {
            foreach (var t in cores.Concat(grads).Concat(first).Concat(second)) t.Dispose();
        }
    }

    private static void Forward(Options o, DeviceTensor<float>[] w, DeviceTensor<float> x, DeviceTensor<float> y)
    {
        if (o.IsSeedShape) TtLayer.SeedForward(w[0], w[1], w[2], w[3], x, y);
        else TtLayer.Forward(w[0], w[1], w[2], w[3], x, y);
    }
}
