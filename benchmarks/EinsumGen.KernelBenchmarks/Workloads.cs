using System;
using EinsumGen.Runtime.Kernels;

namespace EinsumGen.KernelBenchmarks
{
    /// <summary>One einsum step bound to offset tables and buffers, ready to run repeatedly.</summary>
    public sealed class Workload
    {
        public string Name = "";
        public double Flops;
        public float[] A = Array.Empty<float>(), B = Array.Empty<float>(), C = Array.Empty<float>();
        public nint[] BatchA = { 0 }, BatchB = { 0 }, BatchC = { 0 };
        public nint[] RowA = { 0 }, RowC = { 0 }, ColB = { 0 }, ColC = { 0 }, KA = { 0 }, KB = { 0 };

        public void Run() => Run(KernelPath.Auto, GemmMode.Auto, ContractionKernel.MaxDegreeOfParallelism);

        internal void Run(KernelPath path, GemmMode mode, int threads)
        {
            var p = new GemmProblem(BatchA, BatchB, BatchC, RowA, RowC, ColB, ColC, KA, KB);
            ContractionKernel.Gemm(p, ref A[0], ref B[0], ref C[0], path, mode, threads);
        }

        private static nint[] Table(nint[] sizes, nint[] strides)
        {
            nint n = 1;
            foreach (nint s in sizes) n *= s;
            var t = new nint[n];
            OffsetTable.Fill(sizes, strides, t, out _);
            return t;
        }

        private static nint[] Affine(int n, nint stride) => Table(new nint[] { n }, new nint[] { stride });

        private static float[] Random(int n, int seed)
        {
            var rng = new Random(seed);
            var x = new float[n];
            for (int i = 0; i < n; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
            return x;
        }

        /// <summary>mn,nk->mk: C[m,k] = Σ_n A[m,n]·B[n,k], all row-major (GEMM groups: M=m, K=n, N=k).</summary>
        public static Workload MatMul(int s) => new()
        {
            Name = $"mn,nk->mk {s}",
            Flops = 2.0 * s * s * s,
            A = Random(s * s, 1), B = Random(s * s, 2), C = new float[s * s],
            RowA = Affine(s, s), KA = Affine(s, 1),
            KB = Affine(s, s), ColB = Affine(s, 1),
            RowC = Affine(s, s), ColC = Affine(s, 1),
        };

        /// <summary>mk,kn->mn with arbitrary sizes, all row-major.</summary>
        public static Workload Plain(int m, int n, int k) => new()
        {
            Name = $"mk,kn->mn {m}x{n}x{k}",
            Flops = 2.0 * m * n * k,
            A = Random(m * k, 11), B = Random(k * n, 12), C = new float[m * n],
            RowA = Affine(m, k), KA = Affine(k, 1),
            KB = Affine(k, n), ColB = Affine(n, 1),
            RowC = Affine(m, n), ColC = Affine(n, 1),
        };

        /// <summary>km,nk->mn: A stored k-major (transposed), B stored n-major with k contiguous.</summary>
        public static Workload Transposed(int s) => new()
        {
            Name = $"km,nk->mn {s}",
            Flops = 2.0 * s * s * s,
            A = Random(s * s, 3), B = Random(s * s, 4), C = new float[s * s],
            RowA = Affine(s, 1), KA = Affine(s, s),
            KB = Affine(s, 1), ColB = Affine(s, s),
            RowC = Affine(s, s), ColC = Affine(s, 1),
        };

        /// <summary>mnk,mkr->nr with m=64, n=256, k=128, r=256: no batch, M group = n, N group = r, K group = (m, k).</summary>
        public static Workload Mnk()
        {
            const int m = 64, n = 256, k = 128, r = 256;
            return new Workload
            {
                Name = "mnk,mkr->nr",
                Flops = 2.0 * m * n * k * r,
                A = Random(m * n * k, 5), B = Random(m * k * r, 6), C = new float[n * r],
                RowA = Affine(n, k), KA = Table(new nint[] { m, k }, new nint[] { n * k, 1 }),
                KB = Table(new nint[] { m, k }, new nint[] { k * r, r }), ColB = Affine(r, 1),
                RowC = Affine(r, r), ColC = Affine(r, 1),
            };
        }

        /// <summary>bij,bjk->bik with 8×8×8 blocks over a batch (TT-core-like).</summary>
        public static Workload Batched(int batch, int s) => new()
        {
            Name = $"bij,bjk->bik {batch}x{s}^3",
            Flops = 2.0 * batch * s * s * s,
            A = Random(batch * s * s, 7), B = Random(batch * s * s, 8), C = new float[batch * s * s],
            BatchA = Affine(batch, s * s), BatchB = Affine(batch, s * s), BatchC = Affine(batch, s * s),
            RowA = Affine(s, s), KA = Affine(s, 1),
            KB = Affine(s, s), ColB = Affine(s, 1),
            RowC = Affine(s, s), ColC = Affine(s, 1),
        };

        /// <summary>mn,n->m (matrix-vector): M=m, K=n, no N group.</summary>
        public static Workload MatVec(int s) => new()
        {
            Name = $"mn,n->m {s}",
            Flops = 2.0 * s * s,
            A = Random(s * s, 9), B = Random(s, 10), C = new float[s],
            RowA = Affine(s, s), KA = Affine(s, 1),
            KB = Affine(s, 1),
            RowC = Affine(s, 1),
        };

        /// <summary>The naive i-j-p loop over plain arrays (the baseline).</summary>
        public static void Naive(float[] a, float[] b, float[] c, int s)
        {
            for (int i = 0; i < s; i++)
                for (int j = 0; j < s; j++)
                {
                    float acc = 0;
                    for (int p = 0; p < s; p++) acc += a[i * s + p] * b[p * s + j];
                    c[i * s + j] = acc;
                }
        }
    }
}
