using System.Linq;

namespace TensorTrain;

/// <summary>The training loss per epoch as a PNG (log scale: the loss falls over orders of magnitude).</summary>
public static class LossPlot
{
    public static void Save(float[] losses, string path)
    {
        var plot = new ScottPlot.Plot();
        double[] epochs = Enumerable.Range(1, losses.Length).Select(e => (double)e).ToArray();
        double[] logLoss = losses.Select(l => System.Math.Log10(System.Math.Max(l, 1e-12))).ToArray();
        var line = plot.Add.ScatterLine(epochs, logLoss);
        line.LineWidth = 1.5f;
        plot.Title("Tensor-train layer: training MSE");
        plot.XLabel("epoch");
        plot.YLabel("MSE (log10)");
        plot.SavePng(path, 800, 500);
    }
}
