using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using EinsumGen.Runtime.Kernels;
using Xunit;

namespace EinsumGen.Tests.Kernels
{
    public class ContractionKernelTests
    {
        public static IEnumerable<object[]> Paths()
        {
            foreach (KernelPath p in new[] { KernelPath.Vector512, KernelPath.Vector256, KernelPath.Vector128, KernelPath.Scalar })
                foreach (GemmMode mode in new[] { GemmMode.Packed, GemmMode.Direct, GemmMode.Auto })
                    yield return new object[] { p.ToString(), mode.ToString() };
        }

        private static KernelPath P(string name) => Enum.Parse<KernelPath>(name);
        private static GemmMode M(string name) => Enum.Parse<GemmMode>(name);

        /// <summary>
        /// Runs <paramref name="body"/> on a fresh non-pool thread: xunit runs tests on thread-pool threads, where the
        /// kernel deliberately stays single-threaded, so the split paths are only reached from a plain thread.
        /// </summary>
        internal static void OnPlainThread(Action body)
        {
            Exception? error = null;
            var t = new System.Threading.Thread(() => { try { body(); } catch (Exception e) { error = e; } });
            t.Start();
            t.Join();
            if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
        }

        [Fact]
        public void Pool_threads_stay_single_threaded_and_plain_threads_split()
        {
            var rng = new Random(4);
            var g = GemmCase.Create(rng, 1, 200, 200, 100, Layout.Contiguous, Layout.Contiguous, Layout.Contiguous);
            lock (SplitGate)
            {
                // Counted for this thread only: a test elsewhere may split a call of its own meanwhile.
                long before = KernelThreads.SplitCallsOnThisThread;
                Assert.True(System.Threading.Thread.CurrentThread.IsThreadPoolThread); // xunit runs tests on the pool
                g.Check<float>(rng, KernelPath.Auto, GemmMode.Packed, 2);
                Assert.Equal(before, KernelThreads.SplitCallsOnThisThread);
                if (Environment.ProcessorCount < 2) return;
                // From a plain thread the call splits (unless another test holds the worker pool at that moment: retry).
                bool split = false;
                for (int attempt = 0; attempt < 20 && !split; attempt++)
                {
                    long b0 = KernelThreads.SplitCalls;
                    OnPlainThread(() => g.Check<float>(new Random(attempt), KernelPath.Auto, GemmMode.Packed, 2));
                    split = KernelThreads.SplitCalls > b0;
                }
                Assert.True(split);
            }
        }

        private static readonly object SplitGate = new();

        private static readonly Layout[] AllLayouts = (Layout[])Enum.GetValues(typeof(Layout));

        /// <summary>Sizes clustered around the tile edges (MR = 12 or 6, NR = 2 vectors, vectors of 2..16 lanes).</summary>
        private static int EdgeSize(Random rng)
        {
            int[] edges = { 1, 2, 3, 5, 6, 7, 8, 11, 12, 13, 15, 16, 17, 23, 24, 25, 31, 32, 33, 47, 48, 49, 63, 64, 65, 67 };
            return rng.Next(3) == 0 ? rng.Next(1, 68) : edges[rng.Next(edges.Length)];
        }

        private static void RandomCases<T>(KernelPath path, GemmMode mode, int seed, int count) where T : unmanaged, System.Numerics.INumberBase<T>
        {
            var rng = new Random(seed);
            for (int i = 0; i < count; i++)
            {
                int batch = rng.Next(1, 4);
                var g = GemmCase.Create(rng, batch, EdgeSize(rng), EdgeSize(rng), EdgeSize(rng),
                    AllLayouts[rng.Next(AllLayouts.Length)], AllLayouts[rng.Next(AllLayouts.Length)], AllLayouts[rng.Next(AllLayouts.Length)]);
                g.Check<T>(rng, path, mode, threads: 1);
            }
        }

        [Theory]
        [MemberData(nameof(Paths))]
        public void Float_matches_naive_loop(string path, string mode) => RandomCases<float>(P(path), M(mode), 1000 + (int)P(path) * 10 + (int)M(mode), 60);

        [Theory]
        [MemberData(nameof(Paths))]
        public void Double_matches_naive_loop(string path, string mode) => RandomCases<double>(P(path), M(mode), 2000 + (int)P(path) * 10 + (int)M(mode), 60);

