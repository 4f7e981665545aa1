using System;
using System.Diagnostics;
using EinsumGen;
using EinsumGen.Training;

namespace TensorTrain;

/// <summary>
/// The same experiment with the layer's forward and backward passes on an <see cref="EinsumDevice"/> (a CUDA GPU, or
/// ILGPU's CPU accelerator when there is none): same data, same initial cores, same optimizer, so the same R² up to
/// float rounding. The einsum steps stay on the device; per epoch the prediction (4,096 floats) comes back for the loss,
/// its gradient goes up, the weight gradients (2,304 floats) come back for the optimizer and the weights go up again.
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
        float[] g1 = new float[w1.Length], g2 = new float[w2.Length], g3 = new float[w3.Length], g4 = new float[w4.Length];
        using var c1 = device.Upload<float>(w1, m, n, r);
        using var c2 = device.Upload<float>(w2, m, n, r, r);
        using var c3 = device.Upload<float>(w3, m, n, r, r);
        using var c4 = device.Upload<float>(w4, m, n, r);
        using var d1 = device.Allocate<float>(m, n, r);
        using var d2 = device.Allocate<float>(m, n, r, r);
        using var d3 = device.Allocate<float>(m, n, r, r);
        using var d4 = device.Allocate<float>(m, n, r);
        using var x = device.Upload<float>(data.X, s, m, m, m, m);
        using var yHat = device.Allocate<float>(s, n, n, n, n);
        using var dy = device.Allocate<float>(s, n, n, n, n);
        var predicted = new float[(long)s * o.Outputs];
        var yGradient = new float[predicted.Length];
        Optimizer<float> optimizer = o.Optimizer == "sgd" ? new Sgd<float>(o.LearningRate, w1, w2, w3, w4) : new Adam<float>(o.LearningRate, w1, w2, w3, w4);

        var losses = new float[o.Epochs];
        clock.Restart();
        for (int epoch = 0; epoch < o.Epochs; epoch++)
        {
            Forward(o, c1, c2, c3, c4, x, yHat);
            yHat.CopyTo(predicted);
            float loss = Losses.MeanSquaredErrorWithGradient<float>(predicted, data.Y, yGradient);
            dy.CopyFrom(yGradient);
            if (o.IsSeedShape) TtLayer.SeedForwardBackward(c1, c2, c3, c4, x, dy, d1, d2, d3, d4, null);
            else TtLayer.ForwardBackward(c1, c2, c3, c4, x, dy, d1, d2, d3, d4, null);
            d1.CopyTo(g1);
            d2.CopyTo(g2);
            d3.CopyTo(g3);
            d4.CopyTo(g4);
            optimizer.Step(g1, g2, g3, g4);
            c1.CopyFrom(w1);
            c2.CopyFrom(w2);
            c3.CopyFrom(w3);
            c4.CopyFrom(w4);
            losses[epoch] = loss;
            progress?.Invoke(epoch, loss);
        }
        var training = clock.Elapsed;

        Forward(o, c1, c2, c3, c4, x, yHat);
        yHat.CopyTo(predicted);
        return new ExperimentResult(
            Metrics.MeanSquaredError<float>(data.Y, predicted), Metrics.R2Score<float>(data.Y, predicted),
            Metrics.MeanSquaredError<float>(data.Y, fullPrediction), Metrics.R2Score<float>(data.Y, fullPrediction),
            w1.Length + w2.Length + w3.Length + w4.Length, (long)o.Inputs * o.Outputs, losses, training, fullFit);
    }

    private static void Forward(Options o, DeviceTensor<float> w1, DeviceTensor<float> w2, DeviceTensor<float> w3, DeviceTensor<float> w4,
        DeviceTensor<float> x, DeviceTensor<float> y)
    {
        if (o.IsSeedShape) TtLayer.SeedForward(w1, w2, w3, w4, x, y);
        else TtLayer.Forward(w1, w2, w3, w4, x, y);
    }
}
