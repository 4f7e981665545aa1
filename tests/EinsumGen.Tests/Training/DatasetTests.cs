using System;
using System.Linq;
using EinsumGen.Training;
using Xunit;

namespace EinsumGen.Tests.Training
{
    public class DatasetTests
    {
        private static double[] MatMul(double[] x, double[] w, int n, int p, int t)
        {
            var y = new double[n * t];
            for (int i = 0; i < n; i++)
                for (int f = 0; f < p; f++)
                    for (int k = 0; k < t; k++) y[i * t + k] += x[i * p + f] * w[f * t + k];
            return y;
        }

        private static int[] NonzeroRows<T>(T[] coef, int targets) where T : System.Numerics.IFloatingPointIeee754<T>
        {
            int rows = coef.Length / targets;
            return Enumerable.Range(0, rows).Where(r => Enumerable.Range(0, targets).Any(k => coef[r * targets + k] != T.Zero)).ToArray();
        }

        [Fact]
        public void SeedExperimentShapesAndStructure()
        {
            // Seed 000 §2.2: make_regression(n_samples=256, n_features=4096, n_informative=128, n_targets=16).
            var d = Datasets.MakeRegression<double>(256, 4096, nInformative: 128, nTargets: 16, seed: 0);
            Assert.Equal((256, 4096, 16, 128), (d.Samples, d.Features, d.Targets, d.Informative));
            Assert.Equal(256 * 4096, d.X.Length);
            Assert.Equal(256 * 16, d.Y.Length);
            Assert.Equal(4096 * 16, d.Coefficients.Length);

            var informative = NonzeroRows(d.Coefficients, 16);
            Assert.Equal(128, informative.Length);
            Assert.True(informative.Max() >= 128, "shuffle scatters the informative features"); // P(all in the first 128) is nil
            Assert.All(d.Coefficients, c => Assert.InRange(c, 0.0, 100.0 - 1e-12));
            // Every coefficient of an informative row is 100·U: all nonzero, mean ≈ 50 (SE 0.64 over 2048 values).
            var values = informative.SelectMany(r => d.Coefficients.Skip(r * 16).Take(16)).ToArray();
            Assert.All(values, c => Assert.True(c > 0));
            Assert.InRange(values.Average(), 47.0, 53.0);

            // y == X·coef (no bias, no noise) up to the rounding of a different summation order.
            var y = MatMul(d.X, d.Coefficients, 256, 4096, 16);
            for (int i = 0; i < y.Length; i++) Assert.Equal(y[i], d.Y[i], 1e-12 * (1 + Math.Abs(y[i])));

            // X is standard normal.
            double mean = d.X.Average();
            double var = d.X.Select(v => (v - mean) * (v - mean)).Average();
            Assert.InRange(mean, -0.005, 0.005);
            Assert.InRange(var, 0.99, 1.01);
        }

        [Fact]
        public void DeterministicPerSeedAndDifferentAcrossSeeds()
        {
            var a = Datasets.MakeRegression<double>(50, 30, nInformative: 5, nTargets: 2, seed: 17);
            var b = Datasets.MakeRegression<double>(50, 30, nInformative: 5, nTargets: 2, seed: 17);
            var c = Datasets.MakeRegression<double>(50, 30, nInformative: 5, nTargets: 2, seed: 18);
            Assert.Equal(a.X, b.X);
            Assert.Equal(a.Y, b.Y);
            Assert.Equal(a.Coefficients, b.Coefficients);
            Assert.NotEqual(a.X, c.X);
            Assert.NotEqual(a.Y, c.Y);
            Assert.NotEqual(a.Coefficients, c.Coefficients);
        }

        [Fact]
        public void WithoutShuffleTheInformativeFeaturesComeFirst()
        {
            var d = Datasets.MakeRegression<double>(40, 20, nInformative: 6, nTargets: 3, shuffle: false, seed: 5);
            Assert.Equal(Enumerable.Range(0, 6), NonzeroRows(d.Coefficients, 3));

            // Shuffling permutes samples and features of the same draws: same multisets of X values and coefficients.
            var s = Datasets.MakeRegression<double>(40, 20, nInformative: 6, nTargets: 3, shuffle: true, seed: 5);
            Assert.Equal(d.X.OrderBy(v => v), s.X.OrderBy(v => v));
            Assert.Equal(d.Coefficients.OrderBy(v => v), s.Coefficients.OrderBy(v => v));
            Assert.Equal(d.Y.OrderBy(v => v), s.Y.OrderBy(v => v));
        }

