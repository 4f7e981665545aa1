using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using System.Text;
using Xunit;

namespace EinsumGen.Tests.Runtime;

/// <summary>
/// Randomized specs against the oracle: every feature NumPy's einsum accepts, mixed at random — one to four operands,
/// repeated labels (diagonals), '...' anywhere in a term and covering 0–2 dimensions, size-1 dimensions broadcast against a
/// label's size, size-0 labels, rank-0 operands, implicit and explicit outputs — over views that are permuted in memory,
/// padded or broadcast with stride 0. <see cref="Einsum.Evaluate{T}"/> must equal <see cref="Einsum.EvaluateNaive{T}"/>
/// (or both reject the spec with an <see cref="ArgumentException"/>), and every gradient of <see cref="Einsum.Backward{T}"/>
/// must equal the exact change of ⟨G, result⟩ when one element of one operand grows by 1 (the result is linear in each
/// operand, so that difference is the derivative; double, small integers: exact).
/// </summary>
public class RandomSpecTests
{
    private const string Alphabet = "abcdeAB";

    public static IEnumerable<object[]> Seeds() => Enumerable.Range(0, 40).Select(i => new object[] { i * 10 });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void EvaluateAndBackwardMatchTheOracle(int firstSeed)
    {
        int evaluated = 0;
        for (int seed = firstSeed; seed < firstSeed + 10; seed++)
        {
            var (spec, operands) = RandomCase(new Random(seed));
            string context = $"seed {seed}: '{spec}' on {Shapes(operands)}";
            Tensor<double> expected;
            try
            {
                expected = Einsum.EvaluateNaive(spec, operands);
            }
            catch (ArgumentException)
            {
                Assert.ThrowsAny<ArgumentException>(() => Einsum.Evaluate(spec, operands));
                continue;
            }
            evaluated++;
            var actual = Einsum.Evaluate(spec, operands);
            Assert.True(expected.Lengths.SequenceEqual(actual.Lengths), context + ": shape");
            Assert.Equal(TestData.Flatten(expected), TestData.Flatten(actual));

            var floats = operands.Select(ToFloat).ToArray();
            TestData.AssertClose(Einsum.EvaluateNaive(spec, floats), Einsum.Evaluate(spec, floats), Terms(operands), context + " (float)");

            CheckGradients(spec, operands, expected, context);
            CheckOtherElementTypes(spec, operands, expected, context);
        }
        // Most random cases are valid: the test exercises evaluation, not only the errors.
        Assert.True(evaluated >= 7, $"only {evaluated} of 10 cases from seed {firstSeed} were valid");
    }

    private static void CheckGradients(string spec, Tensor<double>[] operands, Tensor<double> result, string context)
    {
        var g = Tensor.Create(Enumerable.Range(0, (int)result.FlattenedLength).Select(i => (double)(i * 7 % 5 - 2)).ToArray(), result.Lengths.ToArray());
        var gradients = Einsum.Backward(spec, g, operands);
        var weights = TestData.Flatten(g);
        double baseline = Pairing(Einsum.EvaluateNaive(spec, operands), weights);
        for (int i = 0; i < operands.Length; i++)
        {
            Assert.True(operands[i].Lengths.SequenceEqual(gradients[i].Lengths), $"{context}: gradient {i} shape");
            var values = TestData.Flatten(operands[i]);
            var gradient = TestData.Flatten(gradients[i]);
            for (int j = 0; j < values.Length; j++)
            {
                var bumped = (double[])values.Clone();
                bumped[j] += 1;
                var perturbed = (Tensor<double>[])operands.Clone();
                perturbed[i] = Tensor.Create(bumped, operands[i].Lengths.ToArray());
                double change = Pairing(Einsum.EvaluateNaive(spec, perturbed), weights) - baseline;
                Assert.True(change == gradient[j], $"{context}: ∂/∂operand {i} element {j} is {gradient[j]}, expected {change}");
            }
        }
    }

    /// <summary>
    /// The same case in long (whose result and gradients must equal the double ones: small integers, exact either way), in
    /// Complex with imaginary parts (against the oracle, which sums Complex in its own arithmetic) and in Half.
    /// </summary>
    private static void CheckOtherElementTypes(string spec, Tensor<double>[] operands, Tensor<double> expected, string context)
    {
        var longs = operands.Select(t => Convert(t, v => (long)v)).ToArray();
        Assert.Equal(TestData.Flatten(expected), TestData.Elements(Einsum.Evaluate(spec, longs)).Select(v => (double)v));
        var g = Tensor.Create(Enumerable.Range(0, (int)expected.FlattenedLength).Select(i => (long)(i * 7 % 5 - 2)).ToArray(), expected.Lengths.ToArray());
        var longGradients = Einsum.Backward(spec, g, longs);
        var doubleGradients = Einsum.Backward(spec, Tensor.Create(TestData.Elements(g).Select(v => (double)v).ToArray(), g.Lengths.ToArray()), operands);
        for (int i = 0; i < operands.Length; i++)
        {
            Assert.True(TestData.Flatten(doubleGradients[i]).SequenceEqual(TestData.Elements(longGradients[i]).Select(v => (double)v)), $"{context}: long gradient {i}");
        }

        int salt = 0;
        var complexes = operands.Select(t => Convert(t, v => new Complex(v, (salt++ % 5) - 2))).ToArray();
        Assert.Equal(TestData.Elements(Einsum.EvaluateNaive(spec, complexes)), TestData.Elements(Einsum.Evaluate(spec, complexes)));

        var halves = operands.Select(t => Convert(t, v => (Half)v)).ToArray();
        TestData.AssertClose(Einsum.EvaluateNaive(spec, halves), Einsum.Evaluate(spec, halves), Terms(operands), context + " (Half)");
    }

