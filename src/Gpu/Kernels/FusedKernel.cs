using System.Numerics;
using ILGPU;

namespace EinsumGen.Gpu.Kernels
{
    /// <summary>
    /// One step of a fused launch (<see cref="FusedKernel"/>): which of the launch's views it reads and writes, and its
    /// sizes and strides (<c>4 × Rank</c> longs from <see cref="Shape"/> in the launch's shape table, laid out as
    /// <see cref="StepArgs"/>' buffer). Built once per run of steps and kept on the device (<see cref="FusedTable"/>).
    /// </summary>
    internal struct FusedStep
    {
        public int Rank;
        public int Kept;

        /// <summary>Where the step's sizes and strides start in the shape table.</summary>
        public int Shape;

        /// <summary>Indices into <see cref="FusedViews{T}"/> of the first factor, the second (the first again when unary) and the result.</summary>
        public int First, Second, Result;

        /// <summary>Threads summing each result element together (a power of two, at most a warp): 1 unless the step has fewer result elements than the group has threads.</summary>
        public int Lanes;

        /// <summary>1 when a second factor is read.</summary>
        public int HasSecond;

        /// <summary>1 when the result is added to instead of overwritten.</summary>
        public int Accumulate;

        /// <summary>Result elements: the product of the kept sizes.</summary>
        public long Count;

        /// <summary>Terms summed per result element: the product of the summed sizes.</summary>
        public long SummedCount;
    }

    /// <summary>
    /// The tensors one fused launch touches, each a view starting at the tensor's first element (so the cached step table
    /// holds no per-call offsets). A fixed number of fields: ILGPU passes a structure of views as one kernel parameter
    /// but has no arrays of views; a run that would need more is split into two launches. Unused fields repeat
    /// <see cref="V0"/> (a default view has no buffer for a GPU backend to map).
    /// </summary>
    internal struct FusedViews<T> where T : unmanaged
    {
        public const int Capacity = 16;

        public ArrayView<T> V0, V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11, V12, V13, V14, V15;

        public readonly ArrayView<T> Get(int index) => index switch
        {
            0 => V0, 1 => V1, 2 => V2, 3 => V3, 4 => V4, 5 => V5, 6 => V6, 7 => V7,
            8 => V8, 9 => V9, 10 => V10, 11 => V11, 12 => V12, 13 => V13, 14 => V14, _ => V15,
        };

        /// <summary>Host side: sets field <paramref name="index"/>.</summary>
        public void Set(int index, ArrayView<T> view)
        {
            switch (index)
            {
                case 0: V0 = view; break;
                case 1: V1 = view; break;
                case 2: V2 = view; break;
                case 3: V3 = view; break;
                case 4: V4 = view; break;
                case 5: V5 = view; break;
                case 6: V6 = view; break;
                case 7: V7 = view; break;
                case 8: V8 = view; break;
                case 9: V9 = view; break;
                case 10: V10 = view; break;
                case 11: V11 = view; break;
                case 12: V12 = view; break;
                case 13: V13 = view; break;
                case 14: V14 = view; break;
                default: V15 = view; break;
            }
        }
    }

    /// <summary>
    /// A run of small steps in one launch of one group: the group walks the step table, its threads sharing each step's
    /// result elements (or, for a step with fewer elements than threads, <see cref="FusedStep.Lanes"/> threads per element
    /// summing strided terms and combining with warp shuffles), with a group barrier between steps so that a step reads
    /// what the previous ones wrote. Every loop bound is the same for all threads of the group, so every thread reaches
    /// every barrier and every shuffle. Never throws, never indexes outside a view.
    /// </summary>
    internal static class FusedKernel
    {
        public static void Run<T>(FusedViews<T> views, ArrayView<FusedStep> steps, ArrayView<long> shapes, int stepCount)
            where T : unmanaged, INumber<T>
        {
            int tid = Group.IdxX, threads = Group.DimX;
            for (int s = 0; s < stepCount; s++)
            {
                var p = steps[s];
                var first = views.Get(p.First);
                var second = views.Get(p.Second);
                var result = views.Get(p.Result);
                int lanes = p.Lanes, lane = tid % lanes, perPass = threads / lanes;
                long passes = (p.Count + perPass - 1) / perPass;
                for (long pass = 0; pass < passes; pass++)
                {
                    long element = pass * perPass + tid / lanes;
                    bool active = element < p.Count;
                    T sum = T.Zero;
                    var at = default(Offsets);
                    if (active)
                    {
                        at = Locate(shapes, p, element);
                        sum = lanes == 1 ? SumAll(first, second, shapes, p, at.A, at.B) : SumStrided(first, second, shapes, p, at.A, at.B, lane, lanes);
                    }
                    if (lanes > 1)
                    {
                        for (int offset = lanes / 2; offset > 0; offset /= 2) sum += Warp.ShuffleDown(sum, offset);
                    }
                    if (active && lane == 0)
                    {
                        if (p.Accumulate != 0) result[at.C] += sum;
                        else result[at.C] = sum;
                    }
                }
                Group.Barrier();
            }
        }

