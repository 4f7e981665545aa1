using System.Linq;
using EinsumGen.Convolutions;
using Xunit;

namespace EinsumGen.Tests.Convolutions;

/// <summary>Unfold against a direct im2col loop, fold as its adjoint, transpose-unfold and transpose convolution against direct loops.</summary>
public class ConvUnfoldTests
{
    public static TheoryData<int[], ConvSpec> UnfoldCases()
    {
        // The reference's unfold cases: x [2,3,50] / [2,3,50,40] / [2,3,50,40,30]; K 1, 2, 3 or (3,2) or (4,3,2), with D=2, P=1, S=2.
        var data = new TheoryData<int[], ConvSpec>();
        int[][] shapes = { new[] { 2, 3, 50 }, new[] { 2, 3, 50, 40 }, new[] { 2, 3, 50, 40, 30 } };
        int[][] big = { new[] { 3 }, new[] { 3, 2 }, new[] { 4, 3, 2 } };
        for (int n = 1; n <= 3; n++)
        {
            foreach (var kernel in new[] { Enumerable.Repeat(1, n).ToArray(), Enumerable.Repeat(2, n).ToArray(), big[n - 1] })
            {
                data.Add(shapes[n - 1], new ConvSpec(kernel));
                data.Add(shapes[n - 1], new ConvSpec(kernel, stride: Enumerable.Repeat(2, n).ToArray(), padding: Enumerable.Repeat((ConvPadding)1, n).ToArray(),
                    dilation: Enumerable.Repeat(2, n).ToArray()));
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(UnfoldCases))]
    public void UnfoldMatchesIm2colAndFoldIsItsAdjoint(int[] xs, ConvSpec spec)
    {
        var x = ConvOracle.Random(xs, 0);
        var expected = ConvOracle.Unfold(x, xs, spec, out var us);
        foreach (bool simplify in new[] { true, false })
        {
            var s = spec.WithSimplify(simplify);
            var u = Conv.Unfold(ConvOracle.ToTensor<float>(x, xs), s);
            ConvOracle.AssertClose(expected, u, us, 1, $"unfold float simplify={simplify}");
            var ud = Conv.Unfold(ConvOracle.ToTensor<double>(x, xs), s);
            ConvOracle.AssertClose(expected, ud, us, 1, $"unfold double simplify={simplify}");

            // <unfold x, y> = <x, fold y>
            var y = ConvOracle.Random(us, 1);
            var folded = ConvOracle.ToDoubles(Conv.Fold(ConvOracle.ToTensor<double>(y, us), s, xs.Skip(2).ToArray()));
            Assert.Equal(x.Length, folded.Length);
            ConvGradientTests.Near(ConvGradientTests.Dot(expected, y), ConvGradientTests.Dot(x, folded), 1e-12, $"fold adjoint simplify={simplify}");
        }
    }

    public static TheoryData<int[], ConvSpec> TransposeCases() => new()
    {
        // The reference's transpose-unfold cases.
        { new[] { 5, 2, 9 }, new ConvSpec(new[] { 3 }, stride: new[] { 2 }, padding: new ConvPadding[] { 1 }, dilation: new[] { 2 }, outputPadding: new[] { 1 }) },
        { new[] { 5, 2, 9, 7 }, new ConvSpec(new[] { 3, 2 }, stride: new[] { 2, 1 }, padding: new ConvPadding[] { 1, 0 }, dilation: new[] { 2, 2 },
            outputPadding: new[] { 1, 0 }) },
        { new[] { 5, 2, 9, 7, 6 }, new ConvSpec(new[] { 3, 2, 4 }, stride: new[] { 2, 1, 3 }, padding: new ConvPadding[] { 1, 0, 2 }, dilation: new[] { 2, 2, 1 },
            outputPadding: new[] { 1, 0, 2 }) },
        // The reference's K = 1 cases (default stride, padding and dilation).
        { new[] { 2, 3, 50 }, new ConvSpec(new[] { 1 }) },
        { new[] { 2, 3, 10, 10 }, new ConvSpec(new[] { 1, 1 }) },
        { new[] { 2, 3, 10, 10, 10 }, new ConvSpec(new[] { 1, 1, 1 }) },
        // Dense (K = S): simplified to identities.
        { new[] { 2, 4, 4, 5 }, new ConvSpec(new[] { 2, 2 }, stride: new[] { 2, 2 }) },
    };

    [Theory]
    [MemberData(nameof(TransposeCases))]
    public void TransposeUnfoldAndTransposeConvolutionMatchDirectLoops(int[] xs, ConvSpec spec)
    {
        int n = xs.Length - 2;
        var x = ConvOracle.Random(xs, 0);
        var input = spec.TransposeGeometries(xs.Skip(2).ToArray()).Select(g => g.InputSize).ToArray();
        int taps = spec.KernelSize.Aggregate(1, (a, b) => a * b), positions = input.Aggregate(1, (a, b) => a * b);
        var expected = ConvOracle.TransposeUnfold(x, xs, spec, input);
        var us = new[] { xs[0], xs[1] * taps, positions };

        // Transpose convolution: x [N, C_in, O…], W [C_in, C_out/G, K…], and G = 1 and 2 where it divides C_in.
        foreach (int groups in new[] { 1, 2 }.Where(g => xs[1] % g == 0))
        {
            var gspec = new ConvSpec(spec.KernelSize.ToArray(), spec.Stride.ToArray(), spec.Padding.ToArray(), spec.Dilation.ToArray(), groups, spec.OutputPadding.ToArray());
            var ws = new[] { xs[1], 4 / groups }.Concat(spec.KernelSize).ToArray();
            var w = ConvOracle.Random(ws, 5);
            var y = ConvOracle.TransposeForward(x, xs, w, ws, gspec, input, out var ys);
            foreach (bool simplify in new[] { true, false })
            {
                var s = gspec.WithSimplify(simplify);
                var u = Conv.TransposeUnfold(ConvOracle.ToTensor<double>(x, xs), s);
                ConvOracle.AssertClose(expected, u, us, 1, $"transpose-unfold simplify={simplify}");
                var yt = Conv.TransposeForward(ConvOracle.ToTensor<double>(x, xs), ConvOracle.ToTensor<double>(w, ws), s);
                ConvOracle.AssertClose(y, yt, ys, taps * xs[1], $"transpose forward G={groups} simplify={simplify}");
                var yf = Conv.TransposeForward(ConvOracle.ToTensor<float>(x, xs), ConvOracle.ToTensor<float>(w, ws), s);
                ConvOracle.AssertClose(y, yf, ys, taps * xs[1], $"transpose forward float G={groups} simplify={simplify}");
            }

            // The transpose convolution is the input VJP of the convolution it transposes (whose weight [C_out, C_in, K…]
            // is the transpose's [C_in, C_out, K…] as it stands).
            if (groups == 1)
            {
                var conv = new ConvSpec(spec.KernelSize.ToArray(), spec.Stride.ToArray(), spec.Padding.ToArray(), spec.Dilation.ToArray());
                var vjp = Conv.InputVjp(ConvOracle.ToTensor<double>(x, xs), ConvOracle.ToTensor<double>(w, ws), conv, input);
                ConvOracle.AssertClose(y, vjp, ys, taps * xs[1], "transpose forward = input VJP");
            }
        }
        Assert.Equal(n, input.Length);
    }
}
