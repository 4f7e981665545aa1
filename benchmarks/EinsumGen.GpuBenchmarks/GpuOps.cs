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

    /// <summary>The tensor train with the seed's sizes declared: its device file carries kernels with constant sizes.</summary>
    [Einsum("aei, bfij, cgjk, dhk, nabcd -> nefgh", Sizes = "a=8,b=8,c=8,d=8,e=2,f=2,g=2,h=2,i=8,j=8,k=8,n=256")]
    public static partial void TensorTrainSized(ReadOnlyTensorSpan<float> w1, ReadOnlyTensorSpan<float> w2, ReadOnlyTensorSpan<float> w3,
        ReadOnlyTensorSpan<float> w4, ReadOnlyTensorSpan<float> x, TensorSpan<float> y);
}
