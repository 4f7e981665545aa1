using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading;
using EinsumGen.Dispatch;

namespace EinsumGen.Runtime.Kernels
{
    /// <summary>
    /// The GEMM-like pairwise contraction step in the BLIS/TBLIS design: operands are read through offset tables
    /// (<see cref="GemmProblem"/>), packed into micro-panels sized for the caches, and multiplied by a register-blocked
    /// SIMD micro-kernel (Vector512 when accelerated, else Vector256, else Vector128, else scalar). Small problems run a
    /// direct (unpacked) register-blocked loop instead; large ones are split over the cores.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static partial class ContractionKernel
    {
        private static int s_maxDegreeOfParallelism = Environment.ProcessorCount;

        /// <summary>
        /// The most threads one call may use (default <see cref="Environment.ProcessorCount"/>); 1 keeps every call on the
        /// calling thread. Calls made from a thread-pool thread always stay on it (the caller is already parallel).
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
        public static int MaxDegreeOfParallelism
        {
            get => Volatile.Read(ref s_maxDegreeOfParallelism);
            set
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
                Volatile.Write(ref s_maxDegreeOfParallelism, value);
            }
        }

        [ThreadStatic] private static (DispatchedKernel, bool, DispatchedSplit)? t_lastRun;

        /// <summary>
        /// Tests: the kernel, transposition and split of this thread's last GEMM call while
        /// <see cref="KernelOptions.RecordChoices"/> is on (the tests reset it to tell a step that never reached the GEMM
        /// kernel); <see cref="KernelDispatch"/> must name the same.
        /// </summary>
        internal static (DispatchedKernel Kernel, bool Transposed, DispatchedSplit Split)? LastRun { get => t_lastRun; set => t_lastRun = value; }

        /// <summary>The widest path the hardware runs.</summary>
        internal static readonly KernelPath BestPath =
            Vector512.IsHardwareAccelerated ? KernelPath.Vector512 :
            Vector256.IsHardwareAccelerated ? KernelPath.Vector256 :
            Vector128.IsHardwareAccelerated ? KernelPath.Vector128 : KernelPath.Scalar;

        /// <summary>Whether <paramref name="path"/> runs on hardware here (every path computes correctly regardless).</summary>
        internal static bool IsAccelerated(KernelPath path) => path switch
        {
            KernelPath.Vector512 => Vector512.IsHardwareAccelerated,
            KernelPath.Vector256 => Vector256.IsHardwareAccelerated,
            KernelPath.Vector128 => Vector128.IsHardwareAccelerated,
            _ => true,
        };

        /// <summary>
        /// <c>C[b,m,n] = Σ_k A[b,m,k]·B[b,k,n]</c> over the offset tables of <paramref name="problem"/>. C is overwritten,
        /// never accumulated into, and must not overlap A or B. Any group may be empty (a one-entry table <c>{0}</c>); when
        /// the contracted group has length 0, C gets zeros and nothing is read; when another group has length 0 nothing is
        /// touched. No allocation in steady state (packing buffers come from <see cref="KernelWorkspace.ForCurrentThread"/>).
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="problem">The offset tables of the step.</param>
        /// <param name="a">Base element of A (offset 0 of its tables).</param>
        /// <param name="b">Base element of B.</param>
        /// <param name="c">Base element of C.</param>
        public static void Gemm<T>(in GemmProblem problem, ref T a, ref T b, ref T c) where T : unmanaged, INumberBase<T>
            => Gemm(problem, ref a, ref b, ref c, KernelPath.Auto, GemmMode.Auto, MaxDegreeOfParallelism);

        /// <summary>Whether T runs on the SIMD kernels (float and double); other numeric types run on scalar loops.</summary>
        internal static bool IsSimdElement<T>() => typeof(T) == typeof(float) || typeof(T) == typeof(double);

