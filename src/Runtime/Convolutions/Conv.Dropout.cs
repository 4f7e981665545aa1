using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace EinsumGen.Convolutions
{
    /// <summary>Which legs of the input tensor dropout samples.</summary>
    public enum ConvDropoutAxes
    {
        /// <summary>The input-channel leg c_in (within a group): dropped channels give exactly zero gradient rows.</summary>
        Channels,

        /// <summary>Each spatial leg i_d independently: the kept positions of x and the matching slices of Π_d.</summary>
        Spatial,
    }

    public static partial class Conv
    {
        /// <summary>
        /// An unbiased randomized weight VJP ("tensor dropout"): keep each index of the chosen leg of x with probability
        /// <paramref name="keep"/> (Bernoulli, from <see cref="Random"/> seeded with <paramref name="seed"/>), index-select the
        /// kept slices (no mask is multiplied in), run the smaller contraction and rescale by 1/p per sampled leg (1/p for
        /// channels; 1/p^N for the N spatial legs). Its expectation is <see cref="WeightVjp"/>. Spatial sampling slices Π_d
        /// along its input leg, which the gather reads through a table of kept positions.
        /// </summary>
        public static Tensor<T> WeightVjpRandomized<T>(Tensor<T> x, Tensor<T> outputGradient, ConvSpec spec, double keep, ConvDropoutAxes axes, int seed)
            where T : unmanaged, INumberBase<T>
        {
            if (!(keep > 0 && keep <= 1)) throw new ArgumentException($"keep is {keep}, but it must lie in (0, 1].", nameof(keep));
            var (batch, channels, geometries) = CheckInput(x, spec, "x");
            ConvChecks.NotNull(outputGradient, nameof(outputGradient));
            ConvChecks.Rank(outputGradient, nameof(outputGradient), spec.Dimensions + 2, "[N, C_out, O…]");
            ConvChecks.Divides(outputGradient, nameof(outputGradient), 1, spec.Groups, "output channels");
            int outChannels = (int)outputGradient.Lengths[1];
            CheckOutputGradient(outputGradient, outChannels, geometries, batch);
            var rng = new Random(seed);
            int groups = spec.Groups, perGroup = channels / groups, n = spec.Dimensions;
            var result = Tensor.CreateFromShape<T>(new nint[] { outChannels, perGroup }.Concat(spec.KernelSize.Select(k => (nint)k)).ToArray());
            var grouped = Grouped(x, groups);

            if (axes == ConvDropoutAxes.Channels)
            {
                var kept = Sample(perGroup, keep, rng);
                if (kept.Length == 0) return result;
                var selected = IndexSelect(grouped, 2, kept);
                var partial = Run<T>(ConvOperation.WeightVjp, spec, geometries, batch, groups * kept.Length, outChannels,
                    name => name == "x" ? selected : Grouped(outputGradient, groups),
                    new[] { outChannels, kept.Length }.Concat(spec.KernelSize).ToArray());
                ScatterChannels(partial, result, kept, 1.0 / keep);
                return result;
            }

            // Spatial: x keeps only the sampled positions of each leg; the gather reads it through tables that map
            // (k, o) to the position among the kept ones, or −1 where the pattern's input was dropped or is padding.
            var keptPositions = new int[n][];
            var slice = grouped;
            for (int d = 0; d < n; d++)
            {
                keptPositions[d] = Sample(geometries[d].InputSize, keep, rng);
                if (keptPositions[d].Length == 0) return result;
                slice = IndexSelect(slice, 3 + d, keptPositions[d]);
            }
            var tables = new int[n][];
            for (int d = 0; d < n; d++)
            {
                var position = Enumerable.Repeat(-1, geometries[d].InputSize).ToArray();
                for (int j = 0; j < keptPositions[d].Length; j++) position[keptPositions[d][j]] = j;
                tables[d] = geometries[d].GatherTable().Select(i => i < 0 ? -1 : position[i]).ToArray();
            }
            int taps = Product(spec.KernelSize), outputs = Product(geometries.Select(g => g.OutputSize));
            var columns = Tensor.CreateFromShape<T>(new nint[] { batch, groups, perGroup, taps, outputs });
            unsafe
            {
                fixed (T* h = &Einsum.First(slice))
                fixed (T* c = &Einsum.First(columns))
                {
#if EINSUMGEN_CHECKED_KERNELS
                    using var regions = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(h, slice.Lengths, slice.Strides, false, "host");
                    using var columnsRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(c, columns.Lengths, columns.Strides, true, "columns");
#endif
                    PatternKernels.Gather(h, c, (long)batch * channels, keptPositions.Select(k => k.Length).ToArray(), spec.KernelSize.ToArray(),
                        geometries.Select(g => g.OutputSize).ToArray(), tables);
                }
            }
            var v = ConvTensors.Reshape(Grouped(outputGradient, groups), batch, groups, outChannels / groups, outputs);
            var gradient = ConvTensors.Reshape(result, groups, outChannels / groups, perGroup, taps);
            Einsum.EvaluateInto("ngcko,ngdo,s->gdck", gradient, columns, v, ConvTensors.Scalar<T>(Math.Pow(keep, -n)));
            return result;
        }

        private static int[] Sample(int count, double keep, Random rng)
        {
            var kept = new List<int>();
            for (int i = 0; i < count; i++) if (rng.NextDouble() < keep) kept.Add(i);
            return kept.ToArray();
        }

        /// <summary>A dense copy of the slices of <paramref name="t"/> at <paramref name="indices"/> along <paramref name="axis"/>.</summary>
        private static Tensor<T> IndexSelect<T>(Tensor<T> t, int axis, int[] indices) where T : unmanaged, INumberBase<T>
        {
            var dense = ConvTensors.Dense(t);
            var lengths = dense.Lengths.ToArray();
            long outer = 1, inner = 1;
            for (int d = 0; d < axis; d++) outer *= lengths[d];
            for (int d = axis + 1; d < lengths.Length; d++) inner *= lengths[d];
            var source = MemoryMarshal.CreateSpan(ref Einsum.First(dense), checked((int)dense.FlattenedLength));
            var target = new T[outer * indices.Length * inner];
            long at = 0;
            for (long o = 0; o < outer; o++)
            {
                foreach (int index in indices)
                {
                    source.Slice(checked((int)((o * lengths[axis] + index) * inner)), (int)inner).CopyTo(target.AsSpan((int)at, (int)inner));
                    at += inner;
                }
            }
            lengths[axis] = indices.Length;
            return Tensor.Create(target, lengths);
        }

        /// <summary>result[:, kept[j], …] = scale · partial[:, j, …]; the other channels stay zero.</summary>
        private static void ScatterChannels<T>(Tensor<T> partial, Tensor<T> result, int[] kept, double scale) where T : unmanaged, INumberBase<T>
        {
            var from = MemoryMarshal.CreateSpan(ref Einsum.First(partial), checked((int)partial.FlattenedLength));
            var to = MemoryMarshal.CreateSpan(ref Einsum.First(result), checked((int)result.FlattenedLength));
            long rows = result.Lengths[0], perGroup = result.Lengths[1], inner = result.FlattenedLength / rows / perGroup;
            T factor = T.CreateChecked(scale);
            for (long r = 0; r < rows; r++)
            {
                for (int j = 0; j < kept.Length; j++)
                {
                    var src = from.Slice((int)((r * kept.Length + j) * inner), (int)inner);
                    var dst = to.Slice((int)((r * perGroup + kept[j]) * inner), (int)inner);
                    for (int i = 0; i < src.Length; i++) dst[i] = src[i] * factor;
                }
            }
        }
    }
}
