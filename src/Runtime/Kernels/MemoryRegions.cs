using System;
using System.Threading;

namespace EinsumGen.Runtime.Kernels
{
    /// <summary>
    /// The memory a kernel call may touch, for the checked build (<c>-p:EinsumGenCheckedKernels=true</c>, see
    /// docs/testing.md): every pointer access the kernels make is looked up here and must lie wholly inside a live region,
    /// and a write inside a writable one. Regions are registered where memory is pinned or rented (a step's operands and
    /// result, partial results, <c>stackalloc</c> and pinned tables) and leave when that scope ends; a thread's workspace
    /// buffers stay for the thread's life. Each thread has its own regions; a kernel worker running a part of a call also
    /// sees the regions of the thread that made the call (<see cref="Adopt"/>). The registry is compiled into every build
    /// (its tests run everywhere); only the checked build calls it from the kernels.
    /// </summary>
    internal static unsafe class MemoryRegions
    {
        /// <summary>
        /// Whether this build checks kernel accesses (the runtime was compiled with EINSUMGEN_CHECKED_KERNELS). A property, not
        /// a constant, so that tests compiled against one build read the runtime they run with (CI swaps in the checked one).
        /// </summary>
        public static bool Enabled =>
#if EINSUMGEN_CHECKED_KERNELS
            true;
#else
            false;
#endif

        [ThreadStatic] private static RegionList? t_scoped;
        [ThreadStatic] private static RegionList? t_permanent;
        [ThreadStatic] private static Captured t_adopted;

        private static RegionList Scoped => t_scoped ??= new RegionList();
        private static RegionList Permanent => t_permanent ??= new RegionList();

        /// <summary>
        /// Registers <paramref name="bytes"/> bytes at <paramref name="start"/> until the returned scope is disposed (which
        /// also drops whatever was registered after it on this thread and not removed, e.g. when an exception passed).
        /// </summary>
        public static Scope Push(void* start, nint bytes, bool writable, string name)
        {
            var list = Scoped;
            int mark = list.Count;
            list.Add(new Region((nuint)start, (nuint)start + (nuint)Math.Max(bytes, 0), writable, name));
            return new Scope(list, mark);
        }

        /// <summary>
        /// Registers the elements a strided view reaches from <paramref name="origin"/> (sizes and element strides; an
        /// empty view registers nothing, since nothing may be touched).
        /// </summary>
        public static Scope PushStrided<T>(T* origin, ReadOnlySpan<nint> sizes, ReadOnlySpan<nint> strides, bool writable, string name) where T : unmanaged
        {
            nint low = 0, high = 0;
            for (int d = 0; d < sizes.Length; d++)
            {
                if (sizes[d] == 0) return new Scope(Scoped, Scoped.Count);
                nint reach = (sizes[d] - 1) * strides[d];
                if (reach < 0) low += reach; else high += reach;
            }
            return Push(origin + low, (high - low + 1) * sizeof(T), writable, name);
        }

        /// <summary>
        /// Registers a pairwise step's operands (read-only; the second only when <paramref name="hasSecond"/>) and its result
        /// (writable, over the first <paramref name="kept"/> dimensions: a sum over an empty range still writes zeros), with
        /// the sizes and strides of the binding, not the kernel's own tables.
        /// </summary>
        public static Scope PushStep<T>(T* first, ReadOnlySpan<nint> firstStrides, T* second, ReadOnlySpan<nint> secondStrides, bool hasSecond,
            T* result, ReadOnlySpan<nint> resultStrides, ReadOnlySpan<nint> sizes, int kept) where T : unmanaged
        {
            var scope = PushStrided(first, sizes, firstStrides, false, "step's first operand");
            if (hasSecond) PushStrided(second, sizes, secondStrides, false, "step's second operand");
            PushStrided(result, sizes[..kept], resultStrides[..kept], true, "step's result");
            return scope;
        }

        /// <summary>Registers a buffer for the calling thread's lifetime (workspace buffers), until <see cref="RemovePermanent"/>.</summary>
        public static void AddPermanent(void* start, nint bytes, string name) =>
            Permanent.Add(new Region((nuint)start, (nuint)start + (nuint)bytes, true, name));

