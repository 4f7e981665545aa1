using System;
using System.Collections.Generic;
using System.Linq;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// The hyperparameters of an N-d convolution (N ≥ 1), as PyTorch's ConvNd takes them: kernel size, stride, zero padding
    /// (int, per side, 'same' or 'valid'), dilation, channel groups, and the output padding of a transpose convolution.
    /// They are checked here; sizes that depend on the input are checked by each operation before it touches memory.
    /// </summary>
    public sealed class ConvSpec
    {
        /// <summary>Per-dimension hyperparameters; null arrays mean stride 1, padding 0, dilation 1, output padding 0.</summary>
        public ConvSpec(int[] kernelSize, int[]? stride = null, ConvPadding[]? padding = null, int[]? dilation = null, int groups = 1,
            int[]? outputPadding = null, bool simplify = true)
        {
            ArgumentNullException.ThrowIfNull(kernelSize);
            int n = kernelSize.Length;
            if (n == 0) throw new ArgumentException("A convolution needs at least one spatial dimension.", nameof(kernelSize));
            KernelSize = (int[])kernelSize.Clone();
            Stride = Fill(stride, n, 1, nameof(stride));
            Dilation = Fill(dilation, n, 1, nameof(dilation));
            OutputPadding = Fill(outputPadding, n, 0, nameof(outputPadding));
            Padding = padding is null ? Enumerable.Repeat(ConvPadding.Symmetric(0), n).ToArray() : (ConvPadding[])padding.Clone();
            if (Padding.Count != n) throw new ArgumentException($"padding has {Padding.Count} entries, but the kernel has {n} dimensions.", nameof(padding));
            Groups = groups;
            Simplify = simplify;
            if (groups < 1) throw new ArgumentException($"groups is {groups}, but it must be at least 1.", nameof(groups));
            for (int d = 0; d < n; d++)
            {
                if (KernelSize[d] < 1) throw new ArgumentException($"kernelSize: dimension {d} is {KernelSize[d]}, but it must be at least 1.", nameof(kernelSize));
                if (Stride[d] < 1) throw new ArgumentException($"stride: dimension {d} is {Stride[d]}, but it must be at least 1.", nameof(stride));
                if (Dilation[d] < 1) throw new ArgumentException($"dilation: dimension {d} is {Dilation[d]}, but it must be at least 1.", nameof(dilation));
                if (OutputPadding[d] < 0) throw new ArgumentException($"outputPadding: dimension {d} is {OutputPadding[d]}, but it must not be negative.", nameof(outputPadding));
                string? error = Padding[d].Resolve(KernelSize[d], Stride[d], Dilation[d], out _, out _);
                if (error is not null) throw new ArgumentException($"padding: dimension {d}: {error}.", nameof(padding));
            }
        }

        /// <summary>The same hyperparameters in each of <paramref name="dimensions"/> dimensions.</summary>
        public static ConvSpec Uniform(int dimensions, int kernelSize, int stride = 1, ConvPadding padding = default, int dilation = 1, int groups = 1,
            int outputPadding = 0, bool simplify = true)
        {
            if (dimensions < 1) throw new ArgumentException($"dimensions is {dimensions}, but it must be at least 1.", nameof(dimensions));
            return new ConvSpec(Enumerable.Repeat(kernelSize, dimensions).ToArray(), Enumerable.Repeat(stride, dimensions).ToArray(),
                Enumerable.Repeat(padding, dimensions).ToArray(), Enumerable.Repeat(dilation, dimensions).ToArray(), groups,
                Enumerable.Repeat(outputPadding, dimensions).ToArray(), simplify);
        }

        /// <summary>The plans of the calls made with this spec, per operation and shape (built on first use, then reused).</summary>
        internal ConvPlanCache Plans { get; } = new ConvPlanCache();

        /// <summary>The number of spatial dimensions N.</summary>
        public int Dimensions => KernelSize.Count;

        /// <summary>K per dimension.</summary>
        public IReadOnlyList<int> KernelSize { get; }

        /// <summary>S per dimension.</summary>
        public IReadOnlyList<int> Stride { get; }

        /// <summary>The padding per dimension.</summary>
        public IReadOnlyList<ConvPadding> Padding { get; }

        /// <summary>D per dimension.</summary>
        public IReadOnlyList<int> Dilation { get; }

        /// <summary>The channel groups G.</summary>
        public int Groups { get; }

        /// <summary>The output padding of a transpose convolution, per dimension.</summary>
        public IReadOnlyList<int> OutputPadding { get; }

        /// <summary>Whether operations run the simplified network (the default) or the network as built.</summary>
        public bool Simplify { get; }

        /// <summary>The same hyperparameters with <see cref="Simplify"/> set to <paramref name="simplify"/>.</summary>
        public ConvSpec WithSimplify(bool simplify) =>
            new ConvSpec(KernelSize.ToArray(), Stride.ToArray(), Padding.ToArray(), Dilation.ToArray(), Groups, OutputPadding.ToArray(), simplify);

        /// <summary>The geometry of each dimension for a convolution input of spatial sizes <paramref name="input"/>.</summary>
        public ConvGeometry[] Geometries(IReadOnlyList<int> input, string operand = "x")
        {
            if (input.Count != Dimensions)
            {
                throw new ArgumentException($"{operand} has {input.Count} spatial dimension(s), but the convolution has {Dimensions}.", operand);
            }
            var geometries = new ConvGeometry[Dimensions];
            for (int d = 0; d < Dimensions; d++)
            {
                string? error = ConvGeometry.TryCreate(input[d], KernelSize[d], Stride[d], Padding[d], Dilation[d], out var g);
                if (error is not null) throw new ArgumentException($"{operand}: spatial dimension {d} (size {input[d]}): {error}.", operand);
                geometries[d] = g!;
            }
            return geometries;
        }

        /// <summary>
        /// The geometry of each dimension of a transpose convolution whose input (the convolution's output) has spatial sizes
        /// <paramref name="output"/>: I = (O−1)S − P_l − P_r + D(K−1) + 1 + output_padding.
        /// </summary>
        public ConvGeometry[] TransposeGeometries(IReadOnlyList<int> output, string operand = "x")
        {
            if (output.Count != Dimensions)
            {
                throw new ArgumentException($"{operand} has {output.Count} spatial dimension(s), but the convolution has {Dimensions}.", operand);
            }
            var input = new int[Dimensions];
            for (int d = 0; d < Dimensions; d++)
            {
                Padding[d].Resolve(KernelSize[d], Stride[d], Dilation[d], out int left, out int right);
                string? error = ConvGeometry.TryTransposeInputSize(output[d], KernelSize[d], Stride[d], left, right, Dilation[d], OutputPadding[d], out input[d]);
                if (error is not null) throw new ArgumentException($"{operand}: spatial dimension {d} (size {output[d]}): {error}.", operand);
            }
            return Geometries(input, operand);
        }

        /// <summary>For example <c>K=(3,3) S=(1,1) P=(1,1) D=(1,1) G=1</c>.</summary>
        public override string ToString() =>
            $"K=({string.Join(",", KernelSize)}) S=({string.Join(",", Stride)}) P=({string.Join(",", Padding)}) D=({string.Join(",", Dilation)}) G={Groups}";

        private static int[] Fill(int[]? values, int n, int fallback, string name)
        {
            if (values is null) return Enumerable.Repeat(fallback, n).ToArray();
            if (values.Length != n) throw new ArgumentException($"{name} has {values.Length} entries, but the kernel has {n} dimensions.", name);
            return (int[])values.Clone();
        }
    }
}
