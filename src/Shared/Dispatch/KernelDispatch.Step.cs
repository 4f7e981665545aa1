using System;

namespace EinsumGen.Dispatch
{
    internal static partial class KernelDispatch
    {
        /// <summary>
        /// Whether a step the streaming tier leaves (<see cref="StreamTakes"/>) runs on the strided loops instead of the GEMM
        /// kernel: an accumulating one too small to repay computing into scratch and adding it in (a unary step, where the
        /// streaming tier is switched off).
        /// </summary>
        public static bool RunsStrided(bool hasSecond, bool accumulate, double multiplyAdds, DispatchLimits limits) =>
            !hasSecond || (accumulate && multiplyAdds < limits.AccumulateThroughScratch);

        /// <summary>
        /// The kernel of the step result[kept] = Σ first · second over <paramref name="sizes"/>: the first
        /// <paramref name="kept"/> dimensions index the result, the rest are summed; each tensor's stride per dimension
        /// (0 where it lacks the label), in elements. <paramref name="laneBlock"/>: whether the lane-block tier takes
        /// the step (<see cref="LaneBlockDispatch"/>, which the runtime's <c>LaneBlockPlan</c> follows where the tier is
        /// switched on; it is tried before the GEMM kernel). <paramref name="vectorBytes"/>:
        /// the widest vectors (64, 32, 16; the element size without any); <paramref name="quadAvailable"/>: whether the
        /// quad-broadcast loop exists there; <paramref name="threads"/>: threads a call may use. Unary steps and steps
        /// without reuse go to the streaming tier first (<see cref="StreamTakes"/>), as the runtime's step kernel does, and
        /// large batches of small products to the small-batch kernel next (<see cref="SmallBatchDispatch"/>).
        /// </summary>
        public static KernelChoice ChooseStep(long[] sizes, long[] firstStrides, long[] secondStrides, long[] resultStrides, int kept,
            bool hasSecond, bool accumulate, bool laneBlock, int elementSize, int vectorBytes, bool quadAvailable, int threads, DispatchLimits limits)
        {
            double multiplyAdds = 1;
            foreach (long size in sizes) multiplyAdds *= size;
            int rank = sizes.Length;
            var canonical = new long[4 * rank + 3];
            var summed = new bool[rank];
            Span<long> cs = canonical.AsSpan(0, rank), ca = canonical.AsSpan(rank, rank), cb = canonical.AsSpan(2 * rank, rank);
            Span<long> cr = canonical.AsSpan(3 * rank, rank), elements = canonical.AsSpan(4 * rank, 3);
            if (!hasSecond || multiplyAdds > 0)
            {
                int n = 0, streamed = StreamShape.First;
                if (multiplyAdds > 0) n = StreamShape.Canonicalize(sizes, firstStrides, secondStrides, resultStrides, kept, hasSecond, cs, ca, cb, cr, summed, out streamed, elements);
                if (!hasSecond || StreamTakes(n, streamed, cs, ca, cb, cr, summed, elements, elementSize, limits))
                {
                    var split = multiplyAdds == 0 ? DispatchedSplit.None : StreamSplit(n, cs, ca, cb, cr, summed, elements, elementSize, threads, limits);
                    return new KernelChoice(DispatchedKernel.Stream, hasSecond ? DispatchReason.MemoryBound : DispatchReason.Unary, split: split);
                }
            }
            if (RunsStrided(hasSecond, accumulate, multiplyAdds, limits))
                return new KernelChoice(DispatchedKernel.Strided, hasSecond ? DispatchReason.SmallAccumulating : DispatchReason.Unary);
            var small = SmallBatchDispatch.Choose(sizes, firstStrides, secondStrides, resultStrides, kept, elementSize, limits);
            if (small.Applies)
            {
                var batched = new KernelChoice(DispatchedKernel.SmallBatch, DispatchReason.SmallProducts, transposed: small.Transposed,
                    split: SmallBatchDispatch.Split(sizes, small, elementSize, threads, limits));
                return accumulate ? batched.WithScratch() : batched;
            }
            KernelChoice choice = laneBlock
                ? new KernelChoice(DispatchedKernel.LaneBlock, DispatchReason.MixedLanes)
                : ChooseGemm(Facts(sizes, firstStrides, secondStrides, resultStrides, kept, elementSize, vectorBytes, quadAvailable), limits, threads);
            return accumulate ? choice.WithScratch() : choice;
        }

