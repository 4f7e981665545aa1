using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using Xunit;

namespace EinsumGen.Tests.Runtime;

/// <summary>
/// Plans that sum an operand's own labels first, by a unary step (issue 18): the plan holds the step, and the runtime's
/// forward pass (float and double, dense and strided views, into a given output), backward pass (exact differences: the
/// result is linear in each operand and the values are small integers) and forward mode agree with the naive oracle.
/// </summary>
public class UnaryStepTests
{
    public static IEnumerable<object[]> Cases() => new[]
    {
        new object[] { "abc,cd,de->ae", new[] { new[] { 2, 6, 2 }, new[] { 2, 2 }, new[] { 2, 2 } } },
        new object[] { "pq,qrs,st->pt", new[] { new[] { 2, 3 }, new[] { 3, 7, 2 }, new[] { 2, 2 } } },
        new object[] { "xby,yz,zw->xw", new[] { new[] { 2, 6, 2 }, new[] { 2, 2 }, new[] { 2, 3 } } },
        new object[] { "iijk,kl,lm->jm", new[] { new[] { 4, 4, 2, 2 }, new[] { 2, 2 }, new[] { 2, 2 } } },
        new object[] { "abc,cd->d", new[] { new[] { 3, 4, 2 }, new[] { 2, 5 } } },
        new object[] { "ab,c->c", new[] { new[] { 3, 4 }, new[] { 5 } } },
        new object[] { "abx,xcd->", new[] { new[] { 3, 4, 2 }, new[] { 2, 3, 5 } } },
        new object[] { "...ab,bc->...c", new[] { new[] { 2, 6, 2 }, new[] { 2, 3 } } },
        new object[] { "abc,cd,de->ae", new[] { new[] { 2, 6, 1 }, new[] { 3, 2 }, new[] { 2, 2 } } },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ThePlanSumsAnOperandFirst(string spec, int[][] shapes)
    {
        var plan = EinsumPlan.Create(spec, shapes);
        var first = plan.Steps[0];
        Assert.Single(first.Operands);
        Assert.Equal(EinsumStepKind.Reduction, first.Kind);
        Assert.NotEmpty(first.SummedLabels);
        Assert.Equal(shapes.Length - 1, plan.Steps.Count(s => s.Operands.Count == 2));
        Assert.Contains("reduction", plan.ToString());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardMatchesTheOracle(string spec, int[][] shapes)
    {
        var doubles = shapes.Select((s, i) => Integers(s, 10 + i)).ToArray();
        var expected = Einsum.EvaluateNaive(spec, doubles);
        Assert.Equal(TestData.Flatten(expected), TestData.Flatten(Einsum.Evaluate(spec, doubles)));

        var floats = doubles.Select(t => Tensor.Create(TestData.Flatten(t).Select(v => (float)v).ToArray(), t.Lengths.ToArray())).ToArray();
        Assert.Equal(TestData.Flatten(expected), TestData.Flatten(Einsum.Evaluate(spec, floats)));

        var into = TestData.Garbage<double>(expected.Lengths);
        Einsum.EvaluateInto(spec, into, doubles);
        Assert.Equal(TestData.Flatten(expected), TestData.Flatten(into));

        // The same operands as transposed views: the unary step reads any strides.
        var strided = doubles.Select(Reversed).ToArray();
        Assert.Equal(TestData.Flatten(expected), TestData.Flatten(Einsum.Evaluate(spec, strided)));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BackwardIsTheExactChange(string spec, int[][] shapes)
    {
        var operands = shapes.Select((s, i) => Integers(s, 20 + i)).ToArray();
        var result = Einsum.EvaluateNaive(spec, operands);
        var weights = Enumerable.Range(0, (int)result.FlattenedLength).Select(i => (double)(i * 7 % 5 - 2)).ToArray();
        var gradients = Einsum.Backward(spec, Tensor.Create(weights, result.Lengths.ToArray()), operands);
        double baseline = Pairing(result, weights);
        for (int i = 0; i < operands.Length; i++)
        {
            var values = TestData.Flatten(operands[i]);
            var gradient = TestData.Flatten(gradients[i]);
            for (int j = 0; j < values.Length; j++)
            {
                var bumped = (double[])values.Clone();
                bumped[j] += 1;
                var perturbed = (Tensor<double>[])operands.Clone();
                perturbed[i] = Tensor.Create(bumped, operands[i].Lengths.ToArray());
                double change = Pairing(Einsum.EvaluateNaive(spec, perturbed), weights) - baseline;
                Assert.True(change == gradient[j], $"'{spec}': ∂/∂operand {i} element {j} is {gradient[j]}, expected {change}");
            }
        }
    }

    /// <summary>
    /// The generated corpus methods whose plans sum an operand first: backward in float against double, and forward mode
    /// as the sum of the tangent einsums (the double cases run in <c>GradientTests</c> with finite differences).
    /// </summary>
    [Theory]
    [InlineData("SumFirstChain")]
    [InlineData("TraceFirstChain")]
    [InlineData("SumFirstPair")]
    [InlineData("SumToScalarFirst")]
    [InlineData("SumBothFirst")]
    [InlineData("SumFirstChainSized")]
    [InlineData("TraceFirstChainSized")]
    public void CorpusMethodsRunTheUnaryStep(string name)
    {
        var c = Corpus.CorpusMethods.Cases.Single(k => k.Name == name);
        var shapes = c.Shapes.Select(s => s!).ToArray();
        Assert.Equal(EinsumStepKind.Reduction, EinsumPlan.Create(c.Spec, shapes).Steps[0].Kind);
        var x = shapes.Select((s, i) => Integers(s, 30 + i)).ToArray();
        var t = shapes.Select((s, i) => Integers(s, 40 + i)).ToArray();
        var expected = Einsum.EvaluateNaive(c.Spec, x.Select((_, j) => j == 0 ? t[0] : x[j]).ToArray());
        for (int i = 1; i < x.Length; i++) expected = Tensor.Add<double>(expected, Einsum.EvaluateNaive(c.Spec, x.Select((_, j) => j == i ? t[i] : x[j]).ToArray()));
        var output = TestData.Garbage<double>(expected.Lengths);
        double scalar = c.Jvp(x, t, output);
        if (c.Spec.EndsWith("->", StringComparison.Ordinal)) output[0] = scalar;
        Assert.Equal(TestData.Flatten(expected), TestData.Flatten(output));
    }

    private static Tensor<double> Integers(int[] shape, int seed)
    {
        var rng = new Random(seed);
        int count = shape.Aggregate(1, (a, b) => a * b);
        return Tensor.Create(Enumerable.Range(0, count).Select(_ => (double)rng.Next(-3, 4)).ToArray(), shape.Select(d => (nint)d).ToArray());
    }

    /// <summary>The same tensor stored in reversed dimension order, viewed back in its own order (strides descending no more).</summary>
    private static Tensor<double> Reversed(Tensor<double> t)
    {
        var lengths = t.Lengths.ToArray();
        int rank = lengths.Length;
        var strides = new nint[rank];
        nint stride = 1;
        for (int d = 0; d < rank; d++)
        {
            strides[d] = lengths[d] == 1 ? 0 : stride;
            stride *= lengths[d];
        }
        var data = new double[Math.Max(1, (int)stride)];
        var values = TestData.Flatten(t);
        for (int flat = 0; flat < values.Length; flat++)
        {
            int rest = flat, offset = 0;
            for (int d = rank - 1; d >= 0; d--)
            {
                offset += (int)(rest % lengths[d] * strides[d]);
                rest /= (int)lengths[d];
            }
            data[offset] = values[flat];
        }
        return Tensor.Create(data, 0, lengths, strides);
    }

    private static double Pairing(Tensor<double> t, double[] weights)
    {
        var values = TestData.Flatten(t);
        double sum = 0;
        for (int i = 0; i < values.Length; i++) sum += values[i] * weights[i];
        return sum;
    }
}
