using System;
using System.Collections.Generic;
using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using EinsumGen.Gpu;

namespace EinsumGen
{
    public sealed partial class EinsumDevice
    {
        // Generated step kernels (DeviceKernelStep), compiled on first use on this accelerator and kept for its life.
        private readonly Dictionary<object, object> _generatedKernels = new(ReferenceEqualityComparer.Instance);

        /// <summary>Steps run on a kernel the generator wrote (tests assert that declared-size methods use them).</summary>
        internal long GeneratedLaunches { get; set; }

        /// <summary>Steps of calls that carried generated kernels but ran a generic one (another layout, or a tuned kernel's shape).</summary>
        internal long GenericFallbacks { get; set; }

        /// <summary>The launcher of a generated kernel on this accelerator, loaded once.</summary>
        internal Action<AcceleratorStream, Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, StepOffsets> GeneratedKernel<T>(DeviceKernelStep<T> step)
            where T : unmanaged, INumber<T>
        {
            if (_generatedKernels.TryGetValue(step, out var known)) return (Action<AcceleratorStream, Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, StepOffsets>)known;
            var loaded = Accelerator.LoadAutoGroupedKernel(step.Kernel);
            _generatedKernels[step] = loaded;
            return loaded;
        }
    }
}