        [Theory]
        [MemberData(nameof(Paths))]
        public void Every_layout_pair_matches(string pathName, string modeName)
        {
            KernelPath path = P(pathName);
            GemmMode mode = M(modeName);
            var rng = new Random(77 + (int)path);
            foreach (Layout la in AllLayouts)
                foreach (Layout lb in AllLayouts)
                {
                    Layout lc = AllLayouts[rng.Next(AllLayouts.Length)];
                    GemmCase.Create(rng, rng.Next(1, 3), EdgeSize(rng), EdgeSize(rng), EdgeSize(rng), la, lb, lc).Check<float>(rng, path, mode, 1);
                    GemmCase.Create(rng, 1, EdgeSize(rng), EdgeSize(rng), EdgeSize(rng), la, lb, lc).Check<double>(rng, path, mode, 1);
                }
        }

        /// <summary>
        /// Skinny shapes (the direct tier's since a free group ≤ 16 makes packing a loss): few columns or few rows, the
        /// long factor along K or along its free group, around the 8-row × 2-vector blocks and vector tails, every layout
        /// of the other operands, float and double, on every path and tier.
        /// </summary>
        [Theory]
        [MemberData(nameof(Paths))]
        public void Skinny_shapes_match(string pathName, string modeName)
        {
            KernelPath path = P(pathName);
            var rng = new Random(31 + (int)path * 7 + (int)M(modeName));
            int[] ks = { 1, 3, 8, 15, 16, 17, 64, 65, 257, 1029 };
            for (int i = 0; i < 24; i++)
            {
                int small = rng.Next(1, 18), large = EdgeSize(rng) + 64 * rng.Next(0, 3), k = ks[rng.Next(ks.Length)];
                Layout la = AllLayouts[rng.Next(AllLayouts.Length)], lb = AllLayouts[rng.Next(AllLayouts.Length)], lc = AllLayouts[rng.Next(AllLayouts.Length)];
                var g = rng.Next(2) == 0
                    ? GemmCase.Create(rng, rng.Next(1, 3), small, large, k, la, lb, lc)
                    : GemmCase.Create(rng, rng.Next(1, 3), large, small, k, la, lb, lc);
                if (i % 2 == 0) g.Check<float>(rng, path, M(modeName), 1);
                else g.Check<double>(rng, path, M(modeName), 1);
            }
        }

        /// <summary>
        /// Weight-gradient shapes (∂W[k,o] = Σ_n x[n,k]·∂y[n,o]): a long factor unit-stride along its free group, at most 16
        /// columns, C's long group strided; both orientations, around the 16-row block and the vector tails, split or not.
        /// They run the along-N loop that writes C through its tables, and match the oracle.
        /// </summary>
        [Theory]
        [InlineData("Vector512")]
        [InlineData("Vector256")]
        [InlineData("Vector128")]
        [InlineData("Scalar")]
        public void Weight_gradient_shapes_write_a_strided_C(string pathName) => OnPlainThread(() =>
        {
            KernelPath path = P(pathName);
            var rng = new Random(43 + (int)path);
            int[] ks = { 7, 16, 33, 256 }; // K = 1 or one column would make the strides unit: other loops take those
            long before = DirectGemm.StridedCRuns;
            for (int i = 0; i < 16; i++)
            {
                int small = rng.Next(2, 17), large = 64 + rng.Next(0, 200), k = ks[rng.Next(ks.Length)], threads = 1 + i % 2;
                var g = i % 4 < 2
                    ? GemmCase.Create(rng, 1, large, small, k, Layout.Transposed, Layout.Contiguous, Layout.Contiguous)
                    : GemmCase.Create(rng, 1, small, large, k, Layout.Contiguous, Layout.Contiguous, Layout.Transposed);
                if (i % 2 == 0) g.Check<float>(rng, path, GemmMode.Direct, threads);
                else g.Check<double>(rng, path, GemmMode.Direct, threads);
            }
            Assert.True(DirectGemm.StridedCRuns >= before + 16, "the strided-C loop did not run for every case");
        });

