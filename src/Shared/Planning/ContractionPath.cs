using System.Collections.Generic;

namespace EinsumGen.Planning
{
    /// <summary>A complete contraction order with its cost under opt_einsum's convention.</summary>
    internal sealed class ContractionPath
    {
        public ContractionPath(IReadOnlyList<ContractionStep> steps, long naiveFlops, string strategy)
        {
            Steps = steps;
            NaiveFlops = naiveFlops;
            Strategy = strategy;
            long total = 0, largest = 0;
            foreach (var s in steps)
            {
                total = Saturating.Add(total, s.Flops);
                if (s.ResultSize > largest) largest = s.ResultSize;
            }
            TotalFlops = total;
            LargestIntermediate = largest;
        }

        public IReadOnlyList<ContractionStep> Steps { get; }

        /// <summary>Sum of the steps' FLOPs (saturating at <see cref="long.MaxValue"/>).</summary>
        public long TotalFlops { get; }

        /// <summary>opt_einsum's naive cost: product of all sizes times (max(1, n-1) + 1 if some label appears in two operands).</summary>
        public long NaiveFlops { get; }

        /// <summary>Largest result of any step, the final one included (as opt_einsum reports it), in elements.</summary>
        public long LargestIntermediate { get; }

        /// <summary>Which search produced the order, e.g. "optimal" or "hybrid(greedy+refine)", for reports.</summary>
        public string Strategy { get; }
    }
}
