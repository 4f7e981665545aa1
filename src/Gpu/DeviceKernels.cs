using System;
using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using EinsumGen.Gpu.Kernels;

namespace EinsumGen.Gpu
{
    /// <summary>The kernels of one element type on one accelerator, compiled when the device first runs that type.</summary>
    internal sealed class DeviceKernels<T> where T : unmanaged, INumber<T>
    {
        public DeviceKernels(EinsumDevice device)
        {
            var accelerator = device.Accelerator;
            Contract = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<long>, StepArgs>(StridedKernels.Contract);
            Fill = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<T>, T>(StridedKernels.Fill);
            Gemm = accelerator.LoadKernel<ArrayView<T>, ArrayView<T>, ArrayView<T>, GemmArgs>(TiledGemmKernel.Gemm);
            if (device.ReduceThreads % accelerator.WarpSize == 0)
            {
                Reduce = accelerator.LoadKernel<ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<long>, StepArgs>(ReductionKernel.Reduce);
            }
        }

        public Action<AcceleratorStream, Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<long>, StepArgs> Contract { get; }

        public Action<AcceleratorStream, Index1D, ArrayView<T>, T> Fill { get; }

        /// <summary>The tiled GEMM (groups of <see cref="EinsumDevice.GemmThreads"/>² threads).</summary>
        public Action<AcceleratorStream, KernelConfig, ArrayView<T>, ArrayView<T>, ArrayView<T>, GemmArgs>? Gemm { get; }

        /// <summary>The reduction; null where its group is not a whole number of warps.</summary>
        public Action<AcceleratorStream, KernelConfig, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<long>, StepArgs>? Reduce { get; }
    }
}
