using System;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// Fresh results of the implicit-GEMM kernels. A large result is often memory the GC has just taken from the system
    /// (or given back and taken again), so its first touch faults once per 4 KiB page: in a Firecracker guest, every
    /// third or fourth 8 MiB forward result took 2,016 faults and 33–37 ms of CPU more than the 14 ms call. On Linux the
    /// 2 MiB-aligned middle of a large result is advised to transparent huge pages (where the system grants them on
    /// advice: <c>/sys/kernel/mm/transparent_hugepage/enabled</c> = madvise or always), which its first touch maps a
    /// few faults at a time; the unaligned ends (483 pages there) still fault page by page.
    /// </summary>
    internal static unsafe class ResultMemory
    {
        /// <summary>Bytes from which a result is advised.</summary>
        public const long AdviseFrom = 4L << 20;

        /// <summary>Off: plain uninitialized arrays (benchmarks compare both).</summary>
        internal static bool HugePages = true;

        private const long Huge = 2L << 20;
        private const int MadvHugePage = 14;

        /// <summary>A new dense tensor of <paramref name="lengths"/> whose elements the caller overwrites.</summary>
        public static Tensor<T> Uninitialized<T>(nint[] lengths) where T : unmanaged
        {
            long count = 1;
            foreach (var d in lengths) count *= d;
            long bytes = count * sizeof(T);
            if (!HugePages || bytes < AdviseFrom || !OperatingSystem.IsLinux()) return ConvTensors.Uninitialized<T>(lengths);
            // On the large object heap, which does not move it unless asked to compact (the advice is on the addresses anyway).
            var array = GC.AllocateUninitializedArray<T>(checked((int)count));
            long start;
            fixed (T* p = array) start = (long)p;
            long from = (start + Huge - 1) & ~(Huge - 1), to = (start + bytes) & ~(Huge - 1);
            if (to > from)
            {
                try { Madvise((nint)from, (nuint)(to - from), MadvHugePage); }
                catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException) { HugePages = false; }
            }
            return Tensor.Create(array, lengths);
        }

        [DllImport("libc", EntryPoint = "madvise")]
        private static extern int Madvise(nint address, nuint length, int advice);
    }
}
