using System;
using System.Buffers;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using Xunit;

namespace EinsumGen.Tests.Conformance;

/// <summary>
/// The results NumPy's own tests state, ported from numpy/_core/tests/test_einsum.py: test_einsum_views (diagonals,
/// transposes and ellipses placed everywhere), check_einsum_sums (sums, traces, inner, outer, matrix products and scalar
/// operands over every integer and floating type, on arange data, compared exactly), test_einsum_misc, the ticket
/// regressions (#1885, #10930, gh-10899, gh-10792, #5147, gh-14692), test_different_paths, test_spaces and
/// test_einsum_sorting_behavior.
/// </summary>
public class NumpyValueTests
{
    private static Tensor<double> Arange(params int[] shape) => ConformanceData.Tensor(shape, i => (double)i);

    private static Tensor<double> Values(int[] shape, params double[] values) =>
        System.Numerics.Tensors.Tensor.Create(values, shape.Select(d => (nint)d).ToArray());

    // ---- test_einsum_views: the result of each spec on arange data, element by element --------------------------

    /// <summary>spec, input shape, and the input index each output index reads (out → in).</summary>
    public static TheoryData<string, int[], string> Views() => new()
    {
        { "...", new[] { 2, 3 }, "x,y->x,y" },
        { "ij", new[] { 2, 3 }, "x,y->x,y" },
        { "ji", new[] { 2, 3 }, "x,y->y,x" },
        { "ii->i", new[] { 3, 3 }, "i->i,i" },
        { "...ii->...i", new[] { 3, 3, 3 }, "x,i->x,i,i" },
        { "ii...->...i", new[] { 3, 3, 3 }, "x,i->i,i,x" },
        { "...ii->i...", new[] { 3, 3, 3 }, "i,x->x,i,i" },
        { "jii->ij", new[] { 3, 3, 3 }, "i,j->j,i,i" },
        { "ii...->i...", new[] { 3, 3, 3 }, "i,x->i,i,x" },
        { "i...i->i...", new[] { 3, 3, 3 }, "i,x->i,x,i" },
        { "i...i->...i", new[] { 3, 3, 3 }, "x,i->i,x,i" },
        { "iii->i", new[] { 3, 3, 3 }, "i->i,i,i" },
        { "ijk->jik", new[] { 2, 3, 4 }, "j,i,k->i,j,k" },
        // Unequal sizes beside the diagonal: the mapping must not mix them up.
        { "...ii->i...", new[] { 2, 3, 3 }, "i,x->x,i,i" },
        { "i...i->...i", new[] { 3, 2, 3 }, "x,i->i,x,i" },
    };

    [Theory]
    [MemberData(nameof(Views))]
    public void ViewsReadTheElementsNumpyReads(string spec, int[] shape, string mapping)
    {
        var a = Arange(shape);
        var parts = mapping.Split("->");
        var outNames = parts[0].Split(',');
        var inNames = parts[1].Split(',');
        foreach (var result in new[] { Einsum.Evaluate(spec, a), Einsum.EvaluateNaive(spec, a) })
        {
            Assert.Equal(outNames.Length, result.Rank);
            var values = TestData.Flatten(result);
            var lengths = result.Lengths.ToArray();
            var index = new int[lengths.Length];
            for (int f = 0; f < values.Length; f++)
            {
                int rest = f;
                for (int d = lengths.Length - 1; d >= 0; d--) { index[d] = rest % (int)lengths[d]; rest /= (int)lengths[d]; }
                int flat = 0;
                for (int d = 0; d < inNames.Length; d++) flat = flat * shape[d] + index[Array.IndexOf(outNames, inNames[d])];
                Assert.Equal((double)flat, values[f]);
            }
        }
    }

    // ---- results stated by NumPy's tests ------------------------------------------------------------------------