        /// <summary>
        /// <see cref="Gemm{T}(in GemmProblem, ref T, ref T, ref T)"/> with the micro-kernel path, the tier and the thread
        /// count forced (tests and benchmarks).
        /// </summary>
        internal static unsafe void Gemm<T>(in GemmProblem problem, ref T a, ref T b, ref T c, KernelPath path, GemmMode mode, int maxThreads)
            where T : unmanaged, INumberBase<T>
        {
            int batch = problem.BatchCount, m = problem.M, n = problem.N, k = problem.K;
            if (batch == 0 || m == 0 || n == 0) return;
            if (!IsSimdElement<T>())
            {
                // Integers, Half, Complex, decimal…: the direct loops in T's own arithmetic, one element at a time.
                path = KernelPath.Scalar;
                mode = GemmMode.Direct;
            }
            if (path == KernelPath.Auto) path = BestPath;
            KernelContext context = KernelContext.For(path);

            fixed (T* pa = &a)
            fixed (T* pb = &b)
            fixed (T* pc = &c)
            fixed (nint* batchA = problem.BatchA)
            fixed (nint* batchB = problem.BatchB)
            fixed (nint* batchC = problem.BatchC)
            fixed (nint* rowA = problem.RowA)
            fixed (nint* rowC = problem.RowC)
            fixed (nint* colB = problem.ColB)
            fixed (nint* colC = problem.ColC)
            fixed (nint* kA = problem.KA)
            fixed (nint* kB = problem.KB)
            {
                GemmArgs<T> g = new()
                {
                    A = pa, B = pb, C = pc,
                    BatchA = batchA, BatchB = batchB, BatchC = batchC,
                    RowA = rowA, RowC = rowC, ColB = colB, ColC = colC, KA = kA, KB = kB,
                    Batch = batch, M = m, N = n, K = k,
                    Path = path,
                };
                if (k == 0)
                {
                    ZeroC(&g);
                    return;
                }
                // Kept tables come with their facts (a walk over every table otherwise: ~2 µs for the tensor train's big steps).
                TableFacts f = problem.Facts ?? new TableFacts(problem);
                g.RowAUnit = f.RowA && f.RowAStride == 1 || m == 1;
                g.RowCUnit = f.RowC && f.RowCStride == 1 || m == 1;
                g.ColBUnit = f.ColB && f.ColBStride == 1 || n == 1;
                g.ColCUnit = f.ColC && f.ColCStride == 1 || n == 1;
                g.KAUnit = f.KA && f.KAStride == 1 || k == 1;
                g.KBUnit = f.KB && f.KBStride == 1 || k == 1;
                g.KAffine = f.KA && f.KB;
                g.KStrideA = f.KAStride;
                g.KStrideB = f.KBStride;

                if (mode == GemmMode.Auto) mode = ChooseMode(&g, context);
                g.Mode = mode;
                if (mode == GemmMode.Packed)
                {
                    // The micro-kernel stores rows of C with vectors: make C's unit-stride group the N group.
                    // Or where its tiles pad a small problem by clearly less (KernelDispatch.PacksTransposed).
                    bool smaller = KernelDispatch.PacksTransposed(m, n, k, context.MicroKernelRows, 2 * Lanes<T>(path), context.Dispatch);
                    if (!g.ColCUnit && g.RowCUnit && n > 1 || smaller) g.Transpose();
                }
                else
                {
                    ChooseDirect(&g, context);
                }

                int threads = Math.Min(maxThreads, KernelThreads.WorkerCount + 1);
                double flops = 2.0 * batch * m * n * k;
                if (threads > 1 && (flops < context.Dispatch.ParallelFlops || Thread.CurrentThread.IsThreadPoolThread)) threads = 1;
                SplitKind split = threads > 1 ? ChooseSplit(&g, threads, context) : SplitKind.None;
                if (KernelOptions.Current.RecordChoices) t_lastRun = Ran(&g, split);
                if (threads > 1)
                {
                    ParallelJob<T> job = new() { Args = g };
                    job.Split = split;
                    // Batch entries are independent: share them in parts so that a late worker costs little (BatchParts).
                    // Packed M or N parts each pack the whole other operand, so those are split once per thread; direct
                    // ones pack nothing and are shared in small parts too.
                    int parts = job.Split switch
                    {
                        SplitKind.Batch => BatchParts(g.Batch, flops, threads, context),
                        SplitKind.M when g.Mode == GemmMode.Direct => Math.Min(g.M / context.Dispatch.DirectMSplitUnit, context.DirectPartsPerThread * threads),
                        SplitKind.N when g.Mode == GemmMode.Direct => Math.Min(g.N / context.Dispatch.DirectNSplitUnit, context.DirectPartsPerThread * threads),
                        _ => threads,
                    };
                    if (job.Split == SplitKind.K)
                    {
                        parts = Math.Min(threads, Math.Min(context.KSplitMaxParts, KPartsCapacity));
                        PreparePartials(&job, parts);
                    }
                    if (job.Split != SplitKind.None && KernelThreads.TryRun(&RunPart<T>, &job, parts, threads))
                    {
                        if (job.Split == SplitKind.K) AddPartials(&job, parts);
                        return;
                    }
                }
                Execute(&g, new GemmRange(0, g.Batch, 0, g.M, 0, g.N));
            }
        }

