using System.Collections.Generic;

namespace EinsumGen.Planning
{
    /// <summary>
    /// opt_einsum's answer to a memory limit that pairwise orders cannot meet: contract some groups of operands pairwise
    /// (every intermediate within the limit), then everything that remains in one step. Its cost is opt_einsum's: the groups'
    /// pairwise steps, plus the last step's flop_count, every remaining label's size times (terms - 1, plus 1 when a label is
    /// summed). A pairwise step before the last one pays when it removes a term or a label from it; opt_einsum's
    /// "a,ac,ab,ad,cd,bd,bc->" under max_input takes a·ac first for that reason.
    /// </summary>
    internal static class MultiwaySearch
    {
        /// <summary>Operand counts up to which every partition of the operands into groups is weighed (Bell(10) = 115,975).</summary>
        public const int ExhaustiveLimit = 10;

        /// <summary>The prefix's SSA pairs, the tensors of the last step (ascending ids), and the total cost.</summary>
        internal sealed class Result
        {
            public Result(List<int> left, List<int> right, int[] last, long flops)
            {
                Left = left;
                Right = right;
                Last = last;
                Flops = flops;
            }

            public List<int> Left { get; }

            public List<int> Right { get; }

            public int[] Last { get; }

            public long Flops { get; }
        }

        /// <summary>
        /// The cheapest such plan with three or more tensors in the last step: over every partition of the operands for
        /// <see cref="ExhaustiveLimit"/> operands or fewer when <paramref name="exhaustive"/>, otherwise from greedy merges
        /// (each the one that lowers the total most, the best total on the way kept). Null for more than 64 operands.
        /// </summary>
        public static Result? Find(LabelSpace space, long limit, bool exhaustive)
        {
            int n = space.Operands.Length;
            if (n < 3 || n > 64) return null;
            return exhaustive && n <= ExhaustiveLimit ? Exhaustive(space, limit) : Greedy(space, limit);
        }

        /// <summary>The labels a group's result keeps: those the output or an operand outside the group needs.</summary>
        private static ulong Keep(LabelSpace space, ulong group)
        {
            ulong labels = 0, outside = space.Output;
            for (int k = 0; k < space.Operands.Length; k++)
            {
                if ((group >> k & 1) != 0) labels |= space.Operands[k];
                else outside |= space.Operands[k];
            }
            return (group & (group - 1)) == 0 ? labels : labels & outside;
        }

        /// <summary>opt_einsum's flop_count of one step over <paramref name="terms"/> tensors whose labels are <paramref name="union"/>.</summary>
        private static long LastStepFlops(LabelSpace space, ulong union, int terms) =>
            Saturating.Mul(space.Size(union), terms - 1 + ((union & ~space.Output) != 0 ? 1 : 0));

        private static Result? Exhaustive(LabelSpace space, long limit)
        {
            int n = space.Operands.Length, full = (1 << n) - 1;
            var keep = new ulong[full + 1];
            var cost = new long[full + 1];
            var split = new int[full + 1];
            for (int s = 1; s <= full; s++)
            {
                keep[s] = Keep(space, (ulong)s);
                cost[s] = (s & (s - 1)) == 0 ? 0 : -1;
            }
            // Best pairwise tree of each proper group whose every result, its own included, fits the limit.
            for (int s = 3; s < full; s++)
            {
                if ((s & (s - 1)) == 0 || space.Size(keep[s]) > limit) continue;
                int low = s & -s, rest = s ^ low, sub = rest;
                do
                {
                    sub = (sub - 1) & rest;
                    int a = low | sub, b = s ^ a;
                    if (cost[a] < 0 || cost[b] < 0) continue;
                    long total = Saturating.Add(Saturating.Add(cost[a], cost[b]), space.PairFlops(keep[a], keep[b], keep[s]));
                    if (cost[s] < 0 || total < cost[s])
                    {
                        cost[s] = total;
                        split[s] = a;
                    }
                }
                while (sub != 0);
            }

            var groups = new List<int>();
            List<int>? best = null;
            long bestFlops = long.MaxValue;
            void Partition(int remaining, long spent, ulong union)
            {
                if (spent >= bestFlops) return;
                if (remaining == 0)
                {
                    if (groups.Count < 3) return;
                    long total = Saturating.Add(spent, LastStepFlops(space, union, groups.Count));
                    if (total < bestFlops)
                    {
                        bestFlops = total;
                        best = new List<int>(groups);
                    }
                    return;
                }
                int low = remaining & -remaining, rest = remaining ^ low;
                // Groups holding the lowest remaining operand, smallest masks first, so that ties keep opt_einsum's order.
                int sub = 0;
                do
                {
                    int group = low | sub;
                    if (cost[group] >= 0 && group != full)
                    {
                        groups.Add(group);
                        Partition(remaining ^ group, Saturating.Add(spent, cost[group]), union | keep[group]);
                        groups.RemoveAt(groups.Count - 1);
                    }
                    sub = (sub - rest) & rest;
                }
                while (sub != 0);
            }
            Partition(full, 0, 0);
            if (best == null) return null;

            var left = new List<int>();
            var right = new List<int>();
            var last = new List<int>();
            foreach (int group in best) last.Add(Emit(group, split, n, left, right));
            last.Sort();
            return new Result(left, right, last.ToArray(), bestFlops);
        }

