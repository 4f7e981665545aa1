using System;

namespace EinsumGen.Runtime.Kernels
{
    /// <summary>
    /// The block sizes and thresholds of the kernels for one instruction set, as BLIS's per-architecture contexts: one
    /// instance per <see cref="KernelPath"/>, <see cref="Current"/> chosen once from the hardware. The kernels read an
    /// instance once per call (never per element), so a value is a field here rather than a constant.
    /// </summary>
    /// <remarks>
    /// The values were measured on Zen 5 with AVX-512 (<see cref="Vector512"/>). The narrower sets share them except where
    /// the register file forces another shape (the micro-kernel's and the lane-block tile's rows), until measured on such
    /// hardware. Values that follow from the code's shape (a spelled-out register block, a fixed buffer) stay beside it.
    /// </remarks>
    internal sealed record class KernelContext
    {
        /// <summary>AVX-512: 32 vector registers of 64 bytes.</summary>
        public static readonly KernelContext Vector512 = new() { Path = KernelPath.Vector512, MicroKernelRows = 12, LaneTileRows = 2 };

        /// <summary>AVX2 (or any 32-byte vectors): 16 registers, so the 6-row micro-kernel and single-row lane tiles.</summary>
        public static readonly KernelContext Vector256 = Vector512 with { Path = KernelPath.Vector256, MicroKernelRows = 6, LaneTileRows = 1 };

        /// <summary>SSE or NEON (16-byte vectors): 16 registers or more, the 6-row shapes.</summary>
        public static readonly KernelContext Vector128 = Vector256 with { Path = KernelPath.Vector128 };

        /// <summary>No vectors: the 6-row micro-kernel over scalars (a fallback; the lane-block tier does not run).</summary>
        public static readonly KernelContext Scalar = Vector256 with { Path = KernelPath.Scalar };

        /// <summary>The context of the widest path the hardware runs (<see cref="ContractionKernel.BestPath"/>).</summary>
        public static readonly KernelContext Current = For(ContractionKernel.BestPath);

        /// <summary>The context of <paramref name="path"/> (<see cref="KernelPath.Auto"/>: <see cref="Current"/>).</summary>
        public static KernelContext For(KernelPath path) => path switch
        {
            KernelPath.Vector512 => Vector512,
            KernelPath.Vector256 => Vector256,
            KernelPath.Vector128 => Vector128,
            KernelPath.Scalar => Scalar,
            _ => Current,
        };

        /// <summary>The instruction set these values are for.</summary>
        public KernelPath Path { get; init; }

        // Threads.

        /// <summary>
        /// A call is split over threads only above this many FLOPs (2·batch·M·N·K): a fork-join costs ~2 µs, a few
        /// percent of a 2 MFLOP step at the cores' rate.
        /// </summary>
        public double ParallelFlops { get; init; } = 2e6;

        /// <summary>
        /// A batch split makes up to this many parts per thread: batch entries are independent, so small parts let the
        /// threads that finish first take a late worker's share.
        /// </summary>
        public int BatchPartsPerThread { get; init; } = 8;

        /// <summary>
        /// A direct-tier M or N split (and the lane-block tier's batch split) makes up to this many parts per thread:
        /// those parts pack nothing, so sharing them finely costs little.
        /// </summary>
        public int DirectPartsPerThread { get; init; } = 4;

        // The packed (BLIS) tier.

        /// <summary>Target depth of a K slice, in elements: a KC × NR panel of B stays in L1 while the micro-kernel uses it.</summary>
        public int KC { get; init; } = 256;

        /// <summary>Target bytes of a packed A block (MC × KC): half of a 1 MiB L2, the other half for B's panels and C.</summary>
        public int ABlockBytes { get; init; } = 384 * 1024;

        /// <summary>Target width of a column block (NC), in elements: the packed KC × NC block of B stays in L3.</summary>
        public int NC { get; init; } = 2048;

        /// <summary>
        /// Rows (MR) of the micro-kernel <see cref="ContractionKernel"/> runs on this path; its columns (NR) are two vectors.
        /// 12 × 2 holds 24 accumulators in AVX-512's 32 registers; 6 × 2 holds 12 in 16 registers.
        /// </summary>
        public int MicroKernelRows { get; init; }

        // Choosing the tier.

        /// <summary>
        /// A skinny problem (a free group of at most <see cref="SkinnyMaxSide"/>) with at least this many multiply-adds
        /// runs direct, vectors along its unit-stride free group: packing would copy the long factor to feed a micro-kernel
        /// mostly idle on so few rows (256×16×4096 float: 56% of peak direct, 29% packed).
        /// </summary>
        public long SkinnyMinMultiplyAdds { get; init; } = 32 * 32 * 32;

        /// <inheritdoc cref="SkinnyMinMultiplyAdds"/>
        public int SkinnyMaxSide { get; init; } = 16;

        /// <summary>
        /// A problem with no unit-stride pair for a vector loop is packed (each operand gathered once into dense panels)
        /// from this many multiply-adds, with M and N at least <see cref="GatherMinSide"/>: the direct loop would be
        /// scalar with three table reads per multiply-add (16×128×8 float: 9.7 µs scalar).
        /// </summary>
        public long GatherMinMultiplyAdds { get; init; } = 16 * 16 * 16;

        /// <inheritdoc cref="GatherMinMultiplyAdds"/>
        public int GatherMinSide { get; init; } = 4;

