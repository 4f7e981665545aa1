using System;

namespace EinsumGen.Runtime.Kernels
{
    /// <summary>
    /// The lane-block tier of a pairwise step: one vector's worth of elements that lie contiguous in one tensor (the
    /// block) but belong to labels of different GEMM groups, e.g. t3[a,b,c,d,e,f,g,h] = Σ_j t1[j,a,b,e,f]·t2[j,c,d,g,h],
    /// whose 16 contiguous (e,f,g,h) mix t1's e,f with t2's g,h. The GEMM kernel sees runs of four there and spends its
    /// time packing; here every element of the step becomes a vector over the block's lanes (the tensor holding the block
    /// read in place, the other operand expanded once into lane vectors, its missing labels broadcast), so the step is a
    /// GEMM of vectors multiplied lane by lane: C[b,m,n] = Σ_k A[b,m,k] ⊙ B[b,k,n] over the labels outside the block.
    /// Lanes of summed labels are added up when the result is written (∂t1 = Σ ∂t3·t2 sums g,h within each vector).
    /// </summary>
    /// <remarks>
    /// Chosen only where the block spans at least two groups (otherwise the GEMM kernel already runs vectors along it),
    /// where the expanded operands fit in L2 and are reused enough, and where summed lanes are reduced after enough
    /// multiply-adds. Instances only grow: a per-thread one serves every call without allocating.
    /// </remarks>
    internal sealed class LaneBlockPlan
    {
        /// <summary>Which tensor holds the block (read in place); the operands that do not are expanded.</summary>
        public enum Holder { Result, First, Second }

        /// <summary>At most this many lanes (a Vector512 of float); also the stride of <see cref="ReduceRotations"/>' rows.</summary>
        public const int MaxLanes = 16;

        /// <summary>Whether the step runs on this tier (the other members are meaningful only then).</summary>
        public bool Applies { get; private set; }

        /// <summary>The tensor holding the block.</summary>
        public Holder BlockIn { get; private set; }

        /// <summary>The vector width the plan was made for.</summary>
        public KernelPath Path { get; private set; }

        /// <summary>Offset tables over the labels outside the block (batch, M, N, K groups as in <see cref="GemmTables"/>).</summary>
        public GemmTables Outer { get; } = new();

        /// <summary>Per lane, the offset of its element in the first operand, the second and the result (0 where a tensor lacks the block's label).</summary>
        public readonly nint[] LaneFirst = new nint[MaxLanes], LaneSecond = new nint[MaxLanes], LaneResult = new nint[MaxLanes];

        /// <summary>
        /// Per operand (0 first, 1 second): how many elements its lanes span, from the smallest offset in
        /// <see cref="LaneFirst"/> (<see cref="LaneSecond"/>) to the largest, when that is at most one vector (expanding a
        /// vector then copies those few elements and shuffles them into the lanes: t2's four g,h values into 16 lanes); else 0.
        /// </summary>
        public readonly int[] Window = new int[2];

        /// <summary>Per operand, the smallest lane offset (where its window starts).</summary>
        public readonly nint[] WindowStart = new nint[2];

        /// <summary>Per operand, each lane's index into its window, as int (4-byte elements) and as long (8-byte elements).</summary>
        public readonly int[][] WindowLanes = { new int[MaxLanes], new int[MaxLanes] };

        /// <inheritdoc cref="WindowLanes"/>
        public readonly long[][] WindowLanesLong = { new long[MaxLanes], new long[MaxLanes] };

        /// <summary>
        /// Per operand, the elements from its origin to its last one (Σ (size − 1)·stride + 1), so that a window read as a
        /// whole vector is known to stay inside it; 0 with a negative stride (then windows are copied element by element).
        /// </summary>
        public readonly nint[] Extents = new nint[2];

        /// <summary>
        /// Summed lanes are reduced with vector shuffles: first <see cref="ReduceOrder"/> moves lane s·groups + g to the g-th
        /// group's s-th lane, then each halving step h = lanes/2, lanes/4, … down to the group count adds the lanes h
        /// apart (<see cref="ReduceRotations"/>[step]: lane i reads lane i + h), leaving group g's sum in lane g.
        /// </summary>
        public readonly int[] ReduceOrder = new int[MaxLanes];

        /// <inheritdoc cref="ReduceOrder"/>
        public readonly long[] ReduceOrderLong = new long[MaxLanes];

        /// <inheritdoc cref="ReduceOrder"/>
        public readonly int[] ReduceRotations = new int[4 * MaxLanes];

        /// <inheritdoc cref="ReduceOrder"/>
        public readonly long[] ReduceRotationsLong = new long[4 * MaxLanes];

        /// <summary>Halving steps of the reduction: log2(lanes / groups).</summary>
        public int ReduceSteps { get; private set; }

        /// <summary>Result elements per vector: the lanes, unless some of the block's labels are summed.</summary>
        public int Groups { get; private set; }

