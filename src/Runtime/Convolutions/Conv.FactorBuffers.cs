using System.Numerics;
using System.Numerics.Tensors;

namespace EinsumGen.Convolutions
{
    public static partial class Conv
    {
        /// <summary>
        /// <see cref="KfacReduce{T}(Tensor{T}, ConvSpec)"/> into <paramref name="factor"/> [G, C_in/G·ΠK, C_in/G·ΠK], overwritten: for
        /// optimizers that keep their factors, a repeated call touches no fresh memory (the mean lives in pooled memory, and a
        /// dense <paramref name="factor"/> receives the product directly). Checked first: x as <c>KfacReduce</c> checks it, the
        /// factor's shape (naming the dimension and both sizes) and that it shares no memory with x.
        /// </summary>
        public static void KfacReduce<T>(Tensor<T> x, ConvSpec spec, Tensor<T> factor) where T : unmanaged, INumberBase<T>
        {
            System.ArgumentNullException.ThrowIfNull(spec);
            if (spec.Simplify)
            {
                KfacReduceAveraged(x, spec, factor);
                return;
            }
            CheckFactor(x, spec, factor);
            ConvBuffers.Write(Factor(ConvOperation.KfacReduce, x, spec), factor, GradientMode.Overwrite);
        }

        /// <summary><see cref="KfacReduceAveraged{T}(Tensor{T}, ConvSpec)"/> into <paramref name="factor"/>, overwritten (see <see cref="KfacReduce{T}(Tensor{T}, ConvSpec, Tensor{T})"/>).</summary>
        public static void KfacReduceAveraged<T>(Tensor<T> x, ConvSpec spec, Tensor<T> factor) where T : unmanaged, INumberBase<T>
        {
            var (batch, channels, geometries) = CheckFactor(x, spec, factor);
            var plan = spec.Plans.GetAveraged(geometries, batch, channels, spec.Groups);
            if (factor.IsDense)
            {
                plan.Run(Grouped(x, spec.Groups), factor);
                return;
            }
            ConvBuffers.Write(plan.Run(Grouped(x, spec.Groups)), factor, GradientMode.Overwrite);
        }

        private static (int Batch, int Channels, ConvGeometry[] Geometries) CheckFactor<T>(Tensor<T> x, ConvSpec spec, Tensor<T> factor)
        {
            var checkedInput = CheckInput(x, spec, "x");
            ConvChecks.NotNull(factor, nameof(factor));
            int side = checkedInput.Channels / spec.Groups * Product(spec.KernelSize);
            ConvBuffers.Shape(factor, new[] { spec.Groups, side, side }, nameof(factor), "the factor [G, C_in/G·ΠK, C_in/G·ΠK]");
            ConvBuffers.Disjoint<T>([(factor, nameof(factor))], [(x, "x")]);
            return checkedInput;
        }
    }
}
