// Written by a script: the register blocks are spelled out so that the JIT keeps every accumulator in a register.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using V16 = System.Runtime.Intrinsics.Vector512<float>;
using V8 = System.Runtime.Intrinsics.Vector512<double>;

namespace EinsumGen.Runtime.Kernels
{
    internal static unsafe partial class DirectGemm
    {
        /// <summary>
        /// Whether <see cref="DirectKind.AlongNQuad"/> fits: N is exactly one 512-bit vector, A's rows run unit-stride along K
        /// (both K tables affine) in whole 16-byte chunks, and enough rows read the packed B to repay packing it
        /// (<see cref="EinsumGen.Dispatch.DispatchLimits.QuadMinRows"/>, <see cref="EinsumGen.Dispatch.DispatchLimits.QuadMinK"/>).
        /// </summary>
        internal static bool QuadFits<T>(GemmArgs<T>* g, KernelContext context) where T : unmanaged, INumberBase<T> =>
            KernelOptions.Current.QuadLoop && Avx512F.IsSupported && (typeof(T) == typeof(float) || Avx512DQ.IsSupported) && g->Path == KernelPath.Vector512 && g->N == Vector512<T>.Count && g->ColBUnit && g->ColCUnit
            && g->KAffine && g->KStrideA == 1 && g->K % (16 / sizeof(T)) == 0 && g->K >= context.Dispatch.QuadMinK && g->M >= context.Dispatch.QuadMinRows;

        private static long s_quadRuns;

        /// <summary>Thread parts that ran <see cref="DirectKind.AlongNQuad"/> so far (tests check that the tier is taken).</summary>
        internal static long QuadRuns => System.Threading.Interlocked.Read(ref s_quadRuns);

        /// <summary>
        /// Along N where N is one 512-bit vector (a layer's y[n,o] = Σ_k x[n,k]·W[k,o] with 16 float outputs): the plain loop
        /// broadcasts one A element per FMA and tops out near 75% of peak on Zen 5. Here a 128-bit broadcast of G = 16 bytes /
        /// sizeof(T) consecutive A elements (4 floats) feeds G FMAs, against B packed once per call so that lane i of group q
        /// of its og-th vector for K-chunk c holds B[cG + i, qG + og]. Each accumulator's group q then holds G partial sums
        /// of output qG + og, added within the group when the row is stored (an in-group transpose and two adds). Measured
        /// on the tensor train's y, one core: 165 → 196 GFLOP/s. Rows in blocks of 6 (24 float accumulators); a last, short
        /// block repeats its last row and stores only its own.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void AlongNQuad<T>(GemmArgs<T>* g, GemmRange r) where T : unmanaged, INumberBase<T>
        {
            System.Threading.Interlocked.Increment(ref s_quadRuns);
            int k = g->K;
            T* packed = KernelWorkspace.ForCurrentThread.PackB<T>((nint)k * Vector512<T>.Count);
            for (int bi = r.B0; bi < r.B1; bi++)
            {
                T* A = g->A + g->BatchA[bi] + g->KA[0];
                T* B = g->B + g->BatchB[bi] + g->ColB[0] + g->KB[0];
                T* C = g->C + g->BatchC[bi] + g->ColC[0];
                if (typeof(T) == typeof(float)) PackQuad((float*)B, g->KStrideB, k, (float*)packed);
                else PackQuad((double*)B, g->KStrideB, k, (double*)packed);
                nint* rowA = g->RowA; nint* rowC = g->RowC;
                int last = r.M1 - 1;
                for (int m = r.M0; m < r.M1; m += 6)
                {
                    T* a0 = A + rowA[m];
                    T* a1 = ClampedRow(A, rowA, m + 1, last);
                    T* a2 = ClampedRow(A, rowA, m + 2, last);
                    T* a3 = ClampedRow(A, rowA, m + 3, last);
                    T* a4 = ClampedRow(A, rowA, m + 4, last);
                    T* a5 = ClampedRow(A, rowA, m + 5, last);
                    T* c0 = C + rowC[m];
                    T* c1 = RowOrNull(C, rowC, m + 1, last);
                    T* c2 = RowOrNull(C, rowC, m + 2, last);
                    T* c3 = RowOrNull(C, rowC, m + 3, last);
                    T* c4 = RowOrNull(C, rowC, m + 4, last);
                    T* c5 = RowOrNull(C, rowC, m + 5, last);
                    if (typeof(T) == typeof(float))
                        QuadRows6((float*)a0, (float*)a1, (float*)a2, (float*)a3, (float*)a4, (float*)a5, (float*)packed, k,
                            (float*)c0, (float*)c1, (float*)c2, (float*)c3, (float*)c4, (float*)c5);
                    else
                        QuadRows6((double*)a0, (double*)a1, (double*)a2, (double*)a3, (double*)a4, (double*)a5, (double*)packed, k,
                            (double*)c0, (double*)c1, (double*)c2, (double*)c3, (double*)c4, (double*)c5);
                }
            }
        }

