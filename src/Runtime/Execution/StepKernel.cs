using System;
using System.Numerics;
using EinsumGen.Runtime.Kernels;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// Runs one pairwise step. Every dimension falls in a GEMM group — batch (in both factors, or broadcast in neither), M
    /// (first factor only), N (second only) or K (summed) — whose offset tables fold any permutation, slice or broadcast
    /// into the packing of <see cref="ContractionKernel"/>. Unary steps and accumulating writes use the generic strided kernel.
    /// </summary>
    internal static class StepKernel
    {
        private enum Group { Batch, M, N, K, None }

        public static void Contract<T>(int kept, ReadOnlySpan<nint> sizes, ref T first, ReadOnlySpan<nint> firstStrides, ref T second, ReadOnlySpan<nint> secondStrides,
            bool hasSecond, ref T result, ReadOnlySpan<nint> resultStrides, bool accumulate) where T : unmanaged, INumberBase<T>
        {
            if (!hasSecond || (accumulate && MultiplyAdds(sizes) < AccumulateThroughScratch))
            {
                StridedKernel.Contract(kept, sizes, ref first, firstStrides, ref second, secondStrides, hasSecond, ref result, resultStrides, accumulate);
                return;
            }
            if (accumulate)
            {
                // The GEMM kernel overwrites its result: compute into dense pooled scratch, then add it in.
                Span<nint> denseStrides = stackalloc nint[sizes.Length];
                nint length = StridedAdd.DenseStrides(sizes, kept, denseStrides);
                var sums = System.Buffers.ArrayPool<T>.Shared.Rent(checked((int)length));
                Contract(kept, sizes, ref first, firstStrides, ref second, secondStrides, hasSecond,
                    ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(sums), denseStrides, accumulate: false);
                if (length > 0) AddScratch(ref result, resultStrides, sums, denseStrides, sizes, kept);
                System.Buffers.ArrayPool<T>.Shared.Return(sums);
                return;
            }

            int n = sizes.Length;
            Span<Group> group = stackalloc Group[n];
            for (int d = 0; d < n; d++)
            {
                bool a = firstStrides[d] != 0, b = secondStrides[d] != 0;
                group[d] = sizes[d] == 1 ? Group.None : d >= kept ? Group.K : a == b ? Group.Batch : a ? Group.M : Group.N;
            }
            var t = GemmTables.ForCurrentThread;
            Span<nint> scratch = stackalloc nint[2 * n];
            int batch = Build(group, sizes, scratch, ref t.BatchA, Group.Batch, firstStrides);
            Build(group, sizes, scratch, ref t.BatchB, Group.Batch, secondStrides);
            Build(group, sizes, scratch, ref t.BatchC, Group.Batch, resultStrides);
            int m = Build(group, sizes, scratch, ref t.RowA, Group.M, firstStrides);
            Build(group, sizes, scratch, ref t.RowC, Group.M, resultStrides);
            int columns = Build(group, sizes, scratch, ref t.ColB, Group.N, secondStrides);
            Build(group, sizes, scratch, ref t.ColC, Group.N, resultStrides);
            int depth = Build(group, sizes, scratch, ref t.KA, Group.K, firstStrides);
            Build(group, sizes, scratch, ref t.KB, Group.K, secondStrides);
            var problem = new GemmProblem(
                t.BatchA.AsSpan(0, batch), t.BatchB.AsSpan(0, batch), t.BatchC.AsSpan(0, batch),
                t.RowA.AsSpan(0, m), t.RowC.AsSpan(0, m), t.ColB.AsSpan(0, columns), t.ColC.AsSpan(0, columns),
                t.KA.AsSpan(0, depth), t.KB.AsSpan(0, depth));
            ContractionKernel.Gemm(in problem, ref first, ref second, ref result);
        }

        /// <summary>
        /// An accumulating step with at least this many multiply-adds runs on the GEMM kernel into scratch and is added in;
        /// smaller ones run on the strided kernel, which adds as it goes.
        /// </summary>
        internal const double AccumulateThroughScratch = 1 << 14;

        /// <summary>Multiply-adds of a step over <paramref name="sizes"/>: their product.</summary>
        internal static double MultiplyAdds(ReadOnlySpan<nint> sizes)
        {
            double product = 1;
            foreach (nint size in sizes) product *= size;
            return product;
        }

        private static unsafe void AddScratch<T>(ref T result, ReadOnlySpan<nint> resultStrides, T[] scratch, ReadOnlySpan<nint> scratchStrides, ReadOnlySpan<nint> sizes, int kept)
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

        /// <summary>Fills one offset table from the dimensions in group <paramref name="g"/>; returns its length.</summary>
        private static int Build(ReadOnlySpan<Group> group, ReadOnlySpan<nint> sizes, Span<nint> scratch, ref nint[] table, Group g, ReadOnlySpan<nint> strides)
        {
            int n = sizes.Length, count = 0;
            var groupSizes = scratch.Slice(0, n);
            var groupStrides = scratch.Slice(n, n);
            for (int d = 0; d < n; d++)
            {
                if (group[d] != g) continue;
                groupSizes[count] = sizes[d];
                groupStrides[count++] = strides[d];
            }
            return GemmTables.Fill(ref table, groupSizes.Slice(0, count), groupStrides.Slice(0, count));
        }
    }
}
