// Register blocks of the shifted implicit GEMM (ImplicitGemmShift): the same multiply-adds as the project's GEMM
// micro-kernels, with one operand read in place from the padded host through a per-row offset.
using System.Numerics;
using System.Runtime.CompilerServices;
using EinsumGen.Runtime.Kernels;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// The forward's register block: tile[i·NR + j] = Σ_p a[p·MR + i] · b[offsets[p] + j] for p &lt; kc, i &lt; MR, j &lt; NR,
    /// with A the packed weight and B's row p read in place at <c>b + offsets[p]</c> (a padded channel, shifted by its tap).
    /// </summary>
    internal unsafe interface IShiftKernel<T> where T : unmanaged
    {
        static abstract int MR { get; }
        static abstract int NR { get; }
        static abstract void Run(nint kc, T* a, T* b, nint* offsets, T* tile);
    }

    /// <summary>
    /// The weight VJP's register block: c[i·ldc + j] += Σ_p a[rows[i] + p] · b[p·NR + j] for p &lt; kc, i &lt; MR, j &lt; NR, with
    /// A's rows read in place (padded channels shifted by their taps) and broadcast, B a packed panel (the output gradient,
    /// positions by output channels).
    /// </summary>
    internal unsafe interface IShiftRowsKernel<T> where T : unmanaged
    {
        static abstract int MR { get; }
        static abstract int NR { get; }
        static abstract void Run(nint kc, T* a, nint* rows, T* b, T* c, nint ldc);
    }

    /// <summary>8 × 3 vectors: 24 accumulators, for 32 vector registers.</summary>
    internal unsafe struct Shift8x3<T, TV, TS> : IShiftKernel<T>
        where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
    {
        public static int MR => 8;
        public static int NR { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 3 * TS.Count; }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Run(nint kc, T* a, T* b, nint* offsets, T* tile)
        {
            int W = TS.Count;
            TV c0_0 = TS.Zero, c0_1 = TS.Zero, c0_2 = TS.Zero;
            TV c1_0 = TS.Zero, c1_1 = TS.Zero, c1_2 = TS.Zero;
            TV c2_0 = TS.Zero, c2_1 = TS.Zero, c2_2 = TS.Zero;
            TV c3_0 = TS.Zero, c3_1 = TS.Zero, c3_2 = TS.Zero;
            TV c4_0 = TS.Zero, c4_1 = TS.Zero, c4_2 = TS.Zero;
            TV c5_0 = TS.Zero, c5_1 = TS.Zero, c5_2 = TS.Zero;
            TV c6_0 = TS.Zero, c6_1 = TS.Zero, c6_2 = TS.Zero;
            TV c7_0 = TS.Zero, c7_1 = TS.Zero, c7_2 = TS.Zero;
            for (nint p = 0; p < kc; p++)
            {
                T* bp = b + offsets[p];
                TV b0 = TS.Load(bp), b1 = TS.Load(bp + W), b2 = TS.Load(bp + 2 * W);
                TV ai;
                ai = TS.Broadcast(a + 0); c0_0 = TS.Fma(ai, b0, c0_0); c0_1 = TS.Fma(ai, b1, c0_1); c0_2 = TS.Fma(ai, b2, c0_2);
                ai = TS.Broadcast(a + 1); c1_0 = TS.Fma(ai, b0, c1_0); c1_1 = TS.Fma(ai, b1, c1_1); c1_2 = TS.Fma(ai, b2, c1_2);
                ai = TS.Broadcast(a + 2); c2_0 = TS.Fma(ai, b0, c2_0); c2_1 = TS.Fma(ai, b1, c2_1); c2_2 = TS.Fma(ai, b2, c2_2);
                ai = TS.Broadcast(a + 3); c3_0 = TS.Fma(ai, b0, c3_0); c3_1 = TS.Fma(ai, b1, c3_1); c3_2 = TS.Fma(ai, b2, c3_2);
                ai = TS.Broadcast(a + 4); c4_0 = TS.Fma(ai, b0, c4_0); c4_1 = TS.Fma(ai, b1, c4_1); c4_2 = TS.Fma(ai, b2, c4_2);
                ai = TS.Broadcast(a + 5); c5_0 = TS.Fma(ai, b0, c5_0); c5_1 = TS.Fma(ai, b1, c5_1); c5_2 = TS.Fma(ai, b2, c5_2);
                ai = TS.Broadcast(a + 6); c6_0 = TS.Fma(ai, b0, c6_0); c6_1 = TS.Fma(ai, b1, c6_1); c6_2 = TS.Fma(ai, b2, c6_2);
                ai = TS.Broadcast(a + 7); c7_0 = TS.Fma(ai, b0, c7_0); c7_1 = TS.Fma(ai, b1, c7_1); c7_2 = TS.Fma(ai, b2, c7_2);
                a += 8;
            }
            int ld = 3 * W;
            TS.Store(tile + 0 * ld, c0_0); TS.Store(tile + 0 * ld + W, c0_1); TS.Store(tile + 0 * ld + 2 * W, c0_2);
            TS.Store(tile + 1 * ld, c1_0); TS.Store(tile + 1 * ld + W, c1_1); TS.Store(tile + 1 * ld + 2 * W, c1_2);
            TS.Store(tile + 2 * ld, c2_0); TS.Store(tile + 2 * ld + W, c2_1); TS.Store(tile + 2 * ld + 2 * W, c2_2);
            TS.Store(tile + 3 * ld, c3_0); TS.Store(tile + 3 * ld + W, c3_1); TS.Store(tile + 3 * ld + 2 * W, c3_2);
            TS.Store(tile + 4 * ld, c4_0); TS.Store(tile + 4 * ld + W, c4_1); TS.Store(tile + 4 * ld + 2 * W, c4_2);
            TS.Store(tile + 5 * ld, c5_0); TS.Store(tile + 5 * ld + W, c5_1); TS.Store(tile + 5 * ld + 2 * W, c5_2);
            TS.Store(tile + 6 * ld, c6_0); TS.Store(tile + 6 * ld + W, c6_1); TS.Store(tile + 6 * ld + 2 * W, c6_2);
            TS.Store(tile + 7 * ld, c7_0); TS.Store(tile + 7 * ld + W, c7_1); TS.Store(tile + 7 * ld + 2 * W, c7_2);
        }
    }

    /// <summary>6 × 2 vectors: 12 accumulators, for 16 vector registers.</summary>
    internal unsafe struct Shift6x2<T, TV, TS> : IShiftKernel<T>
        where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
    {
        public static int MR => 6;
        public static int NR { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 2 * TS.Count; }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Run(nint kc, T* a, T* b, nint* offsets, T* tile)
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
                T* bp = b + offsets[p];
                TV b0 = TS.Load(bp), b1 = TS.Load(bp + W);
                TV ai;
                ai = TS.Broadcast(a + 0); c0_0 = TS.Fma(ai, b0, c0_0); c0_1 = TS.Fma(ai, b1, c0_1);
                ai = TS.Broadcast(a + 1); c1_0 = TS.Fma(ai, b0, c1_0); c1_1 = TS.Fma(ai, b1, c1_1);
                ai = TS.Broadcast(a + 2); c2_0 = TS.Fma(ai, b0, c2_0); c2_1 = TS.Fma(ai, b1, c2_1);
                ai = TS.Broadcast(a + 3); c3_0 = TS.Fma(ai, b0, c3_0); c3_1 = TS.Fma(ai, b1, c3_1);
                ai = TS.Broadcast(a + 4); c4_0 = TS.Fma(ai, b0, c4_0); c4_1 = TS.Fma(ai, b1, c4_1);
                ai = TS.Broadcast(a + 5); c5_0 = TS.Fma(ai, b0, c5_0); c5_1 = TS.Fma(ai, b1, c5_1);
                a += 6;
            }
            int ld = 2 * W;
            TS.Store(tile + 0 * ld, c0_0); TS.Store(tile + 0 * ld + W, c0_1);
            TS.Store(tile + 1 * ld, c1_0); TS.Store(tile + 1 * ld + W, c1_1);
            TS.Store(tile + 2 * ld, c2_0); TS.Store(tile + 2 * ld + W, c2_1);
            TS.Store(tile + 3 * ld, c3_0); TS.Store(tile + 3 * ld + W, c3_1);
            TS.Store(tile + 4 * ld, c4_0); TS.Store(tile + 4 * ld + W, c4_1);
            TS.Store(tile + 5 * ld, c5_0); TS.Store(tile + 5 * ld + W, c5_1);
        }
    }

    /// <summary>6 rows × 4 vectors: 24 accumulators, for 32 vector registers.</summary>
    internal unsafe struct ShiftRows6x4<T, TV, TS> : IShiftRowsKernel<T>
        where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
    {
        public static int MR => 6;
        public static int NR { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 4 * TS.Count; }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Run(nint kc, T* a, nint* rows, T* b, T* c, nint ldc)
        {
            int W = TS.Count;
            T* a0 = a + rows[0];
            T* a1 = a + rows[1];
            T* a2 = a + rows[2];
            T* a3 = a + rows[3];
            T* a4 = a + rows[4];
            T* a5 = a + rows[5];
            TV c0_0 = TS.Load(c + 0 * ldc), c0_1 = TS.Load(c + 0 * ldc + W), c0_2 = TS.Load(c + 0 * ldc + 2 * W), c0_3 = TS.Load(c + 0 * ldc + 3 * W);
            TV c1_0 = TS.Load(c + 1 * ldc), c1_1 = TS.Load(c + 1 * ldc + W), c1_2 = TS.Load(c + 1 * ldc + 2 * W), c1_3 = TS.Load(c + 1 * ldc + 3 * W);
            TV c2_0 = TS.Load(c + 2 * ldc), c2_1 = TS.Load(c + 2 * ldc + W), c2_2 = TS.Load(c + 2 * ldc + 2 * W), c2_3 = TS.Load(c + 2 * ldc + 3 * W);
            TV c3_0 = TS.Load(c + 3 * ldc), c3_1 = TS.Load(c + 3 * ldc + W), c3_2 = TS.Load(c + 3 * ldc + 2 * W), c3_3 = TS.Load(c + 3 * ldc + 3 * W);
            TV c4_0 = TS.Load(c + 4 * ldc), c4_1 = TS.Load(c + 4 * ldc + W), c4_2 = TS.Load(c + 4 * ldc + 2 * W), c4_3 = TS.Load(c + 4 * ldc + 3 * W);
            TV c5_0 = TS.Load(c + 5 * ldc), c5_1 = TS.Load(c + 5 * ldc + W), c5_2 = TS.Load(c + 5 * ldc + 2 * W), c5_3 = TS.Load(c + 5 * ldc + 3 * W);
            for (nint p = 0; p < kc; p++)
            {
                TV b0 = TS.Load(b), b1 = TS.Load(b + W), b2 = TS.Load(b + 2 * W), b3 = TS.Load(b + 3 * W);
                TV ai;
                ai = TS.Broadcast(a0 + p); c0_0 = TS.Fma(ai, b0, c0_0); c0_1 = TS.Fma(ai, b1, c0_1); c0_2 = TS.Fma(ai, b2, c0_2); c0_3 = TS.Fma(ai, b3, c0_3);
                ai = TS.Broadcast(a1 + p); c1_0 = TS.Fma(ai, b0, c1_0); c1_1 = TS.Fma(ai, b1, c1_1); c1_2 = TS.Fma(ai, b2, c1_2); c1_3 = TS.Fma(ai, b3, c1_3);
                ai = TS.Broadcast(a2 + p); c2_0 = TS.Fma(ai, b0, c2_0); c2_1 = TS.Fma(ai, b1, c2_1); c2_2 = TS.Fma(ai, b2, c2_2); c2_3 = TS.Fma(ai, b3, c2_3);
                ai = TS.Broadcast(a3 + p); c3_0 = TS.Fma(ai, b0, c3_0); c3_1 = TS.Fma(ai, b1, c3_1); c3_2 = TS.Fma(ai, b2, c3_2); c3_3 = TS.Fma(ai, b3, c3_3);
                ai = TS.Broadcast(a4 + p); c4_0 = TS.Fma(ai, b0, c4_0); c4_1 = TS.Fma(ai, b1, c4_1); c4_2 = TS.Fma(ai, b2, c4_2); c4_3 = TS.Fma(ai, b3, c4_3);
                ai = TS.Broadcast(a5 + p); c5_0 = TS.Fma(ai, b0, c5_0); c5_1 = TS.Fma(ai, b1, c5_1); c5_2 = TS.Fma(ai, b2, c5_2); c5_3 = TS.Fma(ai, b3, c5_3);
                b += 4 * W;
            }
            TS.Store(c + 0 * ldc, c0_0); TS.Store(c + 0 * ldc + W, c0_1); TS.Store(c + 0 * ldc + 2 * W, c0_2); TS.Store(c + 0 * ldc + 3 * W, c0_3);
            TS.Store(c + 1 * ldc, c1_0); TS.Store(c + 1 * ldc + W, c1_1); TS.Store(c + 1 * ldc + 2 * W, c1_2); TS.Store(c + 1 * ldc + 3 * W, c1_3);
            TS.Store(c + 2 * ldc, c2_0); TS.Store(c + 2 * ldc + W, c2_1); TS.Store(c + 2 * ldc + 2 * W, c2_2); TS.Store(c + 2 * ldc + 3 * W, c2_3);
            TS.Store(c + 3 * ldc, c3_0); TS.Store(c + 3 * ldc + W, c3_1); TS.Store(c + 3 * ldc + 2 * W, c3_2); TS.Store(c + 3 * ldc + 3 * W, c3_3);
            TS.Store(c + 4 * ldc, c4_0); TS.Store(c + 4 * ldc + W, c4_1); TS.Store(c + 4 * ldc + 2 * W, c4_2); TS.Store(c + 4 * ldc + 3 * W, c4_3);
            TS.Store(c + 5 * ldc, c5_0); TS.Store(c + 5 * ldc + W, c5_1); TS.Store(c + 5 * ldc + 2 * W, c5_2); TS.Store(c + 5 * ldc + 3 * W, c5_3);
        }
    }

    /// <summary>4 rows × 2 vectors: 8 accumulators, for 16 vector registers.</summary>
    internal unsafe struct ShiftRows4x2<T, TV, TS> : IShiftRowsKernel<T>
        where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
    {
        public static int MR => 4;
        public static int NR { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 2 * TS.Count; }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Run(nint kc, T* a, nint* rows, T* b, T* c, nint ldc)
        {
            int W = TS.Count;
            T* a0 = a + rows[0];
            T* a1 = a + rows[1];
            T* a2 = a + rows[2];
            T* a3 = a + rows[3];
            TV c0_0 = TS.Load(c + 0 * ldc), c0_1 = TS.Load(c + 0 * ldc + W);
            TV c1_0 = TS.Load(c + 1 * ldc), c1_1 = TS.Load(c + 1 * ldc + W);
            TV c2_0 = TS.Load(c + 2 * ldc), c2_1 = TS.Load(c + 2 * ldc + W);
            TV c3_0 = TS.Load(c + 3 * ldc), c3_1 = TS.Load(c + 3 * ldc + W);
            for (nint p = 0; p < kc; p++)
            {
                TV b0 = TS.Load(b), b1 = TS.Load(b + W);
                TV ai;
                ai = TS.Broadcast(a0 + p); c0_0 = TS.Fma(ai, b0, c0_0); c0_1 = TS.Fma(ai, b1, c0_1);
                ai = TS.Broadcast(a1 + p); c1_0 = TS.Fma(ai, b0, c1_0); c1_1 = TS.Fma(ai, b1, c1_1);
                ai = TS.Broadcast(a2 + p); c2_0 = TS.Fma(ai, b0, c2_0); c2_1 = TS.Fma(ai, b1, c2_1);
                ai = TS.Broadcast(a3 + p); c3_0 = TS.Fma(ai, b0, c3_0); c3_1 = TS.Fma(ai, b1, c3_1);
                b += 2 * W;
            }
            TS.Store(c + 0 * ldc, c0_0); TS.Store(c + 0 * ldc + W, c0_1);
            TS.Store(c + 1 * ldc, c1_0); TS.Store(c + 1 * ldc + W, c1_1);
            TS.Store(c + 2 * ldc, c2_0); TS.Store(c + 2 * ldc + W, c2_1);
            TS.Store(c + 3 * ldc, c3_0); TS.Store(c + 3 * ldc + W, c3_1);
        }
    }
}