        /// <summary>
        /// The GEMM facts of a step from its dimensions: each falls in a group, batch (in both factors, or broadcast in
        /// neither), M (first factor only), N (second only) or K (summed); dimensions of size 1 in none. A group's table of
        /// a tensor is row-major over its dimensions in step order, so it is affine when each dimension's stride is the
        /// product of the inner ones' stride and sizes.
        /// </summary>
        public static GemmFacts Facts(long[] sizes, long[] firstStrides, long[] secondStrides, long[] resultStrides, int kept,
            int elementSize, int vectorBytes, bool quadAvailable)
        {
            var f = new GemmFacts
            {
                Batch = GroupSize(sizes, firstStrides, secondStrides, kept, Group.Batch),
                M = GroupSize(sizes, firstStrides, secondStrides, kept, Group.M),
                N = GroupSize(sizes, firstStrides, secondStrides, kept, Group.N),
                K = GroupSize(sizes, firstStrides, secondStrides, kept, Group.K),
                ElementSize = elementSize,
                VectorBytes = vectorBytes,
                QuadAvailable = quadAvailable,
            };
            f.RowAUnit = Unit(sizes, firstStrides, secondStrides, kept, Group.M, firstStrides, f.M);
            f.RowCUnit = Unit(sizes, firstStrides, secondStrides, kept, Group.M, resultStrides, f.M);
            f.ColBUnit = Unit(sizes, firstStrides, secondStrides, kept, Group.N, secondStrides, f.N);
            f.ColCUnit = Unit(sizes, firstStrides, secondStrides, kept, Group.N, resultStrides, f.N);
            f.KAUnit = Unit(sizes, firstStrides, secondStrides, kept, Group.K, firstStrides, f.K);
            f.KBUnit = Unit(sizes, firstStrides, secondStrides, kept, Group.K, secondStrides, f.K);
            bool ka = Affine(sizes, firstStrides, secondStrides, kept, Group.K, firstStrides, out long strideA);
            bool kb = Affine(sizes, firstStrides, secondStrides, kept, Group.K, secondStrides, out long strideB);
            f.KAffine = ka && kb;
            f.KStrideA = strideA;
            f.KStrideB = strideB;
            return f;
        }

        private enum Group { Batch, M, N, K, None }

        private static Group GroupOf(long[] sizes, long[] firstStrides, long[] secondStrides, int kept, int d)
        {
            bool a = firstStrides[d] != 0, b = secondStrides[d] != 0;
            return sizes[d] == 1 ? Group.None : d >= kept ? Group.K : a == b ? Group.Batch : a ? Group.M : Group.N;
        }

        private static int GroupSize(long[] sizes, long[] firstStrides, long[] secondStrides, int kept, Group g)
        {
            long count = 1;
            for (int d = 0; d < sizes.Length; d++)
            {
                if (GroupOf(sizes, firstStrides, secondStrides, kept, d) == g) count *= sizes[d];
            }
            return checked((int)count);
        }

        /// <summary>A group's table in one tensor is affine with stride 1, or has a single entry.</summary>
        private static bool Unit(long[] sizes, long[] firstStrides, long[] secondStrides, int kept, Group g, long[] strides, int length) =>
            length == 1 || (Affine(sizes, firstStrides, secondStrides, kept, g, strides, out long stride) && stride == 1);

        /// <summary>Whether a group's table in one tensor is affine (entry i = i·stride); stride 0 for fewer than two entries.</summary>
        private static bool Affine(long[] sizes, long[] firstStrides, long[] secondStrides, int kept, Group g, long[] strides, out long stride)
        {
            long filled = 1, step = 0;
            stride = 0;
            for (int d = 0; d < sizes.Length; d++)
            {
                if (sizes[d] == 0 && GroupOf(sizes, firstStrides, secondStrides, kept, d) == g) return true; // an empty table
            }
            for (int d = sizes.Length - 1; d >= 0; d--)
            {
                if (GroupOf(sizes, firstStrides, secondStrides, kept, d) != g) continue;
                if (filled == 1) step = strides[d];
                else if (strides[d] != step * filled) return false;
                filled *= sizes[d];
            }
            stride = filled > 1 ? step : 0;
            return true;
        }

