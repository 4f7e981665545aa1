using System;
using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using EinsumGen.Gpu.Kernels;
using EinsumGen.Runtime;

namespace EinsumGen.Gpu
{
    /// <summary>Where a tensor of one call starts on the device: a buffer's view and the offset of its first element.</summary>
    internal readonly record struct DeviceRef<T>(ArrayView<T> View, long Offset) where T : unmanaged;

    /// <summary>Which kernel runs a step: chosen per step, or forced by tests so that every kernel meets every spec.</summary>
    internal enum DeviceKernel { Auto, Strided, Gemm, Reduce, Fused }

    /// <summary>
    /// Runs one step (<see cref="StepCall"/>: the runtime's sizes and strides) on the device: the tiled GEMM when the step
    /// is a (batched) GEMM after merging labels that stay adjacent in every tensor and is large enough, the reduction when
    /// it has few result elements and long sums, else the general strided kernel.
    /// </summary>
    internal static class DeviceSteps
    {
        /// <summary>Multiply-adds from which a GEMM-shaped step takes the tiled kernel (below, one launch of the strided one is cheaper).</summary>
        internal const double GemmThreshold = 64.0 * 64 * 64;

        /// <summary>Summed terms per result element from which a step with few result elements takes the reduction.</summary>
        internal const long ReduceMinimumSum = 2048;

        /// <summary>Result elements up to which the reduction (one group each) is chosen.</summary>
        internal const long ReduceMaximumCount = 4096;

        /// <summary>A step's result elements (its kept dimensions) and the terms each sums.</summary>
        internal static (long Count, long Summed) Counts(StepCall call)
        {
            long count = 1, summed = 1;
            for (int d = 0; d < call.Sizes.Length; d++)
            {
                if (d < call.Kept) count *= call.Sizes[d];
                else summed *= call.Sizes[d];
            }
            return (count, summed);
        }

        public static void Run<T>(EinsumDevice device, StepCall call, DeviceRef<T> first, DeviceRef<T> second, DeviceRef<T> result, bool accumulate)
            where T : unmanaged, INumber<T>
        {
            var (count, summed) = Counts(call);
            if (count == 0) return;
            if (!call.HasSecond) second = first;
            var kernels = device.Kernels<T>();
            var choice = device.ForcedKernel;
            if (kernels.Gemm is not null && choice is DeviceKernel.Auto or DeviceKernel.Gemm && GemmShape.TryCreate(call, first.Offset, second.Offset, result.Offset, accumulate, out var gemm)
                && (choice == DeviceKernel.Gemm || (double)gemm.M * gemm.N * gemm.K * gemm.Batch >= GemmThreshold))
            {
                if (device.UseCuBlas && CuBlasSteps.TryRun(device, gemm, first.View, second.View, result.View)) return;
                int side = device.GemmThreads, block = TiledGemmKernel.Micro * side;
                var grid = new Index3D((gemm.N + block - 1) / block, (gemm.M + block - 1) / block, gemm.Batch);
                var group = new Index3D(side, side, 1);
                kernels.Gemm(device.Stream, new KernelConfig(grid, group), first.View, second.View, result.View, gemm);
                device.CountLaunch();
                return;
            }
            var args = new StepArgs
            {
                Rank = call.Sizes.Length, Kept = call.Kept, FirstOffset = first.Offset, SecondOffset = second.Offset, ResultOffset = result.Offset,
                Count = count, SummedCount = summed, HasSecond = call.HasSecond ? 1 : 0, Accumulate = accumulate ? 1 : 0,
            };
            var shape = device.Shape(call);
            if (kernels.Reduce is not null && count <= int.MaxValue
                && (choice == DeviceKernel.Reduce || (choice == DeviceKernel.Auto && summed >= ReduceMinimumSum && count <= ReduceMaximumCount)))
            {
                var config = new KernelConfig(new Index1D((int)count), new Index1D(device.ReduceThreads));
                kernels.Reduce(device.Stream, config, first.View, second.View, result.View, shape, args);
                device.CountLaunch();
                return;
            }
            Launch(device, kernels, args, first.View, second.View, result.View, shape);
        }

        /// <summary>Zeroes a tensor's elements (any strides).</summary>
        public static void Clear<T>(EinsumDevice device, DeviceTensor<T> tensor) where T : unmanaged, INumber<T>
        {
            long count = tensor.FlattenedLength;
            if (count == 0) return;
            var call = tensor.ClearCall;
            var args = new StepArgs { Rank = tensor.Rank, Kept = tensor.Rank, ResultOffset = tensor.Offset, Count = count, SummedCount = 0 };
            var view = tensor.Storage.View;
            Launch(device, device.Kernels<T>(), args, view, view, view, device.Shape(call));
        }

        /// <summary>Copies a tensor of any strides into <paramref name="dense"/>, row-major.</summary>
        public static void Gather<T>(DeviceTensor<T> tensor, ArrayView<T> dense) where T : unmanaged, INumber<T>
        {
            var device = tensor.Device;
            long count = tensor.FlattenedLength;
            if (count == 0) return;
            var args = new StepArgs { Rank = tensor.Rank, Kept = tensor.Rank, FirstOffset = tensor.Offset, Count = count, SummedCount = 1 };
            var view = tensor.Storage.View;
            Launch(device, device.Kernels<T>(), args, view, view, dense, device.Shape(tensor.CopyCall));
        }

        private static void Launch<T>(EinsumDevice device, DeviceKernels<T> kernels, StepArgs args, ArrayView<T> first, ArrayView<T> second, ArrayView<T> result,
            ArrayView<long> shape) where T : unmanaged, INumber<T>
        {
            // One launch covers at most int.MaxValue result elements (ILGPU's 1D index); larger steps go in chunks of rows.
            if (args.Count > int.MaxValue) throw new NotSupportedException($"A step writes {args.Count} elements; one device step holds at most {int.MaxValue}.");
            kernels.Contract(device.Stream, new Index1D((int)args.Count), first, second, result, shape, args);
            device.CountLaunch();
        }
    }
}
