using System;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;

namespace EinsumGen.Tests;

/// <summary>Deterministic test tensors and the tolerance rule used against the oracle.</summary>
public static class TestData
{
    /// <summary>A dense tensor of uniform values in [-1, 1) from a fixed seed; a null shape gives a one-element tensor.</summary>
    public static Tensor<T> Random<T>(int[]? shape, int seed) where T : INumberBase<T>
    {
        var lengths = (shape ?? new[] { 1 }).Select(d => (nint)d).ToArray();
        long count = lengths.Aggregate(1L, (a, b) => a * b);
        var rng = new Random(seed);
        var data = new T[count];
        for (long i = 0; i < count; i++) data[i] = T.CreateChecked(rng.NextDouble() * 2 - 1);
        return Tensor.Create(data, lengths);
    }

    /// <summary>A tensor of the given shape filled with NaN, so that a result that is not fully overwritten shows.</summary>
    public static Tensor<T> Garbage<T>(ReadOnlySpan<nint> lengths) where T : IFloatingPointIeee754<T>
    {
        var t = Tensor.CreateFromShape<T>(lengths);
        t.Fill(T.NaN);
        return t;
    }

    /// <summary>
    /// Asserts closeness with a tolerance that scales with the contraction length: each result is a sum of
    /// <paramref name="terms"/> products, each rounding in T, so allow terms · 4ε relative to the magnitude (≥ 1).
    /// </summary>
    public static void AssertClose<T>(Tensor<T> expected, Tensor<T> actual, long terms, string context) where T : IFloatingPointIeee754<T>
    {
        Xunit.Assert.Equal(expected.Lengths.ToArray(), actual.Lengths.ToArray());
        var e = Flatten(expected);
        var a = Flatten(actual);
        double eps = typeof(T) == typeof(float) ? 1.2e-7 : typeof(T) == typeof(Half) ? 9.8e-4 : 2.3e-16;
        for (int i = 0; i < e.Length; i++)
        {
            double tol = 4 * eps * Math.Max(1, terms) * Math.Max(1, Math.Abs(e[i]));
            if (!(Math.Abs(e[i] - a[i]) <= tol))
            {
                Xunit.Assert.Fail($"{context}: element {i} is {a[i]}, expected {e[i]} (tolerance {tol:g3})");
            }
        }
    }

    /// <summary>The elements of any view in row-major order, in their own type.</summary>
    public static T[] Elements<T>(Tensor<T> t)
    {
        var values = new T[t.FlattenedLength];
        t.FlattenTo(values);
        return values;
    }

    /// <summary>The elements of any view in row-major order, as doubles.</summary>
    public static double[] Flatten<T>(Tensor<T> t) where T : INumberBase<T> =>
        Elements(t).Select(v => double.CreateChecked(v)).ToArray();
}
