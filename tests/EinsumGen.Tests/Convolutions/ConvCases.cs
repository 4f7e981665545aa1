using System.Collections.Generic;
using System.Linq;
using EinsumGen.Convolutions;
using Xunit;

namespace EinsumGen.Tests.Convolutions;

/// <summary>
/// The convolution cases of the design note's §7 (the reference implementation's held-out cases, with the result shapes
/// it expects), copied here so the tests carry their own data, plus G=3 cases in the style of its module tests.
/// </summary>
public static class ConvCases
{
    public sealed record Case(string Name, int[] X, int[] W, ConvSpec Spec, int[] Y)
    {
        public override string ToString() => Name;
    }

    private static ConvPadding[] P(params int[] p) => p.Select(v => ConvPadding.Symmetric(v)).ToArray();

    private static ConvPadding[] Same(int n) => Enumerable.Repeat(ConvPadding.Same, n).ToArray();

    private static int[] R(int n, int v) => Enumerable.Repeat(v, n).ToArray();

    public static readonly Case[] All =
    {
        // 1-d: x [2,3,50], W [4,3,5] unless stated.
        new("1d none", new[] { 2, 3, 50 }, new[] { 4, 3, 5 }, new ConvSpec(new[] { 5 }), new[] { 2, 4, 46 }),
        new("1d S=2", new[] { 2, 3, 50 }, new[] { 4, 3, 5 }, new ConvSpec(new[] { 5 }, stride: new[] { 2 }), new[] { 2, 4, 23 }),
        new("1d S=3 G=2", new[] { 2, 4, 50 }, new[] { 6, 2, 5 }, new ConvSpec(new[] { 5 }, stride: new[] { 3 }, groups: 2), new[] { 2, 6, 16 }),
        new("1d P=2", new[] { 2, 3, 50 }, new[] { 4, 3, 5 }, new ConvSpec(new[] { 5 }, padding: P(2)), new[] { 2, 4, 50 }),
        new("1d P=(2,) S=(3,)", new[] { 2, 3, 50 }, new[] { 4, 3, 5 }, new ConvSpec(new[] { 5 }, stride: new[] { 3 }, padding: P(2)), new[] { 2, 4, 17 }),
        new("1d D=2", new[] { 2, 3, 50 }, new[] { 4, 3, 5 }, new ConvSpec(new[] { 5 }, dilation: new[] { 2 }), new[] { 2, 4, 42 }),
        new("1d same", new[] { 2, 3, 20 }, new[] { 4, 3, 5 }, new ConvSpec(new[] { 5 }, padding: Same(1)), new[] { 2, 4, 20 }),
        // 2-d: x [2,3,50,40], W [4,3,5,5] unless stated.
        new("2d none", new[] { 2, 3, 50, 40 }, new[] { 4, 3, 5, 5 }, new ConvSpec(new[] { 5, 5 }), new[] { 2, 4, 46, 36 }),
        new("2d S=2", new[] { 2, 3, 50, 40 }, new[] { 4, 3, 5, 5 }, new ConvSpec(new[] { 5, 5 }, stride: R(2, 2)), new[] { 2, 4, 23, 18 }),
        new("2d S=3 G=2", new[] { 2, 4, 50, 40 }, new[] { 6, 2, 5, 5 }, new ConvSpec(new[] { 5, 5 }, stride: R(2, 3), groups: 2), new[] { 2, 6, 16, 12 }),
        new("2d P=2", new[] { 2, 3, 50, 40 }, new[] { 4, 3, 5, 6 }, new ConvSpec(new[] { 5, 6 }, padding: P(2, 2)), new[] { 2, 4, 50, 39 }),
        new("2d P=(2,1) S=(3,2) D=(1,2)", new[] { 2, 3, 50, 40 }, new[] { 4, 3, 5, 3 },
            new ConvSpec(new[] { 5, 3 }, stride: new[] { 3, 2 }, padding: P(2, 1), dilation: new[] { 1, 2 }), new[] { 2, 4, 17, 19 }),
        new("2d D=2", new[] { 2, 3, 50, 40 }, new[] { 4, 3, 5, 6 }, new ConvSpec(new[] { 5, 6 }, dilation: R(2, 2)), new[] { 2, 4, 42, 30 }),
        new("2d same D=(1,2)", new[] { 2, 3, 50, 40 }, new[] { 4, 3, 5, 3 }, new ConvSpec(new[] { 5, 3 }, padding: Same(2), dilation: new[] { 1, 2 }),
            new[] { 2, 4, 50, 40 }),
        // 3-d.
        new("3d P=(2,1,0) S=(3,2,1) D=(1,2,3)", new[] { 2, 3, 50, 40, 30 }, new[] { 4, 3, 5, 3, 2 },
            new ConvSpec(new[] { 5, 3, 2 }, stride: new[] { 3, 2, 1 }, padding: P(2, 1, 0), dilation: new[] { 1, 2, 3 }), new[] { 2, 4, 17, 19, 27 }),
        new("3d S=3 G=2", new[] { 2, 4, 50, 40, 30 }, new[] { 6, 2, 5, 5, 5 }, new ConvSpec(new[] { 5, 5, 5 }, stride: R(3, 3), groups: 2),
            new[] { 2, 6, 16, 12, 9 }),
        // G=3 with 'same' and mixed dilations (the module tests' kind).
        new("1d G=3 same D=2", new[] { 2, 6, 20 }, new[] { 9, 2, 4 }, new ConvSpec(new[] { 4 }, padding: Same(1), dilation: new[] { 2 }, groups: 3),
            new[] { 2, 9, 20 }),
        new("2d G=3 same D=(1,2)", new[] { 2, 3, 12, 10 }, new[] { 6, 1, 3, 2 }, new ConvSpec(new[] { 3, 2 }, padding: Same(2), dilation: new[] { 1, 2 }, groups: 3),
            new[] { 2, 6, 12, 10 }),
        new("3d G=3 S=2 P=1", new[] { 1, 6, 9, 8, 7 }, new[] { 3, 2, 3, 3, 2 }, new ConvSpec(new[] { 3, 3, 2 }, stride: R(3, 2), padding: P(1, 1, 1), groups: 3),
            new[] { 1, 3, 5, 4, 4 }),
    };

