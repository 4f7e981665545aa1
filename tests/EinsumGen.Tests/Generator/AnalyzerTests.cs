using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using EinsumGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace EinsumGen.Tests.Generator;

/// <summary>
/// <see cref="EinsumAnalyzer"/> reports a declaration's EG errors while the generator's output is missing or stale (as in
/// an IDE between saves), at the places the generator would, and stays silent where the generator has reported the same
/// ones, so that a command-line build shows each error once.
/// </summary>
public class AnalyzerTests
{
    private const string Header = "using System.Numerics.Tensors;\nusing EinsumGen;\npublic static partial class Ops\n{\n";
    private const string R = "ReadOnlyTensorSpan<float>";
    private const string W = "TensorSpan<float>";

    [Theory]
    [InlineData("EG0001", "[Einsum(\"i[|%|]...\")] private static partial void F(" + R + " a, " + W + " y);")]
    [InlineData("EG0006", "[Einsum([|\"ij,jk->ik\"|])] private static partial void F(" + R + " a, " + W + " y);")]
    [InlineData("EG0008", "[Einsum(\"i->i\")] private static void [|F|](" + R + " a, " + W + " y) { }")]
    [InlineData("EG0012", "[Einsum(\"i,i->i\")] private static partial void F(" + W + " [|a|], " + R + " b, " + W + " y);")]
    [InlineData("EG0013", "[Einsum(\"i->\")] private static partial void [|F|](" + R + " a, " + W + " y);")]
    [InlineData("EG0017", "[Einsum(\"ab->a\", Sizes = \"a=8, [|z|]=2\")] private static partial void F(" + R + " a, " + W + " y);")]
    [InlineData("EG0023", "[Einsum(\"i->i\")] private static partial void F(" + R + " a, out " + W + " [|y|]);")]
    public async Task ReportsWhileTheGeneratorHasNotRun(string id, string member)
    {
        var (source, span) = DiagnosticsTests.Markup(Header + "    " + member + "\n}\n");
        var diagnostics = await Analyze(GeneratorHarness.Compile(source));
        var d = Assert.Single(diagnostics);
        Assert.Equal(id, d.Id);
        Assert.Equal(span, d.Location.SourceSpan);
        Assert.True(d.Location.IsInSource, "the analyzer's diagnostic must sit in the tree, for an editor to underline it");
        // The same diagnostic as the generator's, message included.
        var generator = GeneratorHarness.Run(source).GeneratorDiagnostics.Single(g => g.Id.StartsWith("EG"));
        Assert.Equal(generator.GetMessage(), d.GetMessage());
    }

    [Fact]
    public async Task IsSilentWhereTheGeneratorReportedTheSameErrors()
    {
        var source = Header + "    [Einsum(\"ij,jk->ik\")] private static partial void F(" + R + " a, " + W + " y);\n" +
            "    [Einsum(\"i->j\")] public static partial void G(" + R + " a, " + W + " y);\n}\n";
        var compilation = GeneratorHarness.Compile(source);
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var generated, out var generatorDiagnostics);
        Assert.Equal(new[] { "EG0004", "EG0006" }, generatorDiagnostics.Select(d => d.Id).OrderBy(i => i));
        Assert.Empty(await Analyze(generated));
    }

    [Fact]
    public async Task ReportsWhenTheGeneratedFilesAreStale()
    {
        // The generator ran on an older text (an IDE between saves); the user then broke the spec.
        var before = GeneratorHarness.Compile(Header + "    [Einsum(\"ij,jk->ik\")] private static partial void F(" + R + " a, " + W + " y);\n}\n");
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(before, out var generated, out _);
        var tree = generated.SyntaxTrees.First();
        var edited = generated.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(
            Header + "    [Einsum(\"ij,jk->ik\")] private static partial void F(" + R + " a, " + R + " b, " + R + " c, " + W + " y);\n}\n")));
        var d = Assert.Single(await Analyze(edited));
        Assert.Equal("EG0006", d.Id);
    }

    [Fact]
    public async Task AValidMethodDrawsNothing()
    {
        var source = Header + "    [Einsum(\"ij,jk->ik\")] public static partial void F(" + R + " a, " + R + " b, " + W + " y);\n}\n";
        Assert.Empty(await Analyze(GeneratorHarness.Compile(source)));
    }

    [Fact]
    public void SupportsEveryErrorButTheInternalOneAndNoWarning()
    {
        var ids = new EinsumAnalyzer().SupportedDiagnostics.Select(d => d.Id).ToList();
        Assert.Contains("EG0025", ids);
        Assert.DoesNotContain("EG0026", ids); // a warning: the generator's alone, like the plan's notes
        Assert.DoesNotContain("EG0020", ids);
        Assert.DoesNotContain("EG0021", ids);
        Assert.DoesNotContain("EG0022", ids);
    }

    internal static async Task<ImmutableArray<Diagnostic>> Analyze(Compilation compilation)
    {
        var withAnalyzers = compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new EinsumAnalyzer()));
        var all = await withAnalyzers.GetAnalyzerDiagnosticsAsync();
        var exceptions = all.Where(d => d.Id == "AD0001").ToList();
        Assert.True(exceptions.Count == 0, string.Join("\n", exceptions));
        return all;
    }
}
