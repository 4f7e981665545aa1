using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Xunit;

namespace EinsumGen.Tests.Generator;

/// <summary>
/// Parser fuzzing through the generator, beyond <see cref="RandomSpecGeneratorTests"/>' edits of valid specs: random
/// strings over Unicode (letters of other scripts, combining marks, lone and paired surrogates, right-to-left marks,
/// the BOM), control characters (NUL, tabs, newlines), einsum punctuation, and 100,000-character specs, as the spec and
/// as <c>Sizes</c>. Each is either valid or one or more EG errors located inside the attribute, never a generator
/// exception, and no error inside generated code (a method with errors gets only its throwing body).
/// </summary>
public class HostileSpecGeneratorTests
{
    private static readonly string[] Pieces =
    {
        "a", "b", "i", "j", "Z", ",", ",", "->", "-", ">", ".", "...", " ", "=", "1", "0",
        "\u00e9", "\u03b1", "\u0416", "\u4e2d", "\u0301", "\u200f", "\u202e", "\ufeff", "\ud835\udc9c", "\ud800", "\udc00",
        "\0", "\t", "\n", "\r", "\u0001", "\u007f", "\u0085", "\u2028", "\"", "\\", "{", "}",
    };

    public static IEnumerable<object[]> Seeds() => Enumerable.Range(0, 12).Select(i => new object[] { 1000 + i * 10 });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void RandomUnicodeAndControlCharactersAreValidOrLocatedErrors(int firstSeed)
    {
        for (int seed = firstSeed; seed < firstSeed + 10; seed++)
        {
            var rng = new Random(seed);
            string spec = string.Concat(Enumerable.Range(0, rng.Next(0, 16)).Select(_ => Pieces[rng.Next(Pieces.Length)]));
            string? sizes = rng.Next(3) == 0 ? string.Concat(Enumerable.Range(0, rng.Next(0, 8)).Select(_ => Pieces[rng.Next(Pieces.Length)])) : null;
            AssertValidOrLocated(spec, sizes, $"seed {seed}", operands: rng.Next(0, 4), raw: rng.Next(2) == 0);
        }
    }

    [Theory]
    [InlineData("valid")]
    [InlineData("labels")]
    [InlineData("commas")]
    [InlineData("garbage")]
    public void HundredThousandCharacterSpecsAreQuick(string kind)
    {
        var rng = new Random(kind.Length);
        string spec = kind switch
        {
            "valid" => string.Concat(Enumerable.Repeat("ab", 50_000)) + "->a",        // one operand with 100,000 labels
            "labels" => new string('a', 100_000) + "->" + new string('a', 2),             // repeated output label at the end
            "commas" => new string(',', 100_000),                                          // 100,001 empty terms
            _ => string.Concat(Enumerable.Range(0, 100_000).Select(_ => Pieces[rng.Next(Pieces.Length)][0])),
        };
        var watch = Stopwatch.StartNew();
        AssertValidOrLocated(spec, null, kind, operands: 1, raw: false);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"{kind}: {watch.Elapsed.TotalSeconds:0.0} s for a 100,000-character spec");
    }

    private static void AssertValidOrLocated(string spec, string? sizes, string context, int operands, bool raw)
    {
        string attribute = "[Einsum(" + Literal(spec, raw) + (sizes is null ? "" : ", Sizes = " + Literal(sizes, raw)) + ")]";
        var parameters = Enumerable.Range(0, operands).Select(i => "ReadOnlyTensorSpan<float> x" + i).Append("TensorSpan<float> y");
        string source = "using System.Numerics.Tensors;\nusing EinsumGen;\npublic static partial class Ops\n{\n    " + attribute +
            "\n    public static partial void F(" + string.Join(", ", parameters) + ");\n}\n";
        var result = GeneratorHarness.Run(source);
        string shown = spec.Length > 200 ? spec.Substring(0, 200) + "…" : spec;
        Assert.True(result.GeneratorException is null, $"{context} '{Escape(shown)}': {result.GeneratorException}");
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id is "CS8785" or "EG0020");
        int start = source.IndexOf("[Einsum", StringComparison.Ordinal), end = source.IndexOf(");", start + attribute.Length, StringComparison.Ordinal) + 2;
        foreach (var e in result.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error))
        {
            Assert.StartsWith("EG", e.Id);
            var span = e.Location.SourceSpan;
            Assert.True(e.Location.IsInSource || e.Location.GetLineSpan().Path == "Test.cs", $"{context}: {e.Id} has no place in the source");
            Assert.True(span.Start >= start && span.End <= end, $"{context} '{Escape(shown)}': {e} at {span} lies outside the declaration");
        }
        // Valid or not, nothing else breaks: no C# error but those the literal itself may carry (a lone surrogate is fine in C#).
        Assert.True(result.CompilationDiagnostics.All(d => d.Location.GetLineSpan().Path == "Test.cs"),
            $"{context}: errors in generated code:\n{string.Join("\n", result.CompilationDiagnostics.Take(5))}");
    }

    /// <summary>A C# literal for the text: a raw string where it can be one (the characters appear as themselves), else escaped.</summary>
    private static string Literal(string text, bool raw)
    {
        bool rawOk = raw && text.All(c => c >= ' ' && c != '\u0085' && c != '\u2028' && c != '\u2029' && c != '"' && !char.IsSurrogate(c));
        if (rawOk) return "\"\"\"" + text + "\"\"\"";
        var s = new StringBuilder("\"");
        foreach (char c in text)
        {
            if (c == '"' || c == '\\') s.Append('\\').Append(c);
            else if (c < ' ' || c > '~') s.Append("\\u").Append(((int)c).ToString("x4"));
            else s.Append(c);
        }
        return s.Append('"').ToString();
    }

    private static string Escape(string text) => string.Concat(text.Select(c => c < ' ' || c > '~' ? "\\u" + ((int)c).ToString("x4") : c.ToString()));
}
