using System.Numerics.Tensors;
using EinsumGen;

namespace TensorTrain;

/// <summary>
/// Seed 000 §2.2's tensor-train layer, y[n,e,f,g,h] = Σ w1[a,e,i] w2[b,f,i,j] w3[c,g,j,k] w4[d,h,k] x[n,a,b,c,d]: 4096 = 8⁴
/// inputs to 16 = 2⁴ outputs with rank 8. EinsumGen generates each method's body, its <c>…Backward</c> and its <c>…Jvp</c>.
/// </summary>
public static partial class TtLayer
{
    /// <summary>The seed's configuration with every size declared: planned and checked at build time.</summary>
    [Einsum("aei, bfij, cgjk, dhk, nabcd -> nefgh", Sizes = "a=8,b=8,c=8,d=8,e=2,f=2,g=2,h=2,i=8,j=8,k=8,n=256")]
    public static partial void SeedForward(ReadOnlyTensorSpan<float> w1, ReadOnlyTensorSpan<float> w2, ReadOnlyTensorSpan<float> w3,
        ReadOnlyTensorSpan<float> w4, ReadOnlyTensorSpan<float> x, TensorSpan<float> y);

    /// <summary>Any other factorization, rank or sample count (sizes checked at run time).</summary>
    [Einsum("aei, bfij, cgjk, dhk, nabcd -> nefgh")]
    public static partial void Forward(ReadOnlyTensorSpan<float> w1, ReadOnlyTensorSpan<float> w2, ReadOnlyTensorSpan<float> w3,
        ReadOnlyTensorSpan<float> w4, ReadOnlyTensorSpan<float> x, TensorSpan<float> y);
}
