using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;

namespace EinsumGen.Convolutions
{
    public static partial class Conv
    {
        /// <summary>
        /// The reverse mode of <see cref="Fold"/>: fold is linear in its columns, so the gradient with respect to them is the
        /// <see cref="Unfold"/> of the result's gradient <paramref name="outputGradient"/> [N, C, I…] (I = <paramref name="inputSize"/>,
        /// the fold's size), [N, C·ΠK, ΠO] as the columns. Every shape is checked first.
        /// </summary>
        public static Tensor<T> FoldBackward<T>(Tensor<T> columns, Tensor<T> outputGradient, ConvSpec spec, IReadOnlyList<int> inputSize)
            where T : unmanaged, INumberBase<T>
        {
            CheckFoldGradient(columns, outputGradient, spec, inputSize);
            return Unfold(outputGradient, spec);
        }

        /// <summary>
        /// The reverse mode of <see cref="Fold"/> into <paramref name="columnsGradient"/> (the columns' shape; null computes nothing
        /// after the checks), written as <paramref name="mode"/> says. Every check comes before anything is written.
        /// </summary>
        public static void FoldBackward<T>(Tensor<T> columns, Tensor<T> outputGradient, ConvSpec spec, IReadOnlyList<int> inputSize,
            Tensor<T>? columnsGradient, GradientMode mode = GradientMode.Overwrite) where T : unmanaged, INumberBase<T>
        {
            CheckFoldGradient(columns, outputGradient, spec, inputSize);
            CheckMode(mode);
            ConvChecks.SameShape(columnsGradient, columns, nameof(columnsGradient), "columns");
            ConvBuffers.Disjoint<T>([(columnsGradient, nameof(columnsGradient))], [(columns, nameof(columns)), (outputGradient, nameof(outputGradient))]);
            if (columnsGradient is null) return;
            UnfoldTo(outputGradient, spec, spec.Geometries(inputSize, nameof(inputSize)), columnsGradient, mode);
        }

        /// <summary>The forward mode of <see cref="Fold"/> (linear): the fold of <paramref name="columnsTangent"/>, checked to have the columns' shape.</summary>
        public static Tensor<T> FoldJvp<T>(Tensor<T> columns, Tensor<T> columnsTangent, ConvSpec spec, IReadOnlyList<int> inputSize)
            where T : unmanaged, INumberBase<T>
        {
            CheckFoldTangent(columns, columnsTangent, spec, inputSize);
            return Fold(columnsTangent, spec, inputSize);
        }

        /// <summary>The forward mode of <see cref="Fold"/> into <paramref name="outputTangent"/> [N, C, I…] (overwritten): the fold of the tangent.</summary>
        public static void FoldJvp<T>(Tensor<T> columns, Tensor<T> columnsTangent, ConvSpec spec, IReadOnlyList<int> inputSize, Tensor<T> outputTangent)
            where T : unmanaged, INumberBase<T>
        {
            var (batch, channels) = CheckFoldTangent(columns, columnsTangent, spec, inputSize);
            ConvChecks.NotNull(outputTangent, nameof(outputTangent));
            ConvBuffers.Shape(outputTangent, Concat(new[] { batch, channels }, inputSize), nameof(outputTangent), "the fold");
            ConvBuffers.Disjoint<T>([(outputTangent, nameof(outputTangent))], [(columns, nameof(columns)), (columnsTangent, nameof(columnsTangent))]);
            FoldTo(columnsTangent, spec, spec.Geometries(inputSize, nameof(inputSize)), outputTangent, GradientMode.Overwrite);
        }

        /// <summary>The fold's columns [N, C·ΠK, ΠO] for <paramref name="inputSize"/>: their batch and channels.</summary>
        private static (int Batch, int Channels) CheckColumns<T>(Tensor<T> columns, ConvSpec spec, IReadOnlyList<int> inputSize)
        {
            ArgumentNullException.ThrowIfNull(spec);
            ConvChecks.NotNull(columns, nameof(columns));
            ConvChecks.Spatial(inputSize, spec.Dimensions, nameof(inputSize));
            var geometries = spec.Geometries(inputSize, nameof(inputSize));
            ConvChecks.Rank(columns, nameof(columns), 3, "[N, C·ΠK, ΠO]");
            int kernels = Product(spec.KernelSize);
            if (columns.Lengths[1] % kernels != 0)
            {
                throw new ArgumentException($"columns: dimension 1 (C·ΠK) has size {columns.Lengths[1]}, which the kernel's {kernels} taps do not divide.", nameof(columns));
            }
            ConvChecks.Size(columns, nameof(columns), 2, Product(geometries.Select(g => g.OutputSize)), "output positions ΠO");
            return ((int)columns.Lengths[0], (int)columns.Lengths[1] / kernels);
        }

        private static void CheckFoldGradient<T>(Tensor<T> columns, Tensor<T> outputGradient, ConvSpec spec, IReadOnlyList<int> inputSize)
        {
            var (batch, channels) = CheckColumns(columns, spec, inputSize);
            const string name = "outputGradient";
            ConvChecks.NotNull(outputGradient, name);
            ConvChecks.Rank(outputGradient, name, spec.Dimensions + 2, "[N, C, I…]");
            ConvChecks.Size(outputGradient, name, 0, batch, "batch, as the columns'");
            ConvChecks.Size(outputGradient, name, 1, channels, "channels, the columns' C·ΠK over ΠK");
            for (int d = 0; d < spec.Dimensions; d++) ConvChecks.Size(outputGradient, name, d + 2, inputSize[d], $"spatial dimension {d}, as inputSize");
        }

        private static (int Batch, int Channels) CheckFoldTangent<T>(Tensor<T> columns, Tensor<T> columnsTangent, ConvSpec spec, IReadOnlyList<int> inputSize)
        {
            var result = CheckColumns(columns, spec, inputSize);
            ConvChecks.NotNull(columnsTangent, nameof(columnsTangent));
            ConvChecks.SameShape(columnsTangent, columns, nameof(columnsTangent), "columns");
            return result;
        }
    }
}
