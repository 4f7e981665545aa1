using System;
using System.Numerics;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// Runs one pairwise step. Every dimension falls in a GEMM group — batch (in both factors, or broadcast in neither), M
    /// (first factor only), N (second only) or K (summed) — whose offset tables fold any permutation, slice or broadcast
    /// into the packing of <see cref="BlockedGemm"/>. Unary steps and accumulating writes use the generic strided kernel.
    /// The GEMM's A and B are swapped when that wastes less of the micro-tile on padding.
    /// </summary>
    internal static class StepKernel
    {
        private enum Group { Batch, M, N, K, None }

        public static void Contract<T>(int kept, nint[] sizes, ref T first, nint[] firstStrides, ref T second, nint[] secondStrides, bool hasSecond,
            ref T result, nint[] resultStrides, bool accumulate) where T : unmanaged, INumberBase<T>
        {
            if (!hasSecond || accumulate)
            {
                StridedKernel.Contract(kept, sizes, ref first, firstStrides, ref second, secondStrides, hasSecond, ref result, resultStrides, accumulate);
                return;
            }

            int n = sizes.Length;
            Span<Group> group = stackalloc Group[n];
            long m = 1, cols = 1, depth = 1;
            for (int d = 0; d < n; d++)
            {
                bool a = firstStrides[d] != 0, b = secondStrides[d] != 0;
                group[d] = sizes[d] == 1 ? Group.None : d >= kept ? Group.K : a == b ? Group.Batch : a ? Group.M : Group.N;
                if (group[d] == Group.M) m *= sizes[d];
                if (group[d] == Group.N) cols *= sizes[d];
                if (group[d] == Group.K) depth *= sizes[d];
            }
            // C = A·B or, transposed, Cᵀ = Bᵀ·Aᵀ: pick the orientation with the lower estimated cost — padded micro-tiles,
            // plus packing, which is cheap where A's rows run along K contiguously and B's along N, and a gather otherwise.
            bool firstAlongK = LastStrideIsOne(group, Group.K, firstStrides), secondAlongK = LastStrideIsOne(group, Group.K, secondStrides);
            bool firstAlongM = LastStrideIsOne(group, Group.M, firstStrides), secondAlongN = LastStrideIsOne(group, Group.N, secondStrides);
            double straight = Cost<T>(m, cols, depth, firstAlongK, secondAlongN);
            double swapped = Cost<T>(cols, m, depth, secondAlongK, firstAlongM);
            bool swap = swapped < straight;
            var t = GemmTables.ForCurrentThread;
            Span<nint> scratch = stackalloc nint[2 * n];
            Group rows = swap ? Group.N : Group.M, columns = swap ? Group.M : Group.N;
            nint[] aStrides = swap ? secondStrides : firstStrides, bStrides = swap ? firstStrides : secondStrides;
            t.BatchCount = Build(group, sizes, scratch, ref t.BatchA, Group.Batch, aStrides);
            Build(group, sizes, scratch, ref t.BatchB, Group.Batch, bStrides);
            Build(group, sizes, scratch, ref t.BatchC, Group.Batch, resultStrides);
            t.M = Build(group, sizes, scratch, ref t.RowA, rows, aStrides);
            Build(group, sizes, scratch, ref t.RowC, rows, resultStrides);
            t.N = Build(group, sizes, scratch, ref t.ColB, columns, bStrides);
            Build(group, sizes, scratch, ref t.ColC, columns, resultStrides);
            t.K = Build(group, sizes, scratch, ref t.KA, Group.K, aStrides);
            Build(group, sizes, scratch, ref t.KB, Group.K, bStrides);
            t.ColCUnit = IsUnit(t.ColC, t.N);
            t.ColBUnit = IsUnit(t.ColB, t.N);
            t.KAUnit = IsUnit(t.KA, t.K);
            if (swap) BlockedGemm.Run(t, ref second, ref first, ref result);
            else BlockedGemm.Run(t, ref first, ref second, ref result);
        }

        /// <summary>Fills one offset table from the dimensions in group <paramref name="g"/>; returns its length.</summary>
        private static int Build(ReadOnlySpan<Group> group, nint[] sizes, Span<nint> scratch, ref nint[] table, Group g, nint[] strides)
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

        private static long Padded(long size, int tile) => (size + tile - 1) / tile * tile;

        /// <summary>Rough cycles: FMAs over padded tiles (two vectors per cycle), packing at 1/4 cycle per element read in order, 2 gathered.</summary>
        private static double Cost<T>(long m, long n, long k, bool aAlongK, bool bAlongN) where T : unmanaged
        {
            var (rows, columns) = BlockedGemm.Tile<T>(n);
            double compute = (double)Padded(m, rows) * Padded(n, columns) * k / columns;
            double pack = m * k * (aAlongK ? 0.25 : 2) + k * n * (bAlongN ? 0.25 : 2);
            return compute + pack;
        }

        /// <summary>Whether the innermost dimension of a group has stride 1 in an operand (its packing then reads in order).</summary>
        private static bool LastStrideIsOne(ReadOnlySpan<Group> group, Group g, nint[] strides)
        {
            for (int d = group.Length - 1; d >= 0; d--)
            {
                if (group[d] == g) return strides[d] == 1;
            }
            return true;
        }

        private static bool IsUnit(nint[] table, int count)
        {
            for (int i = 1; i < count; i++)
            {
                if (table[i] != table[0] + i) return false;
            }
            return true;
        }
    }
}
