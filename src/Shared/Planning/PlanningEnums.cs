namespace EinsumGen.Planning
{
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