        /// <summary>
        /// Weight gradients with 16 outputs, ∂y dense: C's long group in strips of three vectors (two 8-row × 3-vector blocks)
        /// and the vector and scalar tails after them, around the strip width, K short or long, split over two threads or
        /// not, float and double. The strips must run, and match the oracle.
        /// </summary>
        [Theory]
        [InlineData("Vector512")]
        [InlineData("Vector256")]
        [InlineData("Scalar")]
        public void Weight_gradients_with_sixteen_outputs_run_wide_strips(string pathName) => OnPlainThread(() =>
        {
            KernelPath path = P(pathName);
            var rng = new Random(47 + (int)path);
            long before = DirectGemm.WideStripRuns;
            int[] larges = { 64, 95, 96, 97, 143, 144, 150, 200, 241 };
            for (int i = 0; i < 12; i++)
            {
                int large = larges[rng.Next(larges.Length)], k = i % 3 == 0 ? 300 : 2 + rng.Next(40), threads = 1 + i % 2;
                var g = i % 4 < 2
                    ? GemmCase.Create(rng, 1, large, 16, k, Layout.Transposed, Layout.Contiguous, Layout.Contiguous)
                    : GemmCase.Create(rng, 1, 16, large, k, Layout.Contiguous, Layout.Contiguous, Layout.Transposed);
                if (i % 2 == 0) g.Check<float>(rng, path, GemmMode.Direct, threads);
                else g.Check<double>(rng, path, GemmMode.Direct, threads);
            }
            Assert.True(DirectGemm.WideStripRuns > before, "no three-vector strip ran");
        });

        /// <summary>
        /// Layer shapes (y[n,o] = Σ_k x[n,k]·W[k,o] with one 512-bit vector of outputs): A unit-stride along K, N = 16 floats
        /// or 8 doubles, rows around the 6-row block, B's rows contiguous or padded, C's rows padded, split over two threads
        /// or not. With AVX-512 they run the quad-broadcast loop (packed B, 128-bit broadcasts of A); either way they match.
        /// </summary>
        [Fact]
        public void Layer_shapes_run_the_quad_broadcast_loop() => OnPlainThread(() =>
        {
            var rng = new Random(59);
            long before = DirectGemm.QuadRuns;
            int cases = 0;
            for (int i = 0; i < 16; i++)
            {
                int m = KernelContext.Vector512.Dispatch.QuadMinRows + rng.Next(0, 60), k = 4 * rng.Next(16, 150), threads = 1 + i % 2;
                Layout lb = i % 3 == 0 ? Layout.Contiguous : Layout.Sliced, lc = i % 4 == 0 ? Layout.Contiguous : Layout.Sliced;
                bool single = i % 2 == 0;
                var g = GemmCase.Create(rng, 1 + i % 3 / 2, m, single ? 16 : 8, k, Layout.Contiguous, lb, lc);
                if (single) g.Check<float>(rng, KernelPath.Vector512, GemmMode.Direct, threads);
                else g.Check<double>(rng, KernelPath.Vector512, GemmMode.Direct, threads);
                // A sliced operand may split a group into two padded labels: then its table is not a plain stride.
                if (Affine(g.KB) && Affine(g.ColB, 1) && Affine(g.ColC, 1)) cases++;
            }
            bool hardware = System.Runtime.Intrinsics.X86.Avx512F.IsSupported && System.Runtime.Intrinsics.X86.Avx512DQ.IsSupported;
            Assert.True(cases >= 8, $"only {cases} cases fit the loop");
            if (hardware) Assert.True(DirectGemm.QuadRuns >= before + cases, "the quad-broadcast loop did not run for every case");
            else Assert.Equal(before, DirectGemm.QuadRuns);
        });

        private static bool Affine(nint[] table, nint? stride = null)
        {
            nint s = stride ?? (table.Length > 1 ? table[1] - table[0] : 0);
            for (int i = 1; i < table.Length; i++) if (table[i] - table[i - 1] != s) return false;
            return true;
        }

        [Fact]
        public void Paths_under_test_report_hardware()
        {
            // Not an assertion about the machine: records which paths this run exercised on hardware.
            foreach (KernelPath p in new[] { KernelPath.Vector512, KernelPath.Vector256, KernelPath.Vector128, KernelPath.Scalar })
                Console.WriteLine($"{p}: accelerated={ContractionKernel.IsAccelerated(p)}");
            Assert.True(ContractionKernel.IsAccelerated(ContractionKernel.BestPath));
        }

