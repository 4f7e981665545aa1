using System;
using System.Collections.Generic;
using ILGPU;
using ILGPU.Runtime;
using EinsumGen.Runtime;

namespace EinsumGen
{
    public sealed partial class EinsumDevice
    {
        // Free buffers by element type and power-of-two length. Work runs in stream order, so a buffer handed back at the
        // end of a call can serve the next call's kernels at once: they start only after this call's have finished.
        private readonly Dictionary<(Type, long), Stack<MemoryBuffer>> _free = new();
        private readonly Dictionary<StepCall, MemoryBuffer1D<long, Stride1D.Dense>> _shapes = new(ReferenceEqualityComparer.Instance);

        /// <summary>Layouts whose shape buffers are kept; past this the cache is emptied (after the stream drains).</summary>
        private const int MaxShapes = 512;

        /// <summary>A device buffer of at least <paramref name="length"/> elements, from the pool or new; its contents are undefined.</summary>
        internal MemoryBuffer1D<T, Stride1D.Dense> Rent<T>(long length) where T : unmanaged
        {
            long size = 1;
            while (size < length) size <<= 1;
            if (_free.TryGetValue((typeof(T), size), out var stack) && stack.Count > 0) return (MemoryBuffer1D<T, Stride1D.Dense>)stack.Pop();
            return _accelerator.Allocate1D<T>(size);
        }

        /// <summary>Hands a rented buffer back for later calls.</summary>
        internal void Return<T>(MemoryBuffer1D<T, Stride1D.Dense> buffer) where T : unmanaged
        {
            var key = (typeof(T), buffer.Length);
            if (!_free.TryGetValue(key, out var stack)) _free[key] = stack = new Stack<MemoryBuffer>();
            stack.Push(buffer);
        }

        /// <summary>Buffers waiting in the pool (tests).</summary>
        internal int PooledBuffers
        {
            get
            {
                int count = 0;
                foreach (var stack in _free.Values) count += stack.Count;
                return count;
            }
        }

        /// <summary>
        /// A step's sizes and strides on the device (<see cref="Gpu.Kernels.StepArgs"/>): uploaded on the first call with
        /// this layout and kept, keyed by the layout's call object (the runtime caches layouts per shape).
        /// </summary>
        internal ArrayView<long> Shape(StepCall call)
        {
            if (_shapes.TryGetValue(call, out var known)) return known.View;
            if (_shapes.Count >= MaxShapes)
            {
                _accelerator.Synchronize();
                foreach (var buffer in _shapes.Values) buffer.Dispose();
                _shapes.Clear();
            }
            int rank = call.Sizes.Length;
            var data = new long[Math.Max(4 * rank, 1)];
            for (int d = 0; d < rank; d++)
            {
                data[d] = call.Sizes[d];
                data[rank + d] = call.FirstStrides[d];
                data[2 * rank + d] = call.SecondStrides[d];
                data[3 * rank + d] = call.ResultStrides[d];
            }
            var shape = _accelerator.Allocate1D(data);
            _shapes[call] = shape;
            return shape.View;
        }

        private void DisposePool()
        {
            foreach (var stack in _free.Values)
            {
                foreach (var buffer in stack) buffer.Dispose();
            }
            _free.Clear();
            foreach (var buffer in _shapes.Values) buffer.Dispose();
            _shapes.Clear();
            DisposeFusion();
        }
    }
}
