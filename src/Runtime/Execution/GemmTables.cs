using System;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// Offset tables of one batched GEMM-like step (TBLIS's scatter vectors): A[b,m,k] lives at BatchA[b] + RowA[m] + KA[k],
    /// B[b,k,n] at BatchB[b] + KB[k] + ColB[n], C[b,m,n] at BatchC[b] + RowC[m] + ColC[n]. Arrays only grow: one instance
    /// per thread serves every call without allocating.
    /// </summary>
    internal sealed class GemmTables
    {
        [ThreadStatic] private static GemmTables? t_current;

        public nint[] BatchA = Array.Empty<nint>(), BatchB = Array.Empty<nint>(), BatchC = Array.Empty<nint>();
        public nint[] RowA = Array.Empty<nint>(), RowC = Array.Empty<nint>();
        public nint[] ColB = Array.Empty<nint>(), ColC = Array.Empty<nint>();
        public nint[] KA = Array.Empty<nint>(), KB = Array.Empty<nint>();
        public int BatchCount, M, N, K;

        /// <summary>True when C's columns are contiguous (ColC[n] = ColC[0] + n), so rows are written as spans.</summary>
        public bool ColCUnit;

        /// <summary>True when B's columns are contiguous, so its panels are packed by block copies.</summary>
        public bool ColBUnit;

        /// <summary>True when A's K offsets are contiguous, so its panels are packed without the table.</summary>
        public bool KAUnit;

        public static GemmTables ForCurrentThread => t_current ??= new GemmTables();

        /// <summary>Fills <paramref name="table"/> (grown if needed) with the offsets of a group, row-major: last dimension fastest.</summary>
        public static int Fill(ref nint[] table, ReadOnlySpan<nint> sizes, ReadOnlySpan<nint> strides)
        {
            long count = 1;
            foreach (nint size in sizes) count *= size;
            if (table.Length < count) table = new nint[Math.Max(count, 2L * table.Length)];
            var span = table.AsSpan(0, (int)count);
            if (count == 0) return 0;
            span[0] = 0;
            int filled = 1;
            for (int d = sizes.Length - 1, block = 1; d >= 0; d--)
            {
                // Each outer dimension repeats the block built so far at its own stride.
                for (int i = 1; i < (int)sizes[d]; i++)
                {
                    nint offset = i * strides[d];
                    for (int j = 0; j < block; j++) span[i * block + j] = span[j] + offset;
                }
                block *= (int)sizes[d];
                filled = block;
            }
            return filled;
        }
    }
}
