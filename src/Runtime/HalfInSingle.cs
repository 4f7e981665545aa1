using System;
using System.Numerics.Tensors;

namespace EinsumGen
{
    /// <summary>
    /// Half einsums computed in float and rounded to Half once, as NumPy computes float16 einsums: Half has an 11-bit
    /// significand, so a sum accumulated in Half loses the last bits from a few thousand onwards (NumPy's
    /// check_einsum_sums for float16 differs from n = 12 otherwise). Operands are copied to float (dense), the float plan
    /// runs on the SIMD kernels, and each result is converted back; shape errors come from the float call, before any
    /// result is written.
    /// </summary>
    internal static class HalfInSingle
    {
        public static bool Applies<T>() => typeof(T) == typeof(Half);

        public static Tensor<T> Evaluate<T>(string spec, Tensor<T>[] operands) =>
            (Tensor<T>)(object)ToHalf(Einsum.Evaluate(spec, ToSingle(operands)));

        public static Tensor<T> Evaluate<T>(string spec, EinsumPlanOptions options, Tensor<T>[] operands) =>
            (Tensor<T>)(object)ToHalf(Einsum.Evaluate(spec, options, ToSingle(operands)));

        public static void EvaluateInto<T>(string spec, Tensor<T> output, Tensor<T>[] operands)
        {
            var result = Tensor.CreateFromShape<float>(output.Lengths);
            Einsum.EvaluateInto(spec, result, ToSingle(operands));
            // A plain copy into the caller's view (any strides), which checks that view before writing.
            Einsum.EvaluateIntoInT("...->...", (Tensor<Half>)(object)output, new[] { ToHalf(result) });
        }

        public static Tensor<T>[] Backward<T>(string spec, Tensor<T> outputGradient, Tensor<T>[] operands) =>
            Backward(spec, null, outputGradient, operands);

        public static Tensor<T>[] Backward<T>(string spec, EinsumPlanOptions? options, Tensor<T> outputGradient, Tensor<T>[] operands)
        {
            var gradients = Einsum.Backward(spec, options, ToSingle(outputGradient)!, ToSingle(operands));
            var result = new Tensor<T>[gradients.Length];
            for (int i = 0; i < gradients.Length; i++) result[i] = (Tensor<T>)(object)ToHalf(gradients[i]);
            return result;
        }

        /// <summary>Null operands stay null, so that the float call reports them as it reports any.</summary>
        private static Tensor<float>[] ToSingle<T>(Tensor<T>[] operands)
        {
            ArgumentNullException.ThrowIfNull(operands);
            var single = new Tensor<float>[operands.Length];
            for (int i = 0; i < operands.Length; i++) single[i] = ToSingle(operands[i])!;
            return single;
        }

        private static Tensor<float>? ToSingle<T>(Tensor<T>? tensor) =>
            tensor is null ? null : Tensor.ConvertChecked<Half, float>((Tensor<Half>)(object)tensor);

        private static Tensor<Half> ToHalf(Tensor<float> tensor) => Tensor.ConvertChecked<float, Half>(tensor);
    }
}