        /// <summary>
        /// The parts of a batch split: up to <see cref="KernelContext.BatchPartsPerThread"/> per thread, so that the threads
        /// that finish first take a late worker's share, but no more than leave each part
        /// <see cref="KernelContext.BatchPartMinFlops"/>: within a part, each entry's operands are fetched while the entry
        /// before it computes, so only a part's first entry starts from memory (attention's 96 heads of 2.1 MFLOP).
        /// </summary>
        internal static int BatchParts(int batch, double flops, int threads, KernelContext context)
        {
            int perThread = context.BatchPartsPerThread;
            if (KernelOptions.Current.LongBatchParts)
                perThread = (int)Math.Clamp(flops / threads / context.BatchPartMinFlops, 1, perThread);
            return Math.Min(batch, perThread * threads);
        }

        /// <summary>Elements of a vector of T on <paramref name="path"/> (1 on the scalar path).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int Lanes<T>(KernelPath path) where T : unmanaged => path switch
        {
            KernelPath.Vector512 => Vector512<T>.Count,
            KernelPath.Vector256 => Vector256<T>.Count,
            KernelPath.Vector128 => Vector128<T>.Count,
            _ => 1,
        };

        private static unsafe GemmMode ChooseMode<T>(GemmArgs<T>* g, KernelContext context) where T : unmanaged, INumberBase<T>
        {
            long mnk = (long)g->M * g->N * g->K;
            // Skinny (a free group of at most 16, e.g. a layer applied to a batch): packing would copy the long factor to
            // feed a micro-kernel mostly idle on so few rows or columns; the direct loop streams it in place, with vectors
            // along a unit-stride free group of both the factor and C (measured on Zen 5, 256×16×4096 float: 56% of peak
            // direct, 29% packed; dot products along K instead measured slower than packing inside a real layer).
            bool vectorDirect = (g->ColBUnit && g->ColCUnit) || (g->RowAUnit && g->RowCUnit);
            if (vectorDirect && mnk >= context.Dispatch.SkinnyMinMultiplyAdds && Math.Min(g->M, g->N) <= context.Dispatch.SkinnyMaxSide) return GemmMode.Direct;
            // No unit-stride pair for a vector loop (every group scattered, e.g. t[j,a,b,e,f] = Σ_i w1[a,e,i]·w2[b,f,i,j]):
            // the direct loop would be scalar with three table reads per multiply-add; packing gathers each operand once
            // into dense panels instead (measured 16×128×8 float: 9.7 µs scalar).
            bool kdot = g->KAUnit && g->KBUnit && g->K >= context.Dispatch.DirectMinRun;
            if (!vectorDirect && !kdot && g->M >= context.Dispatch.GatherMinSide && g->N >= context.Dispatch.GatherMinSide && mnk >= context.Dispatch.GatherMinMultiplyAdds) return GemmMode.Packed;
            // Packing costs O(MK + KN) per batch entry and pays off once each packed element feeds enough FMAs: measured
            // on Zen 5 (float, square), the direct loop wins up to ~48³ and ties at 64³; packing wins from ~96³ on.
            int side = context.Dispatch.PackedMinSide;
            return g->M >= side && g->N >= side && g->K >= side && mnk >= context.Dispatch.PackedMinMultiplyAdds ? GemmMode.Packed : GemmMode.Direct;
        }

