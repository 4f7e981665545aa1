using System.Collections.Generic;

namespace EinsumGen.Planning
{
    /// <summary>
    /// Local search on a contraction tree: for each internal node, cut a window of up to <c>windowSize</c> subtrees below
    /// it (expanding the largest intermediate first, or else the costliest step), re-solve that window exactly with <see cref="SubsetOptimizer"/>, and
    /// keep the result when it is cheaper. A window's root keeps its labels whatever happens inside, so each improvement
    /// is local; passes repeat until none improves. Deterministic.
    /// </summary>
    internal sealed class SubtreeRefiner
    {
        private readonly int _n;
        private readonly int[] _left, _right;
        private readonly ulong[] _mask;
        private readonly long[] _size, _flops;
        private readonly LabelSpace _space;
        private readonly long _limit;

        private SubtreeRefiner(MaskPlan plan, ulong[] leaves, LabelSpace space, long limit)
        {
            _n = leaves.Length;
            int total = _n + plan.StepCount;
            _left = new int[total];
            _right = new int[total];
            _mask = new ulong[total];
            _size = new long[total];
            _flops = new long[total];
            _space = space;
            _limit = limit;
            for (int i = 0; i < _n; i++)
            {
                _left[i] = _right[i] = -1;
                _mask[i] = leaves[i];
            }
            for (int k = 0; k < plan.StepCount; k++)
            {
                _left[_n + k] = plan.Left[k];
                _right[_n + k] = plan.Right[k];
                _mask[_n + k] = plan.Mask[k];
                _size[_n + k] = plan.Size[k];
                _flops[_n + k] = plan.Flops[k];
            }
        }

        public static MaskPlan Refine(MaskPlan plan, ulong[] leaves, ulong output, LabelSpace space, long limit, int windowSize, int maxPasses)
        {
            if (plan.StepCount < 2) return plan;
            var refiner = new SubtreeRefiner(plan, leaves, space, limit);
            int root = leaves.Length + plan.StepCount - 1;
            for (int pass = 0; pass < maxPasses; pass++)
            {
                var order = new List<int>();
                for (int v = refiner._n; v <= root; v++) order.Add(v);
                order.Sort((a, b) => { int c = refiner._flops[b].CompareTo(refiner._flops[a]); return c != 0 ? c : a.CompareTo(b); });
                bool improved = false;
                foreach (int v in order)
                {
                    // Two window shapes: grown towards the largest intermediates, then towards the costliest steps.
                    improved |= refiner.TryWindow(v, root, windowSize, bySize: true) || refiner.TryWindow(v, root, windowSize, bySize: false);
                }
                if (!improved) break;
            }
            var left = new List<int>();
            var right = new List<int>();
            refiner.Emit(root, left, right);
            var refined = MaskPlan.Evaluate(leaves, output, space, left, right);
            return refined.IsBetterThan(plan) ? refined : plan;
        }

        private bool TryWindow(int v, int root, int windowSize, bool bySize)
        {
            var frontier = new List<int> { _left[v], _right[v] };
            var interior = new List<int> { v };
            while (frontier.Count < windowSize)
            {
                int pick = -1;
                for (int k = 0; k < frontier.Count; k++)
                {
                    int f = frontier[k];
                    if (f >= _n && (pick < 0 || (bySize ? _size[f] > _size[frontier[pick]] : _flops[f] > _flops[frontier[pick]]))) pick = k;
                }
                if (pick < 0) break;
                int node = frontier[pick];
                frontier.RemoveAt(pick);
                frontier.Add(_left[node]);
                frontier.Add(_right[node]);
                interior.Add(node);
            }
            if (frontier.Count < 3) return false;

            long current = 0, currentLargest = 0;
            foreach (int node in interior)
            {
                current = Saturating.Add(current, _flops[node]);
                if (_size[node] > currentLargest) currentLargest = _size[node];
            }
            var pieces = new ulong[frontier.Count];
            for (int k = 0; k < pieces.Length; k++) pieces[k] = _mask[frontier[k]];
            var sub = SubsetOptimizer.Solve(pieces, _mask[v], _space, _limit, rootExempt: v == root, allowOuter: true);
            if (sub == null || !(sub.TotalFlops < current || (sub.TotalFlops == current && sub.MaxSize < currentLargest))) return false;

            // Reuse the window's node slots; its root stays at v so the parent needs no update.
            int m = pieces.Length;
            var slot = new int[sub.StepCount];
            for (int k = 0, spare = 1; k < sub.StepCount; k++) slot[k] = k == sub.StepCount - 1 ? v : interior[spare++];
            for (int k = 0; k < sub.StepCount; k++)
            {
                int s = slot[k];
                _left[s] = sub.Left[k] < m ? frontier[sub.Left[k]] : slot[sub.Left[k] - m];
                _right[s] = sub.Right[k] < m ? frontier[sub.Right[k]] : slot[sub.Right[k] - m];
                _mask[s] = sub.Mask[k];
                _size[s] = sub.Size[k];
                _flops[s] = sub.Flops[k];
            }
            return true;
        }

        /// <summary>Post-order renumbering into SSA pairs.</summary>
        private int Emit(int node, List<int> left, List<int> right)
        {
            if (node < _n) return node;
            int l = Emit(_left[node], left, right);
            int r = Emit(_right[node], left, right);
            left.Add(l);
            right.Add(r);
            return _n + left.Count - 1;
        }
    }
}
