using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using Xunit;

namespace EinsumGen.Tests.Conformance;

/// <summary>Methods whose sizes are all left to run time, for <see cref="EmptyAndBroadcastTests"/>.</summary>
public static partial class EmptyAndBroadcastMethods
{
    [Einsum("ij,jk->ik")]
    public static partial void MatMul(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, TensorSpan<double> y);

    [Einsum("bij,bjk->bik")]
    public static partial void Batched(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, TensorSpan<double> y);

    [Einsum("ij,ij->ij")]
    public static partial void Hadamard(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, TensorSpan<double> y);

    [Einsum("i,j->ij")]
    public static partial void Outer(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, TensorSpan<double> y);

    [Einsum("iij,j->ij")]
    public static partial void Diagonal(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, TensorSpan<double> y);

    [Einsum("ij->j")]
    public static partial void ColumnSums(ReadOnlyTensorSpan<double> a, TensorSpan<double> y);

    [Einsum("...ij,...jk->...ik")]
    public static partial void EllipsisMatMul(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, TensorSpan<double> y);

    [Einsum("ij,jk,kl->il")]
    public static partial void Chain(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, ReadOnlyTensorSpan<double> c, TensorSpan<double> y);
}

/// <summary>
/// Zero-size dimensions and size-1 broadcasting, systematically, through every path: for each spec, every label in turn
/// is 0, is 1, and is 3 in all operands but one that has 1 (NumPy's and PyTorch's size-1 broadcasting, gh-10343); the
/// ellipsis dimensions likewise, and with fewer dimensions in one operand. Each shape runs through Einsum.Evaluate,
/// EvaluateInto, Backward (against the adjoint identity), the generated method, its Backward and its Jvp, and, with a
/// memory limit of 0, the multiway step and its gradients.
/// </summary>
public class EmptyAndBroadcastTests
{
    private static ReadOnlyTensorSpan<double> R(Tensor<double> t) => t.AsReadOnlyTensorSpan();

    private static TensorSpan<double> W(Tensor<double> t) => t.AsTensorSpan();

    private delegate void Forward(Tensor<double>[] x, Tensor<double> y);

    private delegate void Backward(Tensor<double>[] x, Tensor<double> g, Tensor<double>[] d);

    private delegate void Jvp(Tensor<double>[] x, Tensor<double>[] t, Tensor<double> y);

