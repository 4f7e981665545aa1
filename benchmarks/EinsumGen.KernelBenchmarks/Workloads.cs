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
            ContractionKernel.Gemm(p, ref Aligned(A), ref Aligned(B), ref Aligned(C), path, mode, threads);
        }

        /// <summary>Batch entries [b0, b1) as one call (a thread's part of a batch split).</summary>
        internal void RunRange(int b0, int b1, int threads)
        {
            var p = new GemmProblem(BatchA[b0..b1], BatchB[b0..b1], BatchC[b0..b1], RowA, RowC, ColB, ColC, KA, KB);
            ContractionKernel.Gemm(p, ref Aligned(A), ref Aligned(B), ref Aligned(C), KernelPath.Auto, GemmMode.Auto, threads);
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

        private static float[] Zeros(int n) => GC.AllocateArray<float>(n + 16, pinned: true);

        /// <summary>The first 64-byte aligned element of a pinned array (as tensors from a native or aligned allocator would be).</summary>
        private static unsafe ref float Aligned(float[] x)
        {
            fixed (float* p = x) return ref x[(int)((64 - (nint)p % 64) % 64 / sizeof(float))];
        }

        private static float[] Random(int n, int seed)
        {
            var rng = new Random(seed);
            var x = GC.AllocateArray<float>(n + 16, pinned: true);
            for (int i = 0; i < n; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
            return x;
        }

        /// <summary>mn,nk->mk: C[m,k] = Σ_n A[m,n]·B[n,k], all row-major (GEMM groups: M=m, K=n, N=k).</summary>
        public static Workload MatMul(int s) => new()
        {
            Name = $"mn,nk->mk {s}",
            Flops = 2.0 * s * s * s,
            A = Random(s * s, 1), B = Random(s * s, 2), C = Zeros(s * s),
            RowA = Affine(s, s), KA = Affine(s, 1),
            KB = Affine(s, s), ColB = Affine(s, 1),
            RowC = Affine(s, s), ColC = Affine(s, 1),
        };

        /// <summary>mk,kn->mn with arbitrary sizes, all row-major.</summary>
        public static Workload Plain(int m, int n, int k) => new()
        {
            Name = $"mk,kn->mn {m}x{n}x{k}",
            Flops = 2.0 * m * n * k,
            A = Random(m * k, 11), B = Random(k * n, 12), C = Zeros(m * n),
            RowA = Affine(m, k), KA = Affine(k, 1),
            KB = Affine(k, n), ColB = Affine(n, 1),
            RowC = Affine(m, n), ColC = Affine(n, 1),
        };

        /// <summary>km,nk->mn: A stored k-major (transposed), B stored n-major with k contiguous.</summary>
        public static Workload Transposed(int s) => new()
        {
            Name = $"km,nk->mn {s}",
            Flops = 2.0 * s * s * s,
            A = Random(s * s, 3), B = Random(s * s, 4), C = Zeros(s * s),
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
                A = Random(m * n * k, 5), B = Random(m * k * r, 6), C = Zeros(n * r),
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
            A = Random(batch * s * s, 7), B = Random(batch * s * s, 8), C = Zeros(batch * s * s),
            BatchA = Affine(batch, s * s), BatchB = Affine(batch, s * s), BatchC = Affine(batch, s * s),
            RowA = Affine(s, s), KA = Affine(s, 1),
            KB = Affine(s, s), ColB = Affine(s, 1),
            RowC = Affine(s, s), ColC = Affine(s, 1),
        };

        /// <summary>Attention's scores, bhqd,bhkd->bhqk: batch (b,h), M=q, N=k (B read along d, its rows), K=d.</summary>
        public static Workload AttentionScores(int b, int h, int q, int k, int d) => new()
        {
            Name = $"bhqd,bhkd->bhqk {b}x{h}x{q}x{k}x{d}",
            Flops = 2.0 * b * h * q * k * d,
            A = Random(b * h * q * d, 31), B = Random(b * h * k * d, 32), C = Zeros(b * h * q * k),
            BatchA = Affine(b * h, q * d), BatchB = Affine(b * h, k * d), BatchC = Affine(b * h, q * k),
            RowA = Affine(q, d), KA = Affine(d, 1),
            KB = Affine(d, 1), ColB = Affine(k, d),
            RowC = Affine(q, k), ColC = Affine(k, 1),
        };

        /// <summary>Attention's output, bhqk,bhkd->bhqd: batch (b,h), M=q, N=d, K=k.</summary>
        public static Workload AttentionValues(int b, int h, int q, int k, int d) => new()
        {
            Name = $"bhqk,bhkd->bhqd {b}x{h}x{q}x{k}x{d}",
            Flops = 2.0 * b * h * q * k * d,
            A = Random(b * h * q * k, 33), B = Random(b * h * k * d, 34), C = Zeros(b * h * q * d),
            BatchA = Affine(b * h, q * k), BatchB = Affine(b * h, k * d), BatchC = Affine(b * h, q * d),
            RowA = Affine(q, k), KA = Affine(k, 1),
            KB = Affine(k, d), ColB = Affine(d, 1),
            RowC = Affine(q, d), ColC = Affine(d, 1),
        };

        /// <summary>
        /// A convolution's im2col forward, ok,nkl->nol: the weight A (o × k) shared by every batch entry n of the columns
        /// B (n, k, l); M=o, N=l, K=k.
        /// </summary>
        public static Workload ConvForward(int n, int o, int k, int l) => new()
        {
            Name = $"ok,nkl->nol {n}x{o}x{k}x{l}",
            Flops = 2.0 * n * o * k * l,
            A = Random(o * k, 35), B = Random(n * k * l, 36), C = Zeros(n * o * l),
            BatchA = Affine(n, 0), BatchB = Affine(n, k * l), BatchC = Affine(n, o * l),
            RowA = Affine(o, k), KA = Affine(k, 1),
            KB = Affine(k, l), ColB = Affine(l, 1),
            RowC = Affine(o, l), ColC = Affine(l, 1),
        };

        /// <summary>A convolution's im2col weight VJP, nol,nkl->ok: M=o, N=k, K=(n,l) long, both operands contiguous along l.</summary>
        public static Workload ConvWeight(int n, int o, int k, int l) => new()
        {
            Name = $"nol,nkl->ok {n}x{o}x{k}x{l}",
            Flops = 2.0 * n * o * k * l,
            A = Random(n * o * l, 37), B = Random(n * k * l, 38), C = Zeros(o * k),
            RowA = Affine(o, l), KA = Table(new nint[] { n, l }, new nint[] { o * l, 1 }),
            KB = Table(new nint[] { n, l }, new nint[] { k * l, 1 }), ColB = Affine(k, l),
            RowC = Affine(o, k), ColC = Affine(k, 1),
        };

        /// <summary>mn,n->m (matrix-vector): M=m, K=n, no N group.</summary>
        public static Workload MatVec(int s) => new()
        {
            Name = $"mn,n->m {s}",
            Flops = 2.0 * s * s,
            A = Random(s * s, 9), B = Random(s, 10), C = Zeros(s),
            RowA = Affine(s, s), KA = Affine(s, 1),
            KB = Affine(s, 1),
            RowC = Affine(s, 1),
        };

        /// <summary>n,m->nm (outer product): M=n, N=m, an empty K group (one entry, offset 0).</summary>
        public static Workload Outer(int s) => new()
        {
            Name = $"n,m->nm {s}",
            Flops = (double)s * s,
            A = Random(s, 11), B = Random(s, 12), C = Zeros(s * s),
            RowA = Affine(s, 1), KA = Affine(1, 0),
            KB = Affine(1, 0), ColB = Affine(s, 1),
            RowC = Affine(s, s), ColC = Affine(s, 1),
        };

        /// <summary>
        /// The tensor-train layer's big step, y[n,e,f,g,h] = Σ_abcd W[..]·x[n,a,b,c,d] (n=256, a..d=8, e..h=2), with the
        /// combined cores W laid out as the planner lays out that intermediate, [a,b,c,d,e,f,g,h] (<paramref name="planned"/>), or
        /// as it used to, [a,e,b,f,c,g,d,h].
        /// </summary>
        public static Workload TtForward(bool planned)
        {
            var (k, f) = TtStrides(planned);
            return new Workload
            {
                Name = planned ? "tt y=W·x (W abcdefgh)" : "tt y=W·x (W aebfcgdh)",
                Flops = 2.0 * 256 * 4096 * 16,
                A = Random(65536, 21), B = Random(256 * 4096, 22), C = Zeros(256 * 16),
                RowA = Table(new nint[] { 2, 2, 2, 2 }, f), KA = Table(new nint[] { 8, 8, 8, 8 }, k),
                KB = Affine(4096, 1), ColB = Affine(256, 4096),
                RowC = Affine(16, 1), ColC = Affine(256, 16),
            };
        }

        /// <summary>The layer's weight gradient ∂W[..] = Σ_n ∂y[n,e,f,g,h]·x[n,a,b,c,d], written in W's layout.</summary>
        public static Workload TtWeightGradient(bool planned)
        {
            var (k, f) = TtStrides(planned);
            return new Workload
            {
                Name = planned ? "tt ∂W=∂y·x (W abcdefgh)" : "tt ∂W=∂y·x (W aebfcgdh)",
                Flops = 2.0 * 256 * 4096 * 16,
                A = Random(256 * 16, 23), B = Random(256 * 4096, 24), C = Zeros(65536),
                RowA = Affine(16, 1), KA = Affine(256, 16),
                KB = Affine(256, 4096), ColB = Affine(4096, 1),
                RowC = Table(new nint[] { 2, 2, 2, 2 }, f), ColC = Table(new nint[] { 8, 8, 8, 8 }, k),
            };
        }

        /// <summary>A plain weight gradient with 16 outputs, C[k,o] = Σ_n x[n,k]·∂y[n,o], x of <paramref name="n"/> × <paramref name="kc"/>.</summary>
        public static Workload WeightGradient(int n, int kc) => new Workload
        {
            Name = $"dW n={n} k={kc}",
            Flops = 2.0 * n * kc * 16,
            A = Random(n * 16, 23), B = Random(n * kc, 24), C = Zeros(kc * 16),
            RowA = Affine(16, 1), KA = Affine(n, 16),
            KB = Affine(n, kc), ColB = Affine(kc, 1),
            RowC = Affine(16, 1), ColC = Affine(kc, 16),
        };

        private static (nint[] k, nint[] f) TtStrides(bool planned) => planned
            ? (new nint[] { 8192, 1024, 128, 16 }, new nint[] { 8, 4, 2, 1 })
            : (new nint[] { 8192, 512, 32, 2 }, new nint[] { 4096, 256, 16, 1 });

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
