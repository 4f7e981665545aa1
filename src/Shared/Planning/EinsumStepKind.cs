namespace EinsumGen
{
    /// <summary>
    /// The kernel shape of one plan step, decided from how its labels split between its operands: one enum for the planner,
    /// the generator's remarks and the public plan report (public in the runtime only).
    /// </summary>
#if EINSUMGEN_RUNTIME
    public
#else
    internal
#endif
    enum EinsumStepKind
    {
        /// <summary>Sums labels shared by both operands and keeps no shared label: a matrix product (or matrix-vector, dot).</summary>
        Gemm,

        /// <summary>Sums shared labels and also keeps some shared labels as a batch: a batched matrix product.</summary>
        Batched,

        /// <summary>A single operand summed over some labels.</summary>
        Reduction,

        /// <summary>Shares labels but sums none of them (a Hadamard product), or copies a single operand.</summary>
        Elementwise,

        /// <summary>A single operand with its labels permuted.</summary>
        Transpose,

        /// <summary>The operands share no label.</summary>
        OuterProduct,

        /// <summary>
        /// Three or more tensors contracted in one loop nest: the last step of a plan when no pairwise order keeps every
        /// intermediate under the memory limit (opt_einsum's step over all remaining operands).
        /// </summary>
        Multiway,
    }
}
