using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace EinsumGen.Training
{
    /// <summary>
    /// Evaluation metrics with scikit-learn's semantics (<c>sklearn.metrics</c>), computed in double whatever the element
    /// type. Pass flattened arrays to get sklearn's result on <c>y.reshape(-1)</c>.
    /// </summary>
    public static class Metrics
    {
        /// <summary>
        /// The coefficient of determination as <c>sklearn.metrics.r2_score(y_true, y_pred)</c> on 1-D arrays:
        /// 1 - SS_res / SS_tot with SS_res = Σ (y_true - y_pred)², SS_tot = Σ (y_true - mean(y_true))². When y_true is
        /// constant (SS_tot = 0) the result is 1.0 if SS_res = 0 and 0.0 otherwise (sklearn's <c>force_finite=True</c>);
        /// with fewer than two samples it is NaN, as sklearn's.
        /// </summary>
        /// <typeparam name="T">float or double.</typeparam>
        /// <param name="yTrue">The true values.</param>
        /// <param name="yPred">The predictions, of the same length.</param>
        /// <returns>R², at most 1, possibly negative.</returns>
        /// <exception cref="ArgumentException">The lengths differ.</exception>
        public static double R2Score<T>(ReadOnlySpan<T> yTrue, ReadOnlySpan<T> yPred) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Losses.CheckLengths(yPred.Length, yTrue.Length, -1);
            return R2Column(yTrue, yPred, 0, 1, yTrue.Length);
        }

        /// <summary>
        /// R² of several outputs as <c>r2_score(y_true, y_pred)</c> on 2-D arrays with the default
        /// <c>multioutput='uniform_average'</c>: the mean over the <paramref name="outputs"/> columns of each column's R²
        /// (see <see cref="R2Score{T}(ReadOnlySpan{T}, ReadOnlySpan{T})"/> for the constant-column rule).
        /// </summary>
        /// <typeparam name="T">float or double.</typeparam>
        /// <param name="yTrue">The true values, row-major samples × outputs.</param>
        /// <param name="yPred">The predictions, same shape.</param>
        /// <param name="outputs">The number of columns; positive and dividing the length.</param>
        /// <returns>The average R².</returns>
        /// <exception cref="ArgumentException">The lengths differ or are not a multiple of <paramref name="outputs"/>.</exception>
        public static double R2Score<T>(ReadOnlySpan<T> yTrue, ReadOnlySpan<T> yPred, int outputs) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Losses.CheckLengths(yPred.Length, yTrue.Length, -1);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputs);
            if (yTrue.Length % outputs != 0)
                throw new ArgumentException($"The length {yTrue.Length} is not a multiple of {outputs} outputs.", nameof(outputs));
            int rows = yTrue.Length / outputs;
            double sum = 0;
            for (int c = 0; c < outputs; c++) sum += R2Column(yTrue, yPred, c, outputs, rows);
            return sum / outputs;
        }

        /// <summary>The mean squared error as <c>sklearn.metrics.mean_squared_error</c> on 1-D arrays: mean of (y_true - y_pred)², in double.</summary>
        /// <typeparam name="T">float or double.</typeparam>
        /// <param name="yTrue">The true values.</param>
        /// <param name="yPred">The predictions, of the same length.</param>
        /// <returns>The mean squared error (NaN when empty).</returns>
        /// <exception cref="ArgumentException">The lengths differ.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static double MeanSquaredError<T>(ReadOnlySpan<T> yTrue, ReadOnlySpan<T> yPred) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Losses.CheckLengths(yPred.Length, yTrue.Length, -1);
            double sum = 0;
            for (int i = 0; i < yTrue.Length; i++)
            {
                double d = double.CreateTruncating(yTrue[i]) - double.CreateTruncating(yPred[i]);
                sum += d * d;
            }
            return sum / yTrue.Length;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static double R2Column<T>(ReadOnlySpan<T> yTrue, ReadOnlySpan<T> yPred, int offset, int stride, int rows) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (rows < 2) return double.NaN;
            double mean = 0;
            for (int r = 0; r < rows; r++) mean += double.CreateTruncating(yTrue[offset + r * stride]);
            mean /= rows;
            double ssRes = 0, ssTot = 0;
            for (int r = 0; r < rows; r++)
            {
                double t = double.CreateTruncating(yTrue[offset + r * stride]);
                double d = t - double.CreateTruncating(yPred[offset + r * stride]);
                double c = t - mean;
                ssRes += d * d;
                ssTot += c * c;
            }
            if (ssTot == 0) return ssRes == 0 ? 1.0 : 0.0;
            return 1 - ssRes / ssTot;
        }
    }
}