        /// <summary>Removes the calling thread's permanent region starting at <paramref name="start"/> (a buffer that was replaced).</summary>
        public static void RemovePermanent(void* start) => Permanent.Remove((nuint)start);

        /// <summary>The calling thread's regions (and those it adopted), for a worker that runs part of this thread's call.</summary>
        public static Captured Capture() => new(Scoped, Permanent, t_adopted.Scoped, t_adopted.Permanent);

        /// <summary>Lets the calling thread (a worker) see <paramref name="captured"/> too, until the returned scope ends.</summary>
        public static AdoptScope Adopt(Captured captured)
        {
            var previous = t_adopted;
            t_adopted = captured;
            return new AdoptScope(previous);
        }

        /// <summary>
        /// Throws <see cref="KernelAccessViolationException"/> unless the <paramref name="bytes"/> bytes at
        /// <paramref name="address"/> lie inside one region this thread may use (a writable one when <paramref name="write"/>).
        /// </summary>
        public static void Check(void* address, nint bytes, bool write)
        {
            nuint start = (nuint)address, end = start + (nuint)Math.Max(bytes, 1);
            // This thread's own lists first: only this thread writes them, so they are read without the version check.
            if (end > start && (Owned(t_scoped, start, end, write) || Owned(t_permanent, start, end, write) || Adopted(start, end, write))) return;
            throw Violation(start, end, write, t_adopted);
        }

        private static bool Owned(RegionList? list, nuint start, nuint end, bool write) => list is not null && list.CoversOwned(start, end, write);

        private static bool Adopted(nuint start, nuint end, bool write)
        {
            var adopted = t_adopted;
            return Covers(adopted.Scoped, start, end, write) || Covers(adopted.Permanent, start, end, write)
                || Covers(adopted.Outer, start, end, write) || Covers(adopted.OuterPermanent, start, end, write);
        }

        private static bool Covers(RegionList? list, nuint start, nuint end, bool write) => list is not null && list.Covers(start, end, write);

        private static KernelAccessViolationException Violation(nuint start, nuint end, bool write, Captured adopted)
        {
            Region? nearest = null;
            ulong best = ulong.MaxValue;
            bool readOnlyHit = false;
            var all = new System.Text.StringBuilder();
            foreach (var list in new[] { t_scoped, t_permanent, adopted.Scoped, adopted.Permanent, adopted.Outer, adopted.OuterPermanent })
            {
                if (list is null) continue;
                foreach (var r in list.Snapshot())
                {
                    all.Append($"{Environment.NewLine}  '{r.Name}' [0x{r.Start:X}, 0x{r.End:X}){(r.Writable ? "" : " read-only")}");
                    if (start >= r.Start && end <= r.End) readOnlyHit = true;
                    ulong distance = start >= r.End ? start - r.End + 1 : end <= r.Start ? r.Start - end + 1 : 0;
                    if (distance < best) (best, nearest) = (distance, r);
                }
            }
            string access = $"{(write ? "write" : "read")} of {end - start} bytes at 0x{start:X}";
            string where = nearest is not Region n ? "no region is registered on this thread"
                : $"nearest region: '{n.Name}' [0x{n.Start:X}, 0x{n.End:X}) ({n.End - n.Start} bytes, {(n.Writable ? "writable" : "read-only")}), " +
                  (start >= n.End ? $"{start - n.End} bytes past its end" : end <= n.Start ? $"{n.Start - end} bytes before its start"
                      : start < n.Start ? $"starting {n.Start - start} bytes before it" : end > n.End ? $"ending {end - n.End} bytes past it" : "inside it");
            string why = readOnlyHit && write ? "writes a read-only region" : "lies outside every region the call owns";
            return new KernelAccessViolationException($"Kernel memory violation: {access} {why}; {where}. Live regions:{all}", start, (int)(end - start), write,
                nearest?.Name);
        }

        /// <summary>A registered range [Start, End) of bytes.</summary>
        internal readonly record struct Region(nuint Start, nuint End, bool Writable, string Name);

        /// <summary>
        /// A thread's regions: written by that thread only, read by any. Writes are bracketed by a version number (odd while
        /// one is under way) and a reader retries when the version moved under it, so neither side locks or allocates in
        /// steady state (the kernels' calls stay allocation-free in the checked build too).
        /// </summary>
        internal sealed class RegionList
        {
            private Region[] _items = new Region[16];
            private int _count;
            private int _version;