        /// <summary>
        /// Packs B (K rows of one vector, <paramref name="kStride"/> apart) for the quad loop: each chunk of 4 rows is transposed
        /// within every 128-bit group, so that lane i of group q of vector og holds B[c + i, 4q + og].
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void PackQuad(float* b, nint kStride, int k, float* dst)
        {
            for (int p = 0; p < k; p += 4, b += 4 * kStride, dst += 64)
            {
                V16 r0 = Vector512.Load(b), r1 = Vector512.Load(b + kStride), r2 = Vector512.Load(b + 2 * kStride), r3 = Vector512.Load(b + 3 * kStride);
                V16 t0 = Avx512F.UnpackLow(r0, r1), t1 = Avx512F.UnpackHigh(r0, r1), t2 = Avx512F.UnpackLow(r2, r3), t3 = Avx512F.UnpackHigh(r2, r3);
                Avx512F.Shuffle(t0, t2, 0x44).Store(dst);
                Avx512F.Shuffle(t0, t2, 0xEE).Store(dst + 16);
                Avx512F.Shuffle(t1, t3, 0x44).Store(dst + 32);
                Avx512F.Shuffle(t1, t3, 0xEE).Store(dst + 48);
            }
        }

        /// <summary>Packs B for the double quad loop: lane i of group q of vector og holds B[c + i, 2q + og].</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void PackQuad(double* b, nint kStride, int k, double* dst)
        {
            for (int p = 0; p < k; p += 2, b += 2 * kStride, dst += 16)
            {
                V8 r0 = Vector512.Load(b), r1 = Vector512.Load(b + kStride);
                Avx512F.UnpackLow(r0, r1).Store(dst);
                Avx512F.UnpackHigh(r0, r1).Store(dst + 8);
            }
        }