        /// <summary>Appends the pairs of a group's tree; returns the id of its result (the operand itself for a group of one).</summary>
        private static int Emit(int group, int[] split, int n, List<int> left, List<int> right)
        {
            if ((group & (group - 1)) == 0) return Bits.Lowest((ulong)group);
            int a = Emit(split[group], split, n, left, right);
            int b = Emit(group ^ split[group], split, n, left, right);
            left.Add(a);
            right.Add(b);
            return n + left.Count - 1;
        }

        private static Result? Greedy(LabelSpace space, long limit)
        {
            int n = space.Operands.Length;
            var groups = new List<ulong>();
            var ids = new List<int>();
            var keeps = new List<ulong>();
            for (int k = 0; k < n; k++)
            {
                groups.Add(1UL << k);
                ids.Add(k);
                keeps.Add(space.Operands[k]);
            }
            var left = new List<int>();
            var right = new List<int>();
            long spent = 0;
            long bestFlops = Saturating.Add(spent, LastStepFlops(space, Union(keeps), n));
            int bestSteps = 0;
            while (groups.Count > 3)
            {
                int bi = -1, bj = -1;
                long bestTotal = long.MaxValue, bestPair = 0;
                ulong bestKeep = 0;
                for (int i = 0; i < groups.Count; i++)
                {
                    for (int j = i + 1; j < groups.Count; j++)
                    {
                        ulong merged = Keep(space, groups[i] | groups[j]);
                        if (space.Size(merged) > limit) continue;
                        long pair = space.PairFlops(keeps[i], keeps[j], merged);
                        ulong union = merged;
                        for (int k = 0; k < groups.Count; k++) if (k != i && k != j) union |= keeps[k];
                        long total = Saturating.Add(Saturating.Add(spent, pair), LastStepFlops(space, union, groups.Count - 1));
                        if (total < bestTotal)
                        {
                            bestTotal = total;
                            bestPair = pair;
                            bestKeep = merged;
                            bi = i;
                            bj = j;
                        }
                    }
                }
                if (bi < 0) break;
                left.Add(ids[bi]);
                right.Add(ids[bj]);
                spent = Saturating.Add(spent, bestPair);
                groups[bi] |= groups[bj];
                keeps[bi] = bestKeep;
                ids[bi] = n + left.Count - 1;
                groups.RemoveAt(bj);
                keeps.RemoveAt(bj);
                ids.RemoveAt(bj);
                if (bestTotal < bestFlops)
                {
                    bestFlops = bestTotal;
                    bestSteps = left.Count;
                }
            }
            left.RemoveRange(bestSteps, left.Count - bestSteps);
            right.RemoveRange(bestSteps, right.Count - bestSteps);
            // The tensors left after the kept merges: every id not consumed by them.
            var consumed = new HashSet<int>(left);
            consumed.UnionWith(right);
            var last = new List<int>();
            for (int id = 0; id < n + bestSteps; id++) if (!consumed.Contains(id)) last.Add(id);
            return new Result(left, right, last.ToArray(), bestFlops);
        }

        private static ulong Union(List<ulong> masks)
        {
            ulong u = 0;
            foreach (ulong m in masks) u |= m;
            return u;
        }
    }
}
