using Xunit;

namespace EinsumGen.Tests.Conformance;

/// <summary>
/// opt_einsum/tests/test_blas.py: which pairwise contractions are a matrix product. opt_einsum answers DOT, GEMM, TDOT
/// (a tensor dot that needs a transposed copy), GEMV/EINSUM, DOT/EINSUM, OUTER/EINSUM or False. EinsumGen's kernels read
/// every operand through its strides, so each transposed layout is the same <see cref="EinsumStepKind.Gemm"/>; a repeated
/// label (opt_einsum's "double index", False there) is read as a strided diagonal and is a GEMM too. test_blas_out: the
/// result written into a given output.
/// </summary>
public class OptEinsumBlasTests
{
    /// <summary>spec; opt_einsum's can_blas answer; EinsumGen's step kind.</summary>
    public static TheoryData<string, string, EinsumStepKind> Cases() => new()
    {
        { "k,k->", "DOT", EinsumStepKind.Gemm },
        { "ijk,ijk->", "DOT", EinsumStepKind.Gemm },
        { "ij,jk->ik", "GEMM", EinsumStepKind.Gemm },
        { "ijl,jlk->ik", "GEMM", EinsumStepKind.Gemm },
        { "ij,kj->ik", "GEMM", EinsumStepKind.Gemm },
        { "ijl,kjl->ik", "GEMM", EinsumStepKind.Gemm },
        { "ji,jk->ik", "GEMM", EinsumStepKind.Gemm },
        { "jli,jlk->ik", "GEMM", EinsumStepKind.Gemm },
        { "ji,kj->ik", "GEMM", EinsumStepKind.Gemm },
        { "jli,kjl->ik", "GEMM", EinsumStepKind.Gemm },
        { "ij,jk->ki", "GEMM", EinsumStepKind.Gemm },
        { "ijl,jlk->ki", "GEMM", EinsumStepKind.Gemm },
        { "ij,kj->ki", "GEMM", EinsumStepKind.Gemm },
        { "ijl,kjl->ki", "GEMM", EinsumStepKind.Gemm },
        { "ji,jk->ki", "GEMM", EinsumStepKind.Gemm },
        { "jli,jlk->ki", "GEMM", EinsumStepKind.Gemm },
        { "ji,kj->ki", "GEMM", EinsumStepKind.Gemm },
        { "jli,kjl->ki", "GEMM", EinsumStepKind.Gemm },
        { "ilj,jlk->ik", "TDOT", EinsumStepKind.Gemm },
        { "ijl,ljk->ik", "TDOT", EinsumStepKind.Gemm },
        { "ilj,kjl->ik", "TDOT", EinsumStepKind.Gemm },
        { "ijl,klj->ik", "TDOT", EinsumStepKind.Gemm },
        { "lji,jlk->ik", "TDOT", EinsumStepKind.Gemm },
        { "jli,ljk->ik", "TDOT", EinsumStepKind.Gemm },
        { "ijk,ikj->", "DOT/EINSUM", EinsumStepKind.Gemm },
        { "i,j->ij", "OUTER/EINSUM", EinsumStepKind.OuterProduct },
        { "ijk,ik->j", "GEMV/EINSUM", EinsumStepKind.Gemm },
        { "ijj,jk->ik", "False", EinsumStepKind.Gemm },
        { "ij,ij->ij", "False", EinsumStepKind.Elementwise },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void PairwiseStepsHaveTheKindOfTheirKernel(string spec, string optEinsum, EinsumStepKind kind)
    {
        var shapes = ConformanceData.BuildShapes(spec);
        var plan = EinsumPlan.Create(spec, shapes);
        var step = Assert.Single(plan.Steps);
        Assert.True(kind == step.Kind, $"{spec}: {step.Kind}, where opt_einsum's can_blas says {optEinsum}");
        var operands = ConformanceData.RandomOperands<double>(shapes, spec.Length);
        TestData.AssertClose(Einsum.EvaluateNaive(spec, operands), Einsum.Evaluate(spec, operands), ConformanceData.Terms(spec, shapes), spec);
    }

    [Fact]
    public void AnIndexSumWithAnElementwiseProduct()
    {
        // can_blas(["ijk", "j"], "ij", set()) is False: no shared label is summed. One step reads ijk as it is and sums k
        // on the way (summing it out first would cost 2·|ijk| + |ij|, more than the 2·|ijk| of the step).
        var plan = EinsumPlan.Create("ijk,j->ij", ConformanceData.BuildShapes("ijk,j->ij"));
        var step = Assert.Single(plan.Steps);
        Assert.Equal(EinsumStepKind.Elementwise, step.Kind);
        Assert.Equal("k", step.SummedLabels);
    }

    [Fact]
    public void ContractIntoAGivenOutput()
    {
        // test_blas_out: contract("ij,jk->ik", a, b, out=d), then three operands into the same d.
        var x = ConformanceData.RandomOperands<double>(ConformanceData.Shapes("4,4;4,4;4,4"), 11);
        var d = TestData.Garbage<double>(new nint[] { 4, 4 });
        Einsum.EvaluateInto("ij,jk->ik", d, x[0], x[1]);
        TestData.AssertClose(Einsum.EvaluateNaive("ij,jk->ik", x[0], x[1]), d, 4, "ij,jk->ik into d");
        Einsum.EvaluateInto("ij,jk,kl->il", d, x);
        TestData.AssertClose(Einsum.EvaluateNaive("ij,jk,kl->il", x), d, 32, "ij,jk,kl->il into d");
    }
}