    [Fact]
    public void MiscellaneousResultsNumpyStates()
    {
        // test_einsum_misc: a call that used to crash in PyArray_AssignZero.
        var r = Einsum.Evaluate("ij...,j...->i...", Values(new[] { 1, 2 }, 1, 1), Values(new[] { 2, 2, 1 }, 1, 1, 1, 1));
        Assert.Equal(new nint[] { 1, 2, 1 }, r.Lengths.ToArray());
        Assert.Equal(new double[] { 2, 2 }, TestData.Flatten(r));
        Assert.Equal(20.0, Scalar("...i,...i", Values(new[] { 3 }, 1, 2, 3), Values(new[] { 3 }, 2, 3, 4)));
        // Issue #2027: the contiguous 3-argument inner loop.
        r = Einsum.Evaluate("x,yx,zx->xzy", Values(new[] { 2 }, 1, 2), Values(new[] { 2, 2 }, 1, 2, 3, 4), Values(new[] { 4, 2 }, 1, 2, 3, 4, 5, 6, 7, 8));
        Assert.Equal(new double[] { 1, 3, 3, 9, 5, 15, 7, 21, 8, 16, 16, 32, 24, 48, 32, 64 }, TestData.Flatten(r));
        Assert.Equal(new double[] { 2 }, TestData.Flatten(Einsum.Evaluate("i,j", Values(new[] { 1 }, 1), Values(new[] { 1 }, 2))));
        // The iterator's buffered reduction: 'ijklm,ijn,ijn->' on ones equals 'ijklm,ijn->' (int64).
        var a = ConformanceData.Tensor(new[] { 5, 12, 4, 2, 3 }, _ => 1L);
        var b = ConformanceData.Tensor(new[] { 5, 12, 11 }, _ => 1L);
        Assert.Equal(TestData.Elements(Einsum.Evaluate("ijklm,ijn->", a, b)), TestData.Elements(Einsum.Evaluate("ijklm,ijn,ijn->", a, b, b)));
        Assert.Equal(5L * 12 * 24 * 11, TestData.Elements(Einsum.Evaluate("ijklm,ijn,ijn->", a, b, b))[0]);
        // Ticket #1885.
        Assert.Equal(253.0, Scalar("z,mz,zm->", Values(new[] { 2 }, 1, 2), Values(new[] { 2, 2 }, 3, 4, 5, 6), Values(new[] { 2, 2 }, 7, 8, 9, 10)));
        // Singleton dimensions broadcast (gh-10343), and the BLAS-like broadcasting case of #10930.
        var ones = ConformanceData.Tensor(new[] { 10, 2 }, _ => 1.0);
        Assert.Equal(new double[] { 10, 10 }, TestData.Flatten(Einsum.Evaluate("ij,ij->j", ones, ConformanceData.Tensor(new[] { 1, 2 }, _ => 1.0))));
        Assert.Equal(20.0, Scalar("i, i", Values(new[] { 2 }, 2, 3), Values(new[] { 1 }, 4)));
        var p = ConformanceData.Tensor(new[] { 1, 5 }, _ => 0.5);
        var q = ConformanceData.Tensor(new[] { 5, 5 }, _ => 0.5);
        Assert.Equal(Enumerable.Repeat(1.25, 5), TestData.Flatten(Einsum.Evaluate("...ij,...jk->...ik", p, q)));
        Assert.Equal(Enumerable.Repeat(1.25, 5), TestData.Flatten(Einsum.Evaluate("...ij,...jk->...ik", p, p)));
        // gh-10899: output stride 0 cases.
        var eye = Values(new[] { 2, 2 }, 1, 0, 0, 1);
        var y = Values(new[] { 2 }, 1, 1);
        Assert.Equal(2.0, Scalar("ji,i->", eye, y));
        Assert.Equal(2.0, Scalar("i,ij->", y, eye));
        Assert.Equal(2.0, Scalar("ij,i->", eye, y));
        // gh-10792: combined views.
        Assert.Equal(new double[] { 12 }, TestData.Flatten(Einsum.Evaluate("bbcdc->d", Arange(1, 1, 3, 1, 3))));
        // Scalars.
        Assert.Equal(12.0, Scalar("..., ...", Values(new[] { 1 }, 3), Values(new[] { 1 }, 4)));
        Assert.Equal(3 * 36.0, Scalar(",i->", Values(new[] { 1 }, 3), Arange(9)));
        Assert.Equal(3 * 36.0, Scalar("i,->", Arange(9), Values(new[] { 1 }, 3)));
    }

