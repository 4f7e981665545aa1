using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EinsumGen.Runtime.Kernels;

namespace EinsumGen.KernelBenchmarks
{
    /// <summary>
    /// The memory-bound steps' bandwidth limit for a step's bytes: the bytes written as a combination of as many read
    /// streams as the step reads per byte written (up to four: a copy for a transpose or a scale, the sum of two streams for
    /// a Hadamard product — reads and writes in flight together, as in the step), the rest read as a sum, the rest written
    /// as a fill, on one thread or split over <see cref="KernelThreads"/> exactly as the streaming
    /// tier splits its steps (the same pool, released together, the caller running part 0). Built so that no step can beat
    /// it for an instrument's reason:
    /// <list type="bullet">
    /// <item>its memory is allocated once, page-aligned, and written before any timing (no first-touch page faults, no
    /// vector load across two lines); each thread's share starts on a page (a staggered variant's, a few lines past
    /// one, so that the combined inputs and the target do not all share their low address bits);</item>
    /// <item>its loops move four vectors per iteration, and the read takes the best of one, two and four streams in flight
    /// (a kernel that reads several rows at once has several streams; the copy and the fill likewise), the writes the better of ordinary and non-temporal
    /// stores (a write-only result need not be read first);</item>
    /// <item>it is timed by the same clock as the step and in the same run (<see cref="MemoryBench"/> interleaves their
    /// samples), with the fork-join inside the time as it is inside the step's.</item>
    /// </list>
    /// Its buffers are as large as the step's operands, so both find the same share of them in the last-level cache. A step
    /// that reads one element per row of a large operand (a diagonal) is probed by the same scattered reads over a buffer as
    /// large: one line per element, a page walk each, which is what bounds it.
    /// </summary>
    internal sealed unsafe class BandwidthProbe : IDisposable
    {
        /// <summary>
        /// How the probe moves its bytes: streams in flight (1, 2, 4: the read, the copy and the fill each cut into that many
        /// parts walked side by side), non-temporal stores or not, and, for scattered reads, software prefetches a few
        /// elements ahead (a kernel may issue them, so the limit must); <c>Staggered</c>: each combined input and the target
        /// start at another offset within a page (<see cref="StaggerFloats"/>) rather than all on a page boundary, where the
        /// loads and stores of one iteration share their low address bits (the sets of the L1, the banks of memory) — a
        /// step's tensors, managed arrays, lie at arbitrary offsets from one another, and on two threads a Hadamard product
        /// moved 1% more than the page-aligned probe.
        /// </summary>
        public readonly record struct Variant(int Streams, bool NonTemporal, bool Ahead = false, bool Staggered = false)
        {
            public override string ToString() => $"{Streams}s{(NonTemporal ? "+nt" : "")}{(Ahead ? "+pf" : "")}{(Staggered ? "+st" : "")}";
        }

        /// <summary>
        /// Where a staggered variant starts input q (q·<c>StaggerFloats</c>[0]) and the target (<c>StaggerFloats</c>[1]) past
        /// a page: whole, odd numbers of cache lines (17 and 33), so non-temporal stores still start on a line.
        /// </summary>
        private static readonly long[] StaggerFloats = { 17 * 16, 33 * 16 };

        /// <summary>Every variant <see cref="Calibrate"/> tries (the prefetching ones only where the probe gathers).</summary>
        public static readonly Variant[] Variants =
        {
            new(1, false), new(2, false), new(4, false), new(1, true), new(2, true), new(4, true),
            new(1, false, true), new(2, false, true), new(4, false, true),
            new(1, false, false, true), new(2, false, false, true), new(4, false, false, true),
            new(1, true, false, true), new(2, true, false, true), new(4, true, false, true),
        };

        private const long Page = 4096 / sizeof(float);
        private readonly float* _source, _target;
        private readonly long _copied, _read, _written, _readAt, _writeAt;
        private readonly int _inputs;
        private readonly long _gathered, _gatherStride;
        private readonly float* _scattered;

        /// <summary>The gathered buffer: a pinned managed array, the kind of memory a step's tensors live in.</summary>
        private readonly float[]? _scatteredArray;

