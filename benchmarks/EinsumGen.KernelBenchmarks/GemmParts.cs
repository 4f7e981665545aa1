using System;
using System.Linq;
using System.Runtime.Intrinsics;
using EinsumGen.Runtime.Kernels;

namespace EinsumGen.KernelBenchmarks
{
    /// <summary>
    /// `gemm parts`: where one core's time goes in a packed GEMM shape (float, AVX-512), each part timed on its own by
    /// thread CPU time: the whole call, packing A, packing B, the micro-kernel over resident panels (writing C), and
    /// the micro-kernel on one L1-resident tile (its own rate). For a batch, the packings read each entry's operands
    /// and the kernel writes each entry's C, as the call does. `gemm parts split`: the batches run as a batch split's parts
    /// (calls over consecutive entries) of 6 to 96 entries, one core, call by call in turn.
    /// </summary>
    internal static unsafe class GemmParts
    {
        public static void Run(string[] args)
        {
            var workloads = new[]
            {
                Workload.AttentionScores(1, 1, 128, 128, 64),
                Workload.AttentionScores(8, 12, 128, 128, 64),
                Workload.AttentionValues(1, 1, 128, 128, 64),
                Workload.AttentionValues(8, 12, 128, 128, 64),
            };
            double peak = Probes.PeakGflopsCpuTime();
            if (args.Contains("split"))
            {
                // A batch split's parts on one core: each part one call over consecutive entries, as a thread runs it
                // (its first entry starts from memory), call by call in turn.
                foreach (var w in new[] { workloads[1], workloads[3] })
                {
                    int batch = w.BatchA.Length;
                    Action parts(int size) => () => { for (int b0 = 0; b0 < batch; b0 += size) w.RunRange(b0, Math.Min(batch, b0 + size), 1); };
                    Interleaved(w, peak, new (string, Action)[]
                    {
                        ("one part of 96", parts(batch)),
                        ("parts of 6 (16 parts)", parts(6)),
                        ("parts of 12", parts(12)),
                        ("parts of 24 (4 parts)", parts(24)),
                        ("parts of 48", parts(48)),
                    });
                }
                return;
            }
            if (args.Contains("ab") && args.Contains("scores"))
            {
                foreach (var w in new[] { workloads[1], workloads[1] })
                    Interleaved(w, peak, new (string, Action)[]
                    {
                        ("next A panel, then B", () => Switch(w, o => o.PackedBFirst = false)),
                        ("next B, then A panel (default)", () => Switch(w, _ => { })),
                    });
                return;
            }
            if (args.Contains("ab"))
            {
                // The switches, call by call in turn (so that every variant sees the same machine), best and quartile.
                foreach (var w in workloads.Concat(new[] { Workload.Plain(64, 32768, 576) }))
                    Interleaved(w, peak, new (string, Action)[]
                    {
                        ("packed (as 3eab2cd)", () => Switch(w, o => { o.InPlace = false; o.ShiftedEdge = false; })),
                        ("in place as 22ad422", () => Switch(w, o => { o.ShiftedEdge = false; o.EdgeBlock = false; o.RowsAhead = false; o.NextEntryAhead = false; })),
                        ("edge copied", () => Switch(w, o => { o.ShiftedEdge = false; o.EdgeBlock = false; })),
                        ("edge: shifted full panel", () => Switch(w, o => o.EdgeBlock = false)),
                        ("edge block, no row prefetch", () => Switch(w, o => o.RowPrefetch = false)),
                        ("edge block, burst row prefetch", () => Switch(w, o => o.RowsAhead = false)),
                        ("rows ahead, next B not", () => Switch(w, o => o.NextEntryAhead = false)),
                        ("next A panel, then B", () => Switch(w, o => o.PackedBFirst = false)),
                        ("in place (default)", () => Switch(w, _ => { })),
                    });
                return;
            }
            Console.WriteLine($"one-core probe {peak:F1} GFLOP/s; % of it per part (the time it would take at the probe's rate over the part's time)");
            foreach (var w in workloads) Parts(w, peak);
        }

        private static void Switch(Workload w, Action<KernelOptions> set)
        {
            set(KernelOptions.Current);
            w.Run(KernelPath.Auto, GemmMode.Auto, 1);
            KernelOptions.Current.Reset();
        }