        private static unsafe void ChooseDirect<T>(GemmArgs<T>* g, KernelContext context) where T : unmanaged, INumberBase<T>
        {
            bool nvec = g->ColBUnit && g->ColCUnit;
            bool mvec = g->RowAUnit && g->RowCUnit;
            bool kdot = g->KAUnit && g->KBUnit;
            // A long factor whose unit stride runs along M, read by the along-N loop one strided element at a time (K
            // strided too), while N is at most one register block: compute Cᵀ with vectors along that unit stride instead,
            // streaming the long factor once, and write C through its tables (∂W = Σ_n x[n,k]·∂y[n,o] of a layer).
            int run = context.Dispatch.DirectMinRun, side = context.Dispatch.StridedCMaxSide, length = context.Dispatch.StridedCMinLong;
            if (g->RowAUnit && !g->RowCUnit && !g->KAUnit && g->N <= side && g->M >= length)
            {
                g->Transpose();
                g->Direct = DirectKind.AlongNStridedC;
            }
            else if (g->ColBUnit && !g->ColCUnit && !g->KBUnit && g->M <= side && g->N >= length)
            {
                g->Direct = DirectKind.AlongNStridedC;
            }
            else if (nvec && g->N >= run) g->Direct = DirectKind.AlongN;
            else if (mvec && g->M >= run) { g->Transpose(); g->Direct = DirectKind.AlongN; }
            else if (kdot && g->K >= run) g->Direct = DirectKind.AlongK;
            else if (nvec) g->Direct = DirectKind.AlongN;
            else if (mvec) { g->Transpose(); g->Direct = DirectKind.AlongN; }
            else g->Direct = DirectKind.Scalar;
            if (g->Direct == DirectKind.AlongN && DirectGemm.QuadFits(g, context)) g->Direct = DirectKind.AlongNQuad;
        }

        /// <summary>What a bound problem runs, in the dispatcher's terms.</summary>
        private static unsafe (DispatchedKernel, bool, DispatchedSplit) Ran<T>(GemmArgs<T>* g, SplitKind split) where T : unmanaged, INumberBase<T>
        {
            var kernel = g->Mode == GemmMode.Packed ? DispatchedKernel.Packed : g->Direct switch
            {
                DirectKind.AlongN => DispatchedKernel.DirectAlongN,
                DirectKind.AlongNQuad => DispatchedKernel.DirectAlongNQuad,
                DirectKind.AlongNStridedC => DispatchedKernel.DirectAlongNStridedC,
                DirectKind.AlongK => DispatchedKernel.DirectAlongK,
                _ => DispatchedKernel.DirectScalar,
            };
            return (kernel, g->Transposed, (DispatchedSplit)split);
        }

