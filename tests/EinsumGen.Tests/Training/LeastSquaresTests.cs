using System;
using System.Linq;
using EinsumGen.Training;
using Xunit;

namespace EinsumGen.Tests.Training
{
    public class LeastSquaresTests
    {
        [Fact]
        public void UnderdeterminedFitsTheTrainingDataExactly()
        {
            // 64 samples, 256 features, 4 targets: infinitely many exact fits; the minimum-norm one is returned.
            const int n = 64, p = 256, t = 4;
            var d = Datasets.MakeRegression<double>(n, p, nInformative: 32, nTargets: t, bias: 3.0, seed: 21);
            var model = LeastSquares.MinimumNorm<double>(d.X, d.Y, n, p, t);
            Assert.Equal(n - 1, model.Rank); // centering removes one dimension
            var pred = model.Predict<double>(d.X);
            double r2 = Metrics.R2Score<double>(d.Y, pred);
            Assert.True(Math.Abs(1 - r2) < 1e-12, $"R² = {r2:R}");
            Assert.True(Metrics.MeanSquaredError<double>(d.Y, pred) < 1e-18 * d.Y.Select(v => v * v).Average());

            // Minimum norm: W is the projection of any exact solution (here the true coefficients) onto the row space of
            // the centered X. The projection is computed independently with modified Gram–Schmidt.
            var xc = Centered(d.X, n, p);
            var basis = RowSpaceBasis(xc, n, p);
            Assert.Equal(n - 1, basis.Count);
            for (int k = 0; k < t; k++)
            {
                var c = Enumerable.Range(0, p).Select(f => d.Coefficients[f * t + k]).ToArray();
                var proj = new double[p];
                foreach (var q in basis)
                {
                    double dot = q.Zip(c, (a, b) => a * b).Sum();
                    for (int f = 0; f < p; f++) proj[f] += dot * q[f];
                }
                double scale = Math.Sqrt(proj.Sum(v => v * v));
                for (int f = 0; f < p; f++) Assert.Equal(proj[f], model.Coefficients[f * t + k], 1e-9 * scale);
                Assert.True(scale <= Math.Sqrt(c.Sum(v => v * v)));
            }
        }

