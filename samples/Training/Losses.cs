using System;
using System.Numerics;
using System.Runtime.InteropServices;

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
            int i = 0;
            // A training step's loss: vectors of T, squares summed in double vectors (a scalar double sum is one long chain
            // of dependent adds: the tensor train's 4,096 outputs measured 11.6 µs per step, in vectors 2.4 µs).
            if (typeof(T) == typeof(float)) i = SumFloatVectors(prediction, target, gradient, float.CreateTruncating(scale), ref sum);
            else if (typeof(T) == typeof(double)) i = SumDoubleVectors(prediction, target, gradient, double.CreateTruncating(scale), ref sum);
            for (; i < n; i++)
            {
                T p = prediction[i], t = target[i];
                double d = double.CreateTruncating(p) - double.CreateTruncating(t);
                sum += d * d;
                gradient[i] = (p - t) * scale;
            }
            return T.CreateTruncating(sum / n);
        }

        /// <summary>The float vectors of <see cref="MeanSquaredErrorWithGradient{T}"/>; returns where the scalar tail starts.</summary>
        // Compiled optimized at first call: as tier-0 code (a call per vector operation) it slowed a training run's first few hundred epochs.
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        private static int SumFloatVectors<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, Span<T> gradient, float scale, ref double sum) where T : unmanaged
        {
            if (!Vector.IsHardwareAccelerated) return 0;
            var p = MemoryMarshal.Cast<T, float>(prediction);
            var t = MemoryMarshal.Cast<T, float>(target);
            var g = MemoryMarshal.Cast<T, float>(gradient);
            int w = Vector<float>.Count, i = 0;
            Vector<double> s0 = Vector<double>.Zero, s1 = Vector<double>.Zero;
            var vs = new Vector<float>(scale);
            for (; i + w <= p.Length; i += w)
            {
                var vp = new Vector<float>(p.Slice(i));
                var vt = new Vector<float>(t.Slice(i));
                Vector.Widen(vp, out var pLow, out var pHigh);
                Vector.Widen(vt, out var tLow, out var tHigh);
                Vector<double> dLow = pLow - tLow, dHigh = pHigh - tHigh;
                s0 += dLow * dLow;
                s1 += dHigh * dHigh;
                ((vp - vt) * vs).CopyTo(g.Slice(i)); // after both reads: the gradient may alias either input
            }
            sum += Vector.Sum(s0 + s1);
            return i;
        }

        /// <summary>The double vectors of <see cref="MeanSquaredErrorWithGradient{T}"/>; returns where the scalar tail starts.</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        private static int SumDoubleVectors<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, Span<T> gradient, double scale, ref double sum) where T : unmanaged
        {
            if (!Vector.IsHardwareAccelerated) return 0;
            var p = MemoryMarshal.Cast<T, double>(prediction);
            var t = MemoryMarshal.Cast<T, double>(target);
            var g = MemoryMarshal.Cast<T, double>(gradient);
            int w = Vector<double>.Count, i = 0;
            Vector<double> s0 = Vector<double>.Zero;
            var vs = new Vector<double>(scale);
            for (; i + w <= p.Length; i += w)
            {
                var vp = new Vector<double>(p.Slice(i));
                var vt = new Vector<double>(t.Slice(i));
                var d = vp - vt;
                s0 += d * d;
                (d * vs).CopyTo(g.Slice(i));
            }
            sum += Vector.Sum(s0);
            return i;
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
