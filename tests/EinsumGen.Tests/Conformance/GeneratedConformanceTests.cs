using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using Xunit;

namespace EinsumGen.Tests.Conformance;

/// <summary>
/// NumPy and opt_einsum cases that the corpus (Corpus/Corpus.Methods.cs) lacks, as <c>[Einsum]</c> methods compiled by the
/// generator into this assembly: size-1 dimensions broadcasting on diagonals (test_singleton_broadcasting,
/// test_broadcasting_dot_cases), collapsed and double diagonals (#5147, gh-14692, gh-10792), NumPy's three-operand
/// regression (#2027), spaces (gh-10794), ellipses broadcasting on the right (test_einsum_broadcast, test_einsum_misc),
/// implicit outputs with both cases, and a seven-operand implicit expression of test_contract.py. Each is run on the
/// shapes NumPy's test gives (opt_einsum's default sizes for the edge case, sizes 2 and 3 for the seven operands) and
/// compared with the naive oracle and the runtime.
/// </summary>
public static partial class NumpyMethods
{
    [Einsum("bbcdc->d")]
    public static partial void CombinedViews(ReadOnlyTensorSpan<double> a, TensorSpan<double> y);

    [Einsum("aabb->ab")]
    public static partial void CollapsedDiagonals(ReadOnlyTensorSpan<double> a, TensorSpan<double> y);

    [Einsum("ijij->")]
    public static partial double DoubleTrace(ReadOnlyTensorSpan<double> a);

    [Einsum("x,yx,zx->xzy")]
    public static partial void ThreeOperands(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, ReadOnlyTensorSpan<double> c, TensorSpan<double> y);

    [Einsum("z,mz,zm->")]
    public static partial double Ticket1885(ReadOnlyTensorSpan<double> p, ReadOnlyTensorSpan<double> q, ReadOnlyTensorSpan<double> r);

    [Einsum("ijk,kl,jl,i->i")]
    public static partial void BroadcastDot(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, ReadOnlyTensorSpan<double> c,
        ReadOnlyTensorSpan<double> d, TensorSpan<double> y);

    [Einsum("jhcabhijaci,dfijejgh->fgje")]
    public static partial void SingletonDiagonals(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, TensorSpan<double> y);

    [Einsum(" ...a ->  ...a ")]
    public static partial void Spaces(ReadOnlyTensorSpan<double> a, TensorSpan<double> y);

    [Einsum("ij...,j...->i...")]
    public static partial void RightBroadcast(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, TensorSpan<double> y);

    [Einsum("...lmn,lmno->...o")]
    public static partial void LeftBroadcast(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, TensorSpan<double> y);

    [Einsum("a...a->...a")]
    public static partial void DiagonalAroundEllipsis(ReadOnlyTensorSpan<double> a, TensorSpan<double> y);

    [Einsum("ba,Ab")]
    public static partial void ImplicitMixedCase(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, TensorSpan<double> y);

    [Einsum("dcc,fce,ea,dbf->ab")]
    public static partial void EdgeCase4(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, ReadOnlyTensorSpan<double> c,
        ReadOnlyTensorSpan<double> d, TensorSpan<double> y);

    [Einsum("acdf,jbje,gihb,hfac,gfac,gifabc,hfac")]
    public static partial void LongImplicit(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, ReadOnlyTensorSpan<double> c,
        ReadOnlyTensorSpan<double> d, ReadOnlyTensorSpan<double> e, ReadOnlyTensorSpan<double> f, ReadOnlyTensorSpan<double> g, TensorSpan<double> y);
}

public class GeneratedConformanceTests
{
    private delegate double Run(Tensor<double>[] x, TensorSpan<double> y);

    private static ReadOnlyTensorSpan<double> R(Tensor<double> t) => t.AsReadOnlyTensorSpan();

