using System;
using System.Collections.Generic;
using System.Threading;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// The bound and the trim of every <see cref="AlignedPool{T}"/>: the free bytes each thread may keep over all element types,
    /// and, after each full (gen-2) collection, the release of the free buffers that sat unused since the previous one (all
    /// of them when the GC reports high memory load). The collection is noticed as <c>ArrayPool.Shared</c> notices it: an
    /// object whose finalizer re-registers itself runs once per collection of its generation, and it acts only when the gen-2
    /// count has moved. (<c>GC.RegisterForFullGCNotification</c> needs a thread that waits on it and is not raised under
    /// concurrent GC, so it is not used.)
    /// </summary>
    internal static class AlignedPoolTrim
    {
        /// <summary>Free bytes one thread keeps over all element types (tests lower it); a buffer that would pass it is dropped.</summary>
        internal static long MaxFreeBytesPerThread = 256L << 20;

        /// <summary>
        /// The free bytes of one thread's pools: what the thread put in and took out itself (a plain field: only that thread
        /// writes it) less what the trim released (written by the trim alone, atomically), so the pools' hot path needs no
        /// atomic add.
        /// </summary>
        internal sealed class ThreadBudget
        {
            private long _held, _released;

            public long Bytes => _held - Volatile.Read(ref _released);

            /// <summary>The owner puts <paramref name="bytes"/> in, unless its free bytes would pass the bound.</summary>
            public bool TryPut(long bytes)
            {
                if (Bytes + bytes > MaxFreeBytesPerThread)
                {
                    Interlocked.Increment(ref s_dropped);
                    return false;
                }
                _held += bytes;
                return true;
            }

            /// <summary>The owner takes <paramref name="bytes"/> out (a rented buffer, or one a larger one replaces).</summary>
            public void Take(long bytes) => _held -= bytes;

            /// <summary>The trim released <paramref name="bytes"/>.</summary>
            public void Release(long bytes)
            {
                Interlocked.Add(ref _released, bytes);
                Interlocked.Increment(ref s_released);
            }
        }

        [ThreadStatic] private static ThreadBudget? t_budget;

        private static readonly List<Action<bool, int>> s_pools = new List<Action<bool, int>>();
        private static long s_released, s_dropped;
        private static int s_epoch, s_lastGen2;

        static AlignedPoolTrim() => Gen2Callback.Register();

        /// <summary>The calling thread's budget (one per thread, shared by its pools of every element type).</summary>
        internal static ThreadBudget CurrentBudget => t_budget ??= new ThreadBudget();

        /// <summary>The trim epoch: it advances at each trim; a free buffer returned in an earlier epoch than the trim's goes.</summary>
        internal static int Epoch => Volatile.Read(ref s_epoch);

        /// <summary>Free buffers released by trims so far (tests).</summary>
        internal static long Released => Interlocked.Read(ref s_released);

        /// <summary>Returned buffers dropped because the thread's bound was reached (tests).</summary>
        internal static long Dropped => Interlocked.Read(ref s_dropped);

        /// <summary>Adds an element type's pool to those the trim visits.</summary>
        internal static void Register(Action<bool, int> trim)
        {
            lock (s_pools) s_pools.Add(trim);
        }

        /// <summary>
        /// One trim of every pool: the buffers returned before the current epoch (unused for a whole collection interval), or all
        /// of them when <paramref name="all"/>; then the next epoch.
        /// </summary>
        internal static void Trim(bool all)
        {
            Action<bool, int>[] pools;
            lock (s_pools) pools = s_pools.ToArray();
            int epoch = Epoch;
            foreach (var trim in pools) trim(all, epoch);
            Interlocked.Increment(ref s_epoch);
        }

        /// <summary>After a collection: trims when it was a full one (the finalizer also runs after gen-0/1 collections at first).</summary>
        private static void AfterCollection()
        {
            int gen2 = GC.CollectionCount(2);
            if (gen2 == s_lastGen2) return;
            s_lastGen2 = gen2;
            var info = GC.GetGCMemoryInfo();
            bool high = info.HighMemoryLoadThresholdBytes > 0 && info.MemoryLoadBytes >= info.HighMemoryLoadThresholdBytes * 9 / 10;
            Trim(high);
        }

        /// <summary>An object whose finalizer runs <see cref="AfterCollection"/> and re-registers it, so it runs after every collection of it.</summary>
        private sealed class Gen2Callback
        {
            public static void Register() => _ = new Gen2Callback();

            ~Gen2Callback()
            {
                try
                {
                    AfterCollection();
                }
                catch (Exception)
                {
                    // A trim must never take the finalizer thread down; the next collection tries again.
                }
                GC.ReRegisterForFinalize(this);
            }
        }
    }
}
