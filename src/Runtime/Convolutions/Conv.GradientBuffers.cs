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
            // Every gradient is computed before any buffer is written.
            var gx = inputGradient is null ? null : InputVjp(outputGradient, weight, spec, ConvChecks.Spatial(x));
            var gw = weightGradient is null ? null : WeightVjp(x, outputGradient, spec);
            ConvBuffers.Write(gx, inputGradient, mode);
            ConvBuffers.Write(gw, weightGradient, mode);
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
            var gx = inputGradient is null ? null : Forward(outputGradient, weight, spec);
            var gw = weightGradient is null ? null : WeightVjp(outputGradient, x, spec);
            ConvBuffers.Write(gx, inputGradient, mode);
            ConvBuffers.Write(gw, weightGradient, mode);
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
            var sum = ForwardJvpChecked(x, weight, spec, inputTangent, weightTangent, biasTangent, outputTangent);
            ConvBuffers.Write(sum, outputTangent, GradientMode.Overwrite);
        }

        /// <summary>
        /// The forward mode of <see cref="TransposeForward"/> into <paramref name="outputTangent"/> [N, C_out, I…] (overwritten):
        /// convT(ẋ, W) + convT(x, Ẇ) + ḃ, checked as <see cref="ForwardJvp{T}(Tensor{T}, Tensor{T}, ConvSpec, Tensor{T}?, Tensor{T}?, Tensor{T}?, Tensor{T})"/>.
        /// </summary>
        public static void TransposeForwardJvp<T>(Tensor<T> x, Tensor<T> weight, ConvSpec spec, Tensor<T>? inputTangent, Tensor<T>? weightTangent,
            Tensor<T>? biasTangent, Tensor<T> outputTangent) where T : unmanaged, INumberBase<T>
        {
            ConvChecks.NotNull(outputTangent, nameof(outputTangent));
            var sum = TransposeForwardJvpChecked(x, weight, spec, inputTangent, weightTangent, biasTangent, outputTangent);
            ConvBuffers.Write(sum, outputTangent, GradientMode.Overwrite);
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
            ConvBuffers.Write(Fold(outputGradient, spec, ConvChecks.Spatial(x)), inputGradient, mode);
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
            ConvBuffers.Write(Unfold(inputTangent, spec), outputTangent, GradientMode.Overwrite);
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
