using System;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// Fresh results of the kernels (implicit GEMM, stride phases, thin layers). A large result is often memory the GC has just taken from the system
    /// (or given back and taken again), so its first touch faults once per 4 KiB page: in a Firecracker guest, every
    /// third or fourth 8 MiB forward result took 2,016 faults and 33–37 ms of CPU more than the 14 ms call. On Linux a
    /// large result is therefore placed on 2 MiB boundaries and advised to transparent huge pages (where the system grants
    /// them on advice: <c>/sys/kernel/mm/transparent_hugepage/enabled</c> = madvise or always), so that its first touch
    /// maps it a few faults in all: the array is allocated with up to 2 MiB of slack before the result and its length rounded
    /// up to whole huge pages, and the tensor starts at the first 2 MiB boundary inside it. Advising the array in place left
    /// its unaligned ends (483 pages of an 8 MiB result there) on small pages, faulting one by one. The slack before the
    /// boundary is never touched; it costs address space, and the rounding a partly used last huge page.
    /// </summary>
    internal static unsafe class ResultMemory
    {
        /// <summary>Bytes from which a result is advised (one huge page: below it, the slack would outweigh the result).</summary>
        public const long AdviseFrom = 2L << 20;

        /// <summary>Off: plain uninitialized arrays (benchmarks compare both).</summary>
        internal static bool HugePages = true;

        /// <summary>Off: the array advised in place, its unaligned ends on small pages (the form before; benchmarks compare both).</summary>
        internal static bool Aligned = true;

        private const long Huge = 2L << 20;
        private const int MadvHugePage = 14;

        /// <summary>A new dense tensor of <paramref name="lengths"/> whose elements the caller overwrites.</summary>
        public static Tensor<T> Uninitialized<T>(int[] lengths) where T : unmanaged
        {
            var sizes = new nint[lengths.Length];
            for (int d = 0; d < sizes.Length; d++) sizes[d] = lengths[d];
            return Uninitialized<T>(sizes);
        }

        /// <summary>A new dense tensor of <paramref name="lengths"/> whose elements the caller overwrites.</summary>
        public static Tensor<T> Uninitialized<T>(nint[] lengths) where T : unmanaged
        {
            long count = 1;
            foreach (var d in lengths) count *= d;
            long bytes = count * sizeof(T);
            if (!HugePages || bytes < AdviseFrom || !OperatingSystem.IsLinux() || Huge % sizeof(T) != 0) return ConvTensors.Uninitialized<T>(lengths);
            long rounded = (bytes + Huge - 1) & ~(Huge - 1);
            long slack = Aligned ? Huge : 0;
            // On the large object heap, which does not move it unless asked to compact (the advice is on the addresses anyway).
            var array = GC.AllocateUninitializedArray<T>(checked((int)((rounded + slack) / sizeof(T))));
            long start;
            fixed (T* p = array) start = (long)p;
            long from = (start + Huge - 1) & ~(Huge - 1);
            long to = Aligned ? from + rounded : (start + bytes) & ~(Huge - 1);
            // Array data lies on a multiple of the element size, so the boundary is a whole number of elements in.
            int offset = Aligned && (from - start) % sizeof(T) == 0 ? (int)((from - start) / sizeof(T)) : 0;
            if (to > from)
            {
                try { Madvise((nint)from, (nuint)(to - from), MadvHugePage); }
                catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException) { HugePages = false; }
            }
            // Row-major, with stride 0 along a dimension of length 1 (as Tensor.Create's own strides; it refuses any other there).
            var strides = new nint[lengths.Length];
            nint stride = 1;
            for (int d = lengths.Length - 1; d >= 0; d--)
            {
                strides[d] = lengths[d] == 1 ? 0 : stride;
                stride *= lengths[d];
            }
            return Tensor.Create(array, offset, lengths, strides);
        }

        [DllImport("libc", EntryPoint = "madvise")]
        private static extern int Madvise(nint address, nuint length, int advice);
    }
}
