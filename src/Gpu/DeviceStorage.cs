using System;
using ILGPU;
using ILGPU.Runtime;

namespace EinsumGen.Gpu
{
    /// <summary>One device allocation, shared by a tensor and the views made from it; freed once, by its owner or its device.</summary>
    internal sealed class DeviceStorage<T> : IDisposable where T : unmanaged, System.Numerics.INumber<T>
    {
        private MemoryBuffer1D<T, Stride1D.Dense>? _buffer;

        public DeviceStorage(EinsumDevice device, MemoryBuffer1D<T, Stride1D.Dense> buffer)
        {
            Device = device;
            _buffer = buffer;
        }

        public EinsumDevice Device { get; }

        public bool IsDisposed => _buffer is null;

        public long Length => Buffer.Length;

        public MemoryBuffer1D<T, Stride1D.Dense> Buffer =>
            _buffer ?? throw new ObjectDisposedException(nameof(DeviceTensor<T>), "This device tensor (or the tensor it is a view of) was disposed.");

        public ArrayView<T> View => Buffer.View;

        public void Dispose()
        {
            var buffer = _buffer;
            if (buffer is null) return;
            _buffer = null;
            Device.Forget(this);
            buffer.Dispose();
        }
    }
}
