using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace EinsumGen.Notation
{
    /// <summary>
    /// An explicit output without '...' while the operands' '...' covers dimensions: those dimensions are summed, as
    /// <c>np.einsum(..., optimize=True)</c>, <c>np.einsum_path</c>, opt_einsum and <c>torch.einsum</c> do (NumPy's fix for
    /// gh-30349 makes <c>optimize=False</c> agree). The spec is rewritten as NumPy's parser rewrites it:
    /// each operand's '...' becomes letters the spec does not use, one per broadcast dimension, aligned right (an operand
    /// whose '...' covers fewer dimensions takes the last ones), so that a size-1 dimension broadcasts as any label's does.
    /// </summary>
    internal static class EllipsisSum
    {
        private const string Letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

        /// <summary>Whether <paramref name="e"/> needs rewriting for an ellipsis of <paramref name="ellipsisRank"/> dimensions.</summary>
        public static bool Applies(EinsumExpression e, int ellipsisRank) => ellipsisRank > 0 && !e.Output.HasEllipsis;

        /// <summary>
        /// <paramref name="e"/> with each input's '...' replaced by fresh labels; <paramref name="ranks"/>[k] is operand k's
        /// rank (0 for a scalar argument).
        /// </summary>
        /// <exception cref="ArgumentException">Fewer unused letters than broadcast dimensions (NumPy's own limit).</exception>
        public static EinsumExpression Expand(EinsumExpression e, IReadOnlyList<int> ranks, int ellipsisRank, string paramName)
        {
            var fresh = new StringBuilder();
            foreach (char c in Letters)
            {
                if (fresh.Length == ellipsisRank) break;
                if (e.Text.IndexOf(c) < 0) fresh.Append(c);
            }
            if (fresh.Length < ellipsisRank)
            {
                throw new ArgumentException("The operands' '...' covers " + ellipsisRank.ToString(CultureInfo.InvariantCulture) + " dimension(s), which the output '" + e.Output +
                    "' sums, but '" + SpecQuote.Of(e.Text) + "' leaves only " + fresh.Length.ToString(CultureInfo.InvariantCulture) + " unused letter(s) to name them.", paramName);
            }
            string names = fresh.ToString();
            var spec = new StringBuilder();
            for (int k = 0; k < e.Inputs.Count; k++)
            {
                if (k > 0) spec.Append(',');
                var term = e.Inputs[k];
                int covered = term.HasEllipsis ? Math.Max(0, ranks[k] - term.Labels.Count) : 0;
                for (int i = 0; i <= term.Labels.Count; i++)
                {
                    if (i == term.EllipsisIndex) spec.Append(names, ellipsisRank - covered, covered);
                    if (i < term.Labels.Count) spec.Append(term.Labels[i]);
                }
            }
            spec.Append("->");
            foreach (char c in e.Output.Labels) spec.Append(c);
            return EinsumParser.Parse(spec.ToString());
        }
    }
}
