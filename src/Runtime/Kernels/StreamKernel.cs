using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading;
using EinsumGen.Dispatch;

namespace EinsumGen.Runtime.Kernels
{
    /// <summary>
    /// The streaming tier: result[kept] (=|+=) Σ_summed first · second (second optional) for steps with a few FLOPs per byte
    /// — reductions along any axis, permutations and transposes, diagonals and traces, outer products, matrix-vector
    /// products both ways, broadcasting scales, Hadamard products. The dimensions are walked in the storage order of the
    /// largest tensor (<see cref="StreamShape"/>); the inner run streams with vectors where every tensor is unit-stride or
    /// broadcast along it, a transpose goes through cache-sized tiles, and anything else runs a scalar loop in that same
    /// order. Large steps split over the cores along a kept dimension (disjoint results), or a summed one when none is
    /// kept (partial sums added at the end). The entry point for any unary step (a reduction, a diagonal, a permutation):
    /// the same arguments as <see cref="StridedKernel.Contract"/>, which it replaces there.
    /// </summary>
    internal static unsafe partial class StreamKernel
    {
        /// <summary>Ranks up to this size keep their canonical dimensions on the stack.</summary>
        private const int StackRank = 16;

        /// <summary>Runs a unary step, or a pairwise one, on this tier (whether or not the dispatcher would choose it).</summary>
        public static void Contract<T>(int kept, ReadOnlySpan<nint> sizes, ref T first, ReadOnlySpan<nint> firstStrides, ref T second, ReadOnlySpan<nint> secondStrides,
            bool hasSecond, ref T result, ReadOnlySpan<nint> resultStrides, bool accumulate) where T : unmanaged, INumberBase<T>
            => Run(kept, sizes, ref first, firstStrides, ref second, secondStrides, hasSecond, ref result, resultStrides, accumulate, onlyIfTaken: false,
                KernelPath.Auto, ContractionKernel.MaxDegreeOfParallelism);

        /// <summary>
        /// Runs a pairwise step here where the dispatcher gives it to this tier (<see cref="KernelDispatch.StreamTakes"/>);
        /// returns false, touching nothing, where it does not.
        /// </summary>
        public static bool TryContract<T>(int kept, ReadOnlySpan<nint> sizes, ref T first, ReadOnlySpan<nint> firstStrides, ref T second, ReadOnlySpan<nint> secondStrides,
            ref T result, ReadOnlySpan<nint> resultStrides, bool accumulate) where T : unmanaged, INumberBase<T>
        {
            // A cheap look before the canonical form: a step whose M, N and K groups all have several entries reuses its
            // operands (a GEMM), and a step under the byte threshold stays where it is.
            long m = 1, n = 1, k = 1;
            for (int d = 0; d < sizes.Length; d++)
            {
                long size = sizes[d];
                if (size == 0) return false;
                if (d >= kept) k *= size;
                else if (firstStrides[d] != 0 && secondStrides[d] == 0) m *= size;
                else if (firstStrides[d] == 0 && secondStrides[d] != 0) n *= size;
            }
            if (Math.Min(m, Math.Min(n, k)) > 1) return false;
            // Without reuse no tensor holds more elements than the step has multiply-adds.
            if (Saturating(3 * StepElements(sizes), Unsafe.SizeOf<T>()) < KernelContext.Current.Dispatch.StreamMinBytes) return false;
            return Run(kept, sizes, ref first, firstStrides, ref second, secondStrides, hasSecond: true, ref result, resultStrides, accumulate, onlyIfTaken: true,
                KernelPath.Auto, ContractionKernel.MaxDegreeOfParallelism);
        }

        /// <summary>The product of the sizes (the elements of the largest tensor of a step without reuse, at most).</summary>
        private static long StepElements(ReadOnlySpan<nint> sizes)
        {
            long product = 1;
            foreach (nint size in sizes) product = Saturating(product, size);
            return product;
        }

