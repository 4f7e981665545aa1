using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using EinsumGen.Convolutions;
using EinsumGen.Tests.Convolutions;
using Xunit;

namespace EinsumGen.Tests.Conformance;

/// <summary>
/// The einconv reference's case lists that the older groups did not hold (f-dangel/einconv at 8cc761e, and branch
/// conv-transpose-expression for the transpose forward): test/utils_cases.py (output and input sizes, checked there against
/// conv1d / conv_transpose1d), the remaining functional conv cases (test/functionals/conv_cases.py: 3-d and the first 4-d,
/// with bias; the same grids are convNd_input_vjp_cases.py and convNd_weight_vjp_cases.py, whose 3-d "dilation" case has
/// x [2,3,50,40,40]), the module cases (test/modules/conv_cases.py: G = 3, mixed stride/padding/dilation, 'same' with an odd
/// total, 4-d to 6-d), the transpose forward cases (test/expressions/conv_transposeNd_forward_cases.py) and the simplifier's
/// prune/down-sampling unit tests (test/simplifications/test_opt.py). Every result against the direct-loop oracle in double.
/// </summary>
public class EinconvReferenceCasesTests
{
    private static ConvPadding[] P(params int[] p) => p.Select(v => ConvPadding.Symmetric(v)).ToArray();

    private static ConvPadding[] Same(int n) => Enumerable.Repeat(ConvPadding.Same, n).ToArray();

    private static int[] R(int n, int v) => Enumerable.Repeat(v, n).ToArray();

    /// <summary>OUTPUT_SIZE_CASES: (I, K, S, P, D) → O as conv1d gives it.</summary>
    [Theory]
    [InlineData(10, 3, 1, 1, 1, 10)]
    [InlineData(31, 3, 2, 10, 2, 24)]
    [InlineData(51, 4, 2, 10, 15, 13)]
    public void OutputSizesAreConv1ds(int input, int kernel, int stride, int padding, int dilation, int output)
    {
        Assert.Equal(output, ConvGeometry.OutputSizeOf(input, kernel, stride, padding, padding, dilation));
        Assert.Equal(output, ConvGeometry.Create(input, kernel, stride, padding, dilation).OutputSize);
        Assert.Equal(new[] { output }, ConvOracle.OutputSize(new ConvSpec(new[] { kernel }, new[] { stride }, P(padding), new[] { dilation }), new[] { input }));
    }

    /// <summary>INPUT_SIZE_CASES: (O, K, S, P, D, output padding) → I as conv_transpose1d gives it, and the transpose convolution's shape.</summary>
    [Theory]
    [InlineData(10, 3, 1, 1, 1, 0, 10)]
    [InlineData(11, 3, 2, 10, 2, 1, 6)]
    [InlineData(11, 4, 2, 10, 5, 0, 16)]
    public void InputSizesAreConvTranspose1ds(int output, int kernel, int stride, int padding, int dilation, int outputPadding, int input)
    {
        Assert.Null(ConvGeometry.TryTransposeInputSize(output, kernel, stride, padding, padding, dilation, outputPadding, out int size));
        Assert.Equal(input, size);
        var spec = new ConvSpec(new[] { kernel }, new[] { stride }, P(padding), new[] { dilation }, outputPadding: new[] { outputPadding });
        Assert.Equal(input, spec.TransposeGeometries(new[] { output })[0].InputSize);
        int[] xs = { 1, 2, output }, ws = { 2, 3, kernel };
        var x = ConvOracle.Random(xs, 1);
        var w = ConvOracle.Random(ws, 2);
        var expected = ConvOracle.TransposeForward(x, xs, w, ws, spec, new[] { input }, out var ys);
        Assert.Equal(new[] { 1, 3, input }, ys);
        ConvOracle.AssertClose(expected, Conv.TransposeForward(ConvOracle.ToTensor<double>(x, xs), ConvOracle.ToTensor<double>(w, ws), spec), ys, kernel * 2, "transpose conv");
    }

    public sealed record Case(string Name, int[] X, int[] W, ConvSpec Spec, int[] Y, bool Bias)
    {
        public override string ToString() => Name;
    }

