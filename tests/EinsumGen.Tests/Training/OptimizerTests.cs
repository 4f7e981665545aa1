using System;
using System.Numerics.Tensors;
using EinsumGen.Training;
using Xunit;

namespace EinsumGen.Tests.Training
{
    public class OptimizerTests
    {
        // Three gradients for a three-element parameter starting at [1, -2, 0.5]; the middle one has an exact zero.
        private static readonly double[][] Gradients =
        [
            [0.1, -0.2, 0.3],
            [-0.5, 0.4, 0.0],
            [1.0, 1.0, -1.0],
        ];

        // Written out from torch.optim.Adam's formulas (lr 0.1, β 0.9/0.999, ε 1e-8), evaluated in double:
        // m = m + 0.1 (g - m); v = 0.999 v + 0.001 g²; p -= (0.1 / (1 - 0.9^t)) m / (sqrt(v) / sqrt(1 - 0.999^t) + 1e-8).
        // Step 1 is p - 0.1 g / (|g| + 1e-8), e.g. 1 - 0.1 · 0.1 / (0.1 + 1e-8) = 0.90000001.
        private static readonly double[][] AdamExpected =
        [
            [0.900000009999999, -1.9000000049999999, 0.4000000033333332],
            [0.9598354265523341, -1.9366103565460369, 0.33299418107915446],
            [0.9239213447221958, -2.0064792343279416, 0.3793167483398872],
        ];

        // Same gradients, lr 0.01, β (0.8, 0.99), ε 1e-3, weight decay 0.5 (g += 0.5 p before the moments).
        private static readonly double[][] AdamWeightDecayExpected =
        [
            [0.9900166389351082, -1.990008326394671, 0.4900181488203267],
            [0.9837958388704214, -1.980882720025235, 0.48108555386304835],
            [0.9755711422167302, -1.9743226249532184, 0.4826292492022208],
        ];

        [Fact]
        public void AdamDoubleMatchesTheFormulasForThreeSteps()
        {
            double[] p = [1.0, -2.0, 0.5];
            var adam = new Adam<double>(0.1, p);
            for (int t = 0; t < 3; t++)
            {
                adam.Step(Gradients[t]);
                Assert.Equal(t + 1, adam.StepCount(0));
                for (int i = 0; i < 3; i++) Assert.Equal(AdamExpected[t][i], p[i], 1e-14);
            }
        }

        [Fact]
        public void AdamFloatMatchesTheFormulasForThreeSteps()
        {
            float[] p = [1.0f, -2.0f, 0.5f];
            var adam = new Adam<float>(0.1, p);
            for (int t = 0; t < 3; t++)
            {
                adam.Step(Array.ConvertAll(Gradients[t], g => (float)g));
                for (int i = 0; i < 3; i++) Assert.Equal(AdamExpected[t][i], p[i], 2e-6);
            }
        }

        [Fact]
        public void AdamWithWeightDecayAndOtherHyperparameters()
        {
            double[] p = [1.0, -2.0, 0.5];
            var adam = new Adam<double>(0.01, p) { Beta1 = 0.8, Beta2 = 0.99, Epsilon = 1e-3, WeightDecay = 0.5 };
            for (int t = 0; t < 3; t++)
            {
                adam.Step(Gradients[t]);
                for (int i = 0; i < 3; i++) Assert.Equal(AdamWeightDecayExpected[t][i], p[i], 1e-14);
            }
        }

