using System;
using EinsumGen.Dispatch;

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
    /// multiply-adds: <see cref="LaneBlockDispatch"/> decides, a pure function the generator's remarks read too. Instances
    /// only grow: a per-thread one serves every call without allocating.
    /// </remarks>
    internal sealed class LaneBlockPlan
    {
        /// <summary>At most this many lanes (a Vector512 of float); also the stride of <see cref="ReduceRotations"/>' rows.</summary>
        public const int MaxLanes = LaneBlockDispatch.MaxLanes;

        /// <summary>Whether the step runs on this tier (the other members are meaningful only then).</summary>
        public bool Applies { get; private set; }

        /// <summary>The tensor holding the block.</summary>
        public LaneBlockHolder BlockIn { get; private set; }

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

        /// <summary>Whether group g's result element lies at offset g (the groups' sums are contiguous in the result).</summary>
        public bool GroupsDense { get; private set; }

        /// <summary>The lanes ordered by group, <c>Lanes / Groups</c> per group.</summary>
        public readonly int[] LaneOrder = new int[MaxLanes];

        // The step's sizes and strides as the dispatcher reads them (grown only, so that a per-thread plan never allocates).
        private long[] _sizes = Array.Empty<long>(), _firstStrides = Array.Empty<long>(), _secondStrides = Array.Empty<long>(), _resultStrides = Array.Empty<long>();

        /// <summary>Rows of C one register tile computes (<see cref="KernelContext.LaneTileRows"/> of <see cref="Path"/>).</summary>
        public int PanelRows => KernelContext.For(Path).LaneTileRows;

        /// <summary>K offsets within an expanded panel of <see cref="PanelRows"/> rows, k·rows·lanes (panels lie [k][row], dense).</summary>
        public nint[] ExpandedK = Array.Empty<nint>();

        /// <summary>Whether the first (second) operand is expanded rather than read in place.</summary>
        public bool ExpandFirst => BlockIn != LaneBlockHolder.First;

        /// <inheritdoc cref="ExpandFirst"/>
        public bool ExpandSecond => BlockIn != LaneBlockHolder.Second;

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
        /// Whether the tier takes the step is <see cref="LaneBlockDispatch"/>'s decision (the generator names the tier from
        /// it too); the tables are built only for the steps it takes.
        /// </summary>
        public LaneBlockPlan Fill(int kept, ReadOnlySpan<nint> sizes, ReadOnlySpan<nint> firstStrides, ReadOnlySpan<nint> secondStrides,
            ReadOnlySpan<nint> resultStrides, int elementSize, KernelPath path)
        {
            Applies = false;
            int rank = sizes.Length;
            if (rank > 64) return this;
            // The dispatcher reads plain arrays (it is compiled into the generator too): copy into arrays that only grow.
            if (_sizes.Length < rank)
            {
                _sizes = new long[rank]; _firstStrides = new long[rank]; _secondStrides = new long[rank]; _resultStrides = new long[rank];
            }
            for (int d = 0; d < rank; d++)
            {
                _sizes[d] = sizes[d]; _firstStrides[d] = firstStrides[d]; _secondStrides[d] = secondStrides[d]; _resultStrides[d] = resultStrides[d];
            }
            var choice = LaneBlockDispatch.Choose(_sizes, _firstStrides, _secondStrides, _resultStrides, rank, kept, elementSize,
                LanesOf(path, 1), KernelContext.For(path).Dispatch);
            if (!choice.Applies) return this;
            Path = path;
            BlockIn = choice.BlockIn;
            LayOut(kept, sizes, firstStrides, secondStrides, resultStrides, choice.Block, choice.Lanes);
            Applies = true;
            return this;
        }

        private void LayOut(int kept, ReadOnlySpan<nint> sizes, ReadOnlySpan<nint> firstStrides, ReadOnlySpan<nint> secondStrides,
            ReadOnlySpan<nint> resultStrides, ulong block, int lanes)
        {
            // The block's labels, innermost first in the holder's order (their order within a lane index).
            var holderStrides = BlockIn switch { LaneBlockHolder.Result => resultStrides, LaneBlockHolder.First => firstStrides, _ => secondStrides };
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
            long k = Outer.Problem.K;
            if (ExpandedK.Length < k) ExpandedK = new nint[Math.Max(k, 2L * ExpandedK.Length)];
            for (int i = 0; i < k; i++) ExpandedK[i] = (nint)i * PanelRows * lanes;
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
            GroupsDense = true;
            for (int g = 0; g < groups; g++) GroupsDense &= GroupOffsets[g] == g;
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

        /// <summary>Whether <see cref="ReduceOrder"/> leaves each of the first <paramref name="lanes"/> lanes where it is.</summary>
        public bool ReduceOrderIsIdentity(int lanes)
        {
            for (int lane = 0; lane < lanes; lane++) if (ReduceOrder[lane] != lane) return false;
            return true;
        }

        /// <summary>Whether each group's lanes are neighbours, in order (<see cref="LaneOrder"/> is the identity).</summary>
        public bool GroupsAreNeighbours(int lanes)
        {
            for (int lane = 0; lane < lanes; lane++) if (LaneOrder[lane] != lane) return false;
            return true;
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
    }
}
