using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace EinsumGen.Tests.Generator;

/// <summary>
/// Each bad declaration gives exactly one EG diagnostic, located on the span marked <c>[|...|]</c> in the source, and
/// the generator never throws. Spec errors point at the offending characters inside the string literal.
/// </summary>
public class DiagnosticsTests
{
    private const string Header = "using System.Numerics.Tensors;\nusing EinsumGen;\npublic static partial class Ops\n{\n";
    private const string R = "ReadOnlyTensorSpan<float>";
    private const string W = "TensorSpan<float>";

    [Theory]
    // The spec: invalid characters, ellipses, arrows, output labels (NumPy's own error cases).
    [InlineData("EG0001", "[Einsum(\"i[|%|]...\")] private static partial void F(" + R + " a, " + W + " y);")]
    [InlineData("EG0001", "[Einsum(\"...j[|$|]\")] private static partial void F(" + R + " a, " + W + " y);")]
    [InlineData("EG0001", "[Einsum(\"i->[|&|]\")] private static partial void F(" + R + " a, " + W + " y);")]
    [InlineData("EG0001", "[Einsum(\"i[|-|]i\")] private static partial void F(" + R + " a, " + W + " y);")]
    [InlineData("EG0001", "[Einsum(\"i[|>|]i\")] private static partial void F(" + R + " a, " + W + " y);")]
    [InlineData("EG0001", "[Einsum(\"i[|1|]->i\")] private static partial void F(" + R + " a, " + W + " y);")]
    [InlineData("EG0001", "[Einsum(\"i,j->i[|,|]j\")] private static partial void F(" + R + " a, " + R + " b, " + W + " y);")]
    [InlineData("EG0002", "[Einsum(\"i[|..|]\")] private static partial void F(" + R + " a, " + W + " y);")]
    [InlineData("EG0002", "[Einsum(\"[|.|]i...\")] private static partial void F(" + R + " a, " + W + " y);")]
    [InlineData("EG0002", "[Einsum(\"j->[|..|]j\")] private static partial void F(" + R + " a, " + W + " y);")]
    [InlineData("EG0002", "[Einsum(\"j->[|.|]j...\")] private static partial void F(" + R + " a, " + W + " y);")]
    [InlineData("EG0002", "[Einsum(\"...i[|...|]\")] private static partial void F(" + R + " a, " + W + " y);")]
    [InlineData("EG0003", "[Einsum(\"i->i[|->|]i\")] private static partial void F(" + R + " a, " + W + " y);")]
    [InlineData("EG0004", "[Einsum(\"i->i[|j|]\")] private static partial void F(" + R + " a, " + W + " y);")]
    [InlineData("EG0005", "[Einsum(\"ij->ji[|j|]\")] private static partial void F(" + R + " a, " + W + " y);")]
    // The spec against the signature.
    [InlineData("EG0006", "[Einsum([|\"ij,jk->ik\"|])] private static partial void F(" + R + " a, " + W + " y);")]
    [InlineData("EG0006", "[Einsum([|\"i->i\"|])] private static partial void F(" + R + " a, " + R + " b, " + W + " y);")]
    [InlineData("EG0008", "[Einsum(\"i->i\")] private static void [|F|](" + R + " a, " + W + " y) { }")]
    [InlineData("EG0010", "[Einsum(\"i->i\")] private static partial void F(ReadOnlyTensorSpan<int> [|a|], " + W + " y);")]
    [InlineData("EG0010", "[Einsum(\"i->i\")] private static partial void F(float[] [|a|], " + W + " y);")]
    [InlineData("EG0011", "[Einsum(\"i,i->i\")] private static partial void F(" + R + " a, ReadOnlyTensorSpan<double> [|b|], " + W + " y);")]
    [InlineData("EG0012", "[Einsum(\"i->i\")] private static partial void [|F|](" + R + " a, " + R + " y);")]
    [InlineData("EG0012", "[Einsum(\"i,i->i\")] private static partial void F(" + W + " [|a|], " + R + " b, " + W + " y);")]
    [InlineData("EG0012", "[Einsum(\"i->i\")] private static partial float [|F|](" + R + " a, " + W + " y);")]
    [InlineData("EG0013", "[Einsum(\"i->\")] private static partial void [|F|](" + R + " a, " + W + " y);")]
    [InlineData("EG0012", "[Einsum(\"...i,...ij\")] private static partial float [|F|](" + R + " a, " + R + " b);")]
    [InlineData("EG0012", "[Einsum(\"...i->...\")] private static partial double [|F|](" + R + " a);")]
    [InlineData("EG0013", "[Einsum(\"i,i\")] private static partial double [|F|](" + R + " a, " + R + " b);")]
    [InlineData("EG0014", "[Einsum(\"[|ab|],->a\")] private static partial void F(float a, float s, " + W + " y);")]
    [InlineData("EG0015", "[Einsum(\"a,->a\")] private static partial void F(" + R + " a, " + R + " [|s|], " + W + " y);")]
    [InlineData("EG0016", "[Einsum(\"ab->a\", Sizes = \"a=8,[|b8|]\")] private static partial void F(" + R + " a, " + W + " y);")]
    [InlineData("EG0016", "[Einsum(\"ab->a\", Sizes = \"[|a=0|]\")] private static partial void F(" + R + " a, " + W + " y);")]
    [InlineData("EG0016", "[Einsum(\"ab->a\", Sizes = \"a=2,[|a=3|]\")] private static partial void F(" + R + " a, " + W + " y);")]
    [InlineData("EG0017", "[Einsum(\"ab->a\", Sizes = \"a=8, [|z|]=2\")] private static partial void F(" + R + " a, " + W + " y);")]
    [InlineData("EG0018", "[Einsum(\"i->i\")] private static partial void [|F|]<T>(" + R + " a, " + W + " y);")]
    [InlineData("EG0023", "[Einsum(\"i->i\")] private static partial void F(" + R + " a, out " + W + " [|y|]);")]
    [InlineData("EG0023", "[Einsum(\"i,->i\")] private static partial void F(" + R + " a, ref float [|s|], " + W + " y);")]
    public void ReportsExactlyOneDiagnosticAtTheMarkedSpan(string id, string member)
    {
        var (source, span) = Markup(Header + "    " + member + "\n}\n");
        var result = GeneratorHarness.Run(source);
        Assert.Null(result.GeneratorException);
        var eg = result.GeneratorDiagnostics.Where(d => d.Id.StartsWith("EG")).ToList();
        Assert.True(eg.Count == 1, $"expected one {id}, got: {string.Join("; ", eg)}");
        Assert.Equal(id, eg[0].Id);
        Assert.Equal(DiagnosticSeverity.Error, eg[0].Severity);
        Assert.Equal(span, eg[0].Location.SourceSpan);
        // One error per mistake: the method still gets a part (a body that throws, or for a non-partial method a note), so
        // no CS8795 or other follow-on error comes after the EG error.
        var file = Assert.Single(result.Sources);
        Assert.Contains(".EG_", file.HintName);
        Assert.True(result.CompilationDiagnostics.IsEmpty,
            string.Join("\n", result.CompilationDiagnostics) + "\n" + GeneratorHarness.Numbered(file.Source));
    }

