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

        /// <summary>
        /// A step over three or more tensors at once (<paramref name="operands"/>, in ascending id order): the last step of a
        /// plan whose memory limit no pairwise order meets, as opt_einsum's "contract all remaining" step.
        /// </summary>
        public ContractionStep(int[] operands, string resultLabels, string summedLabels, long flops, long resultSize)
            : this(operands[0], operands[1], resultLabels, summedLabels, flops, resultSize, EinsumStepKind.Multiway)
        {
            _multiway = operands;
        }

        private readonly int[]? _multiway;

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

        /// <summary>True for a step over more than two tensors.</summary>
        public bool IsMultiway => _multiway != null;

        /// <summary>Every tensor the step reads: one, two, or all of a multiway step's.</summary>
        public int[] Inputs => _multiway != null ? (int[])_multiway.Clone() : IsUnary ? new[] { Left } : new[] { Left, Right };

        /// <summary>This step with its result laid out as <paramref name="resultLabels"/>.</summary>
        public ContractionStep WithResultLabels(string resultLabels) =>
            _multiway != null ? new ContractionStep(_multiway, resultLabels, SummedLabels, Flops, ResultSize)
                : new ContractionStep(Left, Right, resultLabels, SummedLabels, Flops, ResultSize, Kind);
    }
}
