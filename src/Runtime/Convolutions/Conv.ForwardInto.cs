using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;

namespace EinsumGen.Convolutions
{
    public static partial class Conv
    {
        /// <summary>
        /// <see cref="Forward"/> into <paramref name="output"/> [N, C_out, O…], which is overwritten with conv(x, weight) + bias:
        /// for training loops that keep their activations. A layer that runs as an implicit GEMM or on the thin-layer kernel writes a
        /// dense output in place and a strided one through pooled scratch, with no result allocated; other layers compute the result and copy it. Checked before
        /// anything is computed: the operands as <see cref="Forward"/> checks them, the output's shape, and that the output
        /// neither aliases itself (a stride of 0) nor shares memory with an operand.
        /// </summary>
        public static void ForwardInto<T>(Tensor<T> x, Tensor<T> weight, ConvSpec spec, Tensor<T>? bias, Tensor<T> output)
            where T : unmanaged, INumberBase<T>
        {
            var (batch, channels, geometries, outChannels) = CheckForward(x, weight, spec, bias);
            ConvChecks.NotNull(output, nameof(output));
            var shape = Concat(new[] { batch, outChannels }, geometries.Select(g => g.OutputSize));
            ConvBuffers.Shape(output, shape, nameof(output), "the result");
            ConvBuffers.Disjoint<T>([(output, nameof(output))], [(x, "x"), (weight, "weight"), (bias, "bias")]);
            ForwardTo(x, weight, bias, spec, geometries, channels, outChannels, output, GradientMode.Overwrite);
        }
    }
}
