using System;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using EinsumGen.Convolutions;

namespace EinsumGen.Tests.Convolutions;

/// <summary>
/// Direct-loop references in double, written from the definitions (cross-correlation, zero padding, groups, stride,
/// dilation) and sharing no code with the einsum path beyond the padding arithmetic of <see cref="ConvPadding.Resolve"/>.
/// </summary>
public static class ConvOracle
{
    /// <summary>Resolved per-dimension hyperparameters.</summary>
    public sealed record Hyper(int[] K, int[] S, int[] PadLeft, int[] D, int G);

    public static Hyper Resolve(ConvSpec spec)
    {
        int n = spec.Dimensions;
        var left = new int[n];
        for (int d = 0; d < n; d++) spec.Padding[d].Resolve(spec.KernelSize[d], spec.Stride[d], spec.Dilation[d], out left[d], out _);
        return new Hyper(spec.KernelSize.ToArray(), spec.Stride.ToArray(), left, spec.Dilation.ToArray(), spec.Groups);
    }

    public static int[] OutputSize(ConvSpec spec, int[] input)
    {
        var o = new int[input.Length];
        for (int d = 0; d < input.Length; d++)
        {
            spec.Padding[d].Resolve(spec.KernelSize[d], spec.Stride[d], spec.Dilation[d], out int l, out int r);
            o[d] = (input[d] + l + r - spec.Dilation[d] * (spec.KernelSize[d] - 1) - 1) / spec.Stride[d] + 1;
        }
        return o;
    }

    /// <summary>y[n, co, o…] = Σ_{ci, k…} x[n, g·Cin/G + ci, o·S + k·D − P] · w[co, ci, k…]; with <paramref name="sample"/> &gt; 1 only every sample-th output position (the rest NaN).</summary>
    public static double[] Forward(double[] x, int[] xShape, double[] w, int[] wShape, ConvSpec spec, out int[] yShape, int sample = 1)
    {
        var h = Resolve(spec);
        int n = xShape.Length - 2, batch = xShape[0], cin = xShape[1], cout = wShape[0], cinG = cin / h.G, coutG = cout / h.G;
        var input = xShape.Skip(2).ToArray();
        var output = OutputSize(spec, input);
        yShape = new[] { batch, cout }.Concat(output).ToArray();
        var y = new double[yShape.Aggregate(1, (a, b) => a * b)];
        int outCount = output.Aggregate(1, (a, b) => a * b), tapCount = h.K.Aggregate(1, (a, b) => a * b), inCount = input.Aggregate(1, (a, b) => a * b);
        var o = new int[n];
        var k = new int[n];
        var taps = new int[tapCount][];
        for (int f = 0; f < tapCount; f++)
        {
            taps[f] = new int[n];
            Unflatten(f, h.K, taps[f]);
        }
        for (int b = 0; b < batch; b++)
        for (int c = 0; c < cout; c++)
        {
            int g = c / coutG;
            for (int of = 0; of < outCount; of++)
            {
                if (of % sample != 0)
                {
                    y[((long)b * cout + c) * outCount + of] = double.NaN;
                    continue;
                }
                Unflatten(of, output, o);
                double sum = 0;
                for (int kf = 0; kf < tapCount; kf++)
                {
                    k = taps[kf];
                    int at = 0;
                    bool inside = true;
                    for (int d = 0; d < n && inside; d++)
                    {
                        int i = o[d] * h.S[d] + k[d] * h.D[d] - h.PadLeft[d];
                        inside = i >= 0 && i < input[d];
                        at = at * input[d] + i;
                    }
                    if (!inside) continue;
                    for (int ci = 0; ci < cinG; ci++)
                    {
                        sum += x[((long)b * cin + g * cinG + ci) * inCount + at] * w[((long)c * cinG + ci) * tapCount + kf];
                    }
                }
                y[((long)b * cout + c) * outCount + of] = sum;
            }
        }
        return y;
    }

