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
            if (!hasSecond || accumulate)
            {
                StridedKernel.Contract(kept, sizes, ref first, firstStrides, ref second, secondStrides, hasSecond, ref result, resultStrides, accumulate);
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
