using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using EinsumGen.CodeFixes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace EinsumGen.Tests.Generator;

/// <summary>
/// Each code fix, as an IDE applies it: the analyzer's diagnostic on a document in a workspace, the fix's action applied,
/// the text compared with the expected one, and the fixed declaration then run through the generator: no EG error left,
/// and the generated code compiles.
/// </summary>
public class CodeFixTests
{
    private const string Header = "using System.Numerics.Tensors;\nusing EinsumGen;\npublic static partial class Ops\n{\n";
    private const string R = "ReadOnlyTensorSpan<float>";
    private const string W = "TensorSpan<float>";

    [Theory]
    // EG0007, EG0008: static and partial.
    [InlineData("EG0007", "Make 'F' static", "[Einsum(\"i->i\")] private partial void F(" + R + " a, " + W + " y);",
        "[Einsum(\"i->i\")] private static partial void F(" + R + " a, " + W + " y);", false)]
    [InlineData("EG0008", "Make 'F' a static partial declaration for EinsumGen to implement",
        "[Einsum(\"i->i\")] private static void F(" + R + " a, " + W + " y) { }",
        "[Einsum(\"i->i\")] private static partial void F(" + R + " a, " + W + " y);", true)]
    [InlineData("EG0008", "Make 'F' a static partial declaration for EinsumGen to implement",
        "[Einsum(\"i->i\")]\n    public void F(" + R + " a, " + W + " y) => throw null!;",
        "[Einsum(\"i->i\")]\n    public static partial void F(" + R + " a, " + W + " y);", true)]
    // EG0026: an access modifier, on a method written with none, or on its own line.
    [InlineData("EG0026", "Make 'F' public", "[Einsum(\"i->i\")] static partial void F(" + R + " a, " + W + " y);",
        "[Einsum(\"i->i\")] public static partial void F(" + R + " a, " + W + " y);", true)]
    [InlineData("EG0026", "Make 'F' private", "[Einsum(\"i->i\")]\n    static partial void F(" + R + " a, " + W + " y);",
        "[Einsum(\"i->i\")]\n    private static partial void F(" + R + " a, " + W + " y);", true)]
    // EG0001: '-' → '->', and a lone '>'.
    [InlineData("EG0001", "Write the arrow '->'", "[Einsum(\"ij-ji\")] public static partial void F(" + R + " a, " + W + " y);",
        "[Einsum(\"ij->ji\")] public static partial void F(" + R + " a, " + W + " y);", true)]
    [InlineData("EG0001", "Write the arrow '->'", "[Einsum(\"ij>ji\")] public static partial void F(" + R + " a, " + W + " y);",
        "[Einsum(\"ij->ji\")] public static partial void F(" + R + " a, " + W + " y);", true)]
    // EG0013: a scalar output is returned.
    [InlineData("EG0013", "Return the scalar result as float", "[Einsum(\"i->\")] public static partial void F(" + R + " a, " + W + " y);",
        "[Einsum(\"i->\")] public static partial float F(" + R + " a);", true)]
    [InlineData("EG0013", "Return the scalar result as double", "[Einsum(\"i,i\")] public static partial float F(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b);",
        "[Einsum(\"i,i\")] public static partial double F(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b);", true)]
    // EG0023: drop ref or out.
    [InlineData("EG0023", "Pass 'y' by value", "[Einsum(\"i->i\")] public static partial void F(" + R + " a, out " + W + " y);",
        "[Einsum(\"i->i\")] public static partial void F(" + R + " a, " + W + " y);", true)]
    [InlineData("EG0023", "Pass 's' by value", "[Einsum(\"i,->i\")] public static partial void F(" + R + " a, ref float s, " + W + " y);",
        "[Einsum(\"i,->i\")] public static partial void F(" + R + " a, float s, " + W + " y);", true)]
    // EG0012: the output last, writable, and the method void.
    [InlineData("EG0012", "Move the output 'y' last", "[Einsum(\"ij,jk->ik\")] public static partial void F(" + W + " y, " + R + " a, " + R + " b);",
        "[Einsum(\"ij,jk->ik\")] public static partial void F(" + R + " a, " + R + " b, " + W + " y);", true)]
    [InlineData("EG0012", "Make 'y' the output, a TensorSpan", "[Einsum(\"i->i\")] public static partial void F(" + R + " a, " + R + " y);",
        "[Einsum(\"i->i\")] public static partial void F(" + R + " a, " + W + " y);", true)]
    [InlineData("EG0012", "Return void; the result goes to 'y'", "[Einsum(\"i->i\")] public static partial float F(" + R + " a, " + W + " y);",
        "[Einsum(\"i->i\")] public static partial void F(" + R + " a, " + W + " y);", true)]
    public async Task FixesTheMistake(string id, string title, string before, string after, bool staticClass)
    {
        string header = staticClass ? Header : Header.Replace("public static partial class", "public partial class");
        var fixedText = await ApplyFix(header + "    " + before + "\n}\n", id, title);
        Assert.Equal(header + "    " + after + "\n}\n", fixedText);

        var result = GeneratorHarness.Run(fixedText);
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.True(result.CompilationDiagnostics.IsEmpty, string.Join("\n", result.CompilationDiagnostics));
    }

