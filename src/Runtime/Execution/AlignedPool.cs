using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

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
    /// binding, a step's scratch around the kernel). A thread keeps at most <see cref="MaxFree"/> free buffers per element
    /// type and at most <see cref="AlignedPoolTrim.MaxFreeBytesPerThread"/> bytes of free buffers over all element types; a
    /// buffer beyond them is left to the collector. After each full (gen-2) collection <see cref="AlignedPoolTrim"/> releases
    /// the free buffers that no call rented since the previous one, and all of them under high memory load, as
    /// <c>ArrayPool.Shared</c> trims: the pool no longer pins what a thread once needed for good. Each thread's free list has
    /// its own lock, taken by the thread itself (uncontended) and by the trim (on the finalizer thread).
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

        /// <summary>One thread's free buffers of this element type; the trim reaches every thread's through <see cref="s_caches"/>.</summary>
        private sealed class ThreadCache
        {
            public readonly Lock Gate = new Lock();
            public readonly AlignedBuffer<T>?[] Free = new AlignedBuffer<T>?[MaxFree];
            public readonly int[] Stamps = new int[MaxFree];   // the trim epoch in which each free buffer was returned
            public readonly AlignedPoolTrim.ThreadBudget Budget = AlignedPoolTrim.CurrentBudget;
            public int Count;
        }

        [ThreadStatic] private static ThreadCache? t_cache;

        private static readonly ConditionalWeakTable<ThreadCache, object?> s_caches = new ConditionalWeakTable<ThreadCache, object?>();

        static AlignedPool() => AlignedPoolTrim.Register(Trim);

        /// <summary>A buffer of at least <paramref name="length"/> elements: this thread's smallest free one that fits, or a new one.</summary>
        public static AlignedBuffer<T> Rent(int length)
        {
            var cache = t_cache;
            if (cache is null || cache.Count == 0) return new AlignedBuffer<T>(RoundUp(length));
            AlignedBuffer<T>? buffer = null;
            lock (cache.Gate)
            {
                var free = cache.Free;
                int best = -1;
                for (int i = 0; i < cache.Count; i++)
                {
                    int capacity = free[i]!.Capacity;
                    if (capacity >= length && (best < 0 || capacity < free[best]!.Capacity)) best = i;
                }
                if (best >= 0)
                {
                    buffer = free[best]!;
                    RemoveAt(cache, best);
                }
            }
            return buffer ?? new AlignedBuffer<T>(RoundUp(length));
        }

        /// <summary>Hands <paramref name="buffer"/> back to this thread's free list (dropped when the list or the thread's bytes are full).</summary>
        public static void Return(AlignedBuffer<T> buffer)
        {
            var cache = t_cache ?? NewCache();
            long bytes = Bytes(buffer);
            lock (cache.Gate)
            {
                var free = cache.Free;
                if (cache.Count < free.Length)
                {
                    if (!cache.Budget.TryAdd(bytes)) return;
                    free[cache.Count] = buffer;
                    cache.Stamps[cache.Count++] = AlignedPoolTrim.Epoch;
                    return;
                }
                // Full: keep the larger of the buffer and the smallest free one, which serves more future requests.
                int smallest = 0;
                for (int i = 1; i < free.Length; i++)
                {
                    if (free[i]!.Capacity < free[smallest]!.Capacity) smallest = i;
                }
                if (free[smallest]!.Capacity >= buffer.Capacity || !cache.Budget.TryAdd(bytes - Bytes(free[smallest]!))) return;
                free[smallest] = buffer;
                cache.Stamps[smallest] = AlignedPoolTrim.Epoch;
            }
        }

        /// <summary>
        /// Releases, on every thread, the free buffers returned before epoch <paramref name="epoch"/> (none rented since the last
        /// trim), or all of them when <paramref name="all"/>. Runs on the finalizer thread after a full collection.
        /// </summary>
        private static void Trim(bool all, int epoch)
        {
            foreach (var pair in s_caches)
            {
                var cache = pair.Key;
                lock (cache.Gate)
                {
                    for (int i = cache.Count - 1; i >= 0; i--)
                    {
                        if (!all && cache.Stamps[i] >= epoch) continue;
                        RemoveAt(cache, i);
                        AlignedPoolTrim.CountReleased();
                    }
                }
            }
        }

        /// <summary>Takes free buffer <paramref name="index"/> out of the list (the last one fills its place); under the cache's lock.</summary>
        private static void RemoveAt(ThreadCache cache, int index)
        {
            var free = cache.Free;
            cache.Budget.Remove(Bytes(free[index]!));
            int last = --cache.Count;
            free[index] = free[last];
            cache.Stamps[index] = cache.Stamps[last];
            free[last] = null;
        }

        private static ThreadCache NewCache()
        {
            var cache = new ThreadCache();
            s_caches.Add(cache, null);
            return t_cache = cache;
        }

        private static long Bytes(AlignedBuffer<T> buffer) => (long)buffer.Array.Length * Unsafe.SizeOf<T>();

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
