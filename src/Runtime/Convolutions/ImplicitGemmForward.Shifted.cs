using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading;
using EinsumGen.Runtime.Kernels;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// The stride-1 forward read in place (<see cref="ImplicitGemmShift"/>): per work item (image, group, run of virtual
    /// positions) the input channels are copied once into a zero-padded window, and every register block reads its columns
    /// from there at the tap's offset — no per-panel gather, whose cost (a 3×3 layer unfolds each input element 9 times)
    /// was a fifth of the forward. Each block's tile goes to the output's valid positions (the virtual positions in the
    /// padding columns are dropped).
    /// </summary>
    internal static unsafe partial class ImplicitGemmForward
    {
        private struct ShiftJob<T> where T : unmanaged
        {
            public ImplicitGemmShift.Pinned Shift;
            public T* X, Y, PackedWeight;
            public nint* Offsets;
            public int Groups, InPerGroup, OutPerGroup, RowBlocks, Reduction, Window, MaxTapOffset;
            public long Virtual, PanelsPerItem, ItemsPerImage, Items, Pixels, HostPerChannel;
        }

        private static void RunShifted<T>(Args<T> args, ImplicitGemmShift shift) where T : unmanaged, INumberBase<T>
        {
            switch (ContractionKernel.BestPath)
            {
                case KernelPath.Vector512: RunShifted<T, Shift8x3<T, Vector512<T>, Simd512<T>>, Vector512<T>, Simd512<T>>(args, shift); break;
                case KernelPath.Vector256: RunShifted<T, Shift6x2<T, Vector256<T>, Simd256<T>>, Vector256<T>, Simd256<T>>(args, shift); break;
                case KernelPath.Vector128: RunShifted<T, Shift6x2<T, Vector128<T>, Simd128<T>>, Vector128<T>, Simd128<T>>(args, shift); break;
                default: RunShifted<T, Shift6x2<T, T, SimdScalar<T>>, T, SimdScalar<T>>(args, shift); break;
            }
        }

        /// <summary>The register block of the shifted forward (plan texts).</summary>
        internal static string ShiftedKernelName => ContractionKernel.BestPath switch
        {
            KernelPath.Vector512 => "8x3 (AVX-512)",
            KernelPath.Vector256 => "6x2 (AVX2)",
            KernelPath.Vector128 => "6x2 (128-bit)",
            _ => "6x2 (scalar)",
        };

        private static void RunShifted<T, TK, TV, TS>(Args<T> args, ImplicitGemmShift shift) where T : unmanaged, INumberBase<T>
            where TK : IShiftKernel<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            var geometry = args.Geometry;
            int mr = TK.MR, nr = TK.NR, w = TS.Count, taps = geometry.Taps;
            int rowBlocks = (args.OutPerGroup + mr - 1) / mr;
            int reduction = args.InPerGroup * taps;
            T* a = KernelWorkspace.ForCurrentThread.PackA<T>(checked(args.Groups * rowBlocks * reduction * mr));
            long panels = (shift.Virtual + nr - 1) / nr;
            long totalPanels = panels * args.Batch * args.Groups;
            int threads = Threads(args, reduction);
            long perItem = PanelsPerItem(panels, totalPanels, threads);
            long itemsPerImage = (panels + perItem - 1) / perItem;
            // A channel's window: the run's columns and the farthest tap beyond them, whole vectors.
            int window = checked((int)((perItem * nr + shift.MaxTapOffset + w - 1) / w * w));
            var offsets = geometry.ShiftOffsets(reduction, reduction, window);
            fixed (nint* offsetTable = offsets)
            fixed (int* host = shift.Host)
            fixed (int* padLeft = shift.PadLeft)
            fixed (int* outSize = shift.Out)
            fixed (int* padded = shift.Padded)
            fixed (long* hostStrides = shift.HostStrides)
            fixed (long* outStrides = shift.OutStrides)
            {
                PackWeight(args, a, mr, rowBlocks, reduction);
                var job = new ShiftJob<T>
                {
                    Shift = new ImplicitGemmShift.Pinned
                    {
                        Dims = shift.Dims, Host = host, PadLeft = padLeft, Out = outSize, Padded = padded, HostStrides = hostStrides, OutStrides = outStrides,
                    },
                    X = args.X, Y = args.Y, PackedWeight = a, Offsets = offsetTable,
                    Groups = args.Groups, InPerGroup = args.InPerGroup, OutPerGroup = args.OutPerGroup, RowBlocks = rowBlocks, Reduction = reduction,
                    Window = window, MaxTapOffset = shift.MaxTapOffset,
                    Virtual = shift.Virtual, PanelsPerItem = perItem, ItemsPerImage = itemsPerImage, Items = itemsPerImage * args.Batch * args.Groups,
                    Pixels = geometry.Pixels, HostPerChannel = geometry.HostPerChannel,
                };
                int parts = (int)Math.Min(job.Items, KernelCall.MaxParts);
                if (threads > 1 && parts > 1 && KernelThreads.TryRun(&RunShiftedPart<T, TK, TV, TS>, &job, parts, threads)) return;
                RunShiftedPart<T, TK, TV, TS>(&job, 0, 1);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see RunPart
        private static void RunShiftedPart<T, TK, TV, TS>(void* state, int part, int parts) where T : unmanaged, INumberBase<T>
            where TK : IShiftKernel<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            var job = (ShiftJob<T>*)state;
            int mr = TK.MR, nr = TK.NR;
            var workspace = KernelWorkspace.ForCurrentThread;
            T* window = workspace.PackB<T>((nint)job->InPerGroup * job->Window);
            T* tile = workspace.Tile<T>((nint)mr * nr);
            long* runs = stackalloc long[3 * nr];
            long pixels = job->Pixels;
            long from = job->Items * part / parts, to = job->Items * (part + 1) / parts;
            for (long item = from; item < to; item++)
            {
                long image = item / job->ItemsPerImage; // (n, g)
                long run = item - image * job->ItemsPerImage;
                int g = (int)(image % job->Groups);
                T* x = job->X + image * job->InPerGroup * job->HostPerChannel;
                T* y = job->Y + image * job->OutPerGroup * pixels;
                T* weight = job->PackedWeight + (long)g * job->RowBlocks * job->Reduction * mr;
                long q0 = run * job->PanelsPerItem * nr, q1 = Math.Min(job->Virtual, q0 + job->PanelsPerItem * nr);
                long columns = (q1 - q0 + nr - 1) / nr * nr;
                ImplicitGemmShift.Fill<T, TV, TS>(job->Shift, x, job->InPerGroup, job->HostPerChannel, q0, (int)columns + job->MaxTapOffset, window,
                    job->Window);
                for (long q = q0; q < q1; q += nr)
                {
                    int count = ImplicitGemmShift.Runs(job->Shift, q, (int)Math.Min(nr, q1 - q), runs);
                    if (count == 0) continue;
                    T* b = window + (q - q0);
                    for (int rb = 0; rb < job->RowBlocks; rb++)
                    {
                        int rows = Math.Min(mr, job->OutPerGroup - rb * mr);
                        TK.Run(job->Reduction, weight + (long)rb * job->Reduction * mr, b, job->Offsets, tile);
                        T* yb = y + rb * mr * pixels;
                        for (int i = 0; i < rows; i++)
                        {
                            for (int r = 0; r < count; r++)
                            {
                                ImplicitGemmPacking.Copy<T, TV, TS>(tile + i * nr + runs[3 * r], yb + i * pixels + runs[3 * r + 2], (int)runs[3 * r + 1]);
                            }
                        }
                    }
                }
            }
        }
    }
}
