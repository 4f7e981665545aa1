using System;
using System.Collections.Generic;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using EinsumGen.Gpu;

namespace EinsumGen
{
    /// <summary>
    /// An ILGPU accelerator that runs generated einsum methods: its context, accelerator and stream, the kernels (loaded
    /// once per element type and kept), a pool of device buffers for intermediates, and every tensor allocated on it.
    /// Work is queued on one stream in call order; only reading a result back (<see cref="DeviceTensor{T}.ToArray"/>,
    /// a scalar result) waits for it. Disposing the device frees all its memory. Not thread-safe: use one device per thread.
    /// </summary>
    public sealed partial class EinsumDevice : IDisposable
    {
        private readonly Context _context;
        private readonly Accelerator _accelerator;
        private readonly HashSet<IDisposable> _live = new();
        private readonly Dictionary<Type, object> _kernels = new();
        private bool _disposed;

        private EinsumDevice(Context context, Accelerator accelerator, EinsumDeviceKind kind)
        {
            _context = context;
            _accelerator = accelerator;
            Kind = kind;
        }

        /// <summary>
        /// Opens a device: <see cref="EinsumDeviceKind.Auto"/> takes the first CUDA GPU and falls back to ILGPU's CPU
        /// accelerator; <see cref="EinsumDeviceKind.Cuda"/> throws <see cref="NotSupportedException"/> when ILGPU finds no
        /// CUDA GPU (no NVIDIA driver, or no device).
        /// </summary>
        /// <param name="kind">Which accelerator to open.</param>
        /// <returns>The device; dispose it to free its memory.</returns>
        public static EinsumDevice Create(EinsumDeviceKind kind = EinsumDeviceKind.Auto)
        {
            // The CPU accelerator simulates 4-lane warps, 4 per group: a warp size other than 32, so that no kernel can
            // silently assume NVIDIA's, and 16-thread groups, since every simulated thread is an OS thread (256-thread
            // groups made each launch 10-50x slower on 2 cores). Kernels read their group's size at run time.
            var cpu = new CPUDevice(numThreadsPerWarp: 4, numWarpsPerMultiprocessor: 4, numMultiprocessors: 1);
            var context = Context.Create(b => b.Cuda().CPU(cpu).EnableAlgorithms());
            try
            {
                var cuda = context.GetCudaDevices();
                if (kind != EinsumDeviceKind.Cpu && cuda.Count > 0)
                {
                    return new EinsumDevice(context, cuda[0].CreateAccelerator(context), EinsumDeviceKind.Cuda);
                }
                if (kind == EinsumDeviceKind.Cuda)
                {
                    throw new NotSupportedException(
                        "EinsumDeviceKind.Cuda: ILGPU found no CUDA GPU (is the NVIDIA driver, libcuda, installed?). Use EinsumDeviceKind.Auto or Cpu to run on ILGPU's CPU accelerator.");
                }
                var accelerator = context.GetCPUDevice(0).CreateCPUAccelerator(context, CPUAcceleratorMode.Parallel);
                return new EinsumDevice(context, accelerator, EinsumDeviceKind.Cpu);
            }
            catch
            {
                context.Dispose();
                throw;
            }
        }

        /// <summary>The accelerator this device runs on: <see cref="EinsumDeviceKind.Cuda"/> or <see cref="EinsumDeviceKind.Cpu"/>.</summary>
        public EinsumDeviceKind Kind { get; }

        /// <summary>The device's name as ILGPU reports it (for a GPU, e.g. "NVIDIA H100 80GB HBM3").</summary>
        public string Name => _accelerator.Name;

        /// <summary>Device memory in bytes, as ILGPU reports it.</summary>
        public long MemorySize => _accelerator.MemorySize;

        /// <summary>Threads per warp (32 on NVIDIA GPUs, 4 on the CPU accelerator as opened here).</summary>
        public int WarpSize => _accelerator.WarpSize;

        /// <summary>Multiprocessors (SMs) of the device.</summary>
        public int Multiprocessors => _accelerator.NumMultiprocessors;

        /// <summary>The underlying ILGPU accelerator, for code that launches kernels of its own on the same stream.</summary>
        public Accelerator Accelerator => Live()._accelerator;

        internal AcceleratorStream Stream => _accelerator.DefaultStream;