    /// <summary>No error inside a generated file, and none of the errors a method without a body draws.</summary>
    internal static void AssertNoFollowOnErrors(GeneratorHarness.Result result)
    {
        var followOn = result.CompilationDiagnostics.Where(d =>
            d.Location.GetLineSpan().Path != "Test.cs" || d.Id is "CS8795" or "CS0751" or "CS0501" or "CS0111" or "CS8796").ToList();
        Assert.True(followOn.Count == 0, string.Join("\n", followOn) + "\n" + string.Join("\n\n", result.Sources.Select(s => GeneratorHarness.Numbered(s.Source))));
    }

    [Theory]
    [InlineData("[Einsum(\"i->i\")] static partial void [|F|](" + R + " a, " + W + " y);", null)]
    [InlineData("[Einsum(\"i->i\")] partial static void [|F|](" + R + " a, " + W + " y);", null)]
    [InlineData("[Einsum(\"i->i\")] new static partial void [|F|](" + R + " a, " + W + " y);", "CS8798")]
    [InlineData("[Einsum(\"i,i->\")] static partial float [|F|](" + R + " a, " + R + " b);", "CS8796")]
    public void AMethodWithoutAnAccessModifierIsWarnedAndStillImplemented(string member, string? csharpError)
    {
        // Without an access modifier a void partial method needs no implementation, and C# erases its calls when nothing
        // implements it: a project whose generator did not run would build and compute nothing. EG0026 warns; the generator,
        // which is running, still implements the method, so the short form stays valid code.
        var (source, span) = Markup(Header + "    " + member + "\n}\n");
        var result = GeneratorHarness.Run(source);
        if (csharpError is not null)
        {
            // Where C# demands the modifier itself, its error is the one error: no EG0026, no second part.
            Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id.StartsWith("EG"));
            var error = Assert.Single(result.CompilationDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
            Assert.Equal(csharpError, error.Id);
            return;
        }
        var eg = Assert.Single(result.GeneratorDiagnostics, d => d.Id.StartsWith("EG"));
        Assert.Equal("EG0026", eg.Id);
        Assert.Equal(DiagnosticSeverity.Warning, eg.Severity);
        Assert.Equal(span, eg.Location.SourceSpan);
        Assert.Contains(result.Sources, s => s.Source.Contains("EinsumCall.Forward"));
        AssertNoFollowOnErrors(result); // 'partial static' is C#'s CS0267, on the user's line alone
    }

