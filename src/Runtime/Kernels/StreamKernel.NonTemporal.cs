using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EinsumGen.Runtime.Kernels
{
    internal static unsafe partial class StreamKernel
    {
        /// <summary>
        /// Whether a call writes its result with non-temporal stores: a result written, not added into, too large to stay
        /// in the caches for the next step (<see cref="KernelOptions.StreamNonTemporalBytes"/>), and computed from an operand
        /// streamed alongside it (a transpose, a scale, a Hadamard product). An ordinary store first reads the line it
        /// writes; a non-temporal one writes whole lines to memory without reading them (`memory nt`: a 256 MiB Hadamard
        /// product 18 against 23–25 ms, one thread). A result filled from small operands (an outer product) keeps ordinary
        /// stores: non-temporal ones measured slower there (11.3 against 10.9 ms, 15.3 against 12.3 in another run).
        /// </summary>
        private static bool NonTemporalResult<T>(ReadOnlySpan<long> elements, bool accumulate, KernelPath path) where T : unmanaged
            => !accumulate && path != KernelPath.Scalar && Sse2.IsSupported
               && elements[2] * sizeof(T) >= KernelOptions.Current.StreamNonTemporalBytes && Math.Max(elements[0], elements[1]) >= elements[2];

        /// <summary>
        /// Stores a vector with the non-temporal hint; <paramref name="p"/> must sit on the vector's width (the loops start
        /// their vectors on a cache line). Where the hardware lacks the width, an ordinary store.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static void StoreStream<T, TV, TS>(T* p, TV v) where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            if (typeof(TV) == typeof(Vector512<float>) && Avx512F.IsSupported) Avx512F.StoreAlignedNonTemporal((float*)p, Unsafe.As<TV, Vector512<float>>(ref v));
            else if (typeof(TV) == typeof(Vector512<double>) && Avx512F.IsSupported) Avx512F.StoreAlignedNonTemporal((double*)p, Unsafe.As<TV, Vector512<double>>(ref v));
            else if (typeof(TV) == typeof(Vector256<float>) && Avx.IsSupported) Avx.StoreAlignedNonTemporal((float*)p, Unsafe.As<TV, Vector256<float>>(ref v));
            else if (typeof(TV) == typeof(Vector256<double>) && Avx.IsSupported) Avx.StoreAlignedNonTemporal((double*)p, Unsafe.As<TV, Vector256<double>>(ref v));
            else if (typeof(TV) == typeof(Vector128<float>) && Sse.IsSupported) Sse.StoreAlignedNonTemporal((float*)p, Unsafe.As<TV, Vector128<float>>(ref v));
            else if (typeof(TV) == typeof(Vector128<double>) && Sse2.IsSupported) Sse2.StoreAlignedNonTemporal((double*)p, Unsafe.As<TV, Vector128<double>>(ref v));
            else TS.Store(p, v);
        }

        /// <summary>Orders the non-temporal stores of a call (or part) before what follows it (the join, the next step).</summary>
        internal static void FenceStreams()
        {
            if (Sse.IsSupported) Sse.StoreFence();
        }
    }
}
