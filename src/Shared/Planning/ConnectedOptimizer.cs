using System.Collections.Generic;

namespace EinsumGen.Planning
{
    /// <summary>
    /// Exact optimum among orders without outer products (opt_einsum's "dp" result): dynamic programming over connected
    /// subsets only, enumerated as csg-cmp pairs (Moerkotte and Neumann's DPccp), so sparse networks of 20-40 operands
    /// stay cheap. Operands are linked when they share a summed label. Gives up (null) once the pair count passes a cap,
    /// which dense networks reach quickly; disconnected components are joined at the end by the subset DP or greedily.
    /// </summary>
    internal sealed class ConnectedOptimizer
    {
        private readonly ulong[] _ops;
        private readonly ulong[] _adjacent;
        private readonly int _maxPairs;
        private readonly List<ulong> _first = new List<ulong>();
        private readonly List<ulong> _second = new List<ulong>();
        private bool _aborted;

        private ConnectedOptimizer(ulong[] ops, ulong output, int maxPairs)
        {
            _ops = ops;
            _maxPairs = maxPairs;
            int n = ops.Length;
            _adjacent = new ulong[n];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    if (i != j && (ops[i] & ops[j] & ~output) != 0) _adjacent[i] |= 1UL << j;
                }
            }
        }

        private sealed class Entry
        {
            public ulong Keep;
            public long Size;
            public long Cost = -1;
            public long Largest;
            public ulong Split;
        }

        public static MaskPlan? Solve(ulong[] ops, ulong output, LabelSpace space, long limit, int maxPairs)
        {
            int n = ops.Length;
            if (n > 64 || n < 2) return null;
            var search = new ConnectedOptimizer(ops, output, maxPairs);
            search.EnumeratePairs();
            if (search._aborted) return null;

            // Process pairs by the size of their union so both halves are final before they are combined.
            var buckets = new List<int>[n + 1];
            for (int p = 0; p < search._first.Count; p++)
            {
                int k = Bits.Count(search._first[p] | search._second[p]);
                (buckets[k] ??= new List<int>()).Add(p);
            }

            var table = new Dictionary<ulong, Entry>();
            ulong all = n == 64 ? ulong.MaxValue : (1UL << n) - 1;
            for (int i = 0; i < n; i++) table[1UL << i] = new Entry { Keep = ops[i], Size = space.Size(ops[i]), Cost = 0 };
            for (int k = 2; k <= n; k++)
            {
                if (buckets[k] == null) continue;
                foreach (int p in buckets[k])
                {
                    ulong s1 = search._first[p], s2 = search._second[p], s = s1 | s2;
                    if (!table.TryGetValue(s1, out var a) || !table.TryGetValue(s2, out var b) || a.Cost < 0 || b.Cost < 0) continue;
                    if (!table.TryGetValue(s, out var e))
                    {
                        ulong inside = 0, rest = 0;
                        for (int i = 0; i < n; i++)
                        {
                            if ((s & (1UL << i)) != 0) inside |= ops[i];
                            else rest |= ops[i];
                        }
                        e = new Entry { Keep = inside & (output | rest) };
                        e.Size = space.Size(e.Keep);
                        table[s] = e;
                    }
                    if (s != all && e.Size > limit) continue;
                    long total = Saturating.Add(Saturating.Add(a.Cost, b.Cost), space.PairFlops(a.Keep, b.Keep, e.Keep));
                    long big = a.Largest > b.Largest ? a.Largest : b.Largest;
                    if (e.Size > big) big = e.Size;
                    if (e.Cost < 0 || total < e.Cost || (total == e.Cost && big < e.Largest))
                    {
                        e.Cost = total;
                        e.Largest = big;
                        e.Split = s1;
                    }
                }
            }

            // Connected components, each planned above, then joined.
            var components = new List<ulong>();
            ulong seen = 0;
            for (int i = 0; i < n; i++)
            {
                if ((seen & (1UL << i)) != 0) continue;
                ulong comp = 1UL << i, frontier = comp;
                while (frontier != 0)
                {
                    ulong next = 0;
                    for (ulong f = frontier; f != 0; f &= f - 1) next |= search._adjacent[Bits.Lowest(f)];
                    frontier = next & ~comp;
                    comp |= frontier;
                }
                seen |= comp;
                if (!table.TryGetValue(comp, out var c) || c.Cost < 0) return null;
                components.Add(comp);
            }

            var left = new List<int>();
            var right = new List<int>();
            var roots = new int[components.Count];
            var compMasks = new ulong[components.Count];
            for (int c = 0; c < components.Count; c++)
            {
                roots[c] = Emit(components[c], table, left, right, n);
                compMasks[c] = table[components[c]].Keep;
            }
            if (components.Count > 1)
            {
                var join = components.Count <= SubsetOptimizer.MaxPieces
                    ? SubsetOptimizer.Solve(compMasks, output, space, limit, rootExempt: true, allowOuter: true)
                    : GreedyOptimizer.Run(compMasks, output, space, limit);
                if (join == null) return null;
                var ids = new List<int>(roots);
                for (int k = 0; k < join.StepCount; k++)
                {
                    left.Add(ids[join.Left[k]]);
                    right.Add(ids[join.Right[k]]);
                    ids.Add(n + left.Count - 1);
                }
            }
            return MaskPlan.Evaluate(ops, output, space, left, right);
        }

        private static int Emit(ulong s, Dictionary<ulong, Entry> table, List<int> left, List<int> right, int n)
        {
            if ((s & (s - 1)) == 0) return Bits.Lowest(s);
            ulong a = table[s].Split;
            int l = Emit(a, table, left, right, n);
            int r = Emit(s ^ a, table, left, right, n);
            left.Add(l);
            right.Add(r);
            return n + left.Count - 1;
        }

        private ulong Neighbours(ulong s)
        {
            ulong nb = 0;
            for (ulong f = s; f != 0; f &= f - 1) nb |= _adjacent[Bits.Lowest(f)];
            return nb & ~s;
        }

        private static ulong UpTo(int i) => i >= 63 ? ulong.MaxValue : (1UL << (i + 1)) - 1;

        /// <summary>Every connected subset S1, then every connected complement S2 adjacent to it: each pair once.</summary>
        private void EnumeratePairs()
        {
            for (int i = _ops.Length - 1; i >= 0 && !_aborted; i--)
            {
                ulong v = 1UL << i;
                Complements(v);
                Grow(v, UpTo(i), null);
            }
        }

        /// <summary>DPccp's EnumerateCsgRec: extends connected S by subsets of its neighbours outside X.</summary>
        private void Grow(ulong s, ulong excluded, ulong? partner)
        {
            ulong nb = Neighbours(s) & ~excluded;
            if (nb == 0) return;
            for (ulong sub = nb; sub != 0 && !_aborted; sub = (sub - 1) & nb)
            {
                if (partner.HasValue) AddPair(partner.Value, s | sub);
                else Complements(s | sub);
            }
            for (ulong sub = nb; sub != 0 && !_aborted; sub = (sub - 1) & nb) Grow(s | sub, excluded | nb, partner);
        }

        /// <summary>DPccp's EnumerateCmp: connected S2 adjacent to S1 whose vertices all exceed min(S1).</summary>
        private void Complements(ulong s1)
        {
            int min = Bits.Lowest(s1);
            ulong excluded = UpTo(min) | s1;
            ulong nb = Neighbours(s1) & ~excluded;
            for (int i = 63; i >= 0 && !_aborted; i--)
            {
                ulong v = 1UL << i;
                if ((nb & v) == 0) continue;
                AddPair(s1, v);
                Grow(v, excluded | (UpTo(i) & nb), s1);
            }
        }

        private void AddPair(ulong s1, ulong s2)
        {
            if (_first.Count >= _maxPairs) { _aborted = true; return; }
            _first.Add(s1);
            _second.Add(s2);
        }
    }
}
