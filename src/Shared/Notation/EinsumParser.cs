using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace EinsumGen.Notation
{
    /// <summary>
    /// Parses einsum notation exactly as NumPy reads it: labels a–z and A–Z, ',' between operands, an optional
    /// "->" with the output, at most one "..." per term, spaces anywhere between tokens. Pure: no Roslyn, no I/O.
    /// </summary>
    internal static class EinsumParser
    {
        /// <summary>True for the characters NumPy accepts as labels.</summary>
        public static bool IsLabel(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

        /// <summary>Parses <paramref name="text"/>; on failure returns false with the first error found.</summary>
        public static bool TryParse(string text, out EinsumExpression? expression, out EinsumSyntaxError? error)
        {
            expression = null;
            error = null;
            text ??= string.Empty;

            int arrow = -1;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c == '-' && i + 1 < text.Length && text[i + 1] == '>')
                {
                    if (arrow >= 0)
                    {
                        error = new EinsumSyntaxError(EinsumErrorKind.MultipleArrows, "The spec may contain only one '->'.", i, 2);
                        return false;
                    }
                    arrow = i;
                    i++;
                }
                else if (c == '-' || c == '>')
                {
                    error = Invalid(text, i);
                    return false;
                }
            }

            int inputEnd = arrow >= 0 ? arrow : text.Length;
            var inputs = new List<EinsumTerm>();
            int termStart = 0;
            for (int i = 0; i <= inputEnd; i++)
            {
                if (i == inputEnd || text[i] == ',')
                {
                    if (!TryParseTerm(text, termStart, i, isOutput: false, out var term, out error)) return false;
                    inputs.Add(term!);
                    termStart = i + 1;
                }
            }

            EinsumTerm output;
            if (arrow >= 0)
            {
                int outStart = arrow + 2;
                for (int i = outStart; i < text.Length; i++)
                {
                    if (text[i] == ',')
                    {
                        error = new EinsumSyntaxError(EinsumErrorKind.InvalidCharacter, "The output after '->' is a single term: ',' is not allowed there.", i, 1);
                        return false;
                    }
                }
                if (!TryParseTerm(text, outStart, text.Length, isOutput: true, out var outTerm, out error)) return false;
                output = outTerm!;
                if (!CheckOutput(inputs, output, out error)) return false;
            }
            else
            {
                output = ImpliedOutput(inputs);
            }

            expression = new EinsumExpression(text, inputs, output, arrow >= 0);
            return true;
        }

        /// <summary>Parses or throws <see cref="System.ArgumentException"/> with the error and its position.</summary>
        public static EinsumExpression Parse(string text)
        {
            if (TryParse(text, out var expression, out var error)) return expression!;
            throw new System.ArgumentException(
                "Invalid einsum spec '" + SpecQuote.Around(text, error!.Start) + "': " + error!.Message + " (at character " + error.Start.ToString(CultureInfo.InvariantCulture) + ").",
                "spec");
        }

        private static bool TryParseTerm(string text, int start, int end, bool isOutput, out EinsumTerm? term, out EinsumSyntaxError? error)
        {
            term = null;
            error = null;
            var labels = new List<char>();
            var positions = new List<int>();
            int ellipsisIndex = -1, ellipsisPosition = -1;
            int first = -1, last = -1;
            for (int i = start; i < end; i++)
            {
                char c = text[i];
                if (c == ' ') continue;
                if (first < 0) first = i;
                if (IsLabel(c))
                {
                    labels.Add(c);
                    positions.Add(i);
                    last = i;
                }
                else if (c == '.')
                {
                    int dots = 0;
                    while (i + dots < end && text[i + dots] == '.') dots++;
                    if (dots != 3)
                    {
                        error = new EinsumSyntaxError(EinsumErrorKind.MalformedEllipsis, "An ellipsis is exactly three dots '...'; found " + dots.ToString(CultureInfo.InvariantCulture) + ".", i, dots);
                        return false;
                    }
                    if (ellipsisIndex >= 0)
                    {
                        error = new EinsumSyntaxError(EinsumErrorKind.MalformedEllipsis, "A term may contain only one ellipsis '...'.", i, 3);
                        return false;
                    }
                    ellipsisIndex = labels.Count;
                    ellipsisPosition = i;
                    i += 2;
                    last = i;
                }
                else
                {
                    error = Invalid(text, i);
                    return false;
                }
            }
            if (first < 0) first = start;
            term = new EinsumTerm(labels, positions, ellipsisIndex, ellipsisPosition, first, last < 0 ? 0 : last - first + 1);
            return true;
        }

        private static bool CheckOutput(List<EinsumTerm> inputs, EinsumTerm output, out EinsumSyntaxError? error)
        {
            error = null;
            var seen = new HashSet<char>();
            for (int k = 0; k < output.Labels.Count; k++)
            {
                char c = output.Labels[k];
                int at = output.LabelPositions[k];
                if (!seen.Add(c))
                {
                    error = new EinsumSyntaxError(EinsumErrorKind.OutputLabelRepeated, "Output label '" + c + "' appears more than once in the output.", at, 1);
                    return false;
                }
                bool found = false;
                foreach (var t in inputs)
                {
                    if (t.Labels.Contains(c)) { found = true; break; }
                }
                if (!found)
                {
                    error = new EinsumSyntaxError(EinsumErrorKind.OutputLabelNotInInputs, "Output label '" + c + "' does not appear in any input term.", at, 1);
                    return false;
                }
            }
            return true;
        }

        /// <summary>NumPy's implicit output: the ellipsis (if any input has one), then labels seen once, in ordinal order.</summary>
        private static EinsumTerm ImpliedOutput(List<EinsumTerm> inputs)
        {
            var counts = new SortedDictionary<char, int>(System.Collections.Generic.Comparer<char>.Create((a, b) => a.CompareTo(b)));
            bool ellipsis = false;
            foreach (var t in inputs)
            {
                ellipsis |= t.HasEllipsis;
                foreach (char c in t.Labels)
                {
                    counts.TryGetValue(c, out int n);
                    counts[c] = n + 1;
                }
            }
            var labels = new List<char>();
            var positions = new List<int>();
            foreach (var kv in counts)
            {
                if (kv.Value != 1) continue;
                labels.Add(kv.Key);
                positions.Add(-1);
            }
            return new EinsumTerm(labels, positions, ellipsis ? 0 : -1, -1, -1, 0);
        }

        private static EinsumSyntaxError Invalid(string text, int i) =>
            new EinsumSyntaxError(EinsumErrorKind.InvalidCharacter,
                "Invalid character '" + text[i] + "' in einsum spec: labels are letters a-z and A-Z, separated by ',' with an optional '->' and '...'.",
                i, 1);
    }
}
