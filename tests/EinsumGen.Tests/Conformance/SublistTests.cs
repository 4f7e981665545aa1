using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using Xunit;

namespace EinsumGen.Tests.Conformance;

/// <summary>
/// NumPy's interleaved sublist form and PyTorch's sublist form (<see cref="EinsumSublist"/>, the sublist overload of
/// <see cref="Einsum"/>), ported from numpy/_core/tests/test_einsum.py (the sublist half of test_einsum_views and
/// check_einsum_sums, test_subscript_range, test_einsum_sorting_behavior) and opt_einsum's test_input.py
/// (test_ellipse_input1–4) and test_contract.py (test_contract_expression_interleaved_input). Each sublist case is
/// compared exactly with the string spec NumPy's test writes beside it, and with the oracle.
/// </summary>
public class SublistTests
{
    private static readonly EinsumSubscript E = EinsumSubscript.Ellipsis;

    /// <summary>"0,1" → [0, 1]; "E" is the ellipsis; "" is an empty sublist; "-" is no sublist (an implicit output).</summary>
    private static EinsumSubscript[]? Sub(string text) =>
        text == "-" ? null
        : text.Length == 0 ? Array.Empty<EinsumSubscript>()
        : text.Split(',').Select(s => s == "E" ? E : (EinsumSubscript)int.Parse(s)).ToArray();

    private static Tensor<T> Arange<T>(int[] shape) where T : INumberBase<T> => ConformanceData.Tensor(shape, i => T.CreateTruncating(i));

    [Fact]
    public void LabelNumbersMapAsNumpyAndPyTorchMapThem()
    {
        Assert.Equal('A', EinsumSublist.Letter(0));
        Assert.Equal('Z', EinsumSublist.Letter(25));
        Assert.Equal('a', EinsumSublist.Letter(26));
        Assert.Equal('z', EinsumSublist.Letter(51));
        Assert.Throws<ArgumentOutOfRangeException>(() => EinsumSublist.Letter(52));
        Assert.Throws<ArgumentOutOfRangeException>(() => EinsumSublist.Letter(-1));
        Assert.Equal("AB,BC->AC", EinsumSublist.ToSpec([[0, 1], [1, 2]], [0, 2]));
        Assert.Equal("...A,BA", EinsumSublist.ToSpec([[E, 0], [1, 0]]));
        Assert.Equal("A->", EinsumSublist.ToSpec([[0]], []));
        Assert.Equal("A...B->...", EinsumSublist.ToSpec([[0, E, 1]], [E]));
        Assert.True(E.IsEllipsis);
        Assert.Equal(E, EinsumSubscript.Ellipsis);
        Assert.NotEqual(E, (EinsumSubscript)0);
        Assert.Equal("...", E.ToString());
        Assert.Equal(7, EinsumSubscript.FromInt32(7).Label);
    }

    /// <summary>test_einsum_views: the sublist form; the string form NumPy writes beside it; the input shape.</summary>
    public static TheoryData<string, string, string, int[]> Views() => new()
    {
        { "E", "-", "...", new[] { 2, 3 } },
        { "0,1", "-", "ij", new[] { 2, 3 } },
        { "1,0", "-", "ji", new[] { 2, 3 } },
        { "0,0", "0", "ii->i", new[] { 3, 3 } },
        { "E,0,0", "E,0", "...ii->...i", new[] { 3, 3, 3 } },
        { "0,0,E", "E,0", "ii...->...i", new[] { 3, 3, 3 } },
        { "E,0,0", "0,E", "...ii->i...", new[] { 3, 3, 3 } },
        { "1,0,0", "0,1", "jii->ij", new[] { 3, 3, 3 } },
        { "0,0,E", "0,E", "ii...->i...", new[] { 3, 3, 3 } },
        { "0,E,0", "0,E", "i...i->i...", new[] { 3, 3, 3 } },
        { "0,E,0", "E,0", "i...i->...i", new[] { 3, 3, 3 } },
        { "0,0,0", "0", "iii->i", new[] { 3, 3, 3 } },
        { "0,1,2", "1,0,2", "ijk->jik", new[] { 2, 3, 4 } },
        { "E,0,0", "0,E", "...ii->i...", new[] { 2, 3, 3 } },
    };

    [Theory]
    [MemberData(nameof(Views))]
    public void ViewsMatchTheStringForm(string input, string output, string spec, int[] shape)
    {
        var a = Arange<double>(shape);
        var expected = Einsum.EvaluateNaive(spec, a);
        var actual = Einsum.Evaluate<double>([(a, Sub(input)!)], Sub(output));
        Assert.Equal(expected.Lengths.ToArray(), actual.Lengths.ToArray());
        Assert.Equal(TestData.Flatten(expected), TestData.Flatten(actual));
        Assert.Equal(TestData.Flatten(Einsum.Evaluate(spec, a)), TestData.Flatten(actual));
    }

