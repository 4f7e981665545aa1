using System;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// Offset tables of one batched GEMM-like step (TBLIS's scatter vectors): A[b,m,k] lives at BatchA[b] + RowA[m] + KA[k],
    /// B[b,k,n] at BatchB[b] + KB[k] + ColB[n], C[b,m,n] at BatchC[b] + RowC[m] + ColC[n]. Arrays only grow: one instance
    /// per thread serves every call without allocating; the lengths in use are the ones <see cref="Fill"/> returned.
    /// </summary>
    internal sealed class GemmTables
    {
        [ThreadStatic] private static GemmTables? t_current;

        public nint[] BatchA = Array.Empty<nint>(), BatchB = Array.Empty<nint>(), BatchC = Array.Empty<nint>();
        public nint[] RowA = Array.Empty<nint>(), RowC = Array.Empty<nint>();
        public nint[] ColB = Array.Empty<nint>(), ColC = Array.Empty<nint>();
        public nint[] KA = Array.Empty<nint>(), KB = Array.Empty<nint>();

        public static GemmTables ForCurrentThread => t_current ??= new GemmTables();

        /// <summary>Fills <paramref name="table"/> (grown if needed) with a group's offsets (see <see cref="Kernels.OffsetTable"/>); returns the length.</summary>
        public static int Fill(ref nint[] table, ReadOnlySpan<nint> sizes, ReadOnlySpan<nint> strides)
        {
            long count = 1;
            foreach (nint size in sizes) count *= size;
            if (table.Length < count) table = new nint[Math.Max(count, 2L * table.Length)];
            Kernels.OffsetTable.Fill(sizes, strides, table.AsSpan(0, (int)count), out _);
            return (int)count;
        }
    }
}
