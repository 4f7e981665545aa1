namespace EinsumGen.Dispatch
{
    /// <summary>Which tensor of a step holds the lane block (read in place); the operands that do not are expanded.</summary>
    internal enum LaneBlockHolder : byte { Result, First, Second }

    /// <summary>
    /// The lane-block tier's decision for a step: whether it takes the step, which tensor holds the block, and the block's
    /// dimensions (a bit per dimension of the step).
    /// </summary>
    internal readonly struct LaneBlockChoice
    {
        /// <summary>A choice that takes the step.</summary>
        public LaneBlockChoice(LaneBlockHolder blockIn, ulong block, int lanes)
        {
            Applies = true;
            BlockIn = blockIn;
            Block = block;
            Lanes = lanes;
        }

        /// <summary>Whether the step runs on the lane-block tier (the other members are meaningful only then).</summary>
        public bool Applies { get; }

        /// <summary>The tensor holding the block.</summary>
        public LaneBlockHolder BlockIn { get; }

        /// <summary>The block's dimensions: bit d set for dimension d of the step.</summary>
        public ulong Block { get; }

        /// <summary>Elements per vector: the block's size.</summary>
        public int Lanes { get; }
    }

    /// <summary>
    /// Whether the lane-block tier takes a step, as a pure function of its sizes and strides, the element size and the
    /// vector width: the runtime's <c>LaneBlockPlan</c> takes its decision from here (and builds its tables only for the
    /// steps taken), and the generator's remarks name the tier from here, so both agree by construction. The tier runs one
    /// vector's worth of elements that lie contiguous in one tensor (the block) but belong to labels of different GEMM
    /// groups, e.g. t3[a,b,c,d,e,f,g,h] = Σ_j t1[j,a,b,e,f]·t2[j,c,d,g,h], whose 16 contiguous e,f,g,h mix t1's e,f with
    /// t2's g,h.
    /// </summary>
    /// <remarks>
    /// Whether the tier is switched on, and the vector width the hardware offers, stay with the caller. The decision is
    /// made once per cached layout (the runtime's kept tables), never per call of a kept layout.
    /// </remarks>
    internal static class LaneBlockDispatch
    {
        /// <summary>At most this many lanes (a Vector512 of float).</summary>
        public const int MaxLanes = 16;

        /// <summary>
        /// Whether the lane-block tier takes the step result[kept] = Σ first·second over <paramref name="sizes"/> (each
        /// tensor's stride per dimension, 0 where it lacks the label; the first <paramref name="kept"/> dimensions index
        /// the result) for elements of <paramref name="elementSize"/> bytes in vectors of <paramref name="vectorBytes"/>.
        /// </summary>
        public static bool Applies(long[] sizes, long[] firstStrides, long[] secondStrides, long[] resultStrides, int kept,
            int elementSize, int vectorBytes, DispatchLimits limits) =>
            Choose(sizes, firstStrides, secondStrides, resultStrides, sizes.Length, kept, elementSize, vectorBytes, limits).Applies;

        /// <summary>
        /// The lane-block tier's decision for the step over the first <paramref name="rank"/> entries of the arrays (which
        /// may be longer, so that a caller reuses them): see <see cref="Applies"/>.
        /// </summary>
        public static LaneBlockChoice Choose(long[] sizes, long[] firstStrides, long[] secondStrides, long[] resultStrides, int rank, int kept,
            int elementSize, int vectorBytes, DispatchLimits limits)
        {
            int lanes = elementSize > 0 ? vectorBytes / elementSize : 0;
            if (lanes < 2 || lanes > MaxLanes || rank > 64) return default;
            for (int d = 0; d < rank; d++) if (sizes[d] == 0) return default;

            // The result first (vectors stored whole), then the larger operand (streamed in place).
            bool firstLarger = Extent(sizes, firstStrides, rank) >= Extent(sizes, secondStrides, rank);
            for (int i = 0; i < 3; i++)
            {
                var holder = i == 0 ? LaneBlockHolder.Result : (i == 1) == firstLarger ? LaneBlockHolder.First : LaneBlockHolder.Second;
                var strides = holder == LaneBlockHolder.Result ? resultStrides : holder == LaneBlockHolder.First ? firstStrides : secondStrides;
                if (FindBlock(sizes, strides, rank, lanes, out ulong block) && SpansGroups(block, kept, rank, firstStrides, secondStrides)
                    && WorthIt(sizes, firstStrides, secondStrides, resultStrides, rank, kept, block, holder, lanes, elementSize, limits))
                {
                    return new LaneBlockChoice(holder, block, lanes);
                }
            }
            return default;
        }

        /// <summary>
        /// The innermost labels of a tensor, dense from stride 1, whose sizes multiply to exactly <paramref name="lanes"/>;
        /// false when its innermost run is shorter, or a label crosses the vector's end.
        /// </summary>
        private static bool FindBlock(long[] sizes, long[] strides, int rank, int lanes, out ulong block)
        {
            block = 0;
            long expected = 1;
            while (expected < lanes)
            {
                int next = -1;
                for (int d = 0; d < rank; d++)
                {
                    if (sizes[d] > 1 && strides[d] == expected && (block & (1UL << d)) == 0) { next = d; break; }
                }
                if (next < 0) return false;
                block |= 1UL << next;
                expected *= sizes[next];
            }
            return expected == lanes;
        }

        /// <summary>Whether the block's labels fall in at least two GEMM groups (else the GEMM kernel vectorizes along it).</summary>
        private static bool SpansGroups(ulong block, int kept, int rank, long[] firstStrides, long[] secondStrides)
        {
            int groups = 0;
            for (int d = 0; d < rank; d++)
            {
                if ((block & (1UL << d)) == 0) continue;
                groups |= 1 << (int)GroupOf(d, kept, firstStrides, secondStrides);
            }
            return (groups & (groups - 1)) != 0;
        }

        /// <summary>
        /// Worth it: expanded vectors reused enough and small enough for L2; summed lanes reduced (shuffles over the vector
        /// when the result is written) only after several multiply-adds into it. M, N and K are the GEMM groups of the
        /// labels outside the block.
        /// </summary>
        private static bool WorthIt(long[] sizes, long[] firstStrides, long[] secondStrides, long[] resultStrides, int rank, int kept,
            ulong block, LaneBlockHolder holder, int lanes, int elementSize, DispatchLimits limits)
        {
            long m = 1, n = 1, k = 1;
            for (int d = 0; d < rank; d++)
            {
                if ((block & (1UL << d)) != 0) continue;
                switch (GroupOf(d, kept, firstStrides, secondStrides))
                {
                    case Group.M: m *= sizes[d]; break;
                    case Group.N: n *= sizes[d]; break;
                    case Group.K: k *= sizes[d]; break;
                }
            }
            long expanded = (holder != LaneBlockHolder.First ? m * k : 0) + (holder != LaneBlockHolder.Second ? n * k : 0);
            if (m * n * k < limits.LaneMinReuse * expanded || expanded * lanes * elementSize > limits.LaneMaxExpandedBytes) return false;
            return k >= limits.LaneMinSummedK || !SumsLanes(sizes, resultStrides, rank, block, lanes);
        }

        /// <summary>Whether some lanes add into the same result element (a label of the block summed, or broadcast in the result).</summary>
        private static bool SumsLanes(long[] sizes, long[] resultStrides, int rank, ulong block, int lanes)
        {
            // The block's sizes multiply to the lanes, so its coordinates run over every lane once: lanes share a result
            // element exactly when two of them have the same offset. Pairs compared afresh, so nothing is allocated.
            for (int lane = 1; lane < lanes; lane++)
            {
                long offset = ResultOffset(sizes, resultStrides, rank, block, lane);
                for (int other = 0; other < lane; other++)
                {
                    if (ResultOffset(sizes, resultStrides, rank, block, other) == offset) return true;
                }
            }
            return false;
        }

        /// <summary>The result offset of a lane, its index read as coordinates of the block's labels (innermost first).</summary>
        private static long ResultOffset(long[] sizes, long[] resultStrides, int rank, ulong block, int lane)
        {
            long rest = lane, offset = 0;
            for (int d = 0; d < rank; d++)
            {
                if ((block & (1UL << d)) == 0) continue;
                offset += rest % sizes[d] * resultStrides[d];
                rest /= sizes[d];
            }
            return offset;
        }

        private enum Group { K, Batch, M, N }

        /// <summary>A dimension's GEMM group: K (summed), batch (in both factors, or in neither), M (first only), N (second only).</summary>
        private static Group GroupOf(int d, int kept, long[] firstStrides, long[] secondStrides)
        {
            bool a = firstStrides[d] != 0, b = secondStrides[d] != 0;
            return d >= kept ? Group.K : a == b ? Group.Batch : a ? Group.M : Group.N;
        }

        /// <summary>Elements a tensor spans (the product of the sizes of its labels), to prefer streaming the larger operand.</summary>
        private static long Extent(long[] sizes, long[] strides, int rank)
        {
            long extent = 1;
            for (int d = 0; d < rank; d++) if (strides[d] != 0) extent *= sizes[d];
            return extent;
        }
    }
}