    [Fact]
    public void AnInstanceMethodIsAnErrorWithAThrowingBody()
    {
        var (source, span) = Markup("using System.Numerics.Tensors;\nusing EinsumGen;\npublic partial class Ops\n{\n" +
            "    [Einsum(\"i->i\")] private partial void [|F|](" + R + " a, " + W + " y);\n}\n");
        var result = GeneratorHarness.Run(source);
        var eg = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("EG0007", eg.Id);
        Assert.Equal(span, eg.Location.SourceSpan);
        Assert.True(result.CompilationDiagnostics.IsEmpty, string.Join("\n", result.CompilationDiagnostics));
    }

    [Fact]
    public void AnAccessModifierMakesTheCompilerDemandTheBody()
    {
        // The guarantee EG0026 relies on: with the generator absent, a declared-accessibility partial method is CS8795.
        var compilation = GeneratorHarness.Compile(Header + "    [Einsum(\"i->i\")] private static partial void F(" + R + " a, " + W + " y);\n}\n");
        Assert.Contains(compilation.GetDiagnostics(), d => d.Id == "CS8795");
        var erased = GeneratorHarness.Compile(Header + "    [Einsum(\"i->i\")] static partial void F(" + R + " a, " + W + " y);\n}\n");
        Assert.DoesNotContain(erased.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void TheThrowingBodyNamesTheErrorAndKeepsTheSignature()
    {
        var result = GeneratorHarness.Run("using System.Numerics.Tensors;\nusing EinsumGen;\nnamespace N;\npublic partial class Outer<U>\n{\n" +
            "    internal static partial class Ops\n    {\n" +
            "        [Einsum(\"ij,jk->ik\")] public static partial void F(" + R + " a, scoped in " + R + " b, params float[] c);\n" +
            "        [Einsum(\"i->\")] internal static partial ref readonly float G<T>(" + R + " a) where T : struct, System.IComparable<T>;\n    }\n}\n");
        Assert.Equal(new[] { "EG0010", "EG0018" }, result.GeneratorDiagnostics.Select(d => d.Id).OrderBy(i => i));
        Assert.True(result.CompilationDiagnostics.IsEmpty,
            string.Join("\n", result.CompilationDiagnostics) + "\n" + string.Join("\n\n", result.Sources.Select(s => GeneratorHarness.Numbered(s.Source))));
        Assert.Contains(result.Sources, s => s.Source.Contains("could not implement 'F': see error EG0010"));
    }

    [Fact]
    public void ContainingTypeMustBePartial()
    {
        var (source, span) = Markup("using System.Numerics.Tensors;\nusing EinsumGen;\npublic static class [|Ops|]\n{\n    [Einsum(\"i->i\")] private static partial void F(" + R + " a, " + W + " y);\n}\n");
        var result = GeneratorHarness.Run(source);
        var eg = result.GeneratorDiagnostics.Single(d => d.Id.StartsWith("EG"));
        Assert.Equal("EG0009", eg.Id);
        Assert.Equal(span, eg.Location.SourceSpan);
    }

    [Fact]
    public void VerbatimAndEscapedLiteralsStillLocate()
    {
        var (verbatim, span) = Markup(Header + "    [Einsum(@\"i->[|&|]\")] private static partial void F(" + R + " a, " + W + " y);\n}\n");
        Assert.Equal(span, GeneratorHarness.Run(verbatim).GeneratorDiagnostics.Single().Location.SourceSpan);
        // With an escape sequence the columns no longer match: the whole literal is reported.
        var (escaped, whole) = Markup(Header + "    [Einsum([|\"i\\u002D>&\"|])] private static partial void F(" + R + " a, " + W + " y);\n}\n");
        Assert.Equal(whole, GeneratorHarness.Run(escaped).GeneratorDiagnostics.Single().Location.SourceSpan);
    }

    [Theory]
    [InlineData("i->i")]
    [InlineData("aei, bfij, cgjk, dhk, nabcd -> nefgh")]
    [InlineData("...ij,...jk->...ik")]
    [InlineData("")]
    [InlineData("->")]
    [InlineData(",,,,")]
    [InlineData("....")]
    [InlineData("->->->")]
    [InlineData("\u00e9->\u00e9")]
    [InlineData("a=1")]
    public void NeverThrowsOnOddInput(string spec)
    {
        foreach (var signature in new[] { "void F(" + R + " a, " + W + " y)", "float F()", "void F()", "float F(float a)", "void F(int a)" })
        {
            string escaped = spec.Replace("\\", "\\\\").Replace("\"", "\\\"");
            var result = GeneratorHarness.Run(Header + $"    [Einsum(\"{escaped}\", Sizes = \"{escaped}\")] private static partial {signature};\n}}\n");
            Assert.Null(result.GeneratorException);
            Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id is "CS8785" or "EG0020");
        }
    }

    [Fact]
    public void ValidDeclarationCompilesWithoutDiagnostics()
    {
        var result = GeneratorHarness.Run(Header +
            "    [Einsum(\"mn,nk->mk\")] public static partial void MatMul(" + R + " a, " + R + " b, " + W + " c);\n" +
            "    [Einsum(\"n,n->\")] internal static partial double Inner(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b);\n" +
            "    [Einsum(\"a,->a\")] private static partial void Scale(" + R + " x, float s, " + W + " y);\n" +
            "    [Einsum(\"...ij,...jk->...ik\", Sizes = \"i=2\")] public static partial void Batched(" + R + " a, " + R + " b, " + W + " c);\n}\n");
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.True(result.CompilationDiagnostics.IsEmpty,
            string.Join("\n", result.CompilationDiagnostics) + "\n" + string.Join("\n\n", result.Sources.Select(s => GeneratorHarness.Numbered(s.Source))));
        Assert.Equal(4, result.Sources.Count);
    }

    /// <summary>A '...' output with no label of its own, declared as a returned T: the ellipsis covers no dimension (issue 18).</summary>
    [Fact]
    public void EllipsisOutputReturnedAsAScalarCompiles()
    {
        var result = GeneratorHarness.Run(Header +
            "    [Einsum(\"...i,...i\")] public static partial float Dot(" + R + " a, " + R + " b);\n" +
            "    [Einsum(\"...,...\")] public static partial double Product(double a, double b);\n" +
            "    [Einsum(\"...i->...\")] public static partial float Sum(" + R + " a);\n" +
            "    [Einsum(\"...i,...i\")] public static partial void Batched(" + R + " a, " + R + " b, " + W + " c);\n}\n");
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.True(result.CompilationDiagnostics.IsEmpty,
            string.Join("\n", result.CompilationDiagnostics) + "\n" + string.Join("\n\n", result.Sources.Select(s => GeneratorHarness.Numbered(s.Source))));
        Assert.Equal(4, result.Sources.Count);
    }

    [Fact]
    public void ThePlannedSpeedupIsANoteHiddenUnlessEnabled()
    {
        var (source, span) = Markup(Header + "    [Einsum([|\"aei,bfij,cgjk,dhk,nabcd->nefgh\"|], Sizes = \"a=8,b=8,c=8,d=8,e=2,f=2,g=2,h=2,i=8,j=8,k=8,n=256\")]\n" +
            "    private static partial void F(" + R + " w1, " + R + " w2, " + R + " w3, " + R + " w4, " + R + " x, " + W + " y);\n}\n");
        var hidden = GeneratorHarness.Run(source);
        Assert.Empty(hidden.GeneratorDiagnostics);
        Assert.Single(hidden.Sources);

        // .editorconfig's dotnet_diagnostic.EG0021.severity = suggestion reaches the compiler as this option.
        var result = GeneratorHarness.Run(source, new System.Collections.Generic.Dictionary<string, ReportDiagnostic> { ["EG0021"] = ReportDiagnostic.Info });
        var info = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("EG0021", info.Id);
        Assert.Equal(DiagnosticSeverity.Info, info.Severity);
        Assert.Equal(span, info.Location.SourceSpan);
        Assert.Contains("34,668,544", info.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Single(result.Sources);
    }

    [Fact]
    public void WarnsWhenDeclaredSizesForceAHugeIntermediate()
    {
        var (source, span) = Markup(Header + "    [Einsum([|\"abc,cde,efa->bdf\"|], Sizes = \"a=256,b=256,c=256,d=256,e=256,f=256\")]\n" +
            "    private static partial void F(" + R + " x, " + R + " y, " + R + " z, " + W + " w);\n}\n");
        var result = GeneratorHarness.Run(source);
        var warning = Assert.Single(result.GeneratorDiagnostics, d => d.Id == "EG0022");
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Equal(span, warning.Location.SourceSpan);
        Assert.Single(result.Sources); // a warning still generates the method
    }

    [Fact]
    public void ParameterNamesNeverCollideWithGeneratedLocals()
    {
        // Parameters named like the generated locals, helpers and keywords still compile, forward and backward.
        var result = GeneratorHarness.Run(Header +
            "    [Einsum(\"ij,jk,kl->il\")] public static partial void A(" + R + " binding, " + R + " k, " + R + " intermediates, " + W + " Tensor);\n" +
            "    [Einsum(\"ij,jk,kl->il\", Sizes = \"i=2,j=2,k=2,l=2\")] public static partial void B(" + R + " acc, " + R + " i_i, " + R + " size_i, " + W + " result);\n" +
            "    [Einsum(\"a,a->\")] public static partial float C(" + R + " @class, " + R + " mode);\n" +
            "    [Einsum(\"a,->a\")] public static partial void D(" + R + " accumulate, float value, " + W + " target);\n}\n");
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Severity >= DiagnosticSeverity.Warning);
        Assert.True(result.CompilationDiagnostics.IsEmpty,
            string.Join("\n", result.CompilationDiagnostics) + "\n" + string.Join("\n\n", result.Sources.Select(s => GeneratorHarness.Numbered(s.Source))));
    }

    /// <summary>Removes one <c>[| |]</c> marker pair and returns the span it enclosed.</summary>
    internal static (string Source, TextSpan Span) Markup(string marked)
    {
        int start = marked.IndexOf("[|", System.StringComparison.Ordinal);
        int end = marked.IndexOf("|]", System.StringComparison.Ordinal) - 2;
        return (marked.Replace("[|", "").Replace("|]", ""), TextSpan.FromBounds(start, end));
    }
}
