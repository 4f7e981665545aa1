using System;
using System.Collections.Generic;
using System.Globalization;

namespace EinsumGen.Planning
{
    /// <summary>
    /// A contraction order given by the caller, in the form of NumPy's <c>optimize=['einsum_path', (0, 2), (0, 1)]</c> and
    /// opt_einsum's <c>optimize=path</c>: each step lists positions in the current list of tensors (in any order); the
    /// step removes those tensors and appends its result at the end. One position is a unary step (a sum or diagonal of
    /// one tensor), two a pairwise step, more a <see cref="EinsumStepKind.Multiway"/> step. The path must leave exactly
    /// one tensor, as NumPy requires ("Invalid einsum_path is specified"); an empty path is a single operand's unary step.
    /// </summary>
    internal static class ExplicitPath
    {
        /// <summary>The strategy name an explicit path reports.</summary>
        public const string StrategyName = "explicit path";

        /// <param name="inputs">The distinct labels of each operand.</param>
        /// <param name="output">The output labels in order.</param>
        /// <param name="sizes">Every label's size.</param>
        /// <param name="path">The steps, as positions in the current list of tensors.</param>
        /// <param name="parameter">The parameter to name in errors.</param>
        /// <exception cref="ArgumentException">
        /// A null or empty step, a position out of range or named twice in one step (the message names the step and the
        /// position), or a path that leaves more than one tensor.
        /// </exception>
        public static ContractionPath Plan(IReadOnlyList<string> inputs, string output, IReadOnlyDictionary<char, long> sizes,
            IReadOnlyList<IReadOnlyList<int>> path, string parameter)
        {
            if (path == null) throw new ArgumentNullException(parameter);
            var ops = ContractionPlanner.Validate(inputs, output, sizes);
            long naive = ContractionPlanner.NaiveFlops(ops, output, sizes);
            int n = ops.Count;
            if (path.Count == 0)
            {
                if (n == 1) return PathBuilder.Unary(ops[0], output, sizes, naive, StrategyName);
                throw new ArgumentException("The path is empty, but " + Text(n) + " operands must be contracted to one tensor.", parameter);
            }
            var live = new List<int>(n);
            for (int i = 0; i < n; i++) live.Add(i);
            var order = new List<int[]>(path.Count);
            for (int k = 0; k < path.Count; k++)
            {
                var step = path[k];
                if (step == null) throw new ArgumentException("Step " + Text(k) + " of the path is null.", parameter);
                if (step.Count == 0) throw new ArgumentException("Step " + Text(k) + " of the path names no tensor.", parameter);
                var positions = new List<int>(step.Count);
                foreach (int position in step)
                {
                    if (position < 0 || position >= live.Count)
                    {
                        throw new ArgumentException("Step " + Text(k) + " of the path names position " + Text(position) + ", but " + Text(live.Count) +
                            " tensor(s) are left at that step (positions 0 to " + Text(live.Count - 1) + ").", parameter);
                    }
                    if (positions.Contains(position))
                    {
                        throw new ArgumentException("Step " + Text(k) + " of the path names position " + Text(position) + " twice.", parameter);
                    }
                    positions.Add(position);
                }
                positions.Sort();
                var ids = new int[positions.Count];
                for (int j = 0; j < ids.Length; j++) ids[j] = live[positions[j]];
                for (int j = positions.Count - 1; j >= 0; j--) live.RemoveAt(positions[j]);
                live.Add(n + k);
                order.Add(ids);
            }
            if (live.Count != 1)
            {
                throw new ArgumentException("The path leaves " + Text(live.Count) + " tensors after its last step (step " + Text(path.Count - 1) +
                    "); it must contract them to one, so " + Text(live.Count - 1) + " more step(s) are needed.", parameter);
            }
            return PathBuilder.FromSteps(ops, output, sizes, order, naive, StrategyName);
        }

        private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
