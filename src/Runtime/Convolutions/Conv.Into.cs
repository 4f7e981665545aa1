using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;

namespace EinsumGen.Convolutions
{
    public static partial class Conv
    {
        // The operations into a caller's buffer, for the buffer overloads: their shapes are checked by the caller. Where a kernel
        // runs the layer (the implicit GEMM, its stride phases, the direct thin-layer kernel, the pattern gather and scatter),
        // it writes a dense overwritten buffer in place and anything else through one pooled scratch (ConvDestination), or
        // adds in the kernel where it scatters; the other layers compute a fresh result and copy or add it.

        /// <summary>The kernel that runs a forward (and weight VJP) here: the shared decision, where the runtime's gates let a kernel run.</summary>
        private static ConvKernel ForwardKernel<T>(ConvSpec spec, ConvGeometry[] geometries, int inPerGroup, int outPerGroup) =>
            ImplicitGemmConv.Gate<T>(spec) ? ConvKernelChoice.Forward(geometries, inPerGroup, outPerGroup) : ConvKernel.Network;

        /// <summary>The kernel that runs an input VJP (and a transpose convolution) here.</summary>
        private static ConvKernel InputVjpKernel<T>(ConvSpec spec, ConvGeometry[] geometries, int inPerGroup, int outPerGroup) =>
            ImplicitGemmConv.Gate<T>(spec) ? ConvKernelChoice.InputVjp(geometries, inPerGroup, outPerGroup) : ConvKernel.Network;

        /// <summary>conv(x, weight) (+ bias) written into <paramref name="target"/> [N, C_out, O…] as <paramref name="mode"/> says.</summary>
        private static void ForwardTo<T>(Tensor<T> x, Tensor<T> weight, Tensor<T>? bias, ConvSpec spec, ConvGeometry[] geometries, int channels,
            int outChannels, Tensor<T> target, GradientMode mode) where T : unmanaged, INumberBase<T>
        {
            int groups = spec.Groups;
            var kernel = ForwardKernel<T>(spec, geometries, channels / groups, outChannels / groups);
            if (kernel == ConvKernel.Network)
            {
                ConvBuffers.Write(Forward(x, weight, spec, bias), target, mode);
                return;
            }
            var to = ConvDestination<T>.Of(target, mode);
            if (kernel == ConvKernel.ImplicitGemm) ImplicitGemmConv.ForwardInto(x, weight, geometries, groups, to.Dense);
            else ThinConv.Forward(x, weight, geometries, groups, to.Dense);
            if (bias is not null) AddBias(to.Dense, bias);
            to.Finish();
        }

        /// <summary>
        /// The input VJP of the convolution [N, C_in, I…] → [N, C_out, O…] (<paramref name="geometries"/>) of <paramref name="dy"/>
        /// into <paramref name="target"/> [N, C_in, I…]; <paramref name="transpose"/>: the call is a transpose convolution (its
        /// fallback runs that network).
        /// </summary>
        private static void InputVjpTo<T>(Tensor<T> dy, Tensor<T> weight, ConvSpec spec, ConvGeometry[] geometries, int inChannels, int outChannels,
            Tensor<T> target, GradientMode mode, bool transpose) where T : unmanaged, INumberBase<T>
        {
            int groups = spec.Groups;
            var kernel = InputVjpKernel<T>(spec, geometries, inChannels / groups, outChannels / groups);
            if (kernel == ConvKernel.Network)
            {
                var inputSize = geometries.Select(g => g.InputSize).ToArray();
                ConvBuffers.Write(transpose ? TransposeForward(dy, weight, spec) : InputVjp(dy, weight, spec, inputSize), target, mode);
                return;
            }
            if (kernel == ConvKernel.ImplicitGemmPhases)
            {
                Phases(spec, geometries).Run(dy, weight, groups, inChannels, target, mode);
                return;
            }
            var to = ConvDestination<T>.Of(target, mode);
            if (kernel == ConvKernel.ImplicitGemm) ImplicitGemmConv.InputVjpInto(dy, weight, geometries, groups, to.Dense);
            else if (kernel == ConvKernel.Thin) ThinConv.InputVjp(dy, weight, geometries, groups, to.Dense);
            else ThinStridedInputVjp.Run(dy, weight, geometries, groups, to.Dense);
            to.Finish();
        }

        /// <summary>Whether <see cref="InputVjpTo"/> runs a kernel (no network) for the input VJP of these geometries and channels.</summary>
        private static bool KernelTakesInputVjp<T>(ConvSpec spec, ConvGeometry[] geometries, int inChannels, int outChannels) =>
            InputVjpKernel<T>(spec, geometries, inChannels / spec.Groups, outChannels / spec.Groups) != ConvKernel.Network;