    /// <summary>
    /// The functional and VJP cases not in <see cref="ConvCases.All"/> (x [2,3,50,40,30] and W [4,3,5,5,5] unless stated), and
    /// the first 4-d case. Result shapes as conv3d gives them.
    /// </summary>
    public static TheoryData<Case> FunctionalCases => new()
    {
        new("3d none", new[] { 2, 3, 50, 40, 30 }, new[] { 4, 3, 5, 5, 5 }, new ConvSpec(new[] { 5, 5, 5 }), new[] { 2, 4, 46, 36, 26 }, false),
        new("3d S=2 bias", new[] { 2, 3, 50, 40, 30 }, new[] { 4, 3, 5, 5, 5 }, new ConvSpec(new[] { 5, 5, 5 }, stride: R(3, 2)), new[] { 2, 4, 23, 18, 13 }, true),
        new("3d P=2 bias", new[] { 2, 3, 50, 40, 30 }, new[] { 4, 3, 5, 6, 7 }, new ConvSpec(new[] { 5, 6, 7 }, padding: P(2, 2, 2)), new[] { 2, 4, 50, 39, 28 }, true),
        new("3d D=2, x [2,3,50,40,40]", new[] { 2, 3, 50, 40, 40 }, new[] { 4, 3, 5, 6, 7 }, new ConvSpec(new[] { 5, 6, 7 }, dilation: R(3, 2)), new[] { 2, 4, 42, 30, 28 }, false),
        new("3d same D=(1,2,2) bias", new[] { 2, 3, 50, 40, 30 }, new[] { 4, 3, 5, 3, 2 }, new ConvSpec(new[] { 5, 3, 2 }, padding: Same(3), dilation: new[] { 1, 2, 2 }),
            new[] { 2, 4, 50, 40, 30 }, true),
        new("4d none bias", new[] { 2, 3, 25, 20, 15, 10 }, new[] { 4, 3, 5, 5, 5, 5 }, new ConvSpec(new[] { 5, 5, 5, 5 }), new[] { 2, 4, 21, 16, 11, 6 }, true),
    };

    /// <summary>Forward (with the case's bias), input VJP and weight VJP, float and double, simplified and (where the columns stay small) not.</summary>
    [Theory]
    [MemberData(nameof(FunctionalCases))]
    public void FunctionalCasesMatchTheOracle(Case c)
    {
        var x = ConvOracle.Random(c.X, 0);
        var w = ConvOracle.Random(c.W, 1);
        var bias = ConvOracle.Random(new[] { c.W[0] }, 2);
        var y = ConvOracle.Forward(x, c.X, w, c.W, c.Spec, out var ys);
        Assert.Equal(c.Y, ys);
        var v = ConvOracle.Random(ys, 3);
        double loss = ConvGradientTests.Dot(v, y);
        var withBias = (double[])y.Clone();
        if (c.Bias)
        {
            int plane = ys.Skip(2).Aggregate(1, (a, b) => a * b);
            for (int i = 0; i < withBias.Length; i++) withBias[i] += bias[i / plane % c.W[0]];
        }
        long terms = c.W.Skip(1).Aggregate(1L, (a, b) => a * b);
        foreach (bool simplify in Columns(c, ys) <= 1 << 22 ? new[] { true, false } : new[] { true })
        {
            var spec = c.Spec.WithSimplify(simplify);
            Check<float>(c, spec, x, w, bias, v, withBias, loss, terms, simplify);
            Check<double>(c, spec, x, w, bias, v, withBias, loss, terms, simplify);
        }
    }

    /// <summary>
    /// The elements of the columns the network as built unfolds (x's channels × taps × output positions × batch): it runs
    /// only where they stay under 2^22 (the 3-d 5×5×5 cases hold 32 M).
    /// </summary>
    private static long Columns(Case c, int[] ys) =>
        (long)c.X[0] * c.X[1] * c.W.Skip(2).Aggregate(1L, (a, b) => a * b) * ys.Skip(2).Aggregate(1L, (a, b) => a * b);

