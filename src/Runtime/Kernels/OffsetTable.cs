using System;
using System.ComponentModel;

namespace EinsumGen.Runtime.Kernels
{
    /// <summary>Builds the offset tables (scatter vectors) that describe one index group of a <see cref="GemmProblem"/>.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class OffsetTable
    {
        /// <summary>
        /// Fills <paramref name="destination"/> with the offsets of a group of labels, row-major over the group (the last
        /// label varies fastest): entry <c>Σ_d i_d·strides[d]</c> for the multi-index <c>(i_0, …)</c>. No labels give the
        /// one-entry table <c>{0}</c>; a zero size gives an empty table.
        /// </summary>
        /// <param name="sizes">Sizes of the group's labels (non-negative).</param>
        /// <param name="strides">Strides of the labels in the operand, in elements (any sign, 0 for a broadcast).</param>
        /// <param name="destination">Receives the table; at least the product of <paramref name="sizes"/> long (only that prefix is written).</param>
        /// <param name="affineStride">When the result is <see langword="true"/>: the stride s with <c>table[i] = i·s</c> (0 for tables of fewer than two entries).</param>
        /// <returns><see langword="true"/> when the table is affine (<c>table[i] = i·s</c>), so kernels may use strided fast paths.</returns>
        /// <exception cref="ArgumentException">The spans differ in length, a size is negative, or <paramref name="destination"/> is too short.</exception>
        public static bool Fill(ReadOnlySpan<nint> sizes, ReadOnlySpan<nint> strides, Span<nint> destination, out nint affineStride)
        {
            if (sizes.Length != strides.Length)
                throw new ArgumentException($"{sizes.Length} sizes but {strides.Length} strides.", nameof(strides));
            nint count = 1;
            for (int d = 0; d < sizes.Length; d++)
            {
                if (sizes[d] < 0) throw new ArgumentException($"Size {d} is negative ({sizes[d]}).", nameof(sizes));
                count = checked(count * sizes[d]);
            }
            if (count > destination.Length)
                throw new ArgumentException($"The table needs {count} entries but the destination has {destination.Length}.", nameof(destination));

            affineStride = 0;
            if (count == 0) return true;
            int n = (int)count;
            destination[0] = 0;
            int filled = 1;
            // Build from the fastest label outwards: table = outer ⊗ inner, each pass multiplies the filled length.
            bool affine = true;
            nint step = 0;      // stride of the filled (affine) prefix
            for (int d = sizes.Length - 1; d >= 0; d--)
            {
                int size = (int)sizes[d];
                if (size == 1) continue;
                nint stride = strides[d];
                if (affine)
                {
                    if (filled == 1) step = stride;
                    else if (stride != step * filled) affine = false;
                }
                for (int i = 1; i < size; i++)
                {
                    nint add = stride * i;
                    Span<nint> dst = destination.Slice(i * filled, filled);
                    ReadOnlySpan<nint> src = destination.Slice(0, filled);
                    for (int j = 0; j < src.Length; j++) dst[j] = src[j] + add;
                }
                filled *= size;
            }
            if (affine) affineStride = n > 1 ? step : 0;
            return affine;
        }

        /// <summary>Whether <paramref name="table"/> is affine relative to its first entry: <c>table[i] = table[0] + i·s</c>; returns s.</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        internal static bool IsAffine(ReadOnlySpan<nint> table, out nint stride)
        {
            stride = table.Length > 1 ? table[1] - table[0] : 0;
            nint t0 = table.Length > 0 ? table[0] : 0;
            nint expected = t0;
            for (int i = 0; i < table.Length; i++, expected += stride)
                if (table[i] != expected) return false;
            return true;
        }
    }
}
