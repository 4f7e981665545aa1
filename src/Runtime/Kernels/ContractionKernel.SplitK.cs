using System;
using System.Numerics;
using System.Runtime.Intrinsics;

namespace EinsumGen.Runtime.Kernels
{
    public static partial class ContractionKernel
    {
        /// <summary>Room for partial Cs in a job: a K split makes at most this many parts, whatever <see cref="KernelContext.KSplitMaxParts"/> asks.</summary>
        internal const int KPartsCapacity = 8;

        private static long s_kSplitCalls;

        /// <summary>Calls that ran split along K so far (diagnostics and tests).</summary>
        internal static long KSplitCalls => System.Threading.Volatile.Read(ref s_kSplitCalls);

        /// <summary>
        /// Whether to split the contracted group instead of M or N: a packed, single-entry problem whose K is long against
        /// its free groups (mnk,mkr->nr: M = N = 256, K = 8192). Splitting M or N makes every thread pack the whole of one
        /// operand, K·min(M, N) elements read again from memory per extra thread; splitting K has each thread pack only its
        /// share of both, at the price of a partial C per extra thread (M·N written, then added into C by the caller).
        /// </summary>
        private static unsafe bool SplitsK<T>(GemmArgs<T>* g, int threads, KernelContext context) where T : unmanaged, INumberBase<T> =>
            g->Mode == GemmMode.Packed && g->Batch == 1
            && g->K >= context.Dispatch.KSplitMinSlicesPerThread * context.KC * threads
            && (long)g->K > (long)context.Dispatch.KSplitMinAspect * Math.Max(g->M, g->N);

        /// <summary>
        /// Before a K split: the partial C of every part past the first, dense M × N, and their offset tables, all in the
        /// calling thread's workspace. The caller adds them into C after the pool has let go of the call, when a worker
        /// may already run the next call's parts: a partial in the worker's own workspace could be overwritten by then.
        /// </summary>
        private static unsafe void PreparePartials<T>(ParallelJob<T>* job, int parts) where T : unmanaged, INumberBase<T>
        {
            KernelWorkspace ws = KernelWorkspace.ForCurrentThread;
            job->Partials = ws.Partial<T>((nint)(parts - 1) * job->Args.M * job->Args.N);
            job->PartialTables = ws.PartialTables(job->Args.M, job->Args.N);
        }

        /// <summary>Part <paramref name="part"/> of a K split: its share of K, into C (part 0) or into its partial C (<see cref="PreparePartials"/>).</summary>
        private static unsafe void RunKPart<T>(ParallelJob<T>* job, int part, int parts) where T : unmanaged, INumberBase<T>
        {
            GemmArgs<T> sub = job->Args;
            (int k0, int k1) = Share(sub.K, KernelContext.For(sub.Path).KC, part, parts);
            sub.KA += k0;
            sub.KB += k0;
            sub.K = k1 - k0;
            if (part > 0)
            {
                T* partial = job->Partials + (nint)(part - 1) * sub.M * sub.N;
                nint* tables = job->PartialTables;
                sub.C = partial;
                sub.BatchC = tables + sub.M + sub.N;
                sub.RowC = tables;
                sub.ColC = tables + sub.M;
                sub.RowCUnit = sub.M == 1;
                sub.ColCUnit = true;
                if (sub.K == 0)
                {
                    new Span<T>(partial, sub.M * sub.N).Clear();
                    return;
                }
            }
            else if (sub.K == 0)
            {
                ZeroC(&sub);
                return;
            }
            Execute(&sub, new GemmRange(0, 1, 0, sub.M, 0, sub.N));
        }

        /// <summary>After a K split: adds each extra part's partial C into C.</summary>
        private static unsafe void AddPartials<T>(ParallelJob<T>* job, int parts) where T : unmanaged, INumberBase<T>
        {
            System.Threading.Interlocked.Increment(ref s_kSplitCalls);
            GemmArgs<T>* g = &job->Args;
            T* c = g->C + g->BatchC[0];
            int m = g->M, n = g->N;
            for (int part = 1; part < parts; part++)
            {
                T* partial = job->Partials + (nint)(part - 1) * m * n;
                for (int i = 0; i < m; i++)
                {
                    T* row = c + g->RowC[i];
                    T* src = partial + (nint)i * n;
                    int j = 0;
                    if (g->ColCUnit && Vector256.IsHardwareAccelerated)
                        for (; j + Vector256<T>.Count <= n; j += Vector256<T>.Count)
                            (Vector256.Load(row + j) + Vector256.Load(src + j)).Store(row + j);
                    for (; j < n; j++) row[g->ColC[j]] += src[j];
                }
            }
        }
    }
}
