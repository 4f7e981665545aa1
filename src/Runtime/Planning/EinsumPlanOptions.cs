using System.Collections.Generic;

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

        /// <summary>
        /// An explicit contraction order, or null to search for one: NumPy's <c>optimize=['einsum_path', (0, 2), (0, 1)]</c>
        /// and opt_einsum's <c>contract(..., optimize=path)</c>, in the form <see cref="EinsumPlan.LinearPath"/> prints (so a
        /// plan's path can be passed back). Each step lists positions in the current list of tensors, in any order; the
        /// step removes those tensors and appends its result at the end. One position is a unary step (a sum, diagonal or
        /// transpose of one tensor), two a pairwise step, three or more one <see cref="EinsumStepKind.Multiway"/> loop nest.
        /// The path must leave exactly one tensor (an empty path is allowed for a single operand). When set,
        /// <see cref="Strategy"/> and <see cref="MemoryLimit"/> are ignored. Honoured by <see cref="EinsumPlan.Create(string, EinsumPlanOptions?, int[][])"/>
        /// and the <c>Einsum.Evaluate</c>, <c>EvaluateInto</c> and <c>Backward</c> overloads that take options; a position out
        /// of range or named twice in a step, or a path that leaves more than one tensor, is an <see cref="System.ArgumentException"/>
        /// naming the step and the position, raised before anything is computed. Example:
        /// <c>Path = new[] { new[] { 0, 2 }, new[] { 0, 1 } }</c>.
        /// </summary>
        public IReadOnlyList<IReadOnlyList<int>>? Path { get; set; }
    }
}
