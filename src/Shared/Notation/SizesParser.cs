using System.Collections.Generic;
using System.Globalization;

namespace EinsumGen.Notation
{
    /// <summary>Parses the <c>Sizes</c> text of [Einsum], e.g. <c>"a=8, e=2"</c>: letters and positive integers, each label once.</summary>
    internal static class SizesParser
    {
        /// <summary>On failure returns false with a message and the offending span (indices into <paramref name="text"/>).</summary>
        public static bool TryParse(string? text, out Dictionary<char, long> sizes, out string? error, out int errorStart, out int errorLength)
        {
            sizes = new Dictionary<char, long>();
            error = null;
            errorStart = errorLength = 0;
            if (string.IsNullOrWhiteSpace(text)) return true;
            int start = 0;
            for (int i = 0; i <= text!.Length; i++)
            {
                if (i < text.Length && text[i] != ',') continue;
                if (!TryParseEntry(text, start, i, sizes, out error, out errorStart, out errorLength)) return false;
                start = i + 1;
            }
            return true;
        }

        /// <summary>Parses or throws <see cref="System.ArgumentException"/>.</summary>
        public static Dictionary<char, long> Parse(string? text)
        {
            if (TryParse(text, out var sizes, out var error, out _, out _)) return sizes;
            throw new System.ArgumentException("Invalid Sizes '" + text + "': " + error, "sizes");
        }

        private static bool TryParseEntry(string text, int start, int end, Dictionary<char, long> sizes, out string? error, out int errorStart, out int errorLength)
        {
            error = null;
            errorStart = start;
            errorLength = end - start;
            int eq = text.IndexOf('=', start, end - start);
            if (eq < 0)
            {
                error = "entry '" + text.Substring(start, end - start).Trim() + "' has no '='";
                return false;
            }
            string label = text.Substring(start, eq - start).Trim();
            string value = text.Substring(eq + 1, end - eq - 1).Trim();
            if (label.Length != 1 || !EinsumParser.IsLabel(label[0]))
            {
                error = "'" + label + "' is not a single label letter";
                return false;
            }
            if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long size) || size < 1)
            {
                error = "the size of '" + label + "' must be a positive integer, not '" + value + "'";
                return false;
            }
            if (sizes.ContainsKey(label[0]))
            {
                error = "label '" + label + "' is declared twice";
                return false;
            }
            sizes.Add(label[0], size);
            return true;
        }
    }
}
