using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading;
using System.Threading.Tasks;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// Batched C[b,m,n] = Σ_k A[b,m,k]·B[b,k,n] over offset tables (any permutation, slice or broadcast of each operand),
    /// in the BLIS design: A and B are packed into contiguous MR×KC and KC×NR micro-panels — the offset tables are read
    /// only there — and a register-blocked micro-kernel of MR rows by two SIMD vectors of columns runs over them with FMAs.
    /// Partial tiles are zero-padded in the panels and written back element by element.
    /// </summary>
    internal static class BlockedGemm
    {
        private const int KC = 256;
        private const int MC = 96;
        private const long ParallelThreshold = 1L << 21; // multiply-adds; below this one core is faster than two

        [ThreadStatic] private static float[]? t_packFloat;
        [ThreadStatic] private static double[]? t_packDouble;
        [ThreadStatic] private static bool t_worker;

        /// <summary>Most threads one product may use (default: every core); 1 keeps every call on the caller's thread.</summary>
        public static int MaxDegreeOfParallelism { get; set; } = Environment.ProcessorCount;

        /// <summary>
        /// The micro-tile: 6 rows × 2 vectors, or 12 rows × 1 vector when C has at most one vector of columns (half of the
        /// wide tile would be padding). 12 accumulators either way, which hides the FMA latency.
        /// </summary>
        public static (int Rows, int Columns) Tile<T>(long columns) where T : unmanaged
        {
            int lanes = Lanes<T>();
            return lanes > 1 && columns <= lanes ? (12, lanes) : (6, 2 * lanes);
        }

        /// <summary>Lanes per SIMD vector for <typeparamref name="T"/> on this machine (1 without SIMD).</summary>
        private static int Lanes<T>() where T : unmanaged =>
            Vector512.IsHardwareAccelerated ? Vector512<T>.Count : Vector256.IsHardwareAccelerated ? Vector256<T>.Count : 1;

        public static void Run<T>(GemmTables t, ref T a, ref T b, ref T c) where T : unmanaged, INumberBase<T>
        {
            var (mr, nr) = Tile<T>(t.N);
            long work = (long)t.BatchCount * t.M * t.N * t.K;
            if (t.BatchCount == 0 || t.M == 0 || t.N == 0) return;
            if (t.K == 0)
            {
                Clear(t, ref c);
                return;
            }
            // Split over batches, or over column panels of one product, when there is enough work for more cores; never
            // from inside a split (no oversubscription).
            int parts = work >= ParallelThreshold && !t_worker ? Math.Max(1, Math.Min(MaxDegreeOfParallelism, Environment.ProcessorCount)) : 1;
            if (parts == 1)
            {
                for (int bi = 0; bi < t.BatchCount; bi++) Product(t, bi, 0, t.M, 0, t.N, mr, nr, ref a, ref b, ref c);
                return;
            }
            unsafe
            {
                // References cannot cross into the workers; the operands are pinned for the duration of the call.
                fixed (T* pa = &a, pb = &b, pc = &c)
                {
                    nint ia = (nint)pa, ib = (nint)pb, ic = (nint)pc;
                    // Split the batch if it has enough products, else the larger of M (in row tiles) and N (in column panels).
                    bool byBatch = t.BatchCount >= parts;
                    int rowTiles = (t.M + mr - 1) / mr, columnPanels = (t.N + nr - 1) / nr;
                    bool byRows = !byBatch && rowTiles > columnPanels;
                    int blocks = byBatch ? t.BatchCount : byRows ? rowTiles : columnPanels;
                    parts = Math.Min(parts, blocks);
                    Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
                    {
                        bool wasWorker = t_worker;
                        t_worker = true;
                        var local = t;
                        ref T ra = ref Unsafe.AsRef<T>((void*)ia);
                        ref T rb = ref Unsafe.AsRef<T>((void*)ib);
                        ref T rc = ref Unsafe.AsRef<T>((void*)ic);
                        int from = (int)((long)blocks * part / parts), to = (int)((long)blocks * (part + 1) / parts);
                        for (int bi = byBatch ? from : 0; bi < (byBatch ? to : local.BatchCount); bi++)
                        {
                            if (byBatch) Product(local, bi, 0, local.M, 0, local.N, mr, nr, ref ra, ref rb, ref rc);
                            else if (byRows) Product(local, bi, from * mr, Math.Min(local.M, to * mr), 0, local.N, mr, nr, ref ra, ref rb, ref rc);
                            else Product(local, bi, 0, local.M, from * nr, Math.Min(local.N, to * nr), mr, nr, ref ra, ref rb, ref rc);
                        }
                        t_worker = wasWorker;
                    });
                }
            }
        }

        private static void Clear<T>(GemmTables t, ref T c) where T : unmanaged, INumberBase<T>
        {
            for (int bi = 0; bi < t.BatchCount; bi++)
            {
                for (int m = 0; m < t.M; m++)
                {
                    for (int n = 0; n < t.N; n++) Unsafe.Add(ref c, t.BatchC[bi] + t.RowC[m] + t.ColC[n]) = T.Zero;
                }
            }
        }

        /// <summary>One batch's product over rows [m0, m1) and columns [n0, n1): KC blocks of K, MC blocks of M, NR panels of N.</summary>
        private static void Product<T>(GemmTables t, int bi, int mFrom, int mTo, int n0, int n1, int mr, int nr, ref T a, ref T b, ref T c) where T : unmanaged, INumberBase<T>
        {
            ref T a0 = ref Unsafe.Add(ref a, t.BatchA[bi]);
            ref T b0 = ref Unsafe.Add(ref b, t.BatchB[bi]);
            ref T c0 = ref Unsafe.Add(ref c, t.BatchC[bi]);
            int width = n1 - n0;
            int panelsN = (width + nr - 1) / nr;
            int bLength = panelsN * nr * KC, aLength = (MC + mr) * KC;
            var pack = Buffer<T>(aLength + bLength);
            Span<T> packedA = pack.AsSpan(0, aLength), packedB = pack.AsSpan(aLength, bLength);
            Span<T> tile = stackalloc T[12 * 32];
            // Where B's columns are contiguous, full panels are read in place (rows found through the K table); only a
            // partial last panel is packed, zero-padded.
            bool directB = t.ColBUnit;
            Span<nint> packedRows = stackalloc nint[KC]; // row k of a packed panel starts at k·nr
            for (int k = 0; k < KC; k++) packedRows[k] = k * nr;
            for (int k0 = 0; k0 < t.K; k0 += KC)
            {
                int kc = Math.Min(KC, t.K - k0);
                bool first = k0 == 0;
                if (!directB) PackB(t, ref b0, k0, kc, n0, width, nr, packedB);
                else if (width % nr != 0) PackB(t, ref b0, k0, kc, n0 + (panelsN - 1) * nr, width % nr, nr, packedB.Slice((panelsN - 1) * nr * kc));
                for (int m0 = mFrom; m0 < mTo; m0 += MC)
                {
                    int mc = Math.Min(MC, mTo - m0);
                    // The narrow kernel reads A's rows in place when they run along K contiguously (one stream per row).
                    bool directA = mr == 12 && t.KAUnit && Vector512.IsHardwareAccelerated;
                    if (!directA) PackA(t, ref a0, m0, mc, k0, kc, mr, packedA);
                    for (int jr = 0; jr < panelsN; jr++)
                    {
                        int nStart = n0 + jr * nr, nCount = Math.Min(nr, n1 - nStart);
                        for (int ir = 0; ir * mr < mc; ir++)
                        {
                            int mStart = m0 + ir * mr, mCount = Math.Min(mr, mc - ir * mr);
                            var tileSpan = tile.Slice(0, mr * nr);
                            bool inPlace = directB && nCount == nr;
                            ref T panelB = ref inPlace ? ref Unsafe.Add(ref b0, t.ColB[nStart]) : ref packedB[jr * nr * kc];
                            var rowsB = inPlace ? t.KB.AsSpan(k0, kc) : packedRows.Slice(0, kc);
                            if (directA) Kernel512NarrowDirect(t, ref a0, mStart, mCount, k0, ref panelB, rowsB, kc, tileSpan);
                            else MicroKernel(packedA.Slice(ir * mr * kc, mr * kc), ref panelB, rowsB, kc, mr, nr, tileSpan);
                            WriteBack(t, ref c0, mStart, mCount, nStart, nCount, nr, tileSpan, first);
                        }
                    }
                }
            }
        }

        private static void PackA<T>(GemmTables t, ref T a0, int m0, int mc, int k0, int kc, int mr, Span<T> packed) where T : unmanaged, INumberBase<T>
        {
            ref T panel0 = ref packed[0];
            for (int ir = 0; ir * mr < mc; ir++)
            {
                ref T panel = ref Unsafe.Add(ref panel0, ir * mr * kc);
                int rows = Math.Min(mr, mc - ir * mr);
                for (int i = 0; i < mr; i++)
                {
                    if (i >= rows)
                    {
                        for (int k = 0; k < kc; k++) Unsafe.Add(ref panel, k * mr + i) = T.Zero;
                        continue;
                    }
                    ref T row = ref Unsafe.Add(ref a0, t.RowA[m0 + ir * mr + i]);
                    if (t.KAUnit)
                    {
                        // K runs along the row in memory: read it in order, no table.
                        ref T source = ref Unsafe.Add(ref row, t.KA[0] + k0);
                        for (int k = 0; k < kc; k++) Unsafe.Add(ref panel, k * mr + i) = Unsafe.Add(ref source, k);
                    }
                    else
                    {
                        for (int k = 0; k < kc; k++) Unsafe.Add(ref panel, k * mr + i) = Unsafe.Add(ref row, t.KA[k0 + k]);
                    }
                }
            }
        }

        private static void PackB<T>(GemmTables t, ref T b0, int k0, int kc, int n0, int width, int nr, Span<T> packed) where T : unmanaged, INumberBase<T>
        {
            int panels = (width + nr - 1) / nr;
            for (int jr = 0; jr < panels; jr++)
            {
                var panel = packed.Slice(jr * nr * kc, nr * kc);
                int cols = Math.Min(nr, width - jr * nr), first = n0 + jr * nr;
                for (int k = 0; k < kc; k++)
                {
                    ref T row = ref Unsafe.Add(ref b0, t.KB[k0 + k]);
                    var dst = panel.Slice(k * nr, nr);
                    if (t.ColBUnit)
                    {
                        // N runs along the row in memory: one block copy.
                        System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref row, t.ColB[first]), cols).CopyTo(dst);
                    }
                    else
                    {
                        ref T d = ref dst[0];
                        for (int j = 0; j < cols; j++) Unsafe.Add(ref d, j) = Unsafe.Add(ref row, t.ColB[first + j]);
                    }
                    if (cols < nr) dst.Slice(cols).Clear();
                }
            }
        }

        /// <summary>tile[MR×nr] = Σ_k a[k,·] ⊗ b[k,·] over packed panels: MR rows by two vectors, all accumulators in registers.</summary>
        /// <summary>B's row k starts at <paramref name="b"/> + <paramref name="bRows"/>[k]: a packed panel or, in place, B itself.</summary>
        private static void MicroKernel<T>(ReadOnlySpan<T> a, ref T b, ReadOnlySpan<nint> bRows, int kc, int mr, int nr, Span<T> tile) where T : unmanaged, INumberBase<T>
        {
            if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
            {
                if (mr == 12) Kernel512Narrow(a, ref b, bRows, kc, tile);
                else Kernel512(a, ref b, bRows, kc, tile);
            }
            else if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
            {
                if (mr == 12) Kernel256Narrow(a, ref b, bRows, kc, tile);
                else Kernel256(a, ref b, bRows, kc, tile);
            }
            else
            {
                KernelScalar(a, ref b, bRows, kc, mr, nr, tile);
            }
        }

        private static void Kernel512Narrow<T>(ReadOnlySpan<T> a, ref T pb, ReadOnlySpan<nint> bRows, int kc, Span<T> tile) where T : unmanaged, INumberBase<T>
        {
            int w = Vector512<T>.Count;
            Vector512<T> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
            Vector512<T> c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
            ref T pa = ref Unsafe.AsRef(in a[0]);
            for (int k = 0; k < kc; k++)
            {
                var v = Vector512.LoadUnsafe(ref Unsafe.Add(ref pb, bRows[k]));
                ref T ak = ref Unsafe.Add(ref pa, k * 12);
                c0 = Fma(Vector512.Create(ak), v, c0); c1 = Fma(Vector512.Create(Unsafe.Add(ref ak, 1)), v, c1);
                c2 = Fma(Vector512.Create(Unsafe.Add(ref ak, 2)), v, c2); c3 = Fma(Vector512.Create(Unsafe.Add(ref ak, 3)), v, c3);
                c4 = Fma(Vector512.Create(Unsafe.Add(ref ak, 4)), v, c4); c5 = Fma(Vector512.Create(Unsafe.Add(ref ak, 5)), v, c5);
                c6 = Fma(Vector512.Create(Unsafe.Add(ref ak, 6)), v, c6); c7 = Fma(Vector512.Create(Unsafe.Add(ref ak, 7)), v, c7);
                c8 = Fma(Vector512.Create(Unsafe.Add(ref ak, 8)), v, c8); c9 = Fma(Vector512.Create(Unsafe.Add(ref ak, 9)), v, c9);
                c10 = Fma(Vector512.Create(Unsafe.Add(ref ak, 10)), v, c10); c11 = Fma(Vector512.Create(Unsafe.Add(ref ak, 11)), v, c11);
            }
            ref T pt = ref tile[0];
            c0.StoreUnsafe(ref pt, 0); c1.StoreUnsafe(ref pt, (nuint)w); c2.StoreUnsafe(ref pt, (nuint)(2 * w)); c3.StoreUnsafe(ref pt, (nuint)(3 * w));
            c4.StoreUnsafe(ref pt, (nuint)(4 * w)); c5.StoreUnsafe(ref pt, (nuint)(5 * w)); c6.StoreUnsafe(ref pt, (nuint)(6 * w)); c7.StoreUnsafe(ref pt, (nuint)(7 * w));
            c8.StoreUnsafe(ref pt, (nuint)(8 * w)); c9.StoreUnsafe(ref pt, (nuint)(9 * w)); c10.StoreUnsafe(ref pt, (nuint)(10 * w)); c11.StoreUnsafe(ref pt, (nuint)(11 * w));
        }

        /// <summary>The 12×1-vector kernel reading A's rows in place (K contiguous); rows past the tile repeat the last one.</summary>
        private static void Kernel512NarrowDirect<T>(GemmTables t, ref T a0, int m0, int rows, int k0, ref T pb, ReadOnlySpan<nint> bRows, int kc, Span<T> tile)
            where T : unmanaged, INumberBase<T>
        {
            int w = Vector512<T>.Count;
            nint start = t.KA[0] + k0;
            ref T r0 = ref Row(t, ref a0, m0, 0, rows, start), r1 = ref Row(t, ref a0, m0, 1, rows, start), r2 = ref Row(t, ref a0, m0, 2, rows, start);
            ref T r3 = ref Row(t, ref a0, m0, 3, rows, start), r4 = ref Row(t, ref a0, m0, 4, rows, start), r5 = ref Row(t, ref a0, m0, 5, rows, start);
            ref T r6 = ref Row(t, ref a0, m0, 6, rows, start), r7 = ref Row(t, ref a0, m0, 7, rows, start), r8 = ref Row(t, ref a0, m0, 8, rows, start);
            ref T r9 = ref Row(t, ref a0, m0, 9, rows, start), r10 = ref Row(t, ref a0, m0, 10, rows, start), r11 = ref Row(t, ref a0, m0, 11, rows, start);
            Vector512<T> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
            Vector512<T> c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
            for (int k = 0; k < kc; k++)
            {
                var v = Vector512.LoadUnsafe(ref Unsafe.Add(ref pb, bRows[k]));
                c0 = Fma(Vector512.Create(Unsafe.Add(ref r0, k)), v, c0); c1 = Fma(Vector512.Create(Unsafe.Add(ref r1, k)), v, c1);
                c2 = Fma(Vector512.Create(Unsafe.Add(ref r2, k)), v, c2); c3 = Fma(Vector512.Create(Unsafe.Add(ref r3, k)), v, c3);
                c4 = Fma(Vector512.Create(Unsafe.Add(ref r4, k)), v, c4); c5 = Fma(Vector512.Create(Unsafe.Add(ref r5, k)), v, c5);
                c6 = Fma(Vector512.Create(Unsafe.Add(ref r6, k)), v, c6); c7 = Fma(Vector512.Create(Unsafe.Add(ref r7, k)), v, c7);
                c8 = Fma(Vector512.Create(Unsafe.Add(ref r8, k)), v, c8); c9 = Fma(Vector512.Create(Unsafe.Add(ref r9, k)), v, c9);
                c10 = Fma(Vector512.Create(Unsafe.Add(ref r10, k)), v, c10); c11 = Fma(Vector512.Create(Unsafe.Add(ref r11, k)), v, c11);
            }
            ref T pt = ref tile[0];
            c0.StoreUnsafe(ref pt, 0); c1.StoreUnsafe(ref pt, (nuint)w); c2.StoreUnsafe(ref pt, (nuint)(2 * w)); c3.StoreUnsafe(ref pt, (nuint)(3 * w));
            c4.StoreUnsafe(ref pt, (nuint)(4 * w)); c5.StoreUnsafe(ref pt, (nuint)(5 * w)); c6.StoreUnsafe(ref pt, (nuint)(6 * w)); c7.StoreUnsafe(ref pt, (nuint)(7 * w));
            c8.StoreUnsafe(ref pt, (nuint)(8 * w)); c9.StoreUnsafe(ref pt, (nuint)(9 * w)); c10.StoreUnsafe(ref pt, (nuint)(10 * w)); c11.StoreUnsafe(ref pt, (nuint)(11 * w));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static ref T Row<T>(GemmTables t, ref T a0, int m0, int i, int rows, nint start) =>
            ref Unsafe.Add(ref a0, t.RowA[m0 + Math.Min(i, rows - 1)] + start);

        private static void Kernel256Narrow<T>(ReadOnlySpan<T> a, ref T pb, ReadOnlySpan<nint> bRows, int kc, Span<T> tile) where T : unmanaged, INumberBase<T>
        {
            int w = Vector256<T>.Count;
            Vector256<T> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
            Vector256<T> c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
            ref T pa = ref Unsafe.AsRef(in a[0]);
            for (int k = 0; k < kc; k++)
            {
                var v = Vector256.LoadUnsafe(ref Unsafe.Add(ref pb, bRows[k]));
                ref T ak = ref Unsafe.Add(ref pa, k * 12);
                c0 = Fma(Vector256.Create(ak), v, c0); c1 = Fma(Vector256.Create(Unsafe.Add(ref ak, 1)), v, c1);
                c2 = Fma(Vector256.Create(Unsafe.Add(ref ak, 2)), v, c2); c3 = Fma(Vector256.Create(Unsafe.Add(ref ak, 3)), v, c3);
                c4 = Fma(Vector256.Create(Unsafe.Add(ref ak, 4)), v, c4); c5 = Fma(Vector256.Create(Unsafe.Add(ref ak, 5)), v, c5);
                c6 = Fma(Vector256.Create(Unsafe.Add(ref ak, 6)), v, c6); c7 = Fma(Vector256.Create(Unsafe.Add(ref ak, 7)), v, c7);
                c8 = Fma(Vector256.Create(Unsafe.Add(ref ak, 8)), v, c8); c9 = Fma(Vector256.Create(Unsafe.Add(ref ak, 9)), v, c9);
                c10 = Fma(Vector256.Create(Unsafe.Add(ref ak, 10)), v, c10); c11 = Fma(Vector256.Create(Unsafe.Add(ref ak, 11)), v, c11);
            }
            ref T pt = ref tile[0];
            c0.StoreUnsafe(ref pt, 0); c1.StoreUnsafe(ref pt, (nuint)w); c2.StoreUnsafe(ref pt, (nuint)(2 * w)); c3.StoreUnsafe(ref pt, (nuint)(3 * w));
            c4.StoreUnsafe(ref pt, (nuint)(4 * w)); c5.StoreUnsafe(ref pt, (nuint)(5 * w)); c6.StoreUnsafe(ref pt, (nuint)(6 * w)); c7.StoreUnsafe(ref pt, (nuint)(7 * w));
            c8.StoreUnsafe(ref pt, (nuint)(8 * w)); c9.StoreUnsafe(ref pt, (nuint)(9 * w)); c10.StoreUnsafe(ref pt, (nuint)(10 * w)); c11.StoreUnsafe(ref pt, (nuint)(11 * w));
        }

        private static void Kernel512<T>(ReadOnlySpan<T> a, ref T pb, ReadOnlySpan<nint> bRows, int kc, Span<T> tile) where T : unmanaged, INumberBase<T>
        {
            int w = Vector512<T>.Count;
            Vector512<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
            Vector512<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
            ref T pa = ref Unsafe.AsRef(in a[0]);
            for (int k = 0; k < kc; k++)
            {
                ref T row = ref Unsafe.Add(ref pb, bRows[k]);
                var b0 = Vector512.LoadUnsafe(ref row);
                var b1 = Vector512.LoadUnsafe(ref row, (nuint)w);
                ref T ak = ref Unsafe.Add(ref pa, k * 6);
                var x = Vector512.Create(ak); c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01);
                x = Vector512.Create(Unsafe.Add(ref ak, 1)); c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11);
                x = Vector512.Create(Unsafe.Add(ref ak, 2)); c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21);
                x = Vector512.Create(Unsafe.Add(ref ak, 3)); c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31);
                x = Vector512.Create(Unsafe.Add(ref ak, 4)); c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41);
                x = Vector512.Create(Unsafe.Add(ref ak, 5)); c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51);
            }
            ref T pt = ref tile[0];
            int s = 2 * w;
            c00.StoreUnsafe(ref pt, 0); c01.StoreUnsafe(ref pt, (nuint)w);
            c10.StoreUnsafe(ref pt, (nuint)s); c11.StoreUnsafe(ref pt, (nuint)(s + w));
            c20.StoreUnsafe(ref pt, (nuint)(2 * s)); c21.StoreUnsafe(ref pt, (nuint)(2 * s + w));
            c30.StoreUnsafe(ref pt, (nuint)(3 * s)); c31.StoreUnsafe(ref pt, (nuint)(3 * s + w));
            c40.StoreUnsafe(ref pt, (nuint)(4 * s)); c41.StoreUnsafe(ref pt, (nuint)(4 * s + w));
            c50.StoreUnsafe(ref pt, (nuint)(5 * s)); c51.StoreUnsafe(ref pt, (nuint)(5 * s + w));
        }

        private static void Kernel256<T>(ReadOnlySpan<T> a, ref T pb, ReadOnlySpan<nint> bRows, int kc, Span<T> tile) where T : unmanaged, INumberBase<T>
        {
            int w = Vector256<T>.Count;
            Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
            Vector256<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
            ref T pa = ref Unsafe.AsRef(in a[0]);
            for (int k = 0; k < kc; k++)
            {
                ref T row = ref Unsafe.Add(ref pb, bRows[k]);
                var b0 = Vector256.LoadUnsafe(ref row);
                var b1 = Vector256.LoadUnsafe(ref row, (nuint)w);
                ref T ak = ref Unsafe.Add(ref pa, k * 6);
                var x = Vector256.Create(ak); c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01);
                x = Vector256.Create(Unsafe.Add(ref ak, 1)); c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11);
                x = Vector256.Create(Unsafe.Add(ref ak, 2)); c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21);
                x = Vector256.Create(Unsafe.Add(ref ak, 3)); c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31);
                x = Vector256.Create(Unsafe.Add(ref ak, 4)); c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41);
                x = Vector256.Create(Unsafe.Add(ref ak, 5)); c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51);
            }
            ref T pt = ref tile[0];
            int s = 2 * w;
            c00.StoreUnsafe(ref pt, 0); c01.StoreUnsafe(ref pt, (nuint)w);
            c10.StoreUnsafe(ref pt, (nuint)s); c11.StoreUnsafe(ref pt, (nuint)(s + w));
            c20.StoreUnsafe(ref pt, (nuint)(2 * s)); c21.StoreUnsafe(ref pt, (nuint)(2 * s + w));
            c30.StoreUnsafe(ref pt, (nuint)(3 * s)); c31.StoreUnsafe(ref pt, (nuint)(3 * s + w));
            c40.StoreUnsafe(ref pt, (nuint)(4 * s)); c41.StoreUnsafe(ref pt, (nuint)(4 * s + w));
            c50.StoreUnsafe(ref pt, (nuint)(5 * s)); c51.StoreUnsafe(ref pt, (nuint)(5 * s + w));
        }

        private static void KernelScalar<T>(ReadOnlySpan<T> a, ref T pb, ReadOnlySpan<nint> bRows, int kc, int mr, int nr, Span<T> tile) where T : unmanaged, INumberBase<T>
        {
            tile.Slice(0, mr * nr).Clear();
            for (int k = 0; k < kc; k++)
            {
                ref T row = ref Unsafe.Add(ref pb, bRows[k]);
                for (int i = 0; i < mr; i++)
                {
                    T x = a[k * mr + i];
                    for (int j = 0; j < nr; j++) tile[i * nr + j] += x * Unsafe.Add(ref row, j);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<T> Fma<T>(Vector512<T> x, Vector512<T> y, Vector512<T> acc) where T : unmanaged
        {
            if (typeof(T) == typeof(float)) return Vector512.FusedMultiplyAdd(x.As<T, float>(), y.As<T, float>(), acc.As<T, float>()).As<float, T>();
            if (typeof(T) == typeof(double)) return Vector512.FusedMultiplyAdd(x.As<T, double>(), y.As<T, double>(), acc.As<T, double>()).As<double, T>();
            return x * y + acc;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<T> Fma<T>(Vector256<T> x, Vector256<T> y, Vector256<T> acc) where T : unmanaged
        {
            if (typeof(T) == typeof(float)) return Vector256.FusedMultiplyAdd(x.As<T, float>(), y.As<T, float>(), acc.As<T, float>()).As<float, T>();
            if (typeof(T) == typeof(double)) return Vector256.FusedMultiplyAdd(x.As<T, double>(), y.As<T, double>(), acc.As<T, double>()).As<double, T>();
            return x * y + acc;
        }

        /// <summary>Writes (first K block) or adds (later blocks) the valid part of a tile into C through its offset tables.</summary>
        private static void WriteBack<T>(GemmTables t, ref T c0, int m0, int rows, int n0, int cols, int nr, ReadOnlySpan<T> tile, bool first)
            where T : unmanaged, INumberBase<T>
        {
            for (int i = 0; i < rows; i++)
            {
                ref T row = ref Unsafe.Add(ref c0, t.RowC[m0 + i]);
                var values = tile.Slice(i * nr, cols);
                if (t.ColCUnit)
                {
                    var target = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref Unsafe.Add(ref row, t.ColC[n0]), cols);
                    if (first) values.CopyTo(target);
                    else for (int j = 0; j < cols; j++) target[j] += values[j];
                    continue;
                }
                for (int j = 0; j < cols; j++)
                {
                    ref T x = ref Unsafe.Add(ref row, t.ColC[n0 + j]);
                    x = first ? values[j] : x + values[j];
                }
            }
        }

        private static T[] Buffer<T>(int length)
        {
            if (typeof(T) == typeof(float))
            {
                if (t_packFloat is null || t_packFloat.Length < length) t_packFloat = GC.AllocateUninitializedArray<float>(length);
                return (T[])(object)t_packFloat;
            }
            if (t_packDouble is null || t_packDouble.Length < length) t_packDouble = GC.AllocateUninitializedArray<double>(length);
            return (T[])(object)t_packDouble;
        }
    }
}
