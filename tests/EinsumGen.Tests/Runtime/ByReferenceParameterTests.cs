using System;
using System.Numerics.Tensors;
using Xunit;

namespace EinsumGen.Tests.Runtime;

/// <summary>
/// Views passed by reference (<c>in</c>, <c>ref readonly</c>) give the same results as by value, on the binding-free
/// path for dense views of the declared shapes and on the binding for any other view.
/// </summary>
public static partial class ByReferenceParameterTests
{
    [Einsum("mn,nk->mk", Sizes = "m=3,n=5,k=4")]
    private static partial void MatMulIn(in ReadOnlyTensorSpan<float> a, in ReadOnlyTensorSpan<float> b, in TensorSpan<float> c);

    [Einsum("mn,nk->mk", Sizes = "m=3,n=5,k=4")]
    private static partial void MatMulRefReadonly(ref readonly ReadOnlyTensorSpan<double> a, ref readonly ReadOnlyTensorSpan<double> b, ref readonly TensorSpan<double> c);

    [Einsum("i,->i", Sizes = "i=1")]
    private static partial void ScaleIn(in ReadOnlyTensorSpan<float> x, in float s, in TensorSpan<float> y);

    [Fact]
    public static void Dense_views_of_the_declared_shape_match_the_reference()
    {
        float[] a = Values<float>(15, 1), b = Values<float>(20, 2), c = new float[12];
        var sa = new ReadOnlyTensorSpan<float>(a, [3, 5]);
        var sb = new ReadOnlyTensorSpan<float>(b, [5, 4]);
        var sc = new TensorSpan<float>(c, [3, 4]);
        MatMulIn(in sa, in sb, in sc);
        AssertMatMul(a, 5, 1, b, 4, 1, c, 1e-5);

        double[] ad = Values<double>(15, 3), bd = Values<double>(20, 4), cd = new double[12];
        var da = new ReadOnlyTensorSpan<double>(ad, [3, 5]);
        var db = new ReadOnlyTensorSpan<double>(bd, [5, 4]);
        var dc = new TensorSpan<double>(cd, [3, 4]);
        MatMulRefReadonly(in da, in db, in dc);
        AssertMatMul(ad, 5, 1, bd, 4, 1, cd, 1e-12);
    }

    [Fact]
    public static void Other_views_take_the_binding_and_match_the_reference()
    {
        // a is a transposed view (strides 1, 3) and b a slice of a wider buffer (row stride 6): neither is dense.
        float[] a = Values<float>(15, 5), b = Values<float>(30, 6), c = new float[12];
        var sa = new ReadOnlyTensorSpan<float>(a, [3, 5], [1, 3]);
        var sb = new ReadOnlyTensorSpan<float>(b, [5, 4], [6, 1]);
        var sc = new TensorSpan<float>(c, [3, 4]);
        MatMulIn(in sa, in sb, in sc);
        AssertMatMul(a, 1, 3, b, 6, 1, c, 1e-5);
    }

    [Fact]
    public static void A_length_one_dimension_and_a_scalar_by_reference()
    {
        float[] x = [2.5f], y = new float[1];
        var sx = new ReadOnlyTensorSpan<float>(x, [1]);
        var sy = new TensorSpan<float>(y, [1]);
        float s = -3f;
        ScaleIn(in sx, in s, in sy);
        Assert.Equal(-7.5f, y[0]);
    }

    [Fact]
    public static void The_forward_mode_passes_views_by_reference_too()
    {
        // Jvp along a alone (b's tangent left default) is the product with a replaced by its tangent; along both, the sum.
        float[] a = Values<float>(15, 7), b = Values<float>(20, 8), ta = Values<float>(15, 9), tb = Values<float>(20, 10);
        float[] y = new float[12], want = new float[12], term = new float[12];
        var sa = new ReadOnlyTensorSpan<float>(a, [3, 5]);
        var sb = new ReadOnlyTensorSpan<float>(b, [5, 4]);
        MatMulInJvp(in sa, in sb, new ReadOnlyTensorSpan<float>(ta, [3, 5]), default, new TensorSpan<float>(y, [3, 4]));
        AssertMatMul(ta, 5, 1, b, 4, 1, y, 1e-5);
        MatMulInJvp(in sa, in sb, new ReadOnlyTensorSpan<float>(ta, [3, 5]), new ReadOnlyTensorSpan<float>(tb, [5, 4]), new TensorSpan<float>(y, [3, 4]));
        var st = new TensorSpan<float>(term, [3, 4]);
        var sw = new TensorSpan<float>(want, [3, 4]);
        MatMulIn(new ReadOnlyTensorSpan<float>(ta, [3, 5]), in sb, in sw);
        MatMulIn(in sa, new ReadOnlyTensorSpan<float>(tb, [5, 4]), in st);
        for (int i = 0; i < 12; i++) Assert.Equal(want[i] + term[i], y[i], 1e-5f);
    }

    [Fact]
    public static void A_wrong_size_is_still_reported_by_name()
    {
        float[] a = new float[15], b = new float[20], c = new float[15];
        var e = Assert.Throws<ArgumentException>(() =>
        {
            var sa = new ReadOnlyTensorSpan<float>(a, [3, 5]);
            var sb = new ReadOnlyTensorSpan<float>(b, [5, 4]);
            var sc = new TensorSpan<float>(c, [3, 5]);
            MatMulIn(in sa, in sb, in sc);
        });
        Assert.Contains("'c'", e.Message);
        Assert.Contains("'k'", e.Message);
    }

    private static T[] Values<T>(int n, int seed) where T : System.Numerics.IFloatingPoint<T>
    {
        var rng = new Random(seed);
        var v = new T[n];
        for (int i = 0; i < n; i++) v[i] = T.CreateChecked(rng.NextDouble() * 2 - 1);
        return v;
    }

    /// <summary>c (dense 3×4) against Σ_n a[m,n]·b[n,k] read through the given strides.</summary>
    private static void AssertMatMul<T>(T[] a, int am, int an, T[] b, int bn, int bk, T[] c, double tol) where T : System.Numerics.IFloatingPoint<T>
    {
        for (int m = 0; m < 3; m++)
            for (int k = 0; k < 4; k++)
            {
                double want = 0;
                for (int n = 0; n < 5; n++) want += double.CreateChecked(a[m * am + n * an]) * double.CreateChecked(b[n * bn + k * bk]);
                Assert.True(Math.Abs(want - double.CreateChecked(c[m * 4 + k])) <= tol, $"c[{m},{k}] = {c[m * 4 + k]}, expected {want}");
            }
    }
}
