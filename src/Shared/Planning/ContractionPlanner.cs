using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace EinsumGen.Planning
{
    /// <summary>
    /// Chooses the order of pairwise contractions for an einsum, minimizing opt_einsum's FLOP count with the largest
    /// intermediate as tie-breaker. Pure and deterministic: the generator runs it at build time, the runtime per shape.
    /// </summary>
    internal static class ContractionPlanner
    {
        /// <summary>Operand counts up to which Auto runs the exact subset DP (3^14 splits: tens of milliseconds).</summary>
        public const int AutoExactLimit = 14;

        /// <param name="inputs">The distinct labels of each operand (a repeated label such as "ii" is passed as "i").</param>
        /// <param name="output">The output labels in order.</param>
        /// <param name="sizes">Every label's size. Labels are opaque characters.</param>
        /// <param name="options">Strategy and memory limit; null for Auto without a limit.</param>
        /// <exception cref="ArgumentException">A label without a size, a negative size, or an output label no operand has.</exception>
        public static ContractionPath Plan(IReadOnlyList<string> inputs, string output, IReadOnlyDictionary<char, long> sizes, PlannerOptions? options = null)
        {
            var ops = Validate(inputs, output, sizes);
            options ??= new PlannerOptions();
            long naive = NaiveFlops(ops, output, sizes);
            int n = ops.Count;
            if (n == 1) return PathBuilder.Unary(ops[0], output, sizes, naive, "single operand");

            var left = new List<int>();
            var right = new List<int>();
            string name;
            var space = LabelSpace.TryCreate(ops, output, sizes);
            if (options.Strategy == PlanStrategy.LeftToRight)
            {
                for (int k = 0; k < n - 1; k++)
                {
                    left.Add(k == 0 ? 0 : n + k - 1);
                    right.Add(k + 1);
                }
                if (space != null)
                {
                    var chain = MaskPlan.Evaluate(space.Operands, space.Output, space, left, right);
                    var reduced = new LeafReductions(space.Operands, space.Output, space, long.MaxValue).Apply(chain, space);
                    left = reduced.Left;
                    right = reduced.Right;
                }
                name = "left-to-right";
            }
            else if (space == null)
            {
                GenericGreedy.Run(ops, output, sizes, left, right);
                name = "greedy (over 64 label groups, memory limit ignored)";
            }
            else
            {
                // A negative limit is no limit, as opt_einsum's memory_limit=-1.
                bool limited = options.MemoryLimit.HasValue && options.MemoryLimit.Value >= 0;
                long limit = limited ? options.MemoryLimit!.Value : long.MaxValue;
                var plan = Search(space, options.Strategy, limit, out name);
                // opt_einsum's way out of a limit: pairwise steps that fit, then one step over all that remains; taken
                // when no pairwise order fits, or when it is cheaper (it rarely is).
                var multiway = limited
                    ? MultiwaySearch.Find(space, limit, exhaustive: options.Strategy == PlanStrategy.Auto || options.Strategy == PlanStrategy.Optimal)
                    : null;
                if (multiway != null && (plan == null || multiway.Flops < plan.TotalFlops))
                {
                    string why = plan == null ? "no pairwise order fits the memory limit " : "cheaper than any pairwise order within the memory limit ";
                    name += " (" + why + limit.ToString(CultureInfo.InvariantCulture) + "; the last step contracts " +
                        multiway.Last.Length.ToString(CultureInfo.InvariantCulture) + " tensors at once)";
                    return PathBuilder.Build(ops, output, sizes, multiway.Left, multiway.Right, multiway.Last, naive, name);
                }
                if (plan == null)
                {
                    plan = Search(space, options.Strategy, long.MaxValue, out name)!;
                    name += " (no order fits the memory limit " + limit.ToString(CultureInfo.InvariantCulture) + "; unconstrained)";
                }
                left.AddRange(plan.Left);
                right.AddRange(plan.Right);
            }
            return PathBuilder.Pairwise(ops, output, sizes, left, right, naive, name);
        }

        /// <summary>
        /// The best order the strategy finds, single-operand reductions included (<see cref="LeafReductions"/>): the exact
        /// search weighs them in every split; the others search both the operands as given and the operands reduced, then
        /// reduce each operand where that lowers the cost of the step that reads it, and keep the cheaper.
        /// </summary>
        private static MaskPlan? Search(LabelSpace space, PlanStrategy strategy, long limit, out string name)
        {
            int n = space.Operands.Length;
            var reductions = new LeafReductions(space.Operands, space.Output, space, limit);
            switch (strategy)
            {
                case PlanStrategy.Greedy:
                    name = "greedy";
                    return BothWays(space, reductions, ops => GreedyOptimizer.Run(ops, space.Output, space, limit));
                case PlanStrategy.Hybrid:
                    return Hybrid(space, reductions, limit, out name);
                default:
                    int exact = strategy == PlanStrategy.Optimal ? SubsetOptimizer.MaxPieces : AutoExactLimit;
                    if (n > exact) return Hybrid(space, reductions, limit, out name);
                    name = "optimal";
                    var plan = SubsetOptimizer.Solve(space.Operands, space.Output, space, limit, rootExempt: true, allowOuter: true,
                        reductions.Any ? reductions : null);
                    return plan == null ? null : reductions.Apply(plan, space);
            }
        }

        private static MaskPlan? Hybrid(LabelSpace space, LeafReductions reductions, long limit, out string name)
        {
            string source = "hybrid", reducedSource = "hybrid";
            var plan = BothWays(space, reductions, ops =>
            {
                bool asGiven = ReferenceEquals(ops, space.Operands);
                var found = HybridSearch.Run(space, ops, limit, out string s);
                if (asGiven) source = s;
                else reducedSource = s;
                return found;
            }, out bool fromReduced);
            name = "hybrid (" + (fromReduced ? reducedSource + ", on summed operands" : source) + ")";
            return plan;
        }

        private static MaskPlan? BothWays(LabelSpace space, LeafReductions reductions, Func<ulong[], MaskPlan?> search) =>
            BothWays(space, reductions, search, out _);

        /// <summary>
        /// Runs <paramref name="search"/> on the operands as given and, when some can be reduced, on the reduced operands
        /// too (a tree over them is a tree over the operands with the same intermediates); each tree gets its reductions,
        /// and the cheaper wins.
        /// </summary>
        private static MaskPlan? BothWays(LabelSpace space, LeafReductions reductions, Func<ulong[], MaskPlan?> search, out bool fromReduced)
        {
            fromReduced = false;
            var plain = search(space.Operands);
            var best = plain == null ? null : reductions.Apply(plain, space);
            if (!reductions.Any) return best;
            var tree = search(reductions.Reduced);
            if (tree == null) return best;
            var candidate = reductions.Apply(MaskPlan.Evaluate(space.Operands, space.Output, space, tree.Left, tree.Right), space);
            if (!candidate.IsBetterThan(best)) return best;
            fromReduced = true;
            return candidate;
        }

        /// <summary>
        /// opt_einsum's (and NumPy's einsum_path) naive cost: one loop nest over every label, all sizes times
        /// (max(1, n-1) + 1 if some label appears in two operands). Their "inner product" test is that sharing, not whether a
        /// label is summed: "i->" costs n, "ab,ab->ab" 2·|ab|.
        /// </summary>
        public static long NaiveFlops(IReadOnlyList<string> inputs, string output, IReadOnlyDictionary<char, long> sizes)
        {
            var all = new StringBuilder();
            int labelCount = 0;
            foreach (string t in inputs)
            {
                foreach (char c in t)
                {
                    if (all.ToString().IndexOf(c) < 0) all.Append(c);
                }
                labelCount += Distinct(t);
            }
            bool inner = labelCount > all.Length;
            long factor = Math.Max(1, inputs.Count - 1) + (inner ? 1 : 0);
            return Saturating.Mul(PathBuilder.Product(all.ToString(), sizes), factor);
        }

        private static int Distinct(string labels)
        {
            int count = 0;
            for (int i = 0; i < labels.Length; i++) if (labels.IndexOf(labels[i]) == i) count++;
            return count;
        }

        internal static List<string> Validate(IReadOnlyList<string> inputs, string output, IReadOnlyDictionary<char, long> sizes)
        {
            if (inputs == null) throw new ArgumentNullException(nameof(inputs));
            if (output == null) throw new ArgumentNullException(nameof(output));
            if (sizes == null) throw new ArgumentNullException(nameof(sizes));
            if (inputs.Count == 0) throw new ArgumentException("An einsum needs at least one operand.", nameof(inputs));
            var ops = new List<string>(inputs.Count);
            for (int k = 0; k < inputs.Count; k++)
            {
                var distinct = new StringBuilder();
                foreach (char c in inputs[k] ?? throw new ArgumentNullException(nameof(inputs)))
                {
                    if (distinct.ToString().IndexOf(c) >= 0) continue;
                    if (!sizes.TryGetValue(c, out long size))
                        throw new ArgumentException("Label '" + c + "' of operand " + k.ToString(CultureInfo.InvariantCulture) + " has no size.", nameof(sizes));
                    if (size < 0)
                        throw new ArgumentException("Label '" + c + "' has a negative size " + size.ToString(CultureInfo.InvariantCulture) + ".", nameof(sizes));
                    distinct.Append(c);
                }
                ops.Add(distinct.ToString());
            }
            for (int i = 0; i < output.Length; i++)
            {
                char c = output[i];
                if (output.IndexOf(c) != i) throw new ArgumentException("Output label '" + c + "' is repeated.", nameof(output));
                bool found = false;
                foreach (string t in ops) found |= t.IndexOf(c) >= 0;
                if (!found) throw new ArgumentException("Output label '" + c + "' appears in no operand.", nameof(output));
            }
            return ops;
        }
    }
}