    [Fact]
    public void CollapsedDiagonalsAndDoubleTracesReadTheRightElements()
    {
        // #5147 'aabb->ab' equals x[idx[:, None], idx[:, None], idx, idx]; gh-14692 'ijij->' is a double trace.
        var x = ConformanceData.Random<double>(new[] { 5, 5, 5, 5 }, 3);
        var v = TestData.Flatten(x);
        var ab = TestData.Flatten(Einsum.Evaluate("aabb->ab", x));
        for (int a = 0; a < 5; a++) for (int b = 0; b < 5; b++) Assert.Equal(v[((a * 5 + a) * 5 + b) * 5 + b], ab[a * 5 + b]);
        double trace = 0;
        for (int i = 0; i < 5; i++) for (int j = 0; j < 5; j++) trace += v[((i * 5 + j) * 5 + i) * 5 + j];
        Assert.Equal(trace, Scalar("ijij->", x), 12);
    }

    [Fact]
    public void DifferentPathsGiveExactResults()
    {
        // test_different_paths, in double and float: arange(7) + 0.5 makes every result exact.
        Check<double>();
        Check<float>();

        static void Check<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            var arr = ConformanceData.Tensor(new[] { 7 }, i => T.CreateChecked(i + 0.5));
            var two = ConformanceData.Tensor(new[] { 1 }, _ => T.CreateChecked(2));
            var e = TestData.Elements(arr);
            Assert.Equal(e.Aggregate(T.Zero, (s, v) => s + v), TestData.Elements(Einsum.Evaluate("i->", arr))[0]);
            Assert.Equal(e.Select(v => v * v), TestData.Elements(Einsum.Evaluate("i,i->i", arr, arr)));
            var strided = System.Numerics.Tensors.Tensor.Create(e.SelectMany(v => new[] { v, T.NaN }).ToArray(), 0, [7], [2]);
            Assert.Equal(e.Select(v => v * v), TestData.Elements(Einsum.Evaluate("i,i->i", strided, strided)));
            Assert.Equal(e.Aggregate(T.Zero, (s, v) => s + v * v), TestData.Elements(Einsum.Evaluate("i,i->", arr, arr))[0]);
            Assert.Equal(e.Select(v => v * T.CreateChecked(2)), TestData.Elements(Einsum.Evaluate("i,->i", arr, two)));
            Assert.Equal(e.Select(v => v * T.CreateChecked(2)), TestData.Elements(Einsum.Evaluate(",i->i", two, arr)));
            // Compared with einsum('i->', scalar * arr), so that the sums round alike.
            T scaledSum = TestData.Elements(Einsum.Evaluate("i->", Einsum.Evaluate("i,->i", arr, two)))[0];
            Assert.Equal(scaledSum, TestData.Elements(Einsum.Evaluate(",i->", two, arr))[0]);
            Assert.Equal(scaledSum, TestData.Elements(Einsum.Evaluate("i,->", arr, two))[0]);
            var small = ConformanceData.Tensor(new[] { 5 }, i => T.CreateChecked(new[] { 0.5, 0.5, 0.25, 4.5, 3.0 }[i]));
            Assert.Equal(T.CreateChecked(118.390625), TestData.Elements(Einsum.Evaluate("i,i,i->", small, small, small))[0]);
            Assert.Equal(T.CreateChecked(491.19140625), TestData.Elements(Einsum.Evaluate("i,i,i,i->", small, small, small, small))[0]);
        }
    }

    // ---- check_einsum_sums: every operation of NumPy's table, n = 1..16, in every integer and float type ---------

    [Fact] public void SumsInt8() => Sums<sbyte>();
    [Fact] public void SumsUInt8() => Sums<byte>();
    [Fact] public void SumsInt16() => Sums<short>();
    [Fact] public void SumsUInt16() => Sums<ushort>();
    [Fact] public void SumsInt32() => Sums<int>();
    [Fact] public void SumsUInt32() => Sums<uint>();
    [Fact] public void SumsInt64() => Sums<long>();
    [Fact] public void SumsUInt64() => Sums<ulong>();
    [Fact] public void SumsFloat32() => Sums<float>();
    [Fact] public void SumsFloat64() => Sums<double>();
    [Fact] public void SumsComplex128() => Sums<Complex>();

    // NumPy computes float16 einsums in float32 and rounds once; so does Einsum (in Half, '...i, ...i' would differ from n = 12).
    [Fact] public void SumsFloat16() => Sums<Half>();

    /// <summary>
    /// Each operation on arange data in T against the same operation in long (or Complex) arithmetic, converted back to T
    /// with wrap-around: integer results agree modulo 2^bits as NumPy's (which also wrap), float results are exact.
    /// </summary>
    private static void Sums<T>() where T : unmanaged, INumberBase<T>
    {
        for (int n = 1; n <= 16; n++)
        {
            Check<T>("i->", n, new[] { n });
            Check<T>("...i->...", n, new[] { 2, 3, n });
            Check<T>("i...->...", n, new[] { 2, n });
            Check<T>("i...->...", n, new[] { 2, 3, n });
            Check<T>("ii", n, new[] { n, n });
            Check<T>("..., ...", n, new[] { 3, n }, new[] { 2, 3, n });
            Check<T>("...i, ...i", n, new[] { 2, 3, n }, new[] { n });
            Check<T>("i,j", n, new[] { 3 }, new[] { n });
            Check<T>("ij, j", n, new[] { 4, n }, new[] { n });
            Check<T>("ij,jk", n, new[] { 4, n }, new[] { n, 6 });
            if (n <= 10) Check<T>("i..., i...", n, new[] { n, 3, 2 }, new[] { n });
        }
        Check<T>("ij,jk,kl", 0, new[] { 3, 4 }, new[] { 4, 5 }, new[] { 5, 6 });
        Check<T>("ijk, jil -> kl", 0, new[] { 3, 4, 5 }, new[] { 4, 3, 2 });
        Check<T>(",i->", 0, Array.Empty<int>(), new[] { 9 });
        Check<T>("i,->", 0, new[] { 9 }, Array.Empty<int>());
        for (int n = 1; n <= 24; n++)
        {
            // Stride-0, contiguous and offset variants: a[1:] against a[:-1].
            foreach (string spec in new[] { "...,...", "i,i", "i,->i", ",i->i", "i,->", ",i->" })
            {
                var shapes = spec.Split("->")[0].Split(',').Select(t => t.Length == 0 ? Array.Empty<int>() : new[] { n }).ToArray();
                Check<T>(spec, n, shapes);
                if (n > 1) CheckShifted<T>(spec, n);
            }
        }
        // "ji,j": a transposed operand.
        for (int n = 1; n <= 16; n++)
        {
            var a = ConformanceData.Tensor(new[] { 4, n }, Value<T>);
            // (System.Numerics.Tensors 10.0 rejects explicit strides on a [1, 4] view; for n = 1 the transpose is dense anyway.)
            var at = n == 1
                ? System.Numerics.Tensors.Tensor.Create(TestData.Elements(a), [1, 4])
                : System.Numerics.Tensors.Tensor.Create(TestData.Elements(a), 0, [n, 4], [1, n]);
            var b = ConformanceData.Tensor(new[] { n }, Value<T>);
            Assert.Equal(TestData.Elements(Einsum.Evaluate("ij,j", a, b)), TestData.Elements(Einsum.Evaluate("ji,j", at, b)));
        }
    }

    /// <summary>arange in T (a scalar term takes 3, as NumPy's ",i->" case).</summary>
    private static T Value<T>(int i) where T : INumberBase<T> => T.CreateTruncating(i);

    private static void Check<T>(string spec, int n, params int[][] shapes) where T : unmanaged, INumberBase<T>
    {
        var operands = shapes.Select(s => s.Length == 0 ? ConformanceData.Tensor(s, _ => T.CreateTruncating(3)) : ConformanceData.Tensor(s, Value<T>))
            .ToArray();
        AssertExact(spec, n, operands);
    }

    private static void CheckShifted<T>(string spec, int n) where T : unmanaged, INumberBase<T>
    {
        var a = ConformanceData.Tensor(new[] { n }, Value<T>);
        var head = a.Slice(new NRange(0, n - 1));
        var tail = a.Slice(new NRange(1, n));
        var two = ConformanceData.Tensor(Array.Empty<int>(), _ => T.CreateTruncating(2));
        var terms = spec.Split("->")[0].Split(',');
        var operands = terms.Select((t, k) => t.Length == 0 ? two : k == 0 ? tail : head).ToArray();
        AssertExact(spec, n, operands);
    }

    private static void AssertExact<T>(string spec, int n, Tensor<T>[] operands) where T : unmanaged, INumberBase<T>
    {
        var actual = Einsum.Evaluate(spec, operands);
        T[] expected;
        if (typeof(T) == typeof(Complex))
        {
            expected = TestData.Elements(Einsum.EvaluateNaive(spec, operands));
        }
        else
        {
            // In long: the ring homomorphism to T's 2^bits keeps integer results equal modulo 2^bits; small floats are exact.
            var wide = operands.Select(o => System.Numerics.Tensors.Tensor.Create(TestData.Elements(o).Select(v => long.CreateTruncating(v)).ToArray(),
                o.Lengths)).ToArray();
            expected = TestData.Elements(Einsum.EvaluateNaive(spec, wide)).Select(v => T.CreateTruncating(v)).ToArray();
        }
        Assert.True(expected.SequenceEqual(TestData.Elements(actual)),
            $"{typeof(T).Name} '{spec}' n={n}: [{string.Join(", ", TestData.Elements(actual))}], NumPy [{string.Join(", ", expected)}]");
    }

    // ---- parsing --------------------------------------------------------------------------------------------------

    [Fact]
    public void SpacesAnywhereBetweenTokens()
    {
        // test_spaces (gh-10794): every spacing of '{}...a{}->{}...a{}'.
        var arr = Values(new[] { 1, 1 }, 1);
        for (int mask = 0; mask < 16; mask++)
        {
            string[] sp = Enumerable.Range(0, 4).Select(k => (mask >> k & 1) == 1 ? " " : "").ToArray();
            string spec = $"{sp[0]}...a{sp[1]}->{sp[2]}...a{sp[3]}";
            Assert.Equal(new double[] { 1 }, TestData.Flatten(Einsum.Evaluate(spec, arr)));
            Assert.Equal("...a->...a", EinsumPlan.Create(spec, new[] { 1, 1 }).Spec);
        }
    }

    [Fact]
    public void ImplicitOutputSortsUppercaseBeforeLowercase()
    {
        // test_einsum_sorting_behavior: the implicit output is sorted, 'A'-'Z' before 'a'-'z'.
        Assert.Equal("zAbC->ACbz", EinsumPlan.Create("zAbC", new[] { 2, 3, 4, 5 }).Spec);
        Assert.Equal("ba,Ab->Aa", EinsumPlan.Create("ba,Ab", new[] { 2, 3 }, new[] { 3, 2 }).Spec);
        string upper = new string(Enumerable.Range(0, 26).Select(i => (char)('Z' - i)).ToArray()) + "a";
        var plan = EinsumPlan.Create(upper, Enumerable.Repeat(1, 27).ToArray());
        Assert.Equal(upper + "->ABCDEFGHIJKLMNOPQRSTUVWXYZa", plan.Spec);
        var x = ConformanceData.Random<double>(new[] { 2, 3, 4, 5 }, 1);
        Assert.Equal(TestData.Flatten(Einsum.Evaluate("zAbC->ACbz", x)), TestData.Flatten(Einsum.Evaluate("zAbC", x)));
    }

    [Fact]
    public void AllFiftyTwoLettersAreLabels()
    {
        // test_subscript_range: every letter of the Latin alphabet, both cases, is a label.
        const string letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        var ones = ConformanceData.Tensor(Enumerable.Repeat(1, 52).ToArray(), _ => 1.0);
        Assert.Equal(new double[] { 1 }, TestData.Flatten(Einsum.Evaluate(letters + "->", ones)));
        var a = ConformanceData.Random<double>(new[] { 2, 3 }, 5);
        var b = ConformanceData.Random<double>(new[] { 3, 4 }, 6);
        foreach (char c in "uBZ")
        {
            TestData.AssertClose(Einsum.Evaluate("ij,jk->ik", a, b), Einsum.Evaluate($"a{c},{c}c->ac", a, b), 3, $"label {c}");
        }
    }

    private static double Scalar(string spec, params Tensor<double>[] operands)
    {
        var r = Einsum.Evaluate(spec, operands);
        Assert.Equal(1, r.FlattenedLength);
        var naive = Einsum.EvaluateNaive(spec, operands);
        Assert.Equal(TestData.Flatten(naive)[0], TestData.Flatten(r)[0], 10);
        return TestData.Flatten(r)[0];
    }
}