        private static unsafe SplitKind ChooseSplit<T>(GemmArgs<T>* g, int threads, KernelContext context) where T : unmanaged, INumberBase<T>
        {
            if (g->Batch >= 4 * threads || (g->Batch >= threads && g->Batch % threads == 0)) return SplitKind.Batch;
            if (SplitsK(g, threads, context)) return SplitKind.K;
            bool canM = g->M >= 2 * MSplitUnit(g, context), canN = g->N >= 2 * NSplitUnit(g, context);
            if (canM && canN && g->Mode == GemmMode.Packed)
            {
                // Splitting M makes every thread pack all of B; splitting N, all of A. Duplicate the cheaper packing
                // (a copy when the panel's lanes are contiguous, a transposing copy otherwise).
                double costA = (double)g->M * (g->RowAUnit ? 1 : 3);
                double costB = (double)g->N * (g->ColBUnit ? 1 : 3);
                return costB <= costA ? SplitKind.M : SplitKind.N;
            }
            if (canM && (g->M >= g->N || !canN)) return SplitKind.M;
            if (canN) return SplitKind.N;
            if (g->Batch >= threads) return SplitKind.Batch;
            return SplitKind.None;
        }

        private static unsafe int MSplitUnit<T>(GemmArgs<T>* g, KernelContext context) where T : unmanaged, INumberBase<T> =>
            g->Mode == GemmMode.Packed ? context.Dispatch.PackedMSplitUnit : context.Dispatch.DirectMSplitUnit;

        private static unsafe int NSplitUnit<T>(GemmArgs<T>* g, KernelContext context) where T : unmanaged, INumberBase<T> =>
            g->Mode == GemmMode.Packed ? context.Dispatch.PackedNSplitUnit : context.Dispatch.DirectNSplitUnit;

        private static unsafe void RunPart<T>(void* state, int part, int parts) where T : unmanaged, INumberBase<T>
        {
            ParallelJob<T>* job = (ParallelJob<T>*)state;
            GemmArgs<T>* g = &job->Args;
            GemmRange r = new(0, g->Batch, 0, g->M, 0, g->N);
            switch (job->Split)
            {
                case SplitKind.Batch:
                    r.B0 = (int)((long)g->Batch * part / parts);
                    r.B1 = (int)((long)g->Batch * (part + 1) / parts);
                    break;
                case SplitKind.M:
                    (r.M0, r.M1) = Share(g->M, MSplitUnit(g, KernelContext.For(g->Path)), part, parts);
                    break;
                case SplitKind.N:
                    (r.N0, r.N1) = Share(g->N, NSplitUnit(g, KernelContext.For(g->Path)), part, parts);
                    break;
                case SplitKind.K:
                    RunKPart(job, part, parts);
                    return;
            }
            if (r.B0 < r.B1 && r.M0 < r.M1 && r.N0 < r.N1) Execute(g, r);
        }

        private static (int, int) Share(int length, int unit, int part, int parts)
        {
            long units = (length + unit - 1) / unit;
            int lo = (int)Math.Min(length, unit * (units * part / parts));
            int hi = (int)Math.Min(length, unit * (units * (part + 1) / parts));
            return (lo, hi);
        }

        private static unsafe void Execute<T>(GemmArgs<T>* g, GemmRange r) where T : unmanaged, INumberBase<T>
        {
            if (g->Mode == GemmMode.Packed)
            {
                switch (g->Path)
                {
                    case KernelPath.Vector512 when PackedGemm.Prefers8x3(r, Vector512<T>.Count):
                        PackedGemm.Run<T, Kernel8x3<T, Vector512<T>, Simd512<T>>>(g, r);
                        break;
                    case KernelPath.Vector512: PackedGemm.Run<T, Kernel12x2<T, Vector512<T>, Simd512<T>>>(g, r); break;
                    case KernelPath.Vector256: PackedGemm.Run<T, Kernel6x2<T, Vector256<T>, Simd256<T>>>(g, r); break;
                    case KernelPath.Vector128: PackedGemm.Run<T, Kernel6x2<T, Vector128<T>, Simd128<T>>>(g, r); break;
                    default: PackedGemm.Run<T, Kernel6x2<T, T, SimdScalar<T>>>(g, r); break;
                }
            }
            else
            {
                DirectGemm.Run(g, r);
            }
        }

