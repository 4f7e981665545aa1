using System;
using System.Linq;
using System.Numerics.Tensors;
using Xunit;

namespace EinsumGen.Tests.Conformance;

/// <summary>
/// The expressions that opt_einsum and NumPy evaluate against their unoptimized einsum, here against the naive oracle in
/// double and float, with every operand's gradient checked against the definition: opt_einsum/tests/test_contract.py's
/// <c>tests</c> list (sizes from opt_einsum.testing's <c>build_views</c>), NumPy's optimize_compare lists
/// (test_hadamard_like_products … test_random_cases), and the broadcasting cases of both (test_broadcasting_dot_cases,
/// test_singleton_broadcasting, test_einsum_broadcast, opt_einsum's test_edge_cases.py and test_input.py).
/// </summary>
public class OracleCasesTests
{
    /// <summary>opt_einsum test_contract.py <c>tests</c> (NumPy's optimize_compare specs are the same list, plus one).</summary>
    public static readonly string[] Expressions =
    {
        // Scalar-like operations.
        "a,->a", "ab,->ab", ",ab,->ab", ",,->",
        // Hadamard-like products.
        "a,ab,abc->abc", "a,b,ab->ab",
        // Index transformations.
        "ea,fb,gc,hd,abcd->efgh", "ea,fb,abcd,gc,hd->efgh", "abcd,ea,fb,gc,hd->efgh",
        // Complex contractions.
        "acdf,jbje,gihb,hfac,gfac,gifabc,hfac", "cd,bdhe,aidb,hgca,gc,hgibcd,hgac", "abhe,hidj,jgba,hiab,gab",
        "bde,cdh,agdb,hica,ibd,hgicd,hiac", "chd,bde,agbc,hiad,hgc,hgi,hiad", "chd,bde,agbc,hiad,bdi,cgh,agdb",
        "bdhe,acad,hiab,agac,hibd",
        // Collapse.
        "ab,ab,c->", "ab,ab,c->c", "ab,ab,cd,cd->", "ab,ab,cd,cd->ac", "ab,ab,cd,cd->cd", "ab,ab,cd,cd,ef,ef->",
        // Outer products.
        "ab,cd,ef->abcdef", "ab,cd,ef->acdf", "ab,cd,de->abcde", "ab,cd,de->be", "ab,bcd,cd->abcd", "ab,bcd,cd->abd",
        // Cases that have previously failed.
        "eb,cb,fb->cef", "dd,fb,be,cdb->cef", "bca,cdb,dbf,afc->", "dcc,fce,ea,dbf->ab", "fdf,cdd,ccd,afe->ae", "abcd,ad",
        "ed,fcd,ff,bcf->be", "baa,dcf,af,cde->be", "bd,db,eac->ace", "fff,fae,bef,def->abd", "efc,dbc,acf,fd->abe",
        "ba,ac,da->bcd",
        // Inner products.
        "ab,ab", "ab,ba", "abc,abc", "abc,bac", "abc,cba",
        // GEMM.
        "ab,bc", "ab,cb", "ba,bc", "ba,cb", "abcd,cd", "abcd,ab", "abcd,cdef", "abcd,cdef->feba", "abcd,efdc",
        // Inner than dot.
        "aab,bc->ac", "ab,bcc->ac", "aab,bcc->ac", "baa,bcc->ac", "aab,ccb->ac",
        // Randomly built.
        "aab,fa,df,ecc->bde", "ecb,fef,bad,ed->ac", "bcf,bbb,fbf,fc->", "bb,ff,be->e", "bcb,bb,fc,fff->", "fbb,dfd,fc,fc->",
        "afd,ba,cc,dc->bf", "adb,bc,fa,cfc->d", "bbd,bda,fc,db->acf", "dba,ead,cad->bce", "aef,fbc,dca->bde",
        // test_input.py test_compare (with "..." of sizes 10, 2, 4, as build_views(replace_ellipsis=True)).
        "...a->...", "a...->...", "a...a->...a", "...,...", "a,b", "...a,...b",
        // test_ellipse_input2..4 (their interleaved forms written as strings).
        "...a", "...a->...a", "...b,...a->...",
        // test_contract_plain_types, test_greedy_edge_cases.
        "ij,jk,kl->il", "abc,cfd,dbe,efa",
    };