    private static readonly Dictionary<string, (Forward Forward, Backward Backward, Jvp Jvp)> Methods = new()
    {
        ["ij,jk->ik"] = ((x, y) => EmptyAndBroadcastMethods.MatMul(R(x[0]), R(x[1]), W(y)),
            (x, g, d) => EmptyAndBroadcastMethods.MatMulBackward(R(x[0]), R(x[1]), R(g), W(d[0]), W(d[1])),
            (x, t, y) => EmptyAndBroadcastMethods.MatMulJvp(R(x[0]), R(x[1]), R(t[0]), R(t[1]), W(y))),
        ["bij,bjk->bik"] = ((x, y) => EmptyAndBroadcastMethods.Batched(R(x[0]), R(x[1]), W(y)),
            (x, g, d) => EmptyAndBroadcastMethods.BatchedBackward(R(x[0]), R(x[1]), R(g), W(d[0]), W(d[1])),
            (x, t, y) => EmptyAndBroadcastMethods.BatchedJvp(R(x[0]), R(x[1]), R(t[0]), R(t[1]), W(y))),
        ["ij,ij->ij"] = ((x, y) => EmptyAndBroadcastMethods.Hadamard(R(x[0]), R(x[1]), W(y)),
            (x, g, d) => EmptyAndBroadcastMethods.HadamardBackward(R(x[0]), R(x[1]), R(g), W(d[0]), W(d[1])),
            (x, t, y) => EmptyAndBroadcastMethods.HadamardJvp(R(x[0]), R(x[1]), R(t[0]), R(t[1]), W(y))),
        ["i,j->ij"] = ((x, y) => EmptyAndBroadcastMethods.Outer(R(x[0]), R(x[1]), W(y)),
            (x, g, d) => EmptyAndBroadcastMethods.OuterBackward(R(x[0]), R(x[1]), R(g), W(d[0]), W(d[1])),
            (x, t, y) => EmptyAndBroadcastMethods.OuterJvp(R(x[0]), R(x[1]), R(t[0]), R(t[1]), W(y))),
        ["iij,j->ij"] = ((x, y) => EmptyAndBroadcastMethods.Diagonal(R(x[0]), R(x[1]), W(y)),
            (x, g, d) => EmptyAndBroadcastMethods.DiagonalBackward(R(x[0]), R(x[1]), R(g), W(d[0]), W(d[1])),
            (x, t, y) => EmptyAndBroadcastMethods.DiagonalJvp(R(x[0]), R(x[1]), R(t[0]), R(t[1]), W(y))),
        ["ij->j"] = ((x, y) => EmptyAndBroadcastMethods.ColumnSums(R(x[0]), W(y)),
            (x, g, d) => EmptyAndBroadcastMethods.ColumnSumsBackward(R(x[0]), R(g), W(d[0])),
            (x, t, y) => EmptyAndBroadcastMethods.ColumnSumsJvp(R(x[0]), R(t[0]), W(y))),
        ["...ij,...jk->...ik"] = ((x, y) => EmptyAndBroadcastMethods.EllipsisMatMul(R(x[0]), R(x[1]), W(y)),
            (x, g, d) => EmptyAndBroadcastMethods.EllipsisMatMulBackward(R(x[0]), R(x[1]), R(g), W(d[0]), W(d[1])),
            (x, t, y) => EmptyAndBroadcastMethods.EllipsisMatMulJvp(R(x[0]), R(x[1]), R(t[0]), R(t[1]), W(y))),
        ["ij,jk,kl->il"] = ((x, y) => EmptyAndBroadcastMethods.Chain(R(x[0]), R(x[1]), R(x[2]), W(y)),
            (x, g, d) => EmptyAndBroadcastMethods.ChainBackward(R(x[0]), R(x[1]), R(x[2]), R(g), W(d[0]), W(d[1]), W(d[2])),
            (x, t, y) => EmptyAndBroadcastMethods.ChainJvp(R(x[0]), R(x[1]), R(x[2]), R(t[0]), R(t[1]), R(t[2]), W(y))),
    };

