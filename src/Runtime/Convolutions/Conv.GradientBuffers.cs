using System;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace EinsumGen.Convolutions
{
    public static partial class Conv
    {
        /// <summary>
        /// The reverse mode of <see cref="Forward"/> into caller-provided buffers, for training loops that keep their gradients:
        /// each non-null buffer (of its operand's shape: x's, the weight's, [C_out] for the bias) receives its gradient, as
        /// <paramref name="mode"/> says (<see cref="GradientMode.Overwrite"/> replaces its contents, <see cref="GradientMode.Accumulate"/>
        /// adds to them); a null buffer's gradient is not computed. Every shape is checked, and the buffers against aliasing and
        /// overlap with each other and the operands, before anything is computed or written. A <paramref name="bias"/>, when
        /// given, is checked as the forward checks it (its value plays no part).
        /// </summary>
        public static void ForwardBackward<T>(Tensor<T> x, Tensor<T> weight, Tensor<T> outputGradient, ConvSpec spec,
            Tensor<T>? inputGradient, Tensor<T>? weightGradient, Tensor<T>? biasGradient = null, GradientMode mode = GradientMode.Overwrite,
            Tensor<T>? bias = null) where T : unmanaged, INumberBase<T>
        {
            var (batch, channels, geometries) = CheckInput(x, spec, "x");
            ConvChecks.NotNull(weight, nameof(weight));
            ConvChecks.Weight(weight, spec, -1, channels / spec.Groups);
            int outChannels = (int)weight.Lengths[0];
            CheckBias(bias, outChannels);
            CheckOutputGradient(outputGradient, outChannels, geometries, batch);
            CheckGradientBuffers(x, weight, outputGradient, bias, inputGradient, weightGradient, biasGradient, outChannels, mode);
            // Every check is made before any buffer is written; the buffers share no memory with what the gradients read, so each
            // is written straight from its kernel (ConvDestination).
            if (inputGradient is not null)
            {
                InputVjpTo(outputGradient, weight, spec, geometries, channels, outChannels, inputGradient, mode, transpose: false);
            }
            if (weightGradient is not null) WeightVjpTo(x, outputGradient, spec, geometries, channels, outChannels, weightGradient, mode);
            if (biasGradient is not null) BiasInto(outputGradient, biasGradient, mode);
        }

        /// <summary>
        /// The reverse mode of <see cref="TransposeForward"/> into caller-provided buffers (x's, the weight's [C_in, C_out/G, K…],
        /// [C_out] for the bias; null skips one), as <see cref="TransposeForwardBackward{T}(Tensor{T}, Tensor{T}, Tensor{T}, ConvSpec, Tensor{T}?, ConvGradients)"/>
        /// computes them, written as <paramref name="mode"/> says. Every check comes first, as in <see cref="ForwardBackward{T}(Tensor{T}, Tensor{T}, Tensor{T}, ConvSpec, Tensor{T}?, Tensor{T}?, Tensor{T}?, GradientMode, Tensor{T}?)"/>.
        /// </summary>
        public static void TransposeForwardBackward<T>(Tensor<T> x, Tensor<T> weight, Tensor<T> outputGradient, ConvSpec spec,
            Tensor<T>? inputGradient, Tensor<T>? weightGradient, Tensor<T>? biasGradient = null, GradientMode mode = GradientMode.Overwrite,
            Tensor<T>? bias = null) where T : unmanaged, INumberBase<T>
        {
            var (batch, channels, geometries) = CheckTransposeInput(x, spec);
            int outChannels = CheckTransposeWeight(weight, spec, channels);
            CheckBias(bias, outChannels);
            CheckTransposeOutputGradient(outputGradient, spec, batch, outChannels, geometries);
            CheckGradientBuffers(x, weight, outputGradient, bias, inputGradient, weightGradient, biasGradient, outChannels, mode);
            // The transpose convolution is the input VJP of the convolution from its result (outChannels) to x (channels): x's
            // gradient is that convolution's forward, the weight's its weight VJP.
            var forward = spec.Geometries(ConvChecks.Spatial(outputGradient), nameof(outputGradient));
            if (inputGradient is not null) ForwardTo(outputGradient, weight, null, spec, forward, outChannels, channels, inputGradient, mode);
            if (weightGradient is not null) WeightVjpTo(outputGradient, x, spec, forward, outChannels, channels, weightGradient, mode);
            if (biasGradient is not null) BiasInto(outputGradient, biasGradient, mode);
        }

        /// <summary>
        /// The forward mode of <see cref="Forward"/> into <paramref name="outputTangent"/> [N, C_out, O…], which is overwritten with
        /// conv(ẋ, W) + conv(x, Ẇ) + ḃ (a null tangent counts as zero; with every tangent null it is cleared). Checked first:
        /// every tangent's shape, the output tangent's shape, and that it shares no memory with an operand or a tangent.
        /// </summary>
        public static void ForwardJvp<T>(Tensor<T> x, Tensor<T> weight, ConvSpec spec, Tensor<T>? inputTangent, Tensor<T>? weightTangent,
            Tensor<T>? biasTangent, Tensor<T> outputTangent) where T : unmanaged, INumberBase<T>
        {
            ConvChecks.NotNull(outputTangent, nameof(outputTangent));
            if (inputTangent is null && weightTangent is null || !outputTangent.IsDense && biasTangent is not null)
            {
                var sum = ForwardJvpChecked(x, weight, spec, inputTangent, weightTangent, biasTangent, outputTangent);
                ConvBuffers.Write(sum, outputTangent, GradientMode.Overwrite);
                return;
            }
            var (geometries, channels, outChannels) = CheckForwardJvp(x, weight, spec, inputTangent, weightTangent, biasTangent, outputTangent);
            // conv(ẋ, W) + ḃ overwrites the tangent, conv(x, Ẇ) is added (each straight from its kernel where one runs the layer).
            var mode = GradientMode.Overwrite;
            if (inputTangent is not null)
            {
                ForwardTo(inputTangent, weight, biasTangent, spec, geometries, channels, outChannels, outputTangent, mode);
                mode = GradientMode.Accumulate;
            }
            if (weightTangent is not null)
            {
                ForwardTo(x, weightTangent, mode == GradientMode.Overwrite ? biasTangent : null, spec, geometries, channels, outChannels, outputTangent, mode);
            }
        }

        /// <summary>
        /// The forward mode of <see cref="TransposeForward"/> into <paramref name="outputTangent"/> [N, C_out, I…] (overwritten):
        /// convT(ẋ, W) + convT(x, Ẇ) + ḃ, checked as <see cref="ForwardJvp{T}(Tensor{T}, Tensor{T}, ConvSpec, Tensor{T}?, Tensor{T}?, Tensor{T}?, Tensor{T})"/>.
        /// </summary>
        public static void TransposeForwardJvp<T>(Tensor<T> x, Tensor<T> weight, ConvSpec spec, Tensor<T>? inputTangent, Tensor<T>? weightTangent,
            Tensor<T>? biasTangent, Tensor<T> outputTangent) where T : unmanaged, INumberBase<T>
        {
            ConvChecks.NotNull(outputTangent, nameof(outputTangent));
            if (inputTangent is null && weightTangent is null || !outputTangent.IsDense && biasTangent is not null)
            {
                var sum = TransposeForwardJvpChecked(x, weight, spec, inputTangent, weightTangent, biasTangent, outputTangent);
                ConvBuffers.Write(sum, outputTangent, GradientMode.Overwrite);
                return;
            }
            var (geometries, channels, outChannels) = CheckTransposeForwardJvp(x, weight, spec, inputTangent, weightTangent, biasTangent, outputTangent);
            // convT(ẋ, W) overwrites the tangent and convT(x, Ẇ) is added: each the input VJP of the convolution it transposes.
            var mode = GradientMode.Overwrite;
            if (inputTangent is not null)
            {
                InputVjpTo(inputTangent, weight, spec, geometries, outChannels, channels, outputTangent, mode, transpose: true);
                mode = GradientMode.Accumulate;
            }
            if (weightTangent is not null) InputVjpTo(x, weightTangent, spec, geometries, outChannels, channels, outputTangent, mode, transpose: true);
            if (biasTangent is not null) AddBias(outputTangent, biasTangent);
        }

        /// <summary>
        /// The reverse mode of <see cref="Unfold"/> into <paramref name="inputGradient"/> (x's shape; null computes nothing after
        /// the checks): the fold of the columns' gradient, written as <paramref name="mode"/> says.
        /// </summary>
        public static void UnfoldBackward<T>(Tensor<T> x, Tensor<T> outputGradient, ConvSpec spec, Tensor<T>? inputGradient,
            GradientMode mode = GradientMode.Overwrite) where T : unmanaged, INumberBase<T>
        {
            var (batch, channels, geometries) = CheckInput(x, spec, "x", checkGroups: false);
            CheckColumnsGradient(outputGradient, batch, channels, spec, geometries);
            CheckMode(mode);
            ConvChecks.SameShape(inputGradient, x, nameof(inputGradient), "x");
            ConvBuffers.Disjoint<T>([(inputGradient, nameof(inputGradient))], [(x, "x"), (outputGradient, nameof(outputGradient))]);
            if (inputGradient is null) return;
            FoldTo(outputGradient, spec, geometries, inputGradient, mode);
        }

        /// <summary>The forward mode of <see cref="Unfold"/> into <paramref name="outputTangent"/> [N, C·ΠK, ΠO] (overwritten): the unfold of the tangent.</summary>
        public static void UnfoldJvp<T>(Tensor<T> x, Tensor<T> inputTangent, ConvSpec spec, Tensor<T> outputTangent) where T : unmanaged, INumberBase<T>
        {
            var (batch, channels, geometries) = CheckInput(x, spec, "x", checkGroups: false);
            ConvChecks.NotNull(inputTangent, nameof(inputTangent));
            ConvChecks.SameShape(inputTangent, x, nameof(inputTangent), "x");
            ConvChecks.NotNull(outputTangent, nameof(outputTangent));
            int[] shape = { batch, channels * Product(spec.KernelSize), Product(geometries.Select(g => g.OutputSize)) };
            ConvBuffers.Shape(outputTangent, shape, nameof(outputTangent), "the unfold");
            ConvBuffers.Disjoint<T>([(outputTangent, nameof(outputTangent))], [(x, "x"), (inputTangent, nameof(inputTangent))]);
            UnfoldTo(inputTangent, spec, geometries, outputTangent, GradientMode.Overwrite);
        }

        /// <summary>
        /// The bias's gradient into <paramref name="biasGradient"/> [C]: the output gradient [N, C, S…] summed over batch and space,
        /// written as <paramref name="mode"/> says. A dense output gradient and buffer take no memory of their own.
        /// </summary>
        public static void BiasVjp<T>(Tensor<T> outputGradient, Tensor<T> biasGradient, GradientMode mode = GradientMode.Overwrite)
            where T : unmanaged, INumberBase<T>
        {
            ConvChecks.NotNull(outputGradient, nameof(outputGradient));
            if (outputGradient.Rank < 2)
            {
                throw new ArgumentException($"outputGradient has rank {outputGradient.Rank}, but a bias gradient needs [N, C, S…].", nameof(outputGradient));
            }
            ConvChecks.NotNull(biasGradient, nameof(biasGradient));
            CheckMode(mode);
            CheckBias(biasGradient, checked((int)outputGradient.Lengths[1]), nameof(biasGradient));
            ConvBuffers.Disjoint<T>([(biasGradient, nameof(biasGradient))], [(outputGradient, nameof(outputGradient))]);
            BiasInto(outputGradient, biasGradient, mode);
        }

        /// <summary>Sums the output gradient into the (checked) bias gradient: in place when the buffer is dense.</summary>
        private static void BiasInto<T>(Tensor<T> outputGradient, Tensor<T> biasGradient, GradientMode mode) where T : unmanaged, INumberBase<T>
        {
            if (!biasGradient.IsDense)
            {
                var sums = new T[biasGradient.FlattenedLength];
                AddBiasSums(outputGradient, sums);
                ConvBuffers.Write(Tensor.Create(sums, new nint[] { sums.Length }), biasGradient, mode);
                return;
            }
            var target = MemoryMarshal.CreateSpan(ref Einsum.First(biasGradient), checked((int)biasGradient.FlattenedLength));
            if (mode == GradientMode.Overwrite) target.Clear();
            AddBiasSums(outputGradient, target);
        }

        private static void CheckGradientBuffers<T>(Tensor<T> x, Tensor<T> weight, Tensor<T> outputGradient, Tensor<T>? bias,
            Tensor<T>? inputGradient, Tensor<T>? weightGradient, Tensor<T>? biasGradient, int outChannels, GradientMode mode)
        {
            CheckMode(mode);
            ConvChecks.SameShape(inputGradient, x, nameof(inputGradient), "x");
            ConvChecks.SameShape(weightGradient, weight, nameof(weightGradient), "weight");
            CheckBias(biasGradient, outChannels, nameof(biasGradient));
            ConvBuffers.Disjoint<T>(
                [(inputGradient, nameof(inputGradient)), (weightGradient, nameof(weightGradient)), (biasGradient, nameof(biasGradient))],
                [(x, "x"), (weight, "weight"), (outputGradient, nameof(outputGradient)), (bias, "bias")]);
        }

        private static void CheckOutputTangent<T>(Tensor<T> outputTangent, int[] shape, Tensor<T> x, Tensor<T> weight, Tensor<T>? inputTangent,
            Tensor<T>? weightTangent, Tensor<T>? biasTangent)
        {
            ConvChecks.NotNull(outputTangent, nameof(outputTangent));
            ConvBuffers.Shape(outputTangent, shape, nameof(outputTangent), "the result");
            ConvBuffers.Disjoint<T>([(outputTangent, nameof(outputTangent))],
                [(x, "x"), (weight, "weight"), (inputTangent, nameof(inputTangent)), (weightTangent, nameof(weightTangent)), (biasTangent, nameof(biasTangent))]);
        }

        private static void CheckMode(GradientMode mode)
        {
            if (mode is not (GradientMode.Overwrite or GradientMode.Accumulate))
            {
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "GradientMode is Overwrite or Accumulate.");
            }
        }
    }
}
