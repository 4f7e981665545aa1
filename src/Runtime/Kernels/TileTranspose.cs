using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EinsumGen.Runtime.Kernels
{
    /// <summary>
    /// Stores a 16 × 16 float tile transposed, a whole vector per row of the result: where a kernel computes Cᵀ in
    /// registers (∂W = Σ_n x[n,k]·∂y[n,o] as 16 rows of o × 16 lanes of k) and C's 16 o's are contiguous, each k's
    /// 16 values go out as one 64-byte store instead of 16 scattered scalar ones.
    /// </summary>
    internal static unsafe class TileTranspose
    {
        /// <summary>Whether <see cref="Store16"/> runs here (AVX-512F's two-source permutes).</summary>
        public static bool IsSupported => Avx512F.IsSupported;

        // Four stages swap the off-diagonal blocks of 8, 4, 2, then 1: rows i and i + b exchange the lanes whose bit b differs.
        private static readonly Vector512<int> Low8 = Indices(8, high: false), High8 = Indices(8, high: true);
        private static readonly Vector512<int> Low4 = Indices(4, high: false), High4 = Indices(4, high: true);
        private static readonly Vector512<int> Low2 = Indices(2, high: false), High2 = Indices(2, high: true);
        private static readonly Vector512<int> Low1 = Indices(1, high: false), High1 = Indices(1, high: true);

        /// <summary>
        /// Row i of <paramref name="tile"/> (16 floats at tile + 16·i) holds C[o = i, k = lane]; writes C[k, 0..15] as one
        /// vector at <c>c + columns[k]</c> for each of the 16 k.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Store16(float* tile, float* c, nint* columns)
        {
            Vector512<float> r0 = Vector512.Load(tile + 0);
            Vector512<float> r1 = Vector512.Load(tile + 16);
            Vector512<float> r2 = Vector512.Load(tile + 32);
            Vector512<float> r3 = Vector512.Load(tile + 48);
            Vector512<float> r4 = Vector512.Load(tile + 64);
            Vector512<float> r5 = Vector512.Load(tile + 80);
            Vector512<float> r6 = Vector512.Load(tile + 96);
            Vector512<float> r7 = Vector512.Load(tile + 112);
            Vector512<float> r8 = Vector512.Load(tile + 128);
            Vector512<float> r9 = Vector512.Load(tile + 144);
            Vector512<float> r10 = Vector512.Load(tile + 160);
            Vector512<float> r11 = Vector512.Load(tile + 176);
            Vector512<float> r12 = Vector512.Load(tile + 192);
            Vector512<float> r13 = Vector512.Load(tile + 208);
            Vector512<float> r14 = Vector512.Load(tile + 224);
            Vector512<float> r15 = Vector512.Load(tile + 240);
            Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7,
                ref r8, ref r9, ref r10, ref r11, ref r12, ref r13, ref r14, ref r15);
            r0.Store(c + columns[0]);
            r1.Store(c + columns[1]);
            r2.Store(c + columns[2]);
            r3.Store(c + columns[3]);
            r4.Store(c + columns[4]);
            r5.Store(c + columns[5]);
            r6.Store(c + columns[6]);
            r7.Store(c + columns[7]);
            r8.Store(c + columns[8]);
            r9.Store(c + columns[9]);
            r10.Store(c + columns[10]);
            r11.Store(c + columns[11]);
            r12.Store(c + columns[12]);
            r13.Store(c + columns[13]);
            r14.Store(c + columns[14]);
            r15.Store(c + columns[15]);
        }

        /// <summary>
        /// Copies (or, with <paramref name="add"/>, adds) a 16 × 16 float block transposed: row i of the source is 16 floats
        /// at src + i·<paramref name="srcRow"/>; element (i, k) lands at dst + k·<paramref name="dstRow"/> + i. Whole vectors
        /// on both sides: the streaming tier's transposes move a cache line per load and per store. With
        /// <paramref name="nt"/> (a result written, not added into, each row of the block on a cache line), the stores are
        /// non-temporal: whole lines to memory, none read first.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Copy16(float* src, nint srcRow, float* dst, nint dstRow, bool add, bool nt = false)
        {
            Vector512<float> r0 = Vector512.Load(src), r1 = Vector512.Load(src + srcRow), r2 = Vector512.Load(src + 2 * srcRow), r3 = Vector512.Load(src + 3 * srcRow);
            Vector512<float> r4 = Vector512.Load(src + 4 * srcRow), r5 = Vector512.Load(src + 5 * srcRow), r6 = Vector512.Load(src + 6 * srcRow), r7 = Vector512.Load(src + 7 * srcRow);
            Vector512<float> r8 = Vector512.Load(src + 8 * srcRow), r9 = Vector512.Load(src + 9 * srcRow), r10 = Vector512.Load(src + 10 * srcRow), r11 = Vector512.Load(src + 11 * srcRow);
            Vector512<float> r12 = Vector512.Load(src + 12 * srcRow), r13 = Vector512.Load(src + 13 * srcRow), r14 = Vector512.Load(src + 14 * srcRow), r15 = Vector512.Load(src + 15 * srcRow);
            Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7,
                ref r8, ref r9, ref r10, ref r11, ref r12, ref r13, ref r14, ref r15);
            if (nt)
            {
                Avx512F.StoreAlignedNonTemporal(dst, r0); Avx512F.StoreAlignedNonTemporal(dst + dstRow, r1);
                Avx512F.StoreAlignedNonTemporal(dst + 2 * dstRow, r2); Avx512F.StoreAlignedNonTemporal(dst + 3 * dstRow, r3);
                Avx512F.StoreAlignedNonTemporal(dst + 4 * dstRow, r4); Avx512F.StoreAlignedNonTemporal(dst + 5 * dstRow, r5);
                Avx512F.StoreAlignedNonTemporal(dst + 6 * dstRow, r6); Avx512F.StoreAlignedNonTemporal(dst + 7 * dstRow, r7);
                Avx512F.StoreAlignedNonTemporal(dst + 8 * dstRow, r8); Avx512F.StoreAlignedNonTemporal(dst + 9 * dstRow, r9);
                Avx512F.StoreAlignedNonTemporal(dst + 10 * dstRow, r10); Avx512F.StoreAlignedNonTemporal(dst + 11 * dstRow, r11);
                Avx512F.StoreAlignedNonTemporal(dst + 12 * dstRow, r12); Avx512F.StoreAlignedNonTemporal(dst + 13 * dstRow, r13);
                Avx512F.StoreAlignedNonTemporal(dst + 14 * dstRow, r14); Avx512F.StoreAlignedNonTemporal(dst + 15 * dstRow, r15);
                return;
            }
            Put(dst, r0, add); Put(dst + dstRow, r1, add); Put(dst + 2 * dstRow, r2, add); Put(dst + 3 * dstRow, r3, add);
            Put(dst + 4 * dstRow, r4, add); Put(dst + 5 * dstRow, r5, add); Put(dst + 6 * dstRow, r6, add); Put(dst + 7 * dstRow, r7, add);
            Put(dst + 8 * dstRow, r8, add); Put(dst + 9 * dstRow, r9, add); Put(dst + 10 * dstRow, r10, add); Put(dst + 11 * dstRow, r11, add);
            Put(dst + 12 * dstRow, r12, add); Put(dst + 13 * dstRow, r13, add); Put(dst + 14 * dstRow, r14, add); Put(dst + 15 * dstRow, r15, add);
        }

        /// <summary>The 16 × 16 transpose in registers: rows i and i + b swap the lanes whose bit b differs, b = 8, 4, 2, 1.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Transpose(
            ref Vector512<float> r0, ref Vector512<float> r1, ref Vector512<float> r2, ref Vector512<float> r3,
            ref Vector512<float> r4, ref Vector512<float> r5, ref Vector512<float> r6, ref Vector512<float> r7,
            ref Vector512<float> r8, ref Vector512<float> r9, ref Vector512<float> r10, ref Vector512<float> r11,
            ref Vector512<float> r12, ref Vector512<float> r13, ref Vector512<float> r14, ref Vector512<float> r15)
        {
            Swap(ref r0, ref r8, Low8, High8);
            Swap(ref r1, ref r9, Low8, High8);
            Swap(ref r2, ref r10, Low8, High8);
            Swap(ref r3, ref r11, Low8, High8);
            Swap(ref r4, ref r12, Low8, High8);
            Swap(ref r5, ref r13, Low8, High8);
            Swap(ref r6, ref r14, Low8, High8);
            Swap(ref r7, ref r15, Low8, High8);
            Swap(ref r0, ref r4, Low4, High4);
            Swap(ref r1, ref r5, Low4, High4);
            Swap(ref r2, ref r6, Low4, High4);
            Swap(ref r3, ref r7, Low4, High4);
            Swap(ref r8, ref r12, Low4, High4);
            Swap(ref r9, ref r13, Low4, High4);
            Swap(ref r10, ref r14, Low4, High4);
            Swap(ref r11, ref r15, Low4, High4);
            Swap(ref r0, ref r2, Low2, High2);
            Swap(ref r1, ref r3, Low2, High2);
            Swap(ref r4, ref r6, Low2, High2);
            Swap(ref r5, ref r7, Low2, High2);
            Swap(ref r8, ref r10, Low2, High2);
            Swap(ref r9, ref r11, Low2, High2);
            Swap(ref r12, ref r14, Low2, High2);
            Swap(ref r13, ref r15, Low2, High2);
            Swap(ref r0, ref r1, Low1, High1);
            Swap(ref r2, ref r3, Low1, High1);
            Swap(ref r4, ref r5, Low1, High1);
            Swap(ref r6, ref r7, Low1, High1);
            Swap(ref r8, ref r9, Low1, High1);
            Swap(ref r10, ref r11, Low1, High1);
            Swap(ref r12, ref r13, Low1, High1);
            Swap(ref r14, ref r15, Low1, High1);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Swap(ref Vector512<float> a, ref Vector512<float> b, Vector512<int> low, Vector512<int> high)
        {
            var t = Avx512F.PermuteVar16x32x2(a, low, b);
            b = Avx512F.PermuteVar16x32x2(a, high, b);
            a = t;
        }

        /// <summary><see cref="Copy16"/> for doubles: an 8 × 8 block.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Copy8(double* src, nint srcRow, double* dst, nint dstRow, bool add, bool nt = false)
        {
            Vector512<double> r0 = Vector512.Load(src), r1 = Vector512.Load(src + srcRow), r2 = Vector512.Load(src + 2 * srcRow), r3 = Vector512.Load(src + 3 * srcRow);
            Vector512<double> r4 = Vector512.Load(src + 4 * srcRow), r5 = Vector512.Load(src + 5 * srcRow), r6 = Vector512.Load(src + 6 * srcRow), r7 = Vector512.Load(src + 7 * srcRow);
            Vector512<double> t, u;
            t = Avx512F.PermuteVar8x64x2(r0, Low4L, r4); u = Avx512F.PermuteVar8x64x2(r0, High4L, r4); r0 = t; r4 = u;
            t = Avx512F.PermuteVar8x64x2(r1, Low4L, r5); u = Avx512F.PermuteVar8x64x2(r1, High4L, r5); r1 = t; r5 = u;
            t = Avx512F.PermuteVar8x64x2(r2, Low4L, r6); u = Avx512F.PermuteVar8x64x2(r2, High4L, r6); r2 = t; r6 = u;
            t = Avx512F.PermuteVar8x64x2(r3, Low4L, r7); u = Avx512F.PermuteVar8x64x2(r3, High4L, r7); r3 = t; r7 = u;
            t = Avx512F.PermuteVar8x64x2(r0, Low2L, r2); u = Avx512F.PermuteVar8x64x2(r0, High2L, r2); r0 = t; r2 = u;
            t = Avx512F.PermuteVar8x64x2(r1, Low2L, r3); u = Avx512F.PermuteVar8x64x2(r1, High2L, r3); r1 = t; r3 = u;
            t = Avx512F.PermuteVar8x64x2(r4, Low2L, r6); u = Avx512F.PermuteVar8x64x2(r4, High2L, r6); r4 = t; r6 = u;
            t = Avx512F.PermuteVar8x64x2(r5, Low2L, r7); u = Avx512F.PermuteVar8x64x2(r5, High2L, r7); r5 = t; r7 = u;
            t = Avx512F.PermuteVar8x64x2(r0, Low1L, r1); u = Avx512F.PermuteVar8x64x2(r0, High1L, r1); r0 = t; r1 = u;
            t = Avx512F.PermuteVar8x64x2(r2, Low1L, r3); u = Avx512F.PermuteVar8x64x2(r2, High1L, r3); r2 = t; r3 = u;
            t = Avx512F.PermuteVar8x64x2(r4, Low1L, r5); u = Avx512F.PermuteVar8x64x2(r4, High1L, r5); r4 = t; r5 = u;
            t = Avx512F.PermuteVar8x64x2(r6, Low1L, r7); u = Avx512F.PermuteVar8x64x2(r6, High1L, r7); r6 = t; r7 = u;
            if (nt)
            {
                Avx512F.StoreAlignedNonTemporal(dst, r0); Avx512F.StoreAlignedNonTemporal(dst + dstRow, r1);
                Avx512F.StoreAlignedNonTemporal(dst + 2 * dstRow, r2); Avx512F.StoreAlignedNonTemporal(dst + 3 * dstRow, r3);
                Avx512F.StoreAlignedNonTemporal(dst + 4 * dstRow, r4); Avx512F.StoreAlignedNonTemporal(dst + 5 * dstRow, r5);
                Avx512F.StoreAlignedNonTemporal(dst + 6 * dstRow, r6); Avx512F.StoreAlignedNonTemporal(dst + 7 * dstRow, r7);
                return;
            }
            Put(dst, r0, add); Put(dst + dstRow, r1, add); Put(dst + 2 * dstRow, r2, add); Put(dst + 3 * dstRow, r3, add);
            Put(dst + 4 * dstRow, r4, add); Put(dst + 5 * dstRow, r5, add); Put(dst + 6 * dstRow, r6, add); Put(dst + 7 * dstRow, r7, add);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Put<T>(T* p, Vector512<T> v, bool add) where T : unmanaged
        {
            if (add) v = Vector512.Add(Vector512.Load(p), v);
            v.Store(p);
        }

        private static readonly Vector512<long> Low4L = IndicesLong(4, high: false), High4L = IndicesLong(4, high: true);
        private static readonly Vector512<long> Low2L = IndicesLong(2, high: false), High2L = IndicesLong(2, high: true);
        private static readonly Vector512<long> Low1L = IndicesLong(1, high: false), High1L = IndicesLong(1, high: true);

        /// <summary>The 8-lane form of <see cref="Indices"/>.</summary>
        private static Vector512<long> IndicesLong(int b, bool high)
        {
            var lanes = new long[8];
            for (int j = 0; j < 8; j++)
                lanes[j] = (j & b) == 0 ? (high ? j + b : j) : (high ? 8 + j : 8 + j - b);
            return Vector512.Create(lanes);
        }

        /// <summary>Lane j of row i (low) or i + b (high) after swapping the b-blocks: low keeps lanes with bit b clear and takes the other row's lane j − b; high takes row i's lane j + b and keeps its own with bit b set.</summary>
        private static Vector512<int> Indices(int b, bool high)
        {
            var lanes = new int[16];
            for (int j = 0; j < 16; j++)
                lanes[j] = (j & b) == 0 ? (high ? j + b : j) : (high ? 16 + j : 16 + j - b);
            return Vector512.Create(lanes);
        }
    }
}