    private static void Check<T>(Case c, ConvSpec spec, double[] x, double[] w, double[] bias, double[] v, double[] expected, double loss, long terms, bool simplify)
        where T : unmanaged, INumberBase<T>
    {
        string context = $"{c} {typeof(T).Name} simplify={simplify}";
        var xt = ConvOracle.ToTensor<T>(x, c.X);
        var wt = ConvOracle.ToTensor<T>(w, c.W);
        var vt = ConvOracle.ToTensor<T>(v, c.Y);
        var y = Conv.Forward(xt, wt, spec, c.Bias ? ConvOracle.ToTensor<T>(bias, new[] { c.W[0] }) : null);
        ConvOracle.AssertClose(expected, y, c.Y, terms, context + " forward");
        var gx = ConvOracle.ToDoubles(Conv.InputVjp(vt, wt, spec, c.X.Skip(2).ToArray()));
        var gw = ConvOracle.ToDoubles(Conv.WeightVjp(xt, vt, spec));
        double tolerance = typeof(T) == typeof(float) ? 1e-4 : 1e-10;
        ConvGradientTests.Near(loss, ConvGradientTests.Dot(gx, x), tolerance, context + ": ⟨VJP_x(v), x⟩ = ⟨v, y⟩");
        ConvGradientTests.Near(loss, ConvGradientTests.Dot(gw, w), tolerance, context + ": ⟨VJP_W(v), W⟩ = ⟨v, y⟩");
    }

