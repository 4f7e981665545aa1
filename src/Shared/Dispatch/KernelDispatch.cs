using System.Runtime.CompilerServices;

namespace EinsumGen.Dispatch
{
    /// <summary>Which kernel runs a pairwise step.</summary>
    internal enum DispatchedKernel : byte
    {
        /// <summary>The generic strided loops (a small accumulating step the streaming tier does not take).</summary>
        Strided,

        /// <summary>
        /// The streaming tier: a step with a few FLOPs per byte (reductions, permutations, outer products, matrix-vector
        /// products, broadcasting scales) walks its largest tensor in storage order with vectors, transposes in tiles.
        /// </summary>
        Stream,

        /// <summary>
        /// The small-batch kernel: a large batch of small products (<see cref="SmallBatchDispatch"/>), each entry's product in
        /// registers, the batch walked in the result's storage order.
        /// </summary>
        SmallBatch,

        /// <summary>The lane-block tier: a GEMM of vectors over a block of contiguous elements that mixes GEMM groups.</summary>
        LaneBlock,

        /// <summary>The packed (BLIS) tier: operands packed into micro-panels for a register-blocked micro-kernel.</summary>
        Packed,

        /// <summary>The direct tier, vectors along N (unit-stride columns of B and C).</summary>
        DirectAlongN,

        /// <summary>The direct tier's quad-broadcast loop: N is one 512-bit vector, A unit-stride along K.</summary>
        DirectAlongNQuad,

        /// <summary>The direct tier along N with C written through its tables (a weight gradient).</summary>
        DirectAlongNStridedC,

        /// <summary>The direct tier's dot products along K.</summary>
        DirectAlongK,

        /// <summary>The direct tier's scalar loop over the tables.</summary>
        DirectScalar,
    }

    /// <summary>How a GEMM call is split over threads.</summary>
    internal enum DispatchedSplit : byte { None, Batch, M, N, K }

    /// <summary>Why a step runs on its tier (<see cref="KernelChoice.Reason"/> spells it out).</summary>
    internal enum DispatchReason : byte { TierForced, Unary, SmallAccumulating, MixedLanes, Skinny, NoVectorPair, LargeEnough, Small, MemoryBound, SmallProducts }

    /// <summary>Why the direct tier runs its loop (<see cref="KernelChoice.Detail"/> spells it out).</summary>
    internal enum DispatchDetail : byte
    {
        None, StridedCAlongM, StridedCAlongN, AlongN, AlongM, DotsAlongK, ShortAlongN, ShortAlongM, NoUnitStride, QuadBroadcasts,
    }

    /// <summary>
    /// A GEMM problem as the dispatcher sees it: group sizes, which offset tables are unit-stride, and the vector width.
    /// An empty group counts as one entry; a group of one entry is unit-stride.
    /// </summary>
    internal struct GemmFacts
    {
        /// <summary>Sizes of the batch, M (first factor only), N (second only) and K (summed) groups.</summary>
        public int Batch, M, N, K;

        /// <summary>Whether the group's table of the named tensor is affine with stride 1 (A: first factor, B: second, C: result).</summary>
        public bool RowAUnit, RowCUnit, ColBUnit, ColCUnit, KAUnit, KBUnit;

        /// <summary>Whether both K tables are affine, and A's K stride then.</summary>
        public bool KAffine;

        /// <summary>The K tables' strides when <see cref="KAffine"/>.</summary>
        public long KStrideA, KStrideB;

        /// <summary>Bytes of an element (4 for float, 8 for double).</summary>
        public int ElementSize;

        /// <summary>Bytes of the vectors the kernels run (64 for AVX-512, 32, 16; the element size where there are none).</summary>
        public int VectorBytes;

        /// <summary>Whether the quad-broadcast loop can run here (its instructions exist, and it is switched on).</summary>
        public bool QuadAvailable;
    }

    /// <summary>
    /// A dispatch decision: the kernel, how the call is split, whether it computes Cᵀ = Bᵀ·Aᵀ, and why. Codes rather than
    /// strings, so that the runtime's hot path returns it in a register; <see cref="Reason"/> and <see cref="Detail"/>
    /// spell them out.
    /// </summary>
    internal readonly struct KernelChoice
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public KernelChoice(DispatchedKernel kernel, DispatchReason why, DispatchDetail detail = DispatchDetail.None, bool transposed = false,
            DispatchedSplit split = DispatchedSplit.None, bool throughScratch = false)
        {
            Kernel = kernel;
            Why = why;
            WhyLoop = detail;
            Transposed = transposed;
            Split = split;
            ThroughScratch = throughScratch;
        }

