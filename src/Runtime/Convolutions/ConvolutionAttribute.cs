using System;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// Marks a <c>static partial</c> method that EinsumGen implements at build time as a convolution with constant
    /// hyperparameters, e.g. <c>[Convolution(3, 3, Padding = new[] { 1 })]</c> on
    /// <c>static partial Tensor&lt;float&gt; Conv3x3(Tensor&lt;float&gt; x, Tensor&lt;float&gt; weight)</c>. The generator checks
    /// the constants (located errors EG0100–EG0105), builds, simplifies and plans the operation's einsum network for the
    /// kernel's dimension count, prints it in the method's remarks, and calls <see cref="Conv"/> with a <see cref="ConvSpec"/>
    /// built once (its plan cache keeps each call shape's network, index tables and planned contractions). Parameters, in
    /// order: Forward and TransposeForward (x, weight[, bias]); InputVjp (outputGradient, weight, int[] inputSize); WeightVjp
    /// (x, outputGradient); InputJvp (inputTangent, weight); WeightJvp (x, weightTangent); Fold (columns, int[] inputSize);
    /// WeightVjpRandomized (x, outputGradient, int seed); Unfold, TransposeUnfold, Kfc, KfacReduce, KfacReduceAveraged,
    /// TransposeKfacReduce (x). Tensors are Tensor&lt;T&gt; of the result's T; sizes may also be IReadOnlyList&lt;int&gt;.
    /// </summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
    public sealed class ConvolutionAttribute : Attribute
    {
        /// <summary>The kernel size per spatial dimension (its count is the number of spatial dimensions).</summary>
        public ConvolutionAttribute(params int[] kernelSize) => KernelSize = kernelSize;

        /// <summary>The kernel size per spatial dimension.</summary>
        public int[] KernelSize { get; }

        /// <summary>The stride per dimension; one value applies to every dimension; unset means 1.</summary>
        public int[]? Stride { get; set; }

        /// <summary>Symmetric zero padding per dimension; one value applies to every dimension; unset means 0.</summary>
        public int[]? Padding { get; set; }

        /// <summary>
        /// Zero padding per side: a (left, right) pair per dimension in order, <c>new[] { left0, right0, left1, right1 }</c>;
        /// one pair applies to every dimension. Replaces <see cref="Padding"/> (give one of them); not with <see cref="SamePadding"/>.
        /// </summary>
        public int[]? PaddingPerSide { get; set; }

        /// <summary>PyTorch's padding 'same' in every dimension (stride 1 only); replaces <see cref="Padding"/>.</summary>
        public bool SamePadding { get; set; }

        /// <summary>The dilation per dimension; one value applies to every dimension; unset means 1.</summary>
        public int[]? Dilation { get; set; }

        /// <summary>The number of channel groups (1 by default).</summary>
        public int Groups { get; set; } = 1;

        /// <summary>The operation the method runs (<see cref="ConvOperation.Forward"/> by default).</summary>
        public ConvOperation Operation { get; set; } = ConvOperation.Forward;

        /// <summary>The transpose operations' output padding per dimension (one value repeats; unset means 0); each below max(S, D).</summary>
        public int[]? OutputPadding { get; set; }

        /// <summary><see cref="ConvOperation.WeightVjpRandomized"/>: the keep probability p in (0, 1] (required there, refused elsewhere).</summary>
        public double Keep { get; set; } = double.NaN;

        /// <summary><see cref="ConvOperation.WeightVjpRandomized"/>: which legs of x are sampled (<see cref="ConvDropoutAxes.Spatial"/> by default).</summary>
        public ConvDropoutAxes DropoutAxes { get; set; } = ConvDropoutAxes.Spatial;

        /// <summary>
        /// Whether EinsumGen also writes the method's reverse mode (<c>{Name}Backward</c>) and forward mode (<c>{Name}Jvp</c>), for
        /// the operations that have them (Forward, TransposeForward, Unfold). Left unset, the project's <c>EinsumGenDerivatives</c>
        /// MSBuild property decides (default <c>true</c>), as for <c>[Einsum]</c>.
        /// </summary>
        public bool Derivatives { get; set; } = true;
    }
}
