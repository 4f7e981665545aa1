using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using EinsumGen.Tests.Corpus;
using Xunit;

namespace EinsumGen.Tests.Gradients;

/// <summary>
/// Generated Backward and Jvp methods on the whole corpus, in double. The loss is L(x) = Σ ȳ ⊙ einsum(x), linear in each
/// operand, so a central difference with step h is exact up to rounding: the finite-difference check compares with a
/// tolerance of 1e-10 per product term (plus 1e-9), stated here and derived from double's 2.2e-16 times the terms summed.
/// </summary>
public class GradientTests
{
    private const double Step = 0.5;

    public static IEnumerable<object[]> Cases() => CorpusMethods.Cases.Select(c => new object[] { c });

    [Theory]
    [MemberData(nameof(Cases))]
    public void BackwardMatchesFiniteDifferences(CorpusCase c)
    {
        var x = CorpusTests.Operands<double>(c);
        var y = Einsum.EvaluateNaive(c.Spec, x);
        var gy = TestData.Random<double>(y.Lengths.ToArray().Select(d => (int)d).ToArray(), 77);
        var grads = x.Select(t => TestData.Garbage<double>(t.Lengths)).ToArray();
        c.Backward(x, gy, grads.Cast<Tensor<double>?>().ToArray(), GradientMode.Overwrite);

        double tolerance = 1e-10 * TotalTerms(c) + 1e-9;
        var rng = new Random(5);
        for (int i = 0; i < x.Length; i++)
        {
            var flat = TestData.Flatten(grads[i]);
            // Linear in x[i]: check up to 24 elements per operand by central differences of the oracle.
            var picks = Enumerable.Range(0, flat.Length).OrderBy(_ => rng.Next()).Take(24);
            foreach (int e in picks)
            {
                double fd = (Loss(c.Spec, x, gy, i, e, Step) - Loss(c.Spec, x, gy, i, e, -Step)) / (2 * Step);
                Assert.True(Math.Abs(fd - flat[e]) <= tolerance * (1 + Math.Abs(fd)),
                    $"{c}: d/d operand {i} element {e}: generated {flat[e]}, finite difference {fd}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BackwardMatchesRuntimeAndAccumulates(CorpusCase c)
    {
        var x = CorpusTests.Operands<double>(c);
        var y = Einsum.EvaluateNaive(c.Spec, x);
        var gy = TestData.Random<double>(y.Lengths.ToArray().Select(d => (int)d).ToArray(), 78);
        var runtime = Einsum.Backward(c.Spec, gy, x);

        var grads = x.Select(t => TestData.Garbage<double>(t.Lengths)).ToArray();
        c.Backward(x, gy, grads.Cast<Tensor<double>?>().ToArray(), GradientMode.Overwrite);
        for (int i = 0; i < x.Length; i++) TestData.AssertClose(runtime[i], grads[i], TotalTerms(c), $"{c} operand {i}");

        // Accumulate adds a second copy; a skipped operand's buffer is left alone.
        var skipped = grads.Select((g, i) => i == 0 ? null : g).ToArray();
        c.Backward(x, gy, skipped, GradientMode.Accumulate);
        TestData.AssertClose(runtime[0], grads[0], TotalTerms(c), $"{c} skipped operand 0 must keep its values");
        for (int i = 1; i < x.Length; i++)
        {
            var doubled = Tensor.Multiply<double>(runtime[i], 2.0);
            TestData.AssertClose(doubled, grads[i], TotalTerms(c), $"{c} operand {i} accumulated");
        }
    }

    /// <summary>
    /// Each gradient requested alone matches the runtime's: the backward pass skips recomputing intermediates that no
    /// requested gradient reads, and must not skip one that is read. Before each call, a call on other operand values
    /// leaves different numbers in the pooled intermediates, so a wrongly skipped recomputation reads stale values.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void EachGradientAloneMatchesTheRuntime(CorpusCase c)
    {
        var x = CorpusTests.Operands<double>(c);
        var other = x.Select((t, i) => TestData.Random<double>(t.Lengths.ToArray().Select(d => (int)d).ToArray(), 500 + i)).ToArray();
        var y = Einsum.EvaluateNaive(c.Spec, x);
        var gy = TestData.Random<double>(y.Lengths.ToArray().Select(d => (int)d).ToArray(), 79);
        var runtime = Einsum.Backward(c.Spec, gy, x);
        for (int i = 0; i < x.Length; i++)
        {
            c.Backward(other, gy, other.Select(t => (Tensor<double>?)TestData.Garbage<double>(t.Lengths)).ToArray(), GradientMode.Overwrite);
            var only = new Tensor<double>?[x.Length];
            only[i] = TestData.Garbage<double>(x[i].Lengths);
            c.Backward(x, gy, only, GradientMode.Overwrite);
            TestData.AssertClose(runtime[i], only[i]!, TotalTerms(c), $"{c} operand {i} alone");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void JvpIsTheSumOfTangentEinsums(CorpusCase c)
    {
        var x = CorpusTests.Operands<double>(c);
        var t = c.Shapes.Select((s, i) => TestData.Random<double>(s, 500 + i)).ToArray();
        var expected = Einsum.EvaluateNaive(c.Spec, x.Select((_, j) => j == 0 ? t[0] : x[j]).ToArray());
        for (int i = 1; i < x.Length; i++)
        {
            expected = Tensor.Add<double>(expected, Einsum.EvaluateNaive(c.Spec, x.Select((_, j) => j == i ? t[i] : x[j]).ToArray()));
        }
        var output = TestData.Garbage<double>(expected.Lengths);
        double scalar = c.Jvp(x, t, output);
        if (expected.FlattenedLength == 1 && IsScalarSpec(c)) output[0] = scalar;
        TestData.AssertClose(expected, output, TotalTerms(c) * x.Length, c.ToString());
    }

    [Fact]
    public void SeedLinearLayerGradientIsMinusTwoResidualTimesInput()
    {
        // Seed 000 §2.1: y_hat = einsum('NM,M->N', W, x); loss = Σ (y - y_hat)²; dL/dW = -2 (y - W x) xᵀ.
        var w = TestData.Random<double>(new[] { 3, 5 }, 1);
        var x = TestData.Random<double>(new[] { 5 }, 2);
        var y = TestData.Random<double>(new[] { 3 }, 3);
        var yHat = Tensor.CreateFromShape<double>(new nint[] { 3 });
        CorpusMethods.LayerD(w, x, yHat);
        var dLoss = Tensor.CreateFromShape<double>(new nint[] { 3 });
        for (int n = 0; n < 3; n++) dLoss[n] = -2 * (y[n] - yHat[n]);
        var dW = Tensor.CreateFromShape<double>(new nint[] { 3, 5 });
        CorpusMethods.LayerDBackward(w, x, dLoss, dW, default);

        for (int n = 0; n < 3; n++)
        {
            double residual = y[n];
            for (int m = 0; m < 5; m++) residual -= w[n, m] * x[m];
            for (int m = 0; m < 5; m++) Assert.Equal(-2 * residual * x[m], dW[n, m], 12);
        }
    }

    private static double Loss(string spec, Tensor<double>[] x, Tensor<double> gy, int operand, int element, double delta)
    {
        var shifted = x.Select(t => t).ToArray();
        var copy = Tensor.CreateFromShape<double>(x[operand].Lengths);
        x[operand].CopyTo(copy);
        var values = new double[copy.FlattenedLength];
        copy.FlattenTo(values);
        values[element] += delta;
        shifted[operand] = Tensor.Create(values, x[operand].Lengths);
        var y = TestData.Flatten(Einsum.EvaluateNaive(spec, shifted));
        var g = TestData.Flatten(gy);
        return y.Zip(g, (a, b) => a * b).Sum();
    }

    private static bool IsScalarSpec(CorpusCase c) => CorpusTests.IsScalarResult(c);

    /// <summary>Products summed into L: one per assignment of every label (and ellipsis dimension).</summary>
    private static long TotalTerms(CorpusCase c) => CorpusTests.TermCount(c);
}
