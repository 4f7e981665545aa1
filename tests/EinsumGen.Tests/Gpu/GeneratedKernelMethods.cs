using System.Numerics.Tensors;

namespace EinsumGen.Tests.Gpu;

/// <summary>Declared-size methods whose steps the runtime's tuned device kernels take over from the generated ones.</summary>
public static partial class GeneratedKernelMethods
{
    /// <summary>64³ multiply-adds, GEMM-shaped: the tiled GEMM.</summary>
    [Einsum("mn,nk->mk", Sizes = "m=64,n=64,k=64")]
    public static partial void MatMul64(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);

    /// <summary>One result element, 4,096 terms: the group reduction.</summary>
    [Einsum("n->", Sizes = "n=4096")]
    public static partial double Sum4096(ReadOnlyTensorSpan<double> x);
}
