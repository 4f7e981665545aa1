using System;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using Xunit;

namespace EinsumGen.Tests.Runtime;

/// <summary>
/// <see cref="Einsum"/> on element types other than float and double, as NumPy's einsum takes every numeric dtype:
/// fixed-width integers accumulate in their own type and wrap on overflow, decimal and 64-bit integers stay exact where
/// a double would round, Complex keeps its imaginary parts, and gradients are einsums in the same type.
/// </summary>
public class ElementTypeTests
{
    private static Tensor<T> Make<T>(Func<int, T> value, params nint[] shape)
    {
        int count = (int)shape.Aggregate((nint)1, (a, b) => a * b);
        return Tensor.Create(Enumerable.Range(0, count).Select(value).ToArray(), shape);
    }

    [Fact]
    public void Small_integers_wrap_as_numpy_int8_and_uint8_do()
    {
        // np.einsum('i->', np.ones(300, np.int8)) == 44; np.einsum('ij,jk->ik', ...) in uint8 wraps modulo 256.
        Assert.Equal((sbyte)44, TestData.Elements(Einsum.Evaluate("i->", Make(_ => (sbyte)1, 300)))[0]);
        var a = Make(i => (byte)(i * 37 % 251), 7, 9);
        var b = Make(i => (byte)(i * 53 % 241), 9, 5);
        var c = TestData.Elements(Einsum.Evaluate("ij,jk->ik", a, b));
        for (int i = 0; i < 7; i++)
        {
            for (int k = 0; k < 5; k++)
            {
                int sum = 0;
                for (int j = 0; j < 9; j++) sum += (i * 9 + j) * 37 % 251 * ((j * 5 + k) * 53 % 241);
                Assert.Equal((byte)(sum & 0xFF), c[i * 5 + k]);
            }
        }
    }

    [Fact]
    public void Int32_products_large_enough_to_split_over_the_cores_match_the_oracle()
    {
        var a = Make(i => i % 13 - 6, 200, 150);
        var b = Make(i => i % 11 - 5, 150, 100);
        Assert.Equal(TestData.Elements(Einsum.EvaluateNaive("ij,jk->ik", a, b)), TestData.Elements(Einsum.Evaluate("ij,jk->ik", a, b)));
        var x = Make(i => (long)(i % 7), 6, 5, 4);
        var y = Make(i => (long)(i % 5), 5, 6, 3);
        Assert.Equal(TestData.Elements(Einsum.EvaluateNaive("ijk,jil->kl", x, y)), TestData.Elements(Einsum.Evaluate("ijk,jil->kl", x, y)));
    }

    [Fact]
    public void Wide_integers_and_decimal_stay_exact_where_double_rounds()
    {
        // 2⁴⁰·3 + (2⁵³ + 1): a double sum would lose the last unit.
        var a = Tensor.Create(new long[] { 1L << 40, 1 }, [2]);
        var b = Tensor.Create(new long[] { 3, (1L << 53) + 1 }, [2]);
        Assert.Equal((1L << 40) * 3 + (1L << 53) + 1, TestData.Elements(Einsum.Evaluate("i,i->", a, b))[0]);
        Assert.Equal((1L << 40) * 3 + (1L << 53) + 1, TestData.Elements(Einsum.EvaluateNaive("i,i->", a, b))[0]);
        Assert.Equal(1.0m, TestData.Elements(Einsum.Evaluate("i->", Make(_ => 0.1m, 10)))[0]);
        Assert.Equal(ulong.MaxValue, TestData.Elements(Einsum.Evaluate("i,->", Tensor.Create(new ulong[] { ulong.MaxValue }, [1]), Tensor.Create(new ulong[] { 1 }, [1])))[0]);
    }