        /// <summary>
        /// A probe for a step that reads <paramref name="readBytes"/> and writes <paramref name="writtenBytes"/>; with
        /// <paramref name="gatherStride"/>, one that reads <paramref name="readBytes"/> / 64 floats that far apart instead
        /// (from <paramref name="gatherFrom"/>, the step's operand, where given; it must stay pinned while the probe lives).
        /// </summary>
        public BandwidthProbe(long readBytes, long writtenBytes, long gatherStride = 0, float* gatherFrom = null)
        {
            ReadBytes = readBytes;
            WrittenBytes = writtenBytes;
            if (gatherStride > 0)
            {
                _gathered = readBytes / 64;
                _gatherStride = gatherStride;
                // Scattered reads are bound by page walks and fills, which depend on where the lines lie: the probe reads
                // the step's own operand where it is given (a buffer of its own read 10-25% slower than the step's array,
                // even by the step's own loop), else a pinned managed array as large.
                if (gatherFrom == null)
                {
                    _scatteredArray = GC.AllocateArray<float>(checked((int)(_gathered * gatherStride)), pinned: true);
                    for (int i = 0; i < _scatteredArray.Length; i++) _scatteredArray[i] = 0.0115f;
                    gatherFrom = (float*)Unsafe.AsPointer(ref _scatteredArray[0]);
                }
                _scattered = gatherFrom;
                readBytes = 0;
            }
            long read = readBytes / sizeof(float), written = writtenBytes / sizeof(float);
            _inputs = written == 0 ? 1 : (int)Math.Clamp(read / written, 1, 4);
            _copied = Math.Min(read / _inputs, written);
            _read = read - _inputs * _copied;
            _written = written - _copied;
            // Each region starts on a page: the combined inputs one after the other, then the rest read.
            long copiedPages = (_copied + Page - 1) / Page * Page;
            _readAt = _inputs * copiedPages;
            _writeAt = copiedPages;
            _source = Allocate(_readAt + _read + 4 * StaggerFloats[0]);
            _target = Allocate(_writeAt + _written + StaggerFloats[1]);
        }

        public long ReadBytes { get; }

        public long WrittenBytes { get; }

        public long Bytes => ReadBytes + WrittenBytes;

        private static float* Allocate(long floats)
        {
            nuint bytes = (nuint)(Math.Max(floats, 16) * sizeof(float));
            var p = (float*)NativeMemory.AlignedAlloc(bytes, 4096);
            // Written now: a page's first touch faults, and no timed pass should pay for it (0x3c bytes: 0.0115 as floats).
            NativeMemory.Fill(p, bytes, 0x3c);
            return p;
        }

        public void Dispose()
        {
            NativeMemory.AlignedFree(_source);
            NativeMemory.AlignedFree(_target);
        }

        /// <summary>Read streams combined per stream written.</summary>
        public int Inputs => _inputs;

        /// <summary>One pass over the step's bytes on <paramref name="threads"/> threads (one: the calling thread alone).</summary>
        public void Run(int threads, Variant variant)
        {
            var job = new Job
            {
                Source = _source, Target = _target + (variant.Staggered ? StaggerFloats[1] : 0), Copied = _copied, Read = _read, Written = _written,
                ReadAt = _readAt + (variant.Staggered ? _inputs * StaggerFloats[0] : 0), WriteAt = _writeAt,
                Inputs = _inputs, InputStride = _inputs > 1 ? _readAt / _inputs + (variant.Staggered ? StaggerFloats[0] : 0) : 0,
                Scattered = _scattered, Gathered = _gathered, GatherStride = _gatherStride,
                Streams = variant.Streams, NonTemporal = variant.NonTemporal, Ahead = variant.Ahead,
            };
            if (threads > 1 && KernelThreads.TryRun(&Part, &job, threads, threads)) return;
            Part(&job, 0, 1);
        }

