using System.Numerics;
using ILGPU;

namespace EinsumGen.Gpu.Kernels
{
    /// <summary>
    /// A tiled (batched) GEMM over arbitrary strides: each group of t×t threads (16×16 on a GPU) computes a 4t×4t block of
    /// C, staging 4t×16 tiles of A and 16×4t of B in shared memory (one padding element per row against bank conflicts) and
    /// keeping a 4×4 register tile per thread. The group's size is read at run time, so ILGPU's CPU accelerator can run the
    /// same kernel with 4×4 threads (each simulated thread is an OS thread there). The loads read each operand through its own strides, so a step's permutation costs
    /// nothing more than a GEMM's transposition; they walk each operand's contiguous axis across neighbouring threads.
    /// </summary>
    internal static class TiledGemmKernel
    {
        /// <summary>Threads per group side on a GPU: 256 per group.</summary>
        public const int Threads = 16;

        /// <summary>The register tile per thread, per side.</summary>
        public const int Micro = 4;
        public const int BlockK = 16;
        private const int MaxBlock = Micro * Threads;

        public static void Gemm<T>(ArrayView<T> a, ArrayView<T> b, ArrayView<T> c, GemmArgs p) where T : unmanaged, INumber<T>
        {
            var tileA = SharedMemory.Allocate<T>(BlockK * (MaxBlock + 1)); // [k][m], padded
            var tileB = SharedMemory.Allocate<T>(BlockK * (MaxBlock + 1)); // [k][n], padded
            int threadsX = Group.DimX, threadsY = Group.DimY, groupSize = threadsX * threadsY;
            int blockM = Micro * threadsY, blockN = Micro * threadsX, pitchA = blockM + 1, pitchB = blockN + 1;
            int tx = Group.IdxX, ty = Group.IdxY, tid = ty * threadsX + tx;
            long m0 = (long)Grid.IdxY * blockM, n0 = (long)Grid.IdxX * blockN, batch = Grid.IdxZ;
            long aBase = p.AOffset + batch * p.ABatch, bBase = p.BOffset + batch * p.BBatch;

            var acc = new T[Micro * Micro];
            for (int i = 0; i < Micro * Micro; i++) acc[i] = T.Zero;
            var ra = new T[Micro];
            var rb = new T[Micro];

            for (long k0 = 0; k0 < p.K; k0 += BlockK)
            {
                for (int e = tid; e < blockM * BlockK; e += groupSize)
                {
                    int mm = p.AKFast != 0 ? e / BlockK : e % blockM;
                    int kk = p.AKFast != 0 ? e % BlockK : e / blockM;
                    long m = m0 + mm, k = k0 + kk;
                    tileA[kk * pitchA + mm] = m < p.M && k < p.K ? a[aBase + m * p.AM + k * p.AK] : T.Zero;
                }
                for (int e = tid; e < blockN * BlockK; e += groupSize)
                {
                    int nn = p.BNFast != 0 ? e % blockN : e / BlockK;
                    int kk = p.BNFast != 0 ? e / blockN : e % BlockK;
                    long n = n0 + nn, k = k0 + kk;
                    tileB[kk * pitchB + nn] = n < p.N && k < p.K ? b[bBase + k * p.BK + n * p.BN] : T.Zero;
                }
                Group.Barrier();
                for (int kk = 0; kk < BlockK; kk++)
                {
                    for (int i = 0; i < Micro; i++) ra[i] = tileA[kk * pitchA + ty + i * threadsY];
                    for (int j = 0; j < Micro; j++) rb[j] = tileB[kk * pitchB + tx + j * threadsX];
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
                long m = m0 + ty + i * threadsY;
                if (m >= p.M) continue;
                for (int j = 0; j < Micro; j++)
                {
                    long n = n0 + tx + j * threadsX;
                    if (n >= p.N) continue;
                    long at = cBase + m * p.CM + n * p.CN;
                    if (p.Accumulate != 0) c[at] += acc[i * Micro + j];
                    else c[at] = acc[i * Micro + j];
                }
            }
        }
    }
}
