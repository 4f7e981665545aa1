using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using EinsumGen.Runtime;

namespace EinsumGen.Gpu
{
    /// <summary>
    /// Runs a step on the kernel the generator wrote for it (<see cref="DeviceKernelSet{T}"/>), when the bound layout is
    /// the one the kernel was written for and the step is not one the runtime's tuned kernels do better: a large
    /// GEMM-shaped step keeps the tiled GEMM and few long sums keep the group reduction (the rules of
    /// <see cref="DeviceSteps"/>), since one thread per result element leaves a GPU idle there.
    /// </summary>
    internal static class GeneratedSteps
    {
        public static bool TryRun<T>(EinsumDevice device, DeviceKernelSet<T> set, StepCall call, DeviceRef<T> first, DeviceRef<T> second, DeviceRef<T> result,
            bool accumulate) where T : unmanaged, INumber<T>
        {
            // Tests force the generic kernels onto every step; a forced choice is theirs.
            if (device.ForcedKernel != DeviceKernel.Auto) return false;
            var step = set.Find(call);
            if (step is null || step.Count == 0 || step.Count > int.MaxValue) return false;
            if (!call.HasSecond) second = first;
            if (PrefersTuned(device.Kernels<T>(), call, step, first, second, result, accumulate)) return false;
            var kernel = device.GeneratedKernel(step);
            var offsets = new StepOffsets { First = first.Offset, Second = second.Offset, Result = result.Offset, Accumulate = accumulate ? 1 : 0 };
            kernel(device.Stream, new Index1D((int)step.Count), first.View, second.View, result.View, offsets);
            device.GeneratedLaunches++;
            device.CountLaunch();
            return true;
        }

        /// <summary>Whether <see cref="DeviceSteps.Run"/> would take the tiled GEMM or the reduction for this step.</summary>
        private static bool PrefersTuned<T>(DeviceKernels<T> kernels, StepCall call, DeviceKernelStep<T> step, DeviceRef<T> first, DeviceRef<T> second,
            DeviceRef<T> result, bool accumulate) where T : unmanaged, INumber<T>
        {
            long summed = 1;
            for (int d = step.Kept; d < step.Sizes.Length; d++) summed *= step.Sizes[d];
            if (kernels.Reduce is not null && summed >= DeviceSteps.ReduceMinimumSum && step.Count <= DeviceSteps.ReduceMaximumCount) return true;
            return kernels.Gemm is not null && call.MultiplyAdds >= DeviceSteps.GemmThreshold
                && GemmShape.TryCreate(call, first.Offset, second.Offset, result.Offset, accumulate, out _);
        }
    }
}
