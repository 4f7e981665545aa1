using System;
using System.ComponentModel;

namespace EinsumGen.Runtime.Kernels
{
    /// <summary>
    /// One pairwise contraction step described by offset tables (TBLIS-style scatter vectors), in elements:
    /// <c>A[b,m,k]</c> lives at <c>a + BatchA[b] + RowA[m] + KA[k]</c>, <c>B[b,k,n]</c> at <c>b + BatchB[b] + KB[k] + ColB[n]</c>
    /// and <c>C[b,m,n]</c> at <c>c + BatchC[b] + RowC[m] + ColC[n]</c>. A group without labels is the one-entry table
    /// <c>{0}</c>; a group with a zero-size label is an empty table. Tables can be stackalloc'd or pooled: this is a
    /// <see langword="ref"/> struct that only borrows them for the duration of a call.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public readonly ref struct GemmProblem
    {
        /// <summary>
        /// Describes a step. The tables of a group must have equal lengths (batch: <paramref name="batchA"/>,
        /// <paramref name="batchB"/>, <paramref name="batchC"/>; M: <paramref name="rowA"/>, <paramref name="rowC"/>;
        /// N: <paramref name="colB"/>, <paramref name="colC"/>; K: <paramref name="kA"/>, <paramref name="kB"/>).
        /// </summary>
        /// <param name="batchA">Offsets of the batch group in A.</param>
        /// <param name="batchB">Offsets of the batch group in B.</param>
        /// <param name="batchC">Offsets of the batch group in C.</param>
        /// <param name="rowA">Offsets of the M group (labels of A and C) in A.</param>
        /// <param name="rowC">Offsets of the M group in C.</param>
        /// <param name="colB">Offsets of the N group (labels of B and C) in B.</param>
        /// <param name="colC">Offsets of the N group in C.</param>
        /// <param name="kA">Offsets of the contracted group (labels of A and B, summed) in A.</param>
        /// <param name="kB">Offsets of the contracted group in B.</param>
        /// <exception cref="ArgumentException">The tables of one group differ in length.</exception>
        public GemmProblem(ReadOnlySpan<nint> batchA, ReadOnlySpan<nint> batchB, ReadOnlySpan<nint> batchC,
                           ReadOnlySpan<nint> rowA, ReadOnlySpan<nint> rowC,
                           ReadOnlySpan<nint> colB, ReadOnlySpan<nint> colC,
                           ReadOnlySpan<nint> kA, ReadOnlySpan<nint> kB)
        {
            if (batchA.Length != batchB.Length || batchA.Length != batchC.Length)
                throw new ArgumentException($"The batch tables differ in length: A {batchA.Length}, B {batchB.Length}, C {batchC.Length}.", nameof(batchB));
            if (rowA.Length != rowC.Length)
                throw new ArgumentException($"The M tables differ in length: A {rowA.Length}, C {rowC.Length}.", nameof(rowC));
            if (colB.Length != colC.Length)
                throw new ArgumentException($"The N tables differ in length: B {colB.Length}, C {colC.Length}.", nameof(colC));
            if (kA.Length != kB.Length)
                throw new ArgumentException($"The K tables differ in length: A {kA.Length}, B {kB.Length}.", nameof(kB));
            BatchA = batchA; BatchB = batchB; BatchC = batchC;
            RowA = rowA; RowC = rowC;
            ColB = colB; ColC = colC;
            KA = kA; KB = kB;
        }

        /// <summary>Offsets of the batch group in A.</summary>
        public ReadOnlySpan<nint> BatchA { get; }
        /// <summary>Offsets of the batch group in B.</summary>
        public ReadOnlySpan<nint> BatchB { get; }
        /// <summary>Offsets of the batch group in C.</summary>
        public ReadOnlySpan<nint> BatchC { get; }
        /// <summary>Offsets of the M group in A.</summary>
        public ReadOnlySpan<nint> RowA { get; }
        /// <summary>Offsets of the M group in C.</summary>
        public ReadOnlySpan<nint> RowC { get; }
        /// <summary>Offsets of the N group in B.</summary>
        public ReadOnlySpan<nint> ColB { get; }
        /// <summary>Offsets of the N group in C.</summary>
        public ReadOnlySpan<nint> ColC { get; }
        /// <summary>Offsets of the contracted group in A.</summary>
        public ReadOnlySpan<nint> KA { get; }
        /// <summary>Offsets of the contracted group in B.</summary>
        public ReadOnlySpan<nint> KB { get; }

        /// <summary>Number of batch entries.</summary>
        public int BatchCount => BatchC.Length;
        /// <summary>Size of the M group.</summary>
        public int M => RowC.Length;
        /// <summary>Size of the N group.</summary>
        public int N => ColC.Length;
        /// <summary>Size of the contracted group.</summary>
        public int K => KA.Length;

        /// <summary>Multiply-adds of the step: batch · M · N · K (FLOPs are twice this).</summary>
        public long MultiplyAdds => (long)BatchCount * M * N * K;

        /// <summary>The tables' affine facts when their owner computed them once (a layout's kept tables); else null.</summary>
        internal TableFacts? Facts { get; init; }
    }

    /// <summary>Which of a problem's tables are affine (offset i = offset 0 + i·stride), with their strides.</summary>
    internal readonly struct TableFacts
    {
        public readonly bool RowA, RowC, ColB, ColC, KA, KB;
        public readonly nint RowAStride, RowCStride, ColBStride, ColCStride, KAStride, KBStride;

        public TableFacts(in GemmProblem p)
        {
            RowA = OffsetTable.IsAffine(p.RowA, out RowAStride);
            RowC = OffsetTable.IsAffine(p.RowC, out RowCStride);
            ColB = OffsetTable.IsAffine(p.ColB, out ColBStride);
            ColC = OffsetTable.IsAffine(p.ColC, out ColCStride);
            KA = OffsetTable.IsAffine(p.KA, out KAStride);
            KB = OffsetTable.IsAffine(p.KB, out KBStride);
        }
    }
}
