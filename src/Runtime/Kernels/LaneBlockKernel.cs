using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;
using EinsumGen.Dispatch;

namespace EinsumGen.Runtime.Kernels
{
    /// <summary>
    /// Runs a step planned on the lane-block tier (<see cref="LaneBlockPlan"/>): a GEMM whose elements are vectors over
    /// the block's lanes, C[b,m,n] = Σ_k A[b,m,k] ⊙ B[b,k,n]. The operand holding the block is made A (the step is
    /// transposed when it is the second) and read in place; an operand without it is expanded into panels of dense lane
    /// vectors in this thread's workspace, B as [k][8 columns], A as [k][rows of a tile]. A register tile of 3×8 vectors
    /// (Vector512; 1×8 on the narrower paths, which have 16 registers) does 24 multiply-adds per 11 loads. C is
    /// overwritten. Large calls are split over the cores.
    /// </summary>
    internal static unsafe class LaneBlockKernel
    {
        /// <summary>Columns of C one register tile computes (one panel of B).</summary>
        private const int Columns = 8;

        public static void Run<T>(LaneBlockPlan plan, ref T first, ref T second, ref T result) where T : unmanaged, INumberBase<T>
        {
            switch (plan.Path)
            {
                case KernelPath.Vector512: Run<T, Vector512<T>, Simd512<T>>(plan, ref first, ref second, ref result); break;
                case KernelPath.Vector256: Run<T, Vector256<T>, Simd256<T>>(plan, ref first, ref second, ref result); break;
                default: Run<T, Vector128<T>, Simd128<T>>(plan, ref first, ref second, ref result); break;
            }
        }

        private static void Run<T, TV, TS>(LaneBlockPlan plan, ref T first, ref T second, ref T result)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            var p = plan.Outer.Problem;
            // Cᵀ = Bᵀ·Aᵀ when the second operand holds the block: A is then always the one read in place (or expanded too).
            bool swap = plan.BlockIn == LaneBlockHolder.Second;
            fixed (T* pFirst = &first)
            fixed (T* pSecond = &second)
            fixed (T* c = &result)
            fixed (nint* batchA = p.BatchA)
            fixed (nint* batchB = p.BatchB)
            fixed (nint* batchC = p.BatchC)
            fixed (nint* rowA = p.RowA)
            fixed (nint* rowC = p.RowC)
            fixed (nint* colB = p.ColB)
            fixed (nint* colC = p.ColC)
            fixed (nint* kA = p.KA)
            fixed (nint* kB = p.KB)
            fixed (nint* laneFirst = plan.LaneFirst)
            fixed (nint* laneSecond = plan.LaneSecond)
            fixed (nint* groupOffsets = plan.GroupOffsets)
            fixed (nint* expandedK = plan.ExpandedK)
            fixed (nint* windowStart = plan.WindowStart)
            fixed (int* windowFirst = plan.WindowLanes[0])
            fixed (int* windowSecond = plan.WindowLanes[1])
            fixed (long* windowFirstLong = plan.WindowLanesLong[0])
            fixed (long* windowSecondLong = plan.WindowLanesLong[1])
            fixed (int* reduceOrder = plan.ReduceOrder)
            fixed (long* reduceOrderLong = plan.ReduceOrderLong)
            fixed (int* reduceRotations = plan.ReduceRotations)
            fixed (long* reduceRotationsLong = plan.ReduceRotationsLong)
            {
                // Shuffle indices: int for 4-byte elements, long for 8-byte ones.
                bool wide = sizeof(T) == 8;
                void* shuffleFirst = wide ? windowFirstLong : windowFirst, shuffleSecond = wide ? windowSecondLong : windowSecond;
                T* endFirst = pFirst + plan.Extents[0], endSecond = pSecond + plan.Extents[1];
                var job = new Job<T>
                {
                    A = swap ? pSecond : pFirst, B = swap ? pFirst : pSecond, C = c,
                    BatchA = swap ? batchB : batchA, BatchB = swap ? batchA : batchB, BatchC = batchC,
                    RowA = swap ? colB : rowA, RowC = swap ? colC : rowC, ColB = swap ? rowA : colB, ColC = swap ? rowC : colC,
                    KA = swap ? kB : kA, KB = swap ? kA : kB, LaneA = swap ? laneSecond : laneFirst, LaneB = swap ? laneFirst : laneSecond,
                    WindowA = plan.Window[swap ? 1 : 0], WindowB = plan.Window[swap ? 0 : 1],
                    EndA = swap ? endSecond : endFirst, EndB = swap ? endFirst : endSecond,
                    ReduceOrder = wide ? reduceOrderLong : reduceOrder, ReduceRotations = wide ? reduceRotationsLong : reduceRotations,
                    ReduceSteps = plan.ReduceSteps, RotationBytes = LaneBlockPlan.MaxLanes * (wide ? sizeof(long) : sizeof(int)),
                    WindowStartA = windowStart[swap ? 1 : 0], WindowStartB = windowStart[swap ? 0 : 1],
                    ShuffleA = swap ? shuffleSecond : shuffleFirst, ShuffleB = swap ? shuffleFirst : shuffleSecond,
                    GroupOffsets = groupOffsets, ExpandedK = expandedK,
                    Batch = p.BatchCount, M = swap ? p.N : p.M, N = swap ? p.M : p.N, K = p.K, Groups = plan.Groups,
                    ResultHoldsBlock = plan.BlockIn == LaneBlockHolder.Result,
                    GroupsAre128Bits = plan.Groups * sizeof(T) == 16 && plan.Groups < TS.Count && plan.GroupsDense,
                    Reduction = ReductionOf<T, TV, TS>(plan),
                };
                var context = KernelContext.For(plan.Path);
                int threads = Math.Min(ContractionKernel.MaxDegreeOfParallelism, KernelThreads.WorkerCount + 1);
                double flops = 2.0 * job.Batch * job.M * job.N * job.K * TS.Count;
                if (threads > 1 && flops >= context.Dispatch.ParallelFlops && !Thread.CurrentThread.IsThreadPoolThread)
                {
                    // Batch entries, else rows of C: each part expands its own rows of A (and all of B).
                    job.SplitBatch = job.Batch >= threads;
                    int parts = job.SplitBatch ? Math.Min(job.Batch, context.DirectPartsPerThread * threads) : Math.Min(job.M, threads);
                    if (KernelThreads.TryRun(&RunPart<T, TV, TS>, &job, parts, threads)) return;
                }
                Execute<T, TV, TS>(&job, 0, job.Batch, 0, job.M);
            }
        }

