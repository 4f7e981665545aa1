using System;
using System.Threading.Tasks;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// The kernels of steps with index-pattern operands. Π is never materialized: per spatial dimension a K×R table holds
    /// where tap k of position r reads (the affine map i = o·S + k·D − P_left, or −1 for padding), and the kernels gather
    /// through it (unfold, transpose-unfold, the sliced patterns of spatial dropout) or scatter-add through it (fold, the
    /// adjoint). Layouts: host [B, H_1..H_N] ↔ columns [B, K_1..K_N, R_1..R_N], both dense row-major.
    /// </summary>
    internal static unsafe class PatternKernels
    {
        /// <summary>Below this many elements a call runs on the calling thread.</summary>
        private const long ParallelThreshold = 1 << 16;

        /// <summary>columns[b, k…, r…] = host[b, table_d[k_d, r_d]…] (0 where any table entry is −1).</summary>
        public static void Gather<T>(T* host, T* columns, long batch, int[] hostSizes, int[] kernelSizes, int[] resultSizes, int[][] tables)
            where T : unmanaged => Gather(new Map(hostSizes, kernelSizes, resultSizes, tables), host, columns, batch);

        /// <summary><see cref="Gather{T}(T*, T*, long, int[], int[], int[], int[][])"/> through a map built once.</summary>
        public static void Gather<T>(Map map, T* host, T* columns, long batch) where T : unmanaged
        {
            var shape = map.Shape;
            var tables = map.Tables;
            var rows = map.Rows;
            nint h = (nint)host, c = (nint)columns;
            Run(batch, shape.ColumnsPerBatch, b => GatherBatch((T*)h + b * shape.HostPerBatch, (T*)c + b * shape.ColumnsPerBatch, shape, tables, rows));
        }

        /// <summary>host[b, table_d[k_d, r_d]…] += columns[b, k…, r…]; the adjoint of the gather (host is not cleared here).</summary>
        public static void Scatter<T>(Map map, T* columns, T* host, long batch) where T : unmanaged, System.Numerics.INumberBase<T>
        {
            var shape = map.Shape;
            var tables = map.Tables;
            var rows = map.Rows;
            nint h = (nint)host, c = (nint)columns;
            Run(batch, shape.ColumnsPerBatch, b => ScatterBatch((T*)c + b * shape.ColumnsPerBatch, (T*)h + b * shape.HostPerBatch, shape, tables, rows));
        }

        private static void Run(long batch, long perBatch, Action<long> body)
        {
#if EINSUMGEN_CHECKED_KERNELS
            // The checked build: the pool threads see the calling thread's memory regions.
            var regions = EinsumGen.Runtime.Kernels.MemoryRegions.Capture();
            var run = body;
            body = b =>
            {
                using var adopted = EinsumGen.Runtime.Kernels.MemoryRegions.Adopt(regions);
                run(b);
            };
#endif
            if (batch > 1 && batch * perBatch >= ParallelThreshold && Environment.ProcessorCount > 1)
            {
                Parallel.For(0L, batch, body);
            }
            else
            {
                for (long b = 0; b < batch; b++) body(b);
            }
        }

        /// <summary>
        /// The index tables of a gather or scatter with their derived data (strides, affine rows), built once per shape and
        /// kept by a convolution's plan so that a call does not rebuild them. Immutable; shared between threads.
        /// </summary>
        internal sealed class Map
        {
            public Map(int[] hostSizes, int[] kernelSizes, int[] resultSizes, int[][] tables)
            {
                Shape = new Shape(hostSizes, kernelSizes, resultSizes);
                Tables = tables;
                Rows = AffineRow.Of(tables[tables.Length - 1], kernelSizes[kernelSizes.Length - 1], resultSizes[resultSizes.Length - 1]);
            }

            internal Shape Shape { get; }

            internal int[][] Tables { get; }

            internal AffineRow?[] Rows { get; }
        }

        internal sealed class Shape
        {
            public Shape(int[] host, int[] kernel, int[] result)
            {
                Host = host;
                Kernel = kernel;
                Result = result;
                Dims = host.Length;
                HostStrides = ConvTensors.RowMajorStrides(host, out long perBatch);
                HostPerBatch = perBatch;
                KernelCount = 1;
                foreach (int k in kernel) KernelCount *= k;
                ResultCount = 1;
                foreach (int r in result) ResultCount *= r;
                ColumnsPerBatch = KernelCount * ResultCount;
            }

            public int[] Host { get; }
            public int[] Kernel { get; }
            public int[] Result { get; }
            public int Dims { get; }
            public long[] HostStrides { get; }
            public long HostPerBatch { get; }
            public long KernelCount { get; }
            public long ResultCount { get; }
            public long ColumnsPerBatch { get; }
        }

        /// <summary>
        /// A row of the last dimension's table that reads host[First + j·Step] for j in [Start, End) and padding elsewhere
        /// (every row of a plain pattern; Step 1 is a block copy). Null where the row is not affine (sliced patterns).
        /// </summary>
        internal sealed class AffineRow
        {
            public int Start, End, First, Step;

            public static AffineRow?[] Of(int[] table, int kernel, int length)
            {
                var rows = new AffineRow?[kernel];
                for (int k = 0; k < kernel; k++)
                {
                    int start = 0;
                    while (start < length && table[k * length + start] < 0) start++;
                    int end = start;
                    while (end < length && table[k * length + end] >= 0) end++;
                    int step = end - start >= 2 ? table[k * length + start + 1] - table[k * length + start] : 1;
                    bool affine = step > 0;
                    for (int j = start; j < end && affine; j++) affine = table[k * length + j] == table[k * length + start] + (j - start) * step;
                    for (int j = end; j < length && affine; j++) affine = table[k * length + j] < 0;
                    rows[k] = affine ? new AffineRow { Start = start, End = end, First = start < end ? table[k * length + start] : 0, Step = step } : null;
                }
                return rows;
            }
        }

        /// <summary>
        /// Where the row of kernel taps <paramref name="k"/> and result position <paramref name="r"/> starts in the host
        /// tensor (every dimension but the last), or -1 where a tap falls into the padding.
        /// </summary>
        private static long RowOffset(Shape shape, int[][] tables, int[] k, int[] r, int last)
        {
            long offset = 0;
            for (int d = 0; d < last; d++)
            {
                int at = tables[d][k[d] * shape.Result[d] + r[d]];
                if (at < 0) return -1;
                offset += at * shape.HostStrides[d];
            }
            return offset;
        }

        private static void GatherBatch<T>(T* host, T* columns, Shape shape, int[][] tables, AffineRow?[] affine) where T : unmanaged
        {
            int dims = shape.Dims, last = dims - 1;
            int rowLength = shape.Result[last];
            var k = new int[dims];
            var r = new int[dims];
            T* dst = columns;
            for (long kf = 0; kf < shape.KernelCount; kf++)
            {
                int[] lastTable = tables[last];
                int lastRow = k[last] * rowLength;
                Array.Clear(r, 0, dims);
                for (long rows = shape.ResultCount / rowLength; rows > 0; rows--)
                {
                    long offset = RowOffset(shape, tables, k, r, last);
                    bool padding = offset < 0;
                    if (padding)
                    {
                        new Span<T>(dst, rowLength).Clear();
                    }
                    else if (affine[k[last]] is { } row)
                    {
                        T* src = host + offset + row.First;
                        new Span<T>(dst, row.Start).Clear();
                        int count = row.End - row.Start;
                        if (row.Step == 1)
                        {
                            new ReadOnlySpan<T>(src, count).CopyTo(new Span<T>(dst + row.Start, count));
                        }
                        else
                        {
                            T* d = dst + row.Start;
                            for (int x = 0; x < count; x++) d[x] = src[(long)x * row.Step];
                        }
                        new Span<T>(dst + row.End, rowLength - row.End).Clear();
                    }
                    else
                    {
                        T* src = host + offset;
                        for (int x = 0; x < rowLength; x++)
                        {
                            int at = lastTable[lastRow + x];
                            dst[x] = at < 0 ? default : src[at];
                        }
                    }
                    dst += rowLength;
                    Next(r, shape.Result, last);
                }
                Next(k, shape.Kernel, dims);
            }
        }

        private static void ScatterBatch<T>(T* columns, T* host, Shape shape, int[][] tables, AffineRow?[] affine)
            where T : unmanaged, System.Numerics.INumberBase<T>
        {
            int dims = shape.Dims, last = dims - 1;
            int rowLength = shape.Result[last];
            var k = new int[dims];
            var r = new int[dims];
            T* src = columns;
            for (long kf = 0; kf < shape.KernelCount; kf++)
            {
                int[] lastTable = tables[last];
                int lastRow = k[last] * rowLength;
                Array.Clear(r, 0, dims);
                for (long rows = shape.ResultCount / rowLength; rows > 0; rows--)
                {
                    long offset = RowOffset(shape, tables, k, r, last);
                    bool padding = offset < 0;
                    if (!padding && affine[k[last]] is { } row)
                    {
                        T* dst = host + offset + row.First - (long)row.Start * row.Step;
                        for (int x = row.Start; x < row.End; x++) dst[(long)x * row.Step] += src[x];
                    }
                    else if (!padding)
                    {
                        T* dst = host + offset;
                        for (int x = 0; x < rowLength; x++)
                        {
                            int at = lastTable[lastRow + x];
                            if (at >= 0) dst[at] += src[x];
                        }
                    }
                    src += rowLength;
                    Next(r, shape.Result, last);
                }
                Next(k, shape.Kernel, dims);
            }
        }

        /// <summary>Advances the odometer over the first <paramref name="count"/> digits (the last fastest).</summary>
        private static void Next(int[] digits, int[] sizes, int count)
        {
            for (int d = count - 1; d >= 0; d--)
            {
                if (++digits[d] < sizes[d]) return;
                digits[d] = 0;
            }
        }
    }
}