        /// <summary>The offsets of result element <paramref name="element"/> and of its first terms in each factor.</summary>
        private static Offsets Locate(ArrayView<long> shapes, FusedStep p, long element)
        {
            int r = p.Rank, at = p.Shape;
            long rest = element, a = 0, b = 0, c = 0;
            for (int d = p.Kept - 1; d >= 0; d--)
            {
                long size = shapes[at + d];
                long i = rest % size;
                rest /= size;
                a += i * shapes[at + r + d];
                b += i * shapes[at + 2 * r + d];
                c += i * shapes[at + 3 * r + d];
            }
            return new Offsets { A = a, B = b, C = c };
        }

        private struct Offsets
        {
            public long A, B, C;
        }

        /// <summary>One thread's whole sum: the innermost summed label as a plain loop, the others decomposed once per row (as <see cref="StridedKernels.Contract{T}"/>).</summary>
        private static T SumAll<T>(ArrayView<T> first, ArrayView<T> second, ArrayView<long> shapes, FusedStep p, long a, long b)
            where T : unmanaged, INumber<T>
        {
            int r = p.Rank, at = p.Shape;
            T sum = T.Zero;
            bool summed = r > p.Kept;
            long inner = summed ? shapes[at + r - 1] : 1;
            long innerA = summed ? shapes[at + 2 * r - 1] : 0, innerB = summed ? shapes[at + 3 * r - 1] : 0;
            long rows = p.SummedCount == 0 ? 0 : p.SummedCount / inner;
            for (long row = 0; row < rows; row++)
            {
                long ra = a, rb = b, rem = row;
                for (int d = r - 2; d >= p.Kept; d--)
                {
                    long size = shapes[at + d];
                    long i = rem % size;
                    rem /= size;
                    ra += i * shapes[at + r + d];
                    rb += i * shapes[at + 2 * r + d];
                }
                if (p.HasSecond != 0)
                {
                    for (long k = 0; k < inner; k++) sum += first[ra + k * innerA] * second[rb + k * innerB];
                }
                else
                {
                    for (long k = 0; k < inner; k++) sum += first[ra + k * innerA];
                }
            }
            return sum;
        }

        /// <summary>Terms <paramref name="lane"/>, <paramref name="lane"/> + <paramref name="lanes"/>, … of the sum (as <see cref="ReductionKernel"/>).</summary>
        private static T SumStrided<T>(ArrayView<T> first, ArrayView<T> second, ArrayView<long> shapes, FusedStep p, long a, long b, int lane, int lanes)
            where T : unmanaged, INumber<T>
        {
            int r = p.Rank, at = p.Shape;
            T sum = T.Zero;
            for (long s = lane; s < p.SummedCount; s += lanes)
            {
                long ra = a, rb = b, rem = s;
                for (int d = r - 1; d >= p.Kept; d--)
                {
                    long size = shapes[at + d];
                    long i = rem % size;
                    rem /= size;
                    ra += i * shapes[at + r + d];
                    rb += i * shapes[at + 2 * r + d];
                }
                sum += p.HasSecond != 0 ? first[ra] * second[rb] : first[ra];
            }
            return sum;
        }
    }
}
