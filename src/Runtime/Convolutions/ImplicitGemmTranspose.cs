using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// A 16 × 16 float block transposed in AVX-512 registers: 16 row loads, 64 shuffles, 16 stores, where element by element
    /// it takes 256 loads and 256 stores a cache line apart (the weight VJP's dy panels: 12% of the call that way).
    /// </summary>
    internal static unsafe class ImplicitGemmTranspose
    {
        /// <summary>Whether <see cref="Block16"/> runs here.</summary>
        public static bool Available => Avx512F.IsSupported;

        /// <summary>dst[i·dstStride + c] = src[c·srcStride + i] for c, i &lt; 16.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Block16(float* src, long srcStride, float* dst, long dstStride)
        {
            // Rows interleaved in pairs, then in fours: u[4g + m] holds, in 128-bit lane L, rows 4g..4g+3 at column 4L + m.
            Vector512<float> u0, u1, u2, u3, u4, u5, u6, u7, u8, u9, u10, u11, u12, u13, u14, u15;
            Quad(src, srcStride, out u0, out u1, out u2, out u3);
            Quad(src + 4 * srcStride, srcStride, out u4, out u5, out u6, out u7);
            Quad(src + 8 * srcStride, srcStride, out u8, out u9, out u10, out u11);
            Quad(src + 12 * srcStride, srcStride, out u12, out u13, out u14, out u15);
            // Column 4L + m is lane L of u[m], u[4 + m], u[8 + m], u[12 + m]: a 4 × 4 transpose of 128-bit lanes.
            Lanes(u0, u4, u8, u12, dst, dstStride);
            Lanes(u1, u5, u9, u13, dst + dstStride, dstStride);
            Lanes(u2, u6, u10, u14, dst + 2 * dstStride, dstStride);
            Lanes(u3, u7, u11, u15, dst + 3 * dstStride, dstStride);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Quad(float* src, long stride, out Vector512<float> c0, out Vector512<float> c1, out Vector512<float> c2, out Vector512<float> c3)
        {
            Vector512<float> r0 = Vector512.Load(src), r1 = Vector512.Load(src + stride);
            Vector512<float> r2 = Vector512.Load(src + 2 * stride), r3 = Vector512.Load(src + 3 * stride);
            Vector512<float> t0 = Avx512F.UnpackLow(r0, r1), t1 = Avx512F.UnpackHigh(r0, r1);
            Vector512<float> t2 = Avx512F.UnpackLow(r2, r3), t3 = Avx512F.UnpackHigh(r2, r3);
            c0 = Avx512F.UnpackLow(t0.AsDouble(), t2.AsDouble()).AsSingle();
            c1 = Avx512F.UnpackHigh(t0.AsDouble(), t2.AsDouble()).AsSingle();
            c2 = Avx512F.UnpackLow(t1.AsDouble(), t3.AsDouble()).AsSingle();
            c3 = Avx512F.UnpackHigh(t1.AsDouble(), t3.AsDouble()).AsSingle();
        }

        /// <summary>dst[L·4·stride] = [a.lane L, b.lane L, c.lane L, d.lane L] for L &lt; 4.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Lanes(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d, float* dst, long stride)
        {
            Vector512<float> s0 = Avx512F.Shuffle4x128(a, b, 0x44), s1 = Avx512F.Shuffle4x128(a, b, 0xEE);
            Vector512<float> s2 = Avx512F.Shuffle4x128(c, d, 0x44), s3 = Avx512F.Shuffle4x128(c, d, 0xEE);
            Avx512F.Shuffle4x128(s0, s2, 0x88).Store(dst);
            Avx512F.Shuffle4x128(s0, s2, 0xDD).Store(dst + 4 * stride);
            Avx512F.Shuffle4x128(s1, s3, 0x88).Store(dst + 8 * stride);
            Avx512F.Shuffle4x128(s1, s3, 0xDD).Store(dst + 12 * stride);
        }
    }
}