    /// <summary>im2col: u[n, c·ΠK + k, o] = x[n, c, o·S + k·D − P] (0 in the padding).</summary>
    public static double[] Unfold(double[] x, int[] xShape, ConvSpec spec, out int[] uShape)
    {
        var h = Resolve(spec);
        int n = xShape.Length - 2, batch = xShape[0], channels = xShape[1];
        var input = xShape.Skip(2).ToArray();
        var output = OutputSize(spec, input);
        int outCount = output.Aggregate(1, (a, b) => a * b), tapCount = h.K.Aggregate(1, (a, b) => a * b), inCount = input.Aggregate(1, (a, b) => a * b);
        uShape = new[] { batch, channels * tapCount, outCount };
        var u = new double[batch * channels * tapCount * outCount];
        var o = new int[n];
        var k = new int[n];
        for (int b = 0; b < batch; b++)
        for (int c = 0; c < channels; c++)
        for (int kf = 0; kf < tapCount; kf++)
        {
            Unflatten(kf, h.K, k);
            for (int of = 0; of < outCount; of++)
            {
                Unflatten(of, output, o);
                int at = 0;
                bool inside = true;
                for (int d = 0; d < n && inside; d++)
                {
                    int i = o[d] * h.S[d] + k[d] * h.D[d] - h.PadLeft[d];
                    inside = i >= 0 && i < input[d];
                    at = at * input[d] + i;
                }
                if (inside) u[(((long)b * channels + c) * tapCount + kf) * outCount + of] = x[((long)b * channels + c) * inCount + at];
            }
        }
        return u;
    }

    /// <summary>
    /// Transpose convolution: y[n, g·CoutG + co, i] += x[n, g·CinG + ci, o] · w[g·CinG + ci, co, k] wherever
    /// i = o·S + k·D − P lies in [0, I).
    /// </summary>
    public static double[] TransposeForward(double[] x, int[] xShape, double[] w, int[] wShape, ConvSpec spec, int[] input, out int[] yShape)
    {
        var h = Resolve(spec);
        int n = xShape.Length - 2, batch = xShape[0], cin = xShape[1], coutG = wShape[1], cinG = cin / h.G, cout = coutG * h.G;
        var output = xShape.Skip(2).ToArray();
        yShape = new[] { batch, cout }.Concat(input).ToArray();
        var y = new double[yShape.Aggregate(1, (a, b) => a * b)];
        int outCount = output.Aggregate(1, (a, b) => a * b), tapCount = h.K.Aggregate(1, (a, b) => a * b), inCount = input.Aggregate(1, (a, b) => a * b);
        var o = new int[n];
        var k = new int[n];
        for (int b = 0; b < batch; b++)
        for (int ci = 0; ci < cin; ci++)
        {
            int g = ci / cinG;
            for (int of = 0; of < outCount; of++)
            {
                Unflatten(of, output, o);
                for (int kf = 0; kf < tapCount; kf++)
                {
                    Unflatten(kf, h.K, k);
                    int at = 0;
                    bool inside = true;
                    for (int d = 0; d < n && inside; d++)
                    {
                        int i = o[d] * h.S[d] + k[d] * h.D[d] - h.PadLeft[d];
                        inside = i >= 0 && i < input[d];
                        at = at * input[d] + i;
                    }
                    if (!inside) continue;
                    double xv = x[((long)b * cin + ci) * outCount + of];
                    for (int co = 0; co < coutG; co++)
                    {
                        y[((long)b * cout + g * coutG + co) * inCount + at] += xv * w[((long)ci * coutG + co) * tapCount + kf];
                    }
                }
            }
        }
        return y;
    }

    /// <summary>Transpose-unfold: u[n, c·ΠK + k, i] = x[n, c, o] where i = o·S + k·D − P.</summary>
    public static double[] TransposeUnfold(double[] x, int[] xShape, ConvSpec spec, int[] input)
    {
        var h = Resolve(spec);
        int n = xShape.Length - 2, batch = xShape[0], channels = xShape[1];
        var output = xShape.Skip(2).ToArray();
        int outCount = output.Aggregate(1, (a, b) => a * b), tapCount = h.K.Aggregate(1, (a, b) => a * b), inCount = input.Aggregate(1, (a, b) => a * b);
        var u = new double[batch * channels * tapCount * inCount];
        var o = new int[n];
        var k = new int[n];
        for (int b = 0; b < batch; b++)
        for (int c = 0; c < channels; c++)
        for (int kf = 0; kf < tapCount; kf++)
        {
            Unflatten(kf, h.K, k);
            for (int of = 0; of < outCount; of++)
            {
                Unflatten(of, output, o);
                int at = 0;
                bool inside = true;
                for (int d = 0; d < n && inside; d++)
                {
                    int i = o[d] * h.S[d] + k[d] * h.D[d] - h.PadLeft[d];
                    inside = i >= 0 && i < input[d];
                    at = at * input[d] + i;
                }
                if (inside) u[(((long)b * channels + c) * tapCount + kf) * inCount + at] = x[((long)b * channels + c) * outCount + of];
            }
        }
        return u;
    }