    /// <summary>check_einsum_sums: the sublists; the string form; the shapes ("()" a scalar, which takes 3).</summary>
    public static TheoryData<string, string, string> Sums()
    {
        var data = new TheoryData<string, string, string>();
        foreach (int n in new[] { 1, 2, 5, 16 })
        {
            data.Add("0|", "i->", $"{n}");
            data.Add("E,0|E", "...i->...", $"2,3,{n}");
            data.Add("0,E|E", "i...->...", $"2,{n}");
            data.Add("0,E|E", "i...->...", $"2,3,{n}");
            data.Add("0,0|-", "ii", $"{n},{n}");
            data.Add("E;E|-", "...,...", $"3,{n};2,3,{n}");
            data.Add("E,0;E,0|-", "...i,...i", $"2,3,{n};{n}");
            data.Add("0,E;0,E|-", "i...,i...", $"{n},3,2;{n}");
            data.Add("0;1|-", "i,j", $"3;{n}");
            data.Add("0,1;1|-", "ij,j", $"4,{n};{n}");
            data.Add("1,0;1|-", "ji,j", $"{n},4;{n}");
            data.Add("0,1;1,2|-", "ij,jk", $"4,{n};{n},6");
        }
        data.Add("0,1;1,2;2,3|-", "ij,jk,kl", "3,4;4,5;5,6");
        data.Add("0,1,2;1,0,3|2,3", "ijk,jil->kl", "3,4,5;4,3,2");
        data.Add("0;0;0|0", "i,i,i->i", "8;8;8");
        data.Add(";0|", ",i->", "();9");
        data.Add("0;|", "i,->", "9;()");
        return data;
    }

    [Theory]
    [MemberData(nameof(Sums))]
    public void SumsMatchTheStringForm(string sublists, string spec, string shapes)
    {
        SumsIn<double>(sublists, spec, shapes);
        SumsIn<int>(sublists, spec, shapes);
        SumsIn<long>(sublists, spec, shapes);
        SumsIn<Complex>(sublists, spec, shapes);
    }

    private static void SumsIn<T>(string sublists, string spec, string shapeText) where T : unmanaged, INumberBase<T>
    {
        var parts = sublists.Split('|');
        var inputs = parts[0].Split(';').Select(s => Sub(s)!).ToArray();
        var output = Sub(parts[1]);
        var shapes = ConformanceData.Shapes(shapeText);
        var operands = shapes.Select(s => s.Length == 0 ? ConformanceData.Tensor(s, _ => T.CreateTruncating(3)) : Arange<T>(s)).ToArray();
        var pairs = operands.Select((o, k) => (o, (IReadOnlyList<EinsumSubscript>)inputs[k])).ToArray();
        var actual = Einsum.Evaluate<T>(pairs, output);
        var expected = Einsum.EvaluateNaive(spec, operands);
        Assert.Equal(expected.Lengths.ToArray(), actual.Lengths.ToArray());
        Assert.Equal(TestData.Elements(expected), TestData.Elements(actual));
        Assert.Equal(TestData.Elements(Einsum.Evaluate(spec, operands)), TestData.Elements(actual));

        // out=: NumPy's np.einsum(a, [0, 1], b, [1], out=c) is EvaluateInto on the sublists' spec.
        var into = Tensor.CreateFromShape<T>(expected.Lengths);
        Einsum.EvaluateInto(EinsumSublist.ToSpec(inputs, output), into, operands);
        Assert.Equal(TestData.Elements(expected), TestData.Elements(into));
    }

    [Fact]
    public void SubscriptRangeIsNumpys()
    {
        // test_subscript_range (issue #7741): 0-51 are labels; 52 and -1 are errors.
        var a = ConformanceData.Random<double>(new[] { 2, 3 }, 1);
        var b = ConformanceData.Random<double>(new[] { 3, 4 }, 2);
        var expected = Einsum.EvaluateNaive("ij,jk->ik", a, b);
        foreach (int j in new[] { 20, 27, 51 })
        {
            TestData.AssertClose(expected, Einsum.Evaluate<double>([(a, [0, j]), (b, [j, 2])], [0, 2]), 3, $"label {j}");
        }
        var e = Assert.Throws<ArgumentException>(() => Einsum.Evaluate<double>([(a, [0, 52]), (b, [52, 2])], [0, 2]));
        Assert.Contains("Subscript 52 at position 1 of the sublist of operand 0 is not within the valid range [0, 52)", e.Message);
        e = Assert.Throws<ArgumentException>(() => Einsum.Evaluate<double>([(a, [-1, 5]), (b, [5, 2])], [-1, 2]));
        Assert.Contains("Subscript -1 at position 0 of the sublist of operand 0", e.Message);
        e = Assert.Throws<ArgumentException>(() => Einsum.Evaluate<double>([(a, [0, 1]), (b, [1, 2])], [0, 52]));
        Assert.Contains("of the output sublist", e.Message);
        Assert.Equal("output", e.ParamName);
        // opt_einsum's test_large_int_input_format accepts any hashable; NumPy and PyTorch reject 1000.
        Assert.Throws<ArgumentException>(() => EinsumSublist.ToSpec([[1000, 1001], [1001, 1002]]));
    }

