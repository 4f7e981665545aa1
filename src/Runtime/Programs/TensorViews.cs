using System.Numerics.Tensors;
using EinsumGen.Notation;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// The slots of a run-time einsum call (<see cref="Einsum"/>): tensors, where a one-element tensor stands for a
    /// rank-0 operand or result (System.Numerics.Tensors has no rank-0 tensor).
    /// </summary>
    internal readonly struct TensorViews<T> : IEinsumViews<T>
    {
        private readonly EinsumExpression _expression;
        private readonly Tensor<T>[] _operands;
        private readonly Tensor<T> _result;
        private readonly Tensor<T>[]? _extras;
        private readonly bool _scalarResult;

        /// <param name="expression">The spec, for which terms are rank 0.</param>
        /// <param name="operands">The operands.</param>
        /// <param name="result">The output, or its gradient.</param>
        /// <param name="scalarResult">Whether the result has rank 0 (a one-element tensor stands for it).</param>
        /// <param name="extras">Each operand's gradient buffer (a backward pass), or null.</param>
        public TensorViews(EinsumExpression expression, Tensor<T>[] operands, Tensor<T> result, bool scalarResult, Tensor<T>[]? extras)
        {
            _scalarResult = scalarResult;
            _expression = expression;
            _operands = operands;
            _result = result;
            _extras = extras;
        }

        public EinsumView<T> this[int slot]
        {
            get
            {
                int n = _operands.Length;
                if (slot < n) return View(_operands[slot], _expression.Inputs[slot]);
                if (slot == n) return _scalarResult ? new EinsumView<T>(ref Einsum.First(_result)) : View(_result, _expression.Output);
                return _extras is null ? default : View(_extras[slot - n - 1], _expression.Inputs[slot - n - 1]);
            }
        }

        private static EinsumView<T> View(Tensor<T> tensor, EinsumTerm term) =>
            Einsum.IsScalarArgument(term, tensor)
                ? new EinsumView<T>(ref Einsum.First(tensor))
                : new EinsumView<T>(ref Einsum.First(tensor), tensor.Lengths, tensor.Strides);
    }
}