    /// <summary>4-d to 6-d (the reference checks these against JAX).</summary>
    public static readonly Case[] HighDimensional =
    {
        new("4d P S D G=2", new[] { 2, 2, 40, 35, 30, 25 }, new[] { 4, 1, 5, 5, 4, 3 },
            new ConvSpec(new[] { 5, 5, 4, 3 }, stride: new[] { 3, 2, 1, 2 }, padding: P(2, 1, 0, 1), dilation: new[] { 3, 2, 3, 1 }, groups: 2),
            new[] { 2, 4, 11, 15, 21, 13 }),
        new("4d same G=2", new[] { 2, 2, 10, 8, 6, 5 }, new[] { 4, 1, 5, 5, 4, 3 },
            new ConvSpec(new[] { 5, 5, 4, 3 }, padding: Same(4), dilation: new[] { 2, 2, 2, 1 }, groups: 2), new[] { 2, 4, 10, 8, 6, 5 }),
        new("5d P S G=2", new[] { 2, 2, 20, 15, 10, 15, 20 }, new[] { 4, 1, 5, 4, 2, 3, 4 },
            new ConvSpec(new[] { 5, 4, 2, 3, 4 }, stride: new[] { 4, 3, 1, 2, 4 }, padding: P(2, 0, 1, 1, 3), groups: 2), new[] { 2, 4, 5, 4, 11, 8, 6 }),
        new("6d P S G=2", new[] { 2, 2, 10, 10, 10, 10, 5, 5 }, new[] { 4, 1, 3, 2, 3, 4, 2, 2 },
            new ConvSpec(new[] { 3, 2, 3, 4, 2, 2 }, stride: new[] { 3, 2, 2, 3, 3, 2 }, padding: P(2, 0, 0, 2, 1, 1), groups: 2),
            new[] { 2, 4, 4, 5, 4, 4, 2, 3 }),
    };

    public static IEnumerable<object[]> Data(Case[] cases) => cases.Select(c => new object[] { c });

    public static IEnumerable<object[]> Low => Data(All);

    public static IEnumerable<object[]> High => Data(HighDimensional);

    /// <summary>Every case's inputs, from fixed seeds (uniform on [0, 1), as the reference's torch.rand).</summary>
    public static (double[] X, double[] W) Inputs(Case c) => (ConvOracle.Random(c.X, 0), ConvOracle.Random(c.W, 1));

    public static long Terms(Case c) => c.W.Skip(1).Aggregate(1L, (a, b) => a * b);

    internal static void Touch() => Assert.True(All.Length > 0);
}