        /// <summary>The kernel that runs the step.</summary>
        public DispatchedKernel Kernel { get; }

        /// <summary>Why this tier.</summary>
        public DispatchReason Why { get; }

        /// <summary>Why this loop within the direct tier (<see cref="DispatchDetail.None"/> elsewhere).</summary>
        public DispatchDetail WhyLoop { get; }

        /// <summary>Whether the kernel computes Cᵀ = Bᵀ·Aᵀ (operands and the M and N groups swapped).</summary>
        public bool Transposed { get; }

        /// <summary>How the call is split over threads.</summary>
        public DispatchedSplit Split { get; }

        /// <summary>Whether an accumulating step computes into scratch, then adds it in.</summary>
        public bool ThroughScratch { get; }

        /// <summary>Whether the kernel is one of the direct tier's loops.</summary>
        public bool IsDirect => Kernel >= DispatchedKernel.DirectAlongN;

        /// <summary>The same choice with a split.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public KernelChoice WithSplit(DispatchedSplit split) => new KernelChoice(Kernel, Why, WhyLoop, Transposed, split, ThroughScratch);

        /// <summary>The same choice, computed into scratch and added in.</summary>
        public KernelChoice WithScratch() => new KernelChoice(Kernel, Why, WhyLoop, Transposed, Split, throughScratch: true);

        /// <summary>Why this tier, in a few words (e.g. for the remarks of generated code).</summary>
        public string Reason => Why switch
        {
            DispatchReason.TierForced => "tier forced",
            DispatchReason.Unary => "unary step: streamed in storage order",
            DispatchReason.MemoryBound => "memory-bound: each element feeds one multiply-add, streamed in storage order",
            DispatchReason.SmallProducts => "a batch of small products: memory-bound, each product in registers",
            DispatchReason.SmallAccumulating => "small accumulating step: the strided loops add as they go",
            DispatchReason.MixedLanes => "a vector's worth of contiguous elements mixes GEMM groups",
            DispatchReason.Skinny => "skinny: the direct loop streams the long factor in place",
            DispatchReason.NoVectorPair => "no unit-stride pair for a vector loop: packing gathers each operand once",
            DispatchReason.LargeEnough => "large enough to repay packing",
            _ => "small: packing would not pay off",
        };

        /// <summary>Why this loop, in a few words; empty outside the direct tier.</summary>
        public string Detail => WhyLoop switch
        {
            DispatchDetail.StridedCAlongM => "C strided; vectors along the long factor's unit-stride M",
            DispatchDetail.StridedCAlongN => "C strided; vectors along the long factor's unit-stride N",
            DispatchDetail.AlongN => "vectors along N",
            DispatchDetail.AlongM => "vectors along M",
            DispatchDetail.DotsAlongK => "dot products along K",
            DispatchDetail.ShortAlongN => "short vectors along N",
            DispatchDetail.ShortAlongM => "short vectors along M",
            DispatchDetail.NoUnitStride => "no unit-stride run",
            DispatchDetail.QuadBroadcasts => "N one 512-bit vector: quad broadcasts",
            _ => "",
        };

