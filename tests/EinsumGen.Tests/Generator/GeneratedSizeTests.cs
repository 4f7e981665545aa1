using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using EinsumGen.Notation;
using EinsumGen.Tests.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace EinsumGen.Tests.Generator;

/// <summary>
/// How much code 200 varied <c>[Einsum]</c> methods generate (the specs of <see cref="RandomSpecTests"/>, 1–8 operands,
/// no <c>Sizes</c>), and of <see cref="VariedMethods"/>, with and without their derivatives. The bounds catch a regression; the printed figures are
/// the measurement.
/// </summary>
public class GeneratedSizeTests(ITestOutputHelper output)
{
    [Fact]
    public void LinesPerMethod()
    {
        var source = new StringBuilder("using System.Numerics.Tensors;\nusing EinsumGen;\npublic static partial class Many\n{\n");
        int methods = 0;
        for (int seed = 0; methods < 200; seed++)
        {
            var rng = new Random(seed);
            var (spec, operands) = RandomSpecTests.RandomCase(rng, rng.Next(4) == 0 ? 8 : 4, 3);
            if (!EinsumParser.TryParse(spec, out var expression, out _)) continue;
            var parameters = expression!.Inputs.Select((t, i) => (t.IsScalar ? "float" : "ReadOnlyTensorSpan<float>") + " a" + i).ToList();
            bool scalar = expression.Output.IsScalar;
            if (!scalar) parameters.Add("TensorSpan<float> y");
            source.Append($"    [Einsum(\"{spec}\")]\n    public static partial {(scalar ? "float" : "void")} M{methods}({string.Join(", ", parameters)});\n");
            methods++;
        }
        source.Append("}\n");
        string text = source.ToString();

        double all = Measure(text, null, out double userLines);
        double forward = Measure(text, "false", out _);
        output.WriteLine($"{methods} methods, {userLines:0.0} user lines each: {all:0} generated lines a method with Backward and Jvp, " +
                         $"{forward:0} forward only (EinsumGenDerivatives=false), {forward / all:P0} of it");
        Assert.True(forward < all * 0.8, $"forward only: {forward:0} lines a method, with derivatives {all:0}");
        Assert.True(forward <= 60, $"forward only: {forward:0} lines a method");
    }

    /// <summary>
    /// The goal on <see cref="VariedMethods"/> (1–5 operands, repeated labels, ellipsis, float and double, a quarter
    /// with <c>Derivatives = false</c>): at most 60 lines a method for the forward alone, its remarks included.
    /// <c>tests/tools/GeneratorCost</c> measures the same methods in fresh processes, with the generator's time.
    /// </summary>
    [Fact]
    public void VariedMethodsForwardOnlyFitInSixtyLines()
    {
        string source = VariedMethods.Source(200);
        var (all, allBare) = Lines(source, null);
        var (forward, forwardBare) = Lines(source, "false");
        output.WriteLine($"200 varied methods: {all:0.0} lines a method ({allBare:0.0} without the remarks) as declared; " +
                         $"{forward:0.0} ({forwardBare:0.0}) forward only");
        Assert.True(forward <= 60, $"forward only: {forward:0.0} lines a method");
        Assert.True(forwardBare < forward && allBare < all, "the remarks were not found");
    }

    /// <summary>Lines a method (newlines), with and without the remarks block; every method implemented, nothing to fix.</summary>
    private static (double All, double WithoutRemarks) Lines(string source, string? derivatives)
    {
        var properties = derivatives is null ? null : new Dictionary<string, string> { ["EinsumGenDerivatives"] = derivatives };
        var result = GeneratorHarness.Run(source, buildProperties: properties);
        Assert.True(result.CompilationDiagnostics.IsEmpty, string.Join("\n", result.CompilationDiagnostics.Take(5)));
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning);
        Assert.Equal(200, result.Sources.Count);
        long all = 0, remarks = 0;
        foreach (var (_, text) in result.Sources)
        {
            bool inside = false;
            foreach (var line in text.Split('\n'))
            {
                string t = line.Trim();
                inside |= t == "/// <remarks>";
                if (inside) remarks++;
                if (t == "/// </remarks>") inside = false;
            }
            all += text.Count(c => c == '\n');
        }
        return (all / 200.0, (all - remarks) / 200.0);
    }

    private static double Measure(string source, string? derivatives, out double userLines)
    {
        var properties = derivatives is null ? null : new Dictionary<string, string> { ["EinsumGenDerivatives"] = derivatives };
        var result = GeneratorHarness.Run(source, buildProperties: properties);
        Assert.True(result.CompilationDiagnostics.IsEmpty, string.Join("\n", result.CompilationDiagnostics.Take(5)));
        int count = result.Sources.Count;
        userLines = (double)(source.Split('\n').Length - 5) / count;
        return result.Sources.Sum(s => s.Source.Split('\n').Length) / (double)count;
    }
}
