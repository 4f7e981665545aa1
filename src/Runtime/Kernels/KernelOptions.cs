namespace EinsumGen.Runtime.Kernels
{
    /// <summary>
    /// The switches that turn a tier or an optimization of the kernels and the step execution off, for same-run A/B
    /// comparisons in benchmarks and for tests only: production code never changes them, and the defaults are the
    /// measured best. One process-wide instance (<see cref="Current"/>); the kernels read a switch once per call, never
    /// per element, so flipping one between calls takes effect at the next call.
    /// </summary>
    internal sealed class KernelOptions
    {
        /// <summary>The switches every call reads.</summary>
        public static KernelOptions Current { get; } = new();

        /// <summary>
        /// Whether steps whose vector's worth of contiguous elements mixes GEMM groups run on the lane-block tier
        /// (<see cref="LaneBlockPlan"/>); false leaves every step to the GEMM kernel.
        /// </summary>
        public bool LaneBlocks { get; set; } = true;

        /// <summary>
        /// Whether unary steps and pairwise steps without reuse run on the streaming tier (<see cref="StreamKernel"/>), and
        /// large batches of small products on <see cref="SmallBatchKernel"/>; false runs unary steps on the strided loops and
        /// pairwise ones on the GEMM kernel, as before that tier.
        /// </summary>
        public bool StreamTier { get; set; } = true;

        /// <summary>
        /// A streaming step whose result (written, not added into) has at least this many bytes writes it with non-temporal
        /// stores: too large to stay in the last-level cache for the next step, it goes to memory without each line being
        /// read first. <see cref="long.MaxValue"/> switches them off (A/B); tests set it low to run that path on small steps.
        /// </summary>
        public long StreamNonTemporalBytes { get; set; } = 32L * 1024 * 1024;

        /// <summary>
        /// Whether a binding copies back a small step's result when its inputs are bitwise unchanged since the last call
        /// (a forward call, then its backward); false recomputes every step.
        /// </summary>
        public bool StepReuse { get; set; } = true;

        /// <summary>Whether steps a layout chose to slice over the cores run sliced; false runs every step whole.</summary>
        public bool SlicedSteps { get; set; } = true;

        /// <summary>Tests: slice every step that can be sliced, however small (the size and layout rules off; correctness rules stay).</summary>
        public bool SliceEverything { get; set; }

        /// <summary>Tests: this many parts per sliced step instead of one per core (more parts than threads: threads then run several each).</summary>
        public int? SliceParts { get; set; }

        /// <summary>
        /// Whether the direct tier runs its quad-broadcast loop where N is one 512-bit vector (<see cref="DirectKind.AlongNQuad"/>);
        /// false leaves those problems to the plain 8-row loop.
        /// </summary>
        public bool QuadLoop { get; set; } = true;

        /// <summary>Whether a strided-C direct problem runs 16-row strips three vectors wide; false runs 16 × 1-vector blocks alone.</summary>
        public bool WideStrips { get; set; } = true;

        /// <summary>
        /// Whether the packed tier's blocks prefetch the next packing's source into L2. Off: it measured no gain on the
        /// target machine (the hardware prefetchers already follow the packing streams).
        /// </summary>
        public bool PackedPrefetch { get; set; }

        /// <summary>
        /// Whether packing prefetches its source a few rows ahead of its reads (on Zen 5, mnk,mkr->nr on one core, operands
        /// streamed from memory: 72.7% → 75.5% of peak; cache-resident 1024³ unchanged).
        /// </summary>
        public bool PackingPrefetch { get; set; } = true;

        /// <summary>
        /// Whether the packed tier keeps a short A packed whole (<see cref="KernelContext.AResidentBytes"/>) and streams B
        /// through L2-sized blocks wherever A is one block; false packs A per block and sizes B's blocks for L3, as for a large A.
        /// </summary>
        public bool ResidentA { get; set; } = true;

        /// <summary>
        /// Whether the packed tier's micro-kernel reads a short A with rows contiguous along K (and then a narrow
        /// row-major B) where they lie instead of packing them (attention's heads); false packs every operand.
        /// </summary>
        public bool InPlace { get; set; } = true;

        /// <summary>
        /// Whether an A read in place has the next tile's rows prefetched into L1 while a tile computes, on the first pass
        /// over them (each row is a few cache lines: too short for the hardware prefetchers).
        /// </summary>
        public bool RowPrefetch { get; set; } = true;

        /// <summary>
        /// Whether that row prefetch runs inside the micro-kernel's K loop (one line a step) where the rows are one dense
        /// block; false issues it as a burst between tiles.
        /// </summary>
        public bool RowsAhead { get; set; } = true;

        /// <summary>
        /// Whether, in a batch, the last pass over an in-place A prefetches the next entry's first row panel and its B (one
        /// dense range) the same way, a tile's worth of lines per full panel.
        /// </summary>
        public bool NextEntryAhead { get; set; } = true;

        /// <summary>
        /// Whether a batch split keeps each part at least <see cref="KernelContext.BatchPartMinFlops"/> (attention's 96 heads
        /// on 2 cores: 4 parts of 24 entries); false cuts <see cref="KernelContext.BatchPartsPerThread"/> parts per thread
        /// whatever their size (16 parts of 6).
        /// </summary>
        public bool LongBatchParts { get; set; } = true;

        /// <summary>
        /// Whether, where B is packed per entry, the next entry's B is fetched before its first row panel and from the
        /// second-to-last pass on; false fetches the row panel first, on the last pass only.
        /// </summary>
        public bool PackedBFirst { get; set; } = true;

        /// <summary>Whether a batch of packed products prefetches the next entry's operands while one computes.</summary>
        public bool BatchPrefetch { get; set; } = true;

        /// <summary>
        /// Whether the ragged last row panel of an in-place A may be computed over rows that overlap the panel before it
        /// (where K is one slice): the shorter edge block, or a full panel; false copies the ragged rows into a
        /// zero-padded panel unless the edge block fits them exactly.
        /// </summary>
        public bool ShiftedEdge { get; set; } = true;

        /// <summary>
        /// Whether a ragged last row panel of an in-place A of at most <c>EdgeMR</c> rows runs the shorter edge block
        /// (<c>IMicroKernel.RunRowsEdge</c>: M = 128 as 10 × 12 + 8 rows, no padded rows); false runs a full panel.
        /// </summary>
        public bool EdgeBlock { get; set; } = true;

        /// <summary>Whether the packed tier may run the 8 × 3-vector micro-kernel where it pads less (AVX-512); false keeps 12 × 2.</summary>
        public bool Kernel8x3 { get; set; } = true;

        /// <summary>
        /// Whether a sweep with sliced steps runs as one parallel region (<see cref="SweepRegion"/>): each core walks the
        /// sweep's steps once, its own slice of every sliced step and a share of the small whole steps, waiting only for
        /// the data it reads; false runs the steps one after the other, each sliced one handed to the cores on its own.
        /// </summary>
        public bool SweepRegions { get; set; } = true;

        /// <summary>Tests: each GEMM call leaves what it runs in <see cref="ContractionKernel.LastRun"/> (on its thread).</summary>
        public bool RecordChoices { get; set; }

        /// <summary>Restores every switch to its default (benchmarks and tests, after flipping some).</summary>
        public void Reset()
        {
            var defaults = new KernelOptions();
            LaneBlocks = defaults.LaneBlocks;
            StreamTier = defaults.StreamTier;
            StreamNonTemporalBytes = defaults.StreamNonTemporalBytes;
            StepReuse = defaults.StepReuse;
            SlicedSteps = defaults.SlicedSteps;
            SliceEverything = defaults.SliceEverything;
            SliceParts = defaults.SliceParts;
            QuadLoop = defaults.QuadLoop;
            WideStrips = defaults.WideStrips;
            PackedPrefetch = defaults.PackedPrefetch;
            PackingPrefetch = defaults.PackingPrefetch;
            ResidentA = defaults.ResidentA;
            Kernel8x3 = defaults.Kernel8x3;
            BatchPrefetch = defaults.BatchPrefetch;
            InPlace = defaults.InPlace;
            RowPrefetch = defaults.RowPrefetch;
            EdgeBlock = defaults.EdgeBlock;
            RowsAhead = defaults.RowsAhead;
            NextEntryAhead = defaults.NextEntryAhead;
            LongBatchParts = defaults.LongBatchParts;
            PackedBFirst = defaults.PackedBFirst;
            ShiftedEdge = defaults.ShiftedEdge;
            RecordChoices = defaults.RecordChoices;
            SweepRegions = defaults.SweepRegions;
        }
    }
}
