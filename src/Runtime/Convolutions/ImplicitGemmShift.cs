using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using EinsumGen.Runtime.Kernels;

namespace EinsumGen.Convolutions
{
    /// <summary>How an implicit-GEMM call reads its columns: as it prefers, always gathered, or in place where it can (tests).</summary>
    internal enum ImplicitGemmForm
    {
        Auto,
        Gathered,
        Shifted,
    }

    /// <summary>
    /// A stride-1 implicit GEMM read in place from a zero-padded host. With the host padded to
    /// <c>Padded[d] = Out[d] + D[d]·(K[d] − 1)</c> per dimension (strides <see cref="PaddedStrides"/>), tap t of output
    /// position o reads padded position <c>o + TapOffsets[t]</c> (<c>Σ_d k_d·D_d·PaddedStrides[d]</c>). So over the
    /// <em>virtual</em> positions <c>q = Σ_d o_d·PaddedStrides[d]</c> the unfolded row (c, t) is padded channel c itself,
    /// shifted by <c>TapOffsets[t]</c>: a kernel reads its columns as plain vector loads at <c>channel + offset + q</c>, with no
    /// gather. The virtual positions also cover the padded grid's extra positions (o_d ≥ Out[d] in a dimension after the
    /// first); they are computed and dropped, or carry zeros into a sum. Built only where they are few
    /// (<see cref="MaxWaste"/>). Immutable; shared between threads.
    /// </summary>
    internal sealed class ImplicitGemmShift
    {
        /// <summary>Virtual positions per output position above which the gathered form is used (a 32×32 3×3 layer: 1.06).</summary>
        public const double MaxWaste = ConvKernelChoice.MaxShiftWaste;

        private ImplicitGemmShift(ImplicitGemmGeometry g, int[] padded, long[] paddedStrides, long plane, long virtualPositions, int[] tapOffsets)
        {
            Dims = g.Dims;
            Host = g.Host;
            HostStrides = g.HostStrides;
            PadLeft = g.PadLeft;
            Out = g.Out;
            Pixels = g.Pixels;
            Padded = padded;
            PaddedStrides = paddedStrides;
            Plane = plane;
            Virtual = virtualPositions;
            TapOffsets = tapOffsets;
            foreach (int t in tapOffsets) MaxTapOffset = Math.Max(MaxTapOffset, t);
            OutStrides = new long[Dims];
            long s = 1;
            for (int d = Dims - 1; d >= 0; d--)
            {
                OutStrides[d] = s;
                s *= Out[d];
            }
        }

        public int Dims { get; }
        public int[] Host { get; }
        public long[] HostStrides { get; }
        public int[] PadLeft { get; }
        public int[] Out { get; }
        public long Pixels { get; }
        /// <summary>The padded host's extent per dimension.</summary>
        public int[] Padded { get; }
        public long[] PaddedStrides { get; }
        /// <summary>Elements of one padded channel.</summary>
        public long Plane { get; }
        /// <summary>Virtual positions: the last output position's padded offset + 1.</summary>
        public long Virtual { get; }
        /// <summary>Per tap (the weight's tap order), its offset in the padded host.</summary>
        public int[] TapOffsets { get; }
        public int MaxTapOffset { get; }
        /// <summary>The output's row-major strides (in output positions).</summary>
        public long[] OutStrides { get; }

        /// <summary>Virtual positions per output position.</summary>
        public double Waste => (double)Virtual / Pixels;

        /// <summary>Whether a call in <paramref name="form"/> reads in place (<see cref="ImplicitGemmForm.Auto"/>: where <see cref="Waste"/> is at most <see cref="MaxWaste"/>).</summary>
        public bool Serves(ImplicitGemmForm form) => form == ImplicitGemmForm.Shifted || form == ImplicitGemmForm.Auto && Waste <= MaxWaste;

