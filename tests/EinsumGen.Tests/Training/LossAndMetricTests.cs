using System;
using EinsumGen.Training;
using Xunit;

namespace EinsumGen.Tests.Training
{
    public class LossAndMetricTests
    {
        [Fact]
        public void MeanSquaredErrorAndGradientByHand()
        {
            // differences -0.5, 0, 1, -1 → squares 0.25, 0, 1, 1 → mean 2.25 / 4; gradient 2 d / 4 = d / 2.
            double[] pred = [1, 2, 3, 4];
            double[] target = [1.5, 2, 2, 5];
            Assert.Equal(0.5625, Losses.MeanSquaredError<double>(pred, target));
            var grad = new double[4];
            Losses.MeanSquaredErrorGradient<double>(pred, target, grad);
            Assert.Equal(new[] { -0.25, 0, 0.5, -0.5 }, grad);
            Array.Clear(grad);
            Assert.Equal(0.5625, Losses.MeanSquaredErrorWithGradient<double>(pred, target, grad));
            Assert.Equal(new[] { -0.25, 0, 0.5, -0.5 }, grad);

            // Float, and the gradient written over the prediction it reads.
            float[] fp = [1, 2, 3, 4];
            float[] ft = [1.5f, 2, 2, 5];
            Assert.Equal(0.5625f, Losses.MeanSquaredErrorWithGradient<float>(fp, ft, fp));
            Assert.Equal(new[] { -0.25f, 0, 0.5f, -0.5f }, fp);

            Assert.Throws<ArgumentException>(() => Losses.MeanSquaredError<double>(pred, new double[3]));
            Assert.Throws<ArgumentException>(() => Losses.MeanSquaredErrorGradient<double>(pred, target, new double[3]));
        }

        [Fact]
        public void LossWithGradientAgreesWithTheSeparateFunctionsAtEveryLength()
        {
            // Lengths around the vector widths (the vector loop, its scalar tail), float and double, the gradient written
            // over the prediction it reads: the loss as the one-loop MeanSquaredError (summed in another order, so to a
            // relative 1e-12), the gradient exactly as MeanSquaredErrorGradient.
            var r = new SeededRandom(11);
            for (int n = 1; n <= 70; n++)
            {
                var pred = new double[n];
                var target = new double[n];
                r.FillNormal<double>(pred);
                r.FillNormal<double>(target);
                var expected = new double[n];
                Losses.MeanSquaredErrorGradient<double>(pred, target, expected);
                double loss = Losses.MeanSquaredError<double>(pred, target);
                var aliased = (double[])pred.Clone();
                Assert.Equal(loss, Losses.MeanSquaredErrorWithGradient<double>(aliased, target, aliased), loss * 1e-12);
                Assert.Equal(expected, aliased);

                float[] fp = Array.ConvertAll(pred, v => (float)v), ft = Array.ConvertAll(target, v => (float)v);
                var fExpected = new float[n];
                Losses.MeanSquaredErrorGradient<float>(fp, ft, fExpected);
                float fLoss = Losses.MeanSquaredError<float>(fp, ft);
                var fGradient = new float[n];
                Assert.Equal(fLoss, Losses.MeanSquaredErrorWithGradient<float>(fp, ft, fGradient), fLoss * 1e-6f);
                Assert.Equal(fExpected, fGradient);
            }
        }

        [Fact]
        public void GradientMatchesFiniteDifferences()
        {
            var r = new SeededRandom(4);
            var pred = new double[10];
            var target = new double[10];
            r.FillNormal<double>(pred);
            r.FillNormal<double>(target);
            var grad = new double[10];
            Losses.MeanSquaredErrorGradient<double>(pred, target, grad);
            for (int i = 0; i < 10; i++)
            {
                var plus = (double[])pred.Clone();
                var minus = (double[])pred.Clone();
                plus[i] += 1e-6;
                minus[i] -= 1e-6;
                double fd = (Losses.MeanSquaredError<double>(plus, target) - Losses.MeanSquaredError<double>(minus, target)) / 2e-6;
                Assert.Equal(grad[i], fd, 1e-8);
            }
        }

        [Fact]
        public void R2ScoreMatchesSklearnExamples()
        {
            // sklearn's docstring: r2_score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]) = 0.948...; by hand 1 - 1.5 / 29.1875.
            double[] yTrue = [3, -0.5, 2, 7];
            double[] yPred = [2.5, 0.0, 2, 8];
            Assert.Equal(1 - 1.5 / 29.1875, Metrics.R2Score<double>(yTrue, yPred), 1e-15);
            Assert.Equal(0.9486081370449679, Metrics.R2Score<double>(yTrue, yPred), 1e-15);
            Assert.Equal(0.9486081370449679, Metrics.R2Score<float>([3f, -0.5f, 2f, 7f], [2.5f, 0f, 2f, 8f]), 1e-15);

            // Two outputs, multioutput='uniform_average': columns 1 - 1.25 / (217/6) and 1 - 3 / (98/3), averaged.
            double[] mt = [0.5, 1, -1, 1, 7, -6];
            double[] mp = [0, 2, -1, 2, 8, -5];
            Assert.Equal(((1 - 1.25 / (217.0 / 6)) + (1 - 3 / (98.0 / 3))) / 2, Metrics.R2Score<double>(mt, mp, 2), 1e-15);
            Assert.Equal(0.9368005266622779, Metrics.R2Score<double>(mt, mp, 2), 1e-15);
        }

        [Fact]
        public void R2ScoreEdgeCasesFollowSklearn()
        {
            Assert.Equal(1.0, Metrics.R2Score<double>([2, 2, 2], [2, 2, 2]));   // constant and perfect
            Assert.Equal(0.0, Metrics.R2Score<double>([2, 2, 2], [2, 2, 3]));   // constant, imperfect
            Assert.True(double.IsNaN(Metrics.R2Score<double>([1], [1])));       // fewer than two samples
            Assert.Equal(1.0, Metrics.R2Score<double>([1, 2, 3], [1, 2, 3]));
            Assert.Equal(0.0, Metrics.R2Score<double>([1, 2, 3], [2, 2, 2]), 1e-15); // predicting the mean
            Assert.Equal(1 - 8.0 / 2.0, Metrics.R2Score<double>([1, 2, 3], [3, 2, 1]), 1e-15); // worse than the mean: negative
        }

        [Fact]
        public void MetricMeanSquaredError()
        {
            // sklearn's docstring: mean_squared_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]) = 0.375.
            Assert.Equal(0.375, Metrics.MeanSquaredError<double>([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]));
            Assert.Equal(0.375, Metrics.MeanSquaredError<float>([3f, -0.5f, 2f, 7f], [2.5f, 0f, 2f, 8f]));
        }
    }
}
