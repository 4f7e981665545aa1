using System;
using System.Runtime.CompilerServices;

namespace EinsumGen.Runtime
{
    /// <summary>Detects two strided views whose element ranges overlap (strides are never negative in System.Numerics.Tensors).</summary>
    internal static class Overlap
    {
        public static bool Overlaps<T>(ref readonly T written, ReadOnlySpan<nint> writtenLengths, ReadOnlySpan<nint> writtenStrides,
            ref readonly T read, ReadOnlySpan<nint> readLengths, ReadOnlySpan<nint> readStrides)
        {
            long writtenExtent = Extent(writtenLengths, writtenStrides), readExtent = Extent(readLengths, readStrides);
            return Overlaps(in written, writtenExtent, in read, readExtent);
        }

        /// <summary>Whether [written, written + writtenExtent) and [read, read + readExtent) share an element.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool Overlaps<T>(ref readonly T written, long writtenExtent, ref readonly T read, long readExtent)
        {
            if (writtenExtent == 0 || readExtent == 0) return false;
            long start = (long)Unsafe.ByteOffset(in written, in read) / Unsafe.SizeOf<T>();
            return start < writtenExtent && -start < readExtent;
        }

        /// <summary>The error for a written view that overlaps a read one (the message is built only when it is thrown).</summary>
        public static ArgumentException Error(string writtenName, string readName) =>
            new ArgumentException($"'{writtenName}' overlaps '{readName}' in memory; einsum writes a fresh result and needs a separate buffer.", writtenName);

        /// <summary>Elements from the first to one past the last element of a view; 0 when it has none.</summary>
        internal static long Extent(ReadOnlySpan<nint> lengths, ReadOnlySpan<nint> strides)
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
