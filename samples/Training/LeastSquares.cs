using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace EinsumGen.Training
{
    /// <summary>
    /// A fitted linear model y = x · <see cref="Coefficients"/> + <see cref="Intercept"/> (as scikit-learn's
    /// <c>LinearRegression</c>'s <c>coef_.T</c> and <c>intercept_</c>), from <see cref="LeastSquares.MinimumNorm{T}"/>.
    /// </summary>
    public sealed class LinearModel
    {
        internal LinearModel(double[] coefficients, double[] intercept, int features, int targets, int rank)
        {
            Coefficients = coefficients;
            Intercept = intercept;
            Features = features;
            Targets = targets;
            Rank = rank;
        }

        /// <summary>The weights, row-major <see cref="Features"/> × <see cref="Targets"/> (sklearn's <c>coef_</c> transposed).</summary>
        public double[] Coefficients { get; }

        /// <summary>The intercept per target, ȳ − x̄ · W (zeros when fitted without intercept).</summary>
        public double[] Intercept { get; }

        /// <summary>The number of input features.</summary>
        public int Features { get; }

        /// <summary>The number of targets.</summary>
        public int Targets { get; }

        /// <summary>The numerical rank of the (centered) design matrix found by the pivoted Cholesky factorization.</summary>
        public int Rank { get; }

        /// <summary>Writes the predictions for <paramref name="x"/>, accumulated in double and rounded to <typeparamref name="T"/>.</summary>
        /// <typeparam name="T">float or double.</typeparam>
        /// <param name="x">The inputs, row-major samples × <see cref="Features"/>.</param>
        /// <param name="y">Overwritten with the predictions, row-major samples × <see cref="Targets"/>.</param>
        /// <exception cref="ArgumentException">A length does not fit.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Predict<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (x.Length % Features != 0) throw new ArgumentException($"The length {x.Length} is not a multiple of {Features} features.", nameof(x));
            int samples = x.Length / Features;
            if (y.Length != samples * Targets) throw new ArgumentException($"y must have {samples} × {Targets} elements, not {y.Length}.", nameof(y));
            Span<double> row = Targets <= 256 ? stackalloc double[Targets] : new double[Targets];
            for (int s = 0; s < samples; s++)
            {
                Intercept.CopyTo(row);
                var xs = x.Slice(s * Features, Features);
                for (int f = 0; f < Features; f++)
                {
                    double xv = double.CreateTruncating(xs[f]);
                    if (xv == 0) continue;
                    var w = Coefficients.AsSpan(f * Targets, Targets);
                    for (int t = 0; t < Targets; t++) row[t] += xv * w[t];
                }
                for (int t = 0; t < Targets; t++) y[s * Targets + t] = T.CreateTruncating(row[t]);
            }
        }

        /// <summary>Returns the predictions for <paramref name="x"/> in a new array (see <see cref="Predict{T}(ReadOnlySpan{T}, Span{T})"/>).</summary>
        /// <typeparam name="T">float or double.</typeparam>
        /// <param name="x">The inputs, row-major samples × <see cref="Features"/>.</param>
        /// <returns>The predictions, row-major samples × <see cref="Targets"/>.</returns>
        public T[] Predict<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var y = new T[x.Length / Features * Targets];
            Predict(x, y.AsSpan());
            return y;
        }
    }

    /// <summary>
    /// Linear least squares, the baseline of the tensor-train experiment: scikit-learn's <c>LinearRegression().fit(X, y)</c>
    /// (which calls LAPACK's SVD-based <c>gelsd</c> and so returns the minimum-norm solution when the problem is
    /// underdetermined), computed in double through a Cholesky factorization of the smaller Gram matrix.
    /// </summary>
    public static partial class LeastSquares
    {
        /// <summary>
        /// Fits y ≈ x · W + b by least squares with the minimum-norm W, as sklearn's <c>LinearRegression</c>
        /// (<c>fit_intercept=True</c> by default): X and y are centered (means in double), W = Xc⁺ yc, b = ȳ − x̄ · W.
        /// <para>
        /// How: with more features than samples (p ≥ n with an intercept, p &gt; n without), W = Xcᵀ (Xc Xcᵀ)⁺ yc through the
        /// n × n sample Gram matrix; otherwise W = (Xcᵀ Xc)⁺ Xcᵀ yc through the p × p feature Gram matrix. The Gram matrix is
        /// factored by Cholesky with diagonal pivoting (LAPACK <c>dpstrf</c>'s algorithm and default tolerance
        /// m·ε·max diagonal), which finds its numerical rank r; with full rank the solution is two triangular solves, with
        /// rank r &lt; m the pseudo-inverse comes from the full-rank factor: G⁺ = L (LᵀL)⁻² Lᵀ, which also projects an
        /// inconsistent right-hand side as the least-squares minimum-norm solution requires.
        /// </para>
        /// <para>
        /// Centering makes the sample Gram matrix exactly singular (Xc Xcᵀ 1 = 0, rank n − 1), but rounding leaves its
        /// smallest pivot at about ε·‖G‖, where a rank test is unreliable. That known null direction is therefore deflated
        /// first: α·11ᵀ/n with α = trace(G)/n is added, which changes neither the solution (yc ⟂ 1, and Xcᵀ 1 = 0) nor the
        /// other eigenvalues, so an underdetermined problem of full row rank is solved by a plain, well-conditioned Cholesky
        /// factorization and fits its training data to rounding (R² = 1 to ~1e-12). Forming the Gram matrix squares the
        /// condition number: this is meant for reasonably conditioned problems such as the seed's standardized
        /// 256 × 4096 data; severely ill-conditioned ones want an SVD.
        /// </para>
        /// </summary>
        /// <typeparam name="T">float or double.</typeparam>
        /// <param name="x">The inputs, row-major <paramref name="nSamples"/> × <paramref name="nFeatures"/>.</param>
        /// <param name="y">The targets, row-major <paramref name="nSamples"/> × <paramref name="nTargets"/>.</param>
        /// <param name="nSamples">The number of samples; positive.</param>
        /// <param name="nFeatures">The number of features; positive.</param>
        /// <param name="nTargets">The number of targets; positive.</param>
        /// <param name="fitIntercept">Whether to fit an intercept (sklearn's <c>fit_intercept</c>); true by default.</param>
        /// <returns>The fitted model.</returns>
        /// <exception cref="ArgumentException">A length does not fit the sizes.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static LinearModel MinimumNorm<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, int nSamples, int nFeatures, int nTargets, bool fitIntercept = true)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nSamples);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nFeatures);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nTargets);
            if (x.Length != (long)nSamples * nFeatures) throw new ArgumentException($"x must have {nSamples} × {nFeatures} elements, not {x.Length}.", nameof(x));
            if (y.Length != (long)nSamples * nTargets) throw new ArgumentException($"y must have {nSamples} × {nTargets} elements, not {y.Length}.", nameof(y));
            int n = nSamples, p = nFeatures, t = nTargets;

            var xc = new double[n * p];
            var yc = new double[n * t];
            for (int i = 0; i < xc.Length; i++) xc[i] = double.CreateTruncating(x[i]);
            for (int i = 0; i < yc.Length; i++) yc[i] = double.CreateTruncating(y[i]);
            var xMean = new double[p];
            var yMean = new double[t];
            if (fitIntercept)
            {
                CenterColumns(xc, n, p, xMean);
                CenterColumns(yc, n, t, yMean);
            }

            var w = new double[p * t];
            int rank;
            if (p > n - (fitIntercept ? 1 : 0))
            {
                // Sample Gram matrix G = Xc Xcᵀ (n × n); A = G⁺ yc; W = Xcᵀ A.
                var g = new double[n * n];
                RowGram(Matrix(xc, n, p), Matrix(xc, n, p), Matrix(g, n, n));
                Symmetrize(g, n);
                if (fitIntercept && n > 1)
                {
                    double trace = 0;
                    for (int i = 0; i < n; i++) trace += g[i * n + i];
                    double shift = trace / n / n;
                    if (shift == 0) shift = 1;
                    for (int i = 0; i < g.Length; i++) g[i] += shift;
                }
                var a = (double[])yc.Clone();
                rank = SolvePsd(g, n, a, t);
                if (fitIntercept && n > 1) rank--;
                TransposedProduct(Matrix(xc, n, p), Matrix(a, n, t), Matrix(w, p, t));
            }
            else
            {
                // Feature Gram matrix G = Xcᵀ Xc (p × p); W = G⁺ (Xcᵀ yc).
                var g = new double[p * p];
                TransposedProduct(Matrix(xc, n, p), Matrix(xc, n, p), Matrix(g, p, p));
                Symmetrize(g, p);
                TransposedProduct(Matrix(xc, n, p), Matrix(yc, n, t), Matrix(w, p, t));
                rank = SolvePsd(g, p, w, t);
            }

            var intercept = new double[t];
            if (fitIntercept)
            {
                for (int k = 0; k < t; k++)
                {
                    double s = yMean[k];
                    for (int f = 0; f < p; f++) s -= xMean[f] * w[f * t + k];
                    intercept[k] = s;
                }
            }
            return new LinearModel(w, intercept, p, t, rank);
        }

        /// <summary>Writes <paramref name="model"/>'s predictions for <paramref name="x"/> (see <see cref="LinearModel.Predict{T}(ReadOnlySpan{T}, Span{T})"/>).</summary>
        /// <typeparam name="T">float or double.</typeparam>
        /// <param name="model">A fitted model.</param>
        /// <param name="x">The inputs, row-major samples × features.</param>
        /// <param name="y">Overwritten with the predictions, row-major samples × targets.</param>
        public static void Predict<T>(LinearModel model, ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(model);
            model.Predict(x, y);
        }

        /// <summary>Copies the lower triangle onto the upper one, so that the factorization sees an exactly symmetric matrix.</summary>
        private static void Symmetrize(double[] g, int m)
        {
            for (int i = 0; i < m; i++)
                for (int j = 0; j < i; j++) g[j * m + i] = g[i * m + j];
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void CenterColumns(double[] data, int rows, int columns, double[] means)
        {
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < columns; c++) means[c] += data[r * columns + c];
            for (int c = 0; c < columns; c++) means[c] /= rows;
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < columns; c++) data[r * columns + c] -= means[c];
        }

        /// <summary>
        /// Overwrites <paramref name="b"/> (m × t, row-major) with G⁺ b for a symmetric positive semidefinite
        /// <paramref name="g"/> (m × m, destroyed), by Cholesky with diagonal pivoting; returns the numerical rank.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static int SolvePsd(double[] g, int m, double[] b, int t)
        {
            var l = new double[m * m];
            var perm = new int[m];
            var d = new double[m];
            for (int i = 0; i < m; i++) { perm[i] = i; d[i] = g[i * m + i]; }
            double maxDiag = 0;
            for (int i = 0; i < m; i++) maxDiag = Math.Max(maxDiag, d[i]);
            double tol = m * Eps * maxDiag;

            int rank = m;
            for (int k = 0; k < m; k++)
            {
                int q = k;
                for (int j = k + 1; j < m; j++) if (d[j] > d[q]) q = j;
                if (!(d[q] > tol)) { rank = k; break; }
                if (q != k)
                {
                    (perm[k], perm[q]) = (perm[q], perm[k]);
                    (d[k], d[q]) = (d[q], d[k]);
                    for (int j = 0; j < m; j++) (g[k * m + j], g[q * m + j]) = (g[q * m + j], g[k * m + j]);
                    for (int j = 0; j < m; j++) (g[j * m + k], g[j * m + q]) = (g[j * m + q], g[j * m + k]);
                    for (int j = 0; j < k; j++) (l[k * m + j], l[q * m + j]) = (l[q * m + j], l[k * m + j]);
                }
                double lkk = Math.Sqrt(d[k]);
                l[k * m + k] = lkk;
                var lk = new ReadOnlySpan<double>(l, k * m, k);
                for (int i = k + 1; i < m; i++)
                {
                    double v = (g[i * m + k] - TensorPrimitives.Dot(new ReadOnlySpan<double>(l, i * m, k), lk)) / lkk;
                    l[i * m + k] = v;
                    d[i] -= v * v;
                }
            }

            var rhs = new double[m];
            var sol = new double[m];
            if (rank == m)
            {
                for (int c = 0; c < t; c++)
                {
                    for (int i = 0; i < m; i++) rhs[i] = b[perm[i] * t + c];
                    ForwardSubstitute(l, m, m, rhs);
                    BackSubstituteTransposed(l, m, m, rhs);
                    for (int i = 0; i < m; i++) b[perm[i] * t + c] = rhs[i];
                }
                return rank;
            }

            // Rank-deficient: G⁺ = Pᵀ L (LᵀL)⁻² Lᵀ P with L the m × r full-rank factor.
            int r = rank;
            var mm = new double[Math.Max(r * r, 1)];
            for (int i = 0; i < r; i++)
                for (int j = 0; j <= i; j++)
                {
                    double s = 0;
                    for (int k = Math.Max(i, j); k < m; k++) s += l[k * m + i] * l[k * m + j];
                    mm[i * r + j] = mm[j * r + i] = s;
                }
            var rm = new double[Math.Max(r * r, 1)];
            CholeskyInPlace(mm, rm, r);
            var z = new double[Math.Max(r, 1)];
            for (int c = 0; c < t; c++)
            {
                for (int i = 0; i < m; i++) rhs[i] = b[perm[i] * t + c];
                for (int i = 0; i < r; i++)
                {
                    double s = 0;
                    for (int k = i; k < m; k++) s += l[k * m + i] * rhs[k];
                    z[i] = s;
                }
                for (int pass = 0; pass < 2; pass++)
                {
                    ForwardSubstitute(rm, r, r, z);
                    BackSubstituteTransposed(rm, r, r, z);
                }
                for (int i = 0; i < m; i++)
                {
                    double s = 0;
                    for (int k = 0; k < Math.Min(i + 1, r); k++) s += l[i * m + k] * z[k];
                    sol[i] = s;
                }
                for (int i = 0; i < m; i++) b[perm[i] * t + c] = sol[i];
            }
            return rank;
        }

        private const double Eps = 2.220446049250313e-16;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void CholeskyInPlace(double[] a, double[] l, int n)
        {
            for (int j = 0; j < n; j++)
            {
                double s = a[j * n + j] - TensorPrimitives.Dot(new ReadOnlySpan<double>(l, j * n, j), new ReadOnlySpan<double>(l, j * n, j));
                if (!(s > 0)) throw new InvalidOperationException("The reduced Gram matrix is not positive definite.");
                double ljj = Math.Sqrt(s);
                l[j * n + j] = ljj;
                for (int i = j + 1; i < n; i++)
                    l[i * n + j] = (a[i * n + j] - TensorPrimitives.Dot(new ReadOnlySpan<double>(l, i * n, j), new ReadOnlySpan<double>(l, j * n, j))) / ljj;
            }
        }

        /// <summary>Solves L z = v in place, L lower triangular with row stride <paramref name="stride"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void ForwardSubstitute(double[] l, int stride, int n, Span<double> v)
        {
            for (int i = 0; i < n; i++)
                v[i] = (v[i] - TensorPrimitives.Dot(new ReadOnlySpan<double>(l, i * stride, i), v[..i])) / l[i * stride + i];
        }

        /// <summary>Solves Lᵀ z = v in place.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void BackSubstituteTransposed(double[] l, int stride, int n, Span<double> v)
        {
            for (int i = n - 1; i >= 0; i--)
            {
                double s = v[i];
                for (int k = i + 1; k < n; k++) s -= l[k * stride + i] * v[k];
                v[i] = s / l[i * stride + i];
            }
        }
    }
}
