using System;
using System.Collections.Generic;
using System.Globalization;

namespace EinsumGen.Notation
{
    /// <summary>
    /// Label sizes from operand shapes, with NumPy's rules: each operand's rank is its label count plus the dimensions its
    /// ellipsis covers; a size-1 dimension broadcasts against a label's size in other operands; a label repeated within one
    /// operand (a diagonal) needs equal sizes there; ellipsis dimensions broadcast right-aligned across operands.
    /// </summary>
    internal static class ShapeResolver
    {
        /// <param name="e">The parsed spec.</param>
        /// <param name="shapes">One shape per operand term, in order.</param>
        /// <param name="ellipsisRank">How many dimensions the broadcast ellipsis has (0 when no term has one).</param>
        /// <param name="ellipsisShape">The broadcast shape of the ellipsis dimensions.</param>
        /// <returns>Every input label's size.</returns>
        /// <exception cref="ArgumentException">Naming the operand, the label or dimension, and the sizes that disagree.</exception>
        public static Dictionary<char, long> Resolve(EinsumExpression e, IReadOnlyList<long[]> shapes, out int ellipsisRank, out long[] ellipsisShape) =>
            Resolve(e, shapes, null, out ellipsisRank, out ellipsisShape);

        /// <summary>
        /// As <see cref="Resolve(EinsumExpression, IReadOnlyList{long[]}, out int, out long[])"/>, naming operands by
        /// <paramref name="names"/> in messages; a null shape marks an operand that takes its sizes from the others.
        /// </summary>
        public static Dictionary<char, long> Resolve(EinsumExpression e, IReadOnlyList<long[]?> shapes, IReadOnlyList<string>? names, out int ellipsisRank, out long[] ellipsisShape)
        {
            string Name(int k) => names is null ? Str(k) : "'" + names[k] + "'";
            string Param(int k) => names is null ? nameof(shapes) : names[k];
            if (e == null) throw new ArgumentNullException(nameof(e));
            if (shapes == null) throw new ArgumentNullException(nameof(shapes));
            if (shapes.Count != e.Inputs.Count)
            {
                throw new ArgumentException("'" + SpecQuote.Of(e.Text) + "' has " + Str(e.Inputs.Count) + " operand term(s), but " + Str(shapes.Count) + " shape(s) were given.", nameof(shapes));
            }

            ellipsisRank = 0;
            for (int k = 0; k < shapes.Count; k++)
            {
                var term = e.Inputs[k];
                var shape = shapes[k];
                if (shape is null) continue;
                int labels = term.Labels.Count;
                if (term.HasEllipsis ? shape.Length < labels : shape.Length != labels)
                {
                    throw new ArgumentException("Operand " + Name(k) + " has rank " + Str(shape.Length) + ", but its subscripts '" + term + "' need "
                        + (term.HasEllipsis ? "at least " : "") + Str(labels) + " dimension(s).", Param(k));
                }
                for (int d = 0; d < shape.Length; d++)
                {
                    if (shape[d] < 0) throw new ArgumentException("Operand " + Name(k) + " has a negative size " + Str(shape[d]) + " in dimension " + Str(d) + ".", Param(k));
                }
                if (term.HasEllipsis) ellipsisRank = Math.Max(ellipsisRank, shape.Length - labels);
            }

            ellipsisShape = new long[ellipsisRank];
            for (int j = 0; j < ellipsisRank; j++) ellipsisShape[j] = 1;
            var ellipsisSource = new int[ellipsisRank]; // the operand that fixed each broadcast dimension
            var sizes = new Dictionary<char, long>();
            var source = new Dictionary<char, int>();   // the operand that fixed each label's size
            for (int k = 0; k < shapes.Count; k++)
            {
                var term = e.Inputs[k];
                var shape = shapes[k];
                if (shape is null) continue;
                int covered = term.HasEllipsis ? shape.Length - term.Labels.Count : 0;
                var own = new Dictionary<char, long>();
                for (int i = 0; i < term.Labels.Count; i++)
                {
                    char c = term.Labels[i];
                    long size = shape[term.HasEllipsis && i >= term.EllipsisIndex ? i + covered : i];
                    if (own.TryGetValue(c, out long mine))
                    {
                        if (mine != size)
                            throw new ArgumentException("Operand " + Name(k) + " repeats label '" + c + "' with sizes " + Str(mine) + " and " + Str(size) + "; a diagonal needs equal sizes.", Param(k));
                        continue;
                    }
                    own[c] = size;
                    if (!sizes.TryGetValue(c, out long known) || (known == 1 && size != 1))
                    {
                        sizes[c] = size;
                        source[c] = k;
                    }
                    else if (size != known && size != 1)
                    {
                        throw new ArgumentException("Operand " + Name(k) + " gives label '" + c + "' size " + Str(size) + ", but operand " + Str(source[c])
                            + " gives it size " + Str(known) + "; sizes must match or be 1.", Param(k));
                    }
                }
                for (int j = 0; j < covered; j++)
                {
                    long size = shape[term.EllipsisIndex + j];
                    int at = ellipsisRank - covered + j;
                    if (size == ellipsisShape[at] || size == 1) continue;
                    if (ellipsisShape[at] != 1)
                    {
                        throw new ArgumentException("Operand " + Name(k) + ": ellipsis dimension " + Str(j) + " has size " + Str(size) + ", which does not broadcast against size "
                            + Str(ellipsisShape[at]) + " from operand " + Name(ellipsisSource[at]) + " (broadcast dimension " + Str(at) + " of '...').", Param(k));
                    }
                    ellipsisShape[at] = size;
                    ellipsisSource[at] = k;
                }
            }
            return sizes;
        }

        /// <summary>
        /// The rule generated methods keep for an explicit output without '...' (<c>np.einsum</c>'s with <c>optimize=False</c>, without the gh-30349 fix): the operands'
        /// ellipsis must then cover no dimension. The run-time API sums those dimensions instead (<see cref="EllipsisSum"/>).
        /// </summary>
        /// <exception cref="ArgumentException">Named <paramref name="paramName"/>, when it covers some.</exception>
        public static void CheckOutputEllipsis(EinsumExpression e, int ellipsisRank, string paramName)
        {
            if (ellipsisRank == 0 || e.Output.HasEllipsis) return;
            throw new ArgumentException("The operands' '...' covers " + Str(ellipsisRank) + " dimension(s), but the output term '" + e.Output +
                "' of '" + SpecQuote.Of(e.Text) + "' has no '...' to receive them.", paramName);
        }

        private static string Str(long v) => v.ToString(CultureInfo.InvariantCulture);
    }
}
