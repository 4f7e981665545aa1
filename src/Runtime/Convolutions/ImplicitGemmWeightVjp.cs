using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading;
using EinsumGen.Runtime.Kernels;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// The weight VJP as an implicit GEMM: dW[g·Cout + o, c·T + t] = Σ_{n,p} dy[n, g·Cout + o, p] · x̃_n[c·T + t, p], the
    /// reduction running over output positions. Both operands have the positions contiguous (dy's rows, and the gathered
    /// columns as <see cref="ImplicitGemmPacking"/> packs them), so the register block is a block of dot products — vectors
    /// along the positions, one accumulator per (output channel, column row), reduced across lanes once per chunk of
    /// positions — and nothing is transposed. Per thread: a chunk of (image, position) pairs of one group, dy's rows for it
    /// copied once, then the columns gathered a few input channels at a time (a block that stays in L2) and every output
    /// channel run against them. Threads sum into their own partial dW, added up at the end.
    /// </summary>
    internal static unsafe partial class ImplicitGemmWeightVjp
    {
        /// <summary>dw [G·Cout, Cin·T] = the weight VJP of x [N, G·Cin, Host…] and dy [N, G·Cout, Out…], all dense.</summary>
        public static void Run<T>(ImplicitGemmGeometry geometry, T* x, T* dy, T* dw, int batch, int groups, int inPerGroup, int outPerGroup,
            ImplicitGemmForm form = ImplicitGemmForm.Auto) where T : unmanaged, INumberBase<T>
        {
            if (batch > 0 && RunsShifted<T>(geometry.Shift, form, outPerGroup))
            {
                RunShifted(geometry, geometry.Shift!, x, dy, dw, batch, groups, inPerGroup, outPerGroup);
                return;
            }
            switch (ContractionKernel.BestPath)
            {
                case KernelPath.Vector512: Run<T, Vector512<T>, Simd512<T>>(geometry, x, dy, dw, batch, groups, inPerGroup, outPerGroup, true); break;
                case KernelPath.Vector256: Run<T, Vector256<T>, Simd256<T>>(geometry, x, dy, dw, batch, groups, inPerGroup, outPerGroup, false); break;
                case KernelPath.Vector128: Run<T, Vector128<T>, Simd128<T>>(geometry, x, dy, dw, batch, groups, inPerGroup, outPerGroup, false); break;
                default: Run<T, T, SimdScalar<T>>(geometry, x, dy, dw, batch, groups, inPerGroup, outPerGroup, false); break;
            }
        }

        /// <summary>The register block a call runs (plan texts): 4×6 dot products with 32 vector registers, 2×4 with 16.</summary>
        public static string BlockName => ContractionKernel.BestPath == KernelPath.Vector512 ? "4x6 dot-product block (AVX-512)" : "2x4 dot-product block";

        private struct Job<T> where T : unmanaged
        {
            public ImplicitGemmGeometry.Pinned Geometry;
            public T* X, Dy, Partials;
            public long Pixels, HostPerChannel, ItemsPerGroup, Items, Positions, PartialLength;
            public int Groups, InPerGroup, OutPerGroup, Reduction, Chunk, ChannelsPerBlock;
            public bool Wide;
        }

        private static void Run<T, TV, TS>(ImplicitGemmGeometry geometry, T* x, T* dy, T* dw, int batch, int groups, int inPerGroup, int outPerGroup,
            bool wide) where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int reduction = inPerGroup * geometry.Taps;
            long positions = batch * geometry.Pixels;
            if (positions == 0)
            {
                new Span<T>(dw, checked(groups * outPerGroup * reduction)).Clear(); // an empty batch: nothing to sum
                return;
            }
            // A chunk of positions: 4 KiB per row, so a tile's rows stay in L1 across the output channels.
            int chunk = (int)Math.Min(positions, 4096 / sizeof(T));
            int padded = (chunk + TS.Count - 1) / TS.Count * TS.Count;
            // Input channels per gathered block: about 192 KiB, a whole number of 6-row tiles where possible.
            int perBlock = Math.Clamp(192 * 1024 / (geometry.Taps * padded * sizeof(T)), 1, inPerGroup);
            int unit = 6 / Gcd(geometry.Taps, 6);
            if (perBlock >= unit) perBlock = perBlock / unit * unit;
            long itemsPerGroup = (positions + chunk - 1) / chunk;
            long items = itemsPerGroup * groups;
            long length = (long)groups * outPerGroup * reduction;
            int threads = Math.Min(ContractionKernel.MaxDegreeOfParallelism, KernelThreads.WorkerCount + 1);
            double flops = 2.0 * length * positions;
            if (flops < ImplicitGemmForward.ParallelFlops || Thread.CurrentThread.IsThreadPoolThread) threads = 1;
            // Parts claim whole items and sum into their own partial dW; a few per thread, so a late worker costs little,
            // but no more than 64 MiB of partials.
            int parts = (int)Math.Min(items, threads > 1 ? 4 * threads : 1);
            while (parts > threads && parts * length * sizeof(T) > 64L << 20) parts--;
            // The partial sums live in the calling thread's workspace (its parts use the packing buffers only).
            T* partial = parts > 1 ? KernelWorkspace.ForCurrentThread.Partial<T>(checked((nint)(parts * length))) : null;
            var flat = geometry.FlatTables();
            fixed (int* tables = flat)
            fixed (int* outSize = geometry.Out)
            fixed (int* digits = geometry.TapDigits)
            fixed (int* start = geometry.LastStart)
            fixed (int* end = geometry.LastEnd)
            fixed (int* first = geometry.LastFirst)
            fixed (long* strides = geometry.HostStrides)
            {
                var job = new Job<T>
                {
                    Geometry = new ImplicitGemmGeometry.Pinned
                    {
                        Dims = geometry.Dims, Taps = geometry.Taps, OutLast = geometry.Out[geometry.Dims - 1], LastStep = geometry.LastStep,
                        Out = outSize, TapDigits = digits, LastStart = start, LastEnd = end, LastFirst = first, Tables = tables, TableOffset = tables,
                        HostStrides = strides,
                    },
                    X = x, Dy = dy, Partials = parts > 1 ? partial : dw,
                    Pixels = geometry.Pixels, HostPerChannel = geometry.HostPerChannel, ItemsPerGroup = itemsPerGroup, Items = items,
                    Positions = positions, PartialLength = length,
                    Groups = groups, InPerGroup = inPerGroup, OutPerGroup = outPerGroup, Reduction = reduction, Chunk = chunk, ChannelsPerBlock = perBlock,
                    Wide = wide,
                };
                if (parts == 1)
                {
                    new Span<T>(dw, checked((int)length)).Clear();
                    RunPart<T, TV, TS>(&job, 0, 1);
                    return;
                }
                if (!KernelThreads.TryRun(&RunPart<T, TV, TS>, &job, parts, threads))
                {
                    for (int p = 0; p < parts; p++) RunPart<T, TV, TS>(&job, p, parts);
                }
                var sum = new Span<T>(dw, checked((int)length));
                new ReadOnlySpan<T>(partial, sum.Length).CopyTo(sum);
                for (int p = 1; p < parts; p++)
                {
                    T* from = partial + p * length;
                    for (int i = 0; i < sum.Length; i++) sum[i] += from[i];
                }
            }
        }

        private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see ImplicitGemmForward.RunPart
        private static void RunPart<T, TV, TS>(void* state, int part, int parts)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            var job = (Job<T>*)state;
            int w = TS.Count, taps = job->Geometry.Taps;
            int padded = (job->Chunk + w - 1) / w * w;
            var workspace = KernelWorkspace.ForCurrentThread;
            T* rows = workspace.PackA<T>((nint)job->OutPerGroup * padded);
            T* columns = workspace.PackB<T>((nint)job->ChannelsPerBlock * taps * padded);
            T* partial = job->Partials + (parts > 1 ? part * job->PartialLength : 0);
            if (parts > 1) new Span<T>(partial, checked((int)job->PartialLength)).Clear();
            long from = job->Items * part / parts, to = job->Items * (part + 1) / parts;
            long pixels = job->Pixels;
            for (long item = from; item < to; item++)
            {
                int g = (int)(item / job->ItemsPerGroup);
                long q0 = (item - (long)g * job->ItemsPerGroup) * job->Chunk, q1 = Math.Min(job->Positions, q0 + job->Chunk);
                int width = (int)(q1 - q0);
                // dy's rows of this chunk, contiguous and zero-padded to whole vectors.
                for (int o = 0; o < job->OutPerGroup; o++)
                {
                    T* dst = rows + (nint)o * padded;
                    for (long q = q0; q < q1;)
                    {
                        long n = q / pixels, p = q - n * pixels;
                        int len = (int)Math.Min(pixels - p, q1 - q);
                        ImplicitGemmPacking.Copy<T, TV, TS>(job->Dy + ((n * job->Groups + g) * job->OutPerGroup + o) * pixels + p, dst + (q - q0), len);
                        q += len;
                    }
                    for (int j = width; j < padded; j++) dst[j] = T.Zero;
                }
                for (int c0 = 0; c0 < job->InPerGroup; c0 += job->ChannelsPerBlock)
                {
                    int channels = Math.Min(job->ChannelsPerBlock, job->InPerGroup - c0);
                    for (long q = q0; q < q1;)
                    {
                        long n = q / pixels, p = q - n * pixels;
                        int len = (int)Math.Min(pixels - p, q1 - q);
                        int column = (int)(q - q0);
                        T* host = job->X + ((n * job->Groups + g) * job->InPerGroup + c0) * job->HostPerChannel;
                        bool lastRun = q + len == q1;
                        ImplicitGemmPacking.Pack<T, TV, TS>(job->Geometry, host, channels, job->HostPerChannel, p, len, lastRun ? padded - column : len,
                            columns + column, padded);
                        q += len;
                    }
                    T* result = partial + (long)g * job->OutPerGroup * job->Reduction + (long)c0 * taps;
                    int k = channels * taps, vectors = padded / w;
                    if (job->Wide) Tiles4x6<T, TV, TS>(rows, columns, padded, vectors, job->OutPerGroup, k, result, job->Reduction);
                    else Tiles2x4<T, TV, TS>(rows, columns, padded, vectors, job->OutPerGroup, k, result, job->Reduction);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Tiles4x6<T, TV, TS>(T* rows, T* columns, nint ld, int vectors, int outputs, int k, T* result, nint ldResult)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            for (int j = 0; j < k; j += 6)
            {
                int kn = Math.Min(6, k - j);
                for (int i = 0; i < outputs; i += 4)
                {
                    int mc = Math.Min(4, outputs - i);
                    Dot4x6<T, TV, TS>(rows + i * ld, ld, mc, columns + j * ld, ld, kn, vectors, result + i * ldResult + j, ldResult);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Tiles2x4<T, TV, TS>(T* rows, T* columns, nint ld, int vectors, int outputs, int k, T* result, nint ldResult)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            for (int j = 0; j < k; j += 4)
            {
                int kn = Math.Min(4, k - j);
                for (int i = 0; i < outputs; i += 2)
                {
                    int mc = Math.Min(2, outputs - i);
                    Dot2x4<T, TV, TS>(rows + i * ld, ld, mc, columns + j * ld, ld, kn, vectors, result + i * ldResult + j, ldResult);
                }
            }
        }

        /// <summary>
        /// result[i, j] += Σ_v a_i[v] · b_j[v] for i &lt; mc (rows of a at a + i·lda), j &lt; kn, over <paramref name="vectors"/>
        /// whole vectors. Missing rows read row 0 again; their sums are dropped.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Dot4x6<T, TV, TS>(T* a, nint lda, int mc, T* b, nint ldb, int kn, int vectors, T* result, nint ldResult)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int w = TS.Count;
            T* a0 = a, a1 = mc > 1 ? a + lda : a, a2 = mc > 2 ? a + 2 * lda : a, a3 = mc > 3 ? a + 3 * lda : a;
            T* b0 = b, b1 = kn > 1 ? b + ldb : b, b2 = kn > 2 ? b + 2 * ldb : b, b3 = kn > 3 ? b + 3 * ldb : b;
            T* b4 = kn > 4 ? b + 4 * ldb : b, b5 = kn > 5 ? b + 5 * ldb : b;
            TV c00 = TS.Zero, c01 = TS.Zero, c02 = TS.Zero, c03 = TS.Zero, c04 = TS.Zero, c05 = TS.Zero;
            TV c10 = TS.Zero, c11 = TS.Zero, c12 = TS.Zero, c13 = TS.Zero, c14 = TS.Zero, c15 = TS.Zero;
            TV c20 = TS.Zero, c21 = TS.Zero, c22 = TS.Zero, c23 = TS.Zero, c24 = TS.Zero, c25 = TS.Zero;
            TV c30 = TS.Zero, c31 = TS.Zero, c32 = TS.Zero, c33 = TS.Zero, c34 = TS.Zero, c35 = TS.Zero;
            nint end = (nint)vectors * w;
            for (nint p = 0; p < end; p += w)
            {
                TV x0 = TS.Load(a0 + p), x1 = TS.Load(a1 + p), x2 = TS.Load(a2 + p), x3 = TS.Load(a3 + p);
                TV y = TS.Load(b0 + p);
                c00 = TS.Fma(x0, y, c00); c10 = TS.Fma(x1, y, c10); c20 = TS.Fma(x2, y, c20); c30 = TS.Fma(x3, y, c30);
                y = TS.Load(b1 + p);
                c01 = TS.Fma(x0, y, c01); c11 = TS.Fma(x1, y, c11); c21 = TS.Fma(x2, y, c21); c31 = TS.Fma(x3, y, c31);
                y = TS.Load(b2 + p);
                c02 = TS.Fma(x0, y, c02); c12 = TS.Fma(x1, y, c12); c22 = TS.Fma(x2, y, c22); c32 = TS.Fma(x3, y, c32);
                y = TS.Load(b3 + p);
                c03 = TS.Fma(x0, y, c03); c13 = TS.Fma(x1, y, c13); c23 = TS.Fma(x2, y, c23); c33 = TS.Fma(x3, y, c33);
                y = TS.Load(b4 + p);
                c04 = TS.Fma(x0, y, c04); c14 = TS.Fma(x1, y, c14); c24 = TS.Fma(x2, y, c24); c34 = TS.Fma(x3, y, c34);
                y = TS.Load(b5 + p);
                c05 = TS.Fma(x0, y, c05); c15 = TS.Fma(x1, y, c15); c25 = TS.Fma(x2, y, c25); c35 = TS.Fma(x3, y, c35);
            }
            Add<T, TV, TS>(result, kn, c00, c01, c02, c03, c04, c05);
            if (mc > 1) Add<T, TV, TS>(result + ldResult, kn, c10, c11, c12, c13, c14, c15);
            if (mc > 2) Add<T, TV, TS>(result + 2 * ldResult, kn, c20, c21, c22, c23, c24, c25);
            if (mc > 3) Add<T, TV, TS>(result + 3 * ldResult, kn, c30, c31, c32, c33, c34, c35);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Add<T, TV, TS>(T* row, int kn, TV v0, TV v1, TV v2, TV v3, TV v4, TV v5)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            row[0] += TS.Sum(v0);
            if (kn > 1) row[1] += TS.Sum(v1);
            if (kn > 2) row[2] += TS.Sum(v2);
            if (kn > 3) row[3] += TS.Sum(v3);
            if (kn > 4) row[4] += TS.Sum(v4);
            if (kn > 5) row[5] += TS.Sum(v5);
        }

        /// <summary><see cref="Dot4x6"/> for 16 vector registers.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Dot2x4<T, TV, TS>(T* a, nint lda, int mc, T* b, nint ldb, int kn, int vectors, T* result, nint ldResult)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int w = TS.Count;
            T* a0 = a, a1 = mc > 1 ? a + lda : a;
            T* b0 = b, b1 = kn > 1 ? b + ldb : b, b2 = kn > 2 ? b + 2 * ldb : b, b3 = kn > 3 ? b + 3 * ldb : b;
            TV c00 = TS.Zero, c01 = TS.Zero, c02 = TS.Zero, c03 = TS.Zero;
            TV c10 = TS.Zero, c11 = TS.Zero, c12 = TS.Zero, c13 = TS.Zero;
            nint end = (nint)vectors * w;
            for (nint p = 0; p < end; p += w)
            {
                TV x0 = TS.Load(a0 + p), x1 = TS.Load(a1 + p);
                TV y = TS.Load(b0 + p);
                c00 = TS.Fma(x0, y, c00); c10 = TS.Fma(x1, y, c10);
                y = TS.Load(b1 + p);
                c01 = TS.Fma(x0, y, c01); c11 = TS.Fma(x1, y, c11);
                y = TS.Load(b2 + p);
                c02 = TS.Fma(x0, y, c02); c12 = TS.Fma(x1, y, c12);
                y = TS.Load(b3 + p);
                c03 = TS.Fma(x0, y, c03); c13 = TS.Fma(x1, y, c13);
            }
            Add<T, TV, TS>(result, kn, c00, c01, c02, c03, TS.Zero, TS.Zero);
            if (mc > 1) Add<T, TV, TS>(result + ldResult, kn, c10, c11, c12, c13, TS.Zero, TS.Zero);
        }
    }
}