        /// <summary>
        /// The fastest variant here: each one's best of a few passes, timed by <paramref name="clock"/> (the clock the step
        /// is timed by).
        /// </summary>
        public Variant Calibrate(int threads, Func<double> clock, int passes = 6)
        {
            Variant best = Variants[0];
            double bestSeconds = double.MaxValue;
            foreach (var variant in Variants)
            {
                if (variant.NonTemporal && !Avx512F.IsSupported) continue;
                if (variant.NonTemporal && _copied + _written == 0) continue;
                if (variant.Ahead && _gathered == 0) continue;
                if (variant.Staggered && _copied == 0) continue;
                Run(threads, variant);
                for (int p = 0; p < passes; p++)
                {
                    double t0 = clock();
                    Run(threads, variant);
                    double seconds = clock() - t0;
                    if (seconds < bestSeconds) (bestSeconds, best) = (seconds, variant);
                }
            }
            return best;
        }

        private struct Job
        {
            public float* Source, Target, Scattered;
            public long Gathered, GatherStride;
            public long Copied, Read, Written, ReadAt, WriteAt, InputStride;
            public int Streams, Inputs;
            public bool NonTemporal, Ahead;
        }

        /// <summary>Part <paramref name="part"/>'s share of each region: whole pages, the last part the rest.</summary>
        private static void Part(void* state, int part, int parts)
        {
            var job = (Job*)state;
            var (c0, c1) = Share(job->Copied, part, parts);
            var (r0, r1) = Share(job->Read, part, parts);
            if (c1 > c0) Combine(job->Source + c0, job->InputStride, job->Inputs, job->Target + c0, c1 - c0, job->NonTemporal, job->Streams);
            if (r1 > r0) Sink += Sum(job->Source + job->ReadAt + r0, r1 - r0, job->Streams);
            // A diagonal writes one element per element it gathers: the gathered elements go to the written ones (the
            // step's own loop, r[i] = p[i·stride]); a trace sums them.
            long copiedOut = job->Gathered > 0 && job->Written >= job->Gathered ? job->Gathered : 0;
            if (job->Gathered > 0)
            {
                long g0 = job->Gathered * part / parts, g1 = job->Gathered * (part + 1) / parts;
                float* from = job->Scattered + g0 * job->GatherStride;
                if (copiedOut > 0) GatherCopy(from, job->GatherStride, g1 - g0, job->Target + job->WriteAt + g0, job->Streams, job->Ahead);
                else Sink += Gather(from, job->GatherStride, g1 - g0, job->Streams, job->Ahead);
            }
            var (w0, w1) = Share(job->Written - copiedOut, part, parts);
            if (w1 > w0) FillStreams(job->Target + job->WriteAt + copiedOut + w0, w1 - w0, part, job->NonTemporal, job->Streams);
        }

        private static (long, long) Share(long length, int part, int parts)
        {
            long pages = (length + Page - 1) / Page;
            return (Math.Min(length, pages * part / parts * Page), Math.Min(length, pages * (part + 1) / parts * Page));
        }

        /// <summary>Keeps the sums alive.</summary>
        public static float Sink;

        /// <summary>Σ p[i]: the span cut into <paramref name="streams"/> parts read side by side, four vectors per iteration.</summary>
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private static float Sum(float* p, long n, int streams)
        {
            const int W = 16;
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            long i = 0;
            if (streams == 4)
            {
                long quarter = n / 4 / W * W;
                float* q1 = p + quarter, q2 = p + 2 * quarter, q3 = p + 3 * quarter;
                for (; i < quarter; i += W)
                {
                    s0 += Vector512.Load(p + i);
                    s1 += Vector512.Load(q1 + i);
                    s2 += Vector512.Load(q2 + i);
                    s3 += Vector512.Load(q3 + i);
                }
                i = 4 * quarter;
            }
            else if (streams == 2)
            {
                long half = n / 2 / (2 * W) * (2 * W);
                float* h = p + half;
                for (; i < half; i += 2 * W)
                {
                    s0 += Vector512.Load(p + i);
                    s1 += Vector512.Load(p + i + W);
                    s2 += Vector512.Load(h + i);
                    s3 += Vector512.Load(h + i + W);
                }
                i = 2 * half;
            }
            for (; i + 4 * W <= n; i += 4 * W)
            {
                s0 += Vector512.Load(p + i);
                s1 += Vector512.Load(p + i + W);
                s2 += Vector512.Load(p + i + 2 * W);
                s3 += Vector512.Load(p + i + 3 * W);
            }
            float sum = Vector512.Sum(s0 + s1 + s2 + s3);
            for (; i < n; i++) sum += p[i];
            return sum;
        }

