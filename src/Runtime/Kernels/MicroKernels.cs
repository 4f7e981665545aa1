// Written by a script: the register blocks are spelled out so that the JIT keeps every accumulator in a register.
using System.Numerics;
using System.Runtime.CompilerServices;

namespace EinsumGen.Runtime.Kernels
{
    /// <summary>
    /// A register-blocked micro-kernel: C[0..MR, 0..NR] (+)= Σ_p Apanel[p, 0..MR] ⊗ Bpanel[p, 0..NR] over packed panels
    /// (A panel: kc × MR, row p contiguous; B panel: kc × NR). NR is two vectors wide.
    /// </summary>
    internal unsafe interface IMicroKernel<T> where T : unmanaged, INumberBase<T>
    {
        /// <summary>Rows of the register block.</summary>
        static abstract int MR { get; }
        /// <summary>Columns of the register block (two vectors).</summary>
        static abstract int NR { get; }
        /// <summary>Whether the vector width runs on hardware here.</summary>
        static abstract bool IsHardwareAccelerated { get; }
        /// <summary>
        /// Runs one tile. <paramref name="c"/> is C's batch base; row i of the tile is at <c>c + rowC[i]</c>, column j at
        /// <c>+ colC[j]</c>; only <paramref name="mr"/> × <paramref name="nr"/> elements are written. <paramref name="direct"/>:
        /// the tile's columns are contiguous and <paramref name="nr"/> = NR (vector stores straight into C); otherwise the
        /// tile goes through <paramref name="scratch"/> (MR·NR elements). <paramref name="accumulate"/>: add to C instead of overwriting.
        /// </summary>
        static abstract void Run(nint kc, T* a, T* b, T* c, nint* rowC, nint* colC, int mr, int nr, bool direct, bool accumulate, T* scratch);
    }

