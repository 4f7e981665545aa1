using System;
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
    /// The input VJP of a strided thin layer (depthwise as MobileNetV2's 3×3/2; few channels per group), computed directly: input position i receives dy[m]·W[k] from the taps with i + P − k·D = S·m. Along the last
    /// dimension the positions of one residue r = i mod S are contiguous in m, and tap k of that residue reads dy at
    /// m + (r + P − k·D)/S: so per dx row and residue, a few vectors of sums over the output channels and matching taps, each
    /// tap one contiguous load from dy's row (copied once per (image, group) into rows padded with zeros on both sides), then
    /// written to dx at every S-th position. The outer dimensions' matching taps and dy rows are listed per dx row once per
    /// shape (<see cref="ThinStridedGeometry"/>). Nothing is copied per residue or per channel of dx, and no tap is tried
    /// that does not reach: the stride phases run as forwards (one plane copy and one result per phase and channel) measured
    /// 0.76–0.80× of the network on MobileNetV2's layer. Work is split over threads by (image, group).
    /// </summary>
    internal static unsafe class ThinStridedInputVjp
    {
        /// <summary>
        /// Whether the input VJP (and the transpose convolution) of a strided thin layer runs here: one the stride phases do not take,
        /// with fewer than <see cref="ImplicitGemmConv.MinRows"/> output channels per group (depthwise, with a multiplier below 4).
        /// With many output channels the sum over them reads that many dy rows per dx row from beyond L2: the ResNet stem's
        /// 7×7/2 3→64 measured 0.46× of the network (a GEMM over the 64 channels, then the fold), which it keeps.
        /// </summary>
        public static bool Applies<T>(ConvSpec spec, ConvGeometry[] geometries, int inPerGroup, int outPerGroup)
            => ImplicitGemmConv.Gate<T>(spec) && ConvKernelChoice.InputVjp(geometries, inPerGroup, outPerGroup) == ConvKernel.ThinStrided;

        /// <summary>
        /// dx [N, G·Cin, I…] (dense, every element written) of a convolution with output gradient dy [N, G·Cout, O…] and weight
        /// [G·Cout, Cin, K…].
        /// </summary>
        public static void Run<T>(Tensor<T> dy, Tensor<T> weight, ConvGeometry[] geometries, int groups, Tensor<T> dx)
            where T : unmanaged, INumberBase<T>
        {
            var geometry = ImplicitGemmGeometryCache.ThinStrided(geometries);
            var gradient = ConvTensors.Dense(dy);
            var w = ConvTensors.Dense(weight);
            int outPerGroup = (int)dy.Lengths[1] / groups, inPerGroup = (int)dx.Lengths[1] / groups;
            fixed (T* vp = &Einsum.First(gradient))
            fixed (T* wp = &Einsum.First(w))
            fixed (T* xp = &Einsum.First(dx))
            fixed (int* lineStart = geometry.LineStart)
            fixed (int* lineRow = geometry.LineRow)
            fixed (int* lineTap = geometry.LineTap)
            fixed (int* phaseStart = geometry.PhaseStart)
            fixed (int* phaseTap = geometry.PhaseTap)
            fixed (int* phaseShift = geometry.PhaseShift)
            fixed (int* phaseCount = geometry.PhaseCount)
            {
#if EINSUMGEN_CHECKED_KERNELS
                using var vRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(vp, gradient.Lengths, gradient.Strides, false, "outputGradient");
                using var wRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(wp, w.Lengths, w.Strides, false, "weight");
                using var xRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(xp, dx.Lengths, dx.Strides, true, "inputGradient");
#endif
                var job = new Job<T>
                {
                    Dy = vp, W = wp, Dx = xp, Groups = groups, InPerGroup = inPerGroup, OutPerGroup = outPerGroup, Items = (long)dy.Lengths[0] * groups,
                    LineStart = lineStart, LineRow = lineRow, LineTap = lineTap, PhaseStart = phaseStart, PhaseTap = phaseTap, PhaseShift = phaseShift,
                    PhaseCount = phaseCount, Lines = geometry.Lines, DyRows = geometry.DyRows, RowLength = geometry.RowLength, Left = geometry.Left,
                    OutLast = geometry.OutLast, InLast = geometry.InLast, StrideLast = geometry.StrideLast, KernelLast = geometry.KernelLast,
                    Taps = geometry.Taps, RowBuffer = geometry.RowBuffer, DyPerChannel = geometry.DyPerChannel, DxPerChannel = geometry.DxPerChannel,
                };
                delegate* managed<void*, int, int, void> part = ContractionKernel.BestPath switch
                {
                    KernelPath.Vector512 => &Part<T, Vector512<T>, Simd512<T>>,
                    KernelPath.Vector256 => &Part<T, Vector256<T>, Simd256<T>>,
                    KernelPath.Vector128 => &Part<T, Vector128<T>, Simd128<T>>,
                    _ => &Part<T, T, SimdScalar<T>>,
                };
                int threads = Math.Min(ContractionKernel.MaxDegreeOfParallelism, KernelThreads.WorkerCount + 1);
                double flops = 2.0 * job.Items * inPerGroup * outPerGroup * geometry.Taps * geometry.DyRows * geometry.OutLast;
                if (flops < ImplicitGemmForward.ParallelFlops || Thread.CurrentThread.IsThreadPoolThread) threads = 1;
                // A few parts per thread, so that a late worker costs little.
                int parts = (int)Math.Min(job.Items, threads > 1 ? 4 * threads : 1);
                if (parts > 1 && KernelThreads.TryRun(part, &job, parts, threads)) return;
                for (int p = 0; p < parts; p++) part(&job, p, parts);
            }
        }

        private struct Job<T> where T : unmanaged
        {
            public T* Dy, W, Dx;
            public int Groups, InPerGroup, OutPerGroup;
            public long Items;
            public int* LineStart, LineRow, LineTap, PhaseStart, PhaseTap, PhaseShift, PhaseCount;
            public int Lines, DyRows, RowLength, Left, OutLast, InLast, StrideLast, KernelLast, Taps, RowBuffer;
            public long DyPerChannel, DxPerChannel;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Part<T, TV, TS>(void* state, int part, int parts)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            var job = (Job<T>*)state;
            int w = TS.Count, rowLength = job->RowLength, left = job->Left, outLast = job->OutLast, inLast = job->InLast, s = job->StrideLast;
            int outPerGroup = job->OutPerGroup, inPerGroup = job->InPerGroup, taps = job->Taps, kernelLast = job->KernelLast;
            long planeLength = (long)job->DyRows * rowLength;
            var workspace = KernelWorkspace.ForCurrentThread;
            T* planes = workspace.PackB<T>(checked((nint)(outPerGroup * planeLength)));
            T* buffer = workspace.Tile<T>(job->RowBuffer);
            long from = job->Items * part / parts, to = job->Items * (part + 1) / parts;
            for (long item = from; item < to; item++)
            {
                long n = item / job->Groups;
                int group = (int)(item - n * job->Groups);
                // dy's rows of the group's output channels, with zeros before (Left) and after, where taps read past them.
                for (int o = 0; o < outPerGroup; o++)
                {
                    T* src = job->Dy + ((n * job->Groups + group) * outPerGroup + o) * job->DyPerChannel;
                    T* plane = planes + o * planeLength;
                    for (int row = 0; row < job->DyRows; row++)
                    {
                        T* dst = plane + (long)row * rowLength;
                        new Span<T>(dst, left).Clear();
                        new ReadOnlySpan<T>(src + (long)row * outLast, outLast).CopyTo(new Span<T>(dst + left, outLast));
                        new Span<T>(dst + left + outLast, rowLength - left - outLast).Clear();
                    }
                }
                for (int c = 0; c < inPerGroup; c++)
                {
                    T* dxPlane = job->Dx + ((n * job->Groups + group) * inPerGroup + c) * job->DxPerChannel;
                    for (int line = 0; line < job->Lines; line++)
                    {
                        T* dxRow = dxPlane + (long)line * inLast;
                        int e0 = job->LineStart[line], e1 = job->LineStart[line + 1];
                        for (int r = 0; r < s; r++)
                        {
                            int count = job->PhaseCount[r];
                            if (count == 0) continue;
                            int q0 = job->PhaseStart[r], q1 = job->PhaseStart[r + 1];
                            int vectors = (count + w - 1) / w;
                            for (int v0 = 0; v0 < vectors; v0 += 4)
                            {
                                int nv = Math.Min(4, vectors - v0);
                                TV a0 = TS.Zero, a1 = TS.Zero, a2 = TS.Zero, a3 = TS.Zero;
                                for (int o = 0; o < outPerGroup; o++)
                                {
                                    T* weights = job->W + ((long)(group * outPerGroup + o) * inPerGroup + c) * taps;
                                    T* plane = planes + o * planeLength + left + v0 * w;
                                    for (int e = e0; e < e1; e++)
                                    {
                                        T* row = plane + (long)job->LineRow[e] * rowLength;
                                        T* tapWeights = weights + job->LineTap[e] * kernelLast;
                                        for (int q = q0; q < q1; q++)
                                        {
                                            TV wt = TS.Broadcast(tapWeights + job->PhaseTap[q]);
                                            T* p = row + job->PhaseShift[q];
                                            a0 = TS.Fma(wt, TS.Load(p), a0);
                                            if (nv > 1) a1 = TS.Fma(wt, TS.Load(p + w), a1);
                                            if (nv > 2) a2 = TS.Fma(wt, TS.Load(p + 2 * w), a2);
                                            if (nv > 3) a3 = TS.Fma(wt, TS.Load(p + 3 * w), a3);
                                        }
                                    }
                                }
                                T* b = buffer + v0 * w;
                                TS.Store(b, a0);
                                if (nv > 1) TS.Store(b + w, a1);
                                if (nv > 2) TS.Store(b + 2 * w, a2);
                                if (nv > 3) TS.Store(b + 3 * w, a3);
                            }
                            // Residue r's positions r, r + S, … of the dx row.
                            if (s == 1)
                            {
                                new ReadOnlySpan<T>(buffer, count).CopyTo(new Span<T>(dxRow, count));
                            }
                            else
                            {
                                T* at = dxRow + r;
                                for (int m = 0; m < count; m++) at[(long)m * s] = buffer[m];
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// The index lists of <see cref="ThinStridedInputVjp"/> for one shape. Per dx row (its outer coordinates, row-major): the
    /// pairs (dy row, outer tap) with i_d + P_d − k_d·D_d = S_d·m_d inside dy for every outer dimension d. Per residue r of the
    /// last dimension: its positions' count and the taps k with r + P − k·D ≡ 0 (mod S), each with its shift (r + P − k·D)/S
    /// into dy's padded row (which starts <see cref="Left"/> zeros early).
    /// </summary>
    internal sealed class ThinStridedGeometry
    {
        /// <summary>Elements a vector holds at most (AVX-512 float): rows are padded for vectors this wide.</summary>
        private const int WidestVector = 16;

        public ThinStridedGeometry(ConvGeometry[] geometries)
        {
            int dims = geometries.Length, last = dims - 1;
            var lastGeometry = geometries[last];
            InLast = lastGeometry.InputSize;
            OutLast = lastGeometry.OutputSize;
            StrideLast = lastGeometry.Stride;
            KernelLast = lastGeometry.KernelSize;
            Taps = 1;
            foreach (var g in geometries) Taps *= g.KernelSize;
            DyPerChannel = 1;
            DxPerChannel = 1;
            foreach (var g in geometries)
            {
                DyPerChannel *= g.OutputSize;
                DxPerChannel *= g.InputSize;
            }
            DyRows = checked((int)(DyPerChannel / OutLast));
            Lines = checked((int)(DxPerChannel / InLast));

            // The last dimension, residue by residue.
            int s = StrideLast, p = lastGeometry.PadLeft, dilation = lastGeometry.Dilation;
            PhaseStart = new int[s + 1];
            PhaseCount = new int[s];
            var tapList = new System.Collections.Generic.List<int>();
            var shiftList = new System.Collections.Generic.List<int>();
            int minShift = 0, maxShift = 0, maxCount = 0;
            for (int r = 0; r < s; r++)
            {
                PhaseStart[r] = tapList.Count;
                PhaseCount[r] = r < InLast ? (InLast - r + s - 1) / s : 0;
                maxCount = Math.Max(maxCount, PhaseCount[r]);
                for (int k = 0; k < KernelLast; k++)
                {
                    int reach = r + p - k * dilation;
                    if (((reach % s) + s) % s != 0) continue;
                    int shift = reach / s; // exact
                    tapList.Add(k);
                    shiftList.Add(shift);
                    minShift = Math.Min(minShift, shift);
                    maxShift = Math.Max(maxShift, shift);
                }
            }
            PhaseStart[s] = tapList.Count;
            PhaseTap = tapList.ToArray();
            Left = -minShift;
            PhaseShift = shiftList.ToArray();
            int rounded = (maxCount + WidestVector - 1) / WidestVector * WidestVector;
            RowBuffer = Math.Max(rounded, WidestVector);
            RowLength = Left + Math.Max(OutLast, rounded + maxShift);

            // The outer dimensions: per dx row, every combination of matching taps that lands inside dy.
            var perDim = new (int Tap, int M)[last][];
            var starts = new int[last][];
            for (int d = 0; d < last; d++)
            {
                var g = geometries[d];
                var entries = new System.Collections.Generic.List<(int, int)>();
                starts[d] = new int[g.InputSize + 1];
                for (int i = 0; i < g.InputSize; i++)
                {
                    starts[d][i] = entries.Count;
                    for (int k = 0; k < g.KernelSize; k++)
                    {
                        int reach = i + g.PadLeft - k * g.Dilation;
                        if (((reach % g.Stride) + g.Stride) % g.Stride != 0) continue;
                        int m = reach / g.Stride;
                        if (m >= 0 && m < g.OutputSize) entries.Add((k, m));
                    }
                }
                starts[d][g.InputSize] = entries.Count;
                perDim[d] = entries.ToArray();
            }
            LineStart = new int[Lines + 1];
            var rows = new System.Collections.Generic.List<int>();
            var outerTaps = new System.Collections.Generic.List<int>();
            var coordinate = new int[last];
            for (int line = 0; line < Lines; line++)
            {
                LineStart[line] = rows.Count;
                Combine(geometries, perDim, starts, coordinate, 0, 0, 0, rows, outerTaps);
                for (int d = last - 1; d >= 0; d--)
                {
                    if (++coordinate[d] < geometries[d].InputSize) break;
                    coordinate[d] = 0;
                }
            }
            LineStart[Lines] = rows.Count;
            LineRow = rows.ToArray();
            LineTap = outerTaps.ToArray();
        }

        /// <summary>Adds the (dy row, outer tap) of every combination of matching taps of the outer dimensions from <paramref name="d"/> on.</summary>
        private static void Combine(ConvGeometry[] geometries, (int Tap, int M)[][] perDim, int[][] starts, int[] coordinate, int d,
            int row, int tap, System.Collections.Generic.List<int> rows, System.Collections.Generic.List<int> taps)
        {
            if (d == perDim.Length)
            {
                rows.Add(row);
                taps.Add(tap);
                return;
            }
            int i = coordinate[d];
            for (int e = starts[d][i]; e < starts[d][i + 1]; e++)
            {
                var (k, m) = perDim[d][e];
                Combine(geometries, perDim, starts, coordinate, d + 1, row * geometries[d].OutputSize + m, tap * geometries[d].KernelSize + k, rows, taps);
            }
        }

        /// <summary>dx rows (outer positions) and dy rows per channel.</summary>
        public int Lines { get; }
        public int DyRows { get; }
        public long DyPerChannel { get; }
        public long DxPerChannel { get; }
        public int InLast { get; }
        public int OutLast { get; }
        public int StrideLast { get; }
        public int KernelLast { get; }
        public int Taps { get; }
        /// <summary>Zeros before each padded dy row (the most negative shift), and the padded row's length.</summary>
        public int Left { get; }
        public int RowLength { get; }
        /// <summary>Elements of one residue's sums (whole vectors of the widest kind).</summary>
        public int RowBuffer { get; }
        /// <summary>Per dx row, its (dy row, outer tap) pairs at [LineStart[line], LineStart[line + 1]).</summary>
        public int[] LineStart { get; }
        public int[] LineRow { get; }
        /// <summary>The outer digits' row-major tap index (the weight's tap is LineTap·K_last + PhaseTap).</summary>
        public int[] LineTap { get; }
        /// <summary>Per residue of the last dimension, its taps at [PhaseStart[r], PhaseStart[r + 1]) and its positions' count.</summary>
        public int[] PhaseStart { get; }
        public int[] PhaseTap { get; }
        public int[] PhaseShift { get; }
        public int[] PhaseCount { get; }
    }
}