        /// <summary>
        /// Whether the streaming tier takes a pairwise step, given its canonical dimensions (<see cref="StreamShape"/>): no
        /// reuse (its M, N or K group has one entry, so each element of the largest tensor feeds one multiply-add), enough
        /// bytes to leave the caches, and an inner run that vectors stream. Unary steps always stream.
        /// </summary>
        public static bool StreamTakes(int n, int streamed, ReadOnlySpan<long> sizes, ReadOnlySpan<long> first, ReadOnlySpan<long> second,
            ReadOnlySpan<long> result, ReadOnlySpan<bool> summed, ReadOnlySpan<long> elements, int elementSize, DispatchLimits limits)
        {
            long m = 1, nn = 1, k = 1;
            for (int d = 0; d < n; d++)
            {
                if (summed[d]) k *= sizes[d];
                else if (first[d] != 0 && second[d] == 0) m *= sizes[d];
                else if (first[d] == 0 && second[d] != 0) nn *= sizes[d];
            }
            if (Math.Min(m, Math.Min(nn, k)) > 1) return false;
            if ((elements[0] + elements[1] + elements[2]) * elementSize < limits.StreamMinBytes) return false;
            return StreamShape.VectorRun(n, streamed, first, second, result) && sizes[n - 1] >= limits.StreamMinRun;
        }

        /// <summary>
        /// How a streaming step splits over <paramref name="threads"/>: none below <see cref="DispatchLimits.StreamParallelBytes"/>
        /// moved (<see cref="MovedBytes"/>); along a kept dimension (<see cref="DispatchedSplit.M"/>: the parts write disjoint
        /// results) where there is one, else along the outermost summed one (<see cref="DispatchedSplit.K"/>: partial sums
        /// added at the end).
        /// </summary>
        public static DispatchedSplit StreamSplit(int n, ReadOnlySpan<long> sizes, ReadOnlySpan<long> first, ReadOnlySpan<long> second,
            ReadOnlySpan<long> result, ReadOnlySpan<bool> summed, ReadOnlySpan<long> elements, int elementSize, int threads, DispatchLimits limits)
        {
            if (threads <= 1 || n == 0 || MovedBytes(n, first, second, result, elements, elementSize) < limits.StreamParallelBytes) return DispatchedSplit.None;
            return StreamSplitDim(n, sizes, summed, threads) is int d && !summed[d] ? DispatchedSplit.M : DispatchedSplit.K;
        }

        /// <summary>
        /// The bytes a streaming step moves: each tensor's elements, where a tensor has no unit-stride dimension and its
        /// elements lie a cache line or more apart (a diagonal of a large matrix), a whole line per element.
        /// </summary>
        public static double MovedBytes(int n, ReadOnlySpan<long> first, ReadOnlySpan<long> second, ReadOnlySpan<long> result,
            ReadOnlySpan<long> elements, int elementSize)
        {
            return elements[0] * Bytes(first) + elements[1] * Bytes(second) + elements[2] * Bytes(result);

            double Bytes(ReadOnlySpan<long> strides)
            {
                long nearest = long.MaxValue;
                for (int d = 0; d < n; d++)
                {
                    long s = Math.Abs(strides[d]);
                    if (s != 0 && s < nearest) nearest = s;
                }
                return nearest != long.MaxValue && nearest * elementSize >= 64 ? 64 : elementSize;
            }
        }

        /// <summary>
        /// The canonical dimension a streaming step splits along: the outermost kept one with at least four parts' worth
        /// per thread, else the longest kept one, else the outermost (summed) one.
        /// </summary>
        public static int StreamSplitDim(int n, ReadOnlySpan<long> sizes, ReadOnlySpan<bool> summed, int threads)
        {
            int longest = -1;
            for (int d = 0; d < n; d++)
            {
                if (summed[d]) continue;
                if (sizes[d] >= 4 * threads) return d;
                if (longest < 0 || sizes[d] > sizes[longest]) longest = d;
            }
            return longest >= 0 ? longest : 0;
        }
    }
}
