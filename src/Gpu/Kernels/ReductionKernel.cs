using System.Numerics;
using ILGPU;

namespace EinsumGen.Gpu.Kernels
{
    /// <summary>
    /// A step with few result elements and long sums (a trace, a full reduction, a dot product): one group per result
    /// element. Its threads stride over the summed terms, coalesced along the innermost summed label, then combine with
    /// warp shuffles (<see cref="Warp.WarpSize"/> lanes, whatever the device's warp is) and one shared slot per warp.
    /// </summary>
    internal static class ReductionKernel
    {
        /// <summary>Threads per group on a GPU; the CPU accelerator uses fewer (its threads are OS threads).</summary>
        public const int GroupSize = 256;

        /// <summary>Warp sums kept in shared memory: enough for the smallest warp (4) at <see cref="GroupSize"/>.</summary>
        private const int MaxWarps = 64;

        public static void Reduce<T>(ArrayView<T> first, ArrayView<T> second, ArrayView<T> result, ArrayView<long> shape, StepArgs p)
            where T : unmanaged, INumber<T>
        {
            var partial = SharedMemory.Allocate<T>(MaxWarps);
            long element = Grid.IdxX;
            int r = p.Rank, tid = Group.IdxX, threads = Group.DimX;
            long a = p.FirstOffset, b = p.SecondOffset, c = p.ResultOffset, rest = element;
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
            for (long s = tid; s < p.SummedCount; s += threads)
            {
                long ra = a, rb = b, rem = s;
                for (int d = r - 1; d >= p.Kept; d--)
                {
                    long size = shape[d];
                    long i = rem % size;
                    rem /= size;
                    ra += i * shape[r + d];
                    rb += i * shape[2 * r + d];
                }
                sum += p.HasSecond != 0 ? first[ra] * second[rb] : first[ra];
            }
            for (int offset = Warp.WarpSize / 2; offset > 0; offset /= 2) sum += Warp.ShuffleDown(sum, offset);
            int warps = threads / Warp.WarpSize;
            if (Warp.IsFirstLane) partial[tid / Warp.WarpSize] = sum;
            Group.Barrier();
            if (tid != 0 || element >= p.Count) return;
            T total = T.Zero;
            for (int w = 0; w < warps; w++) total += partial[w];
            if (p.Accumulate != 0) result[c] += total;
            else result[c] = total;
        }
    }
}
