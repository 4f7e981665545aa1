using System.Collections.Generic;

namespace EinsumGen.Planning
{
    /// <summary>
    /// A contraction tree over <see cref="Leaves"/> tensors as SSA pairs (step k produces id Leaves+k), with each step's
    /// result mask, size and FLOPs. The working currency of the search algorithms.
    /// </summary>
    internal sealed class MaskPlan
    {
        public MaskPlan(int leaves)
        {
            Leaves = leaves;
        }

        public int Leaves { get; }
        public List<int> Left { get; } = new List<int>();
        public List<int> Right { get; } = new List<int>();
        public List<ulong> Mask { get; } = new List<ulong>();
        public List<long> Size { get; } = new List<long>();
        public List<long> Flops { get; } = new List<long>();
        public long TotalFlops { get; private set; }

        /// <summary>Largest step result, the final one included: the tie-breaker.</summary>
        public long MaxSize { get; private set; }

        /// <summary>Largest step result except the final one: what a memory limit constrains.</summary>
        public long MaxIntermediate { get; private set; }

        public int StepCount => Left.Count;

        public int Add(int a, int b, ulong mask, long size, long flops)
        {
            if (Left.Count > 0 && Size[Size.Count - 1] > MaxIntermediate) MaxIntermediate = Size[Size.Count - 1];
            Left.Add(a);
            Right.Add(b);
            Mask.Add(mask);
            Size.Add(size);
            Flops.Add(flops);
            TotalFlops = Saturating.Add(TotalFlops, flops);
            if (size > MaxSize) MaxSize = size;
            return Leaves + Left.Count - 1;
        }

        public bool Fits(long limit) => MaxIntermediate <= limit;

        /// <summary>Lexicographic (FLOPs, largest intermediate) comparison; null counts as worst.</summary>
        public bool IsBetterThan(MaskPlan? other) =>
            other == null || TotalFlops < other.TotalFlops || (TotalFlops == other.TotalFlops && MaxSize < other.MaxSize);

        /// <summary>Costs the SSA pairs (a tree over <paramref name="leafMasks"/>) from scratch.</summary>
        public static MaskPlan Evaluate(ulong[] leafMasks, ulong output, LabelSpace space, IReadOnlyList<int> left, IReadOnlyList<int> right)
        {
            int n = leafMasks.Length;
            var masks = new ulong[n + left.Count];
            var counts = new int[64];
            for (int i = 0; i < n; i++)
            {
                masks[i] = leafMasks[i];
                AddCounts(counts, leafMasks[i], 1);
            }
            var plan = new MaskPlan(n);
            for (int k = 0; k < left.Count; k++)
            {
                ulong a = masks[left[k]], b = masks[right[k]];
                AddCounts(counts, a, -1);
                AddCounts(counts, b, -1);
                ulong union = a | b, keep = output;
                for (ulong rest = union; rest != 0; rest &= rest - 1)
                {
                    int g = Bits.Lowest(rest);
                    if (counts[g] > 0) keep |= 1UL << g;
                }
                keep &= union;
                AddCounts(counts, keep, 1);
                masks[n + k] = keep;
                plan.Add(left[k], right[k], keep, space.Size(keep), space.PairFlops(a, b, keep));
            }
            return plan;
        }

        private static void AddCounts(int[] counts, ulong mask, int delta)
        {
            for (; mask != 0; mask &= mask - 1) counts[Bits.Lowest(mask)] += delta;
        }
    }
}