        /// <summary>The weight VJP of x and dy into <paramref name="target"/> [C_out, C_in/G, K…].</summary>
        private static void WeightVjpTo<T>(Tensor<T> x, Tensor<T> dy, ConvSpec spec, ConvGeometry[] geometries, int channels, int outChannels,
            Tensor<T> target, GradientMode mode) where T : unmanaged, INumberBase<T>
        {
            int groups = spec.Groups;
            var kernel = ForwardKernel<T>(spec, geometries, channels / groups, outChannels / groups);
            if (kernel == ConvKernel.Network)
            {
                ConvBuffers.Write(WeightVjp(x, dy, spec), target, mode);
                return;
            }
            var to = ConvDestination<T>.Of(target, mode);
            if (kernel == ConvKernel.ImplicitGemm) ImplicitGemmConv.WeightVjpInto(x, dy, geometries, groups, to.Dense);
            else ThinConv.WeightVjp(x, dy, geometries, groups, to.Dense);
            to.Finish();
        }

        /// <summary>The unfold of x [N, C, I…] into <paramref name="target"/> [N, C·ΠK, ΠO]: the pattern gather, straight into a dense overwritten buffer.</summary>
        private static unsafe void UnfoldTo<T>(Tensor<T> x, ConvSpec spec, ConvGeometry[] geometries, Tensor<T> target, GradientMode mode)
            where T : unmanaged, INumberBase<T>
        {
            if (!spec.Simplify)
            {
                ConvBuffers.Write(Unfold(x, spec), target, mode);
                return;
            }
            var map = PatternMap(spec, geometries);
            var source = ConvTensors.Dense(x);
            var to = ConvDestination<T>.Of(target, mode);
            var columns = to.Dense;
            fixed (T* h = &Einsum.First(source))
            fixed (T* c = &Einsum.First(columns))
            {
#if EINSUMGEN_CHECKED_KERNELS
                using var hostRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(h, source.Lengths, source.Strides, false, "host");
                using var columnsRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(c, columns.Lengths, columns.Strides, true, "columns");
#endif
                PatternKernels.Gather(map, h, c, source.Lengths[0] * source.Lengths[1]);
            }
            to.Finish();
        }

        /// <summary>
        /// The fold of columns [N, C·ΠK, ΠO] into <paramref name="target"/> [N, C, I…]: the pattern scatter adds straight into a
        /// dense buffer (cleared first to overwrite it); a strided one receives a cleared pooled scratch.
        /// </summary>
        private static unsafe void FoldTo<T>(Tensor<T> columns, ConvSpec spec, ConvGeometry[] geometries, Tensor<T> target, GradientMode mode)
            where T : unmanaged, INumberBase<T>
        {
            if (!spec.Simplify)
            {
                ConvBuffers.Write(Fold(columns, spec, geometries.Select(g => g.InputSize).ToArray()), target, mode);
                return;
            }
            var map = PatternMap(spec, geometries);
            var source = ConvTensors.Dense(columns);
            bool inPlace = target.IsDense;
            var to = inPlace ? default : ConvDestination<T>.Of(target, mode);
            var host = inPlace ? target : to.Dense;
            if (!inPlace || mode == GradientMode.Overwrite) host.AsTensorSpan().Clear();
            fixed (T* c = &Einsum.First(source))
            fixed (T* h = &Einsum.First(host))
            {
#if EINSUMGEN_CHECKED_KERNELS
                using var columnsRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(c, source.Lengths, source.Strides, false, "columns");
                using var hostRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(h, host.Lengths, host.Strides, true, "host");
#endif
                PatternKernels.Scatter(map, c, h, host.Lengths[0] * host.Lengths[1]);
            }
            if (!inPlace) to.Finish();
        }

        /// <summary>The gather tables of a plain unfold of these geometries, kept in the spec's cache.</summary>
        private static PatternKernels.Map PatternMap(ConvSpec spec, ConvGeometry[] geometries) =>
            spec.Plans.GetKernel(ConvOperation.Unfold, geometries, static g => new PatternKernels.Map(g.Select(d => d.InputSize).ToArray(),
                g.Select(d => d.KernelSize).ToArray(), g.Select(d => d.OutputSize).ToArray(), g.Select(d => d.GatherTable()).ToArray()));

        /// <summary>The stride phases of a strided input VJP of these geometries, kept in the spec's cache.</summary>
        private static ImplicitGemmPhases Phases(ConvSpec spec, ConvGeometry[] geometries) =>
            spec.Plans.GetKernel(ConvOperation.InputVjp, geometries, static g => new ImplicitGemmPhases(g));
    }
}
