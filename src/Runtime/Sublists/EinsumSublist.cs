using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace EinsumGen
{
    /// <summary>
    /// NumPy's interleaved sublist form, <c>np.einsum(a, [0, 1], b, [1, 2], [0, 2])</c>, and PyTorch's
    /// <c>torch.einsum(a, [0, 1], b, [1, 2], [0, 2])</c>, as a spec: label numbers 0–25 become 'A'–'Z' and 26–51 'a'–'z' (as
    /// NumPy and PyTorch map them, so that the implicit output's alphabetical order is the numbers' order), and
    /// <see cref="EinsumSubscript.Ellipsis"/> becomes <c>...</c>. Without an output sublist the output is implicit, as in
    /// NumPy: the ellipsis, then the labels used once, in increasing order. <see cref="Einsum.Evaluate{T}(ReadOnlySpan{ValueTuple{System.Numerics.Tensors.Tensor{T}, IReadOnlyList{EinsumSubscript}}}, IReadOnlyList{EinsumSubscript}?, EinsumPlanOptions?)"/>
    /// evaluates the form directly; the spec serves <see cref="EinsumPlan.Create(string, int[][])"/> (<c>np.einsum_path</c>) and
    /// <see cref="Einsum.Backward{T}(string, System.Numerics.Tensors.Tensor{T}, System.Numerics.Tensors.Tensor{T}[])"/>.
    /// </summary>
    public static class EinsumSublist
    {
        /// <summary>How many label numbers there are: 0 to 51.</summary>
        public const int LabelCount = 52;

        /// <summary>The spec letter of label number <paramref name="label"/>: 0–25 → 'A'–'Z', 26–51 → 'a'–'z'.</summary>
        /// <param name="label">A label number.</param>
        /// <exception cref="ArgumentOutOfRangeException">The number is not within [0, 52), as NumPy's ValueError.</exception>
        public static char Letter(int label)
        {
            if (label < 0 || label >= LabelCount)
            {
                throw new ArgumentOutOfRangeException(nameof(label), label, "A subscript must be within the valid range [0, 52).");
            }
            return label < 26 ? (char)('A' + label) : (char)('a' + label - 26);
        }

        /// <summary>
        /// The spec of <paramref name="inputs"/> (one sublist per operand) and <paramref name="output"/>, e.g.
        /// <c>ToSpec([[0, 1], [1, 2]], [0, 2])</c> is <c>"AB,BC->AC"</c>, and <c>ToSpec([[Ellipsis, 0]])</c> is <c>"...A"</c>.
        /// </summary>
        /// <param name="inputs">Each operand's sublist, in order.</param>
        /// <param name="output">The output sublist; null for NumPy's implicit output (an empty one is a scalar result).</param>
        /// <exception cref="ArgumentException">
        /// No operand, a null sublist, a label number outside [0, 52), or more than one ellipsis in a sublist; the message names
        /// the sublist and the position.
        /// </exception>
        public static string ToSpec(IReadOnlyList<IReadOnlyList<EinsumSubscript>> inputs, IReadOnlyList<EinsumSubscript>? output = null)
        {
            ArgumentNullException.ThrowIfNull(inputs);
            if (inputs.Count == 0) throw new ArgumentException("An einsum needs at least one operand and its sublist.", nameof(inputs));
            var spec = new StringBuilder();
            for (int k = 0; k < inputs.Count; k++)
            {
                if (k > 0) spec.Append(',');
                var sublist = inputs[k] ?? throw new ArgumentException($"The sublist of operand {k} is null.", nameof(inputs));
                Append(spec, sublist, $"the sublist of operand {k}", nameof(inputs));
            }
            if (output is not null)
            {
                spec.Append("->");
                Append(spec, output, "the output sublist", nameof(output));
            }
            return spec.ToString();
        }

        private static void Append(StringBuilder spec, IReadOnlyList<EinsumSubscript> sublist, string what, string parameter)
        {
            bool ellipsis = false;
            for (int i = 0; i < sublist.Count; i++)
            {
                var s = sublist[i];
                if (s.IsEllipsis)
                {
                    if (ellipsis) throw new ArgumentException($"Each subscripts list may have only one ellipsis: {what} has another at position {i}.", parameter);
                    ellipsis = true;
                    spec.Append("...");
                    continue;
                }
                if (s.Label < 0 || s.Label >= LabelCount)
                {
                    throw new ArgumentException(
                        $"Subscript {s.Label.ToString(CultureInfo.InvariantCulture)} at position {i} of {what} is not within the valid range [0, 52).", parameter);
                }
                spec.Append(Letter(s.Label));
            }
        }
    }
}
