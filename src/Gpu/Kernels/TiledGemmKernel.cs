using System.Numerics;
using ILGPU;

namespace EinsumGen.Gpu.Kernels
{
    /// <summary>
    /// A tiled (batched) GEMM over arbitrary strides: each group of 16×16 threads computes a 64×64 block of C, staging
    /// 64×16 tiles of A and 16×64 of B in shared memory (one padding element per row against bank conflicts) and keeping a
    /// 4×4 register tile per thread. The loads read each operand through its own strides, so a step's permutation costs
    /// nothing more than a GEMM's transposition; they walk each operand's contiguous axis across neighbouring threads.
    /// </summary>
    internal static class TiledGemmKernel
    {
        public const int Threads = 16;
        public const int BlockM = 64, BlockN = 64, BlockK = 16;
        private const int Micro = 4;
        private const int PitchA = BlockM + 1, PitchB = BlockN + 1;
        private const int GroupSize = Threads * Threads;

        public static void Gemm<T>(ArrayView<T> a, ArrayView<T> b, ArrayView<T> c, GemmArgs p) where T : unmanaged, INumber<T>
        {
            var tileA = SharedMemory.Allocate<T>(BlockK * PitchA); // [k][m]
            var tileB = SharedMemory.Allocate<T>(BlockK * PitchB); // [k][n]
            int tx = Group.IdxX, ty = Group.IdxY, tid = ty * Threads + tx;
            long m0 = (long)Grid.IdxY * BlockM, n0 = (long)Grid.IdxX * BlockN, batch = Grid.IdxZ;
            long aBase = p.AOffset + batch * p.ABatch, bBase = p.BOffset + batch * p.BBatch;

            var acc = new T[Micro * Micro];
            for (int i = 0; i < Micro * Micro; i++) acc[i] = T.Zero;
            var ra = new T[Micro];
            var rb = new T[Micro];

            for (long k0 = 0; k0 < p.K; k0 += BlockK)
            {
                for (int e = tid; e < BlockM * BlockK; e += GroupSize)
                {
                    int mm = p.AKFast != 0 ? e / BlockK : e % BlockM;
                    int kk = p.AKFast != 0 ? e % BlockK : e / BlockM;
                    long m = m0 + mm, k = k0 + kk;
                    tileA[kk * PitchA + mm] = m < p.M && k < p.K ? a[aBase + m * p.AM + k * p.AK] : T.Zero;
                }
                for (int e = tid; e < BlockN * BlockK; e += GroupSize)
                {
                    int nn = p.BNFast != 0 ? e % BlockN : e / BlockK;
                    int kk = p.BNFast != 0 ? e / BlockN : e % BlockK;
                    long n = n0 + nn, k = k0 + kk;
                    tileB[kk * PitchB + nn] = n < p.N && k < p.K ? b[bBase + k * p.BK + n * p.BN] : T.Zero;
                }
                Group.Barrier();
                for (int kk = 0; kk < BlockK; kk++)
                {
                    for (int i = 0; i < Micro; i++) ra[i] = tileA[kk * PitchA + ty + i * Threads];
                    for (int j = 0; j < Micro; j++) rb[j] = tileB[kk * PitchB + tx + j * Threads];
                    for (int i = 0; i < Micro; i++)
                    {
                        for (int j = 0; j < Micro; j++) acc[i * Micro + j] += ra[i] * rb[j];
                    }
                }
                Group.Barrier();
            }

            long cBase = p.COffset + batch * p.CBatch;
            for (int i = 0; i < Micro; i++)
            {
                long m = m0 + ty + i * Threads;
                if (m >= p.M) continue;
                for (int j = 0; j < Micro; j++)
                {
                    long n = n0 + tx + j * Threads;
                    if (n >= p.N) continue;
                    long at = cBase + m * p.CM + n * p.CN;
                    if (p.Accumulate != 0) c[at] += acc[i * Micro + j];
                    else c[at] = acc[i * Micro + j];
                }
            }
        }
    }
}