        /// <summary>
        /// How summed lanes are added up: by halves where the shuffle reduction's first permute keeps every lane in place and
        /// 128 bits of sums are left; by in-lane pairs where each group is four neighbouring floats of a Vector512 (∂t1's
        /// g,h); else by the plan's permutes. Each way adds the same lanes in the same order.
        /// </summary>
        private static LaneReduction ReductionOf<T, TV, TS>(LaneBlockPlan plan)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            if (plan.BlockIn == LaneBlockHolder.Result || !FastReductions) return LaneReduction.Shuffles;
            int lanes = TS.Count;
            if (plan.Groups * sizeof(T) == 16 && plan.Groups < lanes && plan.ReduceOrderIsIdentity(lanes)) return LaneReduction.FoldHalves;
            if (typeof(T) == typeof(float) && lanes == 16 && plan.Groups == 4 && plan.GroupsAreNeighbours(lanes)) return LaneReduction.PairsInLane;
            return LaneReduction.Shuffles;
        }

        /// <summary>Whether the faster reductions (<see cref="LaneReduction"/>) are used: a switch for tests and A/B runs.</summary>
        internal static bool FastReductions { get; set; } = true;

        private enum LaneReduction : byte { Shuffles, FoldHalves, PairsInLane }

        /// <summary>The name of the reduction a step planned as <paramref name="plan"/> runs with (tests check that the fast ones are taken).</summary>
        internal static string ReductionFor<T>(LaneBlockPlan plan) where T : unmanaged, INumberBase<T> => plan.Path switch
        {
            KernelPath.Vector512 => ReductionOf<T, Vector512<T>, Simd512<T>>(plan).ToString(),
            KernelPath.Vector256 => ReductionOf<T, Vector256<T>, Simd256<T>>(plan).ToString(),
            _ => ReductionOf<T, Vector128<T>, Simd128<T>>(plan).ToString(),
        };

        private static void RunPart<T, TV, TS>(void* state, int part, int parts)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            var job = (Job<T>*)state;
            int total = job->SplitBatch ? job->Batch : job->M;
            int lo = (int)((long)total * part / parts), hi = (int)((long)total * (part + 1) / parts);
            if (lo >= hi) return;
            if (job->SplitBatch) Execute<T, TV, TS>(job, lo, hi, 0, job->M);
            else Execute<T, TV, TS>(job, 0, job->Batch, lo, hi);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Execute<T, TV, TS>(Job<T>* job, int b0, int b1, int m0, int m1)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int lanes = TS.Count, k = job->K, n = job->N;
            // KernelContext.LaneTileRows of the path (the plan's PanelRows), as a JIT-time constant so that the other tile drops out.
            int tileRows = typeof(TV) == typeof(Vector512<T>) ? 3 : 1;
            int rowPanels = (m1 - m0 + tileRows - 1) / tileRows, columnPanels = (n + Columns - 1) / Columns;
            nint aPanel = (nint)k * tileRows * lanes, bPanel = (nint)k * Columns * lanes;
            var workspace = KernelWorkspace.ForCurrentThread;
            T* expandedB = workspace.PackB<T>(columnPanels * bPanel);
            // With the block in the result, both operands are expanded (else A holds it and is read in place).
            T* expandedA = job->ResultHoldsBlock ? workspace.PackA<T>(rowPanels * aPanel) : null;
            nint* kA = job->ResultHoldsBlock ? job->ExpandedK : job->KA;
            T* sums = stackalloc T[lanes];

            for (int batch = b0; batch < b1; batch++)
            {
                T* a = job->A + job->BatchA[batch];
                T* c = job->C + job->BatchC[batch];
                Expand<T, TV, TS>(expandedB, job->B + job->BatchB[batch], job->ColB, n, Columns, job->KB, k,
                    job->LaneB, job->WindowB, job->WindowStartB, job->ShuffleB, job->EndB);
                if (expandedA != null)
                {
                    Expand<T, TV, TS>(expandedA, a, job->RowA + m0, m1 - m0, tileRows, job->KA, k,
                        job->LaneA, job->WindowA, job->WindowStartA, job->ShuffleA, job->EndA);
                }
                for (int m = m0; m < m1; m += tileRows)
                {
                    // A tile's rows: of the expanded panel (its missing rows are zeros), or in place (a missing row reads the
                    // first again); only the rows that exist are written.
                    int rows = Math.Min(tileRows, m1 - m);
                    T* a0, a1, a2;
                    if (expandedA != null)
                    {
                        a0 = expandedA + (m - m0) / tileRows * aPanel;
                        a1 = a0 + lanes;
                        a2 = a0 + 2 * lanes;
                    }
                    else
                    {
                        a0 = a + job->RowA[m];
                        a1 = rows > 1 ? a + job->RowA[m + 1] : a0;
                        a2 = rows > 2 ? a + job->RowA[m + 2] : a0;
                    }
                    T* c0 = c + job->RowC[m];
                    T* c1 = rows > 1 ? c + job->RowC[m + 1] : null;
                    T* c2 = rows > 2 ? c + job->RowC[m + 2] : null;
                    for (int col = 0; col < n; col += Columns)
                    {
                        T* panel = expandedB + col / Columns * bPanel;
                        int columns = Math.Min(Columns, n - col);
                        if (tileRows == 3) Tile3<T, TV, TS>(job, a0, a1, a2, kA, panel, k, c0, c1, c2, job->ColC + col, columns, sums);
                        else Tile1<T, TV, TS>(job, a0, kA, panel, k, c0, job->ColC + col, columns, sums);
                    }
                }
            }
        }

        /// <summary>
        /// Three rows × up to eight columns of C: 24 accumulators, each k loading three A vectors and eight B vectors (11 loads
        /// for 24 multiply-adds; two rows did 10 for 16). Rows whose C pointer is null are computed but not written.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Tile3<T, TV, TS>(Job<T>* job, T* a0, T* a1, T* a2, nint* kA, T* b, int k, T* c0, T* c1, T* c2, nint* colC, int columns, T* sums)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int lanes = TS.Count;
            TV s00 = TS.Zero, s01 = TS.Zero, s02 = TS.Zero, s03 = TS.Zero, s04 = TS.Zero, s05 = TS.Zero, s06 = TS.Zero, s07 = TS.Zero;
            TV s10 = TS.Zero, s11 = TS.Zero, s12 = TS.Zero, s13 = TS.Zero, s14 = TS.Zero, s15 = TS.Zero, s16 = TS.Zero, s17 = TS.Zero;
            TV s20 = TS.Zero, s21 = TS.Zero, s22 = TS.Zero, s23 = TS.Zero, s24 = TS.Zero, s25 = TS.Zero, s26 = TS.Zero, s27 = TS.Zero;
            for (int i = 0; i < k; i++)
            {
                nint o = kA[i];
                TV x0 = TS.Load(a0 + o), x1 = TS.Load(a1 + o), x2 = TS.Load(a2 + o), y;
                y = TS.Load(b); s00 = TS.Fma(x0, y, s00); s10 = TS.Fma(x1, y, s10); s20 = TS.Fma(x2, y, s20);
                y = TS.Load(b + lanes); s01 = TS.Fma(x0, y, s01); s11 = TS.Fma(x1, y, s11); s21 = TS.Fma(x2, y, s21);
                y = TS.Load(b + 2 * lanes); s02 = TS.Fma(x0, y, s02); s12 = TS.Fma(x1, y, s12); s22 = TS.Fma(x2, y, s22);
                y = TS.Load(b + 3 * lanes); s03 = TS.Fma(x0, y, s03); s13 = TS.Fma(x1, y, s13); s23 = TS.Fma(x2, y, s23);
                y = TS.Load(b + 4 * lanes); s04 = TS.Fma(x0, y, s04); s14 = TS.Fma(x1, y, s14); s24 = TS.Fma(x2, y, s24);
                y = TS.Load(b + 5 * lanes); s05 = TS.Fma(x0, y, s05); s15 = TS.Fma(x1, y, s15); s25 = TS.Fma(x2, y, s25);
                y = TS.Load(b + 6 * lanes); s06 = TS.Fma(x0, y, s06); s16 = TS.Fma(x1, y, s16); s26 = TS.Fma(x2, y, s26);
                y = TS.Load(b + 7 * lanes); s07 = TS.Fma(x0, y, s07); s17 = TS.Fma(x1, y, s17); s27 = TS.Fma(x2, y, s27);
                b += Columns * lanes;
            }
            WriteRow<T, TV, TS>(job, c0, colC, columns, sums, s00, s01, s02, s03, s04, s05, s06, s07);
            if (c1 != null) WriteRow<T, TV, TS>(job, c1, colC, columns, sums, s10, s11, s12, s13, s14, s15, s16, s17);
            if (c2 != null) WriteRow<T, TV, TS>(job, c2, colC, columns, sums, s20, s21, s22, s23, s24, s25, s26, s27);
        }

        /// <summary>One row × up to eight columns of C (the narrower paths).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Tile1<T, TV, TS>(Job<T>* job, T* a0, nint* kA, T* b, int k, T* c0, nint* colC, int columns, T* sums)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int lanes = TS.Count;
            TV s0 = TS.Zero, s1 = TS.Zero, s2 = TS.Zero, s3 = TS.Zero, s4 = TS.Zero, s5 = TS.Zero, s6 = TS.Zero, s7 = TS.Zero;
            for (int i = 0; i < k; i++)
            {
                TV x = TS.Load(a0 + kA[i]);
                s0 = TS.Fma(x, TS.Load(b), s0);
                s1 = TS.Fma(x, TS.Load(b + lanes), s1);
                s2 = TS.Fma(x, TS.Load(b + 2 * lanes), s2);
                s3 = TS.Fma(x, TS.Load(b + 3 * lanes), s3);
                s4 = TS.Fma(x, TS.Load(b + 4 * lanes), s4);
                s5 = TS.Fma(x, TS.Load(b + 5 * lanes), s5);
                s6 = TS.Fma(x, TS.Load(b + 6 * lanes), s6);
                s7 = TS.Fma(x, TS.Load(b + 7 * lanes), s7);
                b += Columns * lanes;
            }
            WriteRow<T, TV, TS>(job, c0, colC, columns, sums, s0, s1, s2, s3, s4, s5, s6, s7);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void WriteRow<T, TV, TS>(Job<T>* job, T* row, nint* colC, int columns, T* sums, TV s0, TV s1, TV s2, TV s3, TV s4, TV s5, TV s6, TV s7)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            if (job->ResultHoldsBlock && columns == Columns)
            {
                // C holds the block: whole vectors, no reduction (the common full tile without a branch a column).
                TS.Store(row + colC[0], s0); TS.Store(row + colC[1], s1); TS.Store(row + colC[2], s2); TS.Store(row + colC[3], s3);
                TS.Store(row + colC[4], s4); TS.Store(row + colC[5], s5); TS.Store(row + colC[6], s6); TS.Store(row + colC[7], s7);
                return;
            }
            Write<T, TV, TS>(job, row + colC[0], s0, sums);
            if (columns > 1) Write<T, TV, TS>(job, row + colC[1], s1, sums);
            if (columns > 2) Write<T, TV, TS>(job, row + colC[2], s2, sums);
            if (columns > 3) Write<T, TV, TS>(job, row + colC[3], s3, sums);
            if (columns > 4) Write<T, TV, TS>(job, row + colC[4], s4, sums);
            if (columns > 5) Write<T, TV, TS>(job, row + colC[5], s5, sums);
            if (columns > 6) Write<T, TV, TS>(job, row + colC[6], s6, sums);
            if (columns > 7) Write<T, TV, TS>(job, row + colC[7], s7, sums);
        }

        /// <summary>
        /// Lane vectors of an operand without the block in place, in panels of <paramref name="panelRows"/> rows:
        /// vector (r, i) at <c>to + (r / panelRows · k + i) · panelRows · lanes + (r % panelRows) · lanes</c>, lane ℓ =
        /// <c>from[rows[r] + ks[i] + laneOffsets[ℓ]]</c> (a lane whose label the operand lacks reads offset 0 of it: the value is
        /// broadcast across that label). The last panel's missing rows are zeros. Where the lanes read a window of at most a
        /// vector's length, only the window's elements are copied, then shuffled into the lanes.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Expand<T, TV, TS>(T* to, T* from, nint* rows, int rowCount, int panelRows, nint* ks, int k, nint* laneOffsets,
            int window, nint windowStart, void* shuffle, T* end)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int lanes = TS.Count;
            T* elements = stackalloc T[lanes];
            if (window > 0)
            {
                // One load and one permute a vector: a whole vector from the window's start where it stays inside the operand
                // (all but the last few windows), else the window's elements copied first.
                from += windowStart;
                for (int r0 = 0; r0 < rowCount; r0 += panelRows)
                {
                    for (int i = 0; i < k; i++)
                    {
                        T* row = from + ks[i];
                        for (int r = r0; r < r0 + panelRows; r++, to += lanes)
                        {
                            if (r >= rowCount)
                            {
                                TS.Store(to, TS.Zero);
                                continue;
                            }
                            T* source = row + rows[r];
                            if (source + lanes > end)
                            {
                                for (int e = 0; e < window; e++) elements[e] = source[e];
                                source = elements;
                            }
                            TS.Store(to, TS.Shuffle(TS.Load(source), shuffle));
                        }
                    }
                }
                return;
            }
            for (int r0 = 0; r0 < rowCount; r0 += panelRows)
            {
                for (int i = 0; i < k; i++)
                {
                    for (int r = r0; r < r0 + panelRows; r++)
                    {
                        if (r < rowCount)
                        {
                            T* source = from + rows[r] + ks[i];
                            for (int lane = 0; lane < lanes; lane++) to[lane] = source[laneOffsets[lane]];
                        }
                        else
                        {
                            new Span<T>(to, lanes).Clear();
                        }
                        to += lanes;
                    }
                }
            }
        }

        /// <summary>
        /// Writes one vector of C: whole where C holds the block, else element by element, the lanes of summed labels added
        /// first by shuffles (<see cref="LaneBlockPlan.ReduceOrder"/>).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Write<T, TV, TS>(Job<T>* job, T* at, TV sum, T* scratch)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            if (job->ResultHoldsBlock)
            {
                TS.Store(at, sum);
                return;
            }
            if (job->Reduction == LaneReduction.FoldHalves)
            {
                // Lane i + lane i + h is the upper half added to the lower: two extracts and two narrow adds, no permute.
                var low = FoldTo128<T, TV>(sum);
                if (job->GroupsAre128Bits) low.Store(at);
                else StoreGroups(job, at, low, scratch);
                return;
            }
            if (job->Reduction == LaneReduction.PairsInLane && typeof(TV) == typeof(Vector512<T>) && typeof(T) == typeof(float))
            {
                var groups = ReduceQuads(Unsafe.As<TV, Vector512<float>>(ref sum)).As<float, T>();
                if (job->GroupsAre128Bits) groups.Store(at);
                else StoreGroups(job, at, groups, scratch);
                return;
            }
            sum = TS.Shuffle(sum, job->ReduceOrder);
            byte* rotation = (byte*)job->ReduceRotations;
            for (int step = 0; step < job->ReduceSteps; step++, rotation += job->RotationBytes) sum = TS.Add(sum, TS.Shuffle(sum, rotation));
            if (job->GroupsAre128Bits)
            {
                // The groups' sums are C's next 16 bytes (∂t1's e,f; ∂t2's g,h): the vector's low 128 bits stored whole.
                StoreLow128<T, TV>(at, sum);
                return;
            }
            TS.Store(scratch, sum);
            nint* offsets = job->GroupOffsets;
            for (int g = 0; g < job->Groups; g++) at[offsets[g]] = scratch[g];
        }

        /// <summary>
        /// The vector's halves added until 128 bits are left (lane i of each step is lane i + lane i + h of the one before, the
        /// shuffle reduction's step for h = lanes/2, lanes/4, …, in the same operand order: the same bits).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<T> FoldTo128<T, TV>(TV v) where T : unmanaged where TV : struct
        {
            if (typeof(TV) == typeof(Vector512<T>))
            {
                var wide = Unsafe.As<TV, Vector512<T>>(ref v);
                var half = wide.GetLower() + wide.GetUpper();
                return half.GetLower() + half.GetUpper();
            }
            if (typeof(TV) == typeof(Vector256<T>))
            {
                var half = Unsafe.As<TV, Vector256<T>>(ref v);
                return half.GetLower() + half.GetUpper();
            }
            return Unsafe.As<TV, Vector128<T>>(ref v);
        }

        /// <summary>
        /// Sixteen float lanes as four groups of four neighbours (group g: lanes 4g … 4g + 3), each group's sum in lane g:
        /// (m0 + m2) + (m1 + m3) by two in-lane permutes, as the shuffle reduction adds them after its transposing permute
        /// (the same bits), then one permute gathering the four sums.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<float> ReduceQuads(Vector512<float> v)
        {
            if (Avx512F.IsSupported)
            {
                v += Avx512F.Shuffle(v, v, 0b01_00_11_10); // lane 4g + s: m_s + m_(s ^ 2)
                v += Avx512F.Shuffle(v, v, 0b10_11_00_01); // lane 4g: (m0 + m2) + (m1 + m3)
                return Avx512F.PermuteVar16x32(v, Vector512.Create(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)).GetLower().GetLower();
            }
            v += Vector512.Shuffle(v, Vector512.Create(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
            v += Vector512.Shuffle(v, Vector512.Create(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14));
            return Vector128.Create(v[0], v[4], v[8], v[12]);
        }

        /// <summary>The groups' sums (lanes 0 … groups − 1 of <paramref name="sums"/>) to their result elements.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreGroups<T>(Job<T>* job, T* at, Vector128<T> sums, T* scratch) where T : unmanaged
        {
            sums.Store(scratch);
            nint* offsets = job->GroupOffsets;
            for (int g = 0; g < job->Groups; g++) at[offsets[g]] = scratch[g];
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreLow128<T, TV>(T* at, TV v) where T : unmanaged where TV : struct
        {
            if (typeof(TV) == typeof(Vector512<T>)) Unsafe.As<TV, Vector512<T>>(ref v).GetLower().GetLower().Store(at);
            else if (typeof(TV) == typeof(Vector256<T>)) Unsafe.As<TV, Vector256<T>>(ref v).GetLower().Store(at);
            else Unsafe.As<TV, Vector128<T>>(ref v).Store(at);
        }

        private struct Job<T> where T : unmanaged
        {
            public T* A, B, C;
            public void* ShuffleA, ShuffleB, ReduceOrder, ReduceRotations;
            public T* EndA, EndB;
            public int ReduceSteps, RotationBytes;
            public nint WindowStartA, WindowStartB;
            public int WindowA, WindowB;
            public nint* BatchA, BatchB, BatchC, RowA, RowC, ColB, ColC, KA, KB, LaneA, LaneB, GroupOffsets, ExpandedK;
            public int Batch, M, N, K, Groups;
            public bool ResultHoldsBlock, SplitBatch, GroupsAre128Bits;
            public LaneReduction Reduction;
        }
    }
}