    [Fact]
    public void OneEllipsisPerSublist()
    {
        var a = ConformanceData.Random<double>(new[] { 2, 3, 4 }, 1);
        var e = Assert.Throws<ArgumentException>(() => Einsum.Evaluate<double>([(a, [E, 0, E])]));
        Assert.Contains("only one ellipsis", e.Message);
        Assert.Throws<ArgumentException>(() => EinsumSublist.ToSpec([[0]], [E, E]));
        Assert.Throws<ArgumentException>(() => EinsumSublist.ToSpec(Array.Empty<IReadOnlyList<EinsumSubscript>>()));
        Assert.Throws<ArgumentException>(() => EinsumSublist.ToSpec([null!]));
        // The spec's own errors follow: a label the operand lacks a dimension for, an output label in no input.
        Assert.Throws<ArgumentException>(() => Einsum.Evaluate<double>([(a, [0, 1])]));
        Assert.Throws<ArgumentException>(() => Einsum.Evaluate<double>([(a, [0, 1, 2])], [3]));
    }

    [Fact]
    public void ImplicitOutputOfManyLabelsIsSortedUppercaseFirst()
    {
        // test_einsum_sorting_behavior: np.einsum_path(x, range(n)) for n = 26 and 27.
        for (int n = 26; n <= 27; n++)
        {
            string spec = EinsumSublist.ToSpec([Enumerable.Range(0, n).Select(i => (EinsumSubscript)i).ToArray()]);
            var plan = EinsumPlan.Create(spec, Enumerable.Repeat(1, n).ToArray());
            string output = plan.Spec.Split("->")[1];
            string expected = new string(Enumerable.Range(0, n).Select(i => i < 26 ? (char)('A' + i) : (char)('a' + i - 26)).ToArray());
            Assert.Equal(expected, output);
            Assert.Equal(string.Concat(output.Order()), output);
            var x = ConformanceData.Tensor(Enumerable.Repeat(1, n).ToArray(), _ => 2.5);
            var r = Einsum.Evaluate<double>([(x, Enumerable.Range(0, n).Select(i => (EinsumSubscript)i).ToArray())]);
            Assert.Equal(n, r.Rank);
            Assert.Equal(2.5, TestData.Flatten(r).Single());
        }
    }

    [Fact]
    public void OptEinsumsEllipsisAndInterleavedInputs()
    {
        // test_ellipse_input1-4: build_views replaces "..." with "ij" (sizes 5 and 4).
        var a = ConformanceData.Random<double>(new[] { 5, 4, 2 }, 1);
        var b = ConformanceData.Random<double>(new[] { 5, 4, 3 }, 2);
        TestData.AssertClose(Einsum.EvaluateNaive("...a->...", a), Einsum.Evaluate<double>([(a, [E, 0])], [E]), 2, "input1");
        TestData.AssertClose(Einsum.EvaluateNaive("...a", a), Einsum.Evaluate<double>([(a, [E, 0])]), 1, "input2");
        TestData.AssertClose(Einsum.EvaluateNaive("...a->...a", a), Einsum.Evaluate<double>([(a, [E, 0])], [E, 0]), 1, "input3");
        TestData.AssertClose(Einsum.EvaluateNaive("...b,...a->...", b, a), Einsum.Evaluate<double>([(b, [E, 1]), (a, [E, 0])], [E]), 6, "input4");

        // test_contract_expression_interleaved_input: np.einsum(x, [0, 1], y, [1, 2], z, [2, 3], [3, 0]).
        var x = ConformanceData.Random<double>(new[] { 2, 2 }, 3);
        var y = ConformanceData.Random<double>(new[] { 2, 2 }, 4);
        var z = ConformanceData.Random<double>(new[] { 2, 2 }, 5);
        var expected = Einsum.EvaluateNaive("ij,jk,kl->li", x, y, z);
        TestData.AssertClose(expected, Einsum.Evaluate<double>([(x, [0, 1]), (y, [1, 2]), (z, [2, 3])], [3, 0]), 8, "interleaved");
        // With an explicit path, as contract_expression(..., optimize=path) would take it.
        var options = new EinsumPlanOptions { Path = new[] { new[] { 1, 2 }, new[] { 0, 1 } } };
        TestData.AssertClose(expected, Einsum.Evaluate<double>([(x, [0, 1]), (y, [1, 2]), (z, [2, 3])], [3, 0], options), 8, "interleaved, path");
        // PyTorch's form is the same call: torch.einsum(x, [0, 1], y, [1, 2]) with an implicit output.
        TestData.AssertClose(Einsum.EvaluateNaive("ij,jk", x, y), Einsum.Evaluate<double>([(x, [0, 1]), (y, [1, 2])]), 4, "torch");
    }
}