        /// <summary>Adds the 4 partial sums of each group of the 4 accumulators (og = 0..3) and stores output 4q + og at lane 4q + og.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void FoldStore(V16 a0, V16 a1, V16 a2, V16 a3, float* c)
        {
            V16 s0 = Avx512F.UnpackLow(a0, a1) + Avx512F.UnpackHigh(a0, a1);
            V16 s1 = Avx512F.UnpackLow(a2, a3) + Avx512F.UnpackHigh(a2, a3);
            (Avx512F.Shuffle(s0, s1, 0x44) + Avx512F.Shuffle(s0, s1, 0xEE)).Store(c);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void QuadRows6(float* a0, float* a1, float* a2, float* a3, float* a4, float* a5, float* packed, int k,
            float* c0, float* c1, float* c2, float* c3, float* c4, float* c5)
        {
            V16 s00 = default; V16 s01 = default; V16 s02 = default; V16 s03 = default;
            V16 s10 = default; V16 s11 = default; V16 s12 = default; V16 s13 = default;
            V16 s20 = default; V16 s21 = default; V16 s22 = default; V16 s23 = default;
            V16 s30 = default; V16 s31 = default; V16 s32 = default; V16 s33 = default;
            V16 s40 = default; V16 s41 = default; V16 s42 = default; V16 s43 = default;
            V16 s50 = default; V16 s51 = default; V16 s52 = default; V16 s53 = default;
            float* bp = packed;
            for (int p = 0; p < k; p += 4, bp += 64)
            {
                V16 u0 = Vector512.Load(bp), u1 = Vector512.Load(bp + 16), u2 = Vector512.Load(bp + 32), u3 = Vector512.Load(bp + 48);
                V16 v0 = Avx512F.BroadcastVector128ToVector512(a0 + p);
                s00 = Avx512F.FusedMultiplyAdd(v0, u0, s00); s01 = Avx512F.FusedMultiplyAdd(v0, u1, s01); s02 = Avx512F.FusedMultiplyAdd(v0, u2, s02); s03 = Avx512F.FusedMultiplyAdd(v0, u3, s03);
                V16 v1 = Avx512F.BroadcastVector128ToVector512(a1 + p);
                s10 = Avx512F.FusedMultiplyAdd(v1, u0, s10); s11 = Avx512F.FusedMultiplyAdd(v1, u1, s11); s12 = Avx512F.FusedMultiplyAdd(v1, u2, s12); s13 = Avx512F.FusedMultiplyAdd(v1, u3, s13);
                V16 v2 = Avx512F.BroadcastVector128ToVector512(a2 + p);
                s20 = Avx512F.FusedMultiplyAdd(v2, u0, s20); s21 = Avx512F.FusedMultiplyAdd(v2, u1, s21); s22 = Avx512F.FusedMultiplyAdd(v2, u2, s22); s23 = Avx512F.FusedMultiplyAdd(v2, u3, s23);
                V16 v3 = Avx512F.BroadcastVector128ToVector512(a3 + p);
                s30 = Avx512F.FusedMultiplyAdd(v3, u0, s30); s31 = Avx512F.FusedMultiplyAdd(v3, u1, s31); s32 = Avx512F.FusedMultiplyAdd(v3, u2, s32); s33 = Avx512F.FusedMultiplyAdd(v3, u3, s33);
                V16 v4 = Avx512F.BroadcastVector128ToVector512(a4 + p);
                s40 = Avx512F.FusedMultiplyAdd(v4, u0, s40); s41 = Avx512F.FusedMultiplyAdd(v4, u1, s41); s42 = Avx512F.FusedMultiplyAdd(v4, u2, s42); s43 = Avx512F.FusedMultiplyAdd(v4, u3, s43);
                V16 v5 = Avx512F.BroadcastVector128ToVector512(a5 + p);
                s50 = Avx512F.FusedMultiplyAdd(v5, u0, s50); s51 = Avx512F.FusedMultiplyAdd(v5, u1, s51); s52 = Avx512F.FusedMultiplyAdd(v5, u2, s52); s53 = Avx512F.FusedMultiplyAdd(v5, u3, s53);
            }
            if (c0 != null) FoldStore(s00, s01, s02, s03, c0);
            if (c1 != null) FoldStore(s10, s11, s12, s13, c1);
            if (c2 != null) FoldStore(s20, s21, s22, s23, c2);
            if (c3 != null) FoldStore(s30, s31, s32, s33, c3);
            if (c4 != null) FoldStore(s40, s41, s42, s43, c4);
            if (c5 != null) FoldStore(s50, s51, s52, s53, c5);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void QuadRows6(double* a0, double* a1, double* a2, double* a3, double* a4, double* a5, double* packed, int k,
            double* c0, double* c1, double* c2, double* c3, double* c4, double* c5)
        {
            V8 s00 = default; V8 s01 = default;
            V8 s10 = default; V8 s11 = default;
            V8 s20 = default; V8 s21 = default;
            V8 s30 = default; V8 s31 = default;
            V8 s40 = default; V8 s41 = default;
            V8 s50 = default; V8 s51 = default;
            double* bp = packed;
            for (int p = 0; p < k; p += 2, bp += 16)
            {
                V8 u0 = Vector512.Load(bp), u1 = Vector512.Load(bp + 8);
                V8 v0 = Avx512DQ.BroadcastVector128ToVector512(a0 + p);
                s00 = Avx512F.FusedMultiplyAdd(v0, u0, s00); s01 = Avx512F.FusedMultiplyAdd(v0, u1, s01);
                V8 v1 = Avx512DQ.BroadcastVector128ToVector512(a1 + p);
                s10 = Avx512F.FusedMultiplyAdd(v1, u0, s10); s11 = Avx512F.FusedMultiplyAdd(v1, u1, s11);
                V8 v2 = Avx512DQ.BroadcastVector128ToVector512(a2 + p);
                s20 = Avx512F.FusedMultiplyAdd(v2, u0, s20); s21 = Avx512F.FusedMultiplyAdd(v2, u1, s21);
                V8 v3 = Avx512DQ.BroadcastVector128ToVector512(a3 + p);
                s30 = Avx512F.FusedMultiplyAdd(v3, u0, s30); s31 = Avx512F.FusedMultiplyAdd(v3, u1, s31);
                V8 v4 = Avx512DQ.BroadcastVector128ToVector512(a4 + p);
                s40 = Avx512F.FusedMultiplyAdd(v4, u0, s40); s41 = Avx512F.FusedMultiplyAdd(v4, u1, s41);
                V8 v5 = Avx512DQ.BroadcastVector128ToVector512(a5 + p);
                s50 = Avx512F.FusedMultiplyAdd(v5, u0, s50); s51 = Avx512F.FusedMultiplyAdd(v5, u1, s51);
            }
            if (c0 != null) (Avx512F.UnpackLow(s00, s01) + Avx512F.UnpackHigh(s00, s01)).Store(c0);
            if (c1 != null) (Avx512F.UnpackLow(s10, s11) + Avx512F.UnpackHigh(s10, s11)).Store(c1);
            if (c2 != null) (Avx512F.UnpackLow(s20, s21) + Avx512F.UnpackHigh(s20, s21)).Store(c2);
            if (c3 != null) (Avx512F.UnpackLow(s30, s31) + Avx512F.UnpackHigh(s30, s31)).Store(c3);
            if (c4 != null) (Avx512F.UnpackLow(s40, s41) + Avx512F.UnpackHigh(s40, s41)).Store(c4);
            if (c5 != null) (Avx512F.UnpackLow(s50, s51) + Avx512F.UnpackHigh(s50, s51)).Store(c5);
        }
    }
}