    /// <summary>
    /// CONV_{1..6}D_CASES of the module tests (in_channels, out_channels, kernel, stride, padding, dilation, groups, bias), with
    /// the result shapes nn.ConvNd gives. The large ones check every sample-th output position.
    /// </summary>
    public static TheoryData<Case, int> ModuleCases => new()
    {
        { new("m1d 3->4 K5", new[] { 2, 3, 50 }, new[] { 4, 3, 5 }, new ConvSpec(new[] { 5 }), new[] { 2, 4, 46 }, false), 1 },
        { new("m1d 3->9 K5 S2 P1 D2 G3", new[] { 2, 3, 50 }, new[] { 9, 1, 5 }, new ConvSpec(new[] { 5 }, new[] { 2 }, P(1), new[] { 2 }, 3), new[] { 2, 9, 22 }, true), 1 },
        { new("m1d 6->9 K5 S2 P1 D2 G3", new[] { 2, 6, 99 }, new[] { 9, 2, 5 }, new ConvSpec(new[] { 5 }, new[] { 2 }, P(1), new[] { 2 }, 3), new[] { 2, 9, 47 }, true), 1 },
        { new("m1d 6->9 K5 same D2 G3", new[] { 2, 6, 71 }, new[] { 9, 2, 5 }, new ConvSpec(new[] { 5 }, padding: Same(1), dilation: new[] { 2 }, groups: 3),
            new[] { 2, 9, 71 }, true), 1 },
        { new("m2d 3->4 K5", new[] { 2, 3, 50, 40 }, new[] { 4, 3, 5, 5 }, new ConvSpec(new[] { 5, 5 }), new[] { 2, 4, 46, 36 }, false), 1 },
        { new("m2d 3->9 K5 S2 P1 D2 G3", new[] { 2, 3, 50, 45 }, new[] { 9, 1, 5, 5 }, new ConvSpec(new[] { 5, 5 }, R(2, 2), P(1, 1), R(2, 2), 3),
            new[] { 2, 9, 22, 20 }, true), 1 },
        { new("m2d 6->9 K(5,4) S(2,3) P(1,0) D(2,1) G3", new[] { 2, 6, 99, 88 }, new[] { 9, 2, 5, 4 },
            new ConvSpec(new[] { 5, 4 }, new[] { 2, 3 }, P(1, 0), new[] { 2, 1 }, 3), new[] { 2, 9, 47, 29 }, true), 1 },
        { new("m2d 6->9 K(5,4) same D(1,2) G3", new[] { 2, 6, 63, 52 }, new[] { 9, 2, 5, 4 },
            new ConvSpec(new[] { 5, 4 }, padding: Same(2), dilation: new[] { 1, 2 }, groups: 3), new[] { 2, 9, 63, 52 }, true), 1 },
        { new("m3d 3->4 K5", new[] { 2, 3, 20, 15, 10 }, new[] { 4, 3, 5, 5, 5 }, new ConvSpec(new[] { 5, 5, 5 }), new[] { 2, 4, 16, 11, 6 }, false), 1 },
        { new("m3d 3->9 K5 S2 P1 D2 G3", new[] { 2, 3, 50, 45, 40 }, new[] { 9, 1, 5, 5, 5 }, new ConvSpec(new[] { 5, 5, 5 }, R(3, 2), P(1, 1, 1), R(3, 2), 3),
            new[] { 2, 9, 22, 20, 17 }, true), 1 },
        { new("m3d 6->9 K(5,4,3) S(2,3,2) P(1,0,2) D(2,1,3) G3", new[] { 2, 6, 99, 88, 77 }, new[] { 9, 2, 5, 4, 3 },
            new ConvSpec(new[] { 5, 4, 3 }, new[] { 2, 3, 2 }, P(1, 0, 2), new[] { 2, 1, 3 }, 3), new[] { 2, 9, 47, 29, 38 }, true), 7 },
        { new("m3d 6->9 K(5,4,3) same D(2,1,3) G3", new[] { 2, 6, 37, 41, 28 }, new[] { 9, 2, 5, 4, 3 },
            new ConvSpec(new[] { 5, 4, 3 }, padding: Same(3), dilation: new[] { 2, 1, 3 }, groups: 3), new[] { 2, 9, 37, 41, 28 }, true), 7 },
        { new("m4d 3->4 K5", new[] { 2, 3, 25, 20, 15, 10 }, new[] { 4, 3, 5, 5, 5, 5 }, new ConvSpec(new[] { 5, 5, 5, 5 }), new[] { 2, 4, 21, 16, 11, 6 }, false), 11 },
        { new("m4d 2->4 K(5,5,4,3) S(2,3,2,1) P(2,0,2,1) D(2,1,3,2) G2", new[] { 2, 2, 40, 35, 30, 25 }, new[] { 4, 1, 5, 5, 4, 3 },
            new ConvSpec(new[] { 5, 5, 4, 3 }, new[] { 2, 3, 2, 1 }, P(2, 0, 2, 1), new[] { 2, 1, 3, 2 }, 2), new[] { 2, 4, 18, 11, 13, 23 }, true), 11 },
        { new("m4d 2->4 K(5,5,4,3) same D(2,1,3,2) G2", new[] { 2, 2, 21, 26, 33, 17 }, new[] { 4, 1, 5, 5, 4, 3 },
            new ConvSpec(new[] { 5, 5, 4, 3 }, padding: Same(4), dilation: new[] { 2, 1, 3, 2 }, groups: 2), new[] { 2, 4, 21, 26, 33, 17 }, true), 11 },
        { new("m5d 3->4 K3", new[] { 2, 3, 15, 10, 8, 6, 5 }, new[] { 4, 3, 3, 3, 3, 3, 3 }, new ConvSpec(R(5, 3)), new[] { 2, 4, 13, 8, 6, 4, 3 }, false), 11 },
        { new("m5d 2->4 K(5,4,2,3,4) S(4,3,1,2,4) P(0,1,0,0,0) G2", new[] { 2, 2, 20, 15, 10, 15, 20 }, new[] { 4, 1, 5, 4, 2, 3, 4 },
            new ConvSpec(new[] { 5, 4, 2, 3, 4 }, new[] { 4, 3, 1, 2, 4 }, P(0, 1, 0, 0, 0), groups: 2), new[] { 2, 4, 4, 5, 9, 7, 5 }, false), 3 },
        { new("m6d 3->4 K3", new[] { 2, 3, 15, 10, 8, 6, 5, 5 }, new[] { 4, 3, 3, 3, 3, 3, 3, 3 }, new ConvSpec(R(6, 3)), new[] { 2, 4, 13, 8, 6, 4, 3, 3 }, false), 11 },
    };

