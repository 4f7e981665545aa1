namespace EinsumGen.Planning
{
    /// <summary>
    /// Exact optimum by dynamic programming over all subsets of a few pieces (opt_einsum's "optimal" result, found in
    /// O(3^m)): best(S) = min over splits S = A ∪ B of best(A) + best(B) + cost(A, B), outer products included unless
    /// disallowed. Pieces are operands, or subtrees when refining a window of a larger tree.
    /// </summary>
    internal static class SubsetOptimizer
    {
        public const int MaxPieces = 16;

        /// <param name="pieces">Label mask of each piece (at most <see cref="MaxPieces"/>).</param>
        /// <param name="outside">Labels needed beyond these pieces (the output, or the window root's result).</param>
        /// <param name="space">Sizes of the label groups.</param>
        /// <param name="limit">Largest size allowed for a step result.</param>
        /// <param name="rootExempt">True when the root's result is the einsum output, which the limit does not bind.</param>
        /// <param name="allowOuter">False to forbid steps whose operands share no label.</param>
        /// <param name="reductions">
        /// When the pieces are the operands: their single-operand reductions, each chosen where it lowers the cost of the
        /// step that reads the operand (the returned tree is pairwise; <see cref="LeafReductions.Apply"/> adds the unary steps).
        /// </param>
        /// <returns>The best plan over the pieces, or null when none respects the limit.</returns>
        public static MaskPlan? Solve(ulong[] pieces, ulong outside, LabelSpace space, long limit, bool rootExempt, bool allowOuter,
            LeafReductions? reductions = null)
        {
            int m = pieces.Length;
            int full = (1 << m) - 1;
            var labels = new ulong[full + 1];
            var keep = new ulong[full + 1];
            var size = new long[full + 1];
            var cost = new long[full + 1];
            var largest = new long[full + 1];
            var split = new int[full + 1];
            for (int s = 1; s <= full; s++)
            {
                int low = s & -s;
                labels[s] = labels[s ^ low] | pieces[Bits.Lowest((ulong)low)];
            }
            for (int s = 1; s <= full; s++)
            {
                // A lone piece really holds all its labels; a larger set has already summed those needed nowhere else.
                keep[s] = (s & (s - 1)) == 0 ? labels[s] : labels[s] & (outside | labels[full ^ s]);
                size[s] = space.Size(keep[s]);
                cost[s] = (s & (s - 1)) == 0 ? 0 : -1;   // leaves are free; -1 marks "no plan yet"
            }

            for (int s = 3; s <= full; s++)
            {
                int low = s & -s, rest = s ^ low;
                if (rest == 0) continue;
                if ((s != full || !rootExempt) && size[s] > limit) continue;
                long best = long.MaxValue, bestLargest = long.MaxValue;
                int bestSplit = 0;
                bool found = false;
                int sub = rest;
                do
                {
                    sub = (sub - 1) & rest;
                    int a = low | sub, b = s ^ a;
                    long ca = cost[a], cb = cost[b];
                    if (ca < 0 || cb < 0) continue;
                    long baseCost = Saturating.Add(ca, cb);
                    if (baseCost > best) continue;
                    if (!allowOuter && (labels[a] & labels[b]) == 0) continue;
                    long pair = reductions == null ? space.PairFlops(keep[a], keep[b], keep[s])
                        : reductions.PairCost(Leaf(a), keep[a], Leaf(b), keep[b], keep[s], space, out _, out _);
                    long total = Saturating.Add(baseCost, pair);
                    long big = largest[a] > largest[b] ? largest[a] : largest[b];
                    if (size[s] > big) big = size[s];
                    if (!found || total < best || (total == best && big < bestLargest))
                    {
                        found = true;
                        best = total;
                        bestLargest = big;
                        bestSplit = a;
                    }
                }
                while (sub != 0);
                if (!found) continue;
                cost[s] = best;
                largest[s] = bestLargest;
                split[s] = bestSplit;
            }

            if (m == 1 || cost[full] < 0) return m == 1 ? new MaskPlan(1) : null;
            var plan = new MaskPlan(m);
            Build(full, plan, split, keep, size, space);
            return plan;
        }

        /// <summary>The piece a one-piece set holds, or -1 for a larger set.</summary>
        private static int Leaf(int set) => (set & (set - 1)) == 0 ? Bits.Lowest((ulong)set) : -1;

        private static int Build(int s, MaskPlan plan, int[] split, ulong[] keep, long[] size, LabelSpace space)
        {
            if ((s & (s - 1)) == 0) return Bits.Lowest((ulong)s);
            int a = split[s], b = s ^ a;
            int left = Build(a, plan, split, keep, size, space);
            int right = Build(b, plan, split, keep, size, space);
            return plan.Add(left, right, keep[s], size[s], space.PairFlops(keep[a], keep[b], keep[s]));
        }
    }
}
