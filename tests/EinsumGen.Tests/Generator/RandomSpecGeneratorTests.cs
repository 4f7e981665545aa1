using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Xunit;

namespace EinsumGen.Tests.Generator;

/// <summary>
/// The generator on random, often malformed declarations: valid einsum specs with random edits (characters inserted,
/// dropped or replaced by letters, digits, commas, dots, arrows, spaces and symbols), a random number of operands, a
/// random <c>Sizes</c> list. Whatever the input, the generator never throws (a thrown exception drops its output as
/// CS8785); it either reports EG errors, each located inside the declaration, and emits only a body that throws, or emits code that
/// compiles without a warning.
/// </summary>
public class RandomSpecGeneratorTests
{
    private const string Edits = "abcijAB,,..->-> 1%$";

    public static IEnumerable<object[]> Seeds() => Enumerable.Range(0, 20).Select(i => new object[] { i * 8 });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void NeverThrowsAndEitherReportsOrCompiles(int firstSeed)
    {
        for (int seed = firstSeed; seed < firstSeed + 8; seed++)
        {
            var rng = new Random(seed);
            string spec = Mutate(RandomSpec(rng), rng);
            string sizes = rng.Next(3) == 0 ? RandomSizes(rng) : "";
            string source = Declaration(spec, sizes, rng);
            var result = GeneratorHarness.Run(source);
            string context = $"seed {seed}:\n{source}";

            Assert.True(result.GeneratorException is null, $"{context}\n{result.GeneratorException}");
            var errors = result.GeneratorDiagnostics.Where(d => d.Id.StartsWith("EG") && d.Severity == DiagnosticSeverity.Error).ToList();
            if (errors.Count > 0)
            {
                // A body that throws, and nothing else: the EG errors are the build's only errors.
                Assert.All(result.Sources, f => Assert.Contains(".EG_", f.HintName));
                Assert.True(result.CompilationDiagnostics.IsEmpty, $"{context}\n{string.Join("\n", result.CompilationDiagnostics)}");
                int start = source.IndexOf("[Einsum", StringComparison.Ordinal), end = source.IndexOf(");", start, StringComparison.Ordinal) + 2;
                foreach (var e in errors)
                {
                    var span = e.Location.SourceSpan;
                    Assert.True(e.Location.GetLineSpan().Path == "Test.cs" && span.Start >= start && span.End <= end, $"{context}\n{e} at {span} lies outside the declaration [{start}, {end})");
                }
            }
            else
            {
                Assert.NotEmpty(result.Sources);
                Assert.True(result.CompilationDiagnostics.IsEmpty, $"{context}\n{string.Join("\n", result.CompilationDiagnostics)}");
            }
        }
    }

    private static string RandomSpec(Random rng)
    {
        const string labels = "abcijAB";
        int count = rng.Next(1, 5);
        var terms = new List<string>();
        for (int i = 0; i < count; i++)
        {
            var term = new string(Enumerable.Range(0, rng.Next(0, 4)).Select(_ => labels[rng.Next(labels.Length)]).ToArray());
            if (rng.Next(5) == 0) term = term.Insert(rng.Next(term.Length + 1), "...");
            terms.Add(term);
        }
        string spec = string.Join(rng.Next(4) == 0 ? ", " : ",", terms);
        if (rng.Next(3) != 0)
        {
            var output = new string(string.Concat(terms).Replace(".", "").Distinct().Where(_ => rng.Next(2) == 0).ToArray());
            if (spec.Contains("...") && rng.Next(3) != 0) output += "...";
            spec += "->" + output;
        }
        return spec;
    }

    private static string Mutate(string spec, Random rng)
    {
        var text = new StringBuilder(spec);
        for (int edits = rng.Next(0, 3); edits > 0; edits--)
        {
            int at = rng.Next(text.Length + 1);
            switch (rng.Next(3))
            {
                case 0: text.Insert(at, Edits[rng.Next(Edits.Length)]); break;
                case 1: if (at < text.Length) text.Remove(at, 1); break;
                default: if (at < text.Length) text[at] = Edits[rng.Next(Edits.Length)]; break;
            }
        }
        return text.ToString();
    }

    private static string RandomSizes(Random rng)
    {
        const string pieces = "a=2|b=3|i=4|j=1|A=2|z=2|a=0|a=2|c=x|b8|=3|i = 5";
        var chosen = pieces.Split('|').Where(_ => rng.Next(3) == 0);
        return string.Join(rng.Next(2) == 0 ? "," : ", ", chosen);
    }

    /// <summary>
    /// A method whose operand count follows the spec's commas most of the time (one more or one fewer otherwise); an
    /// empty term is a float parameter, an empty output a float return value.
    /// </summary>
    private static string Declaration(string spec, string sizes, Random rng)
    {
        int arrow = spec.IndexOf("->", StringComparison.Ordinal);
        string inputs = arrow < 0 ? spec : spec.Substring(0, arrow);
        var terms = inputs.Split(',').Select(t => t.Trim()).ToList();
        int count = terms.Count + (rng.Next(6) == 0 ? rng.Next(2) * 2 - 1 : 0);
        var parameters = Enumerable.Range(0, Math.Max(0, count))
            .Select(i => (i < terms.Count && terms[i].Length == 0 ? "float" : "ReadOnlyTensorSpan<float>") + " x" + i)
            .ToList();
        bool scalarOutput = arrow >= 0 ? spec.Substring(arrow + 2).Trim().Length == 0 : !HasImplicitOutput(inputs);
        string returns = scalarOutput ? "float" : "void";
        if (!scalarOutput) parameters.Add("TensorSpan<float> y");
        string attribute = sizes.Length > 0 ? $"[Einsum(\"{spec}\", Sizes = \"{sizes}\")]" : $"[Einsum(\"{spec}\")]";
        return "using System.Numerics.Tensors;\nusing EinsumGen;\npublic static partial class Ops\n{\n    " + attribute +
            $"\n    public static partial {returns} F({string.Join(", ", parameters)});\n}}\n";
    }

    /// <summary>NumPy's implicit output: labels that appear once, or an ellipsis.</summary>
    private static bool HasImplicitOutput(string inputs) =>
        inputs.Contains("...") || inputs.Where(char.IsLetter).GroupBy(c => c).Any(g => g.Count() == 1);
}