        [Fact]
        public void AdamKeepsMomentsAndStepsPerParameter()
        {
            double[] a = [1.0, -2.0, 0.5];
            double[] b = [3.0];
            var adam = new Adam<double>(0.1, a, b);
            Assert.Equal(2, adam.ParameterCount);
            Assert.Equal(3, adam.ParameterLength(0));
            adam.Step(Gradients[0], new double[] { 2.0 });
            Assert.Equal(0.1 * 0.1, adam.FirstMoment(0)[0], 1e-17);
            Assert.Equal(0.001 * 0.04, adam.SecondMoment(0)[1], 1e-18);
            Assert.Equal(3.0 - 0.1 * 2.0 / (2.0 + 1e-8), b[0], 1e-15);

            // Only the first parameter moves on: its step count advances alone, as torch's per-parameter state['step'].
            adam.Update(0, Gradients[1]);
            adam.Update(0, Gradients[2]);
            Assert.Equal(3, adam.StepCount(0));
            Assert.Equal(1, adam.StepCount(1));
            for (int i = 0; i < 3; i++) Assert.Equal(AdamExpected[2][i], a[i], 1e-14);

            adam.Reset();
            Assert.Equal(0, adam.StepCount(0));
            Assert.Equal(0.0, adam.FirstMoment(0)[0]);
        }

        [Fact]
        public void AdamVectorAndScalarPathsAgreeBitwise()
        {
            const int n = 37; // several vectors and a scalar tail on any hardware
            var random = new SeededRandom(7);
            var p = new float[n];
            random.FillNormal<float>(p);
            var single = (float[])p.Clone();
            var adam = new Adam<float>(0.05, p);
            var m = new float[1];
            var v = new float[1];
            var state = new (float M, float V)[n];
            var g = new float[n];
            for (int step = 1; step <= 5; step++)
            {
                random.FillNormal<float>(g);
                adam.Step(g);
                for (int i = 0; i < n; i++)
                {
                    m[0] = state[i].M;
                    v[0] = state[i].V;
                    Adam<float>.UpdateInPlace(single.AsSpan(i, 1), g.AsSpan(i, 1), m, v, step, 0.05);
                    state[i] = (m[0], v[0]);
                }
            }
            Assert.Equal(single, p);
        }

        [Fact]
        public void AdamOverTensors()
        {
            var w = Tensor.Create(new float[] { 1f, -2f, 0.5f, 4f }, [2, 2]);
            var g = Tensor.Create(new float[] { 0.1f, -0.2f, 0.3f, 0f }, [2, 2]);
            var adam = new Adam<float>(0.1, [w]);
            adam.Step([g]);
            Assert.Equal(0.9f, w[0, 0], 1e-6f);
            Assert.Equal(-1.9f, w[0, 1], 1e-6f);
            Assert.Equal(0.4f, w[1, 0], 1e-6f);
            Assert.Equal(4f, w[1, 1]); // zero gradient: m = 0, no move
        }

        [Fact]
        public void AdamRejectsMismatchedGradients()
        {
            var adam = new Adam<double>(0.1, new double[3], new double[2]);
            Assert.Throws<ArgumentException>(() => adam.Step(new double[3]));
            Assert.Throws<ArgumentException>(() => adam.Step(new double[3], new double[3]));
            Assert.Throws<ArgumentException>(() => new Adam<double>(0.1));
            Assert.Throws<ArgumentOutOfRangeException>(() => new Adam<double>(0.1, new double[1]) { Beta1 = 1.0 });
            Assert.Throws<ArgumentOutOfRangeException>(() => new Adam<double>(-1, new double[1]));
        }

        [Theory]
        [InlineData("plain")]
        [InlineData("momentum")]
        [InlineData("dampening")]
        [InlineData("nesterov")]
        public void SgdMatchesTheFormulasForThreeSteps(string variant)
        {
            // Written out from torch.optim.SGD's formulas with lr 0.1 (b: momentum buffer, copy of g on the first step):
            //   plain:      p -= 0.1 g
            //   momentum:   b = 0.9 b + g;              p -= 0.1 b
            //   dampening:  b = 0.9 b + 0.5 g;          p -= 0.1 b
            //   nesterov:   g += 0.1 p; b = 0.9 b + g;  p -= 0.1 (g + 0.9 b)
            double[][] expected = variant switch
            {
                "plain" => [[0.99, -1.98, 0.47], [1.04, -2.02, 0.47], [0.94, -2.12, 0.57]],
                "momentum" => [[0.99, -1.98, 0.47], [1.031, -2.002, 0.443], [0.9679, -2.1218, 0.5187]],
                "dampening" => [[0.99, -1.98, 0.47], [1.006, -1.982, 0.443], [0.9704, -2.0338, 0.4687]],
                _ => [[0.962, -1.924, 0.4335], [1.022522, -1.931044, 0.3969135], [0.831221882, -2.072009764, 0.5503457935]],
            };
            double[] p = [1.0, -2.0, 0.5];
            var sgd = variant switch
            {
                "plain" => new Sgd<double>(0.1, p),
                "momentum" => new Sgd<double>(0.1, p) { Momentum = 0.9 },
                "dampening" => new Sgd<double>(0.1, p) { Momentum = 0.9, Dampening = 0.5 },
                _ => new Sgd<double>(0.1, p) { Momentum = 0.9, Nesterov = true, WeightDecay = 0.1 },
            };
            for (int t = 0; t < 3; t++)
            {
                sgd.Step(Gradients[t]);
                for (int i = 0; i < 3; i++) Assert.Equal(expected[t][i], p[i], 1e-14);
            }
            Assert.Equal(variant == "plain" ? 0 : 3, sgd.MomentumBuffer(0).Length);
        }