        private static void Interleaved(Workload w, double peak, (string name, Action run)[] variants)
        {
            foreach (var v in variants) for (int i = 0; i < 10; i++) v.run();
            var times = variants.Select(_ => new System.Collections.Generic.List<double>()).ToArray();
            double start = CpuTime.Now();
            while (CpuTime.Now() - start < 6 && times[0].Count < 3000)
                for (int i = 0; i < variants.Length; i++)
                {
                    double t0 = CpuTime.Now();
                    variants[i].run();
                    times[i].Add(CpuTime.Now() - t0);
                }
            double ideal = w.Flops / (peak * 1e9);
            for (int i = 0; i < variants.Length; i++)
            {
                times[i].Sort();
                var t = times[i];
                Console.WriteLine($"{w.Name,-40} {variants[i].name,-28} best {100 * ideal / t[0],5:F1}%  10th pct {100 * ideal / t[t.Count / 10],5:F1}%  median {100 * ideal / t[t.Count / 2],5:F1}%  ({t.Count} calls)");
            }
        }

        private static void Parts(Workload w, double peak)
        {
            int batch = w.BatchA.Length, M = w.RowA.Length, N = w.ColB.Length, K = w.KA.Length;
            const int MR = 12, NR = 32;
            int mPad = (M + MR - 1) / MR * MR, nPad = (N + NR - 1) / NR * NR;
            float[] packA = GC.AllocateArray<float>(mPad * K + 64, pinned: true);
            float[] packB = GC.AllocateArray<float>(nPad * K + 64, pinned: true);
            float[] tile = GC.AllocateArray<float>(MR * NR + 64, pinned: true);
            double ideal = w.Flops / (peak * 1e9);
            void Line(string part, (double best, double p10) t) =>
                Console.WriteLine($"{w.Name,-40} {part,-30} {t.best * 1e6 / batch,9:F2} µs/entry {100 * ideal / t.best,7:F1}% (10th percentile {100 * ideal / t.p10,5:F1}%)");

            fixed (float* a0 = w.A, b0 = w.B, c0 = w.C, pa = packA, pb = packB, sc = tile)
            fixed (nint* rowA0 = w.RowA, kA0 = w.KA, kB0 = w.KB, colB0 = w.ColB, rowC0 = w.RowC, colC0 = w.ColC)
            fixed (nint* bA0 = w.BatchA, bB0 = w.BatchB, bC0 = w.BatchC)
            {
                nint* rowA = rowA0, kA = kA0, kB = kB0, colB = colB0, rowC = rowC0, colC = colC0, bA = bA0, bB = bB0, bC = bC0;
                float* A = Align(a0), B = Align(b0), C = Align(c0), PA = Align(pa), PB = Align(pb);
                float* S = sc;
                Line("whole call", Best(() => w.Run(KernelPath.Auto, GemmMode.Auto, 1)));
                bool rowAUnit = M == 1 || w.RowA[1] - w.RowA[0] == 1, kAUnit = K == 1 || w.KA[1] - w.KA[0] == 1;
                bool kBUnit = K == 1 || w.KB[1] - w.KB[0] == 1, colBUnit = N == 1 || w.ColB[1] - w.ColB[0] == 1;
                Line("pack A", Best(() =>
                {
                    for (int e = 0; e < batch; e++) Packing.PackA(A + bA[e], rowA, M, kA, K, MR, rowAUnit, kAUnit, PA);
                }));
                Line("pack B", Best(() =>
                {
                    for (int e = 0; e < batch; e++) Packing.PackB(B + bB[e], kB, K, colB, N, NR, kBUnit, colBUnit, PB);
                }));
                Line("kernel, resident panels", Best(() =>
                {
                    for (int e = 0; e < batch; e++) Tiles(PA, PB, C + bC[e], rowC, colC, M, N, K, S);
                }));
                Line("kernel, one C (no stream)", Best(() =>
                {
                    for (int e = 0; e < batch; e++) Tiles(PA, PB, C, rowC, colC, M, N, K, S);
                }));
                Line("pack A + B", Best(() =>
                {
                    for (int e = 0; e < batch; e++)
                    {
                        Packing.PackA(A + bA[e], rowA, M, kA, K, MR, rowAUnit, kAUnit, PA);
                        Packing.PackB(B + bB[e], kB, K, colB, N, NR, kBUnit, colBUnit, PB);
                    }
                }));
                Line("packs + kernel, one C", Best(() =>
                {
                    for (int e = 0; e < batch; e++)
                    {
                        Packing.PackA(A + bA[e], rowA, M, kA, K, MR, rowAUnit, kAUnit, PA);
                        Packing.PackB(B + bB[e], kB, K, colB, N, NR, kBUnit, colBUnit, PB);
                        Tiles(PA, PB, C, rowC, colC, M, N, K, S);
                    }
                }));
                Line("packs + kernel, each C", Best(() =>
                {
                    for (int e = 0; e < batch; e++)
                    {
                        Packing.PackA(A + bA[e], rowA, M, kA, K, MR, rowAUnit, kAUnit, PA);
                        Packing.PackB(B + bB[e], kB, K, colB, N, NR, kBUnit, colBUnit, PB);
                        Tiles(PA, PB, C + bC[e], rowC, colC, M, N, K, S);
                    }
                }));
                Line("whole call, no row prefetch", Best(() =>
                {
                    KernelOptions.Current.RowPrefetch = false;
                    w.Run(KernelPath.Auto, GemmMode.Auto, 1);
                    KernelOptions.Current.RowPrefetch = true;
                }));
                Line("whole call, neither prefetch", Best(() =>
                {
                    KernelOptions.Current.RowPrefetch = false;
                    KernelOptions.Current.BatchPrefetch = false;
                    w.Run(KernelPath.Auto, GemmMode.Auto, 1);
                    KernelOptions.Current.BatchPrefetch = true;
                    KernelOptions.Current.RowPrefetch = true;
                }));
                Line("whole call, packed (base)", Best(() =>
                {
                    KernelOptions.Current.InPlace = false;
                    w.Run(KernelPath.Auto, GemmMode.Auto, 1);
                    KernelOptions.Current.InPlace = true;
                }));
                Line("whole call, no batch prefetch", Best(() =>
                {
                    KernelOptions.Current.BatchPrefetch = false;
                    w.Run(KernelPath.Auto, GemmMode.Auto, 1);
                    KernelOptions.Current.BatchPrefetch = true;
                }));
                nint lda = w.RowA[1] - w.RowA[0], ldb = w.KB[1] - w.KB[0];
                if (kAUnit)
                    Line("A in place + kernel, each C", Best(() =>
                    {
                        for (int e = 0; e < batch; e++)
                        {
                            Packing.PackB(B + bB[e], kB, K, colB, N, NR, kBUnit, colBUnit, PB);
                            InPlace(A + bA[e], lda, PA, PB, NR, C + bC[e], rowA, rowC, colC, M, N, K, S, false);
                        }
                    }));
                if (kAUnit && colBUnit)
                    Line("A, B in place + kernel, each C", Best(() =>
                    {
                        for (int e = 0; e < batch; e++)
                            InPlace(A + bA[e], lda, PA, B + bB[e], ldb, C + bC[e], rowA, rowC, colC, M, N, K, S, true);
                    }));
                if (kAUnit && batch > 1)
                    foreach (int hint in new[] { 0, 1 })
                        foreach (int ahead in new[] { 1, -1 })
                        {
                            bool bIn = colBUnit;
                            Line($"in place, prefetch T{hint}" + (ahead < 0 ? ", one C" : ""), Best(() =>
                            {
                                for (int e = 0; e < batch; e++)
                                {
                                    int nx = Math.Min(batch - 1, e + Math.Abs(ahead));
                                    byte* pA = (byte*)(A + bA[nx]), pB = (byte*)(B + bB[nx]);
                                    int linesA = M * (int)lda * 4 / 64, linesB = K * (int)(bIn ? ldb : N) * 4 / 64;
                                    if (!bIn) Packing.PackB(B + bB[e], kB, K, colB, N, NR, kBUnit, colBUnit, PB);
                                    PrefetchedTiles(A + bA[e], lda, PA, bIn ? B + bB[e] : PB, bIn ? ldb : NR, bIn, ahead < 0 ? C : C + bC[e], rowA, rowC, colC, M, N, K, S,
                                        pA, linesA, pB, linesB, hint);
                                }
                            }));
                        }
                int tiles = (mPad / MR) * (nPad / NR);
                Line("kernel, one tile (L1)", Best(() =>
                {
                    for (int e = 0; e < batch; e++)
                        for (int t = 0; t < tiles; t++)
                            Kernel12x2<float, Vector512<float>, Simd512<float>>.Run(K, PA, PB, C, rowC, colC, MR, NR, true, false, S);
                }));
            }
        }

