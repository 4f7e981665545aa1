using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace EinsumGen.Tests.Generator;

/// <summary>
/// <c>…Backward</c> and <c>…Jvp</c> are written unless the attribute's <c>Derivatives</c> or the project's
/// <c>EinsumGenDerivatives</c> says otherwise; the attribute wins; either way the file compiles.
/// </summary>
public class DerivativesOptionTests
{
    private const string Usings = "using System.Numerics.Tensors;\nusing EinsumGen;\n";

    private static string Source(string attributeTail) => Usings +
        "public static partial class Ops\n{\n    [Einsum(\"ij,jk->ik\"" + attributeTail + ")]\n" +
        "    public static partial void MatMul(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);\n}\n";

    [Theory]
    [InlineData("", null, true)]
    [InlineData("", "true", true)]
    [InlineData("", "false", false)]
    [InlineData("", " False ", false)]
    [InlineData(", Derivatives = false", null, false)]
    [InlineData(", Derivatives = true", "false", true)]
    [InlineData(", Derivatives = false", "true", false)]
    public void TheAttributeElseTheProjectDecides(string attributeTail, string? projectProperty, bool expected)
    {
        var properties = projectProperty is null ? null : new Dictionary<string, string> { ["EinsumGenDerivatives"] = projectProperty };
        var result = GeneratorHarness.Run(Source(attributeTail), buildProperties: properties);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.True(result.CompilationDiagnostics.IsEmpty, string.Join("\n", result.CompilationDiagnostics));
        var text = Assert.Single(result.Sources).Source;
        Assert.Equal(expected, text.Contains("void MatMulBackward("));
        Assert.Equal(expected, text.Contains("void MatMulJvp("));
        Assert.Equal(expected, text.Contains("MatMulBackward recomputes"));
    }

    [Fact]
    public void WithoutDerivativesAUserMayOwnTheirNames()
    {
        var source = Usings + "public static partial class Ops\n{\n    [Einsum(\"ij,jk->ik\", Derivatives = false)]\n" +
            "    public static partial void MatMul(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);\n" +
            "    public static void MatMulBackward() { }\n    public static int MatMulJvp => 1;\n}\n";
        var result = GeneratorHarness.Run(source);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.True(result.CompilationDiagnostics.IsEmpty, string.Join("\n", result.CompilationDiagnostics));
    }

    [Fact]
    public void ChangingTheProjectPropertyReemitsWithoutReparsing()
    {
        var compilation = GeneratorHarness.Compile(Source(""));
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        driver = driver.WithUpdatedAnalyzerConfigOptions(new GeneratorHarness.BuildProperties(new Dictionary<string, string> { ["EinsumGenDerivatives"] = "false" }));
        var run = driver.RunGenerators(compilation).GetRunResult().Results.Single();
        foreach (var name in new[] { EinsumGen.Generator.TrackingNames.Methods, EinsumGen.Generator.TrackingNames.Plans })
        {
            Assert.All(run.TrackedSteps[name].SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{name}: {o.Reason}"));
        }
        Assert.Contains(run.TrackedSteps[EinsumGen.Generator.TrackingNames.Models].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.DoesNotContain("MatMulBackward(", run.GeneratedSources.Single().SourceText.ToString());
    }
}
