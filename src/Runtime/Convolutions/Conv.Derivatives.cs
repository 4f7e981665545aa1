using System;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace EinsumGen.Convolutions
{
    /// <summary>Which gradients a convolution's reverse mode computes; the others come back null.</summary>
    [Flags]
    public enum ConvGradients
    {
        /// <summary>None.</summary>
        None = 0,

        /// <summary>The gradient with respect to the input x.</summary>
        Input = 1,

        /// <summary>The gradient with respect to the weight.</summary>
        Weight = 2,

        /// <summary>The gradient with respect to the bias (the output gradient summed over batch and space).</summary>
        Bias = 4,

        /// <summary>Every gradient.</summary>
        All = Input | Weight | Bias,
    }

    public static partial class Conv
    {
        /// <summary>
        /// The reverse mode of <see cref="Forward"/>: the gradients of a loss with respect to x, the weight and the bias,
        /// given its gradient <paramref name="outputGradient"/> [N, C_out, O…] with respect to y. Each is computed only when
        /// <paramref name="wanted"/> asks for it (the others are null): x's by <see cref="InputVjp"/> (x's spatial size picks the
        /// input size), the weight's by <see cref="WeightVjp"/>, the bias's as the sum over batch and space. A
        /// <paramref name="bias"/>, when given, is checked as the forward checks it. Every shape is checked first.
        /// </summary>
        public static (Tensor<T>? InputGradient, Tensor<T>? WeightGradient, Tensor<T>? BiasGradient) ForwardBackward<T>(
            Tensor<T> x, Tensor<T> weight, Tensor<T> outputGradient, ConvSpec spec, Tensor<T>? bias = null, ConvGradients wanted = ConvGradients.All)
            where T : unmanaged, INumberBase<T>
        {
            var (batch, channels, geometries) = CheckInput(x, spec, "x");
            ConvChecks.NotNull(weight, nameof(weight));
            ConvChecks.Weight(weight, spec, -1, channels / spec.Groups);
            int outChannels = (int)weight.Lengths[0];
            CheckBias(bias, outChannels);
            CheckOutputGradient(outputGradient, outChannels, geometries, batch);
            return (
                wanted.HasFlag(ConvGradients.Input) ? InputVjp(outputGradient, weight, spec, ConvChecks.Spatial(x)) : null,
                wanted.HasFlag(ConvGradients.Weight) ? WeightVjp(x, outputGradient, spec) : null,
                wanted.HasFlag(ConvGradients.Bias) ? BiasVjp(outputGradient) : null);
        }

        /// <summary>
        /// The forward mode of <see cref="Forward"/>: the directional derivative of y along the tangents (each of its operand's
        /// shape; a null tangent counts as zero): conv(ẋ, W) + conv(x, Ẇ) + ḃ. With every tangent null it is zero.
        /// </summary>
        public static Tensor<T> ForwardJvp<T>(Tensor<T> x, Tensor<T> weight, ConvSpec spec, Tensor<T>? inputTangent, Tensor<T>? weightTangent,
            Tensor<T>? biasTangent = null) where T : unmanaged, INumberBase<T> =>
            ForwardJvpChecked(x, weight, spec, inputTangent, weightTangent, biasTangent, outputTangent: null);

        /// <summary>
        /// <see cref="ForwardJvp{T}(Tensor{T}, Tensor{T}, ConvSpec, Tensor{T}?, Tensor{T}?, Tensor{T}?)"/>, every check (and the
        /// output tangent's, when one is given) before anything is computed.
        /// </summary>
        private static Tensor<T> ForwardJvpChecked<T>(Tensor<T> x, Tensor<T> weight, ConvSpec spec, Tensor<T>? inputTangent,
            Tensor<T>? weightTangent, Tensor<T>? biasTangent, Tensor<T>? outputTangent) where T : unmanaged, INumberBase<T>
        {
            var (geometries, _, outChannels) = CheckForwardJvp(x, weight, spec, inputTangent, weightTangent, biasTangent, outputTangent);
            var shape = Concat(new[] { (int)x.Lengths[0], outChannels }, geometries.Select(g => g.OutputSize));
            return Tangent(shape, inputTangent is null ? null : Forward(inputTangent, weight, spec),
                weightTangent is null ? null : Forward(x, weightTangent, spec), biasTangent);
        }

        /// <summary>Every check of the forward's JVP (the output tangent's when one is given): the geometries and the channels.</summary>
        private static (ConvGeometry[] Geometries, int Channels, int OutChannels) CheckForwardJvp<T>(Tensor<T> x, Tensor<T> weight, ConvSpec spec,
            Tensor<T>? inputTangent, Tensor<T>? weightTangent, Tensor<T>? biasTangent, Tensor<T>? outputTangent)
        {
            var (batch, channels, geometries) = CheckInput(x, spec, "x");
            ConvChecks.NotNull(weight, nameof(weight));
            ConvChecks.Weight(weight, spec, -1, channels / spec.Groups);
            int outChannels = (int)weight.Lengths[0];
            ConvChecks.SameShape(inputTangent, x, nameof(inputTangent), "x");
            ConvChecks.SameShape(weightTangent, weight, nameof(weightTangent), "weight");
            CheckBias(biasTangent, outChannels, nameof(biasTangent));
            var shape = Concat(new[] { batch, outChannels }, geometries.Select(g => g.OutputSize));
            if (outputTangent is not null) CheckOutputTangent(outputTangent, shape, x, weight, inputTangent, weightTangent, biasTangent);
            return (geometries, channels, outChannels);
        }

        /// <summary>
        /// The reverse mode of <see cref="TransposeForward"/>, given the gradient <paramref name="outputGradient"/> [N, C_out, I…]
        /// of its result: x's gradient is the convolution of it (<see cref="Forward"/> with the same weight), the weight's the
        /// <see cref="WeightVjp"/> of a convolution whose input is the output gradient and whose output gradient is x, and
        /// the bias's the sum over batch and space. Only what <paramref name="wanted"/> asks for is computed (the rest is null).
        /// </summary>
        public static (Tensor<T>? InputGradient, Tensor<T>? WeightGradient, Tensor<T>? BiasGradient) TransposeForwardBackward<T>(
            Tensor<T> x, Tensor<T> weight, Tensor<T> outputGradient, ConvSpec spec, Tensor<T>? bias = null, ConvGradients wanted = ConvGradients.All)
            where T : unmanaged, INumberBase<T>
        {
            var (batch, channels, geometries) = CheckTransposeInput(x, spec);
            int outChannels = CheckTransposeWeight(weight, spec, channels);
            CheckBias(bias, outChannels);
            CheckTransposeOutputGradient(outputGradient, spec, batch, outChannels, geometries);
            // The transpose convolution is the input VJP of the convolution from its result to x: its adjoints are that
            // convolution's forward pass and weight VJP (the weight [C_in, C_out/G, K…] is that convolution's [C_out, C_in/G, K…]).
            return (
                wanted.HasFlag(ConvGradients.Input) ? Forward(outputGradient, weight, spec) : null,
                wanted.HasFlag(ConvGradients.Weight) ? WeightVjp(outputGradient, x, spec) : null,
                wanted.HasFlag(ConvGradients.Bias) ? BiasVjp(outputGradient) : null);
        }

        /// <summary>The forward mode of <see cref="TransposeForward"/>: convT(ẋ, W) + convT(x, Ẇ) + ḃ (a null tangent counts as zero).</summary>
        public static Tensor<T> TransposeForwardJvp<T>(Tensor<T> x, Tensor<T> weight, ConvSpec spec, Tensor<T>? inputTangent, Tensor<T>? weightTangent,
            Tensor<T>? biasTangent = null) where T : unmanaged, INumberBase<T> =>
            TransposeForwardJvpChecked(x, weight, spec, inputTangent, weightTangent, biasTangent, outputTangent: null);

        /// <summary>The transpose convolution's <see cref="ForwardJvpChecked{T}"/>.</summary>
        private static Tensor<T> TransposeForwardJvpChecked<T>(Tensor<T> x, Tensor<T> weight, ConvSpec spec, Tensor<T>? inputTangent,
            Tensor<T>? weightTangent, Tensor<T>? biasTangent, Tensor<T>? outputTangent) where T : unmanaged, INumberBase<T>
        {
            var (geometries, _, outChannels) = CheckTransposeForwardJvp(x, weight, spec, inputTangent, weightTangent, biasTangent, outputTangent);
            var shape = Concat(new[] { (int)x.Lengths[0], outChannels }, geometries.Select(g => g.InputSize));
            return Tangent(shape, inputTangent is null ? null : TransposeForward(inputTangent, weight, spec),
                weightTangent is null ? null : TransposeForward(x, weightTangent, spec), biasTangent);
        }

        /// <summary>Every check of the transpose convolution's JVP: its geometries, x's channels and the result's.</summary>
        private static (ConvGeometry[] Geometries, int Channels, int OutChannels) CheckTransposeForwardJvp<T>(Tensor<T> x, Tensor<T> weight,
            ConvSpec spec, Tensor<T>? inputTangent, Tensor<T>? weightTangent, Tensor<T>? biasTangent, Tensor<T>? outputTangent)
        {
            var (batch, channels, geometries) = CheckTransposeInput(x, spec);
            int outChannels = CheckTransposeWeight(weight, spec, channels);
            ConvChecks.SameShape(inputTangent, x, nameof(inputTangent), "x");
            ConvChecks.SameShape(weightTangent, weight, nameof(weightTangent), "weight");
            CheckBias(biasTangent, outChannels, nameof(biasTangent));
            var shape = Concat(new[] { batch, outChannels }, geometries.Select(g => g.InputSize));
            if (outputTangent is not null) CheckOutputTangent(outputTangent, shape, x, weight, inputTangent, weightTangent, biasTangent);
            return (geometries, channels, outChannels);
        }

        /// <summary>The reverse mode of <see cref="Unfold"/>: <see cref="Fold"/> of the columns' gradient at x's spatial size.</summary>
        public static Tensor<T> UnfoldBackward<T>(Tensor<T> x, Tensor<T> outputGradient, ConvSpec spec) where T : unmanaged, INumberBase<T>
        {
            var (batch, channels, geometries) = CheckInput(x, spec, "x", checkGroups: false);
            CheckColumnsGradient(outputGradient, batch, channels, spec, geometries);
            return Fold(outputGradient, spec, ConvChecks.Spatial(x));
        }

        /// <summary>The forward mode of <see cref="Unfold"/> (linear): the unfold of the tangent, checked to have x's shape.</summary>
        public static Tensor<T> UnfoldJvp<T>(Tensor<T> x, Tensor<T> inputTangent, ConvSpec spec) where T : unmanaged, INumberBase<T>
        {
            CheckInput(x, spec, "x", checkGroups: false);
            ConvChecks.NotNull(inputTangent, nameof(inputTangent));
            ConvChecks.SameShape(inputTangent, x, nameof(inputTangent), "x");
            return Unfold(inputTangent, spec);
        }

        /// <summary>The bias's gradient: the output gradient [N, C, S…] summed over batch and space, [C].</summary>
        public static Tensor<T> BiasVjp<T>(Tensor<T> outputGradient) where T : unmanaged, INumberBase<T>
        {
            ConvChecks.NotNull(outputGradient, nameof(outputGradient));
            if (outputGradient.Rank < 2)
            {
                throw new ArgumentException($"outputGradient has rank {outputGradient.Rank}, but a bias gradient needs [N, C, S…].", nameof(outputGradient));
            }
            var sums = new T[outputGradient.Lengths[1]];
            AddBiasSums(outputGradient, sums);
            return Tensor.Create(sums, new nint[] { sums.Length });
        }

        /// <summary>Adds the output gradient [N, C, S…] summed over batch and space to <paramref name="sums"/> [C].</summary>
        private static void AddBiasSums<T>(Tensor<T> outputGradient, Span<T> sums) where T : unmanaged, INumberBase<T>
        {
            var dense = ConvTensors.Dense(outputGradient);
            var data = MemoryMarshal.CreateReadOnlySpan(ref Einsum.First(dense), checked((int)dense.FlattenedLength));
            int channels = sums.Length;
            long inner = 1;
            for (int d = 2; d < dense.Rank; d++) inner *= dense.Lengths[d];
            for (long b = 0, at = 0; b < dense.Lengths[0]; b++)
            {
                for (int c = 0; c < channels; c++, at += inner)
                {
                    T s = T.Zero;
                    foreach (var v in data.Slice((int)at, (int)inner)) s += v;
                    sums[c] += s;
                }
            }
        }

        private static void CheckTransposeOutputGradient<T>(Tensor<T> outputGradient, ConvSpec spec, int batch, int outChannels, ConvGeometry[] geometries)
        {
            ConvChecks.NotNull(outputGradient, nameof(outputGradient));
            ConvChecks.Rank(outputGradient, nameof(outputGradient), spec.Dimensions + 2, "[N, C_out, I…]");
            ConvChecks.Size(outputGradient, nameof(outputGradient), 0, batch, "batch, as x's");
            ConvChecks.Size(outputGradient, nameof(outputGradient), 1, outChannels, "output channels");
            for (int d = 0; d < geometries.Length; d++)
            {
                ConvChecks.Size(outputGradient, nameof(outputGradient), d + 2, geometries[d].InputSize, $"output size of spatial dimension {d}");
            }
        }

        private static void CheckColumnsGradient<T>(Tensor<T> outputGradient, int batch, int channels, ConvSpec spec, ConvGeometry[] geometries)
        {
            ConvChecks.NotNull(outputGradient, nameof(outputGradient));
            ConvChecks.Rank(outputGradient, nameof(outputGradient), 3, "[N, C·ΠK, ΠO]");
            ConvChecks.Size(outputGradient, nameof(outputGradient), 0, batch, "batch, as x's");
            ConvChecks.Size(outputGradient, nameof(outputGradient), 1, (long)channels * Product(spec.KernelSize), "C·ΠK");
            ConvChecks.Size(outputGradient, nameof(outputGradient), 2, Product(geometries.Select(g => g.OutputSize)), "output positions ΠO");
        }

        private static void CheckBias<T>(Tensor<T>? bias, int outChannels, string name = "bias")
        {
            if (bias is null) return;
            ConvChecks.Rank(bias, name, 1, "[C_out]");
            ConvChecks.Size(bias, name, 0, outChannels, "output channels");
        }

        private static int CheckTransposeWeight<T>(Tensor<T> weight, ConvSpec spec, int channels)
        {
            ConvChecks.NotNull(weight, nameof(weight));
            ConvChecks.Rank(weight, nameof(weight), spec.Dimensions + 2, "[C_in, C_out/G, K…]");
            ConvChecks.Size(weight, nameof(weight), 0, channels, "input channels");
            for (int d = 0; d < spec.Dimensions; d++) ConvChecks.Size(weight, nameof(weight), d + 2, spec.KernelSize[d], $"kernel size of spatial dimension {d}");
            return (int)weight.Lengths[1] * spec.Groups;
        }

        /// <summary>The sum of the terms that are present (a bias tangent broadcast over batch and space); zeros when none is.</summary>
        private static Tensor<T> Tangent<T>(int[] shape, Tensor<T>? a, Tensor<T>? b, Tensor<T>? bias) where T : unmanaged, INumberBase<T>
        {
            var result = a ?? b ?? ConvTensors.Zeros<T>(shape);
            if (a is not null && b is not null)
            {
                var sum = MemoryMarshal.CreateSpan(ref Einsum.First(a), checked((int)a.FlattenedLength));
                var add = MemoryMarshal.CreateReadOnlySpan(ref Einsum.First(b), sum.Length);
                for (int i = 0; i < sum.Length; i++) sum[i] += add[i];
            }
            if (bias is not null) AddBias(result, bias);
            return result;
        }
    }
}