        [Theory]
        [InlineData("Packed")]
        [InlineData("Direct")]
        public void Large_problems_split_over_threads(string modeName) => OnPlainThread(() =>
        {
            GemmMode mode = M(modeName);
            var rng = new Random(5);
            // M split, N split, batch split, and a transposed C (forces the Cᵀ = BᵀAᵀ swap).
            GemmCase.Create(rng, 1, 301, 130, 71, Layout.Contiguous, Layout.Contiguous, Layout.Contiguous).Check<float>(rng, KernelPath.Auto, mode, 2);
            GemmCase.Create(rng, 1, 97, 411, 67, Layout.Transposed, Layout.Strided, Layout.Contiguous).Check<double>(rng, KernelPath.Auto, mode, 2);
            GemmCase.Create(rng, 8, 64, 64, 40, Layout.Mixed, Layout.Contiguous, Layout.Contiguous).Check<float>(rng, KernelPath.Auto, mode, 2);
            GemmCase.Create(rng, 1, 200, 150, 80, Layout.Contiguous, Layout.Contiguous, Layout.Transposed).Check<float>(rng, KernelPath.Auto, mode, 2);
            GemmCase.Create(rng, 3, 150, 90, 70, Layout.Sliced, Layout.Broadcast, Layout.Strided).Check<double>(rng, KernelPath.Auto, mode, 2);
            // Skinny (the direct tier's shapes): few columns, then few rows.
            GemmCase.Create(rng, 1, 301, 20, 300, Layout.Contiguous, Layout.Contiguous, Layout.Contiguous).Check<float>(rng, KernelPath.Auto, mode, 2);
            GemmCase.Create(rng, 1, 12, 700, 90, Layout.Transposed, Layout.Contiguous, Layout.Contiguous).Check<float>(rng, KernelPath.Auto, mode, 2);
        });

        [Fact]
        public void Long_contractions_split_along_k_and_add_the_partial_results()
        {
            if (Environment.ProcessorCount < 2) return;
            // K long against M and N (mnk,mkr->nr's shape, scaled down): each thread takes a share of K, the second into
            // a partial C that the caller adds. Odd sizes, K not a multiple of the slice, C through strided and transposed
            // tables, float and double.
            var cases = new (GemmCase g, bool dbl)[]
            {
                (GemmCase.Create(new Random(21), 1, 37, 45, 2100, Layout.Contiguous, Layout.Contiguous, Layout.Contiguous), false),
                (GemmCase.Create(new Random(22), 1, 61, 20, 1500, Layout.Transposed, Layout.Strided, Layout.Transposed), true),
                (GemmCase.Create(new Random(23), 1, 100, 90, 1283, Layout.Mixed, Layout.Contiguous, Layout.Strided), false),
            };
            lock (SplitGate)
            {
                foreach (var (g, dbl) in cases)
                {
                    // Unless another test holds the worker pool at that moment (then the call runs alone: retry).
                    bool split = false;
                    for (int attempt = 0; attempt < 20 && !split; attempt++)
                    {
                        long before = ContractionKernel.KSplitCalls;
                        OnPlainThread(() =>
                        {
                            if (dbl) g.Check<double>(new Random(attempt), KernelPath.Auto, GemmMode.Packed, 2);
                            else g.Check<float>(new Random(attempt), KernelPath.Auto, GemmMode.Packed, 2);
                        });
                        split = ContractionKernel.KSplitCalls > before;
                    }
                    Assert.True(split);
                }
            }
        }

        [Fact]
        public void Repeated_split_calls_stay_correct() => OnPlainThread(() =>
        {
            // Many back-to-back split calls: parts are claimed by whichever thread gets there first.
            var rng = new Random(17);
            var m = GemmCase.Create(rng, 1, 130, 110, 100, Layout.Contiguous, Layout.Contiguous, Layout.Contiguous);
            var b = GemmCase.Create(rng, 40, 24, 24, 60, Layout.Contiguous, Layout.Transposed, Layout.Contiguous);
            for (int i = 0; i < 60; i++)
            {
                m.Check<float>(rng, KernelPath.Auto, GemmMode.Auto, 2);
                b.Check<double>(rng, KernelPath.Auto, i % 2 == 0 ? GemmMode.Direct : GemmMode.Packed, 2);
            }
        });