    public static TheoryData<string> ExpressionData() => new(Expressions);

    [Theory]
    [MemberData(nameof(ExpressionData))]
    public void ExpressionsMatchTheOracle(string spec) => AssertMatchesOracle(spec, ConformanceData.BuildShapes(spec));

    /// <summary>spec; shapes with size-1 dimensions that broadcast against other operands' sizes.</summary>
    public static TheoryData<string, string> Broadcasting() => new()
    {
        // NumPy test_broadcasting_dot_cases, opt_einsum test_broadcasting_contraction 1-4.
        { "ijk,kl,jl", "1,5,4;4,6;5,6" },
        { "ijk,kl,jl,i->i", "1,5,4;4,6;5,6;10" },
        { "abjk,kl,jl", "1,1,5,4;4,6;5,6" },
        { "abjk,kl,jl,ab->ab", "1,1,5,4;4,6;5,6;7,7" },
        { "ajk,kbl,jl,ab->ab", "1,5,4;4,1,6;5,6;7,7" },
        { "obk,ijk->ioj", "2,4,8;2,4,8" },
        // opt_einsum test_can_blas_on_healed_broadcast_dimensions.
        { "ab,bc,bd->acd", "5,4;1,5;4,20" },
        // NumPy test_singleton_broadcasting: size-1 dimensions on diagonals too.
        { "ijp,ipq,ikq->ijk", "3,1,1;3,1,3;1,3,3" },
        { "jhcabhijaci,dfijejgh->fgje", "1,1,1,1,3,1,1,1,1,1,1;3,1,3,1,1,1,1,2" },
        { "baegffahgc,hdggeff->dhg", "2,1,4,1,1,1,1,2,1,1;1,1,1,1,4,1,1" },
        { "cehgbaifff,fhhdegih->cdghbi", "1,1,1,1,1,1,1,1,1,1;2,1,1,2,4,1,1,1" },
        { "gah,cdbcghefg->ef", "2,3,1;1,3,1,1,1,2,1,4,1" },
        { "cacc,bcb->", "1,1,1,1;1,4,1" },
        // gh-10343 and opt_einsum test_singleton_dimension_broadcast.
        { "ij,ij->j", "10,2;1,2" },
        { "...ij,...jk->...ik", "1,5;5,5" },
        // NumPy test_einsum_broadcast (issue #2455): left broadcasting is implicit, right broadcasting explicit.
        { "ij...,j...->ij...", "2,3,4;3" },
        { "ij...,...j->ij...", "2,3,4;3" },
        { "ij...,j->ij...", "2,3,4;3" },
        { "ik...,k...->i...", "4,3;3,2" },
        { "ik...,...kj->i...j", "4,3;3,2" },
        { "...k,kj", "4,3;3,2" },
        { "ik,k...->i...", "4,3;3,2" },
        { "ijkl,k", "2,3,4,5;4" },
        { "...kl,k...", "2,3,4,5;4" },
        { "...kl,k", "2,3,4,5;4" },
        { "...lmn,lmno->...o", "1,1,1,6,5,4;6,5,4,3" },
        { "...lmn,...lmno->...o", "1,1,1,6,5,4;6,5,4,3" },
        // NumPy test_einsum_misc and check_einsum_sums' ellipsis broadcasts.
        { "ij...,j...->i...", "1,2;2,2,1" },
        { "..., ...", "3,5;2,3,5" },
        { "...i, ...i", "2,3,5;5" },
        { "i..., i...", "5,3,2;5" },
        // Size-0 dimensions: sums over nothing are 0, and a 1 broadcasts against a 0.
        { "ij,jk->ik", "2,0;0,3" },
        { "ij,jk->ik", "0,2;2,3" },
        { "i,i->", "0;0" },
        { "i,i", "0;1" },
        { "...,...", "0;1" },
        { "ij,j->i", "3,0;1" },
        { "ii->i", "0,0" },
    };

    [Theory]
    [MemberData(nameof(Broadcasting))]
    public void BroadcastingCasesMatchTheOracle(string spec, string shapes) => AssertMatchesOracle(spec, ConformanceData.Shapes(shapes));

