using System;
using System.Collections.Generic;
using System.Numerics;
using System.Numerics.Tensors;

namespace EinsumGen
{
    public static partial class Einsum
    {
        /// <summary>
        /// NumPy's interleaved sublist form, <c>np.einsum(a, [0, 1], b, [1, 2], [0, 2])</c>, and PyTorch's
        /// <c>torch.einsum(a, [0, 1], b, [1, 2], [0, 2])</c>: each operand with its sublist of label numbers (0–51) and
        /// <see cref="EinsumSubscript.Ellipsis"/>, e.g. <c>Einsum.Evaluate&lt;float&gt;([(a, [0, 1]), (b, [1, 2])], [0, 2])</c>.
        /// The spec is <see cref="EinsumSublist.ToSpec"/>'s; evaluation, semantics and errors are
        /// <see cref="Evaluate{T}(string, EinsumPlanOptions?, Tensor{T}[])"/>'s.
        /// </summary>
        /// <param name="operands">Each operand with its sublist, in order.</param>
        /// <param name="output">The output sublist; null for NumPy's implicit output (the ellipsis, then the labels used once, in increasing order).</param>
        /// <param name="options">Strategy, memory limit or explicit path; null for the defaults.</param>
        /// <exception cref="ArgumentException">A label number outside [0, 52), two ellipses in a sublist, or any error of the spec it stands for.</exception>
        public static Tensor<T> Evaluate<T>(ReadOnlySpan<(Tensor<T> Operand, IReadOnlyList<EinsumSubscript> Sublist)> operands,
            IReadOnlyList<EinsumSubscript>? output = null, EinsumPlanOptions? options = null) where T : unmanaged, INumberBase<T>
        {
            var tensors = new Tensor<T>[operands.Length];
            var sublists = new IReadOnlyList<EinsumSubscript>[operands.Length];
            for (int i = 0; i < operands.Length; i++)
            {
                tensors[i] = operands[i].Operand;
                sublists[i] = operands[i].Sublist;
            }
            string spec = EinsumSublist.ToSpec(sublists, output);
            return Evaluate(spec, options, tensors);
        }
    }
}
