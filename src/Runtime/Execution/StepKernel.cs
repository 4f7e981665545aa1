using System.Numerics;
namespace EinsumGen.Runtime
{
    internal static class StepKernel
    {
        public static void Contract<T>(int kept, nint[] sizes, ref T first, nint[] firstStrides, ref T second, nint[] secondStrides, bool hasSecond,
            ref T result, nint[] resultStrides, bool accumulate) where T : unmanaged, INumberBase<T> =>
            StridedKernel.Contract(kept, sizes, ref first, firstStrides, ref second, secondStrides, hasSecond, ref result, resultStrides, accumulate);
    }
}