    /// <summary>KFC from unfolded columns u [N, C·ΠK, L] per group: Σ_n Σ_l u_g u_gᵀ / N.</summary>
    public static double[] KfcFromColumns(double[] u, int batch, int rows, int cols, int groups)
    {
        int side = rows / groups;
        var f = new double[groups * side * side];
        for (int g = 0; g < groups; g++)
        for (int b = 0; b < batch; b++)
        for (int i = 0; i < side; i++)
        for (int j = 0; j < side; j++)
        {
            double sum = 0;
            long ri = ((long)b * rows + g * side + i) * cols, rj = ((long)b * rows + g * side + j) * cols;
            for (int l = 0; l < cols; l++) sum += u[ri + l] * u[rj + l];
            f[(g * side + i) * side + j] += sum / batch;
        }
        return f;
    }

    /// <summary>KFAC-reduce from unfolded columns: the mean over the last axis, then Σ_n m m ᵀ / N per group.</summary>
    public static double[] KfacReduceFromColumns(double[] u, int batch, int rows, int cols, int groups)
    {
        int side = rows / groups;
        var mean = new double[batch * rows];
        for (int r = 0; r < batch * rows; r++)
        {
            double s = 0;
            for (int l = 0; l < cols; l++) s += u[(long)r * cols + l];
            mean[r] = s / cols;
        }
        var f = new double[groups * side * side];
        for (int g = 0; g < groups; g++)
        for (int b = 0; b < batch; b++)
        for (int i = 0; i < side; i++)
        for (int j = 0; j < side; j++)
        {
            f[(g * side + i) * side + j] += mean[b * rows + g * side + i] * mean[b * rows + g * side + j] / batch;
        }
        return f;
    }

    public static void Unflatten(int flat, int[] sizes, int[] index)
    {
        for (int d = sizes.Length - 1; d >= 0; d--)
        {
            index[d] = flat % sizes[d];
            flat /= sizes[d];
        }
    }

    public static double[] Random(int[] shape, int seed)
    {
        var rng = new Random(seed);
        var v = new double[shape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < v.Length; i++) v[i] = rng.NextDouble();
        return v;
    }

    public static Tensor<T> ToTensor<T>(double[] values, int[] shape) where T : INumberBase<T> =>
        Tensor.Create(values.Select(v => T.CreateChecked(v)).ToArray(), shape.Select(d => (nint)d).ToArray());

    public static double[] ToDoubles<T>(Tensor<T> t) where T : INumberBase<T> => TestData.Flatten(t);

    /// <summary>Asserts closeness: |a − e| ≤ atol + rtol·|e|, with rtol scaled by the element type's precision and the sum length.</summary>
    public static void AssertClose<T>(double[] expected, Tensor<T> actual, int[] shape, long terms, string context) where T : INumberBase<T>
    {
        Xunit.Assert.Equal(shape.Select(d => (nint)d).ToArray(), actual.Lengths.ToArray());
        AssertClose(expected, ToDoubles(actual), terms, typeof(T) == typeof(float), context);
    }

    public static void AssertClose(double[] expected, double[] actual, long terms, bool single, string context)
    {
        Xunit.Assert.Equal(expected.Length, actual.Length);
        double eps = single ? 1.2e-7 : 2.3e-16;
        double scale = expected.Length == 0 ? 1 : Math.Max(1, expected.Where(v => !double.IsNaN(v)).DefaultIfEmpty(0).Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++)
        {
            if (double.IsNaN(expected[i])) continue; // not computed by a sampled oracle
            double tol = 8 * eps * Math.Max(1, terms) * scale;
            if (!(Math.Abs(expected[i] - actual[i]) <= tol)) Xunit.Assert.Fail($"{context}: element {i} is {actual[i]}, expected {expected[i]} (tolerance {tol:g3})");
        }
    }
}
