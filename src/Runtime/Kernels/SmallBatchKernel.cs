using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading;
using EinsumGen.Dispatch;

namespace EinsumGen.Runtime.Kernels
{
    /// <summary>
    /// A large batch of small products, C[b, m, n] = Σ_k P[b, m, k]·Q[b, k, n] (bij,bjk->bik with i, j, k a few each; see
    /// <see cref="SmallBatchDispatch"/>): one loop walks the batch in the result's storage order, straight from the
    /// strides (no offset tables, which for such a step are as long as the batch), and each entry's product is built in
    /// registers — four rows of C at a time, a vector of Q's row per summed index shared by the four, each P element
    /// broadcast — then stored once. Large steps split the batch over the cores.
    /// </summary>
    internal static unsafe class SmallBatchKernel
    {
        /// <summary>Batch dimensions kept on the stack (more run through a heap array).</summary>
        private const int StackRank = 16;

        /// <summary>
        /// Runs the step here where <see cref="SmallBatchDispatch"/> gives it to this kernel; returns false, touching
        /// nothing, where it does not.
        /// </summary>
        public static bool TryContract<T>(int kept, ReadOnlySpan<nint> sizes, ref T first, ReadOnlySpan<nint> firstStrides, ref T second,
            ReadOnlySpan<nint> secondStrides, ref T result, ReadOnlySpan<nint> resultStrides) where T : unmanaged, INumberBase<T>
            => Run(kept, sizes, ref first, firstStrides, ref second, secondStrides, ref result, resultStrides, KernelPath.Auto,
                ContractionKernel.MaxDegreeOfParallelism, force: false);

        /// <summary>The kernel with its vector path and thread count forced (tests); <paramref name="force"/>: whatever the size.</summary>
        internal static bool Run<T>(int kept, ReadOnlySpan<nint> sizes, ref T first, ReadOnlySpan<nint> firstStrides, ref T second,
            ReadOnlySpan<nint> secondStrides, ref T result, ReadOnlySpan<nint> resultStrides, KernelPath path, int maxThreads, bool force)
            where T : unmanaged, INumberBase<T>
        {
            if (!ContractionKernel.IsSimdElement<T>()) return false;
            int rank = sizes.Length;
            // A cheap look first: a step without a summed dimension, or under the byte threshold, never comes here.
            if (rank < 3 || kept >= rank) return false;
            var limits = KernelContext.Current.Dispatch;
            long elements = 1;
            foreach (nint size in sizes) elements = size == 0 || elements > long.MaxValue / size ? elements : elements * size;
            // The step moves at most three elements per multiply-add (each block is at most the product).
            if (!force && 3.0 * elements * Unsafe.SizeOf<T>() < limits.SmallBatchMinBytes) return false;
            Span<long> longs = rank <= StackRank ? stackalloc long[4 * StackRank] : new long[4 * rank];
            Span<long> s = longs.Slice(0, rank), a = longs.Slice(rank, rank), b = longs.Slice(2 * rank, rank), r = longs.Slice(3 * rank, rank);
            for (int d = 0; d < rank; d++)
            {
                s[d] = sizes[d];
                a[d] = firstStrides[d];
                b[d] = secondStrides[d];
                r[d] = d < kept ? resultStrides[d] : 0;
            }
            var shape = SmallBatchDispatch.Choose(s, a, b, r, kept, Unsafe.SizeOf<T>(), force ? Unlimited : limits);
            if (!shape.Applies) return false;
            if (path == KernelPath.Auto) path = ContractionKernel.BestPath;
            int threads = Math.Min(maxThreads, KernelThreads.WorkerCount + 1);
            if (Thread.CurrentThread.IsThreadPoolThread) threads = 1;
            var split = SmallBatchDispatch.Split(s, shape, Unsafe.SizeOf<T>(), threads, force ? Unlimited : limits);
            if (KernelOptions.Current.RecordChoices) ContractionKernel.LastRun = (DispatchedKernel.SmallBatch, shape.Transposed, split);

            // P, Q: the factors as the kernel reads them (swapped where it computes Cᵀ).
            Span<long> sp = shape.Transposed ? b : a, sq = shape.Transposed ? a : b;
            int batchRank = 0;
            for (int d = 0; d < rank; d++) if (d != shape.M && d != shape.N && d != shape.K && s[d] > 1) batchRank++;
            Span<long> batch = batchRank <= StackRank ? stackalloc long[4 * StackRank] : new long[4 * batchRank];
            // The batch dimensions in the result's storage order, outermost first.
            int count = 0;
            for (int d = 0; d < rank; d++)
            {
                if (d == shape.M || d == shape.N || d == shape.K || s[d] <= 1) continue;
                int at = count++;
                while (at > 0 && Math.Abs(r[d]) > Math.Abs(batch[(at - 1) * 4 + 3]))
                {
                    batch.Slice((at - 1) * 4, 4).CopyTo(batch.Slice(at * 4, 4));
                    at--;
                }
                batch[at * 4] = s[d];
                batch[at * 4 + 1] = sp[d];
                batch[at * 4 + 2] = sq[d];
                batch[at * 4 + 3] = r[d];
            }
            fixed (T* pa = &first)
            fixed (T* pb = &second)
            fixed (T* pr = &result)
            fixed (long* pbatch = batch)
            {
                var job = new Job<T>
                {
                    P = shape.Transposed ? pb : pa, Q = shape.Transposed ? pa : pb, C = pr,
                    Batch = pbatch, BatchRank = batchRank,
                    M = (int)s[shape.M], N = (int)s[shape.N], K = (int)s[shape.K],
                    PM = sp[shape.M], PK = sp[shape.K], QK = sq[shape.K], CM = r[shape.M],
                    Path = path,
                };
                job.Entries = 1;
                for (int d = 0; d < batchRank; d++) job.Entries *= pbatch[d * 4];
                job.NonTemporal = NonTemporal(&job, path);
                if (split == DispatchedSplit.Batch)
                {
                    int parts = (int)Math.Min(threads, job.Entries);
                    if (KernelThreads.TryRun(&RunPart<T>, &job, parts, threads)) return true;
                }
                Entries(&job, 0, job.Entries);
            }
            return true;
        }

