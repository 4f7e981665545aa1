using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace EinsumGen.Runtime.Kernels
{
    /// <summary>Adds one strided tensor into another of the same sizes: partial results of sliced steps, accumulated gradients.</summary>
    internal static unsafe class StridedAdd
    {
        /// <summary>Row-major strides of a dense buffer over the first <paramref name="kept"/> of <paramref name="sizes"/> (0 for the rest); returns its length.</summary>
        public static nint DenseStrides(ReadOnlySpan<nint> sizes, int kept, Span<nint> strides)
        {
            strides.Clear();
            nint length = 1;
            for (int d = kept - 1; d >= 0; d--)
            {
                strides[d] = length;
                length *= sizes[d];
            }
            return length;
        }

        /// <summary>target[i] += source[i] over <paramref name="rank"/> dimensions, each tensor with its own strides.</summary>
        public static void Into<T>(T* target, nint* targetStrides, T* source, nint* sourceStrides, nint* sizes, int rank) where T : unmanaged, INumberBase<T>
        {
            // Merge dimensions that are contiguous in both, so that a dense result is one long run.
            Span<nint> n = stackalloc nint[rank + 1], ts = stackalloc nint[rank + 1], ss = stackalloc nint[rank + 1];
            int dims = 0;
            n[0] = 1; ts[0] = 1; ss[0] = 1;
            for (int d = rank - 1; d >= 0; d--)
            {
                if (sizes[d] == 1) continue;
                if (dims > 0 && targetStrides[d] == ts[dims - 1] * n[dims - 1] && sourceStrides[d] == ss[dims - 1] * n[dims - 1])
                {
                    n[dims - 1] *= sizes[d];
                    continue;
                }
                (n[dims], ts[dims], ss[dims]) = (sizes[d], targetStrides[d], sourceStrides[d]);
                dims++;
            }
            if (dims == 0) (n[0], ts[0], ss[0], dims) = (1, 1, 1, 1);
            // dims are innermost first now; walk the outer ones with an odometer.
            Span<nint> index = stackalloc nint[dims];
            index.Clear();
            nint inner = n[0], to = 0, so = 0;
            while (true)
            {
                if (ts[0] == 1 && ss[0] == 1)
                {
                    var run = new Span<T>(target + to, checked((int)inner));
                    TensorPrimitives.Add<T>(run, new ReadOnlySpan<T>(source + so, (int)inner), run);
                }
                else
                {
                    for (nint i = 0; i < inner; i++) target[to + i * ts[0]] += source[so + i * ss[0]];
                }
                int o = 1;
                for (; o < dims; o++)
                {
                    to += ts[o];
                    so += ss[o];
                    if (++index[o] < n[o]) break;
                    to -= ts[o] * n[o];
                    so -= ss[o] * n[o];
                    index[o] = 0;
                }
                if (o >= dims) return;
            }
        }

    }
}
