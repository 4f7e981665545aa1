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
    /// slots that the thread and the trim (on the finalizer thread) take buffers out of by an atomic swap; no lock.
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

        /// <summary>
        /// One thread's free buffers of this element type, in slots (null: empty) that the trim reaches through
        /// <see cref="s_caches"/>. The owner thread alone puts buffers in; a buffer is taken out by whoever swaps its slot to null
        /// first (the owner renting it, or the trim releasing it), so no lock is needed and no buffer goes to two places.
        /// </summary>
        private sealed class ThreadCache
        {
            public readonly AlignedBuffer<T>?[] Free = new AlignedBuffer<T>?[MaxFree];
            public readonly int[] Stamps = new int[MaxFree];   // the trim epoch in which each free buffer was returned
            public readonly AlignedPoolTrim.ThreadBudget Budget = AlignedPoolTrim.CurrentBudget;
            public int Used;                                   // slots ever filled (the owner's scans stop there)
        }

        [ThreadStatic] private static ThreadCache? t_cache;

        private static readonly ConditionalWeakTable<ThreadCache, object?> s_caches = new ConditionalWeakTable<ThreadCache, object?>();

        static AlignedPool() => AlignedPoolTrim.Register(Trim);

        /// <summary>A buffer of at least <paramref name="length"/> elements: this thread's smallest free one that fits, or a new one.</summary>
        public static AlignedBuffer<T> Rent(int length)
        {
            var cache = t_cache;
            if (cache is not null)
            {
                var free = cache.Free;
                int best = -1, bestCapacity = int.MaxValue;
                for (int i = 0; i < cache.Used; i++)
                {
                    // Each slot is read once: the trim may empty any of them at any time.
                    var candidate = free[i];
                    if (candidate is not null && candidate.Capacity >= length && (best < 0 || candidate.Capacity < bestCapacity))
                    {
                        best = i;
                        bestCapacity = candidate.Capacity;
                    }
                }
                // The trim may have taken the slot meanwhile: then the buffer is gone and a new one is made.
                if (best >= 0 && Interlocked.Exchange(ref free[best], null) is { } buffer)
                {
                    cache.Budget.Take(Bytes(buffer));
                    return buffer;
                }
            }
            return new AlignedBuffer<T>(RoundUp(length));
        }

        /// <summary>Hands <paramref name="buffer"/> back to this thread's free list (dropped when the list or the thread's bytes are full).</summary>
        public static void Return(AlignedBuffer<T> buffer)
        {
            var cache = t_cache ?? NewCache();
            var free = cache.Free;
            long bytes = Bytes(buffer);
            int slot = cache.Used < free.Length ? cache.Used : -1, smallest = -1;
            AlignedBuffer<T>? smallestHeld = null;
            for (int i = 0; i < cache.Used; i++)
            {
                var held = free[i];   // read once: the trim may empty the slot at any time
                if (held is null)
                {
                    slot = i;
                    break;
                }
                if (smallestHeld is null || held.Capacity < smallestHeld.Capacity)
                {
                    smallest = i;
                    smallestHeld = held;
                }
            }
            if (slot < 0)
            {
                // Full: keep the larger of the buffer and the smallest free one, which serves more future requests.
                if (smallestHeld!.Capacity >= buffer.Capacity || cache.Budget.Bytes - Bytes(smallestHeld) + bytes > AlignedPoolTrim.MaxFreeBytesPerThread)
                {
                    return;
                }
                // Swapped out unless the trim took it first (then the slot is free all the same).
                if (Interlocked.CompareExchange(ref free[smallest], null, smallestHeld) == smallestHeld) cache.Budget.Take(Bytes(smallestHeld));
                slot = smallest;
            }
            if (!cache.Budget.TryPut(bytes)) return;
            cache.Stamps[slot] = AlignedPoolTrim.Epoch;
            Volatile.Write(ref free[slot], buffer);
            if (slot == cache.Used) cache.Used++;
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
                var free = cache.Free;
                for (int i = 0; i < free.Length; i++)
                {
                    var held = Volatile.Read(ref free[i]);
                    if (held is null || (!all && cache.Stamps[i] >= epoch)) continue;
                    if (Interlocked.CompareExchange(ref free[i], null, held) != held) continue;
                    cache.Budget.Release(Bytes(held));
                }
            }
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