        /// <summary>
        /// Whether the call writes C with non-temporal stores (whole lines to memory, none read first; C is written, never
        /// added into): C too large to stay in the caches for the next step (<see cref="KernelOptions.StreamNonTemporalBytes"/>),
        /// its columns in vectors only, each on its own width (C's start, its row and batch strides whole multiples of the
        /// widest vector).
        /// </summary>
        private static bool NonTemporal<T>(Job<T>* job, KernelPath path) where T : unmanaged, INumberBase<T>
        {
            int n = job->N, size = sizeof(T);
            int width = path == KernelPath.Vector512 && n * size >= 64 ? 64 : path <= KernelPath.Vector256 && n * size >= 32 ? 32 : path <= KernelPath.Vector128 ? 16 : 0;
            if (width == 0 || n * size % 16 != 0) return false;
            if ((double)job->Entries * job->M * n * size < KernelOptions.Current.StreamNonTemporalBytes) return false;
            if ((long)job->C % width != 0 || job->CM * size % width != 0) return false;
            for (int d = 0; d < job->BatchRank; d++)
            {
                if (job->Batch[d * 4 + 3] * size % width != 0) return false;
            }
            return true;
        }

        /// <summary>Limits that let any batched small product through (tests force the kernel on small steps).</summary>
        private static readonly DispatchLimits Unlimited = new() { SmallBatchMinBytes = 0, StreamParallelBytes = 0 };

        private static void RunPart<T>(void* state, int part, int parts) where T : unmanaged, INumberBase<T>
        {
            var job = (Job<T>*)state;
            long lo = job->Entries * part / parts, hi = job->Entries * (part + 1) / parts;
            if (lo < hi) Entries(job, lo, hi);
        }