        private static void Tiles(float* pa, float* pb, float* c, nint* rowC, nint* colC, int M, int N, int K, float* scratch)
        {
            const int MR = 12, NR = 32;
            for (int jr = 0; jr < N; jr += NR)
            {
                int nr = Math.Min(NR, N - jr);
                for (int ir = 0; ir < M; ir += MR)
                {
                    int mr = Math.Min(MR, M - ir);
                    Kernel12x2<float, Vector512<float>, Simd512<float>>.Run(K, pa + (nint)ir * K, pb + (nint)jr * K, c, rowC + ir, colC + jr, mr, nr, nr == NR, false, scratch);
                }
            }
        }

        /// <summary>Full panels read A where it lies (and B too where <paramref name="bInPlace"/>); the ragged edge from the packed panels.</summary>
        private static void InPlace(float* a, nint lda, float* pa, float* b, nint ldb, float* c, nint* rowA, nint* rowC, nint* colC, int M, int N, int K, float* scratch, bool bInPlace)
        {
            const int MR = 12, NR = 32;
            for (int jr = 0; jr < N; jr += NR)
            {
                int nr = Math.Min(NR, N - jr);
                float* bp = bInPlace ? b + jr : b + (nint)jr * K;
                for (int ir = 0; ir < M; ir += MR)
                {
                    int mr = Math.Min(MR, M - ir);
                    if (mr == MR)
                        Kernel12x2<float, Vector512<float>, Simd512<float>>.RunRows(K, a + rowA[ir], lda, bp, ldb, c, rowC + ir, colC + jr, mr, nr, nr == NR, false, scratch);
                    else
                        Kernel12x2<float, Vector512<float>, Simd512<float>>.Run(K, pa + (nint)ir * K, bInPlace ? pa : bp, c, rowC + ir, colC + jr, mr, nr, nr == NR, false, scratch);
                }
            }
        }

