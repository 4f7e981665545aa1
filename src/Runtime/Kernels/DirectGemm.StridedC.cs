// Written by a script: the register block is spelled out so that the JIT keeps every accumulator in a register.
using System.Numerics;
using System.Runtime.CompilerServices;

namespace EinsumGen.Runtime.Kernels
{
    internal static unsafe partial class DirectGemm
    {
        /// <summary>
        /// Along N with C's columns strided (a weight gradient ∂W[k,o] = Σ_n x[n,k]·∂y[n,o] computed as ∂Wᵀ, vectors along
        /// x's unit-stride k): blocks of 16 rows × one vector, so that the long factor B is streamed exactly once; each
        /// block's accumulators go through a small tile into C's tables (<see cref="KernelCommon.Scatter{T}"/>, which moves
        /// contiguous runs a vector at a time). Columns j0.. in whole vectors; returns where it stopped.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int AlongNStridedC<T, TV, TS>(GemmArgs<T>* g, GemmRange r, int j0)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int W = TS.Count;
            int jEnd = j0 + (r.N1 - j0) / W * W;
            if (jEnd == j0) return j0;
            // Three 16-row × 1-vector blocks, one after another (block v: columns j + v·W).
            T* tile = stackalloc T[3 * 16 * W];
            bool dense = g->KAffine && g->RowAUnit, wide = dense && KernelOptions.Current.WideStrips;
            for (int bi = r.B0; bi < r.B1; bi++)
            {
                T* A = g->A + g->BatchA[bi];
                T* B = g->B + g->BatchB[bi];
                T* C = g->C + g->BatchC[bi];
                int j = j0;
                for (; wide && j + 3 * W <= jEnd; j += 3 * W)
                {
                    for (int m = r.M0; m < r.M1; m += 16)
                    {
                        if (r.M1 - m < 16)
                        {
                            for (int v = 0; v < 3; v++) StridedCBlock<T, TV, TS>(A, B, C, g, r, m, j + v * W, tile);
                            continue;
                        }
                        // 16 rows as two 8-row × 3-vector blocks: 11 loads per 24 FMAs instead of 17 per 16, since the
                        // broadcasts, not the FMAs, bound the 16 × 1 block on Zen 5 (one core, ∂W's shape: 66% of peak).
                        System.Threading.Interlocked.Increment(ref s_wideStrips);
                        Rows8N3Dense<T, TV, TS>(A, B, g, m, j, tile, prefetchNext: true);
                        Rows8N3Dense<T, TV, TS>(A, B, g, m + 8, j, tile + 8 * W, prefetchNext: false);
                        for (int v = 0; v < 3; v++) StoreStridedC<T>(g, tile + v * 16 * W, C, m, 16, j + v * W, W);
                    }
                }
                for (; j < jEnd; j += W)
                {
                    for (int m = r.M0; m < r.M1; m += 16) StridedCBlock<T, TV, TS>(A, B, C, g, r, m, j, tile);
                }
            }
            return jEnd;
        }

        private static long s_wideStrips;

        /// <summary>16-row strips three vectors wide run so far (tests check that the block is taken).</summary>
        internal static long WideStripRuns => System.Threading.Interlocked.Read(ref s_wideStrips);

