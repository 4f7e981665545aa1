namespace EinsumGen.Dispatch
{
    /// <summary>
    /// The thresholds <see cref="KernelDispatch"/> decides with: shared by the runtime (the kernel context of each
    /// instruction set holds one) and the generator, so that both name the same kernel for a step. Measured on Zen 5
    /// with AVX-512; every instruction set uses <see cref="Measured"/> until measured elsewhere.
    /// </summary>
    internal sealed class DispatchLimits
    {
        /// <summary>The measured values.</summary>
        public static readonly DispatchLimits Measured = new DispatchLimits();

        /// <summary>
        /// A call is split over threads only above this many FLOPs (2·batch·M·N·K): a fork-join costs ~2 µs, a few
        /// percent of a 2 MFLOP step at the cores' rate.
        /// </summary>
        public double ParallelFlops { get; init; } = 2e6;

        /// <summary>
        /// An accumulating step with at least this many multiply-adds runs on the GEMM kernel into scratch and is added in;
        /// smaller ones run on the strided kernel, which adds as it goes.
        /// </summary>
        public double AccumulateThroughScratch { get; init; } = 1 << 14;

        /// <summary>Target depth of a K slice of the packed tier (KC), in elements: a KC × NR panel of B stays in L1 while the micro-kernel uses it.</summary>
        public int KC { get; init; } = 256;

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

        /// <summary>Packed M parts are multiples of this many rows: a multiple of every micro-kernel's rows (12, 6).</summary>
        public int PackedMSplitUnit { get; init; } = 48;

        /// <summary>Packed N parts are multiples of this many columns: a multiple of every micro-kernel's columns.</summary>
        public int PackedNSplitUnit { get; init; } = 64;

        /// <summary>Direct M parts are multiples of this many rows: the direct loop's row block.</summary>
        public int DirectMSplitUnit { get; init; } = 8;

        /// <summary>Direct N parts are multiples of this many columns: two Vector512 of float, the widest column block.</summary>
        public int DirectNSplitUnit { get; init; } = 32;

        /// <summary>K is split only when it holds at least this many <see cref="KC"/> slices per thread (each part packs whole slices).</summary>
        public int KSplitMinSlicesPerThread { get; init; } = 2;

        /// <summary>
        /// K is split only when it is more than this many times the longer free group: then re-packing a whole operand per
        /// thread (an M or N split) reads more than the partial Cs write.
        /// </summary>
        public int KSplitMinAspect { get; init; } = 4;

        /// <summary>
        /// The lane-block tier (<see cref="LaneBlockDispatch"/>) leaves a step to the GEMM kernel when its expanded
        /// operands exceed this many bytes (per batch entry): they should stay in L2.
        /// </summary>
        public long LaneMaxExpandedBytes { get; init; } = 512 * 1024;

        /// <summary>Each expanded lane vector must feed at least this many multiply-adds to repay expanding it.</summary>
        public int LaneMinReuse { get; init; } = 8;

        /// <summary>
        /// With summed lanes (reduced by shuffles when the result is written), K must be at least this long, so the
        /// reduction is a small share of the multiply-adds into each vector.
        /// </summary>
        public int LaneMinSummedK { get; init; } = 4;
    
        /// <summary>
        /// A pairwise step without reuse (a GEMM group of one entry: matrix-vector, outer, Hadamard products, broadcasting
        /// scales) runs on the streaming tier from this many bytes moved; smaller ones stay in cache whichever loop runs them.
        /// </summary>
        public long StreamMinBytes { get; init; } = 64 * 1024;

        /// <summary>The streaming tier takes a pairwise step only where its inner run is at least this many elements long.</summary>
        public int StreamMinRun { get; init; } = 16;

        /// <summary>
        /// A streaming step is split over the cores from this many bytes moved: a fork-join costs ~2 µs, the time to move
        /// ~50 KB here.
        /// </summary>
        public long StreamParallelBytes { get; init; } = 512 * 1024;

        /// <summary>
        /// A batch of small products (<see cref="SmallBatchDispatch"/>) runs on the small-batch kernel from this many bytes
        /// moved: below it the operands stay in cache and the GEMM kernel's kept tables cost little.
        /// </summary>
        public long SmallBatchMinBytes { get; init; } = 1024 * 1024;

        /// <summary>The small-batch kernel takes products with no side longer than this.</summary>
        public int SmallBatchMaxSide { get; init; } = 32;

        /// <summary>
        /// The small-batch kernel takes products with at most this many multiply-adds per element of its three blocks (8³: 2.7,
        /// 16³: 5.3): beyond it a product is compute-bound, and the GEMM kernel's register blocks serve it better.
        /// </summary>
        public int SmallBatchMaxReuse { get; init; } = 6;
    }
}
