using EinsumGen.Planning;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// One pairwise (or unary) step of a compiled program: result[<see cref="ResultLabels"/>] = Σ_<see cref="SummedLabels"/>
    /// left · right. Tensor ids: operands 0..n-1, then step k's result n+k; the last step writes the output. '.' stands for
    /// all the ellipsis dimensions.
    /// </summary>
    /// <param name="Left">The tensor the step reads first.</param>
    /// <param name="Right">The tensor it reads second, or -1 for a unary step (a sum or diagonal of one tensor).</param>
    /// <param name="ResultLabels">The result's labels in layout order (the last step's are the output's).</param>
    /// <param name="SummedLabels">The labels the step sums away.</param>
    readonly partial record struct ProgramStep(int Left, int Right, string ResultLabels, string SummedLabels)
    {
        /// <summary>
        /// A unary step: result[<paramref name="resultLabels"/>] = Σ_<paramref name="summedLabels"/> of tensor
        /// <paramref name="operand"/> alone (a single-operand einsum, or labels summed out of one operand before it meets another).
        /// </summary>
        /// <param name="operand">The tensor the step reads.</param>
        /// <param name="resultLabels">The result's labels in layout order.</param>
        /// <param name="summedLabels">The labels the step sums away.</param>
        public ProgramStep(int operand, string resultLabels, string summedLabels)
            : this(operand, -1, resultLabels, summedLabels)
        {
        }

        /// <summary>The program's view of a planner step.</summary>
        /// <exception cref="System.InvalidOperationException">A multiway step: programs run pairwise and unary steps only.</exception>
        internal static ProgramStep From(ContractionStep step) => step.IsMultiway
            ? throw new System.InvalidOperationException("A multiway step cannot run as a program step.")
            : new ProgramStep(step.Left, step.Right, step.ResultLabels, step.SummedLabels);

        /// <summary>True for a step that reads one tensor.</summary>
        internal bool IsUnary => Right < 0;
    }
}
