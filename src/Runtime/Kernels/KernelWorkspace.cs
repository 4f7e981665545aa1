using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace EinsumGen.Runtime.Kernels
{
    /// <summary>
    /// Per-thread scratch memory for the kernels: packing buffers, a tile buffer and offset tables. Buffers only grow,
    /// live on the pinned object heap (so kernels address them by pointer), are 64-byte aligned and are touched page by
    /// page when allocated, so that steady-state calls allocate nothing and never fault on fresh pages.
    /// </summary>
    /// <remarks>
    /// Not thread-safe: use <see cref="ForCurrentThread"/>. The memory returned by a member is valid until the next call of
    /// the same member on the same workspace; the kernels use the packing buffers internally, so offset tables obtained
    /// from <see cref="GetOffsetScratch"/> stay valid across <see cref="ContractionKernel.Gemm{T}(in GemmProblem, ref T, ref T, ref T)"/> calls.
    /// </remarks>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed class KernelWorkspace
    {
        [ThreadStatic] private static KernelWorkspace? t_current;

        private Buffer _packA;
        private Buffer _packB;
        private Buffer _tile;
        private Buffer _partial;
        private Buffer _partialTables;
        private nint[] _offsets = Array.Empty<nint>();

        /// <summary>The calling thread's workspace (created on first use).</summary>
        public static KernelWorkspace ForCurrentThread => t_current ??= new KernelWorkspace();

        /// <summary>
        /// A grow-only table of at least <paramref name="length"/> entries for building offset tables (e.g. with
        /// <see cref="OffsetTable.Fill"/>); the same memory is returned by every call, so carve all tables of a step out of one request.
        /// </summary>
        /// <param name="length">Entries needed.</param>
        /// <returns>A span of exactly <paramref name="length"/> entries; its contents are unspecified.</returns>
        public Span<nint> GetOffsetScratch(int length)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(length);
            if (_offsets.Length < length)
                _offsets = GC.AllocateUninitializedArray<nint>(Math.Max(length, Math.Min(2 * _offsets.Length, int.MaxValue / 2)), pinned: true);
            return _offsets.AsSpan(0, length);
        }

        /// <summary>Bytes currently held by this workspace.</summary>
        public long CapacityBytes => _packA.Capacity + _packB.Capacity + _tile.Capacity + _partial.Capacity + _partialTables.Capacity + (long)_offsets.Length * IntPtr.Size;

        internal unsafe T* PackA<T>(nint elements) where T : unmanaged => (T*)_packA.Get(elements * sizeof(T));
        internal unsafe T* PackB<T>(nint elements) where T : unmanaged => (T*)_packB.Get(elements * sizeof(T));
        internal unsafe T* Tile<T>(nint elements) where T : unmanaged => (T*)_tile.Get(elements * sizeof(T));
        /// <summary>Partial results of a split contraction, requested by its calling thread (valid until this thread's next request).</summary>
        internal unsafe T* Partial<T>(nint elements) where T : unmanaged => (T*)_partial.Get(elements * sizeof(T));

        /// <summary>Offset tables of a dense m × n partial result: rows i·n, then columns j, then a single 0 (its batch entry).</summary>
        internal unsafe nint* PartialTables(int m, int n)
        {
            nint* t = (nint*)_partialTables.Get((nint)(m + n + 1) * sizeof(nint));
            OffsetTable.Fill([m], [n], new Span<nint>(t, m), out _);
            OffsetTable.Fill([n], [1], new Span<nint>(t + m, n), out _);
            t[m + n] = 0;
            return t;
        }

        private unsafe struct Buffer
        {
            private byte[]? _array;
            private byte* _aligned;
            public long Capacity;

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public byte* Get(nint bytes) => bytes <= Capacity ? _aligned : Grow(bytes);

            [MethodImpl(MethodImplOptions.NoInlining)]
            private byte* Grow(nint bytes)
            {
                long want = Math.Max(bytes, Math.Min(2 * Capacity, int.MaxValue - 4096));
                want = (want + 4095) & ~4095L;
                byte[] array = GC.AllocateUninitializedArray<byte>(checked((int)(want + 64)), pinned: true);
                byte* p = (byte*)Unsafe.AsPointer(ref array[0]);
                byte* aligned = (byte*)(((nuint)p + 63) & ~(nuint)63);
#if EINSUMGEN_CHECKED_KERNELS
                if (_aligned != null) MemoryRegions.RemovePermanent(_aligned);
                MemoryRegions.AddPermanent(aligned, (nint)want, "kernel workspace buffer");
#endif
                for (long o = 0; o < want; o += 4096) aligned[o] = 0; // pre-touch every page
                _array = array;
                _aligned = aligned;
                Capacity = want;
                return aligned;
            }
        }
    }
}