        /// <summary>How many elements ahead a prefetching gather asks for its lines.</summary>
        private const int GatherAhead = 16;

        /// <summary>
        /// Σ p[i·stride] over n elements, the range cut into <paramref name="streams"/> parts read side by side; with
        /// <paramref name="ahead"/>, each part prefetches its line <see cref="GatherAhead"/> elements ahead.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private static float Gather(float* p, long stride, long n, int streams, bool ahead)
        {
            long part = n / streams;
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            long i = 0;
            long far = ahead && Sse.IsSupported ? GatherAhead * stride : 0;
            if (streams == 4)
            {
                float* p1 = p + part * stride, p2 = p + 2 * part * stride, p3 = p + 3 * part * stride;
                long end = far > 0 ? Math.Max(0, part - GatherAhead) : part;
                for (; i < end; i++)
                {
                    long o = i * stride;
                    if (far > 0) { Sse.Prefetch0(p + o + far); Sse.Prefetch0(p1 + o + far); Sse.Prefetch0(p2 + o + far); Sse.Prefetch0(p3 + o + far); }
                    s0 += p[o]; s1 += p1[o]; s2 += p2[o]; s3 += p3[o];
                }
                for (; i < part; i++)
                {
                    long o = i * stride;
                    s0 += p[o]; s1 += p1[o]; s2 += p2[o]; s3 += p3[o];
                }
                i = 4 * part;
            }
            else if (streams == 2)
            {
                float* p1 = p + part * stride;
                long end = far > 0 ? Math.Max(0, part - GatherAhead) : part;
                for (; i < end; i++)
                {
                    long o = i * stride;
                    if (far > 0) { Sse.Prefetch0(p + o + far); Sse.Prefetch0(p1 + o + far); }
                    s0 += p[o]; s1 += p1[o];
                }
                for (; i < part; i++)
                {
                    long o = i * stride;
                    s0 += p[o]; s1 += p1[o];
                }
                i = 2 * part;
            }
            if (far > 0)
            {
                for (; i + 4 + GatherAhead <= n; i += 4)
                {
                    Sse.Prefetch0(p + i * stride + far); Sse.Prefetch0(p + (i + 1) * stride + far);
                    Sse.Prefetch0(p + (i + 2) * stride + far); Sse.Prefetch0(p + (i + 3) * stride + far);
                    s0 += p[i * stride]; s1 += p[(i + 1) * stride]; s2 += p[(i + 2) * stride]; s3 += p[(i + 3) * stride];
                }
            }
            for (; i + 4 <= n; i += 4)
            {
                s0 += p[i * stride]; s1 += p[(i + 1) * stride]; s2 += p[(i + 2) * stride]; s3 += p[(i + 3) * stride];
            }
            for (; i < n; i++) s0 += p[i * stride];
            return s0 + s1 + s2 + s3;
        }

        /// <summary>to[i] = p[i·stride] over n elements, cut into streams and prefetched as <see cref="Gather"/> is.</summary>
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private static void GatherCopy(float* p, long stride, long n, float* to, int streams, bool ahead)
        {
            long part = n / streams;
            long far = ahead && Sse.IsSupported ? GatherAhead * stride : 0;
            long end = far > 0 ? Math.Max(0, part - GatherAhead) : part;
            long i = 0;
            for (; i < end; i++)
            {
                for (int q = 0; q < streams; q++)
                {
                    float* pq = p + (q * part + i) * stride;
                    if (far > 0) Sse.Prefetch0(pq + far);
                    to[q * part + i] = *pq;
                }
            }
            for (; i < part; i++)
            {
                for (int q = 0; q < streams; q++) to[q * part + i] = p[(q * part + i) * stride];
            }
            for (long j = streams * part; j < n; j++) to[j] = p[j * stride];
        }

