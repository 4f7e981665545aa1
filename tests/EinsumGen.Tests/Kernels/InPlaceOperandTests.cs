using System;
using System.Linq;
using System.Numerics;
using EinsumGen.Runtime.Kernels;
using Xunit;

namespace EinsumGen.Tests.Kernels
{
    /// <summary>
    /// The packed tier reading a short A (rows contiguous along K) and a narrow row-major B where they lie instead of
    /// packing them (<see cref="KernelOptions.InPlace"/>, <c>RunRows</c>): against the naive oracle over ragged shapes
    /// (a last row panel copied zero-padded, a last column panel packed), batches, K over several slices, strided and
    /// transposed operands, every micro-kernel shape, float and double, one and two threads; and bit for bit against the
    /// packed path, since the multiply-adds run in the same order.
    /// </summary>
    [Collection(nameof(EinsumGen.Tests.Kernels.KernelChoicesCollection))]
    public class InPlaceOperandTests
    {
        // (m, n, k): M off the 12-, 8- and 6-row panels, N off the 32/48 (float) and 16/24 (double) column panels, N
        // within two panels (B in place: its row stride at most 2·NR) and beyond, K from one element to several slices.
        private static readonly (int m, int n, int k)[] Shapes =
        {
            (12, 32, 64), (13, 33, 5), (37, 45, 16), (25, 64, 128), (64, 48, 70), (40, 70, 300), (7, 40, 33), (30, 17, 1), (24, 96, 600),
        };

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        public void Matches_the_oracle_on_ragged_batches(int threads) => ContractionKernelTests.OnPlainThread(() =>
        {
            var rng = new Random(811 + threads);
            foreach (var (m, n, k) in Shapes)
            {
                // A contiguous (rows at stride K) or sliced (padded rows): read in place. B contiguous (its rows in place
                // where N is narrow) or transposed (packed). C in every layout the tables allow.
                Layout la = rng.Next(2) == 0 ? Layout.Contiguous : Layout.Sliced;
                Layout lb = rng.Next(3) == 0 ? Layout.Transposed : Layout.Contiguous;
                Layout lc = new[] { Layout.Contiguous, Layout.Strided, Layout.Sliced }[rng.Next(3)];
                int batch = 1 + rng.Next(5);
                var g = GemmCase.Create(rng, batch, m, n, k, la, lb, lc);
                g.Check<float>(rng, KernelPath.Auto, GemmMode.Packed, threads);
                g.Check<double>(rng, KernelPath.Auto, GemmMode.Packed, threads);
                g.Check<float>(rng, KernelPath.Vector256, GemmMode.Packed, threads);
                g.Check<double>(rng, KernelPath.Vector128, GemmMode.Packed, threads);
            }
        });

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        public void Attention_heads_read_in_place(int threads) => ContractionKernelTests.OnPlainThread(() =>
        {
            var rng = new Random(821 + threads);
            // bhqd,bhkd->bhqk (K read along its rows: B transposed, packed) and bhqk,bhkd->bhqd (V in place), with a
            // ragged q and, for the second, d just over one panel.
            foreach (var (q, kk, d) in new[] { (128, 128, 64), (50, 70, 33) })
            {
                var scores = GemmCase.Create(rng, 6, q, kk, d, Layout.Contiguous, Layout.Transposed, Layout.Contiguous);
                scores.Check<float>(rng, KernelPath.Auto, GemmMode.Packed, threads);
                var output = GemmCase.Create(rng, 6, q, d, kk, Layout.Contiguous, Layout.Contiguous, Layout.Contiguous);
                output.Check<float>(rng, KernelPath.Auto, GemmMode.Packed, threads);
                var transposedC = GemmCase.Create(rng, 6, q, d, kk, Layout.Contiguous, Layout.Contiguous, Layout.Transposed);
                transposedC.Check<double>(rng, KernelPath.Auto, GemmMode.Packed, threads);
            }
        });