    /// <summary>spec, shapes, the generated method (a scalar result is returned and written to y[0] here).</summary>
    private static readonly (string Spec, string Shapes, Run Run)[] Methods =
    {
        ("bbcdc->d", "1,1,3,1,3", (x, y) => { NumpyMethods.CombinedViews(R(x[0]), y); return double.NaN; }),
        ("aabb->ab", "4,4,3,3", (x, y) => { NumpyMethods.CollapsedDiagonals(R(x[0]), y); return double.NaN; }),
        ("ijij->", "4,3,4,3", (x, y) => NumpyMethods.DoubleTrace(R(x[0]))),
        ("x,yx,zx->xzy", "2;2,2;4,2", (x, y) => { NumpyMethods.ThreeOperands(R(x[0]), R(x[1]), R(x[2]), y); return double.NaN; }),
        ("z,mz,zm->", "2;2,2;2,2", (x, y) => NumpyMethods.Ticket1885(R(x[0]), R(x[1]), R(x[2]))),
        ("ijk,kl,jl,i->i", "1,5,4;4,6;5,6;10", (x, y) => { NumpyMethods.BroadcastDot(R(x[0]), R(x[1]), R(x[2]), R(x[3]), y); return double.NaN; }),
        ("jhcabhijaci,dfijejgh->fgje", "1,1,1,1,3,1,1,1,1,1,1;3,1,3,1,1,1,1,2",
            (x, y) => { NumpyMethods.SingletonDiagonals(R(x[0]), R(x[1]), y); return double.NaN; }),
        (" ...a ->  ...a ", "2,3,4", (x, y) => { NumpyMethods.Spaces(R(x[0]), y); return double.NaN; }),
        ("ij...,j...->i...", "1,2;2,2,1", (x, y) => { NumpyMethods.RightBroadcast(R(x[0]), R(x[1]), y); return double.NaN; }),
        ("...lmn,lmno->...o", "1,1,1,6,5,4;6,5,4,3", (x, y) => { NumpyMethods.LeftBroadcast(R(x[0]), R(x[1]), y); return double.NaN; }),
        ("a...a->...a", "2,10,2,4,2", (x, y) => { NumpyMethods.DiagonalAroundEllipsis(R(x[0]), y); return double.NaN; }),
        ("ba,Ab", "2,3;3,2", (x, y) => { NumpyMethods.ImplicitMixedCase(R(x[0]), R(x[1]), y); return double.NaN; }),
        ("dcc,fce,ea,dbf->ab", null!, (x, y) => { NumpyMethods.EdgeCase4(R(x[0]), R(x[1]), R(x[2]), R(x[3]), y); return double.NaN; }),
        ("acdf,jbje,gihb,hfac,gfac,gifabc,hfac", "2,3,2,3;2,3,2,2;2,3,2,3;2,3,2,3;2,3,2,3;2,3,3,2,3,3;2,3,2,3",
            (x, y) => { NumpyMethods.LongImplicit(R(x[0]), R(x[1]), R(x[2]), R(x[3]), R(x[4]), R(x[5]), R(x[6]), y); return double.NaN; }),
    };

    public static TheoryData<int> Indices() => new(Enumerable.Range(0, Methods.Length));

    [Theory]
    [MemberData(nameof(Indices))]
    public void GeneratedMethodMatchesTheOracle(int index)
    {
        var (spec, shapeText, run) = Methods[index];
        var shapes = shapeText is null ? ConformanceData.BuildShapes(spec) : ConformanceData.Shapes(shapeText);
        var operands = ConformanceData.RandomOperands<double>(shapes, index);
        var expected = Einsum.EvaluateNaive(spec, operands);
        var output = TestData.Garbage<double>(expected.Lengths);
        double scalar = run(operands, output.AsTensorSpan());
        if (!double.IsNaN(scalar)) output[0] = scalar;
        long terms = ConformanceData.Terms(spec, shapes);
        TestData.AssertClose(expected, output, terms, spec);
        TestData.AssertClose(expected, Einsum.Evaluate(spec, operands), terms, spec + " (runtime)");
    }
}
