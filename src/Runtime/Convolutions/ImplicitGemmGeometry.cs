using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using EinsumGen.Runtime.Kernels;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// The index map of an implicit-GEMM convolution: a stride/dilation/padding gather from a host of spatial size
    /// <see cref="Host"/> into output positions of spatial size <see cref="Out"/>, tap k of dimension d at output o reading
    /// host position o·S + k·D − P (padding where that falls outside). Columns are never materialized: the kernels pack
    /// a panel of them (channel·tap rows × a run of output positions) straight from the host through these tables.
    /// Immutable; shared between threads.
    /// </summary>
    internal sealed class ImplicitGemmGeometry
    {
        public ImplicitGemmGeometry(int[] host, int[] kernel, int[] outSize, int[] stride, int[] dilation, int[] padLeft)
        {
            Dims = host.Length;
            Host = host;
            Kernel = kernel;
            Out = outSize;
            Stride = stride;
            Dilation = dilation;
            PadLeft = padLeft;
            HostStrides = ConvTensors.RowMajorStrides(host, out long perChannel);
            HostPerChannel = perChannel;
            Pixels = 1;
            foreach (int o in outSize) Pixels *= o;
            Taps = 1;
            foreach (int k in kernel) Taps *= k;
            Tables = new int[Dims][];
            for (int d = 0; d < Dims; d++)
            {
                var table = new int[kernel[d] * outSize[d]];
                for (int k = 0; k < kernel[d]; k++)
                {
                    for (int o = 0; o < outSize[d]; o++)
                    {
                        long i = (long)o * stride[d] + (long)k * dilation[d] - padLeft[d];
                        table[k * outSize[d] + o] = i >= 0 && i < host[d] ? (int)i : -1;
                    }
                }
                Tables[d] = table;
            }
            int last = Dims - 1;
            var rows = PatternKernels.AffineRow.Of(Tables[last], kernel[last], outSize[last]);
            LastStart = new int[kernel[last]];
            LastEnd = new int[kernel[last]];
            LastFirst = new int[kernel[last]];
            for (int k = 0; k < rows.Length; k++)
            {
                var row = rows[k]!; // a plain gather's rows are affine
                LastStart[k] = row.Start;
                LastEnd[k] = row.End;
                LastFirst[k] = row.First;
            }
            LastStep = stride[last];
            TapDigits = new int[Taps * Dims];
            var digits = new int[Dims];
            for (int t = 0; t < Taps; t++)
            {
                Array.Copy(digits, 0, TapDigits, t * Dims, Dims);
                for (int d = Dims - 1; d >= 0; d--)
                {
                    if (++digits[d] < kernel[d]) break;
                    digits[d] = 0;
                }
            }
            Shift = ImplicitGemmShift.TryCreate(this);
        }

        public int Dims { get; }
        public int[] Host { get; }
        public int[] Kernel { get; }
        public int[] Out { get; }
        public int[] Stride { get; }
        public int[] Dilation { get; }
        /// <summary>Per dimension, the padding before the host (negative: host positions skipped).</summary>
        public int[] PadLeft { get; }
        /// <summary>The same map over a zero-padded host (stride 1 only), where the kernels read columns in place; null where it does not apply.</summary>
        public ImplicitGemmShift? Shift { get; }
        public long[] HostStrides { get; }
        public long HostPerChannel { get; }
        public long Pixels { get; }
        public int Taps { get; }
        /// <summary>Per dimension, [K_d × O_d]: the host position tap k of output o reads, or −1.</summary>
        public int[][] Tables { get; }
        /// <summary>Per tap of the last dimension: outputs [Start, End) read host First + (o − Start)·Step; the rest is padding.</summary>
        public int[] LastStart { get; }
        public int[] LastEnd { get; }
        public int[] LastFirst { get; }
        public int LastStep { get; }
        /// <summary>[Taps × Dims]: each tap's digits, the last fastest (the weight's row-major tap order).</summary>
        public int[] TapDigits { get; }

        /// <summary>The forward convolution of x [N, C, I…] with <paramref name="geometries"/>.</summary>
        public static ImplicitGemmGeometry Forward(ConvGeometry[] geometries) =>
            Build(geometries, g => (g.InputSize, g.OutputSize, g.Stride, g.PadLeft));

        /// <summary>
        /// The input VJP of a stride-1 convolution as a forward convolution of the output gradient [N, C_out, O…] with the
        /// flipped weight: dx[i] = Σ_k' dy[i + k'·D − (D(K−1) − P_left)] w[K−1−k'], into the input size I.
        /// </summary>
        public static ImplicitGemmGeometry InputVjp(ConvGeometry[] geometries) =>
            Build(geometries, g => (g.OutputSize, g.InputSize, 1, g.Dilation * (g.KernelSize - 1) - g.PadLeft));

        /// <summary>A geometry whose host, output, stride and left padding per dimension come from <paramref name="map"/>.</summary>
        private static ImplicitGemmGeometry Build(ConvGeometry[] geometries, Func<ConvGeometry, (int Host, int Output, int Stride, int Pad)> map)
        {
            int n = geometries.Length;
            var host = new int[n];
            var kernel = new int[n];
            var output = new int[n];
            var stride = new int[n];
            var dilation = new int[n];
            var pad = new int[n];
            for (int d = 0; d < n; d++)
            {
                var g = geometries[d];
                (host[d], output[d], stride[d], pad[d]) = map(g);
                (kernel[d], dilation[d]) = (g.KernelSize, g.Dilation);
            }
            return new ImplicitGemmGeometry(host, kernel, output, stride, dilation, pad);
        }

        /// <summary>Geometry arrays pinned for the length of a call, as raw pointers the kernels read.</summary>
        internal unsafe struct Pinned
        {
            public int Dims, Taps, OutLast, LastStep;
            public int* Out, TapDigits, LastStart, LastEnd, LastFirst;
            /// <summary>Dimension d's table at Tables + TableOffset[d].</summary>
            public int* Tables, TableOffset;
            public long* HostStrides;
        }

        /// <summary>
        /// The gathered kernels' row offsets of C: row o at o·<see cref="Pixels"/>, for <paramref name="rows"/> rows (the register
        /// blocks' rows). Made once per geometry and row count; the kernels only read it.
        /// </summary>
        internal nint[] RowOffsets(int rows) => Offsets(new OffsetKey(0, rows, 0, Pixels), static (g, k) =>
        {
            var offsets = new nint[k.Count];
            for (int o = 0; o < offsets.Length; o++) offsets[o] = (nint)(o * k.Step);
            return offsets;
        });

        /// <summary>The gathered kernels' column offsets of C: 0, 1, …, <paramref name="columns"/> − 1.</summary>
        internal nint[] ColumnOffsets(int columns) => Offsets(new OffsetKey(1, columns, 0, 1), static (g, k) =>
        {
            var offsets = new nint[k.Count];
            for (int j = 0; j < offsets.Length; j++) offsets[j] = j;
            return offsets;
        });

        /// <summary>
        /// The shifted kernels' row offsets into the channels' windows: row k (channel k / Taps, tap k mod Taps) at its channel's
        /// window of <paramref name="window"/> elements shifted by the tap's offset, for k below <paramref name="reduction"/>; the
        /// rows up to <paramref name="rows"/> (a register block's padding) read row 0. Made once per geometry and call form.
        /// </summary>
        internal nint[] ShiftOffsets(int reduction, int rows, int window) => Offsets(new OffsetKey(2, rows, reduction, window), static (g, k) =>
        {
            var offsets = new nint[k.Count];
            int taps = g.Taps;
            var tapOffsets = g.Shift!.TapOffsets;
            for (int r = 0; r < k.Reduction; r++) offsets[r] = (nint)(r / taps) * (nint)k.Step + tapOffsets[r % taps];
            return offsets;
        });

        /// <summary>Offset tables kept, per geometry (a few call forms each; cleared when full).</summary>
        private const int MaxOffsetTables = 32;

        private readonly System.Collections.Concurrent.ConcurrentDictionary<OffsetKey, nint[]> _offsets =
            new System.Collections.Concurrent.ConcurrentDictionary<OffsetKey, nint[]>();

        private readonly record struct OffsetKey(int Kind, int Count, int Reduction, long Step);

        private nint[] Offsets(OffsetKey key, Func<ImplicitGemmGeometry, OffsetKey, nint[]> make)
        {
            if (_offsets.TryGetValue(key, out var kept)) return kept;
            if (_offsets.Count >= MaxOffsetTables) _offsets.Clear();
            return _offsets.GetOrAdd(key, make(this, key));
        }

        /// <summary>The offset tables kept (tests).</summary>
        internal int OffsetTables => _offsets.Count;

        /// <summary>The tables flattened into one array (offsets per dimension first), for <see cref="Pinned"/>.</summary>
        internal int[] FlatTables() => _flat ??= Flatten();

        private int[]? _flat;

        private int[] Flatten()
        {
            int total = Dims;
            foreach (var t in Tables) total += t.Length;
            var flat = new int[total];
            int at = Dims;
            for (int d = 0; d < Dims; d++)
            {
                flat[d] = at;
                Tables[d].CopyTo(flat, at);
                at += Tables[d].Length;
            }
            return flat;
        }
    }

    /// <summary>
    /// Packs a panel of unfolded columns straight from the host: rows (channel c, tap t) in the weight's order c·Taps + t,
    /// columns a run of output positions; stride-1 runs are vector copies, padding is zero-filled.
    /// </summary>
    internal static unsafe class ImplicitGemmPacking
    {
        /// <summary>
        /// dst[(c·Taps + t)·ld + j] = x̃[c, t, p0 + j] for c &lt; <paramref name="channels"/>, j &lt; <paramref name="width"/>
        /// (the host's channel c at <c>host + c·channelStride</c>); columns [width, padTo) are zeroed.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Pack<T, TV, TS>(in ImplicitGemmGeometry.Pinned g, T* host, int channels, long channelStride, long p0, int width, int padTo,
            T* dst, nint ld) where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int dims = g.Dims, taps = g.Taps, outLast = g.OutLast, last = dims - 1;
            nint rowStride = (nint)taps * ld;
            int* outer = stackalloc int[dims];
            int j = 0;
            long p = p0;
            while (j < width)
            {
                long outerIndex = p / outLast;
                int a = (int)(p - outerIndex * outLast);
                int len = Math.Min(outLast - a, width - j);
                long rest = outerIndex;
                for (int d = last - 1; d >= 0; d--)
                {
                    int size = g.Out[d];
                    long q = rest / size;
                    outer[d] = (int)(rest - q * size);
                    rest = q;
                }
                for (int t = 0; t < taps; t++)
                {
                    int* digits = g.TapDigits + (nint)t * dims;
                    long offset = 0;
                    bool padding = false;
                    for (int d = 0; d < last; d++)
                    {
                        int at = g.Tables[g.TableOffset[d] + digits[d] * g.Out[d] + outer[d]];
                        if (at < 0) { padding = true; break; }
                        offset += at * g.HostStrides[d];
                    }
                    int k = digits[last];
                    int lo = Math.Max(a, g.LastStart[k]), hi = Math.Min(a + len, g.LastEnd[k]);
                    T* row = dst + (nint)t * ld + j;
                    if (padding || lo >= hi)
                    {
                        for (int c = 0; c < channels; c++) Zero<T, TV, TS>(row + c * rowStride, len);
                        continue;
                    }
                    int left = lo - a, count = hi - lo, right = a + len - hi;
                    T* src = host + offset + g.LastFirst[k] + (long)(lo - g.LastStart[k]) * g.LastStep;
                    for (int c = 0; c < channels; c++)
                    {
                        T* d = row + c * rowStride;
                        T* s = src + c * channelStride;
                        for (int i = 0; i < left; i++) d[i] = T.Zero;
                        if (g.LastStep == 1) Copy<T, TV, TS>(s, d + left, count);
                        else for (int i = 0; i < count; i++) d[left + i] = s[(long)i * g.LastStep];
                        for (int i = left + count; i < len; i++) d[i] = T.Zero;
                    }
                }
                j += len;
                p += len;
            }
            if (padTo > width)
            {
                for (long r = 0; r < (long)channels * taps; r++) Zero<T, TV, TS>(dst + r * ld + width, padTo - width);
            }
        }

        /// <summary>
        /// dst[0..count) = src[0..count): whole vectors and one overlapping tail vector; a run shorter than a vector as two
        /// overlapping half or quarter vectors (a 3×3 layer's border runs are 15 of 16 lanes), only the shortest element by element.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static void Copy<T, TV, TS>(T* src, T* dst, int count) where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int w = TS.Count;
            if (count >= w && w > 1)
            {
                int v = 0;
                for (; v <= count - w; v += w) TS.Store(dst + v, TS.Load(src + v));
                // The tail as one vector that overlaps the last full one.
                if (v < count) TS.Store(dst + count - w, TS.Load(src + count - w));
                return;
            }
            int bytes = count * sizeof(T);
            if (bytes >= 32 && bytes <= 64 && Vector256.IsHardwareAccelerated)
            {
                int half = 32 / sizeof(T);
                Vector256.Load(src).Store(dst);
                Vector256.Load(src + count - half).Store(dst + count - half);
            }
            else if (bytes >= 16 && bytes <= 64 && Vector128.IsHardwareAccelerated)
            {
                int quarter = 16 / sizeof(T);
                if (bytes > 32)
                {
                    Vector128.Load(src + quarter).Store(dst + quarter);
                    if (bytes > 48) Vector128.Load(src + 2 * quarter).Store(dst + 2 * quarter);
                }
                Vector128.Load(src).Store(dst);
                Vector128.Load(src + count - quarter).Store(dst + count - quarter);
            }
            else
            {
                for (int i = 0; i < count; i++) dst[i] = src[i];
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static void Zero<T, TV, TS>(T* dst, int count) where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int w = TS.Count;
            if (count < w || w == 1)
            {
                for (int i = 0; i < count; i++) dst[i] = T.Zero;
                return;
            }
            int v = 0;
            for (; v <= count - w; v += w) TS.Store(dst + v, TS.Zero);
            if (v < count) TS.Store(dst + count - w, TS.Zero);
        }
    }
}