        /// <summary>Rows m..m+15 (fewer at the end) × one vector of columns at j, through <paramref name="tile"/> into C.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StridedCBlock<T, TV, TS>(T* A, T* B, T* C, GemmArgs<T>* g, GemmRange r, int m, int j, T* tile)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int rows = System.Math.Min(16, r.M1 - m);
            if (rows == 16 && g->KAffine && g->RowAUnit) RowsN16TileDense<T, TV, TS>(A, B, g, m, j, tile);
            else RowsN16Tile<T, TV, TS>(A, B, g, m, r.M1 - 1, j, tile);
            StoreStridedC(g, tile, C, m, rows, j, TS.Count);
        }

        /// <summary>
        /// A block of <paramref name="rows"/> × one vector (row i at tile + i·W) into C's tables: a full 16 × 16 float block
        /// whose 16 rows are contiguous in C goes out transposed, a vector per column; anything else by runs.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreStridedC<T>(GemmArgs<T>* g, T* tile, T* C, int m, int rows, int j, int W) where T : unmanaged, INumberBase<T>
        {
            if (rows == 16 && typeof(T) == typeof(float) && W == 16 && g->RowCUnit && TileTranspose.IsSupported)
            {
                TileTranspose.Store16((float*)tile, (float*)(C + g->RowC[m]), g->ColC + j);
            }
            else KernelCommon.Scatter(tile, W, C, g->RowC + m, g->ColC + j, rows, W, accumulate: false);
        }

        /// <summary>Row <paramref name="i"/> of a register block, or the last row where the block runs past it (a short block repeats its last row).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static T* ClampedRow<T>(T* origin, nint* rows, int i, int last) where T : unmanaged => origin + rows[System.Math.Min(i, last)];

        /// <summary>Row <paramref name="i"/>'s start, or null past the last row (a short block does not store those).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static T* RowOrNull<T>(T* origin, nint* rows, int i, int last) where T : unmanaged => i <= last ? origin + rows[i] : null;

        /// <summary>Rows m..m+15 (rows past <paramref name="mLast"/> repeat it and are not stored), one vector of columns at j, into <paramref name="tile"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void RowsN16Tile<T, TV, TS>(T* A, T* B, GemmArgs<T>* g, int m, int mLast, int j, T* tile)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int W = TS.Count, K = g->K;
            nint* kA = g->KA; nint* kB = g->KB; nint* rowA = g->RowA;
            T* bj = B + g->ColB[0] + j;
            T* a0 = A + rowA[m];
            T* a1 = ClampedRow(A, rowA, m + 1, mLast);
            T* a2 = ClampedRow(A, rowA, m + 2, mLast);
            T* a3 = ClampedRow(A, rowA, m + 3, mLast);
            T* a4 = ClampedRow(A, rowA, m + 4, mLast);
            T* a5 = ClampedRow(A, rowA, m + 5, mLast);
            T* a6 = ClampedRow(A, rowA, m + 6, mLast);
            T* a7 = ClampedRow(A, rowA, m + 7, mLast);
            T* a8 = ClampedRow(A, rowA, m + 8, mLast);
            T* a9 = ClampedRow(A, rowA, m + 9, mLast);
            T* a10 = ClampedRow(A, rowA, m + 10, mLast);
            T* a11 = ClampedRow(A, rowA, m + 11, mLast);
            T* a12 = ClampedRow(A, rowA, m + 12, mLast);
            T* a13 = ClampedRow(A, rowA, m + 13, mLast);
            T* a14 = ClampedRow(A, rowA, m + 14, mLast);
            T* a15 = ClampedRow(A, rowA, m + 15, mLast);
            TV s0 = TS.Zero, s1 = TS.Zero, s2 = TS.Zero, s3 = TS.Zero, s4 = TS.Zero, s5 = TS.Zero, s6 = TS.Zero, s7 = TS.Zero;
            TV s8 = TS.Zero, s9 = TS.Zero, s10 = TS.Zero, s11 = TS.Zero, s12 = TS.Zero, s13 = TS.Zero, s14 = TS.Zero, s15 = TS.Zero;
            if (g->KAffine)
            {
                nint sa = g->KStrideA, sb = g->KStrideB, ka = kA[0];
                T* bp = bj + kB[0];
                for (int p = 0; p < K; p++, ka += sa, bp += sb)
                {
                    TV u = TS.Load(bp);
                    s0 = TS.Fma(TS.Broadcast(a0 + ka), u, s0);
                    s1 = TS.Fma(TS.Broadcast(a1 + ka), u, s1);
                    s2 = TS.Fma(TS.Broadcast(a2 + ka), u, s2);
                    s3 = TS.Fma(TS.Broadcast(a3 + ka), u, s3);
                    s4 = TS.Fma(TS.Broadcast(a4 + ka), u, s4);
                    s5 = TS.Fma(TS.Broadcast(a5 + ka), u, s5);
                    s6 = TS.Fma(TS.Broadcast(a6 + ka), u, s6);
                    s7 = TS.Fma(TS.Broadcast(a7 + ka), u, s7);
                    s8 = TS.Fma(TS.Broadcast(a8 + ka), u, s8);
                    s9 = TS.Fma(TS.Broadcast(a9 + ka), u, s9);
                    s10 = TS.Fma(TS.Broadcast(a10 + ka), u, s10);
                    s11 = TS.Fma(TS.Broadcast(a11 + ka), u, s11);
                    s12 = TS.Fma(TS.Broadcast(a12 + ka), u, s12);
                    s13 = TS.Fma(TS.Broadcast(a13 + ka), u, s13);
                    s14 = TS.Fma(TS.Broadcast(a14 + ka), u, s14);
                    s15 = TS.Fma(TS.Broadcast(a15 + ka), u, s15);
                }
            }
            else
            {
                for (int p = 0; p < K; p++)
                {
                    nint ka = kA[p];
                    TV u = TS.Load(bj + kB[p]);
                    s0 = TS.Fma(TS.Broadcast(a0 + ka), u, s0);
                    s1 = TS.Fma(TS.Broadcast(a1 + ka), u, s1);
                    s2 = TS.Fma(TS.Broadcast(a2 + ka), u, s2);
                    s3 = TS.Fma(TS.Broadcast(a3 + ka), u, s3);
                    s4 = TS.Fma(TS.Broadcast(a4 + ka), u, s4);
                    s5 = TS.Fma(TS.Broadcast(a5 + ka), u, s5);
                    s6 = TS.Fma(TS.Broadcast(a6 + ka), u, s6);
                    s7 = TS.Fma(TS.Broadcast(a7 + ka), u, s7);
                    s8 = TS.Fma(TS.Broadcast(a8 + ka), u, s8);
                    s9 = TS.Fma(TS.Broadcast(a9 + ka), u, s9);
                    s10 = TS.Fma(TS.Broadcast(a10 + ka), u, s10);
                    s11 = TS.Fma(TS.Broadcast(a11 + ka), u, s11);
                    s12 = TS.Fma(TS.Broadcast(a12 + ka), u, s12);
                    s13 = TS.Fma(TS.Broadcast(a13 + ka), u, s13);
                    s14 = TS.Fma(TS.Broadcast(a14 + ka), u, s14);
                    s15 = TS.Fma(TS.Broadcast(a15 + ka), u, s15);
                }
            }
            TS.Store(tile, s0); TS.Store(tile + W, s1); TS.Store(tile + 2 * W, s2); TS.Store(tile + 3 * W, s3);
            TS.Store(tile + 4 * W, s4); TS.Store(tile + 5 * W, s5); TS.Store(tile + 6 * W, s6); TS.Store(tile + 7 * W, s7);
            TS.Store(tile + 8 * W, s8); TS.Store(tile + 9 * W, s9); TS.Store(tile + 10 * W, s10); TS.Store(tile + 11 * W, s11);
            TS.Store(tile + 12 * W, s12); TS.Store(tile + 13 * W, s13); TS.Store(tile + 14 * W, s14); TS.Store(tile + 15 * W, s15);
        }
        /// <summary>
        /// <see cref="RowsN16Tile{T, TV, TS}"/> for 16 whole rows that are contiguous in A (∂y's outputs) with affine K: every
        /// broadcast addresses one pointer plus a constant, so the loop needs two pointers rather than sixteen (no spills).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void RowsN16TileDense<T, TV, TS>(T* A, T* B, GemmArgs<T>* g, int m, int j, T* tile)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int W = TS.Count, K = g->K;
            nint sa = g->KStrideA, sb = g->KStrideB;
            T* ap = A + g->RowA[m] + g->KA[0];
            T* bp = B + g->ColB[0] + j + g->KB[0];
            TV s0 = TS.Zero, s1 = TS.Zero, s2 = TS.Zero, s3 = TS.Zero, s4 = TS.Zero, s5 = TS.Zero, s6 = TS.Zero, s7 = TS.Zero;
            TV s8 = TS.Zero, s9 = TS.Zero, s10 = TS.Zero, s11 = TS.Zero, s12 = TS.Zero, s13 = TS.Zero, s14 = TS.Zero, s15 = TS.Zero;
            for (int p = 0; p < K; p++, ap += sa, bp += sb)
            {
                // B's rows are far apart (x's rows, 16 KiB in the tensor train): the hardware prefetchers do not follow a
                // column walk across pages, so ask L2 for this row's line two strips ahead (one core, ∂W's shape: 8% faster; training backward 0.97 in a same-run A/B).
                if (System.Runtime.Intrinsics.X86.Sse.IsSupported) System.Runtime.Intrinsics.X86.Sse.Prefetch1((byte*)bp + 128);
                TV u = TS.Load(bp);
                s0 = TS.Fma(TS.Broadcast(ap + 0), u, s0);
                s1 = TS.Fma(TS.Broadcast(ap + 1), u, s1);
                s2 = TS.Fma(TS.Broadcast(ap + 2), u, s2);
                s3 = TS.Fma(TS.Broadcast(ap + 3), u, s3);
                s4 = TS.Fma(TS.Broadcast(ap + 4), u, s4);
                s5 = TS.Fma(TS.Broadcast(ap + 5), u, s5);
                s6 = TS.Fma(TS.Broadcast(ap + 6), u, s6);
                s7 = TS.Fma(TS.Broadcast(ap + 7), u, s7);
                s8 = TS.Fma(TS.Broadcast(ap + 8), u, s8);
                s9 = TS.Fma(TS.Broadcast(ap + 9), u, s9);
                s10 = TS.Fma(TS.Broadcast(ap + 10), u, s10);
                s11 = TS.Fma(TS.Broadcast(ap + 11), u, s11);
                s12 = TS.Fma(TS.Broadcast(ap + 12), u, s12);
                s13 = TS.Fma(TS.Broadcast(ap + 13), u, s13);
                s14 = TS.Fma(TS.Broadcast(ap + 14), u, s14);
                s15 = TS.Fma(TS.Broadcast(ap + 15), u, s15);
            }
            TS.Store(tile, s0); TS.Store(tile + W, s1); TS.Store(tile + 2 * W, s2); TS.Store(tile + 3 * W, s3);
            TS.Store(tile + 4 * W, s4); TS.Store(tile + 5 * W, s5); TS.Store(tile + 6 * W, s6); TS.Store(tile + 7 * W, s7);
            TS.Store(tile + 8 * W, s8); TS.Store(tile + 9 * W, s9); TS.Store(tile + 10 * W, s10); TS.Store(tile + 11 * W, s11);
            TS.Store(tile + 12 * W, s12); TS.Store(tile + 13 * W, s13); TS.Store(tile + 14 * W, s14); TS.Store(tile + 15 * W, s15);
        }

        /// <summary>
        /// Rows m..m+7, contiguous in A (∂y's outputs) with affine K, × three vectors of columns at j: 24 accumulators, each
        /// broadcast feeding three FMAs. Block v's row i goes to tile + 16·W·v + W·i (the layout of three 16 × 1 blocks).
        /// <paramref name="prefetchNext"/>: ask L2 for the next three vectors of each B row (the next strip's), a column walk
        /// across pages that the hardware prefetchers do not follow.
        /// </summary>
        // Too large for the JIT to inline: compiled optimized at its first call, or its first calls would run tier-0 code that
        // calls every vector operation (the tensor train's first few hundred epochs).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Rows8N3Dense<T, TV, TS>(T* A, T* B, GemmArgs<T>* g, int m, int j, T* tile, bool prefetchNext)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int W = TS.Count, K = g->K;
            nint sa = g->KStrideA, sb = g->KStrideB;
            T* ap = A + g->RowA[m] + g->KA[0];
            T* bp = B + g->ColB[0] + j + g->KB[0];
            TV s0v0 = TS.Zero, s0v1 = TS.Zero, s0v2 = TS.Zero, s1v0 = TS.Zero, s1v1 = TS.Zero, s1v2 = TS.Zero, s2v0 = TS.Zero, s2v1 = TS.Zero, s2v2 = TS.Zero, s3v0 = TS.Zero, s3v1 = TS.Zero, s3v2 = TS.Zero;
            TV s4v0 = TS.Zero, s4v1 = TS.Zero, s4v2 = TS.Zero, s5v0 = TS.Zero, s5v1 = TS.Zero, s5v2 = TS.Zero, s6v0 = TS.Zero, s6v1 = TS.Zero, s6v2 = TS.Zero, s7v0 = TS.Zero, s7v1 = TS.Zero, s7v2 = TS.Zero;
            bool prefetch = prefetchNext && System.Runtime.Intrinsics.X86.Sse.IsSupported;
            for (int p = 0; p < K; p++, ap += sa, bp += sb)
            {
                if (prefetch)
                {
                    System.Runtime.Intrinsics.X86.Sse.Prefetch1(bp + 3 * W);
                    System.Runtime.Intrinsics.X86.Sse.Prefetch1(bp + 4 * W);
                    System.Runtime.Intrinsics.X86.Sse.Prefetch1(bp + 5 * W);
                }
                TV u0 = TS.Load(bp), u1 = TS.Load(bp + W), u2 = TS.Load(bp + 2 * W);
                TV b;
                b = TS.Broadcast(ap + 0); s0v0 = TS.Fma(b, u0, s0v0); s0v1 = TS.Fma(b, u1, s0v1); s0v2 = TS.Fma(b, u2, s0v2);
                b = TS.Broadcast(ap + 1); s1v0 = TS.Fma(b, u0, s1v0); s1v1 = TS.Fma(b, u1, s1v1); s1v2 = TS.Fma(b, u2, s1v2);
                b = TS.Broadcast(ap + 2); s2v0 = TS.Fma(b, u0, s2v0); s2v1 = TS.Fma(b, u1, s2v1); s2v2 = TS.Fma(b, u2, s2v2);
                b = TS.Broadcast(ap + 3); s3v0 = TS.Fma(b, u0, s3v0); s3v1 = TS.Fma(b, u1, s3v1); s3v2 = TS.Fma(b, u2, s3v2);
                b = TS.Broadcast(ap + 4); s4v0 = TS.Fma(b, u0, s4v0); s4v1 = TS.Fma(b, u1, s4v1); s4v2 = TS.Fma(b, u2, s4v2);
                b = TS.Broadcast(ap + 5); s5v0 = TS.Fma(b, u0, s5v0); s5v1 = TS.Fma(b, u1, s5v1); s5v2 = TS.Fma(b, u2, s5v2);
                b = TS.Broadcast(ap + 6); s6v0 = TS.Fma(b, u0, s6v0); s6v1 = TS.Fma(b, u1, s6v1); s6v2 = TS.Fma(b, u2, s6v2);
                b = TS.Broadcast(ap + 7); s7v0 = TS.Fma(b, u0, s7v0); s7v1 = TS.Fma(b, u1, s7v1); s7v2 = TS.Fma(b, u2, s7v2);
            }
            TS.Store(tile + 0 * W + 0 * W, s0v0); TS.Store(tile + 0 * W + 1 * W, s1v0); TS.Store(tile + 0 * W + 2 * W, s2v0); TS.Store(tile + 0 * W + 3 * W, s3v0);
            TS.Store(tile + 0 * W + 4 * W, s4v0); TS.Store(tile + 0 * W + 5 * W, s5v0); TS.Store(tile + 0 * W + 6 * W, s6v0); TS.Store(tile + 0 * W + 7 * W, s7v0);
            TS.Store(tile + 16 * W + 0 * W, s0v1); TS.Store(tile + 16 * W + 1 * W, s1v1); TS.Store(tile + 16 * W + 2 * W, s2v1); TS.Store(tile + 16 * W + 3 * W, s3v1);
            TS.Store(tile + 16 * W + 4 * W, s4v1); TS.Store(tile + 16 * W + 5 * W, s5v1); TS.Store(tile + 16 * W + 6 * W, s6v1); TS.Store(tile + 16 * W + 7 * W, s7v1);
            TS.Store(tile + 32 * W + 0 * W, s0v2); TS.Store(tile + 32 * W + 1 * W, s1v2); TS.Store(tile + 32 * W + 2 * W, s2v2); TS.Store(tile + 32 * W + 3 * W, s3v2);
            TS.Store(tile + 32 * W + 4 * W, s4v2); TS.Store(tile + 32 * W + 5 * W, s5v2); TS.Store(tile + 32 * W + 6 * W, s6v2); TS.Store(tile + 32 * W + 7 * W, s7v2);
        }
    }
}