        /// <summary>Per group, the offset of its result element (relative to the vector's base).</summary>
        public readonly nint[] GroupOffsets = new nint[MaxLanes];

        /// <summary>The lanes ordered by group, <c>Lanes / Groups</c> per group.</summary>
        public readonly int[] LaneOrder = new int[MaxLanes];

        /// <summary>Rows of C one register tile computes (<see cref="KernelContext.LaneTileRows"/> of <see cref="Path"/>).</summary>
        public int PanelRows => KernelContext.For(Path).LaneTileRows;

        /// <summary>K offsets within an expanded panel of <see cref="PanelRows"/> rows, k·rows·lanes (panels lie [k][row], dense).</summary>
        public nint[] ExpandedK = Array.Empty<nint>();

        /// <summary>Whether the first (second) operand is expanded rather than read in place.</summary>
        public bool ExpandFirst => BlockIn != Holder.First;

        /// <inheritdoc cref="ExpandFirst"/>
        public bool ExpandSecond => BlockIn != Holder.Second;

        /// <summary>Lanes of a vector on <paramref name="path"/> for elements of <paramref name="elementSize"/> bytes (0 for the scalar path).</summary>
        public static int LanesOf(KernelPath path, int elementSize) => path switch
        {
            KernelPath.Vector512 => 64 / elementSize,
            KernelPath.Vector256 => 32 / elementSize,
            KernelPath.Vector128 => 16 / elementSize,
            _ => 0,
        };

        /// <summary>
        /// Plans the step result[kept] = Σ first·second over <paramref name="sizes"/> (strides per dimension, 0 where a
        /// tensor lacks the label) for vectors of <paramref name="path"/>; sets <see cref="Applies"/>. Returns this instance.
        /// </summary>
        public LaneBlockPlan Fill(int kept, ReadOnlySpan<nint> sizes, ReadOnlySpan<nint> firstStrides, ReadOnlySpan<nint> secondStrides,
            ReadOnlySpan<nint> resultStrides, int elementSize, KernelPath path)
        {
            Applies = false;
            int lanes = LanesOf(path, elementSize), rank = sizes.Length;
            if (lanes < 2 || lanes > MaxLanes || rank > 64) return this;
            foreach (nint size in sizes) if (size == 0) return this;
            Path = path;

            // The result first (vectors stored whole), then the larger operand (streamed in place).
            long firstLength = Extent(sizes, firstStrides), secondLength = Extent(sizes, secondStrides);
            Span<Holder> order = [Holder.Result, firstLength >= secondLength ? Holder.First : Holder.Second,
                                  firstLength >= secondLength ? Holder.Second : Holder.First];
            foreach (Holder holder in order)
            {
                var strides = holder switch { Holder.Result => resultStrides, Holder.First => firstStrides, _ => secondStrides };
                if (!FindBlock(sizes, strides, lanes, out ulong block) || !SpansGroups(block, kept, sizes, firstStrides, secondStrides)) continue;
                BlockIn = holder;
                if (TryLayOut(kept, sizes, firstStrides, secondStrides, resultStrides, block, lanes, elementSize))
                {
                    Applies = true;
                    return this;
                }
            }
            return this;
        }