        private static void PrefetchedTiles(float* a, nint lda, float* pa, float* b, nint ldb, bool bInPlace, float* c, nint* rowA, nint* rowC, nint* colC,
            int M, int N, int K, float* scratch, byte* nextA, int linesA, byte* nextB, int linesB, int hint)
        {
            const int MR = 12, NR = 32;
            int tiles = ((M + MR - 1) / MR) * ((N + NR - 1) / NR);
            int total = linesA + linesB, per = total / tiles + 1, done = 0;
            for (int jr = 0; jr < N; jr += NR)
            {
                int nr = Math.Min(NR, N - jr);
                float* bp = bInPlace ? b + jr : b + (nint)jr * K;
                for (int ir = 0; ir < M; ir += MR)
                {
                    int mr = Math.Min(MR, M - ir);
                    if (mr == MR)
                        Kernel12x2<float, Vector512<float>, Simd512<float>>.RunRows(K, a + rowA[ir], lda, bp, ldb, c, rowC + ir, colC + jr, mr, nr, nr == NR, false, scratch);
                    else
                        Kernel12x2<float, Vector512<float>, Simd512<float>>.Run(K, pa + (nint)ir * K, bInPlace ? pa : bp, c, rowC + ir, colC + jr, mr, nr, nr == NR, false, scratch);
                    for (int l = 0; l < per && done < total; l++, done++)
                    {
                        byte* line = done < linesA ? nextA + (nint)done * 64 : nextB + (nint)(done - linesA) * 64;
                        if (hint == 0) System.Runtime.Intrinsics.X86.Sse.Prefetch0(line);
                        else if (hint == 1) System.Runtime.Intrinsics.X86.Sse.Prefetch1(line);
                        else System.Runtime.Intrinsics.X86.Sse.Prefetch2(line);
                    }
                }
            }
        }

        /// <summary>The best (and the 10th percentile) of single timed calls: on a loaded machine, a call interrupted by another process comes back to cold caches.</summary>
        private static (double best, double p10) Best(Action run)
        {
            for (int i = 0; i < 20; i++) run();
            double start = CpuTime.Now();
            int n = 0;
            var times = new System.Collections.Generic.List<double>();
            while (n < 30 || (CpuTime.Now() - start < 0.4 && n < 2000))
            {
                double t0 = CpuTime.Now();
                run();
                times.Add(CpuTime.Now() - t0);
                n++;
            }
            times.Sort();
            return (times[0], times[times.Count / 10]);
        }

        private static float* Align(float* p) => (float*)(((nint)p + 63) & ~(nint)63);
    }
}
