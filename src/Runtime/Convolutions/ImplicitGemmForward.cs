using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading;
using EinsumGen.Runtime.Kernels;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// Where the weight of an implicit-GEMM forward lies: element (group g, output channel o, input channel c, tap t) at
    /// g·Group + o·Out + c·In + t (t counted from the end when <see cref="Flip"/>: the input VJP's flipped kernel).
    /// </summary>
    internal readonly record struct ImplicitGemmWeight(long Group, long Out, long In, bool Flip);

    /// <summary>
    /// A convolution as an implicit GEMM, per group and image: y[o, p] = Σ_{c,t} W[o, c·T + t] · x̃[c·T + t, p], with the
    /// output positions p as the GEMM's columns (the vector dimension, contiguous in y) and the output channels as its rows.
    /// The weight is packed once into micro-kernel panels (MR output channels × the whole reduction); each panel of NR output
    /// positions is gathered from x through the geometry's tables into a per-thread buffer (<see cref="ImplicitGemmPacking"/>),
    /// then every row block runs the project's register-blocked micro-kernel on it, storing straight into y. The columns are
    /// never materialized. Work is shared over threads by (image, group, runs of panels), never by output channels, so each
    /// gathered panel serves every output channel.
    /// </summary>
    internal static unsafe partial class ImplicitGemmForward
    {
        /// <summary>
        /// Panels per work item: runs small enough that a late worker costs little (8 parts per thread), whole images where
        /// they fit.
        /// </summary>
        private static long PanelsPerItem(long panels, long totalPanels, int threads) =>
            Math.Max(1, Math.Min(panels, (totalPanels + 8L * threads - 1) / (8L * threads)));

        /// <summary>The threads a call uses: one below <see cref="ParallelFlops"/> or when called from a pool thread.</summary>
        private static int Threads<T>(Args<T> args, int reduction) where T : unmanaged, INumberBase<T>
        {
            double flops = 2.0 * args.Batch * args.Groups * args.OutPerGroup * reduction * args.Geometry.Pixels;
            if (flops < ParallelFlops || Thread.CurrentThread.IsThreadPoolThread) return 1;
            return Math.Min(ContractionKernel.MaxDegreeOfParallelism, KernelThreads.WorkerCount + 1);
        }

        /// <summary>
        /// y [N, G·Cout, Out…] = conv(x [N, G·Cin, Host…], weight); x, weight and y dense. Every element of y is written.
        /// </summary>
        public static void Run<T>(ImplicitGemmGeometry geometry, T* x, T* weight, ImplicitGemmWeight layout, T* y, int batch, int groups, int inPerGroup,
            int outPerGroup, ImplicitGemmForm form = ImplicitGemmForm.Auto) where T : unmanaged, INumberBase<T>
        {
            var args = new Args<T>(geometry, x, weight, layout, y, batch, groups, inPerGroup, outPerGroup);
            if (geometry.Shift is { } shift && shift.Serves(form))
            {
                RunShifted(args, shift);
                return;
            }
            switch (ContractionKernel.BestPath)
            {
                case KernelPath.Vector512 when Prefers8x3(outPerGroup):
                    Run<T, Kernel8x3<T, Vector512<T>, Simd512<T>>, Vector512<T>, Simd512<T>>(args);
                    break;
                case KernelPath.Vector512: Run<T, Kernel12x2<T, Vector512<T>, Simd512<T>>, Vector512<T>, Simd512<T>>(args); break;
                case KernelPath.Vector256: Run<T, Kernel6x2<T, Vector256<T>, Simd256<T>>, Vector256<T>, Simd256<T>>(args); break;
                case KernelPath.Vector128: Run<T, Kernel6x2<T, Vector128<T>, Simd128<T>>, Vector128<T>, Simd128<T>>(args); break;
                default: Run<T, Kernel6x2<T, T, SimdScalar<T>>, T, SimdScalar<T>>(args); break;
            }
        }

        /// <summary>The name of the micro-kernel a call with <paramref name="outPerGroup"/> rows runs (plan texts).</summary>
        public static string MicroKernelName(int outPerGroup) => ContractionKernel.BestPath switch
        {
            KernelPath.Vector512 => Prefers8x3(outPerGroup) ? "8x3 (AVX-512)" : "12x2 (AVX-512)",
            KernelPath.Vector256 => "6x2 (AVX2)",
            KernelPath.Vector128 => "6x2 (128-bit)",
            _ => "6x2 (scalar)",
        };

        /// <summary>8×3 where it wastes fewer rows of the last block than 12×2 does (64 channels: none against 8 of 72).</summary>
        private static bool Prefers8x3(int rows) => (rows + 7) / 8 * 8 * 12 <= (rows + 11) / 12 * 12 * 8 || rows % 8 == 0 && rows % 12 != 0;

        private sealed class Args<T> where T : unmanaged
        {
            public Args(ImplicitGemmGeometry geometry, T* x, T* weight, ImplicitGemmWeight layout, T* y, int batch, int groups, int inPerGroup, int outPerGroup)
            {
                Geometry = geometry;
                X = x;
                Weight = weight;
                Layout = layout;
                Y = y;
                Batch = batch;
                Groups = groups;
                InPerGroup = inPerGroup;
                OutPerGroup = outPerGroup;
            }

            public readonly ImplicitGemmGeometry Geometry;
            public readonly T* X, Weight, Y;
            public readonly ImplicitGemmWeight Layout;
            public readonly int Batch, Groups, InPerGroup, OutPerGroup;
        }

        /// <summary>The state a part reads: everything pinned by the caller for the length of the call.</summary>
        private struct Job<T> where T : unmanaged
        {
            public ImplicitGemmGeometry.Pinned Geometry;
            public T* X, Y, PackedWeight;
            public nint* RowC, ColC;
            public int Groups, InPerGroup, OutPerGroup, RowBlocks, Reduction;
            public long PanelsPerImage, PanelsPerItem, ItemsPerImage, Items, Pixels, HostPerChannel;
        }

        private static void Run<T, TK, TV, TS>(Args<T> args) where T : unmanaged, INumberBase<T> where TK : IMicroKernel<T>
            where TV : struct where TS : struct, ISimd<T, TV>
        {
            var geometry = args.Geometry;
            int mr = TK.MR, nr = TK.NR;
            int rowBlocks = (args.OutPerGroup + mr - 1) / mr;
            int reduction = args.InPerGroup * geometry.Taps;
            // The packed weight lives in the calling thread's workspace (its parts use the B panel and tile buffers only), so
            // that a call leaves no large garbage behind; the workers read it while the caller waits.
            T* a = KernelWorkspace.ForCurrentThread.PackA<T>(checked(args.Groups * rowBlocks * reduction * mr));
            var rowC = geometry.RowOffsets(rowBlocks * mr);
            var colC = geometry.ColumnOffsets(nr);
            var flat = geometry.FlatTables();
            long panels = (geometry.Pixels + nr - 1) / nr;
            long totalPanels = panels * args.Batch * args.Groups;
            int threads = Threads(args, reduction);
            long perItem = PanelsPerItem(panels, totalPanels, threads);
            long itemsPerImage = (panels + perItem - 1) / perItem;
            fixed (nint* rows = rowC)
            fixed (nint* cols = colC)
            fixed (int* tables = flat)
            fixed (int* outSize = geometry.Out)
            fixed (int* digits = geometry.TapDigits)
            fixed (int* start = geometry.LastStart)
            fixed (int* end = geometry.LastEnd)
            fixed (int* first = geometry.LastFirst)
            fixed (long* strides = geometry.HostStrides)
            {
                PackWeight(args, a, mr, rowBlocks, reduction);
                var job = new Job<T>
                {
                    Geometry = new ImplicitGemmGeometry.Pinned
                    {
                        Dims = geometry.Dims, Taps = geometry.Taps, OutLast = geometry.Out[geometry.Dims - 1], LastStep = geometry.LastStep,
                        Out = outSize, TapDigits = digits, LastStart = start, LastEnd = end, LastFirst = first, Tables = tables, TableOffset = tables,
                        HostStrides = strides,
                    },
                    X = args.X, Y = args.Y, PackedWeight = a, RowC = rows, ColC = cols,
                    Groups = args.Groups, InPerGroup = args.InPerGroup, OutPerGroup = args.OutPerGroup, RowBlocks = rowBlocks, Reduction = reduction,
                    PanelsPerImage = panels, PanelsPerItem = perItem, ItemsPerImage = itemsPerImage,
                    Items = itemsPerImage * args.Batch * args.Groups, Pixels = geometry.Pixels, HostPerChannel = geometry.HostPerChannel,
                };
                int parts = (int)Math.Min(job.Items, KernelCall.MaxParts);
                if (threads > 1 && parts > 1 && KernelThreads.TryRun(&RunPart<T, TK, TV, TS>, &job, parts, threads)) return;
                RunPart<T, TK, TV, TS>(&job, 0, 1);
            }
        }

        /// <summary>Below this many flops a call stays on the calling thread.</summary>
        internal const double ParallelFlops = 4e6;

        // Fully optimized from the first call: the loop runs once per call, so tiering would leave the first calls (or all of
        // them, when the background compiler starves on a loaded machine) in unoptimized code.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void RunPart<T, TK, TV, TS>(void* state, int part, int parts) where T : unmanaged, INumberBase<T> where TK : IMicroKernel<T>
            where TV : struct where TS : struct, ISimd<T, TV>
        {
            var job = (Job<T>*)state;
            int mr = TK.MR, nr = TK.NR;
            var workspace = KernelWorkspace.ForCurrentThread;
            T* panel = workspace.PackB<T>((nint)job->Reduction * nr);
            T* scratch = workspace.Tile<T>((nint)mr * nr);
            long pixels = job->Pixels, hostPerChannel = job->HostPerChannel;
            long from = job->Items * part / parts, to = job->Items * (part + 1) / parts;
            for (long item = from; item < to; item++)
            {
                long image = item / job->ItemsPerImage; // (n, g)
                long run = item - image * job->ItemsPerImage;
                int g = (int)(image % job->Groups);
                T* x = job->X + image * job->InPerGroup * hostPerChannel;
                T* y = job->Y + image * job->OutPerGroup * pixels;
                T* weight = job->PackedWeight + (long)g * job->RowBlocks * job->Reduction * mr;
                long p0 = run * job->PanelsPerItem * nr, p1 = Math.Min(pixels, (run + 1) * job->PanelsPerItem * nr);
                for (long p = p0; p < p1; p += nr)
                {
                    int width = (int)Math.Min(nr, pixels - p);
                    ImplicitGemmPacking.Pack<T, TV, TS>(job->Geometry, x, job->InPerGroup, hostPerChannel, p, width, nr, panel, nr);
                    bool direct = width == nr;
                    for (int b = 0; b < job->RowBlocks; b++)
                    {
                        int rows = Math.Min(mr, job->OutPerGroup - b * mr);
                        TK.Run(job->Reduction, weight + (long)b * job->Reduction * mr, panel, y + p, job->RowC + b * mr, job->ColC, rows, width,
                            direct, false, scratch);
                    }
                }
            }
        }

        private static void PackWeight<T>(Args<T> args, T* a, int mr, int rowBlocks, int reduction) where T : unmanaged, INumberBase<T>
        {
            int taps = args.Geometry.Taps;
            var l = args.Layout;
            T* dst = a;
            for (int g = 0; g < args.Groups; g++)
            {
                for (int b = 0; b < rowBlocks; b++)
                {
                    for (int k = 0; k < reduction; k++)
                    {
                        int c = k / taps, t = k - c * taps;
                        long tap = l.Flip ? taps - 1 - t : t;
                        for (int i = 0; i < mr; i++)
                        {
                            int o = b * mr + i;
                            *dst++ = o < args.OutPerGroup ? args.Weight[g * l.Group + o * l.Out + c * l.In + tap] : T.Zero;
                        }
                    }
                }
            }
        }
    }
}
