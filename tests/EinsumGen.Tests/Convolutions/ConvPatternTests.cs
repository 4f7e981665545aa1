using System;
using System.Collections.Generic;
using System.Linq;
using EinsumGen.Convolutions;
using Xunit;

namespace EinsumGen.Tests.Convolutions;

/// <summary>Index patterns: the checked example, the §7 output sizes, the logical definition, Π̄, and the size formulas.</summary>
public class ConvPatternTests
{
    [Fact]
    public void CheckedExampleHasExactlyTheListedOnes()
    {
        var g = ConvGeometry.Create(5, 3, 2, 1, 1);
        Assert.Equal(3, g.OutputSize);
        var ones = new HashSet<(int, int, int)> { (0, 1, 1), (0, 2, 3), (1, 0, 0), (1, 1, 2), (1, 2, 4), (2, 0, 1), (2, 1, 3) };
        var dense = g.DensePattern();
        for (int k = 0; k < 3; k++)
        for (int o = 0; o < 3; o++)
        for (int i = 0; i < 5; i++)
        {
            bool one = ones.Contains((k, o, i));
            Assert.Equal(one, g.Contains(k, o, i));
            Assert.Equal(one ? 1 : 0, dense[(k * 3 + o) * 5 + i]);
        }
    }

    public static TheoryData<int, int, int, ConvPadding, int, int> PatternCases() => new()
    {
        { 13, 2, 1, 0, 1, 12 }, { 15, 3, 2, 0, 1, 7 }, { 11, 4, 1, 2, 1, 12 }, { 11, 4, 1, 6, 1, 20 }, { 11, 4, 1, ConvPadding.Valid, 1, 8 },
        { 39, 5, 1, ConvPadding.Same, 2, 39 }, { 20, 3, 2, 0, 1, 9 }, { 91, 4, 2, 2, 3, 43 }, { 91, 4, 2, 20, 3, 61 },
    };

    [Theory]
    [MemberData(nameof(PatternCases))]
    public void PatternsHaveTheReferenceSizesAndFollowTheDefinition(int input, int kernel, int stride, ConvPadding padding, int dilation, int output)
    {
        var g = ConvGeometry.Create(input, kernel, stride, padding, dilation);
        Assert.Equal(output, g.OutputSize);
        padding.Resolve(kernel, stride, dilation, out int left, out int right);
        Assert.Equal(output, ConvGeometry.OutputSizeOf(input, kernel, stride, left, right, dilation));
        var dense = g.DensePattern();
        for (int k = 0; k < kernel; k++)
        for (int o = 0; o < output; o++)
        {
            int count = 0;
            for (int i = 0; i < input; i++)
            {
                bool logical = i == o * stride + k * dilation - left;
                Assert.Equal(logical ? 1 : 0, dense[((long)k * output + o) * input + i]);
                count += dense[((long)k * output + o) * input + i];
            }
            int expected = o * stride + k * dilation - left;
            Assert.Equal(expected >= 0 && expected < input ? 1 : 0, count); // windows of padding only are zero rows
            Assert.Equal(count == 1 ? expected : -1, g.InputIndex(k, o));
        }
        // The transpose table inverts the gather table.
        var gather = g.GatherTable();
        var back = g.TransposeGatherTable();
        for (int k = 0; k < kernel; k++)
        for (int i = 0; i < input; i++)
        {
            int o = back[k * input + i];
            if (o >= 0) Assert.Equal(i, gather[k * output + o]);
            else Assert.DoesNotContain(i, gather.Skip(k * output).Take(output));
        }
        // Π̄ is the mean over o.
        var mean = g.AveragedPattern();
        for (int k = 0; k < kernel; k++)
        for (int i = 0; i < input; i++)
        {
            double s = 0;
            for (int o = 0; o < output; o++) s += dense[((long)k * output + o) * input + i];
            Assert.Equal(s / output, mean[k * input + i], 15);
        }
    }

    [Fact]
    public void SamePaddingPutsTheExtraPixelRight()
    {
        ConvPadding.Same.Resolve(4, 1, 1, out int left, out int right);
        Assert.Equal((1, 2), (left, right));
        ConvPadding.Same.Resolve(4, 1, 3, out left, out right);
        Assert.Equal((4, 5), (left, right));
        Assert.NotNull(ConvPadding.Same.Resolve(3, 2, 1, out _, out _));
    }

    [Fact]
    public void TransposeInputSizeGivesBackTheOutputSize()
    {
        for (int o = 1; o <= 9; o++)
        for (int k = 1; k <= 4; k++)
        for (int s = 1; s <= 3; s++)
        for (int p = 0; p <= 2; p++)
        for (int d = 1; d <= 2; d++)
        for (int op = 0; op < Math.Max(s, d); op++)
        {
            string? error = ConvGeometry.TryTransposeInputSize(o, k, s, p, p, d, op, out int input);
            if (error is not null) continue;
            Assert.Equal((o - 1) * s - 2 * p + d * (k - 1) + 1 + op, input);
            Assert.Equal(o, ConvGeometry.OutputSizeOf(input, k, s, p, p, d));
        }
        Assert.NotNull(ConvGeometry.TryTransposeInputSize(3, 3, 2, 0, 0, 1, 2, out _)); // output padding ≥ stride
    }

    [Fact]
    public void MeanOfTheUnfoldIsXTimesTheAveragedPatterns()
    {
        var spec = new ConvSpec(new[] { 3, 2 }, stride: new[] { 2, 1 }, padding: new ConvPadding[] { 1, 0 }, dilation: new[] { 1, 2 });
        int[] xs = { 2, 3, 9, 7 };
        var x = ConvOracle.Random(xs, 1);
        var u = ConvOracle.Unfold(x, xs, spec, out var us);
        var g = spec.Geometries(new[] { 9, 7 });
        var a = g[0].AveragedPattern();
        var b = g[1].AveragedPattern();
        int cols = us[2];
        for (int n = 0; n < 2; n++)
        for (int c = 0; c < 3; c++)
        for (int k1 = 0; k1 < 3; k1++)
        for (int k2 = 0; k2 < 2; k2++)
        {
            int row = (n * 3 + c) * 6 + k1 * 2 + k2;
            double mean = u.Skip(row * cols).Take(cols).Average();
            double viaPatterns = 0;
            for (int i1 = 0; i1 < 9; i1++)
            for (int i2 = 0; i2 < 7; i2++) viaPatterns += x[((n * 3 + c) * 9 + i1) * 7 + i2] * a[k1 * 9 + i1] * b[k2 * 7 + i2];
            Assert.Equal(mean, viaPatterns, 12);
        }
    }
}
