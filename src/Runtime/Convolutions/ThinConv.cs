using System;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Threading;
using EinsumGen.Runtime.Kernels;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// A direct convolution for thin layers — depthwise (one input channel per group) and layers with fewer than
    /// <see cref="ImplicitGemmConv.MinRows"/> output channels per group, where an implicit GEMM's register block would be mostly
    /// padding. Per (image, group, input channel) the host plane is copied once into a zero-padded plane whose last dimension
    /// is split by stride phase (position q at sub-row q mod S, index q div S), so that every tap of every output row is one
    /// contiguous vector load with no border test. The forward keeps up to four output channels' accumulators in registers
    /// over all taps of a vector of output positions; the weight VJP takes dot products of the output gradient's rows with the
    /// plane, tap by tap. Work is split over threads by (image, group).
    /// </summary>
    internal static unsafe class ThinConv
    {
        /// <summary>Output channels whose accumulators one pass keeps in registers.</summary>
        private const int Rows = 4;

        /// <summary>Whether a layer that the implicit GEMM does not take runs here (float and double, a kernel of more than one tap, simplified).</summary>
        public static bool Applies<T>(ConvSpec spec, ConvGeometry[] geometries, int inPerGroup, int outPerGroup) =>
            ImplicitGemmConv.Gate<T>(spec) && ConvKernelChoice.Forward(geometries, inPerGroup, outPerGroup) == ConvKernel.Thin;

        /// <summary>Whether the stride-1 input VJP (a forward with the flipped kernel) of such a layer runs here.</summary>
        public static bool AppliesToInputVjp<T>(ConvSpec spec, ConvGeometry[] geometries, int inPerGroup, int outPerGroup) =>
            ImplicitGemmConv.Gate<T>(spec) && ConvKernelChoice.InputVjp(geometries, inPerGroup, outPerGroup) == ConvKernel.Thin;

        /// <summary>y [N, G·Cout, O…] = conv(x [N, G·Cin, I…], weight [G·Cout, Cin, K…]); y dense, every element written.</summary>
        public static void Forward<T>(Tensor<T> x, Tensor<T> weight, ConvGeometry[] geometries, int groups, Tensor<T> y)
            where T : unmanaged, INumberBase<T>
        {
            var geometry = ImplicitGemmGeometryCache.ThinForward(geometries);
            int inPerGroup = (int)x.Lengths[1] / groups, outPerGroup = (int)y.Lengths[1] / groups;
            var layout = new ImplicitGemmWeight((long)outPerGroup * inPerGroup * geometry.Taps, (long)inPerGroup * geometry.Taps, geometry.Taps, false);
            Run(geometry, x, weight, layout, y, groups, inPerGroup, outPerGroup);
        }

        /// <summary>dx [N, G·Cin, I…] of a stride-1 layer: the forward of dy with the flipped, transposed kernel; dx dense, every element written.</summary>
        public static void InputVjp<T>(Tensor<T> dy, Tensor<T> weight, ConvGeometry[] geometries, int groups, Tensor<T> dx)
            where T : unmanaged, INumberBase<T>
        {
            var geometry = ImplicitGemmGeometryCache.ThinInputVjp(geometries);
            int outPerGroup = (int)dy.Lengths[1] / groups, inPerGroup = (int)dx.Lengths[1] / groups;
            var layout = new ImplicitGemmWeight((long)outPerGroup * inPerGroup * geometry.Taps, geometry.Taps, (long)inPerGroup * geometry.Taps, true);
            Run(geometry, dy, weight, layout, dx, groups, outPerGroup, inPerGroup);
        }

        private static void Run<T>(ThinGeometry geometry, Tensor<T> x, Tensor<T> weight, ImplicitGemmWeight layout, Tensor<T> y, int groups,
            int inPerGroup, int outPerGroup) where T : unmanaged, INumberBase<T>
        {
            var source = ConvTensors.Dense(x);
            var w = ConvTensors.Dense(weight);
            fixed (T* xp = &Einsum.First(source))
            fixed (T* wp = &Einsum.First(w))
            fixed (T* yp = &Einsum.First(y))
            {
#if EINSUMGEN_CHECKED_KERNELS
                using var xRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(xp, source.Lengths, source.Strides, false, "x");
                using var wRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(wp, w.Lengths, w.Strides, false, "weight");
                using var yRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(yp, y.Lengths, y.Strides, true, "y");
#endif
                Run(geometry, xp, wp, layout, yp, (int)source.Lengths[0], groups, inPerGroup, outPerGroup);
            }
        }

        /// <summary>
        /// y [N, G·Cout, Out…] = conv(x [N, G·Cin, Host…], the weight as <paramref name="layout"/> places it), all dense and pinned by
        /// the caller. Every element of y is written.
        /// </summary>
        private static void Run<T>(ThinGeometry geometry, T* x, T* weight, ImplicitGemmWeight layout, T* y, int batch, int groups, int inPerGroup,
            int outPerGroup) where T : unmanaged, INumberBase<T>
        {
            var handle = GCHandle.Alloc(geometry);
            var job = new Job<T>
            {
                Geometry = GCHandle.ToIntPtr(handle), X = x, W = weight, Y = y, Layout = layout, Groups = groups, InPerGroup = inPerGroup,
                OutPerGroup = outPerGroup, Items = (long)batch * groups,
            };
            try
            {
                switch (ContractionKernel.BestPath)
                {
                    case KernelPath.Vector512: Split(&ForwardPart<T, Vector512<T>, Simd512<T>>, &job, geometry, outPerGroup * inPerGroup); break;
                    case KernelPath.Vector256: Split(&ForwardPart<T, Vector256<T>, Simd256<T>>, &job, geometry, outPerGroup * inPerGroup); break;
                    case KernelPath.Vector128: Split(&ForwardPart<T, Vector128<T>, Simd128<T>>, &job, geometry, outPerGroup * inPerGroup); break;
                    default: Split(&ForwardPart<T, T, SimdScalar<T>>, &job, geometry, outPerGroup * inPerGroup); break;
                }
            }
            finally
            {
                handle.Free();
            }
        }

        /// <summary>dW [G·Cout, Cin, K…] = Σ_{n, p} dy[n, o, p] · x̃[n, c, t, p]; dw dense, every element written.</summary>
        public static void WeightVjp<T>(Tensor<T> x, Tensor<T> dy, ConvGeometry[] geometries, int groups, Tensor<T> dw)
            where T : unmanaged, INumberBase<T>
        {
            var geometry = ImplicitGemmGeometryCache.ThinForward(geometries);
            int inPerGroup = (int)x.Lengths[1] / groups, outPerGroup = (int)dy.Lengths[1] / groups;
            var source = ConvTensors.Dense(x);
            var gradient = ConvTensors.Dense(dy);
            long length = dw.FlattenedLength;
            int threads = Math.Min(ContractionKernel.MaxDegreeOfParallelism, KernelThreads.WorkerCount + 1);
            long items = (long)source.Lengths[0] * groups;
            double flops = 2.0 * items * outPerGroup * inPerGroup * geometry.Taps * geometry.Pixels;
            if (flops < ImplicitGemmForward.ParallelFlops || Thread.CurrentThread.IsThreadPoolThread) threads = 1;
            int parts = (int)Math.Min(items, threads);
            // Each part sums into its own partial dW (in the calling thread's workspace), added up at the end.
            T* partials = parts > 1 ? KernelWorkspace.ForCurrentThread.Partial<T>(checked((nint)(parts * length))) : null;
            fixed (T* xp = &Einsum.First(source))
            fixed (T* vp = &Einsum.First(gradient))
            fixed (T* wp = &Einsum.First(dw))
            {
#if EINSUMGEN_CHECKED_KERNELS
                using var xRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(xp, source.Lengths, source.Strides, false, "x");
                using var vRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(vp, gradient.Lengths, gradient.Strides, false, "outputGradient");
                using var wRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(wp, dw.Lengths, dw.Strides, true, "weight gradient");
#endif
                var handle = GCHandle.Alloc(geometry);
                var job = new Job<T>
                {
                    Geometry = GCHandle.ToIntPtr(handle), X = xp, W = parts > 1 ? partials : wp, Y = vp, Groups = groups, InPerGroup = inPerGroup, OutPerGroup = outPerGroup,
                    Items = items, PartialLength = length,
                };
                delegate* managed<void*, int, int, void> part = ContractionKernel.BestPath switch
                {
                    KernelPath.Vector512 => &WeightVjpPart<T, Vector512<T>, Simd512<T>>,
                    KernelPath.Vector256 => &WeightVjpPart<T, Vector256<T>, Simd256<T>>,
                    KernelPath.Vector128 => &WeightVjpPart<T, Vector128<T>, Simd128<T>>,
                    _ => &WeightVjpPart<T, T, SimdScalar<T>>,
                };
                try
                {
                    if (parts < 2 || !KernelThreads.TryRun(part, &job, parts, threads))
                    {
                        for (int p = 0; p < Math.Max(1, parts); p++) part(&job, p, Math.Max(1, parts));
                    }
                }
                finally
                {
                    handle.Free();
                }
                if (parts < 2) return;
                var sum = new Span<T>(wp, checked((int)length));
                new ReadOnlySpan<T>(partials, sum.Length).CopyTo(sum);
                for (int p = 1; p < parts; p++)
                {
                    var from = new ReadOnlySpan<T>(partials + p * length, sum.Length);
                    TensorPrimitives.Add(sum, from, sum);
                }
            }
        }

        private static void Split<T>(delegate* managed<void*, int, int, void> part, Job<T>* job, ThinGeometry geometry, int channelPairs)
            where T : unmanaged
        {
            int threads = Math.Min(ContractionKernel.MaxDegreeOfParallelism, KernelThreads.WorkerCount + 1);
            double flops = 2.0 * job->Items * channelPairs * geometry.Taps * geometry.Pixels;
            if (flops < ImplicitGemmForward.ParallelFlops || Thread.CurrentThread.IsThreadPoolThread) threads = 1;
            // A few parts per thread, so that a late worker costs little.
            int parts = (int)Math.Min(job->Items, threads > 1 ? 4 * threads : 1);
            if (parts > 1 && KernelThreads.TryRun(part, job, parts, threads)) return;
            for (int p = 0; p < parts; p++) part(job, p, parts);
        }

        private struct Job<T> where T : unmanaged
        {
            /// <summary>A handle of the <see cref="ThinGeometry"/> (the job is passed by pointer, so it holds no reference).</summary>
            public nint Geometry;
            public T* X, W, Y;
            public ImplicitGemmWeight Layout;
            public int Groups, InPerGroup, OutPerGroup;
            public long Items, PartialLength;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void ForwardPart<T, TV, TS>(void* state, int part, int parts)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            var job = (Job<T>*)state;
            var g = (ThinGeometry)GCHandle.FromIntPtr(job->Geometry).Target!;
            int w = TS.Count, taps = g.Taps, outLast = g.OutLast, rounded = g.RoundedOutLast(w);
            var workspace = KernelWorkspace.ForCurrentThread;
            T* plane = workspace.PackB<T>(checked((nint)g.PlaneLength));
            T* weights = workspace.Tile<T>((nint)Rows * taps + w);
            T* tail = weights + Rows * taps;
            int* tapOffsets = stackalloc int[taps];
            for (int t = 0; t < taps; t++) tapOffsets[t] = g.TapOffsets[t];
            long from = job->Items * part / parts, to = job->Items * (part + 1) / parts;
            long pixels = g.Pixels, hostPerChannel = g.HostPerChannel;
            var layout = job->Layout;
            for (long item = from; item < to; item++)
            {
                long n = item / job->Groups;
                int group = (int)(item - n * job->Groups);
                for (int c = 0; c < job->InPerGroup; c++)
                {
                    g.Fill<T>(job->X + ((n * job->Groups + group) * job->InPerGroup + c) * hostPerChannel, plane);
                    for (int o0 = 0; o0 < job->OutPerGroup; o0 += Rows)
                    {
                        int rows = Math.Min(Rows, job->OutPerGroup - o0);
                        for (int r = 0; r < rows; r++)
                        {
                            T* source = job->W + group * layout.Group + (o0 + r) * layout.Out + c * layout.In;
                            for (int t = 0; t < taps; t++) weights[r * taps + t] = source[layout.Flip ? taps - 1 - t : t];
                        }
                        T* y = job->Y + ((n * job->Groups + group) * job->OutPerGroup + o0) * pixels;
                        ForwardRows<T, TV, TS>(g, plane, weights, tapOffsets, taps, rows, y, pixels, outLast, rounded, tail, c == 0);
                    }
                }
            }
        }

        /// <summary>
        /// For every output row and every vector of its positions: Σ_t w[r, t] · plane[row + tap t + j] for up to <see cref="Rows"/>
        /// output channels r, stored (<paramref name="first"/>: the first input channel) or added into y. The accumulators of
        /// several vectors of a row run side by side (four for one channel, two for more), so that no FMA waits on the last.
        /// </summary>
        // Optimized even where the JIT declines to inline it (its size): in unoptimized code it made the first few dozen calls of a
        // depthwise forward 3× slower.
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        private static void ForwardRows<T, TV, TS>(ThinGeometry g, T* plane, T* weights, int* tapOffsets, int taps, int rows, T* y, long pixels,
            int outLast, int rounded, T* tail, bool first) where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int w = TS.Count;
            long lines = pixels / outLast;
            long line = 0;
            if (rows == 1 && rounded < 4 * w)
            {
                // Short rows (a 14-wide depthwise layer): four rows side by side instead of four vectors of one.
                for (; line + 4 <= lines; line += 4)
                {
                    T* r0 = plane + g.RowBase(line), r1 = plane + g.RowBase(line + 1), r2 = plane + g.RowBase(line + 2), r3 = plane + g.RowBase(line + 3);
                    T* yRow = y + line * outLast;
                    for (int j = 0; j < rounded; j += w)
                    {
                        TV a0 = TS.Zero, a1 = TS.Zero, a2 = TS.Zero, a3 = TS.Zero;
                        for (int t = 0; t < taps; t++)
                        {
                            TV wt = TS.Broadcast(weights + t);
                            int at = tapOffsets[t] + j;
                            a0 = TS.Fma(wt, TS.Load(r0 + at), a0);
                            a1 = TS.Fma(wt, TS.Load(r1 + at), a1);
                            a2 = TS.Fma(wt, TS.Load(r2 + at), a2);
                            a3 = TS.Fma(wt, TS.Load(r3 + at), a3);
                        }
                        Put<T, TV, TS>(yRow + j, a0, outLast - j, tail, first);
                        Put<T, TV, TS>(yRow + outLast + j, a1, outLast - j, tail, first);
                        Put<T, TV, TS>(yRow + 2 * outLast + j, a2, outLast - j, tail, first);
                        Put<T, TV, TS>(yRow + 3 * outLast + j, a3, outLast - j, tail, first);
                    }
                }
            }
            for (; line < lines; line++)
            {
                T* row = plane + g.RowBase(line);
                T* yRow = y + line * outLast;
                if (rows == 1)
                {
                    for (int j = 0; j < rounded; j += 4 * w)
                    {
                        TV a0 = TS.Zero, a1 = TS.Zero, a2 = TS.Zero, a3 = TS.Zero;
                        T* at = row + j;
                        for (int t = 0; t < taps; t++)
                        {
                            TV wt = TS.Broadcast(weights + t);
                            T* p = at + tapOffsets[t];
                            a0 = TS.Fma(wt, TS.Load(p), a0);
                            a1 = TS.Fma(wt, TS.Load(p + w), a1);
                            a2 = TS.Fma(wt, TS.Load(p + 2 * w), a2);
                            a3 = TS.Fma(wt, TS.Load(p + 3 * w), a3);
                        }
                        Put<T, TV, TS>(yRow + j, a0, outLast - j, tail, first);
                        Put<T, TV, TS>(yRow + j + w, a1, outLast - j - w, tail, first);
                        Put<T, TV, TS>(yRow + j + 2 * w, a2, outLast - j - 2 * w, tail, first);
                        Put<T, TV, TS>(yRow + j + 3 * w, a3, outLast - j - 3 * w, tail, first);
                    }
                    continue;
                }
                for (int j = 0; j < rounded; j += 2 * w)
                {
                    TV a0 = TS.Zero, a1 = TS.Zero, a2 = TS.Zero, a3 = TS.Zero, b0 = TS.Zero, b1 = TS.Zero, b2 = TS.Zero, b3 = TS.Zero;
                    T* at = row + j;
                    for (int t = 0; t < taps; t++)
                    {
                        TV u = TS.Load(at + tapOffsets[t]), v = TS.Load(at + tapOffsets[t] + w);
                        TV w0 = TS.Broadcast(weights + t), w1 = TS.Broadcast(weights + taps + t);
                        a0 = TS.Fma(w0, u, a0);
                        b0 = TS.Fma(w0, v, b0);
                        a1 = TS.Fma(w1, u, a1);
                        b1 = TS.Fma(w1, v, b1);
                        if (rows > 2)
                        {
                            TV w2 = TS.Broadcast(weights + 2 * taps + t);
                            a2 = TS.Fma(w2, u, a2);
                            b2 = TS.Fma(w2, v, b2);
                        }
                        if (rows > 3)
                        {
                            TV w3 = TS.Broadcast(weights + 3 * taps + t);
                            a3 = TS.Fma(w3, u, a3);
                            b3 = TS.Fma(w3, v, b3);
                        }
                    }
                    for (int r = 0; r < rows; r++)
                    {
                        var (a, b) = r switch { 0 => (a0, b0), 1 => (a1, b1), 2 => (a2, b2), _ => (a3, b3) };
                        Put<T, TV, TS>(yRow + r * pixels + j, a, outLast - j, tail, first);
                        Put<T, TV, TS>(yRow + r * pixels + j + w, b, outLast - j - w, tail, first);
                    }
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Put<T, TV, TS>(T* y, TV value, int count, T* tail, bool first) // count: the row's elements left from y on
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            if (count <= 0) return;
            if (count >= TS.Count)
            {
                TS.Store(y, first ? value : TS.Add(value, TS.Load(y)));
                return;
            }
            TS.Store(tail, value);
            if (first) for (int i = 0; i < count; i++) y[i] = tail[i];
            else for (int i = 0; i < count; i++) y[i] += tail[i];
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void WeightVjpPart<T, TV, TS>(void* state, int part, int parts)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            var job = (Job<T>*)state;
            var g = (ThinGeometry)GCHandle.FromIntPtr(job->Geometry).Target!;
            int w = TS.Count, taps = g.Taps, outLast = g.OutLast, rounded = g.RoundedOutLast(w);
            long lines = g.Pixels / outLast;
            var workspace = KernelWorkspace.ForCurrentThread;
            T* plane = workspace.PackB<T>(checked((nint)g.PlaneLength));
            // dy's rows of one (image, group), each zero-padded to whole vectors.
            T* rowsOfDy = workspace.PackA<T>(checked((nint)(job->OutPerGroup * lines * rounded)));
            T* dw = job->W + (parts > 1 ? part * job->PartialLength : 0);
            new Span<T>(dw, checked((int)job->PartialLength)).Clear();
            int* tapOffsets = stackalloc int[taps];
            for (int t = 0; t < taps; t++) tapOffsets[t] = g.TapOffsets[t];
            long from = job->Items * part / parts, to = job->Items * (part + 1) / parts;
            long pixels = g.Pixels, hostPerChannel = g.HostPerChannel;
            long reduction = (long)job->InPerGroup * taps;
            for (long item = from; item < to; item++)
            {
                long n = item / job->Groups;
                int group = (int)(item - n * job->Groups);
                for (int o = 0; o < job->OutPerGroup; o++)
                {
                    T* src = job->Y + ((n * job->Groups + group) * job->OutPerGroup + o) * pixels;
                    T* dst = rowsOfDy + o * lines * rounded;
                    for (long line = 0; line < lines; line++)
                    {
                        ImplicitGemmPacking.Copy<T, TV, TS>(src + line * outLast, dst + line * rounded, outLast);
                        for (int j = outLast; j < rounded; j++) dst[line * rounded + j] = T.Zero;
                    }
                }
                for (int c = 0; c < job->InPerGroup; c++)
                {
                    g.Fill<T>(job->X + ((n * job->Groups + group) * job->InPerGroup + c) * hostPerChannel, plane);
                    // Per output channel, four taps side by side: four independent chains that share each load of dy.
                    for (int o = 0; o < job->OutPerGroup; o++)
                    {
                        T* dyRow = rowsOfDy + o * lines * rounded;
                        T* result = dw + (group * (long)job->OutPerGroup + o) * reduction + (long)c * taps;
                        for (int t0 = 0; t0 < taps; t0 += 4)
                        {
                            int block = Math.Min(4, taps - t0);
                            // Past the last tap, the block re-reads the last one; its sums are dropped.
                            int o0 = tapOffsets[t0], o1 = tapOffsets[Math.Min(t0 + 1, taps - 1)];
                            int o2 = tapOffsets[Math.Min(t0 + 2, taps - 1)], o3 = tapOffsets[Math.Min(t0 + 3, taps - 1)];
                            TV a0 = TS.Zero, a1 = TS.Zero, a2 = TS.Zero, a3 = TS.Zero;
                            for (long line = 0; line < lines; line++)
                            {
                                T* at = plane + g.RowBase(line);
                                T* d = dyRow + line * rounded;
                                for (int j = 0; j < rounded; j += w)
                                {
                                    TV v = TS.Load(d + j);
                                    a0 = TS.Fma(v, TS.Load(at + o0 + j), a0);
                                    a1 = TS.Fma(v, TS.Load(at + o1 + j), a1);
                                    a2 = TS.Fma(v, TS.Load(at + o2 + j), a2);
                                    a3 = TS.Fma(v, TS.Load(at + o3 + j), a3);
                                }
                            }
                            result[t0] += TS.Sum(a0);
                            if (block > 1) result[t0 + 1] += TS.Sum(a1);
                            if (block > 2) result[t0 + 2] += TS.Sum(a2);
                            if (block > 3) result[t0 + 3] += TS.Sum(a3);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// The padded, phase-split plane of <see cref="ThinConv"/>: host position i of dimension d lies at padded position i + P_d;
    /// the outer dimensions are padded to the extent the taps read, the last is stored as S sub-rows of <see cref="SubRow"/>
    /// (q at sub-row q mod S, index q div S), long enough that a whole vector past the last output reads only the row's zeros.
    /// </summary>
    internal sealed class ThinGeometry
    {
        private ThinGeometry(int[] host, int[] kernel, int[] outSize, int[] stride, int[] dilation, int[] pad)
        {
            Dims = host.Length;
            int last = Dims - 1;
            Host = host;
            Out = outSize;
            Stride = stride;
            Pad = pad;
            Extent = new int[Dims];
            for (int d = 0; d < Dims; d++) Extent[d] = Math.Max(1, (outSize[d] - 1) * stride[d] + (kernel[d] - 1) * dilation[d] + 1);
            OutLast = outSize[last];
            // 64 elements cover a vector of any width (and the rounding of OutLast to it).
            SubRow = Math.Max((Extent[last] + stride[last] - 1) / stride[last], OutLast + 64 + (kernel[last] - 1) * dilation[last] / stride[last]);
            PaddedStrides = new long[Dims];
            PaddedStrides[last] = 1;
            long s = (long)stride[last] * SubRow;
            for (int d = last - 1; d >= 0; d--)
            {
                PaddedStrides[d] = s;
                s *= Extent[d];
            }
            PlaneLength = s;
            HostPerChannel = 1;
            foreach (int h in host) HostPerChannel *= h;
            Pixels = 1;
            foreach (int o in outSize) Pixels *= o;
            Taps = 1;
            foreach (int k in kernel) Taps *= k;
            TapOffsets = new int[Taps];
            var digits = new int[Dims];
            for (int t = 0; t < Taps; t++)
            {
                long offset = 0;
                for (int d = 0; d < last; d++) offset += (long)digits[d] * dilation[d] * PaddedStrides[d];
                int q = digits[last] * dilation[last];
                offset += (long)(q % stride[last]) * SubRow + q / stride[last];
                TapOffsets[t] = checked((int)offset);
                for (int d = last; d >= 0; d--)
                {
                    if (++digits[d] < kernel[d]) break;
                    digits[d] = 0;
                }
            }
        }

        public int Dims { get; }
        public int[] Host { get; }
        public int[] Out { get; }
        public int[] Stride { get; }
        public int[] Pad { get; }
        /// <summary>Per dimension, the padded positions the taps read: (O − 1)·S + (K − 1)·D + 1.</summary>
        public int[] Extent { get; }
        public int SubRow { get; }
        public long[] PaddedStrides { get; }
        public long PlaneLength { get; }
        public long HostPerChannel { get; }
        public long Pixels { get; }
        public int Taps { get; }
        public int OutLast { get; }
        /// <summary>Per tap (row-major, the last fastest), its offset from an output row's start in the plane.</summary>
        public int[] TapOffsets { get; }

        public int RoundedOutLast(int w) => (OutLast + w - 1) / w * w;

        /// <summary>The forward convolution of <paramref name="geometries"/>.</summary>
        public static ThinGeometry Forward(ConvGeometry[] geometries) => new ThinGeometry(geometries.Select(g => g.InputSize).ToArray(),
            geometries.Select(g => g.KernelSize).ToArray(), geometries.Select(g => g.OutputSize).ToArray(), geometries.Select(g => g.Stride).ToArray(),
            geometries.Select(g => g.Dilation).ToArray(), geometries.Select(g => g.PadLeft).ToArray());

        /// <summary>The stride-1 input VJP as a forward of dy with the flipped kernel (as <see cref="ImplicitGemmGeometry.InputVjp"/>).</summary>
        public static ThinGeometry InputVjp(ConvGeometry[] geometries) => new ThinGeometry(geometries.Select(g => g.OutputSize).ToArray(),
            geometries.Select(g => g.KernelSize).ToArray(), geometries.Select(g => g.InputSize).ToArray(), geometries.Select(_ => 1).ToArray(),
            geometries.Select(g => g.Dilation).ToArray(), geometries.Select(g => g.Dilation * (g.KernelSize - 1) - g.PadLeft).ToArray());

        /// <summary>Where output row <paramref name="line"/> (its outer digits, the last outer one fastest) starts in the plane.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public long RowBase(long line)
        {
            long offset = 0;
            for (int d = Dims - 2; d >= 0; d--)
            {
                long q = line / Out[d];
                offset += (line - q * Out[d]) * Stride[d] * PaddedStrides[d];
                line = q;
            }
            return offset;
        }

        /// <summary>Clears <paramref name="plane"/> and copies one host channel into it.</summary>
        // Fully optimized from the first call, as the kernels that call it once per channel: tiering left the strided copy
        // in unoptimized code for the first few dozen calls (4× the depthwise 3×3/2 forward's time in them).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public unsafe void Fill<T>(T* host, T* plane) where T : unmanaged, INumberBase<T>
        {
            new Span<T>(plane, checked((int)PlaneLength)).Clear();
            int last = Dims - 1, hostLast = Host[last], s = Stride[last], pad = Pad[last];
            // Host positions of the last dimension that land inside the extent.
            int lo = Math.Max(0, -pad), hi = Math.Min(hostLast, Extent[last] - pad);
            if (lo >= hi) return;
            long rows = HostPerChannel / hostLast;
            for (long row = 0; row < rows; row++)
            {
                long offset = 0, rest = row;
                bool inside = true;
                for (int d = last - 1; d >= 0; d--)
                {
                    long q = rest / Host[d];
                    int at = (int)(rest - q * Host[d]) + Pad[d];
                    rest = q;
                    if (at < 0 || at >= Extent[d]) { inside = false; break; }
                    offset += at * PaddedStrides[d];
                }
                if (!inside) continue;
                T* src = host + row * hostLast;
                T* dst = plane + offset;
                if (s == 1)
                {
                    new ReadOnlySpan<T>(src + lo, hi - lo).CopyTo(new Span<T>(dst + lo + pad, hi - lo));
                    continue;
                }
                // Phase by phase: host positions i ≡ −P + ph (mod S) land on sub-row ph, one after another.
                for (int ph = 0; ph < s; ph++)
                {
                    int i0 = lo + (((ph - lo - pad) % s) + s) % s;
                    T* to = dst + ph * SubRow + (i0 + pad) / s;
                    for (int i = i0, j = 0; i < hi; i += s, j++) to[j] = src[i];
                }
            }
        }
    }
}
