using System.Numerics.Tensors;
using EinsumGen;

namespace SeedExamples;

/// <summary>Seed 000 §1 and §2.1, each einsum declared once; EinsumGen generates the bodies at build time.</summary>
public static partial class SeedOps
{
    /// <summary>§1.1 Summation over all elements: <c>a.sum()</c>.</summary>
    [Einsum("n->")]
    public static partial float SumAll(ReadOnlyTensorSpan<float> a);

    /// <summary>§1.2 Summation over rows: <c>A.sum(axis=0)</c>.</summary>
    [Einsum("nm->m")]
    public static partial void SumRows(ReadOnlyTensorSpan<float> a, TensorSpan<float> result);

    /// <summary>§1.3 Inner product: <c>torch.inner(a, b)</c>.</summary>
    [Einsum("n,n->")]
    public static partial float Inner(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b);

    /// <summary>§1.4 Outer product: <c>torch.outer(a, b)</c>.</summary>
    [Einsum("n,m->nm")]
    public static partial void Outer(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> result);

    /// <summary>§1.5 Matrix-vector product: <c>torch.matmul(A, b)</c>.</summary>
    [Einsum("mn,n->m")]
    public static partial void MatVec(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> result);

    /// <summary>§1.6 Matrix-matrix product: <c>torch.matmul(A, B)</c>.</summary>
    [Einsum("mn,nk->mk")]
    public static partial void MatMul(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> result);

    /// <summary>§1.7 Tensor contraction: <c>C[n,r] = Σ_m Σ_k A[m,n,k] B[m,k,r]</c>.</summary>
    [Einsum("mnk,mkr->nr")]
    public static partial void Contraction(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> result);

    /// <summary>§2.1 A linear layer: <c>y_hat = W x</c>.</summary>
    [Einsum("NM,M->N")]
    public static partial void Layer(ReadOnlyTensorSpan<float> w, ReadOnlyTensorSpan<float> x, TensorSpan<float> result);
}
