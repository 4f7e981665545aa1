using System;
using System.Runtime.CompilerServices;

namespace EinsumGen.Runtime
{
    /// <summary>Detects two strided views whose element ranges overlap (strides are never negative in System.Numerics.Tensors).</summary>
    internal static class Overlap
    {
        public static void Check<T>(ref readonly T written, nint[] writtenLengths, nint[] writtenStrides, string writtenName,
            ref readonly T read, nint[] readLengths, nint[] readStrides, string readName)
        {
            long writtenExtent = Extent(writtenLengths, writtenStrides), readExtent = Extent(readLengths, readStrides);
            if (writtenExtent == 0 || readExtent == 0) return;
            long start = (long)Unsafe.ByteOffset(in written, in read) / Unsafe.SizeOf<T>();
            if (start < writtenExtent && -start < readExtent)
            {
                throw new ArgumentException(
                    $"'{writtenName}' overlaps '{readName}' in memory; einsum writes a fresh result and needs a separate buffer.", writtenName);
            }
        }

        /// <summary>Elements from the first to one past the last element of a view; 0 when it has none.</summary>
        private static long Extent(nint[] lengths, nint[] strides)
        {
            long extent = 1;
            for (int d = 0; d < lengths.Length; d++)
            {
                if (lengths[d] == 0) return 0;
                extent += (long)(lengths[d] - 1) * strides[d];
            }
            return extent;
        }
    }
}