        [Theory]
        [InlineData(128, 128, 64, true, Layout.Transposed, true, false)]   // scores: Q in place, K packed (read along its rows)
        [InlineData(128, 64, 128, true, Layout.Contiguous, true, true)]    // output: P and V in place
        [InlineData(64, 256, 576, true, Layout.Contiguous, true, false)]   // N of 8 panels: A in place, B's rows too wide
        [InlineData(64, 1024, 576, true, Layout.Contiguous, false, false)] // a layer's weights against many columns: packed once
        [InlineData(40, 100, 1024, true, Layout.Contiguous, false, false)] // A's rows 4 KiB apart: every row in the same cache sets
        [InlineData(300, 64, 300, true, Layout.Contiguous, false, false)]  // A beyond L2: packed in blocks
        [InlineData(128, 64, 128, false, Layout.Contiguous, false, false)] // switched off
        public void Reads_in_place_only_where_it_fits(int m, int n, int k, bool on, Layout lb, bool a, bool b)
        {
            // These are the AVX-512 path's choices (its tile and cache budgets); CI's AVX-512-off pass runs the narrower
            // paths, whose own choices the oracle tests above cover, so there is nothing of this path to check there.
            if (!System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) return;
            var rng = new Random(841);
            var g = GemmCase.Create(rng, 2, m, n, k, Layout.Contiguous, lb, Layout.Contiguous);
            float[] fa = g.Fill<float>(rng, g.A), fb = g.Fill<float>(rng, g.B);
            var c = new float[g.C.Length];
            try
            {
                KernelOptions.Current.RecordChoices = true;
                KernelOptions.Current.InPlace = on;
                PackedGemm.LastInPlace = (!a, !b);
                using (TestRegions.Read(fa, fb).AndWrite(c))
                    ContractionKernel.Gemm(g.Problem, ref fa[0], ref fb[0], ref c[0], KernelPath.Vector512, GemmMode.Packed, 1);
                Assert.Equal((a, b), PackedGemm.LastInPlace);
            }
            finally
            {
                KernelOptions.Current.RecordChoices = false;
                KernelOptions.Current.InPlace = true;
            }
        }

        [Fact]
        public void Gives_the_packed_paths_results_bit_for_bit()
        {
            var rng = new Random(831);
            foreach (var (m, n, k) in Shapes)
            {
                var g = GemmCase.Create(rng, 3, m, n, k, Layout.Contiguous, Layout.Contiguous, Layout.Contiguous);
                SameBits<float>(g, rng, KernelPath.Auto);
                SameBits<double>(g, rng, KernelPath.Auto);
                SameBits<float>(g, rng, KernelPath.Vector256);
            }
        }

        /// <summary>
        /// RunRows steps along K two at a time, with an odd last step on its own: every K around that (one step, pairs, a
        /// pair and one, attention's 64 and its neighbours), on the 12- and 8-row AVX-512 shapes (M = 29 and 64: the edge
        /// blocks too) and the 6-row one (Vector256), against the oracle and bit for bit against the packed path.
        /// </summary>
        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        public void Steps_along_k_in_pairs_and_one_left(int threads) => ContractionKernelTests.OnPlainThread(() =>
        {
            var rng = new Random(841 + threads);
            foreach (int m in new[] { 29, 64 })
                foreach (int k in new[] { 1, 2, 3, 4, 5, 63, 64, 65 })
                {
                    var g = GemmCase.Create(rng, 2, m, 40, k, Layout.Contiguous, Layout.Contiguous, Layout.Contiguous);
                    g.Check<float>(rng, KernelPath.Auto, GemmMode.Packed, threads);
                    g.Check<double>(rng, KernelPath.Auto, GemmMode.Packed, threads);
                    g.Check<float>(rng, KernelPath.Vector256, GemmMode.Packed, threads);
                    if (threads == 1)
                    {
                        SameBits<float>(g, rng, KernelPath.Auto);
                        SameBits<double>(g, rng, KernelPath.Auto);
                        SameBits<float>(g, rng, KernelPath.Vector256);
                    }
                }
        });

        private static void SameBits<T>(GemmCase g, Random rng, KernelPath path) where T : unmanaged, INumberBase<T>
        {
            T[] a = g.Fill<T>(rng, g.A), b = g.Fill<T>(rng, g.B);
            T[] Run(bool inPlace)
            {
                var c = new T[g.C.Length];
                try
                {
                    KernelOptions.Current.InPlace = inPlace;
                    using (TestRegions.Read(a, b).AndWrite(c))
                        ContractionKernel.Gemm(g.Problem, ref a[0], ref b[0], ref c[0], path, GemmMode.Packed, 1);
                }
                finally
                {
                    KernelOptions.Current.InPlace = true;
                }
                return c;
            }
            T[] packed = Run(false), inPlace = Run(true);
            Assert.True(packed.SequenceEqual(inPlace), $"{g.Description} {typeof(T).Name} {path}: in place and packed differ");
        }
    }
}
