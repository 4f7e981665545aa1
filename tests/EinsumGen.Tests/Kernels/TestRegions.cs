using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EinsumGen.Runtime.Kernels;

namespace EinsumGen.Tests.Kernels
{
    /// <summary>
    /// Tests that call a kernel directly (below the step layer, which registers its own operands) pin their buffers and
    /// register them here, as the runtime does: inputs read-only, outputs writable. In a checked build
    /// (docs/testing.md) any access outside them fails the test; in a normal build the registration is only bookkeeping.
    /// </summary>
    internal sealed unsafe class TestRegions : IDisposable
    {
        private readonly List<GCHandle> _handles = new();
        private MemoryRegions.Scope? _scope;

        /// <summary>Registers <paramref name="arrays"/> read-only.</summary>
        public static TestRegions Read(params Array[] arrays) => new TestRegions().Add(false, arrays);

        /// <summary>Registers <paramref name="arrays"/> writable.</summary>
        public static TestRegions Write(params Array[] arrays) => new TestRegions().Add(true, arrays);

        /// <summary>Also registers <paramref name="arrays"/> read-only.</summary>
        public TestRegions AndRead(params Array[] arrays) => Add(false, arrays);

        /// <summary>Also registers <paramref name="arrays"/> writable.</summary>
        public TestRegions AndWrite(params Array[] arrays) => Add(true, arrays);

        /// <summary>Registers a local variable (on the stack, so it never moves), read-only.</summary>
        public TestRegions AndLocal<T>(ref T value) where T : unmanaged
        {
            Keep(MemoryRegions.Push(Unsafe.AsPointer(ref value), sizeof(T), false, "test local"));
            return this;
        }

        private TestRegions Add(bool writable, Array[] arrays)
        {
            foreach (var array in arrays)
            {
                var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
                _handles.Add(handle);
                Keep(MemoryRegions.Push((void*)handle.AddrOfPinnedObject(), Buffer.ByteLength(array), writable, writable ? "test output" : "test input"));
            }
            return this;
        }

        private void Keep(MemoryRegions.Scope scope) => _scope ??= scope;

        public void Dispose()
        {
            _scope?.Dispose();
            foreach (var handle in _handles) handle.Free();
        }
    }
}