    [Fact]
    public void Complex_products_keep_their_imaginary_parts()
    {
        var a = Make(i => new Complex(i % 3 - 1, i % 4 - 2), 4, 6);
        var b = Make(i => new Complex(i % 5 - 2, 1 - i % 2), 6, 3);
        var c = TestData.Elements(Einsum.Evaluate("ij,jk->ik", a, b));
        var av = TestData.Elements(a);
        var bv = TestData.Elements(b);
        for (int i = 0; i < 4; i++)
        {
            for (int k = 0; k < 3; k++)
            {
                Complex sum = Complex.Zero;
                for (int j = 0; j < 6; j++) sum += av[i * 6 + j] * bv[j * 3 + k];
                Assert.Equal(sum, c[i * 3 + k]);
            }
        }
        // The trace of a Hermitian-looking product and a diagonal, through the same plan.
        Assert.Equal(TestData.Elements(Einsum.EvaluateNaive("ij,ji->", a, Make(i => new Complex(i, -i), 6, 4))), TestData.Elements(Einsum.Evaluate("ij,ji->", a, Make(i => new Complex(i, -i), 6, 4))));
    }

    [Fact]
    public void Integer_gradients_are_integer_einsums()
    {
        // C = A·B: ∂A = G·Bᵀ, ∂B = Aᵀ·G, all in int.
        var a = Make(i => i % 5 - 2, 3, 4);
        var b = Make(i => i % 7 - 3, 4, 2);
        var g = Make(i => i % 3 - 1, 3, 2);
        var grads = Einsum.Backward("ij,jk->ik", g, a, b);
        Assert.Equal(TestData.Elements(Einsum.Evaluate("ik,jk->ij", g, b)), TestData.Elements(grads[0]));
        Assert.Equal(TestData.Elements(Einsum.Evaluate("ij,ik->jk", a, g)), TestData.Elements(grads[1]));
    }

    [Fact]
    public void Half_sums_match_the_oracle_on_exact_values()
    {
        var a = Make(i => (Half)(i % 5), 5, 8);
        var b = Make(i => (Half)(i % 3), 8, 6);
        Assert.Equal(TestData.Elements(Einsum.EvaluateNaive("ij,jk->ik", a, b)), TestData.Elements(Einsum.Evaluate("ij,jk->ik", a, b)));
    }

    [Fact]
    public void Half_is_computed_in_float_and_rounded_once_everywhere()
    {
        // 4099 + 1 = 4100 exactly in float; accumulated in Half, 4096 + 1 + 1 + 1 + 1 would stay at 4096 (spacing 4).
        var ones = Make(i => i == 0 ? (Half)4096 : (Half)1, 5);
        Assert.Equal((Half)4100, TestData.Elements(Einsum.Evaluate("i->", ones))[0]);

        var a = Make(i => (Half)(i % 7 + 1), 3, 40);
        var b = Make(i => (Half)(i % 5 + 1), 40, 2);
        var exact = Einsum.EvaluateNaive("ij,jk->ik", Tensor.ConvertChecked<Half, double>(a), Tensor.ConvertChecked<Half, double>(b));
        var expected = TestData.Elements(exact).Select(v => (Half)v).ToArray();
        Assert.Equal(expected, TestData.Elements(Einsum.Evaluate("ij,jk->ik", a, b)));

        // Into a transposed view of a larger buffer: the rounded values land in place, nothing else is written.
        var buffer = new Half[2 * 3 + 1];
        buffer[6] = (Half)(-1);
        var view = Tensor.Create(buffer, 0, [3, 2], [1, 3]);
        Einsum.EvaluateInto("ij,jk->ik", view, a, b);
        Assert.Equal(expected, TestData.Elements(view));
        Assert.Equal((Half)(-1), buffer[6]);

        // Gradients: ∂a = g·bᵀ, rounded once.
        var g = Make(_ => (Half)1, 3, 2);
        var grads = Einsum.Backward("ij,jk->ik", g, a, b);
        var da = Einsum.EvaluateNaive("ik,jk->ij", Tensor.ConvertChecked<Half, double>(g), Tensor.ConvertChecked<Half, double>(b));
        Assert.Equal(TestData.Elements(da).Select(v => (Half)v), TestData.Elements(grads[0]));
        Assert.Equal(a.Lengths.ToArray(), grads[0].Lengths.ToArray());

        // A shape error still names the operand, the label and both sizes.
        var error = Assert.Throws<ArgumentException>(() => Einsum.Evaluate("ij,jk->ik", a, a));
        Assert.Contains("'j'", error.Message);
    }
}
