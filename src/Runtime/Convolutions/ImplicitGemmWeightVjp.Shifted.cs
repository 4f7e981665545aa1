using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading;
using EinsumGen.Runtime.Kernels;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// The stride-1 weight VJP as an outer-product GEMM over positions, read in place (<see cref="ImplicitGemmShift"/>):
    /// dWᵀ[c·T + t, o] = Σ_{n,q} x̃_n[c·T + t, q] · dy[n, o, q]. Per work item (image, group, run of virtual positions) the
    /// input channels are copied once into a zero-padded window and dy is transposed once into panels of NR output channels
    /// (positions by channels, zero at the virtual positions that are not outputs). The register block broadcasts MR rows
    /// of x̃ straight from the window (each row its channel shifted by its tap) against whole vectors of the dy panel, so a
    /// position costs one broadcast per row and one load per vector — the dot-product form loaded both operands as vectors
    /// and reduced across lanes. Positions go in chunks whose panel stays in L1 across every row block. Parts (a few per
    /// thread) sum into their own dWᵀ; the parts are added up and transposed into dW at the end.
    /// </summary>
    internal static unsafe partial class ImplicitGemmWeightVjp
    {
        /// <summary>Padded output channels per output channel above which the gathered dot-product form is used.</summary>
        private const double MaxChannelWaste = ConvKernelChoice.MaxChannelWaste;

        /// <summary>Positions per register-block call: the dy panel (chunk × NR) stays in L1.</summary>
        private const int PositionChunk = 128;

        /// <summary>Virtual positions per work item at most (the window and panel sizes).</summary>
        private const int MaxRun = 2048;

        private struct ShiftJob<T> where T : unmanaged
        {
            public ImplicitGemmShift.Pinned Shift;
            public T* X, Dy, Partials;
            public nint* Offsets;
            public int Groups, InPerGroup, OutPerGroup, Reduction, RowsPadded, ColumnsPadded, Window, MaxTapOffset, Run;
            public long Virtual, RunsPerImage, Items, Pixels, HostPerChannel, PartialLength;
        }

        /// <summary>
        /// Whether a call in <paramref name="form"/> runs shifted: a shift that serves it and, unless forced, output channels
        /// that fill the register block's vectors (at most <see cref="MaxChannelWaste"/> padded per real one).
        /// </summary>
        private static bool RunsShifted<T>(ImplicitGemmShift? shift, ImplicitGemmForm form, int outPerGroup) where T : unmanaged
        {
            if (shift is null || !shift.Serves(form)) return false;
            if (form == ImplicitGemmForm.Shifted) return true;
            int nr = ContractionKernel.BestPath switch
            {
                KernelPath.Vector512 => 4 * 64 / sizeof(T),
                KernelPath.Vector256 => 2 * 32 / sizeof(T),
                KernelPath.Vector128 => 2 * 16 / sizeof(T),
                _ => 2,
            };
            return ConvKernelChoice.WeightVjpFillsBlock(outPerGroup, nr);
        }

        private static void RunShifted<T>(ImplicitGemmGeometry geometry, ImplicitGemmShift shift, T* x, T* dy, T* dw, int batch, int groups,
            int inPerGroup, int outPerGroup) where T : unmanaged, INumberBase<T>
        {
            switch (ContractionKernel.BestPath)
            {
                case KernelPath.Vector512:
                    RunShifted<T, ShiftRows6x4<T, Vector512<T>, Simd512<T>>, Vector512<T>, Simd512<T>>(geometry, shift, x, dy, dw, batch, groups, inPerGroup, outPerGroup);
                    break;
                case KernelPath.Vector256:
                    RunShifted<T, ShiftRows4x2<T, Vector256<T>, Simd256<T>>, Vector256<T>, Simd256<T>>(geometry, shift, x, dy, dw, batch, groups, inPerGroup, outPerGroup);
                    break;
                case KernelPath.Vector128:
                    RunShifted<T, ShiftRows4x2<T, Vector128<T>, Simd128<T>>, Vector128<T>, Simd128<T>>(geometry, shift, x, dy, dw, batch, groups, inPerGroup, outPerGroup);
                    break;
                default:
                    RunShifted<T, ShiftRows4x2<T, T, SimdScalar<T>>, T, SimdScalar<T>>(geometry, shift, x, dy, dw, batch, groups, inPerGroup, outPerGroup);
                    break;
            }
        }

        private static void RunShifted<T, TK, TV, TS>(ImplicitGemmGeometry geometry, ImplicitGemmShift shift, T* x, T* dy, T* dw, int batch, int groups,
            int inPerGroup, int outPerGroup) where T : unmanaged, INumberBase<T> where TK : IShiftRowsKernel<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int mr = TK.MR, nr = TK.NR, w = TS.Count, taps = geometry.Taps;
            int reduction = inPerGroup * taps;
            int rowsPadded = (reduction + mr - 1) / mr * mr, columnsPadded = (outPerGroup + nr - 1) / nr * nr;
            long length = (long)groups * outPerGroup * reduction;
            int run = (int)Math.Min(shift.Virtual, MaxRun);
            long runsPerImage = (shift.Virtual + run - 1) / run;
            long items = runsPerImage * batch * groups;
            long partialLength = (long)groups * rowsPadded * columnsPadded;
            int threads = Math.Min(ContractionKernel.MaxDegreeOfParallelism, KernelThreads.WorkerCount + 1);
            double flops = 2.0 * length * batch * geometry.Pixels;
            if (flops < ImplicitGemmForward.ParallelFlops || Thread.CurrentThread.IsThreadPoolThread) threads = 1;
            int parts = (int)Math.Min(items, threads > 1 ? 4 * threads : 1);
            while (parts > threads && parts * partialLength * sizeof(T) > 64L << 20) parts--;
            // The parts' dWᵀ live in the calling thread's workspace (the parts use the packing buffers only).
            T* partials = KernelWorkspace.ForCurrentThread.Partial<T>(checked((nint)(parts * partialLength)));
            int window = checked((run + shift.MaxTapOffset + w - 1) / w * w);
            // Row k of x̃ at its channel's window shifted by its tap; the padding rows of the last block read row 0 (dropped).
            var offsets = geometry.ShiftOffsets(reduction, rowsPadded, window);
            fixed (nint* offsetTable = offsets)
            fixed (int* host = shift.Host)
            fixed (int* padLeft = shift.PadLeft)
            fixed (int* outSize = shift.Out)
            fixed (int* padded = shift.Padded)
            fixed (long* hostStrides = shift.HostStrides)
            fixed (long* outStrides = shift.OutStrides)
            {
                var job = new ShiftJob<T>
                {
                    Shift = new ImplicitGemmShift.Pinned
                    {
                        Dims = shift.Dims, Host = host, PadLeft = padLeft, Out = outSize, Padded = padded, HostStrides = hostStrides, OutStrides = outStrides,
                    },
                    X = x, Dy = dy, Partials = partials, Offsets = offsetTable,
                    Groups = groups, InPerGroup = inPerGroup, OutPerGroup = outPerGroup, Reduction = reduction, RowsPadded = rowsPadded,
                    ColumnsPadded = columnsPadded, Window = window, MaxTapOffset = shift.MaxTapOffset, Run = run,
                    Virtual = shift.Virtual, RunsPerImage = runsPerImage, Items = items, Pixels = geometry.Pixels, HostPerChannel = geometry.HostPerChannel,
                    PartialLength = partialLength,
                };
                if (parts == 1 || !KernelThreads.TryRun(&RunShiftedPart<T, TK, TV, TS>, &job, parts, threads))
                {
                    for (int p = 0; p < parts; p++) RunShiftedPart<T, TK, TV, TS>(&job, p, parts);
                }
            }
            // dW[g·Cout + o, k] = Σ_parts dWᵀ_part[g, k, o].
            for (int g = 0; g < groups; g++)
            {
                for (int o = 0; o < outPerGroup; o++)
                {
                    T* row = dw + ((long)g * outPerGroup + o) * reduction;
                    T* column = partials + (long)g * rowsPadded * columnsPadded + o;
                    for (int k = 0; k < reduction; k++)
                    {
                        T sum = column[(long)k * columnsPadded];
                        for (int p = 1; p < parts; p++) sum += column[p * partialLength + (long)k * columnsPadded];
                        row[k] = sum;
                    }
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see ImplicitGemmForward.RunPart
        private static void RunShiftedPart<T, TK, TV, TS>(void* state, int part, int parts)
            where T : unmanaged, INumberBase<T> where TK : IShiftRowsKernel<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            var job = (ShiftJob<T>*)state;
            int mr = TK.MR, nr = TK.NR, run = job->Run;
            var workspace = KernelWorkspace.ForCurrentThread;
            T* window = workspace.PackB<T>((nint)job->InPerGroup * job->Window);
            T* panels = workspace.PackA<T>((nint)job->ColumnsPadded * run);
            T* partial = job->Partials + part * job->PartialLength;
            new Span<T>(partial, checked((int)job->PartialLength)).Clear();
            long* runs = stackalloc long[3 * PositionChunk];
            long pixels = job->Pixels;
            long from = job->Items * part / parts, to = job->Items * (part + 1) / parts;
            for (long item = from; item < to; item++)
            {
                long image = item / job->RunsPerImage; // (n, g)
                int g = (int)(image % job->Groups);
                long q0 = (item - image * job->RunsPerImage) * run, q1 = Math.Min(job->Virtual, q0 + run);
                int width = (int)(q1 - q0);
                ImplicitGemmShift.Fill<T, TV, TS>(job->Shift, job->X + image * job->InPerGroup * job->HostPerChannel, job->InPerGroup, job->HostPerChannel,
                    q0, width + job->MaxTapOffset, window, job->Window);
                TransposeDy<T, TV, TS>(job, job->Dy + image * job->OutPerGroup * pixels, q0, width, nr, panels, runs);
                T* result = partial + (long)g * job->RowsPadded * job->ColumnsPadded;
                for (int p0 = 0; p0 < width; p0 += PositionChunk)
                {
                    int kc = Math.Min(PositionChunk, width - p0);
                    for (int rb = 0; rb < job->RowsPadded; rb += mr)
                    {
                        for (int cb = 0; cb < job->ColumnsPadded; cb += nr)
                        {
                            TK.Run(kc, window + p0, job->Offsets + rb, panels + (long)cb * run + (long)p0 * nr, result + (long)rb * job->ColumnsPadded + cb,
                                job->ColumnsPadded);
                        }
                    }
                }
            }
        }

        /// <summary>
        /// panels[b·run·NR + p·NR + j] = dy[o = b·NR + j, virtual position q0 + p], zero where o ≥ Cout or the position is
        /// not an output (dy of one image and group at <paramref name="dy"/>, its channels Pixels apart).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void TransposeDy<T, TV, TS>(ShiftJob<T>* job, T* dy, long q0, int width, int nr, T* panels, long* runs)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int run = job->Run;
            long pixels = job->Pixels;
            for (int b = 0; b < job->ColumnsPadded; b += nr) ImplicitGemmPacking.Zero<T, TV, TS>(panels + (long)b * run, width * nr);
            for (int p0 = 0; p0 < width; p0 += PositionChunk)
            {
                int count = ImplicitGemmShift.Runs(job->Shift, q0 + p0, Math.Min(PositionChunk, width - p0), runs);
                for (int r = 0; r < count; r++)
                {
                    int j = p0 + (int)runs[3 * r], len = (int)runs[3 * r + 1];
                    long at = runs[3 * r + 2];
                    int o = 0;
                    if (typeof(T) == typeof(float) && ImplicitGemmTranspose.Available && nr % 16 == 0 && len >= 16)
                    {
                        // 16 channels × 16 positions at a time, transposed in registers; the last positions one by one.
                        int whole = len / 16 * 16;
                        for (; o + 16 <= job->OutPerGroup; o += 16)
                        {
                            float* src = (float*)(dy + o * pixels + at);
                            float* dst = (float*)(panels + (long)(o / nr) * nr * run + (long)j * nr + o % nr);
                            for (int i = 0; i < whole; i += 16) ImplicitGemmTranspose.Block16(src + i, pixels, dst + (long)i * nr, nr);
                            for (int c = 0; c < 16; c++)
                            {
                                for (int i = whole; i < len; i++) dst[(long)i * nr + c] = src[c * pixels + i];
                            }
                        }
                    }
                    // Channel by channel: dy's rows are Pixels apart (4 KiB in a 32×32 layer), so reading them in parallel
                    // would put every stream in the same L1 set; the panel's columns are written a cache line apart instead.
                    for (; o < job->OutPerGroup; o++)
                    {
                        T* src = dy + o * pixels + at;
                        T* dst = panels + (long)(o / nr) * nr * run + (long)j * nr + o % nr;
                        for (int i = 0; i < len; i++) dst[(long)i * nr] = src[i];
                    }
                }
            }
        }
    }
}
