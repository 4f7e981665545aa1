using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// A pooled buffer whose first element sits on a 64-byte boundary (one cache line, one AVX-512 vector): the array is
    /// pinned (allocated on the pinned object heap), so the offset found once at allocation stays valid and aligned for the
    /// buffer's life. Element types holding references, or whose size does not divide 64, get an ordinary array at offset 0.
    /// </summary>
    internal sealed class AlignedBuffer<T>
    {
        /// <summary>The array that holds the buffer; the buffer starts at <see cref="Offset"/> inside it.</summary>
        public readonly T[] Array;

        /// <summary>The index of the buffer's first element in <see cref="Array"/>.</summary>
        public readonly int Offset;

        /// <summary>Elements usable from <see cref="Offset"/> on.</summary>
        public readonly int Capacity;

        internal unsafe AlignedBuffer(int capacity)
        {
            int pad = AlignedPool<T>.Pad;
            Capacity = capacity;
            if (pad == 0)
            {
                Array = new T[capacity];
                return;
            }
            Array = GC.AllocateUninitializedArray<T>(capacity + pad, pinned: true);
            nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Array));
            int misalignment = (int)(address & (AlignedPool<T>.Alignment - 1));
            int bytes = (AlignedPool<T>.Alignment - misalignment) & (AlignedPool<T>.Alignment - 1);
            Offset = bytes % Unsafe.SizeOf<T>() == 0 ? bytes / Unsafe.SizeOf<T>() : 0; // an odd start: no element lands on a line
        }

        /// <summary>The buffer's first element.</summary>
        public ref T Start => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Array), Offset);

        /// <summary>The first <paramref name="length"/> elements of the buffer.</summary>
        public Span<T> AsSpan(int length) => Array.AsSpan(Offset, length);
    }

    /// <summary>
    /// Per-thread pool of <see cref="AlignedBuffer{T}"/> for the runtime's intermediates and scratch. The AVX-512 kernels
    /// split every vector load and store across two cache lines when a buffer starts off a line, which <c>ArrayPool</c>
    /// arrays do; these start on one. A buffer is rented and returned on the same thread (a call's intermediates by its
    /// binding, a step's scratch around the kernel), so the free lists need no lock; a thread keeps at most
    /// <see cref="MaxFree"/> free buffers per element type, and a buffer beyond them is left to the collector.
    /// </summary>
    internal static class AlignedPool<T>
    {
        /// <summary>The alignment of every buffer's start, in bytes.</summary>
        public const int Alignment = 64;

        /// <summary>Free buffers one thread keeps per element type.</summary>
        private const int MaxFree = 16;

        /// <summary>Extra elements allocated so that an aligned start fits; 0 where no aligned start is possible.</summary>
        internal static readonly int Pad = RuntimeHelpers.IsReferenceOrContainsReferences<T>() || Unsafe.SizeOf<T>() > Alignment
            || !BitOperations.IsPow2(Unsafe.SizeOf<T>()) ? 0 : Alignment / Unsafe.SizeOf<T>();

        [ThreadStatic] private static AlignedBuffer<T>?[]? t_free;
        [ThreadStatic] private static int t_count;

        /// <summary>A buffer of at least <paramref name="length"/> elements: this thread's smallest free one that fits, or a new one.</summary>
        public static AlignedBuffer<T> Rent(int length)
        {
            var free = t_free;
            int best = -1;
            for (int i = 0; i < t_count; i++)
            {
                int capacity = free![i]!.Capacity;
                if (capacity >= length && (best < 0 || capacity < free[best]!.Capacity)) best = i;
            }
            if (best < 0) return new AlignedBuffer<T>(RoundUp(length));
            var buffer = free![best]!;
            free[best] = free[--t_count];
            free[t_count] = null;
            return buffer;
        }

        /// <summary>Hands <paramref name="buffer"/> back to this thread's free list (dropped when the list is full).</summary>
        public static void Return(AlignedBuffer<T> buffer)
        {
            var free = t_free ??= new AlignedBuffer<T>?[MaxFree];
            if (t_count < free.Length)
            {
                free[t_count++] = buffer;
                return;
            }
            // Full: keep the larger of the buffer and the smallest free one, which serves more future requests.
            int smallest = 0;
            for (int i = 1; i < free.Length; i++)
            {
                if (free[i]!.Capacity < free[smallest]!.Capacity) smallest = i;
            }
            if (free[smallest]!.Capacity < buffer.Capacity) free[smallest] = buffer;
        }

        /// <summary>
        /// Capacities are powers of two (at least one line), as <c>ArrayPool</c>'s buckets are, so that a buffer serves
        /// nearby sizes; past 2^30 elements the exact length.
        /// </summary>
        private static int RoundUp(int length)
        {
            if (length <= 16) return 16;
            if (length > 1 << 30) return length;
            return (int)BitOperations.RoundUpToPowerOf2((uint)length);
        }
    }
}
