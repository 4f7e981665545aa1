namespace EinsumGen.Planning
{
    /// <summary>
    /// One step of a plan. Tensor ids are SSA-style: 0..n-1 are the operands, n+k is the result of step k.
    /// </summary>
    internal sealed class ContractionStep
    {
        public ContractionStep(int left, int right, string resultLabels, string summedLabels, long flops, long resultSize, EinsumStepKind kind)
        {
            Left = left;
            Right = right;
            ResultLabels = resultLabels;
            SummedLabels = summedLabels;
            Flops = flops;
            ResultSize = resultSize;
            Kind = kind;
        }

        public int Left { get; }

        /// <summary>The second tensor id, or -1 for the unary step of a single-operand einsum.</summary>
        public int Right { get; }

        /// <summary>
        /// The result's labels in layout order. The last step's equal the einsum output; an intermediate's are the kept
        /// labels shared by both operands (batch) in the left's order, then those only in the left, then those only in
        /// the right, each in its operand's order — the [batch, m, n] layout a GEMM writes.
        /// </summary>
        public string ResultLabels { get; }

        /// <summary>Labels summed away in this step, left operand's order first.</summary>
        public string SummedLabels { get; }

        /// <summary>opt_einsum's flop_count: product of the sizes of every label involved, times (1 + 1 if anything is summed).</summary>
        public long Flops { get; }

        /// <summary>Elements of the result.</summary>
        public long ResultSize { get; }

        public EinsumStepKind Kind { get; }

        public bool IsUnary => Right < 0;
    }
}
