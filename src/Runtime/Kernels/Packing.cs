using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EinsumGen.Runtime.Kernels
{
    /// <summary>
    /// Packs operand blocks into micro-panels, reading through the offset tables (this is where permutations, strides and
    /// broadcasts are folded in). Panels past the edge of the problem are padded with zeros, so the micro-kernel never
    /// needs an edge case on the inside.
    /// </summary>
    internal static unsafe class Packing
    {
        /// <summary>
        /// A block (rows × kc) into panels of <paramref name="mrStep"/> rows: panel q holds rows q·MR.., laid out
        /// [kc][MR]. Element (i, p) is read at <c>src + rows[i] + ks[p]</c>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void PackA<T>(T* src, nint* rows, int count, nint* ks, int kc, int mrStep, bool rowsUnit, bool ksUnit, T* dst)
            where T : unmanaged, INumberBase<T>
            => Pack(src, rows, count, ks, kc, mrStep, rowsUnit, ksUnit, dst);

        /// <summary>A block (kc × cols) into panels of NR columns, laid out [kc][NR]; element (p, j) at <c>src + ks[p] + cols[j]</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void PackB<T>(T* src, nint* ks, int kc, nint* cols, int count, int nrStep, bool ksUnit, bool colsUnit, T* dst)
            where T : unmanaged, INumberBase<T>
            => Pack(src, cols, count, ks, kc, nrStep, colsUnit, ksUnit, dst);

        /// <summary>
        /// The common packing: "free" index f (count entries, offsets <paramref name="free"/>) goes into panels of
        /// <paramref name="w"/> lanes; contracted index p (kc entries) runs along the panel. dst[q][p][lane] =
        /// src[free[q·w + lane] + ks[p]], zero past <paramref name="count"/>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Pack<T>(T* src, nint* free, int count, nint* ks, int kc, int w, bool freeUnit, bool ksUnit, T* dst)
            where T : unmanaged, INumberBase<T>
        {
            if (freeUnit)
            {
                // Lanes are contiguous in memory: copy rows of the panels. Full panels go row by row of the source (one
                // contiguous run of count elements per p, streamed in order), each run cut into w-wide pieces.
                int full = count / w;
                T* s0 = src + free[0];
                bool prefetch = KernelOptions.Current.PackingPrefetch;
                for (int p = 0; p < kc; p++)
                {
                    byte* s = (byte*)(s0 + ks[p]);
                    byte* d = (byte*)(dst + (nint)p * w);
                    if (prefetch && p + 4 < kc && Sse.IsSupported)
                    {
                        // Four rows ahead: a source streamed from memory outruns the hardware prefetchers otherwise.
                        byte* ahead = (byte*)(s0 + ks[p + 4]);
                        for (int b = 0; b < full * w * sizeof(T); b += 64) Sse.Prefetch0(ahead + b);
                    }
                    for (int q = 0; q < full; q++) CopyBytes(s + (nint)q * w * sizeof(T), d + (nint)q * w * kc * sizeof(T), w * sizeof(T));
                }
                int q0 = full * w;
                if (q0 < count)
                {
                    int lanes = count - q0;
                    T* panel = dst + (nint)q0 * kc;
                    for (int p = 0; p < kc; p++)
                    {
                        T* s = s0 + q0 + ks[p];
                        T* d = panel + (nint)p * w;
                        int l = 0;
                        for (; l < lanes; l++) d[l] = s[l];
                        for (; l < w; l++) d[l] = T.Zero;
                    }
                }
                return;
            }
            for (int q0 = 0; q0 < count; q0 += w)
            {
                int lanes = count - q0 < w ? count - q0 : w;
                T* panel = dst + (nint)q0 * kc;
                nint* f = free + q0;
                if (ksUnit || (kc > 1 && ks[1] - ks[0] == 1))
                {
                    // Each lane is contiguous along p (within runs of the table, e.g. a K group of two labels):
                    // a transposing copy, one run at a time.
                    for (int p0 = 0; p0 < kc;)
                    {
                        int p1 = ksUnit ? kc : p0 + 1;
                        while (p1 < kc && ks[p1] - ks[p1 - 1] == 1) p1++;
                        TransposeRun(src + ks[p0], f, lanes, panel + (nint)p0 * w, p1 - p0, w);
                        p0 = p1;
                    }
                    if (lanes < w) ZeroLanes(panel, kc, w, lanes);
                }
                else if (lanes == w && Vector128.IsHardwareAccelerated && KernelCommon.HasRuns(f, w, Vector128<T>.Count))
                {
                    // Lanes come in contiguous runs (a free group ending in small labels, e.g. (c,d,g,h)): a vector per run.
                    int run = Vector128<T>.Count;
                    for (int p = 0; p < kc; p++)
                    {
                        T* s = src + ks[p];
                        T* d = panel + (nint)p * w;
                        for (int l = 0; l < w; l += run) Vector128.Load(s + f[l]).Store(d + l);
                    }
                }
                else
                {
                    for (int p = 0; p < kc; p++)
                    {
                        T* s = src + ks[p];
                        T* d = panel + (nint)p * w;
                        int l = 0;
                        for (; l < lanes; l++) d[l] = s[f[l]];
                        for (; l < w; l++) d[l] = T.Zero;
                    }
                }
            }
        }

        /// <summary>dst[p·w + l] = src[f[l] + p] for p &lt; run, l &lt; lanes.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void TransposeRun<T>(T* src, nint* f, int lanes, T* dst, int run, int w) where T : unmanaged, INumberBase<T>
        {
            // A ragged last panel (lanes < w: M = 128 in panels of 12) too: Transpose16 writes zeros for its missing
            // rows, and the caller zeroes lanes past a last group of 16 (ZeroLanes).
            if (typeof(T) == typeof(float) && Avx512F.IsSupported && run >= 16 && (w <= 16 || w % 16 == 0))
            {
                int done = run & ~15;
                for (int l0 = 0; l0 < lanes; l0 += 16)
                    Transpose16((float*)src, f + l0, lanes - l0 < 16 ? lanes - l0 : 16, (float*)dst + l0, done, w);
                if (done == run) return;
                src += done;
                dst += (nint)done * w;
                run -= done;
            }
            int l = 0;
            for (; l + 4 <= lanes; l += 4)
            {
                T* s0 = src + f[l], s1 = src + f[l + 1], s2 = src + f[l + 2], s3 = src + f[l + 3];
                T* d = dst + l;
                for (int p = 0; p < run; p++, d += w)
                {
                    d[0] = s0[p]; d[1] = s1[p]; d[2] = s2[p]; d[3] = s3[p];
                }
            }
            for (; l < lanes; l++)
            {
                T* s = src + f[l];
                T* d = dst + l;
                for (int p = 0; p < run; p++, d += w) *d = s[p];
            }
        }

        /// <summary>
        /// 16 × 16 in-register transposes: dst[p·w + l] = src[f[l] + p] for p &lt; run (a multiple of 16), l &lt; lanes (≤ 16).
        /// Each output row is stored as a full vector of 16, so it may run up to 16 − lanes elements past its end: into
        /// rows that are written later (the caller packs in increasing order and allocates slack after the last panel).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Transpose16(float* src, nint* f, int lanes, float* dst, int run, int w)
        {
            float* s0 = src + f[0];
            float* s1 = lanes > 1 ? src + f[1] : null, s2 = lanes > 2 ? src + f[2] : null, s3 = lanes > 3 ? src + f[3] : null;
            float* s4 = lanes > 4 ? src + f[4] : null, s5 = lanes > 5 ? src + f[5] : null, s6 = lanes > 6 ? src + f[6] : null, s7 = lanes > 7 ? src + f[7] : null;
            float* s8 = lanes > 8 ? src + f[8] : null, s9 = lanes > 9 ? src + f[9] : null, s10 = lanes > 10 ? src + f[10] : null, s11 = lanes > 11 ? src + f[11] : null;
            float* s12 = lanes > 12 ? src + f[12] : null, s13 = lanes > 13 ? src + f[13] : null, s14 = lanes > 14 ? src + f[14] : null, s15 = lanes > 15 ? src + f[15] : null;
            bool prefetch = KernelOptions.Current.PackingPrefetch;
            for (int p = 0; p < run; p += 16)
            {
                if (prefetch && p + 64 < run)
                {
                    // Four lines ahead on each of the 16 rows: more streams than the hardware prefetchers follow.
                    int a = p + 64;
                    Sse.Prefetch0(s0 + a);
                    if (s1 != null) Sse.Prefetch0(s1 + a); if (s2 != null) Sse.Prefetch0(s2 + a); if (s3 != null) Sse.Prefetch0(s3 + a);
                    if (s4 != null) Sse.Prefetch0(s4 + a); if (s5 != null) Sse.Prefetch0(s5 + a); if (s6 != null) Sse.Prefetch0(s6 + a); if (s7 != null) Sse.Prefetch0(s7 + a);
                    if (s8 != null) Sse.Prefetch0(s8 + a); if (s9 != null) Sse.Prefetch0(s9 + a); if (s10 != null) Sse.Prefetch0(s10 + a); if (s11 != null) Sse.Prefetch0(s11 + a);
                    if (s12 != null) Sse.Prefetch0(s12 + a); if (s13 != null) Sse.Prefetch0(s13 + a); if (s14 != null) Sse.Prefetch0(s14 + a); if (s15 != null) Sse.Prefetch0(s15 + a);
                }
                Vector512<float> r0 = Vector512.Load(s0 + p);
                Vector512<float> r1 = s1 != null ? Vector512.Load(s1 + p) : default, r2 = s2 != null ? Vector512.Load(s2 + p) : default, r3 = s3 != null ? Vector512.Load(s3 + p) : default;
                Vector512<float> r4 = s4 != null ? Vector512.Load(s4 + p) : default, r5 = s5 != null ? Vector512.Load(s5 + p) : default, r6 = s6 != null ? Vector512.Load(s6 + p) : default, r7 = s7 != null ? Vector512.Load(s7 + p) : default;
                Vector512<float> r8 = s8 != null ? Vector512.Load(s8 + p) : default, r9 = s9 != null ? Vector512.Load(s9 + p) : default, r10 = s10 != null ? Vector512.Load(s10 + p) : default, r11 = s11 != null ? Vector512.Load(s11 + p) : default;
                Vector512<float> r12 = s12 != null ? Vector512.Load(s12 + p) : default, r13 = s13 != null ? Vector512.Load(s13 + p) : default, r14 = s14 != null ? Vector512.Load(s14 + p) : default, r15 = s15 != null ? Vector512.Load(s15 + p) : default;

                // 32-bit interleave of row pairs, then 64-bit: in each 128-bit lane L, u(4q+j) holds column 4L+j of rows 4q..4q+3.
                Vector512<double> t0 = Avx512F.UnpackLow(r0, r1).AsDouble(), t1 = Avx512F.UnpackHigh(r0, r1).AsDouble();
                Vector512<double> t2 = Avx512F.UnpackLow(r2, r3).AsDouble(), t3 = Avx512F.UnpackHigh(r2, r3).AsDouble();
                Vector512<double> t4 = Avx512F.UnpackLow(r4, r5).AsDouble(), t5 = Avx512F.UnpackHigh(r4, r5).AsDouble();
                Vector512<double> t6 = Avx512F.UnpackLow(r6, r7).AsDouble(), t7 = Avx512F.UnpackHigh(r6, r7).AsDouble();
                Vector512<double> t8 = Avx512F.UnpackLow(r8, r9).AsDouble(), t9 = Avx512F.UnpackHigh(r8, r9).AsDouble();
                Vector512<double> t10 = Avx512F.UnpackLow(r10, r11).AsDouble(), t11 = Avx512F.UnpackHigh(r10, r11).AsDouble();
                Vector512<double> t12 = Avx512F.UnpackLow(r12, r13).AsDouble(), t13 = Avx512F.UnpackHigh(r12, r13).AsDouble();
                Vector512<double> t14 = Avx512F.UnpackLow(r14, r15).AsDouble(), t15 = Avx512F.UnpackHigh(r14, r15).AsDouble();
                Vector512<float> u0 = Avx512F.UnpackLow(t0, t2).AsSingle(), u1 = Avx512F.UnpackHigh(t0, t2).AsSingle();
                Vector512<float> u2 = Avx512F.UnpackLow(t1, t3).AsSingle(), u3 = Avx512F.UnpackHigh(t1, t3).AsSingle();
                Vector512<float> u4 = Avx512F.UnpackLow(t4, t6).AsSingle(), u5 = Avx512F.UnpackHigh(t4, t6).AsSingle();
                Vector512<float> u6 = Avx512F.UnpackLow(t5, t7).AsSingle(), u7 = Avx512F.UnpackHigh(t5, t7).AsSingle();
                Vector512<float> u8 = Avx512F.UnpackLow(t8, t10).AsSingle(), u9 = Avx512F.UnpackHigh(t8, t10).AsSingle();
                Vector512<float> u10 = Avx512F.UnpackLow(t9, t11).AsSingle(), u11 = Avx512F.UnpackHigh(t9, t11).AsSingle();
                Vector512<float> u12 = Avx512F.UnpackLow(t12, t14).AsSingle(), u13 = Avx512F.UnpackHigh(t12, t14).AsSingle();
                Vector512<float> u14 = Avx512F.UnpackLow(t13, t15).AsSingle(), u15 = Avx512F.UnpackHigh(t13, t15).AsSingle();

                // Output row 4L + j comes from the 128-bit lanes L of u(j), u(4+j), u(8+j), u(12+j).
                Lanes(u0, u4, u8, u12, out Vector512<float> o0, out Vector512<float> o4, out Vector512<float> o8, out Vector512<float> o12);
                Lanes(u1, u5, u9, u13, out Vector512<float> o1, out Vector512<float> o5, out Vector512<float> o9, out Vector512<float> o13);
                Lanes(u2, u6, u10, u14, out Vector512<float> o2, out Vector512<float> o6, out Vector512<float> o10, out Vector512<float> o14);
                Lanes(u3, u7, u11, u15, out Vector512<float> o3, out Vector512<float> o7, out Vector512<float> o11, out Vector512<float> o15);
                // Increasing row order: a row's overrun only reaches rows written after it.
                float* d = dst + (nint)p * w;
                o0.Store(d); d += w; o1.Store(d); d += w; o2.Store(d); d += w; o3.Store(d); d += w;
                o4.Store(d); d += w; o5.Store(d); d += w; o6.Store(d); d += w; o7.Store(d); d += w;
                o8.Store(d); d += w; o9.Store(d); d += w; o10.Store(d); d += w; o11.Store(d); d += w;
                o12.Store(d); d += w; o13.Store(d); d += w; o14.Store(d); d += w; o15.Store(d);
            }
        }

        /// <summary>Gathers 128-bit lane L of a, b, c, d (rows 0-3, 4-7, 8-11, 12-15) into output L, for L = 0..3.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Lanes(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d,
            out Vector512<float> l0, out Vector512<float> l1, out Vector512<float> l2, out Vector512<float> l3)
        {
            Vector512<float> v = Avx512F.Shuffle4x128(a, b, 0x88), v2 = Avx512F.Shuffle4x128(a, b, 0xDD);   // [a0 a2 b0 b2], [a1 a3 b1 b3]
            Vector512<float> x = Avx512F.Shuffle4x128(c, d, 0x88), x2 = Avx512F.Shuffle4x128(c, d, 0xDD);
            l0 = Avx512F.Shuffle4x128(v, x, 0x88);   // [a0 b0 c0 d0]
            l2 = Avx512F.Shuffle4x128(v, x, 0xDD);   // [a2 b2 c2 d2]
            l1 = Avx512F.Shuffle4x128(v2, x2, 0x88); // [a1 b1 c1 d1]
            l3 = Avx512F.Shuffle4x128(v2, x2, 0xDD); // [a3 b3 c3 d3]
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void ZeroLanes<T>(T* panel, int kc, int w, int from) where T : unmanaged, INumberBase<T>
        {
            for (int p = 0; p < kc; p++)
            {
                T* d = panel + (nint)p * w;
                for (int l = from; l < w; l++) d[l] = T.Zero;
            }
        }

        /// <summary>Copies a short run (a panel row: 48 or 128 bytes, a JIT-time constant per micro-kernel) with the widest vectors that fit.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void CopyBytes(byte* s, byte* d, int bytes)
        {
            int i = 0;
            if (Vector512.IsHardwareAccelerated)
                for (; i + 64 <= bytes; i += 64) Vector512.Load(s + i).Store(d + i);
            if (Vector256.IsHardwareAccelerated)
                for (; i + 32 <= bytes; i += 32) Vector256.Load(s + i).Store(d + i);
            if (Vector128.IsHardwareAccelerated)
                for (; i + 16 <= bytes; i += 16) Vector128.Load(s + i).Store(d + i);
            for (; i + 8 <= bytes; i += 8) *(long*)(d + i) = *(long*)(s + i);
            for (; i < bytes; i++) d[i] = s[i];
        }
    }
}
