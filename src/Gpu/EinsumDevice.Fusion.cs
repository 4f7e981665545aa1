using System;
using System.Collections.Generic;
using System.Threading;
using ILGPU;
using ILGPU.Runtime;
using EinsumGen.Gpu;
using EinsumGen.Gpu.Kernels;

namespace EinsumGen
{
    public sealed partial class EinsumDevice
    {
        /// <summary>
        /// The default <see cref="FusionLimit"/> on a CUDA GPU: 2¹⁶ multiply-adds. The fused kernel runs one group of
        /// <see cref="FusedThreadsCuda"/> threads on one multiprocessor, so a step there costs about its multiply-adds / 256
        /// dependent strided iterations per thread (≈ 10–20 ns each), against a launch of its own on the whole GPU at
        /// ≈ 3–5 µs of launch latency; the two meet near 256 multiply-adds per thread. An estimate, not yet measured on a
        /// GPU: the benchmark prints the tensor-train step with fusion off and on to settle it.
        /// </summary>
        public const long DefaultCudaFusionLimit = 1L << 16;

        /// <summary>
        /// The default <see cref="FusionLimit"/> on ILGPU's CPU accelerator: 2²² multiply-adds. A launch there costs
        /// 2.5–5 ms (its simulated threads are OS threads, started and joined per launch), in which the group's threads
        /// run a few million multiply-adds.
        /// </summary>
        public const long DefaultCpuFusionLimit = 1L << 22;

        /// <summary>Threads of the fused kernel's one group on a GPU (any kernel's register count fits 256 threads on an SM).</summary>
        internal const int FusedThreadsCuda = 256;

        private readonly Dictionary<FusedKey, FusedTable> _fusedTables = new();
        private readonly Dictionary<Type, object> _fusedKernels = new();
        private long _launches;

        /// <summary>Fused step tables kept; past this the cache is emptied (after the stream drains).</summary>
        private const int MaxFusedTables = 256;

        /// <summary>
        /// Multiply-adds (result elements × summed terms) up to which a step of a generated method's call runs inside one
        /// fused launch with its neighbours instead of a launch of its own: consecutive small steps (a tensor train's
        /// small chain of core products, its cores' gradients) then cost one kernel launch in all, the group's threads
        /// walking them step by step. 0 turns fusion off. Defaults: <see cref="DefaultCudaFusionLimit"/> on a GPU,
        /// <see cref="DefaultCpuFusionLimit"/> on the CPU accelerator.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
        public long FusionLimit
        {
            get => _fusionLimit ??= Kind == EinsumDeviceKind.Cuda ? DefaultCudaFusionLimit : DefaultCpuFusionLimit;
            set => _fusionLimit = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The fusion limit must not be negative.");
        }

        private long? _fusionLimit;

        /// <summary>Threads of the fused kernel's group: 256 on a GPU, one CPU-accelerator group (16) otherwise.</summary>
        internal int FusedThreads => Kind == EinsumDeviceKind.Cuda ? FusedThreadsCuda : Math.Min(16, _accelerator.MaxNumThreadsPerGroup);

        /// <summary>Kernel launches queued by generated methods' calls and device operations so far (tests count them).</summary>
        internal long Launches => Interlocked.Read(ref _launches);

        /// <summary>Step tables kept (tests: a repeated call uploads none).</summary>
        internal int FusedTableCount => _fusedTables.Count;

        internal void CountLaunch() => Interlocked.Increment(ref _launches);

        private DeviceOpKernels? _opKernels;

        /// <summary>The kernels of <see cref="DeviceOps"/>, loaded on first use.</summary>
        internal DeviceOpKernels OpKernels => _opKernels ??= new DeviceOpKernels(Live());

        /// <summary>The fused kernel for <typeparamref name="T"/>, loaded on first use.</summary>
        internal Action<AcceleratorStream, KernelConfig, FusedViews<T>, ArrayView<FusedStep>, ArrayView<long>, int> FusedKernel<T>()
            where T : unmanaged, System.Numerics.INumber<T>
        {
            if (_fusedKernels.TryGetValue(typeof(T), out var known)) return (Action<AcceleratorStream, KernelConfig, FusedViews<T>, ArrayView<FusedStep>, ArrayView<long>, int>)known;
            var kernel = _accelerator.LoadKernel<FusedViews<T>, ArrayView<FusedStep>, ArrayView<long>, int>(Gpu.Kernels.FusedKernel.Run);
            _fusedKernels[typeof(T)] = kernel;
            return kernel;
        }

        /// <summary>The step table of a run, uploaded the first time a run of its steps, views and modes is fused, then kept.</summary>
        internal FusedTable FusedTable(FusedKey key, Func<FusedKey, FusedTable> build)
        {
            if (_fusedTables.TryGetValue(key, out var table)) return table;
            if (_fusedTables.Count >= MaxFusedTables)
            {
                _accelerator.Synchronize();
                foreach (var old in _fusedTables.Values) old.Dispose();
                _fusedTables.Clear();
            }
            table = build(key);
            _fusedTables[key] = table;
            return table;
        }

        internal MemoryBuffer1D<TData, Stride1D.Dense> Upload<TData>(TData[] data) where TData : unmanaged => _accelerator.Allocate1D(data);

        private void DisposeFusion()
        {
            DisposeCuBlas();
            foreach (var table in _fusedTables.Values) table.Dispose();
            _fusedTables.Clear();
        }
    }
}
