using System;
using System.Collections.Generic;
using System.Numerics.Tensors;

namespace EinsumGen.Convolutions
{
    /// <summary>Shape checks of the convolution API: each names the operand, the dimension and both sizes.</summary>
    internal static class ConvChecks
    {
        public static void NotNull<T>(Tensor<T>? t, string name)
        {
            if (t is null) throw new ArgumentNullException(name);
        }

        /// <summary>The tensor is [N, C, spatial…] with the spec's number of spatial dimensions.</summary>
        public static void Rank<T>(Tensor<T> t, string name, int rank, string layout)
        {
            if (t.Rank != rank)
            {
                throw new ArgumentException($"{name} has rank {t.Rank} (shape {Shape(t)}), but this convolution needs rank {rank}: {layout}.", name);
            }
        }

        public static void Size<T>(Tensor<T> t, string name, int dim, long expected, string what)
        {
            if (t.Lengths[dim] != expected)
            {
                throw new ArgumentException($"{name}: dimension {dim} ({what}) has size {t.Lengths[dim]}, but {expected} is expected (shape {Shape(t)}).", name);
            }
        }

        public static void Divides<T>(Tensor<T> t, string name, int dim, int groups, string what)
        {
            if (t.Lengths[dim] % groups != 0)
            {
                throw new ArgumentException($"{name}: dimension {dim} ({what}) has size {t.Lengths[dim]}, which {groups} groups do not divide.", name);
            }
        }

        public static int[] Spatial<T>(Tensor<T> t)
        {
            var sizes = new int[t.Rank - 2];
            for (int d = 0; d < sizes.Length; d++) sizes[d] = checked((int)t.Lengths[d + 2]);
            return sizes;
        }

        public static void Spatial(IReadOnlyList<int> sizes, int n, string name)
        {
            if (sizes is null) throw new ArgumentNullException(name);
            if (sizes.Count != n) throw new ArgumentException($"{name} has {sizes.Count} sizes, but the convolution has {n} spatial dimensions.", name);
        }

        /// <summary>The weight of a convolution: [C_out, C_in/G, K…].</summary>
        public static void Weight<T>(Tensor<T> weight, ConvSpec spec, long outChannels, long inChannelsPerGroup, string name = "weight")
        {
            Rank(weight, name, spec.Dimensions + 2, "[C_out, C_in/G, K…]");
            if (outChannels >= 0) Size(weight, name, 0, outChannels, "output channels");
            Divides(weight, name, 0, spec.Groups, "output channels");
            Size(weight, name, 1, inChannelsPerGroup, "input channels per group");
            for (int d = 0; d < spec.Dimensions; d++) Size(weight, name, d + 2, spec.KernelSize[d], $"kernel size of spatial dimension {d}");
        }

        /// <summary>A tangent (when given) has its operand's shape.</summary>
        public static void SameShape<T>(Tensor<T>? tangent, Tensor<T> operand, string name, string operandName)
        {
            if (tangent is null) return;
            if (tangent.Rank != operand.Rank)
            {
                throw new ArgumentException($"{name} has rank {tangent.Rank} (shape {Shape(tangent)}), but {operandName}'s shape is {Shape(operand)}.", name);
            }
            for (int d = 0; d < operand.Rank; d++) Size(tangent, name, d, operand.Lengths[d], operandName + "'s");
        }

        private static string Shape<T>(Tensor<T> t) => "[" + string.Join(", ", t.Lengths.ToArray()) + "]";
    }
}