        [Fact]
        public void Deep_contraction_spans_several_k_slices()
        {
            var rng = new Random(9);
            GemmCase.Create(rng, 1, 37, 45, 700, Layout.Contiguous, Layout.Contiguous, Layout.Strided).Check<float>(rng, KernelPath.Auto, GemmMode.Packed, 1);
            GemmCase.Create(rng, 1, 400, 20, 300, Layout.Transposed, Layout.Transposed, Layout.Contiguous).Check<double>(rng, KernelPath.Auto, GemmMode.Packed, 1);
            GemmCase.Create(rng, 1, 30, 2100, 20, Layout.Contiguous, Layout.Contiguous, Layout.Contiguous).Check<float>(rng, KernelPath.Auto, GemmMode.Packed, 1);
        }

        [Fact]
        public void Calls_from_parallel_loops_are_correct()
        {
            var rng = new Random(11);
            var cases = new GemmCase[8];
            for (int i = 0; i < cases.Length; i++)
                cases[i] = GemmCase.Create(rng, 1, 150 + i, 140, 60, Layout.Contiguous, Layout.Transposed, Layout.Contiguous);
            Parallel.For(0, cases.Length, i => cases[i].Check<float>(new Random(i), KernelPath.Auto, GemmMode.Auto, 2));
            // Two threads (not pool threads) racing for the kernel's worker pool: one wins it, the other runs alone.
            Exception? e1 = null, e2 = null;
            var t1 = new System.Threading.Thread(() => { try { for (int i = 0; i < 4; i++) cases[i].Check<float>(new Random(i), KernelPath.Auto, GemmMode.Packed, 2); } catch (Exception e) { e1 = e; } });
            var t2 = new System.Threading.Thread(() => { try { for (int i = 4; i < 8; i++) cases[i].Check<double>(new Random(i), KernelPath.Auto, GemmMode.Packed, 2); } catch (Exception e) { e2 = e; } });
            t1.Start(); t2.Start(); t1.Join(); t2.Join();
            Assert.Null(e1);
            Assert.Null(e2);
        }

        [Theory]
        [InlineData("Packed")]
        [InlineData("Direct")]
        [InlineData("Auto")]
        public void Zero_length_contracted_group_writes_zeros(string modeName)
        {
            GemmMode mode = M(modeName);
            nint[] batch = { 0 }, rowA = { 0, 1, 2 }, rowC = { 0, 4, 8 }, colB = { 0, 1, 2, 3 }, colC = { 0, 1, 2, 3 };
            var c = new float[12];
            Array.Fill(c, float.NaN);
            float a = 1, b = 1;
            var p = new GemmProblem(batch, batch, batch, rowA, rowC, colB, colC, ReadOnlySpan<nint>.Empty, ReadOnlySpan<nint>.Empty);
            using (TestRegions.Write(c).AndLocal(ref a).AndLocal(ref b)) ContractionKernel.Gemm(p, ref a, ref b, ref c[0], KernelPath.Auto, mode, 1);
            Assert.All(c, x => Assert.Equal(0f, x));
        }

        [Fact]
        public void Zero_length_free_or_batch_group_touches_nothing()
        {
            var c = new double[4];
            Array.Fill(c, double.NaN);
            double a = 1, b = 1;
            nint[] one = { 0 }, two = { 0, 1 };
            using var regions = TestRegions.Write(c).AndLocal(ref a).AndLocal(ref b);
            ContractionKernel.Gemm(new GemmProblem(one, one, one, ReadOnlySpan<nint>.Empty, ReadOnlySpan<nint>.Empty, two, two, two, two), ref a, ref b, ref c[0]);
            ContractionKernel.Gemm(new GemmProblem(one, one, one, two, two, ReadOnlySpan<nint>.Empty, ReadOnlySpan<nint>.Empty, two, two), ref a, ref b, ref c[0]);
            ContractionKernel.Gemm(new GemmProblem(ReadOnlySpan<nint>.Empty, ReadOnlySpan<nint>.Empty, ReadOnlySpan<nint>.Empty, two, two, two, two, two, two), ref a, ref b, ref c[0]);
            Assert.All(c, x => Assert.True(double.IsNaN(x)));
        }