    /// <summary>12 rows × 2 vectors: 24 accumulators, for 32-register AVX-512.</summary>
    internal unsafe struct Kernel12x2<T, TV, TS> : IMicroKernel<T>
        where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
    {
        public static int MR => 12;
        public static int NR { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 2 * TS.Count; }
        public static bool IsHardwareAccelerated => TS.IsHardwareAccelerated;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Run(nint kc, T* a, T* b, T* c, nint* rowC, nint* colC, int mr, int nr, bool direct, bool accumulate, T* scratch)
        {
            int W = TS.Count;
            TV c0_0 = TS.Zero, c0_1 = TS.Zero;
            TV c1_0 = TS.Zero, c1_1 = TS.Zero;
            TV c2_0 = TS.Zero, c2_1 = TS.Zero;
            TV c3_0 = TS.Zero, c3_1 = TS.Zero;
            TV c4_0 = TS.Zero, c4_1 = TS.Zero;
            TV c5_0 = TS.Zero, c5_1 = TS.Zero;
            TV c6_0 = TS.Zero, c6_1 = TS.Zero;
            TV c7_0 = TS.Zero, c7_1 = TS.Zero;
            TV c8_0 = TS.Zero, c8_1 = TS.Zero;
            TV c9_0 = TS.Zero, c9_1 = TS.Zero;
            TV c10_0 = TS.Zero, c10_1 = TS.Zero;
            TV c11_0 = TS.Zero, c11_1 = TS.Zero;
            for (nint p = 0; p < kc; p++)
            {
                TV b0 = TS.Load(b), b1 = TS.Load(b + W);
                TV ai;
                ai = TS.Broadcast(a + 0); c0_0 = TS.Fma(ai, b0, c0_0); c0_1 = TS.Fma(ai, b1, c0_1);
                ai = TS.Broadcast(a + 1); c1_0 = TS.Fma(ai, b0, c1_0); c1_1 = TS.Fma(ai, b1, c1_1);
                ai = TS.Broadcast(a + 2); c2_0 = TS.Fma(ai, b0, c2_0); c2_1 = TS.Fma(ai, b1, c2_1);
                ai = TS.Broadcast(a + 3); c3_0 = TS.Fma(ai, b0, c3_0); c3_1 = TS.Fma(ai, b1, c3_1);
                ai = TS.Broadcast(a + 4); c4_0 = TS.Fma(ai, b0, c4_0); c4_1 = TS.Fma(ai, b1, c4_1);
                ai = TS.Broadcast(a + 5); c5_0 = TS.Fma(ai, b0, c5_0); c5_1 = TS.Fma(ai, b1, c5_1);
                ai = TS.Broadcast(a + 6); c6_0 = TS.Fma(ai, b0, c6_0); c6_1 = TS.Fma(ai, b1, c6_1);
                ai = TS.Broadcast(a + 7); c7_0 = TS.Fma(ai, b0, c7_0); c7_1 = TS.Fma(ai, b1, c7_1);
                ai = TS.Broadcast(a + 8); c8_0 = TS.Fma(ai, b0, c8_0); c8_1 = TS.Fma(ai, b1, c8_1);
                ai = TS.Broadcast(a + 9); c9_0 = TS.Fma(ai, b0, c9_0); c9_1 = TS.Fma(ai, b1, c9_1);
                ai = TS.Broadcast(a + 10); c10_0 = TS.Fma(ai, b0, c10_0); c10_1 = TS.Fma(ai, b1, c10_1);
                ai = TS.Broadcast(a + 11); c11_0 = TS.Fma(ai, b0, c11_0); c11_1 = TS.Fma(ai, b1, c11_1);
                a += 12;
                b += 2 * W;
            }
            if (direct)
            {
                T* cc = c + colC[0];
                Row(cc + rowC[0], c0_0, c0_1, accumulate, W);
                if (mr <= 1) return; Row(cc + rowC[1], c1_0, c1_1, accumulate, W);
                if (mr <= 2) return; Row(cc + rowC[2], c2_0, c2_1, accumulate, W);
                if (mr <= 3) return; Row(cc + rowC[3], c3_0, c3_1, accumulate, W);
                if (mr <= 4) return; Row(cc + rowC[4], c4_0, c4_1, accumulate, W);
                if (mr <= 5) return; Row(cc + rowC[5], c5_0, c5_1, accumulate, W);
                if (mr <= 6) return; Row(cc + rowC[6], c6_0, c6_1, accumulate, W);
                if (mr <= 7) return; Row(cc + rowC[7], c7_0, c7_1, accumulate, W);
                if (mr <= 8) return; Row(cc + rowC[8], c8_0, c8_1, accumulate, W);
                if (mr <= 9) return; Row(cc + rowC[9], c9_0, c9_1, accumulate, W);
                if (mr <= 10) return; Row(cc + rowC[10], c10_0, c10_1, accumulate, W);
                if (mr <= 11) return; Row(cc + rowC[11], c11_0, c11_1, accumulate, W);
                return;
            }
            int ld = 2 * W;
            TS.Store(scratch + 0 * ld, c0_0); TS.Store(scratch + 0 * ld + W, c0_1);
            TS.Store(scratch + 1 * ld, c1_0); TS.Store(scratch + 1 * ld + W, c1_1);
            TS.Store(scratch + 2 * ld, c2_0); TS.Store(scratch + 2 * ld + W, c2_1);
            TS.Store(scratch + 3 * ld, c3_0); TS.Store(scratch + 3 * ld + W, c3_1);
            TS.Store(scratch + 4 * ld, c4_0); TS.Store(scratch + 4 * ld + W, c4_1);
            TS.Store(scratch + 5 * ld, c5_0); TS.Store(scratch + 5 * ld + W, c5_1);
            TS.Store(scratch + 6 * ld, c6_0); TS.Store(scratch + 6 * ld + W, c6_1);
            TS.Store(scratch + 7 * ld, c7_0); TS.Store(scratch + 7 * ld + W, c7_1);
            TS.Store(scratch + 8 * ld, c8_0); TS.Store(scratch + 8 * ld + W, c8_1);
            TS.Store(scratch + 9 * ld, c9_0); TS.Store(scratch + 9 * ld + W, c9_1);
            TS.Store(scratch + 10 * ld, c10_0); TS.Store(scratch + 10 * ld + W, c10_1);
            TS.Store(scratch + 11 * ld, c11_0); TS.Store(scratch + 11 * ld + W, c11_1);
            KernelCommon.Scatter(scratch, ld, c, rowC, colC, mr, nr, accumulate);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Row(T* dst, TV v0, TV v1, bool accumulate, int W)
        {
            if (accumulate) { v0 = TS.Add(TS.Load(dst), v0); v1 = TS.Add(TS.Load(dst + W), v1); }
            TS.Store(dst, v0); TS.Store(dst + W, v1);
        }
    }

    /// <summary>6 rows × 2 vectors: 12 accumulators, for 16-register AVX2/SSE/NEON (and the scalar fallback).</summary>
    internal unsafe struct Kernel6x2<T, TV, TS> : IMicroKernel<T>
        where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
    {
        public static int MR => 6;
        public static int NR { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 2 * TS.Count; }
        public static bool IsHardwareAccelerated => TS.IsHardwareAccelerated;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Run(nint kc, T* a, T* b, T* c, nint* rowC, nint* colC, int mr, int nr, bool direct, bool accumulate, T* scratch)
        {
            int W = TS.Count;
            TV c0_0 = TS.Zero, c0_1 = TS.Zero;
            TV c1_0 = TS.Zero, c1_1 = TS.Zero;
            TV c2_0 = TS.Zero, c2_1 = TS.Zero;
            TV c3_0 = TS.Zero, c3_1 = TS.Zero;
            TV c4_0 = TS.Zero, c4_1 = TS.Zero;
            TV c5_0 = TS.Zero, c5_1 = TS.Zero;
            for (nint p = 0; p < kc; p++)
            {
                TV b0 = TS.Load(b), b1 = TS.Load(b + W);
                TV ai;
                ai = TS.Broadcast(a + 0); c0_0 = TS.Fma(ai, b0, c0_0); c0_1 = TS.Fma(ai, b1, c0_1);
                ai = TS.Broadcast(a + 1); c1_0 = TS.Fma(ai, b0, c1_0); c1_1 = TS.Fma(ai, b1, c1_1);
                ai = TS.Broadcast(a + 2); c2_0 = TS.Fma(ai, b0, c2_0); c2_1 = TS.Fma(ai, b1, c2_1);
                ai = TS.Broadcast(a + 3); c3_0 = TS.Fma(ai, b0, c3_0); c3_1 = TS.Fma(ai, b1, c3_1);
                ai = TS.Broadcast(a + 4); c4_0 = TS.Fma(ai, b0, c4_0); c4_1 = TS.Fma(ai, b1, c4_1);
                ai = TS.Broadcast(a + 5); c5_0 = TS.Fma(ai, b0, c5_0); c5_1 = TS.Fma(ai, b1, c5_1);
                a += 6;
                b += 2 * W;
            }
            if (direct)
            {
                T* cc = c + colC[0];
                Row(cc + rowC[0], c0_0, c0_1, accumulate, W);
                if (mr <= 1) return; Row(cc + rowC[1], c1_0, c1_1, accumulate, W);
                if (mr <= 2) return; Row(cc + rowC[2], c2_0, c2_1, accumulate, W);
                if (mr <= 3) return; Row(cc + rowC[3], c3_0, c3_1, accumulate, W);
                if (mr <= 4) return; Row(cc + rowC[4], c4_0, c4_1, accumulate, W);
                if (mr <= 5) return; Row(cc + rowC[5], c5_0, c5_1, accumulate, W);
                return;
            }
            int ld = 2 * W;
            TS.Store(scratch + 0 * ld, c0_0); TS.Store(scratch + 0 * ld + W, c0_1);
            TS.Store(scratch + 1 * ld, c1_0); TS.Store(scratch + 1 * ld + W, c1_1);
            TS.Store(scratch + 2 * ld, c2_0); TS.Store(scratch + 2 * ld + W, c2_1);
            TS.Store(scratch + 3 * ld, c3_0); TS.Store(scratch + 3 * ld + W, c3_1);
            TS.Store(scratch + 4 * ld, c4_0); TS.Store(scratch + 4 * ld + W, c4_1);
            TS.Store(scratch + 5 * ld, c5_0); TS.Store(scratch + 5 * ld + W, c5_1);
            KernelCommon.Scatter(scratch, ld, c, rowC, colC, mr, nr, accumulate);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Row(T* dst, TV v0, TV v1, bool accumulate, int W)
        {
            if (accumulate) { v0 = TS.Add(TS.Load(dst), v0); v1 = TS.Add(TS.Load(dst + W), v1); }
            TS.Store(dst, v0); TS.Store(dst + W, v1);
        }
    }
}
