using System.Numerics.Tensors;

namespace EinsumGen.Training
{
    // The Gram matrices and products of the least-squares fit are GEMMs (256 × 256 × 4096 for the seed's data). They run
    // on code EinsumGen generates from these declarations, so this project uses the library as any user would: through
    // [Einsum] and the public tensor types, not the runtime's kernels.
    public static partial class LeastSquares
    {
        /// <summary>G[i,j] = Σ_k A[i,k]·B[j,k]: the sample Gram matrix Xc Xcᵀ when both operands are Xc.</summary>
        [Einsum("ik,jk->ij")]
        private static partial void RowGram(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, TensorSpan<double> g);

        /// <summary>C[i,j] = Σ_k A[k,i]·B[k,j]: Aᵀ B, the feature Gram matrix Xcᵀ Xc and the products Xcᵀ yc and Xcᵀ A.</summary>
        [Einsum("ki,kj->ij")]
        private static partial void TransposedProduct(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, TensorSpan<double> c);

        /// <summary>A dense row-major <paramref name="rows"/> × <paramref name="columns"/> view of <paramref name="data"/>.</summary>
        private static TensorSpan<double> Matrix(double[] data, int rows, int columns) => new(data, [rows, columns]);
    }
}