        [Fact]
        public void Empty_groups_are_one_entry_tables()
        {
            // Scalar · scalar, a dot product (only K), an outer product (no K), a matrix-vector product.
            var rng = new Random(3);
            foreach (GemmMode mode in new[] { GemmMode.Auto, GemmMode.Packed, GemmMode.Direct })
            {
                GemmCase.Create(rng, 1, 1, 1, 1, Layout.Contiguous, Layout.Contiguous, Layout.Contiguous).Check<float>(rng, KernelPath.Auto, mode, 1);
                GemmCase.Create(rng, 1, 1, 1, 999, Layout.Contiguous, Layout.Contiguous, Layout.Contiguous).Check<float>(rng, KernelPath.Auto, mode, 1);
                GemmCase.Create(rng, 1, 77, 93, 1, Layout.Contiguous, Layout.Contiguous, Layout.Contiguous).Check<double>(rng, KernelPath.Auto, mode, 1);
                GemmCase.Create(rng, 1, 300, 1, 257, Layout.Contiguous, Layout.Contiguous, Layout.Contiguous).Check<float>(rng, KernelPath.Auto, mode, 1);
                GemmCase.Create(rng, 1, 1, 300, 257, Layout.Contiguous, Layout.Contiguous, Layout.Contiguous).Check<float>(rng, KernelPath.Auto, mode, 1);
                GemmCase.Create(rng, 1, 300, 1, 257, Layout.Transposed, Layout.Contiguous, Layout.Contiguous).Check<float>(rng, KernelPath.Auto, mode, 1);
            }
        }

        [Fact]
        public void Batched_tiny_problems_match() => OnPlainThread(() =>
        {
            // TT-core-like: 8×8×8 over a large batch, in the batched layouts the planner produces.
            var rng = new Random(21);
            GemmCase.Create(rng, 512, 8, 8, 8, Layout.Contiguous, Layout.Contiguous, Layout.Contiguous).Check<float>(rng, KernelPath.Auto, GemmMode.Auto, 2);
            GemmCase.Create(rng, 512, 8, 8, 8, Layout.Transposed, Layout.Mixed, Layout.Contiguous).Check<float>(rng, KernelPath.Auto, GemmMode.Auto, 2);
            GemmCase.Create(rng, 300, 8, 2, 8, Layout.Contiguous, Layout.Broadcast, Layout.Transposed).Check<double>(rng, KernelPath.Auto, GemmMode.Auto, 2);
        });

