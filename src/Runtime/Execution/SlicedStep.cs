using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using EinsumGen.Runtime.Kernels;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// Runs a step, sliced over the cores along the dimension its layout chose (<see cref="StepSlicing"/>): part p takes
    /// the p-th contiguous range of that label, on the calling thread for part 0 and on a kernel worker for the others, in
    /// every sliced step alike, so each core finds its slice of an intermediate in its own cache. Where the label is kept
    /// in the result, the parts write disjoint parts of it; where it is summed, part 0 writes the result and every other
    /// part a partial result of its own, added in afterwards. Steps without a slice run whole.
    /// </summary>
    // Pointers to the job, a struct holding one managed reference (the call): it lives on the calling thread's stack
    // while the parts run, so that reference stays reported to the GC there.
#pragma warning disable CS8500
    internal static unsafe class SlicedStep
    {
        private static long s_calls;

        /// <summary>Steps that ran sliced so far (tests).</summary>
        internal static long Calls => Volatile.Read(ref s_calls);

        public static void Contract<T>(StepCall call, ref T first, ref T second, ref T result, bool accumulate) where T : unmanaged, INumberBase<T>
        {
            int dim = call.SliceDim;
            if (dim >= 0 && KernelOptions.Current.SlicedSteps)
            {
                int threads = Math.Min(ContractionKernel.MaxDegreeOfParallelism, KernelThreads.WorkerCount + 1);
                int parts = (int)Math.Min(KernelOptions.Current.SliceParts ?? threads, call.Sizes[dim]);
                if (parts > 1 && threads > 1 && !Thread.CurrentThread.IsThreadPoolThread && TryRun(call, ref first, ref second, ref result, accumulate, parts)) return;
            }
            StepKernel.Contract(call.Kept, call.Sizes, ref first, call.FirstStrides, ref second, call.SecondStrides, call.HasSecond,
                ref result, call.ResultStrides, accumulate, call.HasSecond && !accumulate ? call : null);
        }

        private static bool TryRun<T>(StepCall call, ref T first, ref T second, ref T result, bool accumulate, int parts) where T : unmanaged, INumberBase<T>
        {
            int rank = call.Sizes.Length, kept = call.Kept;
            // A partial result is dense over the kept dimensions (row-major), with stride 0 along the summed ones.
            Span<nint> partialStrides = stackalloc nint[rank];
            nint length = StridedAdd.DenseStrides(call.Sizes, kept, partialStrides);
            // Parts 1.. of a summed slice each write a partial result of their own (a thread may run several parts).
            // Each part's partial starts on a 64-byte line when the part length keeps the lines (as the buffer's start does).
            AlignedBuffer<T>? partials = call.SliceDim >= kept && length > 0 ? AlignedPool<T>.Rent(checked((int)(length * (parts - 1)))) : null;
            try
            {
                return TryRun(call, ref first, ref second, ref result, accumulate, parts,
                    partials is null ? Span<T>.Empty : partials.AsSpan((int)(length * (parts - 1))), partialStrides, length);
            }
            finally
            {
                if (partials is not null) AlignedPool<T>.Return(partials);
            }
        }

        private static bool TryRun<T>(StepCall call, ref T first, ref T second, ref T result, bool accumulate, int parts, Span<T> partials,
            Span<nint> partialStrides, nint length) where T : unmanaged, INumberBase<T>
        {
            int rank = call.Sizes.Length, kept = call.Kept, dim = call.SliceDim;
            fixed (T* pFirst = &first)
            fixed (T* pSecond = &second)
            fixed (T* pResult = &result)
            fixed (nint* sizes = call.Sizes)
            fixed (nint* firstStrides = call.FirstStrides)
            fixed (nint* secondStrides = call.SecondStrides)
            fixed (nint* resultStrides = call.ResultStrides)
            fixed (nint* pPartialStrides = partialStrides)
            fixed (T* pPartials = partials)
            {
#if EINSUMGEN_CHECKED_KERNELS
                // The partial results are added into the result here, after the parts (which register their own operands).
                using var regions = MemoryRegions.PushStrided(pResult, call.Sizes.AsSpan(0, kept), call.ResultStrides.AsSpan(0, kept), true, "sliced step's result");
#endif
                var job = new Job<T>
                {
                    First = pFirst, Second = pSecond, Result = pResult,
                    Sizes = sizes, FirstStrides = firstStrides, SecondStrides = secondStrides, ResultStrides = resultStrides,
                    PartialStrides = pPartialStrides, Partials = pPartials, PartialLength = length,
                    Rank = rank, Kept = kept, Dim = dim, HasSecond = call.HasSecond, Accumulate = accumulate,
                    Call = call.HasSecond && !accumulate ? call : null,
                    Parts = parts,
                };
                if (!KernelThreads.TryRun(&RunPart<T>, &job, parts, parts, pinned: true)) return false;
                Interlocked.Increment(ref s_calls);
                if (call.SliceDim >= kept && length > 0)
                {
                    for (int p = 1; p < parts; p++) StridedAdd.Into(pResult, resultStrides, pPartials + (p - 1) * length, pPartialStrides, sizes, kept);
                }
            }
            return true;
        }

        private static void RunPart<T>(void* state, int part, int parts) where T : unmanaged, INumberBase<T>
        {
            var job = (Job<T>*)state;
            int rank = job->Rank, d = job->Dim, kept = job->Kept;
            var (lo, hi) = StepCall.PartRange(job->Sizes[d], part, parts);
            Span<nint> sizes = stackalloc nint[rank];
            new ReadOnlySpan<nint>(job->Sizes, rank).CopyTo(sizes);
            sizes[d] = hi - lo;
            ref T first = ref Unsafe.AsRef<T>(job->First + lo * job->FirstStrides[d]);
            ref T second = ref Unsafe.AsRef<T>(job->Second + lo * job->SecondStrides[d]);
            var firstStrides = new ReadOnlySpan<nint>(job->FirstStrides, rank);
            var secondStrides = new ReadOnlySpan<nint>(job->SecondStrides, rank);
            if (d < kept || part == 0)
            {
                T* result = job->Result + (d < kept ? lo * job->ResultStrides[d] : 0);
                StepKernel.Contract(kept, sizes, ref first, firstStrides, ref second, secondStrides, job->HasSecond,
                    ref Unsafe.AsRef<T>(result), new ReadOnlySpan<nint>(job->ResultStrides, rank), job->Accumulate, job->Call, part, job->Parts);
                return;
            }
            T* partial = job->Partials + (part - 1) * job->PartialLength;
            StepKernel.Contract(kept, sizes, ref first, firstStrides, ref second, secondStrides, job->HasSecond,
                ref Unsafe.AsRef<T>(partial), new ReadOnlySpan<nint>(job->PartialStrides, rank), accumulate: false, job->Call, part, job->Parts);
        }

        /// <summary>Counts a sliced step run by <see cref="SweepRegion"/>.</summary>
        internal static void Counted() => Interlocked.Increment(ref s_calls);

        /// <summary>
        /// Part <paramref name="part"/> of <paramref name="parts"/> of <paramref name="call"/> (sliced along its
        /// <see cref="StepCall.SliceDim"/>), overwriting: a range of the result where the slice is kept, else the whole result
        /// (part 0) or <paramref name="partial"/>, dense with <paramref name="partialStrides"/> (the others; added in later).
        /// </summary>
        internal static void ContractPart<T>(StepCall call, int part, int parts, T* first, T* second, T* result, T* partial, nint[] partialStrides)
            where T : unmanaged, INumberBase<T>
        {
            int rank = call.Sizes.Length, d = call.SliceDim, kept = call.Kept;
            var (lo, hi) = StepCall.PartRange(call.Sizes[d], part, parts);
            Span<nint> sizes = stackalloc nint[rank];
            call.Sizes.CopyTo(sizes);
            sizes[d] = hi - lo;
            ref T a = ref Unsafe.AsRef<T>(first + lo * call.FirstStrides[d]);
            ref T b = ref Unsafe.AsRef<T>(second + lo * call.SecondStrides[d]);
            StepCall? tables = call.HasSecond ? call : null;
            if (d < kept || part == 0)
            {
                T* target = result + (d < kept ? lo * call.ResultStrides[d] : 0);
                StepKernel.Contract(kept, sizes, ref a, call.FirstStrides, ref b, call.SecondStrides, call.HasSecond,
                    ref Unsafe.AsRef<T>(target), call.ResultStrides, accumulate: false, tables, part, parts);
                return;
            }
            StepKernel.Contract(kept, sizes, ref a, call.FirstStrides, ref b, call.SecondStrides, call.HasSecond,
                ref Unsafe.AsRef<T>(partial), partialStrides, accumulate: false, tables, part, parts);
        }

        /// <summary>Adds the partial results of parts 1.. of a summed slice into the result (in part order, as <see cref="Contract{T}"/> does).</summary>
        internal static void AddPartials<T>(StepCall call, int parts, T* result, T* partials, nint[] partialStrides, nint length) where T : unmanaged, INumberBase<T>
        {
            int kept = call.Kept;
            fixed (nint* sizes = call.Sizes)
            fixed (nint* resultStrides = call.ResultStrides)
            fixed (nint* pPartialStrides = partialStrides)
            {
#if EINSUMGEN_CHECKED_KERNELS
                using var target = MemoryRegions.PushStrided(result, call.Sizes.AsSpan(0, kept), call.ResultStrides.AsSpan(0, kept), true, "sliced step's result");
                using var sources = MemoryRegions.Push(partials, (nint)(length * (parts - 1) * sizeof(T)), false, "sliced step's partial results");
#endif
                for (int p = 1; p < parts; p++) StridedAdd.Into(result, resultStrides, partials + (p - 1) * length, pPartialStrides, sizes, kept);
            }
        }

        private struct Job<T> where T : unmanaged
        {
            /// <summary>The layout's call, whose part tables the GEMM kernel reads (null where the parts accumulate).</summary>
            public StepCall? Call;
            public int Parts;
            public T* First, Second, Result, Partials;
            public nint* Sizes, FirstStrides, SecondStrides, ResultStrides, PartialStrides;
            public nint PartialLength;
            public int Rank, Kept, Dim;
            public bool HasSecond, Accumulate;
        }
#pragma warning restore CS8500
    }
}
