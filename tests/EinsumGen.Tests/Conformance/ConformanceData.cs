using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;

namespace EinsumGen.Tests.Conformance;

/// <summary>Shapes and fills in the form the ported NumPy and opt_einsum cases are written in.</summary>
internal static class ConformanceData
{
    /// <summary>
    /// opt_einsum.testing's default sizes (<c>_valid_chars</c> / <c>_sizes</c>), which NumPy's test_einsum.py shares for
    /// 'a'..'j' (<c>global_size_dict</c>). Its <c>build_views(replace_ellipsis=True)</c> gives "..." the sizes 10, 2, 4.
    /// </summary>
    public static readonly IReadOnlyDictionary<char, int> DefaultSizes = "abcdefghijklmnopqABC"
        .Zip(new[] { 2, 3, 4, 5, 4, 3, 2, 6, 5, 4, 3, 2, 5, 7, 4, 3, 2, 3, 4, 9 }, (c, s) => (c, s))
        .ToDictionary(p => p.c, p => p.s);

    public static readonly int[] EllipsisSizes = { 10, 2, 4 };

    /// <summary>"2,3;3" → [[2, 3], [3]]; "()" is a rank-0 shape; "" is no operand at all.</summary>
    public static int[][] Shapes(string text) =>
        text.Length == 0
            ? Array.Empty<int[]>()
            : text.Split(';').Select(s => s == "()" ? Array.Empty<int>() : s.Split(',').Select(int.Parse).ToArray()).ToArray();

    /// <summary>Each input term's shape under <paramref name="sizes"/>, "..." taking <see cref="EllipsisSizes"/>.</summary>
    public static int[][] BuildShapes(string spec, IReadOnlyDictionary<char, int>? sizes = null)
    {
        sizes ??= DefaultSizes;
        string inputs = spec.Split("->")[0];
        return inputs.Split(',').Select(term =>
        {
            var dims = new List<int>();
            string t = term.Replace(" ", "");
            for (int i = 0; i < t.Length; i++)
            {
                if (t[i] == '.') { dims.AddRange(EllipsisSizes); i += 2; }
                else dims.Add(sizes[t[i]]);
            }
            return dims.ToArray();
        }).ToArray();
    }

    /// <summary>A dense tensor; a rank-0 shape becomes the one-element tensor that stands for a scalar.</summary>
    public static Tensor<T> Tensor<T>(int[] shape, Func<int, T> value)
    {
        var lengths = shape.Length == 0 ? new nint[] { 1 } : shape.Select(d => (nint)d).ToArray();
        int count = (int)lengths.Aggregate((nint)1, (a, b) => a * b);
        return System.Numerics.Tensors.Tensor.Create(Enumerable.Range(0, count).Select(value).ToArray(), lengths);
    }

    /// <summary>Uniform values in [0, 1) from a seed (NumPy's <c>np.random.rand</c>), in T.</summary>
    public static Tensor<T> Random<T>(int[] shape, int seed) where T : INumberBase<T>
    {
        var rng = new Random(seed);
        return Tensor(shape, _ => T.CreateChecked(rng.NextDouble()));
    }

    public static Tensor<T>[] RandomOperands<T>(int[][] shapes, int seed) where T : INumberBase<T> =>
        shapes.Select((s, k) => Random<T>(s, seed * 31 + k)).ToArray();

    /// <summary>
    /// Reverse mode against the definition: einsum is linear in each operand, so for any direction D,
    /// ⟨G, einsum(…, D, …)⟩ = ⟨∂_k, D⟩ exactly (up to rounding) — diagonals and broadcast dimensions included. Every
    /// gradient is computed and shape-checked; the identity (a naive evaluation each) for <paramref name="checks"/>
    /// operands, the first and last first. <paramref name="result"/>: the oracle's result, when the caller has it.
    /// </summary>
    public static void AssertGradientsAreAdjoint(string spec, Tensor<double>[] operands, string context, int checks = 4,
        Tensor<double>? result = null)
    {
        var output = result ?? Einsum.EvaluateNaive(spec, operands);
        var g = Random<double>(output.Lengths.ToArray().Select(d => (int)d).ToArray(), 99);
        var grads = Einsum.Backward(spec, g, operands);
        Xunit.Assert.Equal(operands.Length, grads.Length);
        var gv = TestData.Flatten(g);
        int n = operands.Length;
        var checkedOperands = Enumerable.Range(0, n).OrderBy(k => k == 0 ? 0 : k == n - 1 ? 1 : 2 + k).Take(checks).ToHashSet();
        for (int k = 0; k < operands.Length; k++)
        {
            Xunit.Assert.Equal(operands[k].Lengths.ToArray(), grads[k].Lengths.ToArray());
            if (!checkedOperands.Contains(k)) continue;
            var d = Random<double>(operands[k].Lengths.ToArray().Select(x => (int)x).ToArray(), 1000 + k);
            var replaced = (Tensor<double>[])operands.Clone();
            replaced[k] = d;
            double lhs = TestData.Flatten(Einsum.EvaluateNaive(spec, replaced)).Zip(gv, (a, b) => a * b).Sum();
            double rhs = TestData.Flatten(grads[k]).Zip(TestData.Flatten(d), (a, b) => a * b).Sum();
            double tol = 1e-12 * Math.Max(1, gv.Length) * Math.Max(1, Math.Abs(lhs));
            Xunit.Assert.True(Math.Abs(lhs - rhs) <= tol, $"{context}: gradient of operand {k}: ⟨G, f(D)⟩ = {lhs}, ⟨∂, D⟩ = {rhs}");
        }
    }

    /// <summary>
    /// Products summed into each result element (the summed labels' sizes multiplied) times the operand count, for the
    /// tolerance: a pairwise plan rounds once per step as well as once per term.
    /// </summary>
    public static long Terms(string spec, int[][] shapes)
    {
        var plan = EinsumPlan.Create(spec, shapes);
        string output = plan.Spec.Substring(plan.Spec.IndexOf("->", StringComparison.Ordinal) + 2);
        long terms = 1;
        foreach (var (label, size) in plan.LabelSizes) if (output.IndexOf(label) < 0) terms *= Math.Max(1, size);
        return terms * Math.Max(1, shapes.Length);
    }
}
