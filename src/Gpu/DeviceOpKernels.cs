using System;
using System.Collections.Generic;
using ILGPU;
using ILGPU.Runtime;
using EinsumGen.Gpu.Kernels;

namespace EinsumGen.Gpu
{
    /// <summary>The kernels of <see cref="DeviceOps"/> on one device, loaded on its first use and kept.</summary>
    internal sealed class DeviceOpKernels
    {
        private readonly Accelerator _accelerator;
        private readonly Dictionary<Type, object> _sgd = new();

        public DeviceOpKernels(EinsumDevice device)
        {
            _accelerator = device.Accelerator;
            // A power of two (the loss's partial sums halve): 256 on a GPU, one CPU-accelerator group (16) there.
            LossThreads = device.Kind == EinsumDeviceKind.Cuda ? ElementwiseKernels.LossThreads : Math.Min(16, _accelerator.MaxNumThreadsPerGroup);
            MseFloat = _accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, long, int>(
                ElementwiseKernels.MeanSquaredErrorFloat);
            MseDouble = _accelerator.LoadKernel<ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, double, long, int>(
                ElementwiseKernels.MeanSquaredErrorDouble);
            AdamFloat = _accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamScalars<float>>(
                ElementwiseKernels.AdamFloat);
            AdamDouble = _accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, AdamScalars<double>>(
                ElementwiseKernels.AdamDouble);
        }

        public int LossThreads { get; }

        public Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, long, int> MseFloat { get; }

        public Action<AcceleratorStream, KernelConfig, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, double, long, int> MseDouble { get; }

        public Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamScalars<float>> AdamFloat { get; }

        public Action<AcceleratorStream, Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, AdamScalars<double>> AdamDouble { get; }

        public Action<AcceleratorStream, Index1D, ArrayView<T>, ArrayView<T>, T, T, int> Sgd<T>() where T : unmanaged, System.Numerics.INumber<T>
        {
            if (_sgd.TryGetValue(typeof(T), out var known)) return (Action<AcceleratorStream, Index1D, ArrayView<T>, ArrayView<T>, T, T, int>)known;
            var kernel = _accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<T>, ArrayView<T>, T, T, int>(ElementwiseKernels.Sgd);
            _sgd[typeof(T)] = kernel;
            return kernel;
        }
    }
}
