using System;
using System.Runtime.CompilerServices;

namespace EinsumGen.Runtime.Kernels
{
    /// <summary>
    /// The checked build's access hooks: tools/CheckedKernels rewrites every pointer access of the kernel sources into a
    /// call here (<c>p[i]</c> → <c>Mem.At(p, i, write)</c>, a vector load's pointer → <c>Mem.Ptr(p, bytes, false)</c>, …)
    /// when the runtime is built with <c>-p:EinsumGenCheckedKernels=true</c>. Normal builds compile the kernels as written
    /// and never call these; each is a one-line check (<see cref="MemoryRegions.Check"/>) plus the access itself.
    /// </summary>
    internal static unsafe class Mem
    {
        /// <summary>Element <paramref name="index"/> of <paramref name="p"/>, checked for a read or a write.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ref T At<T>(T* p, nint index, bool write) where T : unmanaged
        {
            MemoryRegions.Check(p + index, sizeof(T), write);
            return ref *(p + index);
        }

        /// <summary><paramref name="p"/>, once <paramref name="bytes"/> bytes from it are checked (vector loads and stores).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T* Ptr<T>(T* p, nint bytes, bool write) where T : unmanaged
        {
            MemoryRegions.Check(p, bytes, write);
            return p;
        }

        /// <summary><paramref name="p"/>, once <paramref name="bytes"/> bytes from it are checked (untyped pointers).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void* Ptr(void* p, nint bytes, bool write)
        {
            MemoryRegions.Check(p, bytes, write);
            return p;
        }

        /// <summary>A reference the kernel reads or writes through, checked.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ref T Ref<T>(ref T r, bool write) where T : unmanaged
        {
            MemoryRegions.Check(Unsafe.AsPointer(ref r), sizeof(T), write);
            return ref r;
        }

        /// <summary>A span over <paramref name="length"/> elements at <paramref name="p"/> (writable), checked.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Span<T> Span<T>(T* p, int length) where T : unmanaged
        {
            if (length > 0) MemoryRegions.Check(p, (nint)length * sizeof(T), true);
            return new Span<T>(p, length);
        }

        /// <summary>A read-only span over <paramref name="length"/> elements at <paramref name="p"/>, checked.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ReadOnlySpan<T> ReadOnlySpan<T>(T* p, int length) where T : unmanaged
        {
            if (length > 0) MemoryRegions.Check(p, (nint)length * sizeof(T), false);
            return new ReadOnlySpan<T>(p, length);
        }

        /// <summary>Registers a pinned array for the scope of a <c>fixed</c> statement (nothing for null).</summary>
        public static MemoryRegions.Scope Pinned<T>(T* p, T[]? array, string name) where T : unmanaged =>
            MemoryRegions.Push(p, array is null ? 0 : (nint)array.Length * sizeof(T), true, name);

        /// <summary>Registers a pinned span for the scope of a <c>fixed</c> statement.</summary>
        public static MemoryRegions.Scope Pinned<T>(T* p, Span<T> span, string name) where T : unmanaged =>
            MemoryRegions.Push(p, (nint)span.Length * sizeof(T), true, name);

        /// <summary>Registers a pinned read-only span for the scope of a <c>fixed</c> statement.</summary>
        public static MemoryRegions.Scope Pinned<T>(T* p, ReadOnlySpan<T> span, string name) where T : unmanaged =>
            MemoryRegions.Push(p, (nint)span.Length * sizeof(T), false, name);

        /// <summary>Registers a <c>stackalloc</c> buffer of <paramref name="length"/> elements for its block.</summary>
        public static MemoryRegions.Scope Stack<T>(T* p, nint length, string name) where T : unmanaged =>
            MemoryRegions.Push(p, length * sizeof(T), true, name);
    }
}
