using System.Numerics.Tensors;
using EinsumGen;

namespace EinsumGen.GpuBenchmarks;

/// <summary>The measured einsums; each gets CPU and device overloads from the generator.</summary>
public static partial class GpuOps
{
    [Einsum("mn,nk->mk")]
    public static partial void MatMul(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);

    [Einsum("mnk,mkr->nr")]
    public static partial void Contraction(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);

    /// <summary>A memory-bound reduction: every element read once, one sum per row.</summary>
    [Einsum("mn->m")]
    public static partial void RowSums(ReadOnlyTensorSpan<float> a, TensorSpan<float> s);

    [Einsum("aei, bfij, cgjk, dhk, nabcd -> nefgh")]
    public static partial void TensorTrain(ReadOnlyTensorSpan<float> w1, ReadOnlyTensorSpan<float> w2, ReadOnlyTensorSpan<float> w3,
        ReadOnlyTensorSpan<float> w4, ReadOnlyTensorSpan<float> x, TensorSpan<float> y);
}