        [Fact]
        public void SeedSizedProblemFitsToRounding()
        {
            // The seed's baseline: standardized 256 × 4096 inputs, 16 targets; sklearn reports R² = 1.
            var d = Datasets.MakeRegression<double>(256, 4096, nInformative: 128, nTargets: 16, seed: 0);
            Preprocessing.StandardizeColumns<double>(d.X, 4096);
            Preprocessing.StandardizeColumns<double>(d.Y, 16);
            var model = LeastSquares.MinimumNorm<double>(d.X, d.Y, 256, 4096, 16);
            Assert.Equal(255, model.Rank);
            var pred = model.Predict<double>(d.X);
            Assert.True(1 - Metrics.R2Score<double>(d.Y, pred) < 1e-9);
            Assert.True(Metrics.MeanSquaredError<double>(d.Y, pred) < 1e-18);

            // In float, as the sample feeds the tensor-train layer.
            var xf = d.X.Select(v => (float)v).ToArray();
            var yf = d.Y.Select(v => (float)v).ToArray();
            var mf = LeastSquares.MinimumNorm<float>(xf, yf, 256, 4096, 16);
            var pf = new float[yf.Length];
            mf.Predict<float>(xf, pf);
            Assert.True(Metrics.R2Score<float>(yf, pf) > 1 - 1e-9);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void OverdeterminedEqualsTheNormalEquations(bool intercept)
        {
            const int n = 200, p = 10, t = 3;
            var d = Datasets.MakeRegression<double>(n, p, nInformative: 6, nTargets: t, bias: 4.0, noise: 5.0, seed: 31);
            var model = LeastSquares.MinimumNorm<double>(d.X, d.Y, n, p, t, fitIntercept: intercept);
            Assert.Equal(p, model.Rank);

            // Normal equations [X 1]ᵀ[X 1] β = [X 1]ᵀ y solved by Gauss–Jordan elimination with partial pivoting.
            int q = intercept ? p + 1 : p;
            var a = new double[q, q + t];
            for (int i = 0; i < n; i++)
            {
                var row = Enumerable.Range(0, q).Select(f => f < p ? d.X[i * p + f] : 1.0).ToArray();
                for (int r = 0; r < q; r++)
                {
                    for (int c = 0; c < q; c++) a[r, c] += row[r] * row[c];
                    for (int k = 0; k < t; k++) a[r, q + k] += row[r] * d.Y[i * t + k];
                }
            }
            GaussJordan(a, q, t);
            for (int f = 0; f < p; f++)
                for (int k = 0; k < t; k++) Assert.Equal(a[f, q + k], model.Coefficients[f * t + k], 1e-9 * (1 + Math.Abs(a[f, q + k])));
            for (int k = 0; k < t; k++) Assert.Equal(intercept ? a[p, q + k] : 0.0, model.Intercept[k], 1e-9);

            // The residual is orthogonal to the columns (and, with an intercept, sums to zero).
            var pred = model.Predict<double>(d.X);
            for (int k = 0; k < t; k++)
            {
                if (intercept) Assert.Equal(0.0, Enumerable.Range(0, n).Sum(i => d.Y[i * t + k] - pred[i * t + k]), 1e-8);
                for (int f = 0; f < p; f++)
                    Assert.Equal(0.0, Enumerable.Range(0, n).Sum(i => d.X[i * p + f] * (d.Y[i * t + k] - pred[i * t + k])), 1e-7);
            }
        }

        [Fact]
        public void RankDeficientProblemsGetTheMinimumNormSolution()
        {
            // Overdetermined with a duplicated column: weights split evenly between the twins (minimum norm).
            const int n = 50;
            var r = new SeededRandom(8);
            var x = new double[n * 3];
            var y = new double[n];
            for (int i = 0; i < n; i++)
            {
                x[i * 3] = r.NextNormal();
                x[i * 3 + 1] = r.NextNormal();
                x[i * 3 + 2] = x[i * 3];
                y[i] = 4 * x[i * 3] + 2 * x[i * 3 + 1] + 1;
            }
            var m = LeastSquares.MinimumNorm<double>(x, y, n, 3, 1);
            Assert.Equal(2, m.Rank);
            Assert.Equal(2.0, m.Coefficients[0], 1e-9);
            Assert.Equal(2.0, m.Coefficients[1], 1e-9);
            Assert.Equal(2.0, m.Coefficients[2], 1e-9);
            Assert.Equal(1.0, m.Intercept[0], 1e-9);

            // Underdetermined with two identical samples: still an exact fit, one rank fewer.
            var d = Datasets.MakeRegression<double>(20, 60, nInformative: 10, nTargets: 2, seed: 4);
            Array.Copy(d.X, 0, d.X, 60, 60);
            Array.Copy(d.Y, 0, d.Y, 2, 2);
            var u = LeastSquares.MinimumNorm<double>(d.X, d.Y, 20, 60, 2);
            Assert.Equal(18, u.Rank);
            Assert.True(1 - Metrics.R2Score<double>(d.Y, u.Predict<double>(d.X)) < 1e-12);

            // Inconsistent: identical inputs with different targets. The fit predicts their mean for both.
            d.Y[2] += 10;
            var v = LeastSquares.MinimumNorm<double>(d.X, d.Y, 20, 60, 2);
            var pv = v.Predict<double>(d.X);
            Assert.Equal((d.Y[0] + d.Y[2]) / 2, pv[0], 1e-9);
            Assert.Equal(pv[0], pv[2], 1e-9);
        }

        [Fact]
        public void InterceptIsMeanYMinusMeanXTimesW()
        {
            var d = Datasets.MakeRegression<double>(30, 5, nInformative: 5, nTargets: 2, bias: -7, seed: 12);
            var m = LeastSquares.MinimumNorm<double>(d.X, d.Y, 30, 5, 2);
            for (int k = 0; k < 2; k++)
            {
                double expected = Enumerable.Range(0, 30).Average(i => d.Y[i * 2 + k])
                    - Enumerable.Range(0, 5).Sum(f => Enumerable.Range(0, 30).Average(i => d.X[i * 5 + f]) * m.Coefficients[f * 2 + k]);
                Assert.Equal(expected, m.Intercept[k], 1e-10);
                Assert.Equal(-7.0, m.Intercept[k], 1e-9); // noise-free: the true bias
            }
            for (int i = 0; i < d.Coefficients.Length; i++) Assert.Equal(d.Coefficients[i], m.Coefficients[i], 1e-9);
            Assert.Throws<ArgumentException>(() => LeastSquares.MinimumNorm<double>(d.X, d.Y, 30, 6, 2));
            Assert.Throws<ArgumentException>(() => m.Predict<double>(new double[7], new double[2]));
        }

        private static double[] Centered(double[] x, int n, int p)
        {
            var c = (double[])x.Clone();
            for (int f = 0; f < p; f++)
            {
                double mean = 0;
                for (int i = 0; i < n; i++) mean += c[i * p + f];
                mean /= n;
                for (int i = 0; i < n; i++) c[i * p + f] -= mean;
            }
            return c;
        }

        private static System.Collections.Generic.List<double[]> RowSpaceBasis(double[] x, int n, int p)
        {
            var basis = new System.Collections.Generic.List<double[]>();
            for (int i = 0; i < n; i++)
            {
                var v = x.Skip(i * p).Take(p).ToArray();
                double norm0 = Math.Sqrt(v.Sum(a => a * a));
                for (int pass = 0; pass < 2; pass++)
                    foreach (var q in basis)
                    {
                        double dot = q.Zip(v, (a, b) => a * b).Sum();
                        for (int f = 0; f < p; f++) v[f] -= dot * q[f];
                    }
                double norm = Math.Sqrt(v.Sum(a => a * a));
                if (norm > 1e-8 * norm0) basis.Add(v.Select(a => a / norm).ToArray());
            }
            return basis;
        }

        private static void GaussJordan(double[,] a, int q, int t)
        {
            for (int c = 0; c < q; c++)
            {
                int pivot = c;
                for (int r = c + 1; r < q; r++) if (Math.Abs(a[r, c]) > Math.Abs(a[pivot, c])) pivot = r;
                for (int k = 0; k < q + t; k++) (a[c, k], a[pivot, k]) = (a[pivot, k], a[c, k]);
                double d = a[c, c];
                for (int k = 0; k < q + t; k++) a[c, k] /= d;
                for (int r = 0; r < q; r++)
                {
                    if (r == c) continue;
                    double f = a[r, c];
                    for (int k = 0; k < q + t; k++) a[r, k] -= f * a[c, k];
                }
            }
        }
    }
}
