using System.Collections.Generic;

namespace EinsumGen
{
    /// <summary>
    /// One contraction of a plan: two tensors (or one, for a sum over one operand's own labels) into a new one, or, as the
    /// last step of a plan whose memory limit no pairwise order meets, all remaining tensors at once.
    /// </summary>
    public sealed class EinsumPlanStep
    {
        internal EinsumPlanStep(int index, IReadOnlyList<int> operands, int resultId, string einsum, string resultLabels, string summedLabels,
            long flops, long resultSize, EinsumStepKind kind, int scaling, string remaining, string kernel)
        {
            Kernel = kernel;
            Index = index;
            Operands = operands;
            ResultId = resultId;
            Einsum = einsum;
            ResultLabels = resultLabels;
            SummedLabels = summedLabels;
            Flops = flops;
            ResultSize = resultSize;
            Kind = kind;
            Scaling = scaling;
            Remaining = remaining;
        }

        /// <summary>Position of the step in the plan, from 0.</summary>
        public int Index { get; }

        /// <summary>
        /// The tensors contracted: ids 0..n-1 are the einsum's operands, id n+k is the result of step k. One id for the
        /// single step of a one-operand einsum or a sum over one operand's own labels; three or more for a
        /// <see cref="EinsumStepKind.Multiway"/> step.
        /// </summary>
        public IReadOnlyList<int> Operands { get; }

        /// <summary>The id of this step's result: the operand count plus <see cref="Index"/>.</summary>
        public int ResultId { get; }

        /// <summary>The step as an einsum of its own, e.g. <c>"aei,bfij->abefj"</c>; "..." stands for the broadcast dimensions.</summary>
        public string Einsum { get; }

        /// <summary>The result's labels in memory order ("..." for the broadcast dimensions).</summary>
        public string ResultLabels { get; }

        /// <summary>The labels this step sums away.</summary>
        public string SummedLabels { get; }

        /// <summary>
        /// opt_einsum's FLOP count of the step: the product of the sizes of all labels involved, times (operands - 1, at
        /// least 1, plus 1 when it sums): doubled when a pairwise step sums.
        /// </summary>
        public long Flops { get; }

        /// <summary>Elements in the result.</summary>
        public long ResultSize { get; }

        /// <summary>Which kernel shape the step needs.</summary>
        public EinsumStepKind Kind { get; }

        /// <summary>
        /// The kernel the runtime picks for the step with dense float views on one thread with 512-bit vectors (e.g.
        /// "packed GEMM", "direct, along N"); the same name the remarks of generated code give. A call decides again for its
        /// own strides, vector width and cores.
        /// </summary>
        public string Kernel { get; }

        /// <summary>How many dimensions the step loops over: its FLOPs grow as size^Scaling.</summary>
        public int Scaling { get; }

        /// <summary>The tensors left after the step, as an einsum over them: what opt_einsum prints as "remaining".</summary>
        public string Remaining { get; }

        /// <summary>The step's einsum with its FLOPs, e.g. <c>"aei,bfij->abefj (GEMM, 2.1e+04 FLOPs)"</c>.</summary>
        public override string ToString() => Einsum + " (" + EinsumPlanFormatter.KindName(Kind) + ", " + EinsumPlanFormatter.Scientific(Flops) + " FLOPs)";
    }
}
