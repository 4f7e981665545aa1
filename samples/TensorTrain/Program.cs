using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Spectre.Console;
using TensorTrain;

var options = Options.Parse(args, out string? error);
if (options is null)
{
    if (!string.IsNullOrEmpty(error)) Console.Error.WriteLine($"error: {error}\n");
    Console.Error.WriteLine(Options.Usage);
    return string.IsNullOrEmpty(error) ? 0 : 2;
}

ExperimentResult result;
if (options.Quiet)
{
    result = options.Device == "gpu" ? DeviceExperiment.Run(options) : Experiment.Run(options);
}
else
{
    AnsiConsole.MarkupLine($"[bold]Tensor-train layer[/] {options.Inputs} -> {options.Outputs}, rank {options.Rank}, {options.Optimizer} lr {Invariant(options.LearningRate)}, {options.Epochs} epochs, seed {options.Seed}");
    result = null!;
    AnsiConsole.Progress()
        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
        .Start(ctx =>
        {
            var task = ctx.AddTask("training", maxValue: options.Epochs);
            int every = Math.Max(1, options.Epochs / 200);
            Action<int, float> progress = (epoch, loss) =>
            {
                if ((epoch + 1) % every != 0 && epoch + 1 != options.Epochs) return;
                task.Description = $"loss {loss.ToString("0.00000", CultureInfo.InvariantCulture)}";
                task.Value = epoch + 1;
            };
            result = options.Device == "gpu" ? DeviceExperiment.Run(options, progress) : Experiment.Run(options, progress);
        });

    var table = new Table().AddColumns("", "tensor train", "full linear model");
    table.AddRow("MSE", Invariant(result.TtMse, "0.000000"), Invariant(result.FullMse, "0.000000"));
    table.AddRow("R²", Invariant(result.TtR2, "0.0000"), Invariant(result.FullR2, "0.0000"));
    table.AddRow("parameters", result.TtParameters.ToString("N0", CultureInfo.InvariantCulture), result.FullParameters.ToString("N0", CultureInfo.InvariantCulture));
    table.AddRow("parameter ratio", Invariant((double)result.TtParameters / result.FullParameters, "0.########"), "1");
    table.AddRow("time", $"{Invariant(result.TrainingTime.TotalSeconds, "0.00")} s ({Invariant(result.TrainingTime.TotalMilliseconds / options.Epochs, "0.000")} ms/epoch)",
        $"{Invariant(result.FullFitTime.TotalSeconds, "0.00")} s (least squares)");
    AnsiConsole.Write(table);
}

string plot = Path.GetFullPath(options.Plot);
LossPlot.Save(result.Losses, plot);
if (!options.Quiet) AnsiConsole.MarkupLine($"loss curve: [link]{Markup.Escape(plot)}[/]");
Console.WriteLine(string.Join(" ",
    $"tt_r2={Invariant(result.TtR2, "0.0000")}",
    $"tt_mse={Invariant(result.TtMse, "0.0000")}",
    $"full_r2={Invariant(result.FullR2, "0.0000")}",
    $"param_ratio={Invariant((double)result.TtParameters / result.FullParameters, "0.########")}",
    $"epochs={options.Epochs}",
    $"seconds={Invariant(result.TrainingTime.TotalSeconds, "0.00")}"));
return 0;

static string Invariant(double value, string format = "G") => value.ToString(format, CultureInfo.InvariantCulture);