    private static Tensor<TOut> Convert<TOut>(Tensor<double> t, Func<double, TOut> convert) =>
        Tensor.Create(TestData.Flatten(t).Select(convert).ToArray(), t.Lengths.ToArray());

    private static double Pairing(Tensor<double> t, double[] weights)
    {
        var values = TestData.Flatten(t);
        double sum = 0;
        for (int i = 0; i < values.Length; i++) sum += values[i] * weights[i];
        return sum;
    }

    /// <summary>
    /// A random spec with operands of matching (or broadcastable) shapes; values are small integers. Up to
    /// <paramref name="maxOperands"/> operands, labels of size up to <paramref name="maxSize"/> (the generated-code fuzzer,
    /// <c>GeneratedFuzzTests</c>, asks for more operands and smaller sizes).
    /// </summary>
    internal static (string Spec, Tensor<double>[] Operands) RandomCase(Random rng, int maxOperands = 4, int maxSize = 4)
    {
        var size = Alphabet.ToDictionary(c => c, _ => rng.Next(12) == 0 ? 0 : rng.Next(1, maxSize + 1));
        var ellipsis = Enumerable.Range(0, rng.Next(0, 3)).Select(_ => rng.Next(1, Math.Min(4, maxSize + 1))).ToArray();
        bool useEllipsis = rng.Next(3) == 0;
        int count = rng.Next(1, maxOperands + 1);
        var terms = new string[count];
        var operands = new Tensor<double>[count];
        for (int i = 0; i < count; i++)
        {
            var labels = new string(Enumerable.Range(0, rng.Next(0, 4)).Select(_ => Alphabet[rng.Next(Alphabet.Length)]).ToArray());
            int at = useEllipsis && rng.Next(2) == 0 ? rng.Next(0, labels.Length + 1) : -1;
            var shape = new List<int>();
            var first = new Dictionary<char, int>();
            void Label(char c)
            {
                // A repeated label takes its first size; elsewhere a size-1 dimension sometimes broadcasts.
                if (!first.TryGetValue(c, out int n)) first[c] = n = size[c] > 0 && rng.Next(8) == 0 ? 1 : size[c];
                shape.Add(n);
            }
            foreach (char c in at < 0 ? labels : labels.Substring(0, at)) Label(c);
            if (at >= 0)
            {
                int covered = rng.Next(0, ellipsis.Length + 1);
                for (int d = ellipsis.Length - covered; d < ellipsis.Length; d++) shape.Add(rng.Next(4) == 0 ? 1 : ellipsis[d]);
                foreach (char c in labels.Substring(at)) Label(c);
            }
            terms[i] = at < 0 ? labels : labels.Substring(0, at) + "..." + labels.Substring(at);
            operands[i] = RandomView(shape.ToArray(), rng);
        }
        var spec = new StringBuilder(string.Join(",", terms));
        if (rng.Next(3) != 0)
        {
            var output = new string(string.Concat(terms).Replace(".", "").Distinct().Where(_ => rng.Next(2) == 0).OrderBy(_ => rng.Next()).ToArray());
            if (terms.Any(t => t.Contains("...")) && rng.Next(5) != 0)
            {
                int at = rng.Next(0, output.Length + 1);
                output = output.Substring(0, at) + "..." + output.Substring(at);
            }
            spec.Append("->").Append(output);
        }
        return (spec.ToString(), operands);
    }

    /// <summary>
    /// Integer values in [-3, 3] laid out in a random order of dimensions, with a gap after one of them, or broadcast
    /// along a dimension with stride 0. A rank-0 operand is a one-element tensor of rank 1.
    /// </summary>
    private static Tensor<double> RandomView(int[] shape, Random rng)
    {
        if (shape.Length == 0) return Tensor.Create(new[] { (double)rng.Next(-3, 4) }, [1]);
        int rank = shape.Length;
        var order = Enumerable.Range(0, rank).OrderBy(_ => rng.Next()).ToArray();
        var strides = new nint[rank];
        long stride = 1;
        int broadcast = rng.Next(6) == 0 ? rng.Next(rank) : -1;
        for (int k = rank - 1; k >= 0; k--)
        {
            int d = order[k];
            if (d == broadcast || shape[d] == 1) continue; // TensorShape wants stride 0 on a length-1 dimension
            strides[d] = (nint)stride;
            stride *= Math.Max(1, shape[d]) + (rng.Next(4) == 0 ? 1 : 0);
        }
        var data = Enumerable.Range(0, (int)stride).Select(_ => (double)rng.Next(-3, 4)).ToArray();
        if (shape.Contains(0)) return Tensor.Create(Array.Empty<double>(), shape.Select(n => (nint)n).ToArray());
        return Tensor.Create(data, 0, shape.Select(n => (nint)n).ToArray(), strides);
    }

    private static long Terms(Tensor<double>[] operands) =>
        Math.Max(1, operands.Aggregate(1L, (p, t) => p * Math.Max(1, t.FlattenedLength)));

    private static Tensor<float> ToFloat(Tensor<double> t) =>
        Tensor.Create(TestData.Flatten(t).Select(v => (float)v).ToArray(), t.Lengths.ToArray());

    private static string Shapes(Tensor<double>[] operands) =>
        string.Join(" ", operands.Select(t => "[" + string.Join(",", t.Lengths.ToArray()) + "]"));
}