            public int Count => _count;

            /// <summary>Whether a region holds [start, end), read by the thread that owns the list (nothing can change under it).</summary>
            public bool CoversOwned(nuint start, nuint end, bool write)
            {
                var items = _items;
                for (int i = _count - 1; i >= 0; i--)
                {
                    ref readonly Region r = ref items[i];
                    if (start >= r.Start && end <= r.End && (r.Writable || !write)) return true;
                }
                return false;
            }

            /// <summary>Whether a region holds [start, end) (a writable one for a write), read from any thread.</summary>
            public bool Covers(nuint start, nuint end, bool write)
            {
                while (true)
                {
                    int version = Volatile.Read(ref _version);
                    if ((version & 1) == 0)
                    {
                        var items = _items;
                        int count = Math.Min(_count, items.Length);
                        bool found = false;
                        for (int i = count - 1; i >= 0 && !found; i--)
                        {
                            ref readonly Region r = ref items[i];
                            found = start >= r.Start && end <= r.End && (r.Writable || !write);
                        }
                        Interlocked.MemoryBarrier();
                        if (Volatile.Read(ref _version) == version) return found;
                    }
                    Thread.SpinWait(1);
                }
            }

            /// <summary>A copy of the regions (for the message of a violation).</summary>
            public Region[] Snapshot()
            {
                while (true)
                {
                    int version = Volatile.Read(ref _version);
                    if ((version & 1) == 0)
                    {
                        var copy = _items.AsSpan(0, Math.Min(_count, _items.Length)).ToArray();
                        Interlocked.MemoryBarrier();
                        if (Volatile.Read(ref _version) == version) return copy;
                    }
                    Thread.SpinWait(1);
                }
            }

            public void Add(Region region)
            {
                Begin();
                if (_count == _items.Length) Array.Resize(ref _items, 2 * _items.Length);
                _items[_count++] = region;
                End();
            }

            public void Truncate(int count)
            {
                if (count >= _count) return;
                Begin();
                _count = count;
                End();
            }

            public void Remove(nuint start)
            {
                int i = _count == 0 ? -1 : Array.FindLastIndex(_items, _count - 1, _count, r => r.Start == start);
                if (i < 0) return;
                Begin();
                Array.Copy(_items, i + 1, _items, i, _count - i - 1);
                _count--;
                End();
            }

            private void Begin() => Interlocked.Increment(ref _version);

            private void End() => Interlocked.Increment(ref _version);
        }

        /// <summary>A registration's lifetime: disposing it drops that region and every later one of the thread.</summary>
        internal readonly struct Scope : IDisposable
        {
            private readonly RegionList? _list;
            private readonly int _mark;

            public Scope(RegionList list, int mark) => (_list, _mark) = (list, mark);

            public void Dispose() => _list?.Truncate(_mark);
        }

        /// <summary>Another thread's regions, as a worker sees them while running part of that thread's call.</summary>
        internal readonly record struct Captured(RegionList? Scoped, RegionList? Permanent, RegionList? Outer, RegionList? OuterPermanent);

        /// <summary>Restores the regions a worker saw before <see cref="Adopt"/>.</summary>
        internal readonly struct AdoptScope : IDisposable
        {
            private readonly Captured _previous;

            public AdoptScope(Captured previous) => _previous = previous;

            public void Dispose() => t_adopted = _previous;
        }
    }

    /// <summary>A kernel touched memory outside the regions its call owns (checked builds only; see <see cref="MemoryRegions"/>).</summary>
    internal sealed class KernelAccessViolationException : InvalidOperationException
    {
        public KernelAccessViolationException(string message, nuint address, int width, bool write, string? nearest) : base(message)
        {
            Address = address;
            Width = width;
            IsWrite = write;
            NearestRegion = nearest;
        }

        /// <summary>The first byte accessed.</summary>
        public nuint Address { get; }

        /// <summary>Bytes accessed.</summary>
        public int Width { get; }

        /// <summary>Whether the access was a write.</summary>
        public bool IsWrite { get; }

        /// <summary>The name of the nearest registered region (null when none was registered).</summary>
        public string? NearestRegion { get; }
    }
}
