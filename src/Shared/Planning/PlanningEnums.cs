namespace EinsumGen.Planning
{
    /// <summary>What kind of kernel a step needs; decided from how the step's labels split between its operands.</summary>
    internal enum StepKind
    {
        /// <summary>Pairwise, sums a label shared by both operands, no label kept in both: a (possibly matrix-vector) GEMM.</summary>
        Gemm,

        /// <summary>Pairwise, sums a shared label and also keeps a shared label: a batched GEMM.</summary>
        Batched,

        /// <summary>Unary step that sums labels away.</summary>
        Reduction,

        /// <summary>Pairwise with shared labels none of which is summed (a Hadamard product, perhaps broadcast), or a unary copy.</summary>
        Elementwise,

        /// <summary>Unary step that only permutes the labels.</summary>
        Transpose,

        /// <summary>Pairwise with no shared label: every element of one operand times every element of the other.</summary>
        OuterProduct,
    }

    /// <summary>How the planner searches for a contraction order.</summary>
    internal enum PlanStrategy
    {
        /// <summary>Exact subset DP up to 14 operands; beyond, the hybrid search (greedy, randomized greedy, connected DP, refinement).</summary>
        Auto,

        /// <summary>Exact subset DP (outer products included) up to 16 operands; beyond, the same hybrid search as Auto.</summary>
        Optimal,

        /// <summary>opt_einsum's greedy: repeatedly contracts the pair that removes the most memory.</summary>
        Greedy,

        /// <summary>((0,1),2),3…: what PyTorch and TorchSharp do without opt_einsum. Ignores the memory limit.</summary>
        LeftToRight,

        /// <summary>The hybrid search whatever the operand count: greedy, randomized greedy, connected-subset DP, subtree refinement.</summary>
        Hybrid,
    }
}
