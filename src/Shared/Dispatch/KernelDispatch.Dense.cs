using System;

namespace EinsumGen.Dispatch
{
    internal static partial class KernelDispatch
    {
        /// <summary>
        /// The kernel of a step whose tensors are dense and row-major over their labels, on one thread with 512-bit vectors:
        /// what the remarks of generated code and <c>EinsumPlan</c> name for a step. <paramref name="right"/> is null for a
        /// unary step; <paramref name="size"/> gives each label's size ('.' the ellipsis dimensions together). The lane-block
        /// tier is named where it takes the step (<see cref="LaneBlockDispatch"/>, the runtime's own decision).
        /// </summary>
        public static KernelChoice ChooseDense(string left, string? right, string result, string summed, Func<char, long> size, int elementSize)
        {
            string all = result + summed;
            var sizes = new long[all.Length];
            var first = new long[all.Length];
            var second = new long[all.Length];
            var output = new long[all.Length];
            for (int d = 0; d < all.Length; d++)
            {
                sizes[d] = size(all[d]);
                first[d] = RowMajorStride(left, all[d], size);
                second[d] = right is null ? 0 : RowMajorStride(right, all[d], size);
                output[d] = d < result.Length ? RowMajorStride(result, all[d], size) : 0;
            }
            var limits = DispatchLimits.Measured;
            bool laneBlock = right is not null && LaneBlockDispatch.Applies(sizes, first, second, output, result.Length, elementSize, vectorBytes: 64, limits);
            return ChooseStep(sizes, first, second, output, result.Length, right is not null, accumulate: false, laneBlock,
                elementSize, vectorBytes: 64, quadAvailable: true, threads: 1, limits);
        }

        /// <summary>A kernel's name for a table column, e.g. "packed GEMM" or "direct, along N".</summary>
        public static string Name(KernelChoice choice) => (choice.Kernel switch
        {
            DispatchedKernel.Strided => "strided loops",
            DispatchedKernel.Stream => "streaming",
            DispatchedKernel.SmallBatch => "small batch",
            DispatchedKernel.LaneBlock => "lane blocks",
            DispatchedKernel.Packed => "packed GEMM",
            DispatchedKernel.DirectAlongN => "direct, along N",
            DispatchedKernel.DirectAlongNQuad => "direct, quad",
            DispatchedKernel.DirectAlongNStridedC => "direct, strided C",
            DispatchedKernel.DirectAlongK => "direct, dots",
            _ => "direct, scalar",
        }) + (choice.Transposed ? " (Cᵀ)" : string.Empty);

        /// <summary>
        /// The stride of <paramref name="label"/> in a dense row-major tensor over <paramref name="labels"/> (a repeated label
        /// adds its dimensions' strides, the diagonal; 0 where the label is absent).
        /// </summary>
        public static long RowMajorStride(string labels, char label, Func<char, long> size)
        {
            long stride = 1, sum = 0;
            for (int d = labels.Length - 1; d >= 0; d--)
            {
                if (labels[d] == label) sum += stride;
                stride *= size(labels[d]);
            }
            return sum;
        }
    }
}
