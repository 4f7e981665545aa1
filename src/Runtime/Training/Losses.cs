using System;
using System.Numerics;

namespace EinsumGen.Training
{
    /// <summary>
    /// Losses for training, with PyTorch's conventions (<c>torch.nn.MSELoss()</c>, reduction "mean", over all elements of
    /// the flattened arrays). Sums are accumulated in double; nothing is allocated.
    /// </summary>
    public static class Losses
    {
        /// <summary>The mean squared error, mean over all N elements of (prediction - target)², accumulated in double and rounded to <typeparamref name="T"/>.</summary>
        /// <typeparam name="T">float or double.</typeparam>
        /// <param name="prediction">The model's output, flattened.</param>
        /// <param name="target">The targets, flattened, of the same length.</param>
        /// <returns>The loss; NaN when the spans are empty (as torch).</returns>
        /// <exception cref="ArgumentException">The lengths differ.</exception>
        public static T MeanSquaredError<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target) where T : unmanaged, IFloatingPointIeee754<T>
        {
            CheckLengths(prediction.Length, target.Length, -1);
            double sum = 0;
            for (int i = 0; i < prediction.Length; i++)
            {
                double d = double.CreateTruncating(prediction[i]) - double.CreateTruncating(target[i]);
                sum += d * d;
            }
            return T.CreateTruncating(sum / prediction.Length);
        }

        /// <summary>
        /// Writes the gradient of <see cref="MeanSquaredError{T}"/> with respect to the prediction, 2 (prediction - target) / N,
        /// computed as (prediction - target) · (2 / N) in <typeparamref name="T"/> as torch's <c>mse_loss_backward</c> does.
        /// <paramref name="gradient"/> may be the same memory as <paramref name="prediction"/> or <paramref name="target"/>.
        /// </summary>
        /// <typeparam name="T">float or double.</typeparam>
        /// <param name="prediction">The model's output, flattened.</param>
        /// <param name="target">The targets, of the same length.</param>
        /// <param name="gradient">Overwritten with the gradient; same length.</param>
        /// <exception cref="ArgumentException">The lengths differ.</exception>
        public static void MeanSquaredErrorGradient<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, Span<T> gradient) where T : unmanaged, IFloatingPointIeee754<T>
            => _ = MeanSquaredErrorWithGradient(prediction, target, gradient);

        /// <summary>
        /// The loss and its gradient in one pass: returns <see cref="MeanSquaredError{T}"/> and writes
        /// <see cref="MeanSquaredErrorGradient{T}"/> into <paramref name="gradient"/> (which may alias either input).
        /// </summary>
        /// <typeparam name="T">float or double.</typeparam>
        /// <param name="prediction">The model's output, flattened.</param>
        /// <param name="target">The targets, of the same length.</param>
        /// <param name="gradient">Overwritten with 2 (prediction - target) / N; same length.</param>
        /// <returns>The mean squared error (NaN when empty).</returns>
        /// <exception cref="ArgumentException">The lengths differ.</exception>
        public static T MeanSquaredErrorWithGradient<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, Span<T> gradient) where T : unmanaged, IFloatingPointIeee754<T>
        {
            CheckLengths(prediction.Length, target.Length, gradient.Length);
            int n = prediction.Length;
            T scale = T.CreateTruncating(2.0 / n);
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                T p = prediction[i], t = target[i];
                double d = double.CreateTruncating(p) - double.CreateTruncating(t);
                sum += d * d;
                gradient[i] = (p - t) * scale;
            }
            return T.CreateTruncating(sum / n);
        }

        internal static void CheckLengths(int prediction, int target, int gradient)
        {
            if (prediction != target)
                throw new ArgumentException($"prediction has {prediction} elements but target has {target}.", "target");
            if (gradient >= 0 && gradient != prediction)
                throw new ArgumentException($"gradient has {gradient} elements but prediction has {prediction}.", "gradient");
        }
    }
}
