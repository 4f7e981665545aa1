using System;
using System.Linq;
using System.Numerics;
using EinsumGen.Convolutions;
using Xunit;
using static EinsumGen.Tests.Convolutions.ConvCases;

namespace EinsumGen.Tests.Convolutions;

/// <summary>
/// Input and weight VJPs and JVPs of the 1-d to 3-d §7 cases: against central finite differences of the oracle (exact up
/// to rounding, the convolution being bilinear), against each other through the transpose relations
/// ⟨v, conv(x, W)⟩ = ⟨VJP_x(v), x⟩ = ⟨VJP_W(v), W⟩, and with simplification on and off.
/// </summary>
public class ConvGradientTests
{
    [Theory]
    [MemberData(nameof(Low), MemberType = typeof(ConvCases))]
    public void VjpsAgreeWithFiniteDifferencesAndTransposeRelations(Case c)
    {
        var (x, w) = Inputs(c);
        var v = ConvOracle.Random(c.Y, 2);
        var dx = ConvOracle.Random(c.X, 3);
        var dw = ConvOracle.Random(c.W, 4);
        double Loss(double[] xs, double[] ws) => Dot(v, ConvOracle.Forward(xs, c.X, ws, c.W, c.Spec, out _));
        const double h = 1e-3;
        double fdX = (Loss(Axpy(x, dx, h), w) - Loss(Axpy(x, dx, -h), w)) / (2 * h);
        double fdW = (Loss(x, Axpy(w, dw, h)) - Loss(x, Axpy(w, dw, -h))) / (2 * h);
        double loss = Loss(x, w);

        foreach (bool simplify in new[] { true, false })
        {
            var spec = c.Spec.WithSimplify(simplify);
            var gx = ConvOracle.ToDoubles(Conv.InputVjp(ConvOracle.ToTensor<double>(v, c.Y), ConvOracle.ToTensor<double>(w, c.W), spec, c.X.Skip(2).ToArray()));
            var gw = ConvOracle.ToDoubles(Conv.WeightVjp(ConvOracle.ToTensor<double>(x, c.X), ConvOracle.ToTensor<double>(v, c.Y), spec));
            Assert.Equal(x.Length, gx.Length);
            Assert.Equal(w.Length, gw.Length);
            Near(fdX, Dot(gx, dx), 1e-7, $"{c} simplify={simplify}: ⟨VJP_x, dx⟩ vs finite differences");
            Near(fdW, Dot(gw, dw), 1e-7, $"{c} simplify={simplify}: ⟨VJP_W, dW⟩ vs finite differences");
            Near(loss, Dot(gx, x), 1e-10, $"{c} simplify={simplify}: ⟨VJP_x(v), x⟩ = ⟨v, y⟩");
            Near(loss, Dot(gw, w), 1e-10, $"{c} simplify={simplify}: ⟨VJP_W(v), W⟩ = ⟨v, y⟩");

            // Float against the double result.
            var gxf = ConvOracle.ToDoubles(Conv.InputVjp(ConvOracle.ToTensor<float>(v, c.Y), ConvOracle.ToTensor<float>(w, c.W), spec, c.X.Skip(2).ToArray()));
            var gwf = ConvOracle.ToDoubles(Conv.WeightVjp(ConvOracle.ToTensor<float>(x, c.X), ConvOracle.ToTensor<float>(v, c.Y), spec));
            ConvOracle.AssertClose(gx, gxf, Terms(c) * 4, true, $"{c} float input VJP");
            ConvOracle.AssertClose(gw, gwf, c.Y.Aggregate(1L, (a, b) => a * b) / c.Y[1], true, $"{c} float weight VJP");
        }
    }

    [Theory]
    [MemberData(nameof(Low), MemberType = typeof(ConvCases))]
    public void JvpsAgreeWithFiniteDifferences(Case c)
    {
        var (x, w) = Inputs(c);
        var dx = ConvOracle.Random(c.X, 3);
        var dw = ConvOracle.Random(c.W, 4);
        const double h = 1e-3;
        var yPlus = ConvOracle.Forward(Axpy(x, dx, h), c.X, w, c.W, c.Spec, out _);
        var yMinus = ConvOracle.Forward(Axpy(x, dx, -h), c.X, w, c.W, c.Spec, out _);
        var fdX = yPlus.Zip(yMinus, (p, m) => (p - m) / (2 * h)).ToArray();
        yPlus = ConvOracle.Forward(x, c.X, Axpy(w, dw, h), c.W, c.Spec, out _);
        yMinus = ConvOracle.Forward(x, c.X, Axpy(w, dw, -h), c.W, c.Spec, out _);
        var fdW = yPlus.Zip(yMinus, (p, m) => (p - m) / (2 * h)).ToArray();

        var jx = Conv.InputJvp(ConvOracle.ToTensor<double>(dx, c.X), ConvOracle.ToTensor<double>(w, c.W), c.Spec);
        var jw = Conv.WeightJvp(ConvOracle.ToTensor<double>(x, c.X), ConvOracle.ToTensor<double>(dw, c.W), c.Spec);
        // Finite differences of a bilinear map are exact but for rounding: ~1e-16·|y|/h.
        ConvOracle.AssertClose(fdX, ConvOracle.ToDoubles(jx), (long)1e6, false, $"{c} input JVP");
        ConvOracle.AssertClose(fdW, ConvOracle.ToDoubles(jw), (long)1e6, false, $"{c} weight JVP");
    }

    internal static double Dot(double[] a, double[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    internal static double[] Axpy(double[] a, double[] d, double h) => a.Zip(d, (p, q) => p + h * q).ToArray();

    internal static void Near(double expected, double actual, double relative, string context)
    {
        double tol = relative * Math.Max(1, Math.Abs(expected));
        if (!(Math.Abs(expected - actual) <= tol)) Assert.Fail($"{context}: {actual} vs {expected} (tolerance {tol:g3})");
    }
}