    [Fact]
    public async Task OffersNoArrowForAnotherInvalidCharacter()
    {
        var actions = await Actions(Header + "    [Einsum(\"i%->i\")] public static partial void F(" + R + " a, " + W + " y);\n}\n", "EG0001");
        Assert.Empty(actions);
    }

    /// <summary>The one fixable diagnostic the generator reports and the analyzer does not: a warning.</summary>
    private const string GeneratorOnlyWarning = "EG0026";

    [Fact]
    public void EveryFixableIdIsADiagnosticTheAnalyzerOrGeneratorReports()
    {
        var reported = new EinsumGen.Generator.EinsumAnalyzer().SupportedDiagnostics.Select(d => d.Id).ToHashSet();
        reported.Add(GeneratorOnlyWarning);
        foreach (var provider in Providers) Assert.All(provider.FixableDiagnosticIds, id => Assert.Contains(id, reported));
    }

    private static readonly CodeFixProvider[] Providers = { new DeclarationFixProvider(), new SpecArrowFixProvider(), new SignatureFixProvider() };

    private static async Task<string> ApplyFix(string source, string id, string title)
    {
        var (document, actions) = await DocumentActions(source, id);
        var action = actions.FirstOrDefault(a => a.Title == title);
        Assert.True(action is not null, $"no fix titled \"{title}\"; offered: {string.Join(", ", actions.Select(a => a.Title))}");
        var operations = await action!.GetOperationsAsync(CancellationToken.None);
        var apply = operations.OfType<ApplyChangesOperation>().Single();
        var text = await apply.ChangedSolution.GetDocument(document.Id)!.GetTextAsync();
        return text.ToString();
    }

    private static async Task<List<CodeAction>> Actions(string source, string id) => (await DocumentActions(source, id)).Actions;

    private static async Task<(Document Document, List<CodeAction> Actions)> DocumentActions(string source, string id)
    {
        var workspace = new AdhocWorkspace();
        var project = workspace.AddProject(ProjectInfo.Create(ProjectId.CreateNewId(), VersionStamp.Create(), "Test", "Test", LanguageNames.CSharp,
            compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable),
            parseOptions: new CSharpParseOptions(LanguageVersion.Preview),
            metadataReferences: GeneratorHarness.Compile("").References));
        var document = workspace.AddDocument(project.Id, "Test.cs", SourceText.From(source));
        var compilation = (await document.Project.GetCompilationAsync())!;
        // Errors come from the analyzer (as while typing); a warning such as EG0026 from the generator alone.
        var diagnostics = (await AnalyzerTests.Analyze(compilation)).Where(d => d.Id == id).ToList();
        if (id == GeneratorOnlyWarning)
        {
            GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out _, out var reported);
            diagnostics = reported.Where(d => d.Id == id).ToList();
        }
        Assert.True(diagnostics.Count == 1, $"expected one {id} from the analyzer or the generator, got {diagnostics.Count}");
        var actions = new List<CodeAction>();
        foreach (var provider in Providers.Where(p => p.FixableDiagnosticIds.Contains(id)))
        {
            var context = new CodeFixContext(document, diagnostics[0], (a, _) => actions.Add(a), CancellationToken.None);
            await provider.RegisterCodeFixesAsync(context);
        }
        return (document, actions);
    }
}