    /// <summary>
    /// NumPy's test_einsum runs every case with optimize False, True, 'greedy' and 'optimal', and opt_einsum's test_contract
    /// with every path optimizer: here every expression and broadcasting case through Einsum.Evaluate with each strategy,
    /// and with a memory limit of 0 (all operands in one multiway step, NumPy's optimize=False) and of the largest operand
    /// (np.einsum_path's default cap); the multiway gradients against the unconstrained ones where the label space is small.
    /// </summary>
    [Theory]
    [MemberData(nameof(ExpressionData))]
    public void OptimizeVariantsMatchTheOracle(string spec) => AssertVariantsMatch(spec, ConformanceData.BuildShapes(spec));

    [Theory]
    [MemberData(nameof(Broadcasting))]
    public void OptimizeVariantsMatchTheOracleWhenBroadcasting(string spec, string shapes) => AssertVariantsMatch(spec, ConformanceData.Shapes(shapes));

    private static void AssertVariantsMatch(string spec, int[][] shapes)
    {
        var operands = ConformanceData.RandomOperands<double>(shapes, spec.Length + 1);
        var expected = Einsum.EvaluateNaive(spec, operands);
        long terms = ConformanceData.Terms(spec, shapes);
        long maxInput = shapes.Max(s => s.Aggregate(1L, (p, d) => p * d));
        var variants = new[]
        {
            new EinsumPlanOptions { Strategy = EinsumPlanStrategy.Greedy },
            new EinsumPlanOptions { Strategy = EinsumPlanStrategy.LeftToRight },
            new EinsumPlanOptions { Strategy = EinsumPlanStrategy.Hybrid },
            new EinsumPlanOptions { MemoryLimit = 0 },
            new EinsumPlanOptions { Strategy = EinsumPlanStrategy.Optimal, MemoryLimit = maxInput },
        };
        foreach (var options in variants)
        {
            string context = $"{spec} ({options.Strategy}, limit {options.MemoryLimit})";
            TestData.AssertClose(expected, Einsum.Evaluate(spec, options, operands), terms, context);
        }
        long space = EinsumPlan.Create(spec, shapes).LabelSizes.Values.Aggregate(1L, (a, b) => a * Math.Max(1, b));
        if (space > 100_000) return;
        var g = ConformanceData.Random<double>(expected.Lengths.ToArray().Select(d => (int)d).ToArray(), 17);
        var reference = Einsum.Backward(spec, g, operands);
        var limited = Einsum.Backward(spec, variants[3], g, operands);
        for (int k = 0; k < operands.Length; k++) TestData.AssertClose(reference[k], limited[k], terms, $"{spec}: gradient {k} with a memory limit of 0");
    }

    private static void AssertMatchesOracle(string spec, int[][] shapes)
    {
        var operands = ConformanceData.RandomOperands<double>(shapes, spec.Length);
        var expected = Einsum.EvaluateNaive(spec, operands);
        long terms = ConformanceData.Terms(spec, shapes);
        TestData.AssertClose(expected, Einsum.Evaluate(spec, operands), terms, spec);
        var into = Tensor.CreateFromShape<double>(expected.Lengths);
        into.Fill(double.NaN);
        Einsum.EvaluateInto(spec, into, operands);
        TestData.AssertClose(expected, into, terms, spec + " (EvaluateInto)");
        var floats = operands.Select(o => Tensor.Create(TestData.Flatten(o).Select(v => (float)v).ToArray(), o.Lengths)).ToArray();
        var expectedFloat = Tensor.Create(TestData.Flatten(expected).Select(v => (float)v).ToArray(), expected.Lengths);
        TestData.AssertClose(expectedFloat, Einsum.Evaluate(spec, floats), terms, spec + " (float)");
        // The naive oracle visits every label combination: past 10^5 of them, one gradient identity is enough.
        long space = EinsumPlan.Create(spec, shapes).LabelSizes.Values.Aggregate(1L, (a, b) => a * Math.Max(1, b));
        ConformanceData.AssertGradientsAreAdjoint(spec, operands, spec, space > 100_000 ? 1 : 4, expected);
    }
}
