using System;
using System.Numerics;

namespace EinsumGen.Runtime
{
    internal sealed partial class EinsumBinding
    {
        /// <summary>Runs step <paramref name="step"/> into <paramref name="result"/>, overwriting it or, with <paramref name="accumulate"/>, adding to it.</summary>
        public void ExecuteStep<T>(int step, ref T left, ref T right, ref T result, bool accumulate = false) where T : unmanaged, INumberBase<T>
        {
            var call = Layout.Forward(step);
            if (!accumulate && TryRunRemembered(step, call, ref left, ref right, ref result)) return;
            SlicedStep.Contract(call, ref left, ref right, ref result, accumulate);
        }

        /// <summary>Step <paramref name="step"/> of the order this call runs (profiling).</summary>
        public ProgramStep StepAt(int step) => Layout.Steps[step];

        /// <summary>Multiply-adds of step <paramref name="step"/> as this call runs it (profiling).</summary>
        public double ForwardMultiplyAdds(int step) => Layout.Forward(step).MultiplyAdds;

        /// <summary>Multiply-adds of the backward step into step <paramref name="step"/>'s left or right input (profiling; 0 when not requested).</summary>
        public double GradientMultiplyAdds(int step, bool left) => Layout.Gradient(step, left)?.MultiplyAdds ?? 0;

        /// <summary>
        /// Backward through step <paramref name="step"/>: from the gradient of its result, the gradient of its left
        /// (<paramref name="left"/> true) or right input — the step's einsum with that input's labels as output and the
        /// other input as the second factor (for a unary step, the result gradient broadcast back). An operand's gradient
        /// goes to its registered buffer (summed over broadcast dimensions, on the diagonal of a repeated label, added when
        /// <paramref name="accumulate"/>); an intermediate's gets the intermediate's own layout and is overwritten.
        /// </summary>
        public void ExecuteStepGradient<T>(int step, bool left, ref T resultGradient, ref T other, ref T target, bool accumulate) where T : unmanaged, INumberBase<T>
        {
            var call = Layout.Gradient(step, left) ?? throw new InvalidOperationException("No gradient buffer was registered for that operand.");
            bool leaf = (left ? Layout.Steps[step].Left : Layout.Steps[step].Right) < _program.OperandCount;
            SlicedStep.Contract(call, ref resultGradient, ref other, ref target, leaf && accumulate);
        }
    }
}