        /// <summary>
        /// Otherwise a problem is packed from this many multiply-adds, each side at least <see cref="PackedMinSide"/>:
        /// packing costs O(MK + KN) per batch entry; the direct loop wins up to ~48³, ties at 64³, loses from ~96³.
        /// </summary>
        public long PackedMinMultiplyAdds { get; init; } = 56 * 56 * 56;

        /// <inheritdoc cref="PackedMinMultiplyAdds"/>
        public int PackedMinSide { get; init; } = 8;

        /// <summary>
        /// The direct loops prefer a unit-stride run (along N, M, or dot products along K) at least this long; shorter
        /// runs leave most lanes of a vector idle, so another direction is tried first.
        /// </summary>
        public int DirectMinRun { get; init; } = 4;

        // The direct tier.

        /// <summary>
        /// Along N with C written through its tables (a weight gradient): chosen when the short free group has at most
        /// this many entries and the long one at least <see cref="StridedCMinLong"/>, so one pass streams the long factor.
        /// </summary>
        public int StridedCMaxSide { get; init; } = 16;

        /// <inheritdoc cref="StridedCMaxSide"/>
        public int StridedCMinLong { get; init; } = 64;

        /// <summary>Rows below which packing B for the quad loop costs more than it saves over the plain 8-row loop.</summary>
        public int QuadMinRows { get; init; } = 24;

        /// <summary>K below which the quad loop's in-group sums at the end outweigh its cheaper broadcasts.</summary>
        public int QuadMinK { get; init; } = 64;

        /// <summary>
        /// When B's columns of a strip fit this many bytes (L1 data cache), the direct loop walks rows outside, so that C
        /// is written row after row (n,m->nm at 4096²: 3.2 → 1.2 ms).
        /// </summary>
        public int DirectL1Bytes { get; init; } = 32 * 1024;

        /// <summary>
        /// A B strip of at least this many bytes is touched up front, so that lines another core just wrote arrive in
        /// parallel rather than one miss at a time (measured ~2x the step's time otherwise).
        /// </summary>
        public int TouchStripMinBytes { get; init; } = 16 * 1024;

        // Splitting a call over threads.

        /// <summary>Packed M parts are multiples of this many rows: a multiple of every <see cref="MicroKernelRows"/> (12, 6).</summary>
        public int PackedMSplitUnit { get; init; } = 48;

        /// <summary>Packed N parts are multiples of this many columns: a multiple of every NR.</summary>
        public int PackedNSplitUnit { get; init; } = 64;

        /// <summary>Direct M parts are multiples of this many rows: the direct loop's row block.</summary>
        public int DirectMSplitUnit { get; init; } = 8;

        /// <summary>Direct N parts are multiples of this many columns: two Vector512 of float, the widest column block.</summary>
        public int DirectNSplitUnit { get; init; } = 32;

        /// <summary>
        /// A K split makes at most this many parts: each part past the first writes a partial C that the caller adds, so
        /// more parts cost more than the bandwidth they save.
        /// </summary>
        public int KSplitMaxParts { get; init; } = 8;

        /// <summary>
        /// K is split only when it holds at least this many <see cref="KC"/> slices per thread (each part packs whole slices).
        /// </summary>
        public int KSplitMinSlicesPerThread { get; init; } = 2;

        /// <summary>
        /// K is split only when it is more than this many times the longer free group: then re-packing a whole operand per
        /// thread (an M or N split) reads more than the partial Cs write.
        /// </summary>
        public int KSplitMinAspect { get; init; } = 4;

        // The lane-block tier.

        /// <summary>Expanded operands beyond this many bytes (per batch entry) fall back to the GEMM kernel: they should stay in L2.</summary>
        public long LaneMaxExpandedBytes { get; init; } = 512 * 1024;

        /// <summary>Each expanded lane vector must feed at least this many multiply-adds to repay expanding it.</summary>
        public int LaneMinReuse { get; init; } = 8;

        /// <summary>
        /// With summed lanes (reduced by shuffles when the result is written), K must be at least this long, so the
        /// reduction is a small share of the multiply-adds into each vector.
        /// </summary>
        public int LaneMinSummedK { get; init; } = 4;

        /// <summary>
        /// Rows of C one lane-block register tile computes: two with 32 registers (2 × 8 accumulators), else one. The
        /// kernel's tile is spelled out per width and must agree (<see cref="LaneBlockKernel"/>).
        /// </summary>
        public int LaneTileRows { get; init; }

        // Steps (read by the execution layer).

        /// <summary>
        /// An accumulating step with at least this many multiply-adds runs on the GEMM kernel into scratch and is added in;
        /// smaller ones run on the strided kernel, which adds as it goes.
        /// </summary>
        public double AccumulateThroughScratch { get; init; } = 1 << 14;

        /// <summary>A step with fewer multiply-adds stays whole: slicing it over the cores would save less than a fork-join costs (~2 µs).</summary>
        public double SliceMinMultiplyAdds { get; init; } = 1 << 17;

        /// <summary>
        /// A partial result per core (the sliced label summed in that step) must be this many times smaller than the step's
        /// multiply-adds: its extra write and addition are then a small share of the step.
        /// </summary>
        public double SlicePartialRatio { get; init; } = 32;

        /// <summary>
        /// The shortest contiguous run a slice may leave in a tensor (one Vector512 of float): shorter, the kernel streaming
        /// that run would idle lanes of every vector.
        /// </summary>
        public int SliceMinRun { get; init; } = 16;
    }
}