        /// <inheritdoc/>
        public override string ToString() =>
            Kernel + (Transposed ? " (Cᵀ)" : "") + (Split == DispatchedSplit.None ? "" : ", split along " + Split) + ": " + Reason
            + (Detail.Length == 0 ? "" : "; " + Detail) + (ThroughScratch ? "; into scratch, then added" : "");
    }

    /// <summary>
    /// The kernel a pairwise step runs on, as a pure function of plain facts (sizes, strides, element and vector width,
    /// threads), so that the generator can name at compile time the kernel a call will run. No hardware queries here:
    /// what the hardware offers comes in as <see cref="GemmFacts.VectorBytes"/> and <see cref="GemmFacts.QuadAvailable"/>.
    /// </summary>
    /// <remarks>
    /// The runtime's GEMM kernel keeps its own copy of these rules, inlined into its hot path over its bound tables (a
    /// call through here measured ~20 ns more per small GEMM); both read the same <see cref="DispatchLimits"/>, and
    /// KernelDispatchTests checks on tuned and random steps that the run takes the kernel, transposition and split named
    /// here. The step-level rule, <see cref="RunsStrided"/>, and the lane-block tier's decision,
    /// <see cref="LaneBlockDispatch"/>, the runtime calls directly.
    /// </remarks>
    internal static partial class KernelDispatch
    {
        /// <summary>
        /// The tier, direct loop and split of a GEMM problem. <paramref name="packed"/> forces a tier (tests and
        /// benchmarks; null chooses). <paramref name="threads"/>: threads the call may use (1 where it must stay on the
        /// calling thread); the split is chosen after any transposition, on the transposed problem.
        /// </summary>
        public static KernelChoice ChooseGemm(in GemmFacts facts, DispatchLimits limits, int threads, bool? packed = null)
        {
            GemmFacts f = facts;
            var mode = packed is bool p ? Tier(p, DispatchReason.TierForced) : ChooseTier(f, limits);
            KernelChoice choice;
            if (mode.Packed)
            {
                // The micro-kernel stores rows of C with vectors: make C's unit-stride group the N group.
                int rows = f.VectorBytes == 64 ? 12 : 6, lanes = System.Math.Max(1, f.VectorBytes / f.ElementSize);
                bool transpose = !f.ColCUnit && f.RowCUnit && f.N > 1 || PacksTransposed(f.M, f.N, f.K, rows, 2 * lanes, limits);
                choice = new KernelChoice(DispatchedKernel.Packed, mode.Reason, transposed: transpose);
            }
            else
            {
                choice = ChooseDirect(f, limits, mode.Reason);
            }
            if (choice.Transposed) Transpose(ref f);
            double flops = 2.0 * f.Batch * f.M * f.N * f.K;
            if (threads <= 1 || flops < limits.ParallelFlops) return choice;
            return choice.WithSplit(ChooseSplit(f, choice.Kernel == DispatchedKernel.Packed, threads, limits));
        }

        /// <summary>
        /// Whether a small packed problem computes Cᵀ = Bᵀ·Aᵀ because the micro-kernel's tiles (<paramref name="rows"/> ×
        /// <paramref name="columns"/>) then pad it by clearly less: at this size the padded multiply-adds, not C's stores,
        /// set the time (the tensor train's ∂w1, 16 × 8 × 128 float: 24 × 32 tiles computed, 12 × 32 transposed).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool PacksTransposed(int m, int n, int k, int rows, int columns, DispatchLimits limits)
        {
            if ((long)m * n * k >= limits.PackedMinMultiplyAdds) return false;
            return 4 * Padded(n, rows) * Padded(m, columns) < 3 * Padded(m, rows) * Padded(n, columns);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static long Padded(int length, int unit) => ((long)length + unit - 1) / unit * unit;

        private readonly struct TierChoice
        {
            public TierChoice(bool packed, DispatchReason reason) { Packed = packed; Reason = reason; }
            public bool Packed { get; }
            public DispatchReason Reason { get; }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TierChoice Tier(bool packed, DispatchReason reason) => new TierChoice(packed, reason);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TierChoice ChooseTier(in GemmFacts f, DispatchLimits limits)
        {
            long mnk = (long)f.M * f.N * f.K;
            bool vectorDirect = (f.ColBUnit && f.ColCUnit) || (f.RowAUnit && f.RowCUnit);
            if (vectorDirect && mnk >= limits.SkinnyMinMultiplyAdds && System.Math.Min(f.M, f.N) <= limits.SkinnyMaxSide)
                return Tier(false, DispatchReason.Skinny);
            bool kdot = f.KAUnit && f.KBUnit && f.K >= limits.DirectMinRun;
            if (!vectorDirect && !kdot && f.M >= limits.GatherMinSide && f.N >= limits.GatherMinSide && mnk >= limits.GatherMinMultiplyAdds)
                return Tier(true, DispatchReason.NoVectorPair);
            int side = limits.PackedMinSide;
            return f.M >= side && f.N >= side && f.K >= side && mnk >= limits.PackedMinMultiplyAdds
                ? Tier(true, DispatchReason.LargeEnough)
                : Tier(false, DispatchReason.Small);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static KernelChoice ChooseDirect(in GemmFacts f, DispatchLimits limits, DispatchReason why)
        {
            bool nvec = f.ColBUnit && f.ColCUnit;
            bool mvec = f.RowAUnit && f.RowCUnit;
            bool kdot = f.KAUnit && f.KBUnit;
            int run = limits.DirectMinRun, side = limits.StridedCMaxSide, length = limits.StridedCMinLong;
            // A long factor whose unit stride runs along M (or N) while C is strided and the other free group is short
            // (a layer's ∂W): vectors along that unit stride, streaming the long factor once, C written through its tables.
            if (f.RowAUnit && !f.RowCUnit && !f.KAUnit && f.N <= side && f.M >= length)
                return new KernelChoice(DispatchedKernel.DirectAlongNStridedC, why, DispatchDetail.StridedCAlongM, transposed: true);
            if (f.ColBUnit && !f.ColCUnit && !f.KBUnit && f.M <= side && f.N >= length)
                return new KernelChoice(DispatchedKernel.DirectAlongNStridedC, why, DispatchDetail.StridedCAlongN);
            if (nvec && f.N >= run) return AlongN(f, limits, why, DispatchDetail.AlongN, transposed: false);
            if (mvec && f.M >= run) return AlongN(f, limits, why, DispatchDetail.AlongM, transposed: true);
            if (kdot && f.K >= run) return new KernelChoice(DispatchedKernel.DirectAlongK, why, DispatchDetail.DotsAlongK);
            if (nvec) return AlongN(f, limits, why, DispatchDetail.ShortAlongN, transposed: false);
            if (mvec) return AlongN(f, limits, why, DispatchDetail.ShortAlongM, transposed: true);
            return new KernelChoice(DispatchedKernel.DirectScalar, why, DispatchDetail.NoUnitStride);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static KernelChoice AlongN(in GemmFacts f, DispatchLimits limits, DispatchReason why, DispatchDetail detail, bool transposed)
        {
            return QuadFits(f, transposed, limits)
                ? new KernelChoice(DispatchedKernel.DirectAlongNQuad, why, DispatchDetail.QuadBroadcasts, transposed)
                : new KernelChoice(DispatchedKernel.DirectAlongN, why, detail, transposed);
        }

        /// <summary>
        /// The quad loop fits the problem (<paramref name="transposed"/>: its transpose): N is exactly one 512-bit vector,
        /// A's rows run unit-stride along K (both K tables affine) in whole 16-byte chunks, and enough rows read the packed
        /// B to repay packing it.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool QuadFits(in GemmFacts f, bool transposed, DispatchLimits limits) =>
            f.QuadAvailable && f.VectorBytes == 64 && (long)(transposed ? f.M : f.N) * f.ElementSize == 64
            && (transposed ? f.RowAUnit && f.RowCUnit : f.ColBUnit && f.ColCUnit)
            && f.KAffine && (transposed ? f.KStrideB : f.KStrideA) == 1 && f.K >= limits.QuadMinK && (transposed ? f.N : f.M) >= limits.QuadMinRows
            && ((long)f.K * f.ElementSize & 15) == 0;

        private static DispatchedSplit ChooseSplit(in GemmFacts f, bool packed, int threads, DispatchLimits limits)
        {
            if (f.Batch >= 4 * threads || (f.Batch >= threads && f.Batch % threads == 0)) return DispatchedSplit.Batch;
            if (packed && f.Batch == 1 && f.K >= limits.KSplitMinSlicesPerThread * limits.KC * threads
                && (long)f.K > (long)limits.KSplitMinAspect * System.Math.Max(f.M, f.N))
            {
                // K long against the free groups: each thread packs only its share of both operands, at the price of a
                // partial C per extra thread (an M or N split makes every thread pack a whole operand).
                return DispatchedSplit.K;
            }
            bool canM = f.M >= 2 * MSplitUnit(packed, limits), canN = f.N >= 2 * NSplitUnit(packed, limits);
            if (canM && canN && packed)
            {
                // Splitting M makes every thread pack all of B; splitting N, all of A. Duplicate the cheaper packing
                // (a copy when the panel's lanes are contiguous, a transposing copy otherwise).
                double costA = (double)f.M * (f.RowAUnit ? 1 : 3);
                double costB = (double)f.N * (f.ColBUnit ? 1 : 3);
                return costB <= costA ? DispatchedSplit.M : DispatchedSplit.N;
            }
            if (canM && (f.M >= f.N || !canN)) return DispatchedSplit.M;
            if (canN) return DispatchedSplit.N;
            if (f.Batch >= threads) return DispatchedSplit.Batch;
            return DispatchedSplit.None;
        }

        /// <summary>Rows of C per M part: the packed tier's unit, or the direct loop's row block.</summary>
        public static int MSplitUnit(bool packed, DispatchLimits limits) => packed ? limits.PackedMSplitUnit : limits.DirectMSplitUnit;

        /// <summary>Columns of C per N part: the packed tier's unit, or the direct loop's widest column block.</summary>
        public static int NSplitUnit(bool packed, DispatchLimits limits) => packed ? limits.PackedNSplitUnit : limits.DirectNSplitUnit;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Transpose(ref GemmFacts f)
        {
            (f.M, f.N) = (f.N, f.M);
            (f.RowAUnit, f.ColBUnit) = (f.ColBUnit, f.RowAUnit);
            (f.RowCUnit, f.ColCUnit) = (f.ColCUnit, f.RowCUnit);
            (f.KAUnit, f.KBUnit) = (f.KBUnit, f.KAUnit);
            (f.KStrideA, f.KStrideB) = (f.KStrideB, f.KStrideA);
        }
    }
}