        [Fact]
        public void BiasNoiseAndClamping()
        {
            var d = Datasets.MakeRegression<double>(2000, 8, nInformative: 3, nTargets: 1, bias: 7.5, noise: 2.0, seed: 3);
            var fit = MatMul(d.X, d.Coefficients, 2000, 8, 1);
            var residual = d.Y.Select((y, i) => y - fit[i] - 7.5).ToArray();
            double mean = residual.Average();
            double sd = Math.Sqrt(residual.Select(r => (r - mean) * (r - mean)).Average());
            Assert.InRange(mean, -0.2, 0.2);   // SE 0.045
            Assert.InRange(sd, 1.9, 2.1);      // SE 0.032

            var exact = Datasets.MakeRegression<double>(30, 8, nInformative: 3, bias: -1.25, seed: 3);
            var f2 = MatMul(exact.X, exact.Coefficients, 30, 8, 1);
            for (int i = 0; i < 30; i++) Assert.Equal(f2[i] - 1.25, exact.Y[i], 1e-12);

            var clamped = Datasets.MakeRegression<double>(10, 4, nInformative: 10, seed: 1);
            Assert.Equal(4, clamped.Informative);
            Assert.Equal(4, NonzeroRows(clamped.Coefficients, 1).Length);
            Assert.Throws<ArgumentOutOfRangeException>(() => Datasets.MakeRegression<double>(0, 4));
            Assert.Throws<ArgumentOutOfRangeException>(() => Datasets.MakeRegression<double>(4, 4, noise: -1));
        }

        [Fact]
        public void FloatDataIsConsistentUpToFloatRounding()
        {
            var d = Datasets.MakeRegression<float>(64, 100, nInformative: 20, nTargets: 4, seed: 8);
            var x = d.X.Select(v => (double)v).ToArray();
            var w = d.Coefficients.Select(v => (double)v).ToArray();
            var y = MatMul(x, w, 64, 100, 4);
            for (int i = 0; i < y.Length; i++) Assert.Equal(y[i], d.Y[i], 1e-6 * (1 + Math.Abs(y[i])));
            Assert.All(d.Coefficients, c => Assert.True(c >= 0f && c < 100f));
            Assert.Equal(20, NonzeroRows(d.Coefficients, 4).Length);
        }

        [Fact]
        public void StandardizeColumnsGivesZeroMeanUnitPopulationStd()
        {
            var d = Datasets.MakeRegression<double>(256, 64, nInformative: 16, nTargets: 4, seed: 2);
            var x = d.X;
            for (int i = 0; i < x.Length; i++) x[i] = 3 * x[i] + 10 + (i % 64); // shift and scale every column
            var means = new double[64];
            var stds = new double[64];
            Preprocessing.StandardizeColumns<double>(x, 64, means, stds);
            Assert.All(means, m => Assert.InRange(m, 5.0, 80.0));
            Assert.All(stds, s => Assert.InRange(s, 2.5, 3.5));
            for (int c = 0; c < 64; c++)
            {
                var col = Enumerable.Range(0, 256).Select(r => x[r * 64 + c]).ToArray();
                double m = col.Average();
                Assert.InRange(m, -1e-13, 1e-13);
                Assert.Equal(1.0, Math.Sqrt(col.Select(v => (v - m) * (v - m)).Average()), 1e-13); // ddof = 0
            }

            var y = d.Y;
            Preprocessing.StandardizeColumns<double>(y, 4);
            for (int c = 0; c < 4; c++)
                Assert.Equal(1.0, Math.Sqrt(Enumerable.Range(0, 256).Select(r => y[r * 4 + c] * y[r * 4 + c]).Average()), 1e-13);
        }

        [Fact]
        public void StandardizeByHandAndConstantColumn()
        {
            // Column 0: [1, 2, 3, 4] → mean 2.5, population std sqrt(1.25); column 1 constant → zeros.
            float[] x = [1, 7, 2, 7, 3, 7, 4, 7];
            Preprocessing.StandardizeColumns<float>(x, 2);
            double s = Math.Sqrt(1.25);
            Assert.Equal(new[] { (float)(-1.5 / s), 0f, (float)(-0.5 / s), 0f, (float)(0.5 / s), 0f, (float)(1.5 / s), 0f }, x);
            Assert.Throws<ArgumentException>(() => Preprocessing.StandardizeColumns<float>(new float[5], 2));
        }
    }
}
