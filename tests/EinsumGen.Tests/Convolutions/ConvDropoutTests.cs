using System;
using System.Linq;
using EinsumGen.Convolutions;
using Xunit;

namespace EinsumGen.Tests.Convolutions;

/// <summary>
/// The randomized weight VJP: channel dropout gives exact zero rows and exactly rescaled kept rows; over many seeds
/// the estimator's mean converges to the exact VJP, within 5 standard errors per element (estimated from the same
/// samples; with a fixed seed the test is deterministic).
/// </summary>
public class ConvDropoutTests
{
    private static readonly int[] Xs = { 2, 4, 7, 6 };
    private static readonly ConvSpec Spec = new(new[] { 3, 2 }, stride: new[] { 2, 1 }, padding: new ConvPadding[] { 1, 0 }, groups: 2);

    [Fact]
    public void ChannelDropoutZeroesDroppedRowsAndRescalesKeptOnes()
    {
        var x = ConvOracle.ToTensor<double>(ConvOracle.Random(Xs, 1), Xs);
        var ys = new[] { 2, 6, 4, 5 };
        var v = ConvOracle.ToTensor<double>(ConvOracle.Random(ys, 2), ys);
        var exact = TestData.Flatten(Conv.WeightVjp(x, v, Spec));
        int perChannel = 3 * 2, perGroup = 2;
        bool sawZero = false, sawKept = false;
        for (int seed = 0; seed < 8; seed++)
        {
            var estimate = TestData.Flatten(Conv.WeightVjpRandomized(x, v, Spec, 0.5, ConvDropoutAxes.Channels, seed));
            for (int c = 0; c < perGroup; c++)
            {
                // The same c_in is kept or dropped in every output channel's row (one leg of the network is sampled).
                bool dropped = estimate.Skip(c * perChannel).Take(perChannel).All(e => e == 0);
                for (int o = 0; o < 6; o++)
                {
                    int start = (o * perGroup + c) * perChannel;
                    for (int i = 0; i < perChannel; i++)
                    {
                        if (dropped) Assert.Equal(0.0, estimate[start + i]);
                        else Assert.Equal(exact[start + i] * 2, estimate[start + i], 12);
                    }
                }
                sawZero |= dropped;
                sawKept |= !dropped;
            }
        }
        Assert.True(sawZero && sawKept);
    }

    [Theory]
    [InlineData(ConvDropoutAxes.Channels, 0.5)]
    [InlineData(ConvDropoutAxes.Spatial, 0.7)]
    public void MeanOverSeedsConvergesToTheExactVjp(ConvDropoutAxes axes, double keep)
    {
        var x = ConvOracle.ToTensor<double>(ConvOracle.Random(Xs, 1), Xs);
        var ys = new[] { 2, 6, 4, 5 };
        var v = ConvOracle.ToTensor<double>(ConvOracle.Random(ys, 2), ys);
        var exact = TestData.Flatten(Conv.WeightVjp(x, v, Spec));
        const int samples = 600;
        var sum = new double[exact.Length];
        var squares = new double[exact.Length];
        for (int seed = 0; seed < samples; seed++)
        {
            var e = TestData.Flatten(Conv.WeightVjpRandomized(x, v, Spec, keep, axes, 1000 + seed));
            for (int i = 0; i < e.Length; i++)
            {
                sum[i] += e[i];
                squares[i] += e[i] * e[i];
            }
        }
        double worst = 0;
        for (int i = 0; i < exact.Length; i++)
        {
            double mean = sum[i] / samples;
            double variance = Math.Max(0, squares[i] / samples - mean * mean);
            double standardError = Math.Sqrt(variance / samples);
            Assert.True(Math.Abs(mean - exact[i]) <= 5 * standardError + 1e-12,
                $"element {i}: mean {mean} vs exact {exact[i]} (standard error {standardError:g3})");
            worst = Math.Max(worst, Math.Abs(mean - exact[i]) / Math.Max(1e-12, Math.Abs(exact.Max(Math.Abs))));
        }
        Assert.True(worst < 0.1, $"relative error of the mean {worst:g3}");
        // keep = 1 is exact.
        var full = TestData.Flatten(Conv.WeightVjpRandomized(x, v, Spec, 1.0, axes, 7));
        ConvOracle.AssertClose(exact, full, 100, false, "keep 1");
    }
}