        [Theory]
        [InlineData(3, 40, 37, 50)]
        [InlineData(4, 64, 16, 33)]
        [InlineData(2, 13, 130, 32)]
        public void K_group_of_two_labels_like_mnk_mkr_nr(int m, int n, int k, int r)
        {
            // mnk,mkr->nr: M group = n, N group = r, K group = (m, k): A's K offsets are unit-stride runs of length k.
            var rng = new Random(m * 1000 + n);
            var a = new float[m * n * k];
            var b = new float[m * k * r];
            for (int i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
            for (int i = 0; i < b.Length; i++) b[i] = (float)(rng.NextDouble() * 2 - 1);
            nint[] Table(nint[] sizes, nint[] strides) { var t = new nint[m * k]; OffsetTable.Fill(sizes, strides, t, out _); return t; }
            nint[] Affine(int len, nint stride) { var t = new nint[len]; OffsetTable.Fill(new nint[] { len }, new[] { stride }, t, out _); return t; }
            nint[] zero = { 0 };
            nint[] rowA = Affine(n, k), kA = Table(new nint[] { m, k }, new nint[] { n * k, 1 });
            nint[] kB = Table(new nint[] { m, k }, new nint[] { k * r, r }), colB = Affine(r, 1);
            nint[] rowC = Affine(n, r), colC = Affine(r, 1);
            foreach (GemmMode mode in new[] { GemmMode.Packed, GemmMode.Direct })
                foreach (KernelPath path in new[] { KernelPath.Vector512, KernelPath.Vector256, KernelPath.Scalar })
                {
                    var c = new float[n * r];
                    using (TestRegions.Read(a, b).AndWrite(c))
                        ContractionKernel.Gemm(new GemmProblem(zero, zero, zero, rowA, rowC, colB, colC, kA, kB), ref a[0], ref b[0], ref c[0], path, mode, 1);
                    for (int i = 0; i < n; i++)
                        for (int j = 0; j < r; j++)
                        {
                            double e = 0;
                            for (int p = 0; p < m * k; p++) e += (double)a[rowA[i] + kA[p]] * b[kB[p] + colB[j]];
                            Assert.True(Math.Abs(c[i * r + j] - e) <= 8 * 1.2e-7 * (m * k + 1), $"{mode} {path} C[{i},{j}] = {c[i * r + j]}, expected {e}");
                        }
                }
        }

        /// <summary>
        /// Other numeric types run the direct loops in their own arithmetic, whatever path and tier a caller forces: a 5×3
        /// int matrix times a 3×4 one, against the triple loop.
        /// </summary>
        [Theory]
        [InlineData("Vector512", "Packed", 2)]
        [InlineData("Vector256", "Direct", 1)]
        [InlineData("Scalar", "Auto", 2)]
        public void Other_element_types_run_scalar_loops(string pathName, string modeName, int threads)
        {
            static nint[] Affine(int n, int stride) => Enumerable.Range(0, n).Select(i => (nint)(i * stride)).ToArray();
            int[] a = Enumerable.Range(0, 15).Select(i => i % 7 - 3).ToArray(), b = Enumerable.Range(0, 12).Select(i => i % 5 - 2).ToArray();
            var c = new int[20];
            var problem = new GemmProblem(Affine(1, 0), Affine(1, 0), Affine(1, 0), Affine(5, 3), Affine(5, 4), Affine(4, 1), Affine(4, 1), Affine(3, 1), Affine(3, 4));
            using (TestRegions.Read(a, b).AndWrite(c)) ContractionKernel.Gemm(problem, ref a[0], ref b[0], ref c[0], P(pathName), Enum.Parse<GemmMode>(modeName), threads);
            for (int i = 0; i < 5; i++)
                for (int j = 0; j < 4; j++)
                    Assert.Equal(Enumerable.Range(0, 3).Sum(p => a[i * 3 + p] * b[p * 4 + j]), c[i * 4 + j]);
        }

        [Fact]
        public void Mismatched_tables_throw()
        {
            nint[] one = { 0 }, two = { 0, 1 };
            Assert.Throws<ArgumentException>(() => new GemmProblem(one, one, one, one, two, one, one, one, one));
            Assert.Throws<ArgumentException>(() => new GemmProblem(one, one, one, one, one, one, one, one, two));
        }

        [Theory]
        [InlineData("Packed", 1)]
        [InlineData("Direct", 1)]
        [InlineData("Packed", 2)]
        [InlineData("Auto", 2)]
        public void Steady_state_calls_allocate_nothing(string modeName, int threads) => OnPlainThread(() =>
        {
            GemmMode mode = M(modeName);
            var rng = new Random(1);
            var g = GemmCase.Create(rng, 2, 160, 150, 90, Layout.Contiguous, Layout.Transposed, Layout.Contiguous);
            float[] a = g.Fill<float>(rng, g.A), b = g.Fill<float>(rng, g.B);
            var c = new float[g.C.Length];
            var problem = g.Problem;
            using var regions = TestRegions.Read(a, b).AndWrite(c);
            // Warm up past tiered compilation's call-counting threshold (30 calls): the thread that crosses it does the
            // runtime's bookkeeping and is charged its allocations, which are not the kernel's.
            for (int i = 0; i < 64; i++) ContractionKernel.Gemm(problem, ref a[0], ref b[0], ref c[0], KernelPath.Auto, mode, threads);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 5; i++) ContractionKernel.Gemm(problem, ref a[0], ref b[0], ref c[0], KernelPath.Auto, mode, threads);
            long after = GC.GetAllocatedBytesForCurrentThread();
            Assert.Equal(0, after - before);

            // And through the public entry point, with tables from the workspace.
            KernelWorkspace ws = KernelWorkspace.ForCurrentThread;
            ws.GetOffsetScratch(16);
            for (int i = 0; i < 64; i++) ContractionKernel.Gemm(problem, ref a[0], ref b[0], ref c[0]);
            before = GC.GetAllocatedBytesForCurrentThread();
            Span<nint> t = ws.GetOffsetScratch(16);
            ContractionKernel.Gemm(problem, ref a[0], ref b[0], ref c[0]);
            after = GC.GetAllocatedBytesForCurrentThread();
            Assert.Equal(0, after - before);
            Assert.Equal(16, t.Length);
        });

        [Fact]
        public void Max_degree_of_parallelism_rejects_zero()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => ContractionKernel.MaxDegreeOfParallelism = 0);
            Assert.True(ContractionKernel.MaxDegreeOfParallelism >= 1);
        }
    }
}
