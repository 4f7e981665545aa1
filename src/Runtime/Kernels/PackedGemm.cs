using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EinsumGen.Runtime.Kernels
{
    /// <summary>
    /// The BLIS loop nest (all kernel loops are compiled fully optimized at first call — AggressiveOptimization — so the
    /// first calls of a process do not run tier-0 code): for each batch entry, NC-wide column blocks (B block in L3), KC-deep slices (B packed into
    /// KC×NR micro-panels, each one L1-resident while it is used), MC-tall row blocks (A packed into MR×KC micro-panels,
    /// L2-resident), then NR × MR micro-tiles. The first K slice overwrites C, later ones add to it.
    /// </summary>
    internal static unsafe class PackedGemm
    {
        /// <summary>Elements after the last panel that vector packing may overwrite (see Packing.Transpose16).</summary>
        internal const int PackSlack = 16;

        [ThreadStatic] private static (bool A, bool B) t_lastInPlace;

        /// <summary>
        /// Tests: whether this thread's last packed range read A and B in place (recorded while
        /// <see cref="KernelOptions.RecordChoices"/> is on).
        /// </summary>
        internal static (bool A, bool B) LastInPlace { get => t_lastInPlace; set => t_lastInPlace = value; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Run<T, TK>(GemmArgs<T>* g, GemmRange r)
            where T : unmanaged, INumberBase<T> where TK : struct, IMicroKernel<T>
        {
            int MR = TK.MR, NR = TK.NR;
            int K = g->K;
            KernelContext context = KernelContext.For(g->Path);
            bool prefetch = KernelOptions.Current.PackedPrefetch;
            // Balanced blocking: equal slices rather than full slices plus a sliver. KC is for two-vector panels: a wider
            // kernel takes shallower slices, so that its B panel still fits L1 beside the A panel.
            int kc = Balanced(K, context.KC * 2 / TK.Vectors, 1);
            int mLen = r.M1 - r.M0, nLen = r.N1 - r.N0;
            int mPadded = RoundUp(mLen, MR);
            // A short A (all its K slices within L2 together: a layer's weights against a long batch of columns, one
            // head of attention) is packed once, whole, and stays resident: the loop then streams B through L2-sized
            // blocks. Consecutive batch entries that share A (a weight applied to every item) reuse the packed copy.
            // A short A whose rows are contiguous along K (a head of attention's Q or P, a layer's weights) is not packed at
            // all: the micro-kernel broadcasts its elements where they lie (RunRows), and only a ragged last row panel is
            // copied, zero-padded. A B of a few contiguous vectors a row (attention's V) is read in place too.
            nint lda = 0;
            bool aInPlace = KernelOptions.Current.InPlace && InPlaceA(g, r, MR, NR, sizeof(T), context, out lda);
            nint ldb = NR;
            bool bInPlace = aInPlace && InPlaceB(g, r, NR, sizeof(T), context, out ldb);
            if (KernelOptions.Current.RecordChoices) t_lastInPlace = (aInPlace, bInPlace);
            bool rowPrefetch = aInPlace && KernelOptions.Current.RowPrefetch;
            Edge edge = aInPlace ? ChooseEdge(mLen, MR, TK.EdgeMR, K <= kc) : Edge.None;
            // Where the rows are one dense block (lda = K, one slice), a full panel's rows are fetched by the panel before
            // it, a line per step of its K loop (RunRowsAhead), rather than in a burst between panels.
            bool rowsAhead = rowPrefetch && lda == K && K <= kc && KernelOptions.Current.RowsAhead;
            bool resident = !aInPlace && KernelOptions.Current.ResidentA && (long)mPadded * K * sizeof(T) <= context.AResidentBytes;
            int mcTarget = Math.Max(MR, context.ABlockBytes / (kc * sizeof(T)) / MR * MR);
            int mc = resident || aInPlace ? mPadded : Balanced(mLen, mcTarget, MR);
            // One block of A rows (all of M): each packed B block is used once, right after packing; an L2-sized one is
            // still there when the micro-kernels read it.
            bool oneABlock = aInPlace || KernelOptions.Current.ResidentA && (resident || mPadded <= mcTarget);
            int ncTarget = oneABlock ? Math.Max(NR, context.ResidentBBlockBytes / (kc * sizeof(T)) / NR * NR) : context.NC;
            int nc = Balanced(nLen, ncTarget, NR);

            KernelWorkspace ws = KernelWorkspace.ForCurrentThread;
            nint packAElements = aInPlace ? (nint)MR * kc : resident ? (nint)mPadded * K : (nint)RoundUp(Math.Min(mc, mLen), MR) * kc;
            T* packA = ws.PackA<T>(packAElements + PackSlack);
            T* packB = ws.PackB<T>((bInPlace ? NR : (nint)RoundUp(Math.Min(nc, nLen), NR)) * kc + PackSlack);
            T* tile = ws.Tile<T>((nint)MR * NR);

            bool colCUnit = g->ColCUnit;
            nint residentOffset = 0;
            bool packed = false;
            // A batch of medium products (attention's heads): each entry's operands come from memory, so while one entry
            // computes, the next one's A and B are prefetched into L2, spread over the entry's tiles (C's lines too
            // measured no gain: they are written whole).
            // Not where A is read in place: there the rows are fetched a tile ahead instead, and the next entry's lines
            // measured slower (they evict the current entry's from L1 and L2 while it computes).
            bool batchPrefetch = KernelOptions.Current.BatchPrefetch && r.B1 - r.B0 > 1 && !aInPlace;
            Extent extentA = default, extentB = default;
            int tilesPerEntry = 1;
            if (batchPrefetch)
            {
                int maxBytes = context.BatchPrefetchMaxBytes;
                extentA = Extent.Of(g->RowA + r.M0, mLen, g->KA, K, sizeof(T), maxBytes);
                extentB = Extent.Of(g->KB, K, g->ColB + r.N0, nLen, sizeof(T), maxBytes);
                tilesPerEntry = ((mLen + MR - 1) / MR) * ((nLen + NR - 1) / NR) * ((K + kc - 1) / kc);
            }
            // And where the next entry's B is one dense range (attention's K or V), the last pass over this entry's A
            // fetches it the same way, a tile's worth of lines per full panel.
            // A packed B (attention's Kᵀ) is packed first thing in the next entry: fetch its source before that entry's
            // first row panel, from the second-to-last pass on (one pass's tiles cover a little less than both).
            bool packedNextB = !bInPlace && KernelOptions.Current.PackedBFirst;
            int aheadPasses = packedNextB ? 2 : 1;
            Extent nextB = rowsAhead && r.B1 - r.B0 > 1 && KernelOptions.Current.NextEntryAhead
                ? Extent.Of(g->KB, K, g->ColB + r.N0, nLen, sizeof(T), context.BatchPrefetchMaxBytes) : default;
            for (int bi = r.B0; bi < r.B1; bi++)
            {
                T* A = g->A + g->BatchA[bi];
                T* B = g->B + g->BatchB[bi];
                T* C = g->C + g->BatchC[bi];
                RangePrefetcher next = default;
                // Its first panel of A rows first (dense: lda = K), then its B.
                T* ahead = null, aheadEnd = null, aheadB = null, aheadBEnd = null;
                if (nextB.Bytes > 0 && bi + 1 < r.B1)
                {
                    ahead = g->A + g->BatchA[bi + 1] + g->RowA[r.M0] + g->KA[0];
                    aheadEnd = ahead + MR * K;
                    aheadB = (T*)((byte*)(g->B + g->BatchB[bi + 1]) + nextB.Start);
                    aheadBEnd = (T*)((byte*)aheadB + nextB.Bytes);
                    if (packedNextB)
                    {
                        T* t = ahead; ahead = aheadB; aheadB = t;
                        t = aheadEnd; aheadEnd = aheadBEnd; aheadBEnd = t;
                    }
                }
                if (batchPrefetch && bi + 1 < r.B1)
                {
                    if (g->BatchA[bi + 1] != g->BatchA[bi]) next.Add((byte*)(g->A + g->BatchA[bi + 1]), extentA);
                    next.Add((byte*)(g->B + g->BatchB[bi + 1]), extentB);
                }
                int nextPerTile = next.Lines / tilesPerEntry + 1;
                if (resident && (!packed || g->BatchA[bi] != residentOffset))
                {
                    // Slice by slice, in increasing order (a vector packing may run past a slice into the next one).
                    for (int pc = 0; pc < K; pc += kc)
                        Packing.PackA(A, g->RowA + r.M0, mLen, g->KA + pc, Math.Min(kc, K - pc), MR, g->RowAUnit, g->KAUnit, packA + (nint)mPadded * pc);
                    residentOffset = g->BatchA[bi];
                    packed = true;
                }
                for (int jc = r.N0; jc < r.N1; jc += nc)
                {
                    int ncur = Math.Min(nc, r.N1 - jc);
                    for (int pc = 0; pc < K; pc += kc)
                    {
                        int kcur = Math.Min(kc, K - pc);
                        bool accumulate = pc > 0;
                        if (!bInPlace) Packing.PackB(B, g->KB + pc, kcur, g->ColB + jc, ncur, NR, g->KBUnit, g->ColBUnit, packB);
                        else if (ncur % NR != 0)
                            Packing.PackB(B, g->KB + pc, kcur, g->ColB + jc + ncur / NR * NR, ncur % NR, NR, g->KBUnit, g->ColBUnit, packB);
                        for (int ic = r.M0; ic < r.M1; ic += mc)
                        {
                            int mcur = Math.Min(mc, r.M1 - ic);
                            T* pa = packA;
                            if (aInPlace) { if (edge == Edge.Packed) PackRows(A, g->RowA + ic + mcur / MR * MR, mcur % MR, g->KA[pc], kcur, MR, packA); }
                            else if (resident) pa = packA + (nint)mPadded * pc;
                            else Packing.PackA(A, g->RowA + ic, mcur, g->KA + pc, kcur, MR, g->RowAUnit, g->KAUnit, packA);
                            nint* rowC = g->RowC + ic;

                            // While this block computes, prefetch into L2 what the next packing will read (so that
                            // streaming operands from memory overlaps the FMAs): the next A block, or the next slice of B and A.
                            Prefetcher pf = default;
                            if (!prefetch) { }
                            else if (resident)
                            {
                                if (pc + kc < K && g->ColBUnit) pf.SetB((byte*)B, g->KB + pc + kc, Math.Min(kc, K - pc - kc), g->ColB[jc], ncur, sizeof(T));
                                else if (jc + nc < r.N1 && g->ColBUnit) pf.SetB((byte*)B, g->KB, kc, g->ColB[jc + nc], Math.Min(nc, r.N1 - jc - nc), sizeof(T));
                            }
                            else if (ic + mc < r.M1)
                                pf.SetA((byte*)A, g->RowA + ic + mc, Math.Min(mc, r.M1 - ic - mc), g->KA + pc, kcur, sizeof(T));
                            else if (pc + kc < K)
                            {
                                int kn = Math.Min(kc, K - pc - kc);
                                if (g->ColBUnit) pf.SetB((byte*)B, g->KB + pc + kc, kn, g->ColB[jc], ncur, sizeof(T));
                                pf.SetA((byte*)A, g->RowA + r.M0, Math.Min(mc, r.M1 - r.M0), g->KA + pc + kc, kn, sizeof(T));
                            }
                            int tiles = ((mcur + MR - 1) / MR) * ((ncur + NR - 1) / NR);
                            int linesPerTile = pf.Lines / tiles + 1;
                            for (int jr = 0; jr < ncur; jr += NR)
                            {
                                int nr = Math.Min(NR, ncur - jr);
                                bool direct = colCUnit && nr == NR;
                                T* bp = packB + (nint)jr * kcur;
                                nint bStep = NR;
                                if (bInPlace)
                                {
                                    if (nr == NR) { bp = B + g->KB[pc] + g->ColB[jc + jr]; bStep = ldb; }
                                    else bp = packB;
                                }
                                nint* colC = g->ColC + jc + jr;
                                for (int ir = 0; ir < mcur; ir += MR)
                                {
                                    int mr = Math.Min(MR, mcur - ir);
                                    // The first pass over an in-place A reads its rows from memory, each only a few lines
                                    // long (too short for the hardware prefetchers): fetch the next tile's rows meanwhile.
                                    if (rowPrefetch && jr == 0 && jc == r.N0)
                                    {
                                        if (ir == 0) PrefetchRows(A, g->RowA + ic, Math.Min(MR, mcur), g->KA[pc], kcur, sizeof(T));
                                        if (ir + MR < mcur && !(rowsAhead && ir + 2 * MR <= mcur))
                                            PrefetchRows(A, g->RowA + ic + ir + MR, Math.Min(MR, mcur - ir - MR), g->KA[pc], kcur, sizeof(T));
                                    }
                                    if (!aInPlace) TK.Run(kcur, pa + (nint)ir * kcur, bp, C, rowC + ir, colC, mr, nr, direct, accumulate, tile);
                                    else
                                    {
                                        // One call site per entry point (RunRows and RunRowsAhead are calls: the JIT does not inline them).
                                        T* a = packA, pfp = null;
                                        nint la = kcur;
                                        nint* rc = rowC + ir;
                                        int rows = mr;
                                        bool add = accumulate, edgeRows = false;
                                        if (mr == MR)
                                        {
                                            a = A + g->RowA[ic + ir] + g->KA[pc];
                                            la = lda;
                                            if (rowsAhead && jr == 0 && jc == r.N0 && ir + 2 * MR <= mcur) pfp = a + MR * lda;
                                            else if (ahead < aheadEnd && jr + aheadPasses * NR >= ncur && jc + nc >= r.N1)
                                            {
                                                pfp = ahead;
                                                ahead += MR * kcur;
                                                if (ahead >= aheadEnd) { ahead = aheadB; aheadEnd = aheadBEnd; aheadB = aheadBEnd = null; }
                                            }
                                        }
                                        else if (edge != Edge.Packed)
                                        {
                                            // The last EdgeMR or MR rows: past the panels before them, or overlapping them
                                            // (K in one slice: C overwritten, never added to).
                                            edgeRows = edge == Edge.Block;
                                            rows = edgeRows ? TK.EdgeMR : MR;
                                            int up = mcur - rows;
                                            a = A + g->RowA[ic + up] + g->KA[pc];
                                            la = lda;
                                            rc = rowC + up;
                                            add = accumulate && up == ir;
                                        }
                                        if (edgeRows) TK.RunRowsEdge(kcur, a, la, bp, bStep, C, rc, colC, rows, nr, direct, add, tile);
                                        else if (pfp != null) TK.RunRowsAhead(kcur, a, la, bp, bStep, C, rc, colC, rows, nr, direct, add, tile, pfp);
                                        else TK.RunRows(kcur, a, la, bp, bStep, C, rc, colC, rows, nr, direct, add, tile);
                                    }
                                    if (pf.Lines > 0) pf.Step(linesPerTile);
                                    if (next.Lines > 0) next.Step(nextPerTile);
                                }
                            }
                        }
                    }
                }
            }
        }

        /// <summary>
        /// Whether the 8 × 3-vector micro-kernel pads the range's tiles clearly less than the 12 × 2 one (M = 64: 72 rows
        /// computed for 64 by 12-row tiles, none by 8-row ones); otherwise the 12-row shape, which loads fewer B vectors.
        /// </summary>
        internal static bool Prefers8x3(GemmRange r, int vector)
        {
            if (!KernelOptions.Current.Kernel8x3) return false;
            long m = r.M1 - r.M0, n = r.N1 - r.N0;
            long cost12 = RoundUp((int)m, 12) * (long)RoundUp((int)n, 2 * vector);
            long cost8 = RoundUp((int)m, 8) * (long)RoundUp((int)n, 3 * vector);
            return cost8 * 32 < cost12 * 31;
        }

        /// <summary>How the ragged last row panel of an in-place A is computed.</summary>
        private enum Edge
        {
            /// <summary>No ragged panel (M a multiple of MR).</summary>
            None,
            /// <summary>Its rows copied into a zero-padded MR-row panel.</summary>
            Packed,
            /// <summary>
            /// Read in place by the EdgeMR-row block over the last EdgeMR rows: exactly the ragged rows (M = 128 by 12 × 2:
            /// 10 × 12 + 8), or overlapping the panel before it.
            /// </summary>
            Block,
            /// <summary>Read in place as a full MR-row panel over the last MR rows, overlapping the panel before it.</summary>
            Shifted,
        }

        /// <summary>
        /// How an in-place A's ragged last row panel is computed. A block that overlaps the panel before it rewrites that
        /// panel's rows with the same values (each element is the same multiply-adds in the same order), which holds only where
        /// K is one slice (C overwritten once, never added to); otherwise the ragged rows are copied into a padded panel.
        /// </summary>
        private static Edge ChooseEdge(int m, int MR, int edgeMR, bool oneSlice)
        {
            int rem = m % MR;
            if (rem == 0) return Edge.None;
            KernelOptions options = KernelOptions.Current;
            if (options.EdgeBlock && rem <= edgeMR && m >= edgeMR && (rem == edgeMR || oneSlice && options.ShiftedEdge)) return Edge.Block;
            return oneSlice && options.ShiftedEdge ? Edge.Shifted : Edge.Packed;
        }

        /// <summary>A is read in place where N spans at most this many column panels (attention: 2 to 4).</summary>
        internal const int InPlaceMaxPanels = 8;

        /// <summary>
        /// Whether the micro-kernel may read A's rows where they lie: N narrow, K contiguous, rows at one stride (lda) that is neither
        /// a multiple of 4 KiB (every row in the same cache sets) nor so long that the range's rows outgrow L2, and at least
        /// one full row panel.
        /// </summary>
        private static bool InPlaceA<T>(GemmArgs<T>* g, GemmRange r, int MR, int NR, int size, KernelContext context, out nint lda)
            where T : unmanaged, INumberBase<T>
        {
            lda = 0;
            int m = r.M1 - r.M0;
            // A wide N reads each A row many times: there packing it once costs little, and a packed panel spans fewer
            // cache lines and pages than rows lda apart (a layer's weights against 32768 columns measured 1-2% slower in place).
            if (!g->KAUnit || m < MR || r.N1 - r.N0 > InPlaceMaxPanels * NR) return false;
            nint* rows = g->RowA + r.M0;
            lda = rows[1] - rows[0];
            if (lda <= 0 || lda * size % 4096 == 0 || (long)m * lda * size > context.AResidentBytes) return false;
            for (int i = 2; i < m; i++) if (rows[i] - rows[i - 1] != lda) return false;
            return true;
        }

        /// <summary>
        /// Whether the micro-kernel may read B's rows where they lie: columns contiguous, rows at one stride (ldb) of at most
        /// two panels' width (so that a panel's rows share few cache sets), the whole K × N of the range within L2, and at
        /// least one full panel.
        /// </summary>
        private static bool InPlaceB<T>(GemmArgs<T>* g, GemmRange r, int NR, int size, KernelContext context, out nint ldb)
            where T : unmanaged, INumberBase<T>
        {
            ldb = NR;
            int k = g->K;
            if (!g->ColBUnit || r.N1 - r.N0 < NR || k < 2) return false;
            nint step = g->KB[1] - g->KB[0];
            if (step < NR || step > 2 * NR || (long)k * step * size > context.ResidentBBlockBytes) return false;
            for (int p = 2; p < k; p++) if (g->KB[p] - g->KB[p - 1] != step) return false;
            ldb = step;
            return true;
        }

        /// <summary>
        /// Prefetches into L1 the lines of <paramref name="rows"/> rows of <paramref name="count"/> elements each, from
        /// <c>a + rowOffsets[i] + k0</c>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void PrefetchRows<T>(T* a, nint* rowOffsets, int rows, nint k0, int count, int size) where T : unmanaged
        {
            if (!Sse.IsSupported) return;
            for (int i = 0; i < rows; i++)
            {
                byte* start = (byte*)(a + rowOffsets[i] + k0), end = start + (nint)count * size;
                for (byte* line = (byte*)((nint)start & ~(nint)63); line < end; line += 64) Sse.Prefetch0(line);
            }
        }

        /// <summary>
        /// Copies <paramref name="rows"/> rows of A (each <paramref name="kc"/> contiguous elements from <c>a + rowOffsets[i] + k0</c>)
        /// into a panel of <paramref name="MR"/> rows laid out row by row, the missing rows zero: the ragged edge of an in-place A.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void PackRows<T>(T* a, nint* rowOffsets, int rows, nint k0, int kc, int MR, T* dst) where T : unmanaged, INumberBase<T>
        {
            for (int i = 0; i < MR; i++)
            {
                T* d = dst + (nint)i * kc;
                if (i < rows) new ReadOnlySpan<T>(a + rowOffsets[i] + k0, kc).CopyTo(new Span<T>(d, kc));
                else new Span<T>(d, kc).Clear();
            }
        }

        /// <summary>Splits <paramref name="length"/> into equal blocks of at most about <paramref name="target"/>, rounded up to <paramref name="unit"/>.</summary>
        private static int Balanced(int length, int target, int unit)
        {
            if (length <= target) return RoundUp(Math.Max(length, 1), unit);
            int blocks = (length + target - 1) / target;
            return RoundUp((length + blocks - 1) / blocks, unit);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int RoundUp(int x, int unit) => (x + unit - 1) / unit * unit;
    }

    /// <summary>
    /// Walks the memory the next packing step will read, a few cache lines per micro-tile, issuing L2 prefetches: first
    /// B's rows (each contiguous over the column block), then A's rows (each contiguous over the K slice, when it is).
    /// </summary>
    internal unsafe struct Prefetcher
    {
        private byte* _bBase; private nint* _bRows; private int _bCount; private int _bBytes;
        private byte* _aBase; private nint* _aRows; private int _aCount; private int _aBytes;
        private int _row; private int _offset; private int _size;
        /// <summary>Cache lines left to prefetch.</summary>
        public int Lines;

        public void SetB(byte* b, nint* kRows, int count, nint col0, int cols, int size)
        {
            if (!Sse.IsSupported) return;
            _bBase = b + col0 * size; _bRows = kRows; _bCount = count; _bBytes = cols * size; _size = size;
            Lines += count * ((_bBytes + 63) / 64);
        }

        public void SetA(byte* a, nint* rows, int count, nint* ks, int kc, int size)
        {
            if (!Sse.IsSupported) return;
            // Only when the slice is contiguous in A (k unit-stride over it): then each row is one range.
            for (int p = 1; p < kc; p++) if (ks[p] - ks[p - 1] != 1) return;
            _aBase = a + ks[0] * size; _aRows = rows; _aCount = count; _aBytes = kc * size; _size = size;
            Lines += count * ((_aBytes + 63) / 64);
        }

        public void Step(int lines)
        {
            for (; lines > 0 && Lines > 0; lines--, Lines--)
            {
                byte* line;
                if (_bCount > 0)
                {
                    line = _bBase + _bRows[_row] * _size + _offset;
                    _offset += 64;
                    if (_offset >= _bBytes) { _offset = 0; if (++_row == _bCount) { _row = 0; _bCount = 0; } }
                }
                else if (_aCount > 0)
                {
                    line = _aBase + _aRows[_row] * _size + _offset;
                    _offset += 64;
                    if (_offset >= _aBytes) { _offset = 0; if (++_row == _aCount) { _row = 0; _aCount = 0; } }
                }
                else
                {
                    Lines = 0;
                    return;
                }
                Sse.Prefetch1(line);
            }
        }
    }

    /// <summary>
    /// The bytes a block of an operand spans (from the smallest offset of its two tables to the largest), when that span
    /// is at most a limit and dense (at most twice the bytes of its elements); empty otherwise.
    /// </summary>
    internal readonly unsafe struct Extent
    {
        public readonly nint Start, Bytes;

        private Extent(nint start, nint bytes) { Start = start; Bytes = bytes; }

        public static Extent Of(nint* rows, int rowCount, nint* cols, int colCount, int size, int maxBytes)
        {
            if (rowCount <= 0 || colCount <= 0) return default;
            (nint r0, nint r1) = MinMax(rows, rowCount);
            (nint c0, nint c1) = MinMax(cols, colCount);
            long span = ((long)(r1 - r0) + (c1 - c0) + 1) * size;
            if (span > maxBytes || span > 2L * rowCount * colCount * size) return default;
            return new Extent((r0 + c0) * size, (nint)span);
        }

        private static (nint, nint) MinMax(nint* t, int count)
        {
            nint lo = t[0], hi = t[0];
            for (int i = 1; i < count; i++) { if (t[i] < lo) lo = t[i]; if (t[i] > hi) hi = t[i]; }
            return (lo, hi);
        }
    }

    /// <summary>Prefetches up to three byte ranges into L2, a few cache lines per step, in order.</summary>
    internal unsafe struct RangePrefetcher
    {
        private byte* _p0, _p1, _p2;
        private nint _n0, _n1, _n2;
        /// <summary>Cache lines left to prefetch.</summary>
        public int Lines;

        /// <summary>Adds the range <paramref name="extent"/> of the operand whose offset 0 is at <paramref name="base"/>.</summary>
        public void Add(byte* @base, Extent extent)
        {
            if (extent.Bytes <= 0 || !Sse.IsSupported) return;
            byte* start = @base + extent.Start;
            nint lines = (extent.Bytes + 63) / 64;
            if (_n0 == 0) { _p0 = start; _n0 = lines; }
            else if (_n1 == 0) { _p1 = start; _n1 = lines; }
            else { _p2 = start; _n2 = lines; }
            Lines += (int)lines;
        }

        public void Step(int lines)
        {
            for (; lines > 0 && Lines > 0; lines--, Lines--)
            {
                byte* line;
                if (_n0 > 0) { line = _p0; _p0 += 64; _n0--; }
                else if (_n1 > 0) { line = _p1; _p1 += 64; _n1--; }
                else { line = _p2; _p2 += 64; _n2--; }
                Sse.Prefetch1(line);
            }
        }
    }

    /// <summary>Helpers shared by the micro-kernels.</summary>
    internal static unsafe class KernelCommon
    {
        /// <summary>Writes (or adds) an mr × nr tile from <paramref name="tile"/> (row stride <paramref name="ld"/>) through C's offset tables.</summary>
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        public static void Scatter<T>(T* tile, int ld, T* c, nint* rowC, nint* colC, int mr, int nr, bool accumulate)
            where T : unmanaged, INumberBase<T>
        {
            if (Vector128.IsHardwareAccelerated && Vector128<T>.IsSupported && HasRuns(colC, nr, Vector128<T>.Count))
            {
                ScatterRuns(tile, ld, c, rowC, colC, mr, nr, accumulate);
                return;
            }
            for (int i = 0; i < mr; i++)
            {
                T* row = c + rowC[i];
                T* t = tile + (nint)i * ld;
                if (accumulate)
                    for (int j = 0; j < nr; j++) row[colC[j]] += t[j];
                else
                    for (int j = 0; j < nr; j++) row[colC[j]] = t[j];
            }
        }

        /// <summary>
        /// Whether the offsets come in contiguous runs of <paramref name="run"/> (e.g. C[a,b,c,d,e,f,g,h] written as rows
        /// (a,b,e,f) × columns (c,d,g,h): runs of four along g,h), so a tile row can be moved a 16-byte vector at a time.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static bool HasRuns(nint* colC, int nr, int run)
        {
            if (nr % run != 0) return false;
            for (int j = 0; j < nr; j += run)
                for (int l = 1; l < run; l++)
                    if (colC[j + l] != colC[j] + l) return false;
            return true;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void ScatterRuns<T>(T* tile, int ld, T* c, nint* rowC, nint* colC, int mr, int nr, bool accumulate)
            where T : unmanaged, INumberBase<T>
        {
            int run = Vector128<T>.Count;
            for (int i = 0; i < mr; i++)
            {
                T* row = c + rowC[i];
                T* t = tile + (nint)i * ld;
                if (accumulate)
                    for (int j = 0; j < nr; j += run) (Vector128.Load(row + colC[j]) + Vector128.Load(t + j)).Store(row + colC[j]);
                else
                    for (int j = 0; j < nr; j += run) Vector128.Load(t + j).Store(row + colC[j]);
            }
        }
    }
}