        [Fact]
        public void SgdFloat()
        {
            float[] p = [1f, -2f];
            var sgd = new Sgd<float>(0.5, p);
            sgd.Step(new float[] { 1f, -1f });
            Assert.Equal(new[] { 0.5f, -1.5f }, p);
        }

        [Fact]
        public void StepsAllocateNothing()
        {
            var w1 = new float[128];
            var w2 = new float[1024];
            var g1 = new float[128];
            var g2 = new float[1024];
            new SeededRandom(1).FillNormal<float>(g1);
            new SeededRandom(2).FillNormal<float>(g2);
            var adam = new Adam<float>(1e-3, w1, w2);
            var sgd = new Sgd<float>(1e-3, w1, w2) { Momentum = 0.9 };
            var pred = new float[4096];
            var target = new float[4096];
            var grad = new float[4096];
            for (int i = 0; i < 64; i++) Run(); // warm up: JIT, lazily created momentum buffers, past tiered compilation's call counting
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 50; i++) Run();
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

            void Run()
            {
                adam.Step(g1, g2);
                sgd.Step(g1, g2);
                _ = Losses.MeanSquaredErrorWithGradient<float>(pred, target, grad);
                _ = Losses.MeanSquaredError<float>(pred, target);
                Losses.MeanSquaredErrorGradient<float>(pred, target, grad);
            }
        }

        [Fact]
        public void AdamFitsALinearModelWithMeanSquaredError()
        {
            // y = 3 x0 - 2 x1 + 0.5 on 64 samples; w = [w0, w1, b] trained by full-batch Adam on the MSE.
            var random = new SeededRandom(11);
            const int n = 64;
            var x = new double[n * 2];
            random.FillNormal<double>(x);
            var y = new double[n];
            for (int i = 0; i < n; i++) y[i] = 3 * x[2 * i] - 2 * x[2 * i + 1] + 0.5;
            var w = new double[3];
            var gw = new double[3];
            var pred = new double[n];
            var gp = new double[n];
            var adam = new Adam<double>(0.05, w);
            double first = 0, last = 0;
            for (int epoch = 0; epoch < 2000; epoch++)
            {
                for (int i = 0; i < n; i++) pred[i] = w[0] * x[2 * i] + w[1] * x[2 * i + 1] + w[2];
                double loss = Losses.MeanSquaredErrorWithGradient<double>(pred, y, gp);
                if (epoch == 0) first = loss;
                last = loss;
                Array.Clear(gw);
                for (int i = 0; i < n; i++)
                {
                    gw[0] += gp[i] * x[2 * i];
                    gw[1] += gp[i] * x[2 * i + 1];
                    gw[2] += gp[i];
                }
                adam.Step(gw);
            }
            Assert.True(first > 5, $"initial loss {first}");
            Assert.True(last < 1e-8, $"final loss {last}");
            Assert.Equal(3.0, w[0], 1e-4);
            Assert.Equal(-2.0, w[1], 1e-4);
            Assert.Equal(0.5, w[2], 1e-4);
        }
    }
}