    /// <summary>Every (spec, shapes) variant: each label 0, 1, or broadcast from 1 in one operand; the ellipsis likewise.</summary>
    public static TheoryData<string, string> Variants()
    {
        var data = new TheoryData<string, string>();
        foreach (string spec in Methods.Keys)
        {
            var terms = spec.Split("->")[0].Split(',');
            string labels = new string(spec.Where(char.IsLetter).Distinct().ToArray());
            var baseSizes = labels.Select((c, i) => (c, s: 2 + i)).ToDictionary(p => p.c, p => p.s);
            int[][] ellipsis = terms.Select(_ => new[] { 2, 3 }).ToArray();
            void Add(Dictionary<char, int> sizes, int[][] ell, int broadcastOperand = -1, char broadcastLabel = '\0')
            {
                var shapes = terms.Select((t, k) =>
                {
                    var dims = new List<int>();
                    for (int i = 0; i < t.Length; i++)
                    {
                        if (t[i] == '.') { dims.AddRange(ell[k]); i += 2; }
                        else dims.Add(k == broadcastOperand && t[i] == broadcastLabel ? 1 : sizes[t[i]]);
                    }
                    return string.Join(",", dims);
                });
                data.Add(spec, string.Join(";", shapes.Select(s => s.Length == 0 ? "()" : s)));
            }
            Add(baseSizes, ellipsis);
            foreach (char c in labels)
            {
                foreach (int size in new[] { 0, 1 }) Add(new Dictionary<char, int>(baseSizes) { [c] = size }, ellipsis);
                var three = new Dictionary<char, int>(baseSizes) { [c] = 3 };
                for (int k = 0; k < terms.Length; k++)
                {
                    // A label repeated within a term is a diagonal: its sizes there must be equal, so it cannot broadcast.
                    if (terms[k].Count(x => x == c) == 1 && terms.Count(t => t.Contains(c)) > 1) Add(three, ellipsis, k, c);
                }
            }
            if (!spec.Contains('.')) continue;
            foreach (var variant in new[] { new[] { 0, 3 }, new[] { 2, 1 }, new[] { 1, 3 }, new[] { 3 } })
            {
                for (int k = 0; k < terms.Length; k++)
                {
                    // An empty ellipsis dimension is empty in every operand (once); the others vary in one operand.
                    if (variant[0] == 0 && k > 0) break;
                    Add(baseSizes, variant[0] == 0 ? ellipsis.Select(_ => variant).ToArray() : ellipsis.Select((e, j) => j == k ? variant : e).ToArray());
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void EveryPathAgreesWithTheOracle(string spec, string shapeText)
    {
        var shapes = ConformanceData.Shapes(shapeText);
        string context = $"{spec} on [{shapeText}]";
        var x = ConformanceData.RandomOperands<double>(shapes, shapeText.Length);
        var expected = Einsum.EvaluateNaive(spec, x);
        long terms = ConformanceData.Terms(spec, shapes);
        var lengths = expected.Lengths.ToArray();

        TestData.AssertClose(expected, Einsum.Evaluate(spec, x), terms, context + ": Evaluate");
        var into = TestData.Garbage<double>(lengths);
        Einsum.EvaluateInto(spec, into, x);
        TestData.AssertClose(expected, into, terms, context + ": EvaluateInto");
        var (forward, backward, jvp) = Methods[spec];
        var y = TestData.Garbage<double>(lengths);
        forward(x, y);
        TestData.AssertClose(expected, y, terms, context + ": generated method");

        // Reverse mode: the runtime against the adjoint identity, the generated method against the runtime.
        ConformanceData.AssertGradientsAreAdjoint(spec, x, context, result: expected);
        var g = ConformanceData.Random<double>(lengths.Select(d => (int)d).ToArray(), 3);
        var reference = Einsum.Backward(spec, g, x);
        var d = x.Select(o => TestData.Garbage<double>(o.Lengths)).ToArray();
        backward(x, g, d);
        for (int k = 0; k < x.Length; k++) TestData.AssertClose(reference[k], d[k], terms, $"{context}: generated gradient {k}");

        // Forward mode: the sum over operands of the einsum with that operand replaced by its tangent.
        var t = x.Select((o, k) => ConformanceData.Random<double>(o.Lengths.ToArray().Select(n => (int)n).ToArray(), 50 + k)).ToArray();
        var tangent = new double[expected.FlattenedLength];
        for (int k = 0; k < x.Length; k++)
        {
            var replaced = (Tensor<double>[])x.Clone();
            replaced[k] = t[k];
            var part = TestData.Flatten(Einsum.EvaluateNaive(spec, replaced));
            for (int i = 0; i < part.Length; i++) tangent[i] += part[i];
        }
        var ty = TestData.Garbage<double>(lengths);
        jvp(x, t, ty);
        TestData.AssertClose(Tensor.Create(tangent, lengths), ty, terms * x.Length, context + ": generated Jvp");

        // The memory-limited paths: a limit of 0 sends three operands through the multiway step (its gradients too).
        var limit = new EinsumPlanOptions { MemoryLimit = 0 };
        TestData.AssertClose(expected, Einsum.Evaluate(spec, limit, x), terms, context + ": Evaluate with a memory limit");
        var limited = Einsum.Backward(spec, limit, g, x);
        for (int k = 0; k < x.Length; k++) TestData.AssertClose(reference[k], limited[k], terms, $"{context}: gradient {k} with a memory limit");
    }
}
