namespace EinsumGen.Runtime
{
    internal sealed partial class EinsumBinding
    {
        /// <summary>
        /// Step <paramref name="step"/>'s forward call (sizes and strides of every tensor), for executors that run the
        /// sweep's steps elsewhere (the ILGPU companion): the same layout, shape checks and schedule as the CPU's.
        /// </summary>
        internal StepCall ForwardCall(int step) => Layout.Forward(step);

        /// <summary>The backward call into step <paramref name="step"/>'s left or right input; null when not requested.</summary>
        internal StepCall? GradientCall(int step, bool left) => Layout.Gradient(step, left);

        /// <summary>Whether tensor <paramref name="tensor"/> is an operand (its gradient adds into the caller's buffer when accumulating).</summary>
        internal bool IsOperand(int tensor) => tensor < _program.OperandCount;
    }
}