        /// <summary>The shifted form of <paramref name="g"/>, or null: a stride other than 1, or a padded channel past int.</summary>
        public static ImplicitGemmShift? TryCreate(ImplicitGemmGeometry g)
        {
            int dims = g.Dims;
            if (g.Pixels == 0) return null;
            foreach (int s in g.Stride) if (s != 1) return null;
            var padded = new int[dims];
            var strides = new long[dims];
            long plane = 1;
            for (int d = dims - 1; d >= 0; d--)
            {
                padded[d] = checked(g.Out[d] + g.Dilation[d] * (g.Kernel[d] - 1));
                strides[d] = plane;
                plane *= padded[d];
            }
            long positions = 1;
            for (int d = 0; d < dims; d++) positions += (g.Out[d] - 1) * strides[d];
            if (plane > int.MaxValue / 8) return null;
            var offsets = new int[g.Taps];
            for (int t = 0; t < g.Taps; t++)
            {
                long offset = 0;
                for (int d = 0; d < dims; d++) offset += (long)g.TapDigits[t * dims + d] * g.Dilation[d] * strides[d];
                offsets[t] = (int)offset;
            }
            return new ImplicitGemmShift(g, padded, strides, plane, positions, offsets);
        }

        /// <summary>The shift's arrays pinned for the length of a call, as raw pointers the kernels read.</summary>
        internal unsafe struct Pinned
        {
            public int Dims;
            public int* Host, PadLeft, Out, Padded;
            public long* HostStrides, OutStrides;
        }

        /// <summary>
        /// dst[c·ld + i] = padded channel c at position <paramref name="from"/> + i, for c &lt; <paramref name="channels"/> and
        /// i &lt; <paramref name="length"/> (host channel c at <c>host + c·channelStride</c>; zero in the padding and past the plane).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static unsafe void Fill<T, TV, TS>(in Pinned s, T* host, int channels, long channelStride, long from, int length, T* dst, nint ld)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int last = s.Dims - 1, width = s.Padded[last], padLeft = s.PadLeft[last], hostLast = s.Host[last];
            long f = from, end = from + length;
            while (f < end)
            {
                long row = f / width;
                int a = (int)(f - row * width);
                int len = (int)Math.Min(width - a, end - f);
                T* d0 = dst + (f - from);
                long offset = 0, rest = row;
                bool inside = true;
                for (int d = last - 1; d >= 0; d--)
                {
                    long q = rest / s.Padded[d];
                    int real = (int)(rest - q * s.Padded[d]) - s.PadLeft[d];
                    rest = q;
                    if (real < 0 || real >= s.Host[d]) inside = false;
                    offset += real * s.HostStrides[d];
                }
                int lo = Math.Max(a, padLeft), hi = Math.Min(a + len, padLeft + hostLast);
                if (rest != 0 || !inside || lo >= hi)
                {
                    for (int c = 0; c < channels; c++) ImplicitGemmPacking.Zero<T, TV, TS>(d0 + c * ld, len);
                }
                else
                {
                    int left = lo - a, count = hi - lo;
                    T* src = host + offset + (lo - padLeft);
                    for (int c = 0; c < channels; c++)
                    {
                        T* d = d0 + c * ld;
                        for (int i = 0; i < left; i++) d[i] = T.Zero;
                        ImplicitGemmPacking.Copy<T, TV, TS>(src + c * channelStride, d + left, count);
                        for (int i = left + count; i < len; i++) d[i] = T.Zero;
                    }
                }
                f += len;
            }
        }

        /// <summary>
        /// The output positions among virtual positions [<paramref name="q"/>, q + <paramref name="width"/>): runs written as
        /// (column, length, output offset) triples into <paramref name="runs"/>; returns their number.
        /// </summary>
        public static unsafe int Runs(in Pinned s, long q, int width, long* runs)
        {
            int last = s.Dims - 1, rowWidth = s.Padded[last], outLast = s.Out[last];
            int count = 0, j = 0;
            while (j < width)
            {
                long f = q + j, row = f / rowWidth;
                int a = (int)(f - row * rowWidth);
                int len = Math.Min(rowWidth - a, width - j);
                if (a < outLast)
                {
                    long offset = a, rest = row;
                    bool valid = true;
                    for (int d = last - 1; d >= 0; d--)
                    {
                        long r = rest / s.Padded[d];
                        int o = (int)(rest - r * s.Padded[d]);
                        rest = r;
                        if (o >= s.Out[d]) valid = false;
                        offset += o * s.OutStrides[d];
                    }
                    if (valid && rest == 0)
                    {
                        runs[3 * count] = j;
                        runs[3 * count + 1] = Math.Min(len, outLast - a);
                        runs[3 * count + 2] = offset;
                        count++;
                    }
                }
                j += len;
            }
            return count;
        }
    }
}
