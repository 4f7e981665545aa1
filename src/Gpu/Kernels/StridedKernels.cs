using System.Numerics;
using ILGPU;

namespace EinsumGen.Gpu.Kernels
{
    /// <summary>
    /// The general kernels: any step, any strides. One thread per result element walks the summed labels; the same kernel
    /// copies (a unary step with nothing summed) and clears (<see cref="StepArgs.SummedCount"/> 0).
    /// Kernels never throw (a throw poisons ILGPU's context) and never index outside a view.
    /// </summary>
    internal static class StridedKernels
    {
        /// <summary>result[kept] (=|+=) Σ_summed first · second, one thread per result element.</summary>
        public static void Contract<T>(Index1D index, ArrayView<T> first, ArrayView<T> second, ArrayView<T> result, ArrayView<long> shape, StepArgs p)
            where T : unmanaged, INumber<T>
        {
            long element = index;
            if (element >= p.Count) return;
            int r = p.Rank;
            long a = p.FirstOffset, b = p.SecondOffset, c = p.ResultOffset;
            long rest = element;
            for (int d = p.Kept - 1; d >= 0; d--)
            {
                long size = shape[d];
                long i = rest % size;
                rest /= size;
                a += i * shape[r + d];
                b += i * shape[2 * r + d];
                c += i * shape[3 * r + d];
            }
            T sum = T.Zero;
            int summedDims = r - p.Kept;
            // The innermost summed label runs as a plain loop; the others are decomposed once per row of it.
            long inner = summedDims > 0 ? shape[r - 1] : 1;
            long innerA = summedDims > 0 ? shape[2 * r - 1] : 0, innerB = summedDims > 0 ? shape[3 * r - 1] : 0;
            long rows = p.SummedCount == 0 ? 0 : p.SummedCount / inner;
            for (long row = 0; row < rows; row++)
            {
                long ra = a, rb = b, rem = row;
                for (int d = r - 2; d >= p.Kept; d--)
                {
                    long size = shape[d];
                    long i = rem % size;
                    rem /= size;
                    ra += i * shape[r + d];
                    rb += i * shape[2 * r + d];
                }
                if (p.HasSecond != 0)
                {
                    for (long s = 0; s < inner; s++) sum += first[ra + s * innerA] * second[rb + s * innerB];
                }
                else
                {
                    for (long s = 0; s < inner; s++) sum += first[ra + s * innerA];
                }
            }
            if (p.Accumulate != 0) result[c] += sum;
            else result[c] = sum;
        }

        /// <summary>Writes <paramref name="value"/> into <paramref name="target"/>[0]: a rank-0 operand's value, on the stream.</summary>
        public static void Fill<T>(Index1D index, ArrayView<T> target, T value) where T : unmanaged
        {
            if (index == 0) target[0] = value;
        }
    }
}
