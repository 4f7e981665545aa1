using System;
using System.Collections.Generic;
using System.Globalization;

namespace TensorTrain;

/// <summary>The experiment's settings; defaults are seed 000 §2.2's.</summary>
public sealed record Options
{
    public int Epochs { get; init; } = 10_000;
    public int Rank { get; init; } = 8;
    public double LearningRate { get; init; } = 5e-2;
    public string Optimizer { get; init; } = "adam";
    public ulong Seed { get; init; } = 123;
    public int InputFactor { get; init; } = 8;   // m: 4096 = m⁴
    public int OutputFactor { get; init; } = 2;  // n: 16 = n⁴
    public int Samples { get; init; } = 256;
    public int Informative { get; init; } = 128;
    public string Device { get; init; } = "cpu";
    public bool Quiet { get; init; }
    public string Plot { get; init; } = "tt-loss.png";

    public int Inputs => Pow4(InputFactor);
    public int Outputs => Pow4(OutputFactor);

    /// <summary>True when the sizes are the seed's, so that the build-time specialized layer applies.</summary>
    public bool IsSeedShape => InputFactor == 8 && OutputFactor == 2 && Rank == 8 && Samples == 256;

    public const string Usage = """
        Trains seed 000's tensor-train layer (4096 -> 16, rank 8) with EinsumGen's generated forward and backward passes.

        usage: dotnet run -c Release --project samples/TensorTrain -- [options]
          --epochs N         training epochs (default 10000)
          --rank R           tensor-train rank (default 8)
          --lr X             learning rate (default 0.05)
          --optimizer NAME   adam | sgd (default adam)
          --seed S           random seed for data and initialization (default 123)
          --sizes M:N        factor sizes: inputs M^4, outputs N^4 (default 8:2)
          --samples N        training samples (default 256)
          --informative N    informative features of the regression task (default 128)
          --device NAME      cpu (default) | gpu: ILGPU, CUDA when present, else its (slow) CPU accelerator
          --plot PATH        where to write the loss curve (default tt-loss.png)
          --quiet            no progress bar or table; the last line is machine-readable
          --help             this text
        """;

    /// <summary>Parses <paramref name="args"/>; on a bad option returns null and says why in <paramref name="error"/>.</summary>
    public static Options? Parse(IReadOnlyList<string> args, out string? error)
    {
        var o = new Options();
        error = null;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string Value()
            {
                if (i + 1 >= args.Count) throw new FormatException($"{arg} needs a value");
                return args[++i];
            }
            try
            {
                o = arg switch
                {
                    "--epochs" => o with { Epochs = Positive(Value(), arg) },
                    "--rank" => o with { Rank = Positive(Value(), arg) },
                    "--lr" => o with { LearningRate = PositiveDouble(Value(), arg) },
                    "--optimizer" => o with { Optimizer = OneOf(Value(), arg, "adam", "sgd") },
                    "--seed" => o with { Seed = ulong.Parse(Value(), CultureInfo.InvariantCulture) },
                    "--sizes" => ParseSizes(o, Value()),
                    "--samples" => o with { Samples = Positive(Value(), arg) },
                    "--informative" => o with { Informative = Positive(Value(), arg) },
                    "--device" => o with { Device = OneOf(Value(), arg, "cpu", "gpu") },
                    "--plot" => o with { Plot = Value() },
                    "--quiet" or "-q" => o with { Quiet = true },
                    "--help" or "-h" => throw new HelpRequested(),
                    _ => throw new FormatException($"unknown option '{arg}'"),
                };
            }
            catch (HelpRequested)
            {
                error = "";
                return null;
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                error = e.Message;
                return null;
            }
        }
        if (o.Informative > o.Inputs)
        {
            error = $"--informative {o.Informative} exceeds the {o.Inputs} input features";
            return null;
        }
        return o;
    }

    private static Options ParseSizes(Options o, string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 2) throw new FormatException($"--sizes takes M:N, e.g. 8:2, not '{text}'");
        return o with { InputFactor = Positive(parts[0], "--sizes"), OutputFactor = Positive(parts[1], "--sizes") };
    }

    private static int Positive(string text, string option) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : throw new FormatException($"{option} takes a positive integer, not '{text}'");

    private static double PositiveDouble(string text, string option) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 && double.IsFinite(v) ? v : throw new FormatException($"{option} takes a positive number, not '{text}'");

    private static string OneOf(string text, string option, params string[] allowed) =>
        Array.IndexOf(allowed, text) >= 0 ? text : throw new FormatException($"{option} takes one of {string.Join(", ", allowed)}, not '{text}'");

    private static int Pow4(int v) => checked(v * v * v * v);

    private sealed class HelpRequested : Exception;
}
