using System;
using System.Numerics;
using EinsumGen.Runtime.Kernels;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// Runs one pairwise step. Every dimension falls in a GEMM group — batch (in both factors, or broadcast in neither), M
    /// (first factor only), N (second only) or K (summed) — whose offset tables fold any permutation, slice or broadcast
    /// into the packing of <see cref="ContractionKernel"/>, or, where a vector's worth of contiguous elements mixes labels of
    /// several groups, the lane-block tier (<see cref="LaneBlockPlan"/>). Unary steps and steps without reuse stream
    /// (<see cref="StreamKernel"/>), large batches of small products run on <see cref="SmallBatchKernel"/>; small
    /// accumulating writes use the generic strided kernel.
    /// </summary>
    internal static class StepKernel
    {
        /// <summary>
        /// Runs the step. <paramref name="call"/>: the layout's call this is (part <paramref name="part"/> of
        /// <paramref name="parts"/> of it, when sliced), whose kept offset tables the GEMM kernel reads; null for a step
        /// without a layout, or one that accumulates. <paramref name="tables"/>: tables filled beforehand for these sizes and
        /// strides (benchmarks), read instead.
        /// </summary>
        public static void Contract<T>(int kept, ReadOnlySpan<nint> sizes, ref T first, ReadOnlySpan<nint> firstStrides, ref T second, ReadOnlySpan<nint> secondStrides,
            bool hasSecond, ref T result, ReadOnlySpan<nint> resultStrides, bool accumulate, StepCall? call = null, int part = 0, int parts = 1,
            GemmTables? tables = null) where T : unmanaged, INumberBase<T>
        {
#if EINSUMGEN_CHECKED_KERNELS
            // The checked build: the step's operands (read-only) and result, pinned and registered for the kernels' accesses.
            unsafe
            {
                fixed (T* a = &first)
                fixed (T* b = &second)
                fixed (T* c = &result)
                {
                    using var regions = MemoryRegions.PushStep(a, firstStrides, b, secondStrides, hasSecond, c, resultStrides, sizes, kept);
                    ContractPinned(kept, sizes, ref first, firstStrides, ref second, secondStrides, hasSecond, ref result, resultStrides, accumulate, call, part, parts, tables);
                }
            }
        }

        private static void ContractPinned<T>(int kept, ReadOnlySpan<nint> sizes, ref T first, ReadOnlySpan<nint> firstStrides, ref T second,
            ReadOnlySpan<nint> secondStrides, bool hasSecond, ref T result, ReadOnlySpan<nint> resultStrides, bool accumulate, StepCall? call, int part, int parts,
            GemmTables? tables) where T : unmanaged, INumberBase<T>
        {
#endif
            if (KernelOptions.Current.StreamTier)
            {
                if (!hasSecond)
                {
                    StreamKernel.Contract(kept, sizes, ref first, firstStrides, ref second, secondStrides, hasSecond: false, ref result, resultStrides, accumulate);
                    return;
                }
                if (StreamKernel.TryContract(kept, sizes, ref first, firstStrides, ref second, secondStrides, ref result, resultStrides, accumulate)) return;
            }
            if (Dispatch.KernelDispatch.RunsStrided(hasSecond, accumulate, accumulate ? MultiplyAdds(sizes) : 0, KernelContext.Current.Dispatch))
            {
                StridedKernel.Contract(kept, sizes, ref first, firstStrides, ref second, secondStrides, hasSecond, ref result, resultStrides, accumulate);
                return;
            }
            if (accumulate)
            {
                // The GEMM kernel overwrites its result: compute into dense pooled scratch, then add it in.
                Span<nint> denseStrides = stackalloc nint[sizes.Length];
                nint length = StridedAdd.DenseStrides(sizes, kept, denseStrides);
                var sums = AlignedPool<T>.Rent(checked((int)length));
                Contract(kept, sizes, ref first, firstStrides, ref second, secondStrides, hasSecond, ref sums.Start, denseStrides, accumulate: false);
                if (length > 0) AddScratch(ref result, resultStrides, sums.AsSpan((int)length), denseStrides, sizes, kept);
                AlignedPool<T>.Return(sums);
                return;
            }

            // A large batch of small products: straight from the strides, before any table (one as long as the batch).
            if (KernelOptions.Current.StreamTier
                && SmallBatchKernel.TryContract(kept, sizes, ref first, firstStrides, ref second, secondStrides, ref result, resultStrides)) return;

            // A layout's call keeps its tables (they depend on sizes and strides alone; those of part p of a sliced run for
            // that part), fetched only here: a streamed step never needs them, and a batch table can be as long as the
            // step. Calls without a layout fill this thread's.
            var t = tables ?? (call is null ? GemmTables.ForCurrentThread.Fill(kept, sizes, firstStrides, secondStrides, resultStrides)
                : parts > 1 ? call.PartTables(parts)[part] : call.Tables);
            if (KernelOptions.Current.LaneBlocks && ContractionKernel.IsSimdElement<T>() && t.LanePlan(System.Runtime.CompilerServices.Unsafe.SizeOf<T>()) is { } lanes)
            {
                LaneBlockKernel.Run(lanes, ref first, ref second, ref result);
                return;
            }
            var problem = t.Problem;
            ContractionKernel.Gemm(in problem, ref first, ref second, ref result);
        }

        /// <summary>Multiply-adds of a step over <paramref name="sizes"/>: their product.</summary>
        internal static double MultiplyAdds(ReadOnlySpan<nint> sizes)
        {
            double product = 1;
            foreach (nint size in sizes) product *= size;
            return product;
        }

        private static unsafe void AddScratch<T>(ref T result, ReadOnlySpan<nint> resultStrides, ReadOnlySpan<T> scratch, ReadOnlySpan<nint> scratchStrides, ReadOnlySpan<nint> sizes, int kept)
            where T : unmanaged, INumberBase<T>
        {
            fixed (T* target = &result)
            fixed (T* source = scratch)
            fixed (nint* targetStrides = resultStrides)
            fixed (nint* sourceStrides = scratchStrides)
            fixed (nint* pSizes = sizes)
            {
                StridedAdd.Into(target, targetStrides, source, sourceStrides, pSizes, kept);
            }
        }
    }
}
