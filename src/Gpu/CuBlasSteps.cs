using System;
using ILGPU;
using ILGPU.Runtime.Cuda;
using EinsumGen.Gpu.Kernels;

namespace EinsumGen.Gpu
{
    /// <summary>
    /// A GEMM-shaped step (<see cref="GemmShape"/>) through cuBLAS when <see cref="EinsumDevice.UseCuBlas"/> is on. cuBLAS is
    /// column-major and takes one leading dimension per matrix, so each of A, B and C needs a unit stride along one axis;
    /// a row-major C is computed as its transpose, Cᵀ = Bᵀ·Aᵀ. A batch is one call per matrix (at most
    /// <see cref="MaxBatch"/>; more take the tiled kernel, one launch). Untested on a GPU: see docs/gpu.md.
    /// </summary>
    internal static class CuBlasSteps
    {
        public const int MaxBatch = 16;

        /// <summary>One cuBLAS call per matrix of a step: C (rows × cols, ldc) = op(X) · op(Y), X being B when <see cref="Swapped"/>.</summary>
        internal readonly record struct Plan(bool Swapped, CuBlasOperation OpX, CuBlasOperation OpY, int Rows, int Cols, int Ldx, int Ldy, int Ldc);

        public static bool TryRun<T>(EinsumDevice device, in GemmArgs g, ArrayView<T> a, ArrayView<T> b, ArrayView<T> c) where T : unmanaged
        {
            var blas = device.CuBlas;
            if (blas is null || (typeof(T) != typeof(float) && typeof(T) != typeof(double)) || g.Batch > MaxBatch || !TryPlan(g, out var p)) return false;
            var (x, xOffset, xBatch) = p.Swapped ? (b, g.BOffset, g.BBatch) : (a, g.AOffset, g.ABatch);
            var (y, yOffset, yBatch) = p.Swapped ? (a, g.AOffset, g.ABatch) : (b, g.BOffset, g.BBatch);
            for (int batch = 0; batch < g.Batch; batch++)
            {
                var xv = x.SubView(xOffset + batch * xBatch, x.Length - xOffset - batch * xBatch);
                var yv = y.SubView(yOffset + batch * yBatch, y.Length - yOffset - batch * yBatch);
                var cv = c.SubView(g.COffset + batch * g.CBatch, c.Length - g.COffset - batch * g.CBatch);
                if (typeof(T) == typeof(float))
                {
                    blas.Gemm(p.OpX, p.OpY, p.Rows, p.Cols, g.K, 1f, xv.Cast<float>(), p.Ldx, yv.Cast<float>(), p.Ldy, g.Accumulate != 0 ? 1f : 0f, cv.Cast<float>(), p.Ldc);
                }
                else
                {
                    blas.Gemm(p.OpX, p.OpY, p.Rows, p.Cols, g.K, 1d, xv.Cast<double>(), p.Ldx, yv.Cast<double>(), p.Ldy, g.Accumulate != 0 ? 1d : 0d, cv.Cast<double>(), p.Ldc);
                }
                device.CountLaunch();
            }
            return true;
        }

        /// <summary>
        /// The column-major call for a step: C as stored when it has a unit row stride, else its transpose (then
        /// Cᵀ = Bᵀ·Aᵀ, so X is B); false when a matrix has no unit stride or a leading dimension is out of range.
        /// </summary>
        internal static bool TryPlan(in GemmArgs g, out Plan plan)
        {
            plan = default;
            bool swapped = g.CM != 1;
            if (swapped && g.CN != 1) return false;
            int rows = swapped ? g.N : g.M, cols = swapped ? g.M : g.N;
            long ldc = swapped ? g.CM : g.CN;
            // X[r, k] and Y[k, c] at these strides.
            long xr = swapped ? g.BN : g.AM, xk = swapped ? g.BK : g.AK;
            long yk = swapped ? g.AK : g.BK, yc = swapped ? g.AM : g.BN;
            if (cols == 1) ldc = Math.Max(ldc, rows);
            if (!Operand(xr, xk, rows, g.K, out var opX, out long ldx) || !Operand(yk, yc, g.K, cols, out var opY, out long ldy)) return false;
            if (ldc < Math.Max(1, rows) || ldc > int.MaxValue) return false;
            plan = new Plan(swapped, opX, opY, rows, cols, (int)ldx, (int)ldy, (int)ldc);
            return true;
        }

        /// <summary>
        /// A column-major operand of <paramref name="rows"/> × <paramref name="cols"/> whose element (i, j) sits at
        /// i·<paramref name="rowStride"/> + j·<paramref name="colStride"/>: as stored (unit row stride) or transposed
        /// (unit column stride), with its leading dimension.
        /// </summary>
        private static bool Operand(long rowStride, long colStride, int rows, int cols, out CuBlasOperation op, out long ld)
        {
            if (rowStride == 1 && (colStride >= Math.Max(1, rows) || cols == 1))
            {
                op = CuBlasOperation.NonTranspose;
                ld = Math.Max(colStride, Math.Max(1, rows));
            }
            else if (colStride == 1 && (rowStride >= Math.Max(1, cols) || rows == 1))
            {
                op = CuBlasOperation.Transpose;
                ld = Math.Max(rowStride, Math.Max(1, cols));
            }
            else
            {
                op = default;
                ld = 0;
                return false;
            }
            return ld <= int.MaxValue;
        }
    }
}