        private static unsafe void ZeroC<T>(GemmArgs<T>* g) where T : unmanaged, INumberBase<T>
        {
            for (int b = 0; b < g->Batch; b++)
            {
                T* c = g->C + g->BatchC[b];
                for (int i = 0; i < g->M; i++)
                {
                    T* row = c + g->RowC[i];
                    for (int j = 0; j < g->N; j++) row[g->ColC[j]] = T.Zero;
                }
            }
        }

        // The same order as DispatchedSplit (Ran casts one to the other).
        private enum SplitKind { None, Batch, M, N, K }

        private unsafe struct ParallelJob<T> where T : unmanaged, INumberBase<T>
        {
            public GemmArgs<T> Args;
            public SplitKind Split;
            /// <summary>Of a K split: the partial C of parts 1.., each dense M × N, in the calling thread's workspace.</summary>
            public T* Partials;
            /// <summary>Of a K split: the partials' offset tables (rows, then columns, then a 0 for the batch entry).</summary>
            public nint* PartialTables;
        }
    }

    /// <summary>Which micro-kernel width a call uses (Auto: the widest the hardware runs).</summary>
    internal enum KernelPath { Auto, Vector512, Vector256, Vector128, Scalar }

    /// <summary>Which tier runs a GEMM: packed panels (BLIS), or the direct loop for small or skinny problems.</summary>
    internal enum GemmMode { Auto, Packed, Direct }

    /// <summary>
    /// Which direct loop runs: vectorized along N (unit-stride columns of B and C), along N with C written through its tables
    /// (unit-stride columns of B only, at most 16 rows), along K (dot products), or scalar.
    /// </summary>
    internal enum DirectKind { AlongN, AlongNStridedC, AlongNQuad, AlongK, Scalar }

    /// <summary>A sub-range of a problem (one thread's share).</summary>
    internal struct GemmRange
    {
        public int B0, B1, M0, M1, N0, N1;

        public GemmRange(int b0, int b1, int m0, int m1, int n0, int n1)
        {
            B0 = b0; B1 = b1; M0 = m0; M1 = m1; N0 = n0; N1 = n1;
        }
    }

    /// <summary>A bound problem: pinned pointers to operands and tables, sizes and the unit-stride facts the fast paths use.</summary>
    internal unsafe struct GemmArgs<T> where T : unmanaged, INumberBase<T>
    {
        public T* A, B, C;
        public nint* BatchA, BatchB, BatchC, RowA, RowC, ColB, ColC, KA, KB;
        public int Batch, M, N, K;
        public bool RowAUnit, RowCUnit, ColBUnit, ColCUnit, KAUnit, KBUnit;
        /// <summary>Both K tables are affine: the direct loops step pointers by <see cref="KStrideA"/> and <see cref="KStrideB"/> instead of reading the tables.</summary>
        public bool KAffine;
        public nint KStrideA, KStrideB;
        public KernelPath Path;
        public GemmMode Mode;
        public DirectKind Direct;
        /// <summary>Whether <see cref="Transpose"/> ran an odd number of times.</summary>
        public bool Transposed;

        /// <summary>Computes Cᵀ = Bᵀ·Aᵀ instead: swaps the operands and the M and N groups.</summary>
        public void Transpose()
        {
            Transposed = !Transposed;
            T* t = A; A = B; B = t;
            nint* u = BatchA; BatchA = BatchB; BatchB = u;
            u = RowA; RowA = ColB; ColB = u;
            u = RowC; RowC = ColC; ColC = u;
            u = KA; KA = KB; KB = u;
            (KStrideA, KStrideB) = (KStrideB, KStrideA);
            (M, N) = (N, M);
            (RowAUnit, ColBUnit) = (ColBUnit, RowAUnit);
            (RowCUnit, ColCUnit) = (ColCUnit, RowCUnit);
            (KAUnit, KBUnit) = (KBUnit, KAUnit);
        }
    }
}