        /// <summary>Threads per side of the tiled GEMM's square groups: 16 on a GPU, 4 on the CPU accelerator.</summary>
        internal int GemmThreads => Kind == EinsumDeviceKind.Cuda ? Gpu.Kernels.TiledGemmKernel.Threads : 4;

        /// <summary>Threads per group of the reduction: 256 on a GPU, one CPU-accelerator group (16) otherwise.</summary>
        internal int ReduceThreads => Kind == EinsumDeviceKind.Cuda ? Gpu.Kernels.ReductionKernel.GroupSize : Math.Min(16, _accelerator.MaxNumThreadsPerGroup);

        /// <summary>Runs every step with this kernel where it applies (tests: every kernel meets every spec); Auto chooses per step.</summary>
        internal DeviceKernel ForcedKernel { get; set; }

        /// <summary>Device buffers held by tensors of this device (not counting its pool); tests check that Dispose frees them.</summary>
        internal int LiveAllocations => _live.Count;

        /// <summary>Allocates a zeroed row-major tensor of <paramref name="shape"/>.</summary>
        /// <typeparam name="T">float or double.</typeparam>
        /// <param name="shape">Its lengths; none for a rank-0 tensor of one element.</param>
        /// <returns>The tensor; dispose it to free its memory.</returns>
        public DeviceTensor<T> Allocate<T>(params int[] shape) where T : unmanaged, System.Numerics.INumber<T>
        {
            var tensor = NewTensor<T>(shape);
            tensor.Storage.View.SubView(0, tensor.Storage.Length).MemSetToZero(Stream);
            return tensor;
        }

        /// <summary>Copies <paramref name="data"/> (row-major) into a new tensor of <paramref name="shape"/>.</summary>
        /// <typeparam name="T">float or double.</typeparam>
        /// <param name="data">The elements, exactly as many as the shape holds.</param>
        /// <param name="shape">Its lengths; none for a rank-0 tensor of one element.</param>
        /// <returns>The tensor; dispose it to free its memory.</returns>
        public DeviceTensor<T> Upload<T>(ReadOnlySpan<T> data, params int[] shape) where T : unmanaged, System.Numerics.INumber<T>
        {
            long count = DeviceTensor<T>.CountOf(shape ?? throw new ArgumentNullException(nameof(shape)));
            if (data.Length != count)
            {
                throw new ArgumentException($"The data holds {data.Length} elements, but shape [{string.Join(", ", shape)}] holds {count}.", nameof(data));
            }
            var tensor = NewTensor<T>(shape);
            if (count > 0) tensor.Storage.View.SubView(0, count).CopyFromCPU(Stream, data);
            return tensor;
        }

        /// <summary>Waits until every kernel and copy queued on this device has finished.</summary>
        public void Synchronize() => Live()._accelerator.Synchronize();

        private DeviceTensor<T> NewTensor<T>(int[] shape) where T : unmanaged, System.Numerics.INumber<T>
        {
            Live();
            long count = DeviceTensor<T>.CountOf(shape);
            var storage = new DeviceStorage<T>(this, _accelerator.Allocate1D<T>(Math.Max(count, 1)));
            _live.Add(storage);
            var lengths = Array.ConvertAll(shape, s => (nint)s);
            return new DeviceTensor<T>(storage, 0, lengths, DeviceTensor<T>.RowMajor(lengths), owner: true);
        }

        internal void Forget(IDisposable storage) => _live.Remove(storage);

        internal EinsumDevice Live() => _disposed ? throw new ObjectDisposedException(nameof(EinsumDevice)) : this;

        /// <summary>The kernels for element type <typeparamref name="T"/>, loaded on first use and kept for the device's life.</summary>
        internal DeviceKernels<T> Kernels<T>() where T : unmanaged, System.Numerics.INumber<T>
        {
            if (_kernels.TryGetValue(typeof(T), out var kernels)) return (DeviceKernels<T>)kernels;
            var loaded = new DeviceKernels<T>(this);
            _kernels[typeof(T)] = loaded;
            return loaded;
        }

        /// <summary>Finishes queued work, then frees every tensor, pooled buffer and the accelerator.</summary>
        public void Dispose()
        {
            if (_disposed) return;
            _accelerator.Synchronize();
            foreach (var storage in new List<IDisposable>(_live)) storage.Dispose();
            _live.Clear();
            DisposePool();
            _disposed = true;
            _accelerator.Dispose();
            _context.Dispose();
        }
    }
}