    [Theory]
    [MemberData(nameof(ModuleCases))]
    public void ModuleCasesMatchTheOracle(Case c, int sample)
    {
        var x = ConvOracle.Random(c.X, 0);
        var w = ConvOracle.Random(c.W, 1);
        var bias = ConvOracle.Random(new[] { c.W[0] }, 2);
        var expected = ConvOracle.Forward(x, c.X, w, c.W, c.Spec, out var ys, sample);
        Assert.Equal(c.Y, ys);
        if (c.Bias)
        {
            int plane = ys.Skip(2).Aggregate(1, (a, b) => a * b);
            for (int i = 0; i < expected.Length; i++) expected[i] += bias[i / plane % c.W[0]];
        }
        long terms = c.W.Skip(1).Aggregate(1L, (a, b) => a * b);
        foreach (bool simplify in Columns(c, ys) <= 1 << 22 ? new[] { true, false } : new[] { true })
        {
            var spec = c.Spec.WithSimplify(simplify);
            var yf = Conv.Forward(ConvOracle.ToTensor<float>(x, c.X), ConvOracle.ToTensor<float>(w, c.W), spec, c.Bias ? ConvOracle.ToTensor<float>(bias, new[] { c.W[0] }) : null);
            ConvOracle.AssertClose(expected, yf, c.Y, terms, $"{c} float simplify={simplify}");
            var yd = Conv.Forward(ConvOracle.ToTensor<double>(x, c.X), ConvOracle.ToTensor<double>(w, c.W), spec, c.Bias ? ConvOracle.ToTensor<double>(bias, new[] { c.W[0] }) : null);
            ConvOracle.AssertClose(expected, yd, c.Y, terms, $"{c} double simplify={simplify}");
        }
    }

    /// <summary>
    /// FORWARD_1D_CASES of the transpose convolution (x [2,3,10], W [3,4,5] as conv_transpose1d's [C_in, C_out/G, K] unless
    /// stated), with the result shapes conv_transpose1d gives.
    /// </summary>
    [Theory]
    [InlineData(new[] { 2, 3, 10 }, new[] { 3, 4, 5 }, 1, 0, 1, 1, 14)]
    [InlineData(new[] { 2, 3, 10 }, new[] { 3, 4, 5 }, 2, 0, 1, 1, 23)]
    [InlineData(new[] { 2, 4, 10 }, new[] { 4, 2, 5 }, 3, 0, 1, 2, 32)]
    [InlineData(new[] { 2, 3, 10 }, new[] { 3, 4, 5 }, 1, 2, 1, 1, 10)]
    [InlineData(new[] { 2, 3, 10 }, new[] { 3, 4, 5 }, 3, 2, 1, 1, 28)]
    [InlineData(new[] { 2, 3, 10 }, new[] { 3, 4, 5 }, 1, 0, 2, 1, 18)]
    public void TransposeForwardCasesMatchTheOracle(int[] xs, int[] ws, int stride, int padding, int dilation, int groups, int length)
    {
        var spec = new ConvSpec(new[] { 5 }, new[] { stride }, P(padding), new[] { dilation }, groups);
        var input = new[] { spec.TransposeGeometries(new[] { xs[2] })[0].InputSize };
        Assert.Equal(length, input[0]);
        var x = ConvOracle.Random(xs, 0);
        var w = ConvOracle.Random(ws, 1);
        var expected = ConvOracle.TransposeForward(x, xs, w, ws, spec, input, out var ys);
        Assert.Equal(new[] { xs[0], ws[1] * groups, length }, ys);
        foreach (bool simplify in new[] { true, false })
        {
            var s = spec.WithSimplify(simplify);
            ConvOracle.AssertClose(expected, Conv.TransposeForward(ConvOracle.ToTensor<float>(x, xs), ConvOracle.ToTensor<float>(w, ws), s), ys, 5 * xs[1], $"float simplify={simplify}");
            ConvOracle.AssertClose(expected, Conv.TransposeForward(ConvOracle.ToTensor<double>(x, xs), ConvOracle.ToTensor<double>(w, ws), s), ys, 5 * xs[1], $"double simplify={simplify}");
        }
    }

