using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// Routes dense convolutions to the implicit-GEMM kernels (<see cref="ImplicitGemmForward"/>,
    /// <see cref="ImplicitGemmWeightVjp"/>): the forward, the weight VJP, and — for stride 1, as a forward convolution with
    /// the flipped, transposed weight — the input VJP and the transpose convolution. The network path stays for what the
    /// simplifier already turns into a plain GEMM (1×1 kernels, non-overlapping patchify/down-sampling windows), for thin
    /// layers (fewer than <see cref="MinRows"/> output channels per group: most of a register block would be padding), for
    /// element types other than float and double, and for <c>Simplify = false</c> (the network as built).
    /// </summary>
    internal static class ImplicitGemmConv
    {
        /// <summary>Off: every convolution runs its network (tests and benchmarks compare both).</summary>
        internal static bool Enabled = true;

        /// <summary>Output channels per group below which a layer keeps the network path.</summary>
        internal const int MinRows = ConvKernelChoice.MinRows;

        /// <summary>Whether a convolution with these geometries and channels per group runs as an implicit GEMM.</summary>
        public static bool Applies<T>(ConvSpec spec, ConvGeometry[] geometries, int inPerGroup, int outPerGroup) =>
            Gate<T>(spec) && ConvKernelChoice.Forward(geometries, inPerGroup, outPerGroup) == ConvKernel.ImplicitGemm;

        /// <summary>Whether the input VJP (and the transpose convolution) of these geometries runs as an implicit GEMM.</summary>
        public static bool AppliesToInputVjp<T>(ConvSpec spec, ConvGeometry[] geometries, int inPerGroup, int outPerGroup) =>
            Gate<T>(spec) && ConvKernelChoice.InputVjp(geometries, inPerGroup, outPerGroup) == ConvKernel.ImplicitGemm;

        /// <summary>
        /// Whether the input VJP (and the transpose convolution) of a strided convolution runs as implicit GEMMs per stride phase
        /// (<see cref="ImplicitGemmPhases"/>): the layers the forward takes, with a stride above 1.
        /// </summary>
        public static bool AppliesToStridedInputVjp<T>(ConvSpec spec, ConvGeometry[] geometries, int inPerGroup, int outPerGroup) =>
            Gate<T>(spec) && ConvKernelChoice.InputVjp(geometries, inPerGroup, outPerGroup) == ConvKernel.ImplicitGemmPhases;

        /// <summary>
        /// What the routing needs besides the shared, pure <see cref="ConvKernelChoice"/>: the kernels switched on, the spec
        /// simplified, and an element type they have (float or double).
        /// </summary>
        internal static bool Gate<T>(ConvSpec spec) =>
            Enabled && spec.Simplify && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

        /// <summary>The kernel a call runs, for plan texts.</summary>
        public static string Describe(ConvOperation operation, int outPerGroup) => operation switch
        {
            ConvOperation.WeightVjp => $"implicit GEMM (gathered columns, {ImplicitGemmWeightVjp.BlockName})",
            _ => $"implicit GEMM (columns gathered into the packed panel, micro-kernel {ImplicitGemmForward.MicroKernelName(outPerGroup)})",
        };

        /// <summary>y [N, C_out, O…] = conv(x, weight), x [N, G·Cin, I…], weight [G·Cout, Cin, K…].</summary>
        public static unsafe Tensor<T> Forward<T>(Tensor<T> x, Tensor<T> weight, ConvGeometry[] geometries, int groups, int outChannels,
            ImplicitGemmForm form = ImplicitGemmForm.Auto) where T : unmanaged, INumberBase<T>
        {
            var geometry = ImplicitGemmGeometryCache.Forward(geometries);
            int batch = (int)x.Lengths[0], inPerGroup = (int)x.Lengths[1] / groups, outPerGroup = outChannels / groups;
            var shape = new nint[geometries.Length + 2];
            shape[0] = batch;
            shape[1] = outChannels;
            for (int d = 0; d < geometries.Length; d++) shape[d + 2] = geometries[d].OutputSize;
            long taps = geometry.Taps;
            var layout = new ImplicitGemmWeight(outPerGroup * inPerGroup * taps, inPerGroup * taps, taps, false);
            return Run(geometry, x, weight, layout, shape, batch, groups, inPerGroup, outPerGroup, form);
        }

        /// <summary>
        /// dx [N, G·Cin, I…] of a stride-1 convolution, given dy [N, G·Cout, O…] and weight [G·Cout, Cin, K…]: the forward
        /// convolution of dy with W'[g, c, o, t] = W[g, o, c, T−1−t] (<see cref="ImplicitGemmGeometry.InputVjp"/>).
        /// </summary>
        public static unsafe Tensor<T> InputVjp<T>(Tensor<T> dy, Tensor<T> weight, ConvGeometry[] geometries, int groups, int inChannels,
            ImplicitGemmForm form = ImplicitGemmForm.Auto) where T : unmanaged, INumberBase<T>
        {
            var geometry = ImplicitGemmGeometryCache.InputVjp(geometries);
            int batch = (int)dy.Lengths[0], outPerGroup = (int)dy.Lengths[1] / groups, inPerGroup = inChannels / groups;
            var shape = new nint[geometries.Length + 2];
            shape[0] = batch;
            shape[1] = inChannels;
            for (int d = 0; d < geometries.Length; d++) shape[d + 2] = geometries[d].InputSize;
            long taps = geometry.Taps;
            // The forward's output channels are the convolution's input channels and the reverse.
            var layout = new ImplicitGemmWeight(outPerGroup * inPerGroup * taps, taps, inPerGroup * taps, true);
            return Run(geometry, dy, weight, layout, shape, batch, groups, outPerGroup, inPerGroup, form);
        }

        /// <summary><see cref="InputVjp{T}"/> into a dense <paramref name="dx"/> of the result's shape (every element written).</summary>
        internal static void InputVjpInto<T>(Tensor<T> dy, Tensor<T> weight, ConvGeometry[] geometries, int groups, Tensor<T> dx,
            ImplicitGemmForm form = ImplicitGemmForm.Auto) where T : unmanaged, INumberBase<T>
        {
            var geometry = ImplicitGemmGeometryCache.InputVjp(geometries);
            int outPerGroup = (int)dy.Lengths[1] / groups, inPerGroup = (int)dx.Lengths[1] / groups;
            long taps = geometry.Taps;
            var layout = new ImplicitGemmWeight(outPerGroup * inPerGroup * taps, taps, inPerGroup * taps, true);
            RunInto(geometry, dy, weight, layout, dx, (int)dy.Lengths[0], groups, outPerGroup, inPerGroup, form);
        }

        private static Tensor<T> Run<T>(ImplicitGemmGeometry geometry, Tensor<T> x, Tensor<T> weight, ImplicitGemmWeight layout, nint[] shape,
            int batch, int groups, int inPerGroup, int outPerGroup, ImplicitGemmForm form) where T : unmanaged, INumberBase<T>
        {
            var y = ResultMemory.Uninitialized<T>(shape); // every element is written
            RunInto(geometry, x, weight, layout, y, batch, groups, inPerGroup, outPerGroup, form);
            return y;
        }

        /// <summary><see cref="Forward{T}"/> into a dense <paramref name="y"/> of the result's shape (<see cref="Conv.ForwardInto"/>: no result allocated).</summary>
        internal static void ForwardInto<T>(Tensor<T> x, Tensor<T> weight, ConvGeometry[] geometries, int groups, Tensor<T> y,
            ImplicitGemmForm form = ImplicitGemmForm.Auto) where T : unmanaged, INumberBase<T>
        {
            var geometry = ImplicitGemmGeometryCache.Forward(geometries);
            int inPerGroup = (int)x.Lengths[1] / groups, outPerGroup = (int)y.Lengths[1] / groups;
            long taps = geometry.Taps;
            var layout = new ImplicitGemmWeight(outPerGroup * inPerGroup * taps, inPerGroup * taps, taps, false);
            RunInto(geometry, x, weight, layout, y, (int)x.Lengths[0], groups, inPerGroup, outPerGroup, form);
        }

        private static unsafe void RunInto<T>(ImplicitGemmGeometry geometry, Tensor<T> x, Tensor<T> weight, ImplicitGemmWeight layout, Tensor<T> y,
            int batch, int groups, int inPerGroup, int outPerGroup, ImplicitGemmForm form) where T : unmanaged, INumberBase<T>
        {
            var source = ConvTensors.Dense(x);
            var w = ConvTensors.Dense(weight);
            fixed (T* xp = &Einsum.First(source))
            fixed (T* wp = &Einsum.First(w))
            fixed (T* yp = &Einsum.First(y))
            {
#if EINSUMGEN_CHECKED_KERNELS
                using var xRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(xp, source.Lengths, source.Strides, false, "x");
                using var wRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(wp, w.Lengths, w.Strides, false, "weight");
                using var yRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(yp, y.Lengths, y.Strides, true, "y");
#endif
                ImplicitGemmForward.Run(geometry, xp, wp, layout, yp, batch, groups, inPerGroup, outPerGroup, form);
            }
        }

        /// <summary>dW [G·Cout, Cin, K…] = Σ dy ⊗ unfold(x), x [N, G·Cin, I…], dy [N, G·Cout, O…].</summary>
        public static Tensor<T> WeightVjp<T>(Tensor<T> x, Tensor<T> dy, ConvGeometry[] geometries, int groups,
            System.Collections.Generic.IReadOnlyList<int> kernelSize, ImplicitGemmForm form = ImplicitGemmForm.Auto)
            where T : unmanaged, INumberBase<T>
        {
            int inPerGroup = (int)x.Lengths[1] / groups, outPerGroup = (int)dy.Lengths[1] / groups;
            var shape = new nint[kernelSize.Count + 2];
            shape[0] = groups * outPerGroup;
            shape[1] = inPerGroup;
            for (int d = 0; d < kernelSize.Count; d++) shape[d + 2] = kernelSize[d];
            var dw = ConvTensors.Uninitialized<T>(shape); // cleared or overwritten by the kernel
            WeightVjpInto(x, dy, geometries, groups, dw, form);
            return dw;
        }

        /// <summary><see cref="WeightVjp{T}"/> into a dense <paramref name="dw"/> [G·Cout, Cin, K…] (every element written).</summary>
        internal static unsafe void WeightVjpInto<T>(Tensor<T> x, Tensor<T> dy, ConvGeometry[] geometries, int groups, Tensor<T> dw,
            ImplicitGemmForm form = ImplicitGemmForm.Auto)
            where T : unmanaged, INumberBase<T>
        {
            var geometry = ImplicitGemmGeometryCache.Forward(geometries);
            int batch = (int)x.Lengths[0], inPerGroup = (int)x.Lengths[1] / groups, outPerGroup = (int)dy.Lengths[1] / groups;
            var source = ConvTensors.Dense(x);
            var gradient = ConvTensors.Dense(dy);
            fixed (T* xp = &Einsum.First(source))
            fixed (T* vp = &Einsum.First(gradient))
            fixed (T* wp = &Einsum.First(dw))
            {
#if EINSUMGEN_CHECKED_KERNELS
                using var xRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(xp, source.Lengths, source.Strides, false, "x");
                using var vRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(vp, gradient.Lengths, gradient.Strides, false, "outputGradient");
                using var wRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(wp, dw.Lengths, dw.Strides, true, "weight gradient");
#endif
                ImplicitGemmWeightVjp.Run(geometry, xp, vp, wp, batch, groups, inPerGroup, outPerGroup, form);
            }
        }
    }
}
