// Written by a script: the register blocks are spelled out so that the JIT keeps every accumulator in a register.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EinsumGen.Runtime.Kernels
{
    /// <summary>
    /// The direct tier for small (often heavily batched) problems: no packing, register-blocked loops straight over the
    /// operands. Along N: C rows are built a vector of columns at a time from broadcast A elements (8 rows share each B
    /// load); the column range is covered by the widest vectors first, then narrower ones, then scalars. Along K: dot
    /// products of unit-stride A rows and B columns (4 rows share each B load). Otherwise a scalar loop over the tables.
    /// </summary>
    internal static unsafe partial class DirectGemm
    {
        private static long s_stridedCRuns;

        /// <summary>Thread parts that ran <see cref="DirectKind.AlongNStridedC"/> so far (tests check that the tier is taken).</summary>
        internal static long StridedCRuns => System.Threading.Interlocked.Read(ref s_stridedCRuns);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Run<T>(GemmArgs<T>* g, GemmRange r) where T : unmanaged, INumberBase<T>
        {
            KernelPath path = g->Path;
            if (g->Direct == DirectKind.AlongNStridedC)
            {
                System.Threading.Interlocked.Increment(ref s_stridedCRuns);
                // Widest vectors first; a narrower width runs only for columns left over, so that a call whose columns fill
                // whole vectors never compiles the narrower instantiations (each a large method; JIT time at start-up).
                int jc = r.N0;
                if (path == KernelPath.Vector512) jc = AlongNStridedC<T, Vector512<T>, Simd512<T>>(g, r, jc);
                if (path <= KernelPath.Vector256 && jc < r.N1) jc = AlongNStridedC<T, Vector256<T>, Simd256<T>>(g, r, jc);
                if (path <= KernelPath.Vector128 && jc < r.N1) jc = AlongNStridedC<T, Vector128<T>, Simd128<T>>(g, r, jc);
                if (jc < r.N1) AlongNStridedC<T, T, SimdScalar<T>>(g, r, jc);
                return;
            }
            if (g->Direct == DirectKind.AlongNQuad)
            {
                AlongNQuad(g, r);
                return;
            }
            if (g->Direct == DirectKind.AlongN)
            {
                // Widest vectors first over the column range; each width loops over the batch itself (no per-entry dispatch).
                int j = r.N0;
                if (path == KernelPath.Vector512) j = AlongN<T, Vector512<T>, Simd512<T>>(g, r, j);
                if (path <= KernelPath.Vector256 && j < r.N1) j = AlongN<T, Vector256<T>, Simd256<T>>(g, r, j);
                if (path <= KernelPath.Vector128 && j < r.N1) j = AlongN<T, Vector128<T>, Simd128<T>>(g, r, j);
                if (j < r.N1) AlongN<T, T, SimdScalar<T>>(g, r, j);
                return;
            }
            for (int bi = r.B0; bi < r.B1; bi++)
            {
                T* A = g->A + g->BatchA[bi];
                T* B = g->B + g->BatchB[bi];
                T* C = g->C + g->BatchC[bi];
                if (g->Direct == DirectKind.AlongK)
                {
                    int K = g->K;
                    if (path == KernelPath.Vector512 && K >= Vector512<T>.Count) AlongK<T, Vector512<T>, Simd512<T>>(A, B, C, g, r);
                    else if (path <= KernelPath.Vector256 && K >= Vector256<T>.Count) AlongK<T, Vector256<T>, Simd256<T>>(A, B, C, g, r);
                    else if (path <= KernelPath.Vector128 && K >= Vector128<T>.Count) AlongK<T, Vector128<T>, Simd128<T>>(A, B, C, g, r);
                    else AlongK<T, T, SimdScalar<T>>(A, B, C, g, r);
                }
                else
                {
                    Scalar(A, B, C, g, r);
                }
            }
        }

        /// <summary>Columns j0.. in whole vectors of TS, for every batch entry of the range; returns where it stopped.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int AlongN<T, TV, TS>(GemmArgs<T>* g, GemmRange r, int j0)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int W = TS.Count;
            int jEnd = j0 + (r.N1 - j0) / W * W;
            if (jEnd == j0) return j0;
            // Two vectors of columns per 8-row block where there are 8 rows (10 loads feed 16 FMAs); column blocks outside
            // the row blocks, so that a tall B's column strip stays in L1 while every row block reads it.
            int jPair = r.M1 - r.M0 >= 8 ? j0 + (jEnd - j0) / (2 * W) * (2 * W) : j0;
            KernelContext context = KernelContext.For(g->Path);
            int l1Bytes = context.DirectL1Bytes, touchBytes = context.TouchStripMinBytes;
            for (int bi = r.B0; bi < r.B1; bi++)
            {
                T* A = g->A + g->BatchA[bi];
                T* B = g->B + g->BatchB[bi];
                T* C = g->C + g->BatchC[bi];
                if (r.M1 - r.M0 >= 16) TouchStrip(B + g->ColB[0] + j0, g->KB, g->K, (jEnd - j0) * sizeof(T), touchBytes);
                if ((long)g->K * (jPair - j0) * sizeof(T) <= l1Bytes)
                {
                    // All of B's columns fit L1 (a short K: an outer product, a rank-few update): rows outside, so that
                    // C is written row after row rather than in strips a row apart (n,m->nm at 4096²: 3.2 → 1.2 ms).
                    int mp = r.M0;
                    for (; mp + 8 <= r.M1; mp += 8)
                        for (int j = j0; j < jPair; j += 2 * W) RowsN8x2<T, TV, TS>(A, B, C, g, mp, j);
                    for (; mp < r.M1; mp++) RowsN1<T, TV, TS>(A, B, C, g, mp, j0, jPair);
                }
                else
                {
                    for (int j = j0; j < jPair; j += 2 * W)
                    {
                        int mp = r.M0;
                        for (; mp + 8 <= r.M1; mp += 8) RowsN8x2<T, TV, TS>(A, B, C, g, mp, j);
                        for (; mp < r.M1; mp++) RowsN1<T, TV, TS>(A, B, C, g, mp, j, j + 2 * W);
                    }
                }
                if (jPair == jEnd) continue;
                int m = r.M0;
                for (; m + 8 <= r.M1; m += 8) RowsN8<T, TV, TS>(A, B, C, g, m, jPair, jEnd);
                for (; m < r.M1; m++) RowsN1<T, TV, TS>(A, B, C, g, m, jPair, jEnd);
            }
            return jEnd;
        }

        [System.ThreadStatic] private static int t_sink;

        /// <summary>
        /// Reads one element of every cache line of a B strip that every row block will read (rows <paramref name="kB"/>,
        /// <paramref name="bytes"/> each), up front, so the lines arrive in parallel: when another core has just written B
        /// (the previous step's result), the loop's own misses fetch it line by line from that core's cache, which measured
        /// ~2x the whole step's time (software prefetches of the same lines measured no gain). Strips under
        /// <paramref name="minBytes"/> in all are left alone.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void TouchStrip<T>(T* b, nint* kB, int k, int bytes, int minBytes) where T : unmanaged
        {
            if ((long)k * bytes < minBytes) return;
            int sink = 0;
            for (int p = 0; p < k; p++)
            {
                byte* row = (byte*)(b + kB[p]);
                for (int o = 0; o < bytes; o += 64) sink |= row[o];
            }
            t_sink = sink;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void AlongK<T, TV, TS>(T* A, T* B, T* C, GemmArgs<T>* g, GemmRange r)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int m = r.M0;
            for (; m + 4 <= r.M1; m += 4) RowsK4<T, TV, TS>(A, B, C, g, m, r.N0, r.N1);
            for (; m < r.M1; m++) RowsK1<T, TV, TS>(A, B, C, g, m, r.N0, r.N1);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Scalar<T>(T* A, T* B, T* C, GemmArgs<T>* g, GemmRange r) where T : unmanaged, INumberBase<T>
        {
            int K = g->K;
            for (int i = r.M0; i < r.M1; i++)
            {
                T* a = A + g->RowA[i];
                T* c = C + g->RowC[i];
                for (int j = r.N0; j < r.N1; j++)
                {
                    T* b = B + g->ColB[j];
                    T s = T.Zero;
                    for (int p = 0; p < K; p++) s += a[g->KA[p]] * b[g->KB[p]];
                    c[g->ColC[j]] = s;
                }
            }
        }

        // Too large to be inlined into its caller: compiled fully optimized at first call, since its unoptimized (tier-0)
        // code, a call per vector operation, ran the tensor train's largest step for the first ~100 epochs of a training run.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void RowsN8<T, TV, TS>(T* A, T* B, T* C, GemmArgs<T>* g, int m, int j0, int j1)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int W = TS.Count, K = g->K;
            nint* kA = g->KA; nint* kB = g->KB;
            T* bc = B + g->ColB[0];
            T* cc = C + g->ColC[0];
            T* a0 = A + g->RowA[m + 0];
            T* a1 = A + g->RowA[m + 1];
            T* a2 = A + g->RowA[m + 2];
            T* a3 = A + g->RowA[m + 3];
            T* a4 = A + g->RowA[m + 4];
            T* a5 = A + g->RowA[m + 5];
            T* a6 = A + g->RowA[m + 6];
            T* a7 = A + g->RowA[m + 7];
            for (int j = j0; j < j1; j += W)
            {
                TV s0 = TS.Zero; TV s1 = TS.Zero; TV s2 = TS.Zero; TV s3 = TS.Zero; TV s4 = TS.Zero; TV s5 = TS.Zero; TV s6 = TS.Zero; TV s7 = TS.Zero;
                T* bj = bc + j;
                if (g->KAffine)
                {
                    // Affine K (the common case): step pointers instead of reading two tables per iteration.
                    nint sa = g->KStrideA, sb = g->KStrideB, ka = kA[0];
                    T* bp = bj + kB[0];
                    for (int p = 0; p < K; p++, ka += sa, bp += sb)
                    {
                        TV bv = TS.Load(bp);
                        s0 = TS.Fma(TS.Broadcast(a0 + ka), bv, s0);
                        s1 = TS.Fma(TS.Broadcast(a1 + ka), bv, s1);
                        s2 = TS.Fma(TS.Broadcast(a2 + ka), bv, s2);
                        s3 = TS.Fma(TS.Broadcast(a3 + ka), bv, s3);
                        s4 = TS.Fma(TS.Broadcast(a4 + ka), bv, s4);
                        s5 = TS.Fma(TS.Broadcast(a5 + ka), bv, s5);
                        s6 = TS.Fma(TS.Broadcast(a6 + ka), bv, s6);
                        s7 = TS.Fma(TS.Broadcast(a7 + ka), bv, s7);
                    }
                }
                else
                {
                    for (int p = 0; p < K; p++)
                    {
                        nint ka = kA[p];
                        TV bv = TS.Load(bj + kB[p]);
                        s0 = TS.Fma(TS.Broadcast(a0 + ka), bv, s0);
                        s1 = TS.Fma(TS.Broadcast(a1 + ka), bv, s1);
                        s2 = TS.Fma(TS.Broadcast(a2 + ka), bv, s2);
                        s3 = TS.Fma(TS.Broadcast(a3 + ka), bv, s3);
                        s4 = TS.Fma(TS.Broadcast(a4 + ka), bv, s4);
                        s5 = TS.Fma(TS.Broadcast(a5 + ka), bv, s5);
                        s6 = TS.Fma(TS.Broadcast(a6 + ka), bv, s6);
                        s7 = TS.Fma(TS.Broadcast(a7 + ka), bv, s7);
                    }
                }
                TS.Store(cc + g->RowC[m + 0] + j, s0);
                TS.Store(cc + g->RowC[m + 1] + j, s1);
                TS.Store(cc + g->RowC[m + 2] + j, s2);
                TS.Store(cc + g->RowC[m + 3] + j, s3);
                TS.Store(cc + g->RowC[m + 4] + j, s4);
                TS.Store(cc + g->RowC[m + 5] + j, s5);
                TS.Store(cc + g->RowC[m + 6] + j, s6);
                TS.Store(cc + g->RowC[m + 7] + j, s7);
            }
        }

        /// <summary>Rows m..m+7, columns j..j+2W: 16 accumulators.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void RowsN8x2<T, TV, TS>(T* A, T* B, T* C, GemmArgs<T>* g, int m, int j)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int W = TS.Count, K = g->K;
            nint* kA = g->KA; nint* kB = g->KB;
            T* bj = B + g->ColB[0] + j;
            T* a0 = A + g->RowA[m + 0];
            T* a1 = A + g->RowA[m + 1];
            T* a2 = A + g->RowA[m + 2];
            T* a3 = A + g->RowA[m + 3];
            T* a4 = A + g->RowA[m + 4];
            T* a5 = A + g->RowA[m + 5];
            T* a6 = A + g->RowA[m + 6];
            T* a7 = A + g->RowA[m + 7];
            TV s0 = TS.Zero, s1 = TS.Zero, s2 = TS.Zero, s3 = TS.Zero, s4 = TS.Zero, s5 = TS.Zero, s6 = TS.Zero, s7 = TS.Zero;
            TV t0 = TS.Zero, t1 = TS.Zero, t2 = TS.Zero, t3 = TS.Zero, t4 = TS.Zero, t5 = TS.Zero, t6 = TS.Zero, t7 = TS.Zero;
            if (g->KAffine)
            {
                nint sa = g->KStrideA, sb = g->KStrideB, ka = kA[0];
                T* bp = bj + kB[0];
                for (int p = 0; p < K; p++, ka += sa, bp += sb)
                {
                    TV u = TS.Load(bp), v = TS.Load(bp + W);
                    TV x = TS.Broadcast(a0 + ka); s0 = TS.Fma(x, u, s0); t0 = TS.Fma(x, v, t0);
                    x = TS.Broadcast(a1 + ka); s1 = TS.Fma(x, u, s1); t1 = TS.Fma(x, v, t1);
                    x = TS.Broadcast(a2 + ka); s2 = TS.Fma(x, u, s2); t2 = TS.Fma(x, v, t2);
                    x = TS.Broadcast(a3 + ka); s3 = TS.Fma(x, u, s3); t3 = TS.Fma(x, v, t3);
                    x = TS.Broadcast(a4 + ka); s4 = TS.Fma(x, u, s4); t4 = TS.Fma(x, v, t4);
                    x = TS.Broadcast(a5 + ka); s5 = TS.Fma(x, u, s5); t5 = TS.Fma(x, v, t5);
                    x = TS.Broadcast(a6 + ka); s6 = TS.Fma(x, u, s6); t6 = TS.Fma(x, v, t6);
                    x = TS.Broadcast(a7 + ka); s7 = TS.Fma(x, u, s7); t7 = TS.Fma(x, v, t7);
                }
            }
            else
            {
                for (int p = 0; p < K; p++)
                {
                    nint ka = kA[p];
                    T* bp = bj + kB[p];
                    TV u = TS.Load(bp), v = TS.Load(bp + W);
                    TV x = TS.Broadcast(a0 + ka); s0 = TS.Fma(x, u, s0); t0 = TS.Fma(x, v, t0);
                    x = TS.Broadcast(a1 + ka); s1 = TS.Fma(x, u, s1); t1 = TS.Fma(x, v, t1);
                    x = TS.Broadcast(a2 + ka); s2 = TS.Fma(x, u, s2); t2 = TS.Fma(x, v, t2);
                    x = TS.Broadcast(a3 + ka); s3 = TS.Fma(x, u, s3); t3 = TS.Fma(x, v, t3);
                    x = TS.Broadcast(a4 + ka); s4 = TS.Fma(x, u, s4); t4 = TS.Fma(x, v, t4);
                    x = TS.Broadcast(a5 + ka); s5 = TS.Fma(x, u, s5); t5 = TS.Fma(x, v, t5);
                    x = TS.Broadcast(a6 + ka); s6 = TS.Fma(x, u, s6); t6 = TS.Fma(x, v, t6);
                    x = TS.Broadcast(a7 + ka); s7 = TS.Fma(x, u, s7); t7 = TS.Fma(x, v, t7);
                }
            }
            T* cc = C + g->ColC[0] + j;
            T* c;
            c = cc + g->RowC[m + 0]; TS.Store(c, s0); TS.Store(c + W, t0);
            c = cc + g->RowC[m + 1]; TS.Store(c, s1); TS.Store(c + W, t1);
            c = cc + g->RowC[m + 2]; TS.Store(c, s2); TS.Store(c + W, t2);
            c = cc + g->RowC[m + 3]; TS.Store(c, s3); TS.Store(c + W, t3);
            c = cc + g->RowC[m + 4]; TS.Store(c, s4); TS.Store(c + W, t4);
            c = cc + g->RowC[m + 5]; TS.Store(c, s5); TS.Store(c + W, t5);
            c = cc + g->RowC[m + 6]; TS.Store(c, s6); TS.Store(c + W, t6);
            c = cc + g->RowC[m + 7]; TS.Store(c, s7); TS.Store(c + W, t7);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void RowsN1<T, TV, TS>(T* A, T* B, T* C, GemmArgs<T>* g, int m, int j0, int j1)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int W = TS.Count, K = g->K;
            nint* kA = g->KA; nint* kB = g->KB;
            T* bc = B + g->ColB[0];
            T* cc = C + g->ColC[0];
            T* a0 = A + g->RowA[m + 0];
            for (int j = j0; j < j1; j += W)
            {
                TV s0 = TS.Zero;
                T* bj = bc + j;
                if (g->KAffine)
                {
                    nint sa = g->KStrideA, sb = g->KStrideB, ka = kA[0];
                    T* bp = bj + kB[0];
                    for (int p = 0; p < K; p++, ka += sa, bp += sb) s0 = TS.Fma(TS.Broadcast(a0 + ka), TS.Load(bp), s0);
                }
                else
                {
                    for (int p = 0; p < K; p++) s0 = TS.Fma(TS.Broadcast(a0 + kA[p]), TS.Load(bj + kB[p]), s0);
                }
                TS.Store(cc + g->RowC[m + 0] + j, s0);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void RowsK4<T, TV, TS>(T* A, T* B, T* C, GemmArgs<T>* g, int m, int n0, int n1)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int W = TS.Count, K = g->K, kEnd = K - K % W;
            nint ka0 = g->KA[0], kb0 = g->KB[0];
            T* a0 = A + g->RowA[m + 0] + ka0;
            T* a1 = A + g->RowA[m + 1] + ka0;
            T* a2 = A + g->RowA[m + 2] + ka0;
            T* a3 = A + g->RowA[m + 3] + ka0;
            T* c0 = C + g->RowC[m + 0];
            T* c1 = C + g->RowC[m + 1];
            T* c2 = C + g->RowC[m + 2];
            T* c3 = C + g->RowC[m + 3];
            for (int n = n0; n < n1; n++)
            {
                T* bp = B + g->ColB[n] + kb0;
                TV s0 = TS.Zero; TV s1 = TS.Zero; TV s2 = TS.Zero; TV s3 = TS.Zero;
                int p = 0;
                for (; p < kEnd; p += W)
                {
                    TV bv = TS.Load(bp + p);
                    s0 = TS.Fma(TS.Load(a0 + p), bv, s0);
                    s1 = TS.Fma(TS.Load(a1 + p), bv, s1);
                    s2 = TS.Fma(TS.Load(a2 + p), bv, s2);
                    s3 = TS.Fma(TS.Load(a3 + p), bv, s3);
                }
                T t0 = TS.Sum(s0); T t1 = TS.Sum(s1); T t2 = TS.Sum(s2); T t3 = TS.Sum(s3);
                for (; p < K; p++)
                {
                    T bs = bp[p];
                    t0 += a0[p] * bs;
                    t1 += a1[p] * bs;
                    t2 += a2[p] * bs;
                    t3 += a3[p] * bs;
                }
                nint cn = g->ColC[n];
                c0[cn] = t0;
                c1[cn] = t1;
                c2[cn] = t2;
                c3[cn] = t3;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void RowsK1<T, TV, TS>(T* A, T* B, T* C, GemmArgs<T>* g, int m, int n0, int n1)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int W = TS.Count, K = g->K, kEnd = K - K % W;
            nint ka0 = g->KA[0], kb0 = g->KB[0];
            T* a0 = A + g->RowA[m + 0] + ka0;
            T* c0 = C + g->RowC[m + 0];
            for (int n = n0; n < n1; n++)
            {
                T* bp = B + g->ColB[n] + kb0;
                TV s0 = TS.Zero;
                int p = 0;
                for (; p < kEnd; p += W)
                {
                    TV bv = TS.Load(bp + p);
                    s0 = TS.Fma(TS.Load(a0 + p), bv, s0);
                }
                T t0 = TS.Sum(s0);
                for (; p < K; p++)
                {
                    T bs = bp[p];
                    t0 += a0[p] * bs;
                }
                nint cn = g->ColC[n];
                c0[cn] = t0;
            }
        }
    }
}
