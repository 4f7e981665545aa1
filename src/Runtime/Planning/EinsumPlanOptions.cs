namespace EinsumGen
{
    /// <summary>How <see cref="EinsumPlan.Create(string, EinsumPlanOptions?, int[][])"/> searches for a contraction order.</summary>
    public enum EinsumPlanStrategy
    {
        /// <summary>Exact optimum up to 14 operands, the hybrid search beyond: the default.</summary>
        Auto,

        /// <summary>Exact optimum (dynamic programming over subsets, outer products included) up to 16 operands; hybrid beyond.</summary>
        Optimal,

        /// <summary>opt_einsum's greedy order: fast, often good, sometimes far from optimal.</summary>
        Greedy,

        /// <summary>Contract operand 0 with 1, the result with 2, and so on: PyTorch's order without opt_einsum. Ignores the memory limit.</summary>
        LeftToRight,

        /// <summary>Greedy, randomized greedy and connected-subset DP candidates, the best refined by exact re-planning of subtrees.</summary>
        Hybrid,
    }

    /// <summary>Options for planning an einsum.</summary>
    public sealed class EinsumPlanOptions
    {
        /// <summary>The search to run; <see cref="EinsumPlanStrategy.Auto"/> by default.</summary>
        public EinsumPlanStrategy Strategy { get; set; } = EinsumPlanStrategy.Auto;

        /// <summary>
        /// The most elements any intermediate may hold, or null (or a negative number, as opt_einsum's -1) for no limit
        /// (opt_einsum's and NumPy's <c>memory_limit</c>). The final result is exempt. When no pairwise order respects the limit, the plan does as
        /// opt_einsum does: pairwise steps that fit, then one <see cref="EinsumStepKind.Multiway"/> step over all the
        /// remaining tensors (also taken when it is cheaper than every pairwise order that fits), and
        /// <see cref="EinsumPlan.Strategy"/> says so. <see cref="EinsumPlanStrategy.LeftToRight"/> ignores the limit.
        /// </summary>
        public long? MemoryLimit { get; set; }
    }
}