    private static ConvNetwork Net(string spec, Dictionary<char, int> sizes, params ConvTerm[] leading)
    {
        var parts = spec.Split("->");
        var inputs = parts[0].Split(',');
        var terms = leading.ToList();
        for (int t = terms.Count; t < inputs.Length; t++) terms.Add(new ConvTerm(ConvTermKind.Operand, "t" + t, inputs[t].Select(ch => ch.ToString())));
        return new ConvNetwork(terms, parts[1].Select(ch => ch.ToString()).ToList(), sizes.ToDictionary(p => p.Key.ToString(), p => p.Value));
    }

    private static ConvTerm Identity(string legs, int size) => new(ConvTermKind.Identity, "δ", legs.Select(ch => ch.ToString())) { IdentitySize = size };

    /// <summary>test_opt.py's prune tests: the equations the reference's <c>prune_identities</c> leaves, and the same numbers.</summary>
    [Theory]
    [InlineData("ij,j->i", 1, "j->j")]                 // test_prune_one_identity
    [InlineData("ij,jk,k->i", 2, "k->k")]              // test_prune_two_identities
    [InlineData("ij,kl->ijkl", 2, "ij,kl->ijkl")]      // test_prune_unprunable_identity
    [InlineData("ij,kl->ij", 2, "ij,k->ij")]           // test_replace_self_contracting_identities
    [InlineData("ij,ij,j->i", 2, "j->j")]              // test_remove_duplicate_identities, then pruned as the others
    public void PruningLeavesTheReferencesEquations(string equation, int identities, string expected)
    {
        var sizes = equation.Where(char.IsLetter).Distinct().ToDictionary(ch => ch, _ => 10);
        var inputs = equation.Split("->")[0].Split(',');
        var net = Net(equation, sizes, inputs.Take(identities).Select(legs => Identity(legs, 10)).ToArray());
        var pruned = net.Clone();
        ConvSimplifier.PruneIdentities(pruned);
        Assert.Equal(expected, pruned.ToEinsum());
        var v = TestData.Random<double>(new[] { 10 }, 1);
        var before = TestData.Flatten(ConvExecutor.Run(net, _ => v));
        var after = TestData.Flatten(ConvExecutor.Run(pruned, _ => v));
        ConvOracle.AssertClose(before, after, 10, false, equation);
    }

    /// <summary>
    /// test_simplify_downsampling: Π(I=9, K=2, S=3) in <c>i,koi->ko</c>; the rule alone keeps the equation and its two
    /// operands (x narrowed to the positions the kernel reads, Π now the dense Π(6, 2, 2)), with the same numbers.
    /// </summary>
    [Fact]
    public void DownsamplingAloneKeepsTheEquation()
    {
        var g = ConvGeometry.Create(9, 2, 3, 0, 1);
        var net = new ConvNetwork(new List<ConvTerm>
        {
            new(ConvTermKind.Operand, "v", new[] { "i" }), ConvNetworks.Pattern(0, g, "k", "o", "i"),
        }, new List<string> { "k", "o" }, new Dictionary<string, int> { ["i"] = 9, ["k"] = 2, ["o"] = 3 });
        var simplified = net.Clone();
        ConvSimplifier.SimplifyDownsampling(simplified);
        Assert.Equal("i,koi->ko", simplified.ToEinsum());
        Assert.Equal(2, simplified.Terms.Count);
        var pattern = simplified.Terms.Single(t => t.Kind == ConvTermKind.Pattern).Geometry!;
        Assert.Equal((6, 2, 2, 3), (pattern.InputSize, pattern.KernelSize, pattern.Stride, pattern.OutputSize));
        Assert.True(pattern.IsDense);
        var v = TestData.Random<double>(new[] { 9 }, 2);
        ConvOracle.AssertClose(TestData.Flatten(ConvExecutor.Run(net, _ => v)), TestData.Flatten(ConvExecutor.Run(simplified, _ => v)), 1, false, "down-sampling");
    }
}
