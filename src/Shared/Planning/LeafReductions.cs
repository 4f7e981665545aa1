namespace EinsumGen.Planning
{
    /// <summary>
    /// Single-operand reductions. A label that one operand carries and no other operand nor the output does can be summed
    /// out of that operand by a unary step before any pairwise one (opt_einsum's dp does this for every such operand; its
    /// optimal and greedy never do). Under opt_einsum's convention the unary step costs 2 × the operand's size, and
    /// summing all of an operand's single labels at once costs the same as summing one, so each operand has two states:
    /// as given, or with all its single labels summed. The choice is local: a leaf enters exactly one pairwise step, and
    /// that step's result is the same either way, so only that step's cost depends on it. A repeated label (a diagonal)
    /// needs no step of its own: the runtime reads it as a strided view in whichever step reads the operand, at no cost.
    /// </summary>
    internal sealed class LeafReductions
    {
        private readonly ulong[] _full;
        private readonly ulong[] _reduced;
        private readonly long[] _flops;

        /// <param name="leaves">Each operand's label mask.</param>
        /// <param name="output">The output's mask.</param>
        /// <param name="space">The label sizes.</param>
        /// <param name="limit">Largest intermediate allowed: a reduction whose result exceeds it is not offered.</param>
        public LeafReductions(ulong[] leaves, ulong output, LabelSpace space, long limit)
        {
            int n = leaves.Length;
            _full = leaves;
            _reduced = new ulong[n];
            _flops = new long[n];
            var after = new ulong[n + 1];
            for (int i = n - 1; i >= 0; i--) after[i] = after[i + 1] | leaves[i];
            ulong before = 0;
            for (int i = 0; i < n; i++)
            {
                ulong reduced = leaves[i] & (output | before | after[i + 1]);
                before |= leaves[i];
                bool offered = reduced != leaves[i] && space.Size(reduced) <= limit;
                _reduced[i] = offered ? reduced : leaves[i];
                _flops[i] = offered ? Saturating.Mul(space.Size(leaves[i]), 2) : 0;
                Any |= offered;
            }
        }

        /// <summary>Whether some operand has a label to sum on its own.</summary>
        public bool Any { get; }

        /// <summary>Each operand's mask with its single labels summed (the mask itself where none is offered).</summary>
        public ulong[] Reduced => _reduced;

        /// <summary>
        /// The cheapest cost of the pairwise step <paramref name="maskA"/> · <paramref name="maskB"/> → <paramref name="result"/>
        /// where <paramref name="leafA"/> (<paramref name="leafB"/>) is the operand index of a leaf input, or -1 for a subtree;
        /// a leaf may first be reduced, its reduction's FLOPs then counted here.
        /// </summary>
        public long PairCost(int leafA, ulong maskA, int leafB, ulong maskB, ulong result, LabelSpace space, out bool reduceA, out bool reduceB)
        {
            long best = space.PairFlops(maskA, maskB, result);
            reduceA = reduceB = false;
            bool canA = leafA >= 0 && _reduced[leafA] != _full[leafA], canB = leafB >= 0 && _reduced[leafB] != _full[leafB];
            if (canA) Consider(ref best, ref reduceA, ref reduceB, true, false, space, leafA, maskA, leafB, maskB, result);
            if (canB) Consider(ref best, ref reduceA, ref reduceB, false, true, space, leafA, maskA, leafB, maskB, result);
            if (canA && canB) Consider(ref best, ref reduceA, ref reduceB, true, true, space, leafA, maskA, leafB, maskB, result);
            return best;
        }

        private void Consider(ref long best, ref bool bestA, ref bool bestB, bool a, bool b, LabelSpace space,
            int leafA, ulong maskA, int leafB, ulong maskB, ulong result)
        {
            long cost = space.PairFlops(a ? _reduced[leafA] : maskA, b ? _reduced[leafB] : maskB, result);
            if (a) cost = Saturating.Add(cost, _flops[leafA]);
            if (b) cost = Saturating.Add(cost, _flops[leafB]);
            if (cost >= best) return;
            best = cost;
            bestA = a;
            bestB = b;
        }

        /// <summary>
        /// The pairwise tree <paramref name="plan"/> (over the operands) with a unary step before each pairwise step that is
        /// cheaper on a reduced operand: the unary steps come first (ids n…n+u-1), then the pairwise steps, renumbered.
        /// </summary>
        public MaskPlan Apply(MaskPlan plan, LabelSpace space)
        {
            int n = plan.Leaves;
            var reduce = new bool[n];
            int unary = 0;
            for (int k = 0; k < plan.StepCount; k++)
            {
                int a = plan.Left[k], b = plan.Right[k];
                PairCost(a < n ? a : -1, MaskOf(plan, a), b < n ? b : -1, MaskOf(plan, b), plan.Mask[k], space, out bool ra, out bool rb);
                if (ra) { reduce[a] = true; unary++; }
                if (rb) { reduce[b] = true; unary++; }
            }
            if (unary == 0) return plan;

            var result = new MaskPlan(n);
            var id = new int[n];
            for (int i = 0; i < n; i++)
            {
                id[i] = reduce[i] ? result.Add(i, -1, _reduced[i], space.Size(_reduced[i]), _flops[i]) : i;
            }
            int Renumber(int t) => t < n ? id[t] : t + unary;
            ulong MaskIn(int t) => t < n ? (reduce[t] ? _reduced[t] : _full[t]) : plan.Mask[t - n];
            for (int k = 0; k < plan.StepCount; k++)
            {
                int a = plan.Left[k], b = plan.Right[k];
                result.Add(Renumber(a), Renumber(b), plan.Mask[k], plan.Size[k], space.PairFlops(MaskIn(a), MaskIn(b), plan.Mask[k]));
            }
            return result;
        }

        private ulong MaskOf(MaskPlan plan, int t) => t < plan.Leaves ? _full[t] : plan.Mask[t - plan.Leaves];
    }
}