        /// <summary>
        /// The innermost labels of a tensor, dense from stride 1, whose sizes multiply to exactly <paramref name="lanes"/>;
        /// false when its innermost run is shorter, or a label crosses the vector's end.
        /// </summary>
        private static bool FindBlock(ReadOnlySpan<nint> sizes, ReadOnlySpan<nint> strides, int lanes, out ulong block)
        {
            block = 0;
            nint expected = 1;
            while (expected < lanes)
            {
                int next = -1;
                for (int d = 0; d < sizes.Length; d++)
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
        private static bool SpansGroups(ulong block, int kept, ReadOnlySpan<nint> sizes, ReadOnlySpan<nint> firstStrides, ReadOnlySpan<nint> secondStrides)
        {
            int groups = 0;
            for (int d = 0; d < sizes.Length; d++)
            {
                if ((block & (1UL << d)) == 0) continue;
                bool a = firstStrides[d] != 0, b = secondStrides[d] != 0;
                int g = d >= kept ? 1 : a == b ? 2 : a ? 4 : 8;
                groups |= g;
            }
            return (groups & (groups - 1)) != 0;
        }

        private bool TryLayOut(int kept, ReadOnlySpan<nint> sizes, ReadOnlySpan<nint> firstStrides, ReadOnlySpan<nint> secondStrides,
            ReadOnlySpan<nint> resultStrides, ulong block, int lanes, int elementSize)
        {
            // The block's labels, innermost first in the holder's order (their order within a lane index).
            var holderStrides = BlockIn switch { Holder.Result => resultStrides, Holder.First => firstStrides, _ => secondStrides };
            Span<int> blockDims = stackalloc int[MaxLanes];
            int count = 0;
            for (nint expected = 1; expected < lanes; expected *= sizes[blockDims[count - 1]])
            {
                for (int d = 0; d < sizes.Length; d++)
                {
                    if ((block & (1UL << d)) != 0 && holderStrides[d] == expected) { blockDims[count++] = d; break; }
                }
            }
            for (int lane = 0; lane < lanes; lane++)
            {
                nint rest = lane, first = 0, second = 0, result = 0;
                for (int i = 0; i < count; i++)
                {
                    int d = blockDims[i];
                    nint coordinate = rest % sizes[d];
                    rest /= sizes[d];
                    first += coordinate * firstStrides[d];
                    second += coordinate * secondStrides[d];
                    result += coordinate * resultStrides[d];
                }
                LaneFirst[lane] = first;
                LaneSecond[lane] = second;
                LaneResult[lane] = result;
            }
            GroupLanes(lanes);
            SetWindow(0, LaneFirst, lanes);
            SetWindow(1, LaneSecond, lanes);
            Extents[0] = ExtentOf(sizes, firstStrides);
            Extents[1] = ExtentOf(sizes, secondStrides);

            // The labels outside the block, as GEMM groups.
            Span<nint> outerSizes = stackalloc nint[sizes.Length];
            sizes.CopyTo(outerSizes);
            for (int i = 0; i < count; i++) outerSizes[blockDims[i]] = 1;
            Outer.Fill(kept, outerSizes, firstStrides, secondStrides, resultStrides);
            var p = Outer.Problem;
            long m = p.M, n = p.N, k = p.K;

            // Worth it: expanded vectors reused enough and small enough for L2; summed lanes reduced (a scalar pass over
            // the vector) only after several multiply-adds into it.
            var context = KernelContext.For(Path);
            long expanded = (ExpandFirst ? m * k : 0) + (ExpandSecond ? n * k : 0);
            if (m * n * k < context.LaneMinReuse * expanded || expanded * lanes * elementSize > context.LaneMaxExpandedBytes) return false;
            if (Groups < lanes && k < context.LaneMinSummedK) return false;
            if (ExpandedK.Length < k) ExpandedK = new nint[Math.Max(k, 2L * ExpandedK.Length)];
            for (int i = 0; i < k; i++) ExpandedK[i] = (nint)i * PanelRows * lanes;
            return true;
        }

        private void SetWindow(int operand, nint[] offsets, int lanes)
        {
            nint lo = offsets[0], hi = offsets[0];
            for (int lane = 1; lane < lanes; lane++)
            {
                lo = Math.Min(lo, offsets[lane]);
                hi = Math.Max(hi, offsets[lane]);
            }
            Window[operand] = hi - lo < lanes ? (int)(hi - lo + 1) : 0;
            WindowStart[operand] = lo;
            for (int lane = 0; lane < lanes; lane++)
            {
                WindowLanes[operand][lane] = (int)Math.Min(offsets[lane] - lo, lanes);
                WindowLanesLong[operand][lane] = WindowLanes[operand][lane];
            }
        }

        /// <summary>Groups the lanes by the result element they add into (summed labels of the block give the same offset).</summary>
        private void GroupLanes(int lanes)
        {
            int groups = 0, placed = 0;
            Span<bool> done = stackalloc bool[MaxLanes];
            for (int lane = 0; lane < lanes; lane++)
            {
                if (done[lane]) continue;
                GroupOffsets[groups++] = LaneResult[lane];
                for (int other = lane; other < lanes; other++)
                {
                    if (done[other] || LaneResult[other] != LaneResult[lane]) continue;
                    done[other] = true;
                    LaneOrder[placed++] = other;
                }
            }
            Groups = groups;
            int perGroup = lanes / groups;
            for (int g = 0; g < groups; g++)
            {
                for (int i = 0; i < perGroup; i++) ReduceOrderLong[i * groups + g] = ReduceOrder[i * groups + g] = LaneOrder[g * perGroup + i];
            }
            ReduceSteps = 0;
            for (int half = lanes / 2; half >= groups; half /= 2, ReduceSteps++)
            {
                for (int lane = 0; lane < lanes; lane++)
                    ReduceRotationsLong[ReduceSteps * MaxLanes + lane] = ReduceRotations[ReduceSteps * MaxLanes + lane] = (lane + half) % lanes;
            }
        }

        private static nint ExtentOf(ReadOnlySpan<nint> sizes, ReadOnlySpan<nint> strides)
        {
            nint last = 0;
            for (int d = 0; d < sizes.Length; d++)
            {
                if (strides[d] < 0) return 0;
                last += (sizes[d] - 1) * strides[d];
            }
            return last + 1;
        }

        /// <summary>Elements a tensor spans (the product of the sizes of its labels), to prefer streaming the larger operand.</summary>
        private static long Extent(ReadOnlySpan<nint> sizes, ReadOnlySpan<nint> strides)
        {
            long extent = 1;
            for (int d = 0; d < sizes.Length; d++) if (strides[d] != 0) extent *= sizes[d];
            return extent;
        }
    }
}
