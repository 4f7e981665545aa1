using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace EinsumGen.Tests.Generator;

/// <summary>
/// Source text of many varied, valid <c>[Einsum]</c> methods for the generator's cost measurements
/// (<see cref="GeneratedSizeTests"/> and <c>tests/tools/GeneratorCost</c>): 1–5 operands, repeated labels (a diagonal or a
/// trace), an ellipsis in a quarter of them, rank-0 operands and results, float and double, and a quarter with
/// <c>Derivatives = false</c>. No <c>Sizes</c>: every method goes through the runtime, as most do.
/// </summary>
public static class VariedMethods
{
    private const string Labels = "abcdefgh";

    /// <summary>A file with <paramref name="count"/> methods in one static partial class, the same for the same seed.</summary>
    public static string Source(int count, int seed = 1)
    {
        var rng = new Random(seed);
        var text = new StringBuilder("using System.Numerics.Tensors;\nusing EinsumGen;\n\nnamespace Measured;\n\npublic static partial class Many\n{\n");
        for (int m = 0; m < count; m++) Method(text, rng, m);
        return text.Append("}\n").ToString();
    }

    private static void Method(StringBuilder text, Random rng, int index)
    {
        string element = rng.Next(2) == 0 ? "float" : "double";
        bool ellipsis = rng.Next(4) == 0;
        int operands = rng.Next(1, 6);
        var terms = new List<string>();
        for (int i = 0; i < operands; i++)
        {
            // A rank-0 operand now and then (not with an ellipsis, which every operand carries).
            int rank = !ellipsis && operands > 1 && rng.Next(12) == 0 ? 0 : rng.Next(1, 4);
            var labels = new StringBuilder();
            for (int k = 0; k < rank; k++)
            {
                // Mostly labels shared with earlier operands (contractions), sometimes one repeated here (a diagonal).
                char c = k > 0 && rng.Next(10) == 0 ? labels[rng.Next(labels.Length)] : Labels[rng.Next(Labels.Length)];
                labels.Append(c);
            }
            terms.Add((ellipsis ? "..." : string.Empty) + labels);
        }
        var counts = terms.SelectMany(t => t.Replace("...", string.Empty)).GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
        // The output keeps the labels that appear once (NumPy's implicit output), and now and then one more that is shared.
        var output = counts.Where(kv => kv.Value == 1 || rng.Next(6) == 0).Select(kv => kv.Key).OrderBy(c => c).ToList();
        bool scalar = !ellipsis && output.Count == 0;
        string spec = string.Join(",", terms) + "->" + (ellipsis ? "..." : string.Empty) + new string(output.ToArray());
        bool derivatives = rng.Next(4) != 0;

        var parameters = terms.Select((t, i) => (t.Length == 0 ? element : $"ReadOnlyTensorSpan<{element}>") + " x" + i).ToList();
        if (!scalar) parameters.Add($"TensorSpan<{element}> y");
        text.Append("    [Einsum(\"").Append(spec).Append('"').Append(derivatives ? string.Empty : ", Derivatives = false").Append(")]\n");
        text.Append("    public static partial ").Append(scalar ? element : "void").Append(" M").Append(index).Append('(')
            .Append(string.Join(", ", parameters)).Append(");\n");
    }
}