        /// <summary>to[i] = Σ_q from[q·stride + i] over <paramref name="inputs"/> streams (one: a copy).</summary>
        private static void Combine(float* from, long stride, int inputs, float* to, long n, bool nonTemporal, int streams)
        {
            switch (inputs)
            {
                case 1: CopyStreams(from, to, n, nonTemporal, streams); break;
                default: CombineStreams(from, stride, inputs, to, n, nonTemporal, streams); break;
            }
        }

        /// <summary>
        /// A sum of 2–4 inputs cut into <paramref name="streams"/> parts taking turns a kilobyte at a time, as
        /// <see cref="CopyStreams"/> cuts a copy (a kernel may walk several rows of both factors at once).
        /// </summary>
        private static void CombineStreams(float* from, long stride, int inputs, float* to, long n, bool nonTemporal, int streams)
        {
            long part = streams > 1 ? n / streams / 16 * 16 : 0;
            for (long o = 0; o < part; o += Piece)
            {
                long length = Math.Min(Piece, part - o);
                for (int q = 0; q < streams; q++) CombineRun(from + q * part + o, stride, inputs, to + q * part + o, length, nonTemporal);
            }
            CombineRun(from + streams * part, stride, inputs, to + streams * part, n - streams * part, nonTemporal);
            if (nonTemporal && Sse.IsSupported) Sse.StoreFence();
        }

        private static void CombineRun(float* from, long stride, int inputs, float* to, long n, bool nonTemporal)
        {
            switch (inputs)
            {
                case 2: Add2(from, from + stride, to, n, nonTemporal); break;
                case 3: Add3(from, from + stride, from + 2 * stride, to, n, nonTemporal); break;
                default: Add4(from, from + stride, from + 2 * stride, from + 3 * stride, to, n, nonTemporal); break;
            }
        }

        /// <summary>Floats per piece when several streams take turns (1 KiB: a few lines each, so each stream stays sequential).</summary>
        private const long Piece = 256;

        /// <summary>
        /// A copy cut into <paramref name="streams"/> parts of whole lines, the parts taking turns a kilobyte at a time, so that
        /// as many read and write streams are in flight as in a kernel that walks several rows at once.
        /// </summary>
        private static void CopyStreams(float* from, float* to, long n, bool nonTemporal, int streams)
        {
            long part = streams > 1 ? n / streams / 16 * 16 : 0;
            for (long o = 0; o < part; o += Piece)
            {
                long length = Math.Min(Piece, part - o);
                for (int q = 0; q < streams; q++) Copy(from + q * part + o, to + q * part + o, length, nonTemporal, fence: false);
            }
            Copy(from + streams * part, to + streams * part, n - streams * part, nonTemporal, fence: true);
        }