        private static long Saturating(long a, long b) => b != 0 && a > long.MaxValue / b ? long.MaxValue : a * b;

        /// <summary>The tier with its vector path and thread count forced (tests and benchmarks).</summary>
        internal static bool Run<T>(int kept, ReadOnlySpan<nint> sizes, ref T first, ReadOnlySpan<nint> firstStrides, ref T second, ReadOnlySpan<nint> secondStrides,
            bool hasSecond, ref T result, ReadOnlySpan<nint> resultStrides, bool accumulate, bool onlyIfTaken, KernelPath path, int maxThreads)
            where T : unmanaged, INumberBase<T>
        {
            int rank = sizes.Length;
            bool emptySum = false;
            for (int d = 0; d < rank; d++)
            {
                if (sizes[d] != 0) continue;
                if (onlyIfTaken) return false;
                if (d < kept) return true; // an empty result: nothing to write
                emptySum = true;
            }
            fixed (T* pa = &first)
            fixed (T* pb = &second)
            fixed (T* pr = &result)
            {
                if (emptySum)
                {
                    // Sums over nothing: zeros (added to an accumulated result, they change nothing).
                    if (!accumulate) ZeroKept(pr, sizes, resultStrides, kept);
                    return true;
                }
                int size = Math.Max(rank, 1);
                Span<long> longs = rank <= StackRank ? stackalloc long[8 * StackRank + 3] : new long[8 * size + 3];
                Span<bool> summedSpan = rank <= StackRank ? stackalloc bool[StackRank] : new bool[size];
                Span<long> rawSizes = longs.Slice(0, size), rawA = longs.Slice(size, size), rawB = longs.Slice(2 * size, size), rawR = longs.Slice(3 * size, size);
                Span<long> cs = longs.Slice(4 * size, size), ca = longs.Slice(5 * size, size), cb = longs.Slice(6 * size, size), cr = longs.Slice(7 * size, size);
                Span<long> elements = longs.Slice(8 * size, 3);
                for (int d = 0; d < rank; d++)
                {
                    rawSizes[d] = sizes[d];
                    rawA[d] = firstStrides[d];
                    rawB[d] = hasSecond ? secondStrides[d] : 0;
                    rawR[d] = d < kept ? resultStrides[d] : 0;
                }
                int n = StreamShape.Canonicalize(rawSizes.Slice(0, rank), rawA, rawB, rawR, kept, hasSecond, cs, ca, cb, cr, summedSpan, out int streamed, elements);
                var limits = KernelContext.Current.Dispatch;
                if (onlyIfTaken && !KernelDispatch.StreamTakes(n, streamed, cs, ca, cb, cr, summedSpan, elements, Unsafe.SizeOf<T>(), limits)) return false;

                if (path == KernelPath.Auto) path = ContractionKernel.BestPath;
                if (!ContractionKernel.IsSimdElement<T>()) path = KernelPath.Scalar;
                int threads = Math.Min(maxThreads, KernelThreads.WorkerCount + 1);
                if (Thread.CurrentThread.IsThreadPoolThread) threads = 1;
                var split = KernelDispatch.StreamSplit(n, cs, ca, cb, cr, summedSpan, elements, Unsafe.SizeOf<T>(), threads, limits);
                if (KernelOptions.Current.RecordChoices && hasSecond) ContractionKernel.LastRun = (DispatchedKernel.Stream, false, split);

                fixed (long* s = cs, sa = ca, sb = cb, sr = cr)
                fixed (bool* summed = summedSpan)
                {
                    var job = new Job<T>
                    {
                        A = pa, B = pb, R = pr, Sizes = s, SA = sa, SB = sb, SR = sr, Summed = summed, N = n,
                        HasB = hasSecond, Accumulate = accumulate, Path = path, Streamed = streamed,
                        NonTemporal = NonTemporalResult<T>(elements, accumulate, path),
                    };
                    if (split != DispatchedSplit.None && TrySplit(&job, threads)) return true;
                    Execute(&job, pa, pb, pr, s, accumulate);
                }
            }
            return true;
        }

