using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace EinsumGen.Runtime.Kernels
{
    /// <summary>
    /// The generic pairwise contraction: result[kept] = Σ_summed left · right over a runtime list of dimensions. The
    /// first <c>kept</c> dimensions index the result; the rest are summed. With <c>accumulate</c> the sums are added to the result. Plain strided loops, no allocation per element.
    /// </summary>
    internal static class StridedKernel
    {
        public static void Contract<T>(int kept, ReadOnlySpan<nint> sizes, ref T left, ReadOnlySpan<nint> leftStrides, ref T right, ReadOnlySpan<nint> rightStrides, bool hasRight,
            ref T result, ReadOnlySpan<nint> resultStrides, bool accumulate)
            where T : unmanaged, INumberBase<T>
        {
            int n = sizes.Length;
            for (int d = 0; d < n; d++)
            {
                if (sizes[d] == 0 && d < kept) return; // empty result: nothing to write
            }
            Span<nint> index = n <= 64 ? stackalloc nint[64].Slice(0, n) : new nint[n]; // stackalloc is zeroed here (no SkipLocalsInit)
            nint lo = 0, ro = 0, oo = 0;
            while (true)
            {
                // One result element: sum the inner (summed) dimensions.
                T acc = T.Zero;
                bool empty = false;
                for (int d = kept; d < n; d++) empty |= sizes[d] == 0;
                if (!empty)
                {
                    while (true)
                    {
                        T product = Unsafe.Add(ref left, lo);
                        if (hasRight) product *= Unsafe.Add(ref right, ro);
                        acc += product;
                        int d = n - 1;
                        for (; d >= kept; d--)
                        {
                            lo += leftStrides[d];
                            ro += rightStrides[d];
                            if (++index[d] < sizes[d]) break;
                            lo -= leftStrides[d] * sizes[d];
                            ro -= rightStrides[d] * sizes[d];
                            index[d] = 0;
                        }
                        if (d < kept) break;
                    }
                }
                ref T destination = ref Unsafe.Add(ref result, oo);
                destination = accumulate ? destination + acc : acc;
                int o = kept - 1;
                for (; o >= 0; o--)
                {
                    lo += leftStrides[o];
                    ro += rightStrides[o];
                    oo += resultStrides[o];
                    if (++index[o] < sizes[o]) break;
                    lo -= leftStrides[o] * sizes[o];
                    ro -= rightStrides[o] * sizes[o];
                    oo -= resultStrides[o] * sizes[o];
                    index[o] = 0;
                }
                if (o < 0) return;
            }
        }
    }
}