        /// <summary>Batch entries <paramref name="lo"/>..<paramref name="hi"/> (in the result's storage order).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Entries<T>(Job<T>* job, long lo, long hi) where T : unmanaged, INumberBase<T>
        {
            int rank = job->BatchRank;
            long* batch = job->Batch;
            long* index = stackalloc long[Math.Max(rank, 1)];
            long op = 0, oq = 0, oc = 0, rest = lo;
            for (int d = rank - 1; d >= 0; d--)
            {
                long size = batch[d * 4];
                index[d] = rest % size;
                rest /= size;
                op += index[d] * batch[d * 4 + 1];
                oq += index[d] * batch[d * 4 + 2];
                oc += index[d] * batch[d * 4 + 3];
            }
            // Column ranges per vector width, the widest first: whole vectors, then the narrower ones, then single elements.
            int n = job->N, j512 = 0, j256 = 0, j128 = 0;
            KernelPath path = job->Path;
            if (path == KernelPath.Vector512) j512 = n / Vector512<T>.Count * Vector512<T>.Count;
            j256 = path <= KernelPath.Vector256 ? j512 + (n - j512) / Vector256<T>.Count * Vector256<T>.Count : j512;
            j128 = path <= KernelPath.Vector128 ? j256 + (n - j256) / Vector128<T>.Count * Vector128<T>.Count : j256;
            bool nt = job->NonTemporal;
            for (long e = lo; e < hi; e++)
            {
                T* p = job->P + op, q = job->Q + oq, c = job->C + oc;
                if (j512 > 0) Columns<T, Vector512<T>, Simd512<T>>(job, p, q, c, 0, j512, nt);
                if (j256 > j512) Columns<T, Vector256<T>, Simd256<T>>(job, p, q, c, j512, j256, nt);
                if (j128 > j256) Columns<T, Vector128<T>, Simd128<T>>(job, p, q, c, j256, j128, nt);
                if (n > j128) Columns<T, T, SimdScalar<T>>(job, p, q, c, j128, n, nt: false);
                int d = rank - 1;
                for (; d >= 0; d--)
                {
                    long* dim = batch + d * 4;
                    op += dim[1];
                    oq += dim[2];
                    oc += dim[3];
                    if (++index[d] < dim[0]) break;
                    op -= dim[1] * dim[0];
                    oq -= dim[2] * dim[0];
                    oc -= dim[3] * dim[0];
                    index[d] = 0;
                }
            }
            if (nt) StreamKernel.FenceStreams();
        }

        /// <summary>
        /// Columns j0..j1 (whole vectors of TS) of one entry: four rows of C at a time, then one; per summed index a vector
        /// of Q's row, shared by the rows, times each row's P element broadcast.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Columns<T, TV, TS>(Job<T>* job, T* p, T* q, T* c, int j0, int j1, bool nt)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int m = job->M, kk = job->K, w = TS.Count;
            long pm = job->PM, pk = job->PK, qk = job->QK, cm = job->CM;
            for (int j = j0; j < j1; j += w)
            {
                int i = 0;
                for (; i + 4 <= m; i += 4)
                {
                    TV s0 = TS.Zero, s1 = TS.Zero, s2 = TS.Zero, s3 = TS.Zero;
                    T* p0 = p + i * pm;
                    T* qj = q + j;
                    for (int k = 0; k < kk; k++)
                    {
                        TV v = TS.Load(qj + k * qk);
                        T* pi = p0 + k * pk;
                        s0 = TS.Fma(TS.Broadcast(pi), v, s0);
                        s1 = TS.Fma(TS.Broadcast(pi + pm), v, s1);
                        s2 = TS.Fma(TS.Broadcast(pi + 2 * pm), v, s2);
                        s3 = TS.Fma(TS.Broadcast(pi + 3 * pm), v, s3);
                    }
                    T* ci = c + i * cm + j;
                    if (nt)
                    {
                        StreamKernel.StoreStream<T, TV, TS>(ci, s0);
                        StreamKernel.StoreStream<T, TV, TS>(ci + cm, s1);
                        StreamKernel.StoreStream<T, TV, TS>(ci + 2 * cm, s2);
                        StreamKernel.StoreStream<T, TV, TS>(ci + 3 * cm, s3);
                    }
                    else
                    {
                        TS.Store(ci, s0);
                        TS.Store(ci + cm, s1);
                        TS.Store(ci + 2 * cm, s2);
                        TS.Store(ci + 3 * cm, s3);
                    }
                }
                for (; i < m; i++)
                {
                    TV s0 = TS.Zero;
                    T* pi = p + i * pm;
                    T* qj = q + j;
                    for (int k = 0; k < kk; k++) s0 = TS.Fma(TS.Broadcast(pi + k * pk), TS.Load(qj + k * qk), s0);
                    if (nt) StreamKernel.StoreStream<T, TV, TS>(c + i * cm + j, s0);
                    else TS.Store(c + i * cm + j, s0);
                }
            }
        }

        /// <summary>A call: the factors as the kernel reads them, the batch dimensions (size and P, Q, C strides each), the product's shape.</summary>
        private struct Job<T> where T : unmanaged
        {
            public T* P, Q, C;
            public long* Batch;
            public int BatchRank, M, N, K;
            public long Entries, PM, PK, QK, CM;
            public KernelPath Path;
            public bool NonTemporal;
        }
    }
}
