using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace EinsumGen.Training
{
    /// <summary>Data preprocessing with numpy/scikit-learn semantics.</summary>
    public static class Preprocessing
    {
        /// <summary>
        /// Standardizes each column of a row-major matrix in place, as numpy's <c>X = (X - X.mean(0)) / X.std(0)</c>: the mean
        /// and the population standard deviation (ddof = 0, two-pass) of every column are computed in double, and each element
        /// becomes (x - mean) / std rounded to <typeparamref name="T"/>. A constant column (std = 0), which numpy would turn
        /// into NaN, becomes all zeros instead (divided by 1, as scikit-learn's <c>StandardScaler</c> does).
        /// </summary>
        /// <typeparam name="T">float or double.</typeparam>
        /// <param name="data">The matrix, row-major rows × <paramref name="columns"/>; its length a multiple of <paramref name="columns"/>.</param>
        /// <param name="columns">The number of columns; positive.</param>
        /// <exception cref="ArgumentException">The length is not a multiple of <paramref name="columns"/>, or there are no rows.</exception>
        public static void StandardizeColumns<T>(Span<T> data, int columns) where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
            var means = new double[columns];
            var stds = new double[columns];
            StandardizeColumns(data, columns, means, stds);
        }

        /// <summary>
        /// <see cref="StandardizeColumns{T}(Span{T}, int)"/> that also reports each column's mean and population standard
        /// deviation (before the change; a constant column reports 0), e.g. to apply the same transform to new data or undo it.
        /// </summary>
        /// <typeparam name="T">float or double.</typeparam>
        /// <param name="data">The matrix, row-major rows × <paramref name="columns"/>.</param>
        /// <param name="columns">The number of columns; positive.</param>
        /// <param name="means">Receives the column means; length <paramref name="columns"/>.</param>
        /// <param name="standardDeviations">Receives the column standard deviations (ddof = 0); length <paramref name="columns"/>.</param>
        /// <exception cref="ArgumentException">A length does not fit, or there are no rows.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void StandardizeColumns<T>(Span<T> data, int columns, Span<double> means, Span<double> standardDeviations)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
            if (data.Length == 0 || data.Length % columns != 0)
                throw new ArgumentException($"The length {data.Length} is not a positive multiple of {columns} columns.", nameof(data));
            if (means.Length != columns) throw new ArgumentException($"means must have {columns} elements.", nameof(means));
            if (standardDeviations.Length != columns) throw new ArgumentException($"standardDeviations must have {columns} elements.", nameof(standardDeviations));
            int rows = data.Length / columns;

            means.Clear();
            for (int r = 0; r < rows; r++)
            {
                var row = data.Slice(r * columns, columns);
                for (int c = 0; c < columns; c++) means[c] += double.CreateTruncating(row[c]);
            }
            for (int c = 0; c < columns; c++) means[c] /= rows;

            standardDeviations.Clear();
            for (int r = 0; r < rows; r++)
            {
                var row = data.Slice(r * columns, columns);
                for (int c = 0; c < columns; c++)
                {
                    double d = double.CreateTruncating(row[c]) - means[c];
                    standardDeviations[c] += d * d;
                }
            }
            for (int c = 0; c < columns; c++) standardDeviations[c] = Math.Sqrt(standardDeviations[c] / rows);

            for (int r = 0; r < rows; r++)
            {
                var row = data.Slice(r * columns, columns);
                for (int c = 0; c < columns; c++)
                {
                    double scale = standardDeviations[c] == 0 ? 1.0 : standardDeviations[c];
                    row[c] = T.CreateTruncating((double.CreateTruncating(row[c]) - means[c]) / scale);
                }
            }
        }
    }
}