        private static bool TrySplit<T>(Job<T>* job, int threads) where T : unmanaged, INumberBase<T>
        {
            int d = KernelDispatch.StreamSplitDim(job->N, new ReadOnlySpan<long>(job->Sizes, job->N), new ReadOnlySpan<bool>(job->Summed, job->N), threads);
            int parts = (int)Math.Min(threads, job->Sizes[d]);
            if (parts < 2) return false;
            job->SplitDim = d;
            // Parts of a unit-stride dimension of the result start on whole cache lines, so that no line is written by both.
            job->SplitUnit = job->SR[d] == 1 && job->Sizes[d] >= 128L * parts ? 64 : 1;
            T* partials = stackalloc T[parts];
            job->Partials = partials;
            if (!KernelThreads.TryRun(&RunPart<T>, job, parts, threads))
            {
                // The pool is taken (another thread of this process holds it, or this is one of its workers): the same parts
                // here, one after the other, so that the result does not depend on whether the pool was free. A split along
                // a summed dimension groups its sums by part, and even a kept split can (a part's rows summed four at a
                // time start at the part's first row).
                for (int p = 0; p < parts; p++) RunPart<T>(job, p, parts);
            }
            if (job->Summed[d])
            {
                // No kept dimension: the result is one element, and parts 1.. each summed their share into a partial.
                T sum = T.Zero;
                for (int p = 1; p < parts; p++) sum += partials[p];
                *job->R += sum;
            }
            return true;
        }

        private static void RunPart<T>(void* state, int part, int parts) where T : unmanaged, INumberBase<T>
        {
            var job = (Job<T>*)state;
            int d = job->SplitDim, n = job->N;
            long total = job->Sizes[d], unit = job->SplitUnit, units = (total + unit - 1) / unit;
            long lo = Math.Min(total, unit * (units * part / parts)), hi = Math.Min(total, unit * (units * (part + 1) / parts));
            if (lo >= hi) return;
            long* sizes = stackalloc long[Math.Max(n, 1)];
            for (int i = 0; i < n; i++) sizes[i] = job->Sizes[i];
            sizes[d] = hi - lo;
            T* a = job->A + lo * job->SA[d], b = job->B + lo * job->SB[d];
            if (job->Summed[d] && part > 0)
            {
                // Partial sums start from zero; the result has no kept dimension, so every result stride is 0.
                Execute(job, a, b, job->Partials + part, sizes, accumulate: false);
                return;
            }
            Execute(job, a, b, job->R + lo * job->SR[d], sizes, job->Accumulate);
        }

        /// <summary>Runs the step over <paramref name="sizes"/> (the job's canonical dimensions, or one part's share of them).</summary>
        private static void Execute<T>(Job<T>* job, T* a, T* b, T* r, long* sizes, bool accumulate) where T : unmanaged, INumberBase<T>
        {
            int n = job->N;
            var step = new Walk<T>
            {
                A = a, B = b, R = r, Sizes = sizes, SA = job->SA, SB = job->SB, SR = job->SR, Summed = job->Summed, N = n, HasB = job->HasB,
            };
            if (n == 0)
            {
                T value = job->HasB ? *a * *b : *a;
                *r = accumulate ? *r + value : value;
                return;
            }
            bool vectors = job->Path != KernelPath.Scalar
                && StreamShape.VectorRun(n, job->Streamed, new ReadOnlySpan<long>(job->SA, n), new ReadOnlySpan<long>(job->SB, n), new ReadOnlySpan<long>(job->SR, n));
            int tj = -1;
            bool tiles = !vectors && TileDims(&step, out tj);
            // A summed dimension outside the inner run (inside a tile, any summed dimension) adds into each result element
            // several times: start from zeros.
            bool outerSum = false;
            for (int d = 0; d < (tiles ? n : n - 1); d++) outerSum |= job->Summed[d];
            if (outerSum && !accumulate)
            {
                ZeroResult(&step);
                accumulate = true;
            }
            step.Add = accumulate;
            step.NonTemporal = job->NonTemporal && !accumulate;
            if (vectors)
            {
                switch (job->Path)
                {
                    case KernelPath.Vector512: Runs<T, Vector512<T>, Simd512<T>>(&step, outerSum); break;
                    case KernelPath.Vector256: Runs<T, Vector256<T>, Simd256<T>>(&step, outerSum); break;
                    default: Runs<T, Vector128<T>, Simd128<T>>(&step, outerSum); break;
                }
            }
            else if (tiles) Tiles(&step, tj, vectorBlocks: job->Path == KernelPath.Vector512);
            else Runs<T, T, SimdScalar<T>>(&step, outerSum);
            if (step.NonTemporal) FenceStreams();
        }

