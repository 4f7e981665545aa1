using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace EinsumGen.Training
{
    /// <summary>
    /// A synthetic regression problem from <see cref="Datasets.MakeRegression{T}"/>: row-major arrays with
    /// <c>Y = X · Coefficients + bias (+ noise)</c>. Wrap them without copying with
    /// <see cref="Tensor.Create{T}(T[], ReadOnlySpan{nint})"/>, e.g. <c>Tensor.Create(data.X, [256, 8, 8, 8, 8])</c>.
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    public sealed class RegressionData<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        internal RegressionData(T[] x, T[] y, T[] coefficients, int samples, int features, int targets, int informative)
        {
            X = x;
            Y = y;
            Coefficients = coefficients;
            Samples = samples;
            Features = features;
            Targets = targets;
            Informative = informative;
        }

        /// <summary>The inputs, row-major <see cref="Samples"/> × <see cref="Features"/> (sklearn's <c>X</c>).</summary>
        public T[] X { get; }

        /// <summary>The targets, row-major <see cref="Samples"/> × <see cref="Targets"/> (sklearn's <c>y</c>, not squeezed).</summary>
        public T[] Y { get; }

        /// <summary>The ground-truth coefficients, row-major <see cref="Features"/> × <see cref="Targets"/> (sklearn's <c>coef</c>).</summary>
        public T[] Coefficients { get; }

        /// <summary>The number of samples (rows of X and Y).</summary>
        public int Samples { get; }

        /// <summary>The number of features (columns of X, rows of the coefficients).</summary>
        public int Features { get; }

        /// <summary>The number of targets (columns of Y and of the coefficients).</summary>
        public int Targets { get; }

        /// <summary>The number of informative features: min(nInformative, nFeatures), the nonzero rows of the coefficients.</summary>
        public int Informative { get; }
    }

    /// <summary>Synthetic data sets with scikit-learn's semantics (<c>sklearn.datasets</c>), drawn from <see cref="SeededRandom"/>.</summary>
    public static class Datasets
    {
        /// <summary>
        /// A random linear regression problem as <c>sklearn.datasets.make_regression(n_samples, n_features, n_informative,
        /// n_targets, bias, effective_rank=None, noise, shuffle, coef=True, random_state)</c>, drawing in sklearn's order from
        /// <c>new SeededRandom(seed)</c>:
        /// <list type="number">
        /// <item>X: standard normal, <paramref name="nSamples"/> × <paramref name="nFeatures"/>, row by row;</item>
        /// <item>coefficients: zero except the first nInformative rows, 100 · U[0, 1), row by row (nInformative × nTargets);</item>
        /// <item>Y = X · coefficients + bias, accumulated in double from the values X holds, then, if
        /// <paramref name="noise"/> &gt; 0, plus noise · N(0, 1) per element, and rounded to <typeparamref name="T"/>;</item>
        /// <item>with <paramref name="shuffle"/>: the samples (rows of X and Y) are permuted by a random permutation, then the
        /// features by another one, applied to the columns of X and the rows of the coefficients alike, so Y = X · coefficients
        /// + bias still holds and the informative features are scattered.</item>
        /// </list>
        /// The values are not numpy's (a different generator), but the distribution and structure are sklearn's; the same
        /// seed always gives the same data.
        /// </summary>
        /// <typeparam name="T">float or double.</typeparam>
        /// <param name="nSamples">The number of samples; positive.</param>
        /// <param name="nFeatures">The number of features; positive.</param>
        /// <param name="nInformative">The number of informative features (clamped to <paramref name="nFeatures"/>); not negative. sklearn's default is 10.</param>
        /// <param name="nTargets">The number of regression targets; positive.</param>
        /// <param name="bias">The intercept added to every target.</param>
        /// <param name="noise">The standard deviation of the Gaussian noise added to Y; not negative.</param>
        /// <param name="shuffle">Whether to permute samples and features.</param>
        /// <param name="seed">The seed of the random stream.</param>
        /// <returns>X, Y and the coefficients, row-major.</returns>
        /// <exception cref="ArgumentOutOfRangeException">A size or the noise is out of range.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static RegressionData<T> MakeRegression<T>(int nSamples, int nFeatures, int nInformative = 10, int nTargets = 1,
            double bias = 0, double noise = 0, bool shuffle = true, ulong seed = 0) where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nSamples);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nFeatures);
            ArgumentOutOfRangeException.ThrowIfNegative(nInformative);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nTargets);
            if (!(noise >= 0) || double.IsInfinity(noise)) throw new ArgumentOutOfRangeException(nameof(noise), noise, "The noise must be finite and not negative.");
            int informative = Math.Min(nInformative, nFeatures);
            var random = new SeededRandom(seed);

            var x = new T[checked(nSamples * nFeatures)];
            random.FillNormal<T>(x);

            var coef = new T[checked(nFeatures * nTargets)];
            random.FillUniform(coef.AsSpan(0, informative * nTargets), T.Zero, T.CreateTruncating(100));

            var y = new T[checked(nSamples * nTargets)];
            var row = new double[nTargets];
            for (int s = 0; s < nSamples; s++)
            {
                row.AsSpan().Fill(bias);
                for (int f = 0; f < informative; f++)
                {
                    double xv = double.CreateTruncating(x[s * nFeatures + f]);
                    for (int t = 0; t < nTargets; t++) row[t] += xv * double.CreateTruncating(coef[f * nTargets + t]);
                }
                for (int t = 0; t < nTargets; t++) y[s * nTargets + t] = T.CreateTruncating(row[t]);
            }
            if (noise > 0)
                for (int i = 0; i < y.Length; i++) y[i] = T.CreateTruncating(double.CreateTruncating(y[i]) + noise * random.NextNormal());

            if (shuffle)
            {
                int[] samples = random.Permutation(nSamples);
                x = PermuteRows(x, samples, nFeatures);
                y = PermuteRows(y, samples, nTargets);
                int[] features = random.Permutation(nFeatures);
                var xs = new T[x.Length];
                for (int s = 0; s < nSamples; s++)
                    for (int f = 0; f < nFeatures; f++) xs[s * nFeatures + f] = x[s * nFeatures + features[f]];
                x = xs;
                coef = PermuteRows(coef, features, nTargets);
            }
            return new RegressionData<T>(x, y, coef, nSamples, nFeatures, nTargets, informative);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static T[] PermuteRows<T>(T[] data, int[] order, int width)
        {
            var result = new T[data.Length];
            for (int r = 0; r < order.Length; r++) data.AsSpan(order[r] * width, width).CopyTo(result.AsSpan(r * width, width));
            return result;
        }
    }
}