        /// <summary>A fill cut into streams as <see cref="CopyStreams"/> cuts a copy.</summary>
        private static void FillStreams(float* to, long n, float value, bool nonTemporal, int streams)
        {
            long part = streams > 1 ? n / streams / 16 * 16 : 0;
            for (long o = 0; o < part; o += Piece)
            {
                long length = Math.Min(Piece, part - o);
                for (int q = 0; q < streams; q++) Fill(to + q * part + o, length, value, nonTemporal, fence: false);
            }
            Fill(to + streams * part, n - streams * part, value, nonTemporal, fence: true);
        }

        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private static void Add2(float* a, float* b, float* to, long n, bool nonTemporal)
        {
            const int W = 16;
            long i = 0;
            if (nonTemporal && Avx512F.IsSupported)
            {
                for (; i + 2 * W <= n; i += 2 * W)
                {
                    Avx512F.StoreAlignedNonTemporal(to + i, Vector512.Load(a + i) + Vector512.Load(b + i));
                    Avx512F.StoreAlignedNonTemporal(to + i + W, Vector512.Load(a + i + W) + Vector512.Load(b + i + W));
                }
            }
            for (; i + 2 * W <= n; i += 2 * W)
            {
                (Vector512.Load(a + i) + Vector512.Load(b + i)).Store(to + i);
                (Vector512.Load(a + i + W) + Vector512.Load(b + i + W)).Store(to + i + W);
            }
            for (; i < n; i++) to[i] = a[i] + b[i];
        }

        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private static void Add3(float* a, float* b, float* c, float* to, long n, bool nonTemporal)
        {
            const int W = 16;
            long i = 0;
            if (nonTemporal && Avx512F.IsSupported)
            {
                for (; i + W <= n; i += W) Avx512F.StoreAlignedNonTemporal(to + i, Vector512.Load(a + i) + Vector512.Load(b + i) + Vector512.Load(c + i));
            }
            for (; i + W <= n; i += W) (Vector512.Load(a + i) + Vector512.Load(b + i) + Vector512.Load(c + i)).Store(to + i);
            for (; i < n; i++) to[i] = a[i] + b[i] + c[i];
        }

        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private static void Add4(float* a, float* b, float* c, float* d, float* to, long n, bool nonTemporal)
        {
            const int W = 16;
            long i = 0;
            if (nonTemporal && Avx512F.IsSupported)
            {
                for (; i + W <= n; i += W)
                    Avx512F.StoreAlignedNonTemporal(to + i, Vector512.Load(a + i) + Vector512.Load(b + i) + (Vector512.Load(c + i) + Vector512.Load(d + i)));
            }
            for (; i + W <= n; i += W) (Vector512.Load(a + i) + Vector512.Load(b + i) + (Vector512.Load(c + i) + Vector512.Load(d + i))).Store(to + i);
            for (; i < n; i++) to[i] = a[i] + b[i] + c[i] + d[i];
        }

        /// <summary>to[i] = from[i], four vectors per iteration; non-temporal stores where asked (to starts on a line).</summary>
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private static void Copy(float* from, float* to, long n, bool nonTemporal, bool fence = true)
        {
            const int W = 16;
            long i = 0;
            if (nonTemporal && Avx512F.IsSupported)
            {
                for (; i + 4 * W <= n; i += 4 * W)
                {
                    Avx512F.StoreAlignedNonTemporal(to + i, Vector512.Load(from + i));
                    Avx512F.StoreAlignedNonTemporal(to + i + W, Vector512.Load(from + i + W));
                    Avx512F.StoreAlignedNonTemporal(to + i + 2 * W, Vector512.Load(from + i + 2 * W));
                    Avx512F.StoreAlignedNonTemporal(to + i + 3 * W, Vector512.Load(from + i + 3 * W));
                }
                if (fence) Sse.StoreFence();
            }
            for (; i + 4 * W <= n; i += 4 * W)
            {
                Vector512.Load(from + i).Store(to + i);
                Vector512.Load(from + i + W).Store(to + i + W);
                Vector512.Load(from + i + 2 * W).Store(to + i + 2 * W);
                Vector512.Load(from + i + 3 * W).Store(to + i + 3 * W);
            }
            for (; i < n; i++) to[i] = from[i];
        }

        /// <summary>to[i] = value, four vectors per iteration; non-temporal stores where asked.</summary>
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private static void Fill(float* to, long n, float value, bool nonTemporal, bool fence = true)
        {
            const int W = 16;
            var v = Vector512.Create(value);
            long i = 0;
            if (nonTemporal && Avx512F.IsSupported)
            {
                for (; i + 4 * W <= n; i += 4 * W)
                {
                    Avx512F.StoreAlignedNonTemporal(to + i, v);
                    Avx512F.StoreAlignedNonTemporal(to + i + W, v);
                    Avx512F.StoreAlignedNonTemporal(to + i + 2 * W, v);
                    Avx512F.StoreAlignedNonTemporal(to + i + 3 * W, v);
                }
                if (fence) Sse.StoreFence();
            }
            for (; i + 4 * W <= n; i += 4 * W)
            {
                v.Store(to + i);
                v.Store(to + i + W);
                v.Store(to + i + 2 * W);
                v.Store(to + i + 3 * W);
            }
            for (; i < n; i++) to[i] = value;
        }
    }
}
