using EinsumGen.Dispatch;

namespace EinsumGen.Runtime.Kernels
{
    /// <summary>
    /// The block sizes and thresholds of the kernels for one instruction set, as BLIS's per-architecture contexts: one
    /// instance per <see cref="KernelPath"/>, <see cref="Current"/> chosen once from the hardware. The kernels read an
    /// instance once per call (never per element), so a value is a field here rather than a constant. The thresholds
    /// that choose a kernel live in <see cref="Dispatch"/>, shared with the generator's dispatcher.
    /// </summary>
    /// <remarks>
    /// The values were measured on Zen 5 with AVX-512 (<see cref="Vector512"/>). The narrower sets share them except where
    /// the register file forces another shape (the micro-kernel's and the lane-block tile's rows), until measured on such
    /// hardware. Values that follow from the code's shape (a spelled-out register block, a fixed buffer) stay beside it.
    /// </remarks>
    internal sealed record class KernelContext
    {
        /// <summary>AVX-512: 32 vector registers of 64 bytes.</summary>
        public static readonly KernelContext Vector512 = new() { Path = KernelPath.Vector512, MicroKernelRows = 12, LaneTileRows = 3 };

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

        /// <summary>
        /// The thresholds that choose a step's kernel, tier, loop and split (<see cref="KernelDispatch"/>): shared with the
        /// generator, so they live beside the dispatcher.
        /// </summary>
        public DispatchLimits Dispatch { get; init; } = DispatchLimits.Measured;

        // Threads.

        /// <summary>
        /// A batch split makes up to this many parts per thread: batch entries are independent, so small parts let the
        /// threads that finish first take a late worker's share.
        /// </summary>
        public int BatchPartsPerThread { get; init; } = 8;

        /// <summary>
        /// A batch split's parts carry at least this many FLOPs where the batch allows (fewer parts per thread otherwise):
        /// a part's first entry starts with its operands in memory. One core, attention's scores (2.1 MFLOP an entry) in
        /// parts of 6 entries ran 2–3% slower than in one part, in parts of 24 within 0.5%.
        /// </summary>
        public double BatchPartMinFlops { get; init; } = 40e6;

        /// <summary>
        /// A direct-tier M or N split (and the lane-block tier's batch split) makes up to this many parts per thread:
        /// those parts pack nothing, so sharing them finely costs little.
        /// </summary>
        public int DirectPartsPerThread { get; init; } = 4;

        // The packed (BLIS) tier.

        /// <summary>Target depth of a K slice (KC), in elements (<see cref="DispatchLimits.KC"/>: a K split cuts whole slices).</summary>
        public int KC => Dispatch.KC;

        /// <summary>Target bytes of a packed A block (MC × KC): half of a 1 MiB L2, the other half for B's panels and C.</summary>
        public int ABlockBytes { get; init; } = 384 * 1024;

        /// <summary>Target width of a column block (NC), in elements: the packed KC × NC block of B stays in L3.</summary>
        public int NC { get; init; } = 2048;

        /// <summary>
        /// A whole packed A of at most this many bytes (all K slices) stays resident in L2 while B streams past it (a
        /// weight against a long batch of columns: M = 64, K = 576).
        /// </summary>
        public int AResidentBytes { get; init; } = 256 * 1024;

        /// <summary>Target bytes of a packed KC × NC block of B where A is one block (resident or not): it stays in L2 with A and C's block.</summary>
        public int ResidentBBlockBytes { get; init; } = 256 * 1024;

        /// <summary>
        /// In a batch, the next entry's operands are prefetched while one computes where each spans at most this many
        /// bytes (a head of attention: 32 KiB of Q, 32 KiB of K).
        /// </summary>
        public int BatchPrefetchMaxBytes { get; init; } = 256 * 1024;

        /// <summary>
        /// Rows (MR) of the micro-kernel <see cref="ContractionKernel"/> runs on this path by default; its columns (NR) are
        /// two vectors. (Where it pads less, the AVX-512 path runs 8 rows × 3 vectors instead: <see cref="PackedGemm.Prefers8x3"/>.)
        /// 12 × 2 holds 24 accumulators in AVX-512's 32 registers; 6 × 2 holds 12 in 16 registers.
        /// </summary>
        public int MicroKernelRows { get; init; }

        // The direct tier.

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

        /// <summary>
        /// A K split makes at most this many parts: each part past the first writes a partial C that the caller adds, so
        /// more parts cost more than the bandwidth they save.
        /// </summary>
        public int KSplitMaxParts { get; init; } = 8;

        // The lane-block tier (the thresholds that choose it are in Dispatch, shared with the generator).

        /// <summary>
        /// Rows of C one lane-block register tile computes: three with 32 registers (3 × 8 accumulators), else one. The
        /// kernel's tile is spelled out per width and must agree (<see cref="LaneBlockKernel"/>).
        /// </summary>
        public int LaneTileRows { get; init; }

        // The streaming tier.

        /// <summary>
        /// A kept unit-stride run that outer summed dimensions add into (column sums, a vector-matrix product) is cut into
        /// chunks of this many bytes, so that each chunk of the result stays in L2 while every outer index adds into it. Not
        /// shorter: each row read is a stream whose prefetch starts over at every chunk (8192² column sums, one thread: 16 KiB
        /// chunks 10.7–13.1 ms, whole 32 KiB rows 7.5–10.5 ms).
        /// </summary>
        public int StreamChunkBytes { get; init; } = 64 * 1024;

        // Steps (read by the execution layer).

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