        /// <summary>Writes zeros over the kept dimensions of a result (the strides as given, before any canonical form).</summary>
        private static void ZeroKept<T>(T* r, ReadOnlySpan<nint> sizes, ReadOnlySpan<nint> strides, int kept) where T : unmanaged, INumberBase<T>
        {
            Span<nint> index = kept <= 64 ? stackalloc nint[64].Slice(0, kept) : new nint[kept];
            index.Clear();
            nint offset = 0;
            while (true)
            {
                r[offset] = T.Zero;
                int d = kept - 1;
                for (; d >= 0; d--)
                {
                    offset += strides[d];
                    if (++index[d] < sizes[d]) break;
                    offset -= strides[d] * sizes[d];
                    index[d] = 0;
                }
                if (d < 0) return;
            }
        }

        /// <summary>Writes zeros over the step's result (its kept canonical dimensions).</summary>
        private static void ZeroResult<T>(Walk<T>* w) where T : unmanaged, INumberBase<T>
        {
            int n = w->N;
            long* sizes = stackalloc long[n];
            long* strides = stackalloc long[n];
            int k = 0;
            for (int d = 0; d < n; d++)
            {
                if (w->Summed[d]) continue;
                sizes[k] = w->Sizes[d];
                strides[k] = w->SR[d];
                k++;
            }
            if (k == 0)
            {
                *w->R = T.Zero;
                return;
            }
            long* index = stackalloc long[k];
            for (int d = 0; d < k; d++) index[d] = 0;
            long inner = sizes[k - 1], stride = strides[k - 1], offset = 0;
            while (true)
            {
                T* p = w->R + offset;
                if (stride == 1) new Span<T>(p, checked((int)inner)).Clear();
                else for (long i = 0; i < inner; i++) p[i * stride] = T.Zero;
                int d = k - 2;
                for (; d >= 0; d--)
                {
                    offset += strides[d];
                    if (++index[d] < sizes[d]) break;
                    offset -= strides[d] * sizes[d];
                    index[d] = 0;
                }
                if (d < 0) return;
            }
        }

        /// <summary>A call (or one part of it): the canonical dimensions and the tensors' base elements.</summary>
        private struct Job<T> where T : unmanaged
        {
            public T* A, B, R, Partials;
            public long* Sizes, SA, SB, SR;
            public bool* Summed;
            public int N, Streamed, SplitDim;
            public long SplitUnit;
            public bool HasB, Accumulate, NonTemporal;
            public KernelPath Path;
        }

        /// <summary>What the loops walk: base elements, canonical sizes and strides, and whether they add into the result.</summary>
        private struct Walk<T> where T : unmanaged
        {
            public T* A, B, R;
            public long* Sizes, SA, SB, SR;
            public bool* Summed;
            public int N;
            public bool HasB, Add;

            /// <summary>Whether whole-vector stores of a written (not added) result go out non-temporal (<see cref="NonTemporalResult{T}"/>).</summary>
            public bool NonTemporal;
        }
    }
}
