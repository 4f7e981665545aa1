using System;
using EinsumGen.Runtime.Kernels;
using Xunit;

namespace EinsumGen.Tests.Kernels
{
    /// <summary>
    /// The packed tier's blockings for the shapes models run, against the naive oracle: a short A packed whole and kept
    /// resident (a weight against long columns; shared by batch entries), the 8 × 3-vector micro-kernel (M a multiple of
    /// 8, not of 12), attention's batched 128 × 128 × 64 products (here smaller, with the same strides), forced on and off.
    /// </summary>
    public class PackedBlockingTests
    {
        private static readonly Layout[] Layouts = { Layout.Contiguous, Layout.Transposed, Layout.Strided, Layout.Mixed };

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        public void Short_a_resident_across_k_slices_and_b_blocks(int threads) => ContractionKernelTests.OnPlainThread(() =>
        {
            var rng = new Random(31 + threads);
            // M around the micro-kernels' rows (edge tiles), K over several slices, N over several L2-sized B blocks.
            foreach (int m in new[] { 1, 7, 13, 40, 64, 65 })
            {
                Layout la = Layouts[rng.Next(Layouts.Length)], lb = Layouts[rng.Next(Layouts.Length)], lc = Layouts[rng.Next(Layouts.Length)];
                var g = GemmCase.Create(rng, 1, m, 700, 600, la, lb, lc);
                g.Check<float>(rng, KernelPath.Auto, GemmMode.Packed, threads);
                g.Check<double>(rng, KernelPath.Auto, GemmMode.Packed, threads);
                g.Check<float>(rng, KernelPath.Vector256, GemmMode.Packed, threads);
            }
        });

        [Fact]
        public void Resident_a_off_gives_the_same_products()
        {
            var rng = new Random(41);
            var g = GemmCase.Create(rng, 3, 64, 300, 577, Layout.Contiguous, Layout.Strided, Layout.Contiguous);
            try
            {
                KernelOptions.Current.ResidentA = false;
                g.Check<float>(rng, KernelPath.Auto, GemmMode.Packed, 1);
                g.Check<double>(rng, KernelPath.Auto, GemmMode.Packed, 1);
            }
            finally
            {
                KernelOptions.Current.ResidentA = true;
            }
            g.Check<float>(rng, KernelPath.Auto, GemmMode.Packed, 1);
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        public void A_shared_by_batch_entries_is_packed_once_per_run_of_equal_offsets(int threads) => ContractionKernelTests.OnPlainThread(() =>
        {
            var rng = new Random(51 + threads);
            foreach (Layout la in Layouts)
            {
                var g = GemmCase.Create(rng, 7, 40, 90, 300, la, Layout.Contiguous, Layout.Contiguous);
                // Every entry reads the same A (a weight applied to each item), then runs of equal offsets that change
                // back and forth: the packed copy may serve a run, never an entry with another A.
                Array.Fill(g.A.Tables[0], g.A.Tables[0][0]);
                g.Check<float>(rng, KernelPath.Auto, GemmMode.Packed, threads);
                g.Check<double>(rng, KernelPath.Auto, GemmMode.Packed, threads);
                var two = GemmCase.Create(rng, 2, 40, 90, 300, la, Layout.Contiguous, Layout.Contiguous);
                var g2 = GemmCase.Create(rng, 7, 40, 90, 300, la, Layout.Transposed, Layout.Strided);
                g2.A = two.A;
                nint x = two.A.Tables[0][1], y = two.A.Tables[0][0];
                g2.A.Tables = new[] { new[] { y, y, x, x, y, x, x }, two.A.Tables[1], two.A.Tables[2] };
                g2.Check<float>(rng, KernelPath.Auto, GemmMode.Packed, threads);
                g2.Check<double>(rng, KernelPath.Auto, GemmMode.Packed, threads);
            }
        });

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        public void Eight_by_three_kernel_with_edge_tiles(int threads) => ContractionKernelTests.OnPlainThread(() =>
        {
            var rng = new Random(61 + threads);
            // M a multiple of 8 (not of 12): the 8 × 3 kernel; N off its 48 (float) or 24 (double) columns.
            foreach (var (m, n, k) in new[] { (64, 1000, 70), (40, 50, 300), (16, 130, 33), (64, 97, 1) })
                foreach (Layout lc in new[] { Layout.Contiguous, Layout.Strided, Layout.Transposed })
                {
                    Assert.True(PackedGemm.Prefers8x3(new GemmRange(0, 1, 0, m, 0, n), 16) || n < 100);
                    var g = GemmCase.Create(rng, 2, m, n, k, Layout.Contiguous, rng.Next(2) == 0 ? Layout.Contiguous : Layout.Transposed, lc);
                    g.Check<float>(rng, KernelPath.Vector512, GemmMode.Packed, threads);
                    g.Check<double>(rng, KernelPath.Vector512, GemmMode.Packed, threads);
                }
        });

        [Fact]
        public void Eight_by_three_is_chosen_only_where_it_pads_less()
        {
            Assert.True(PackedGemm.Prefers8x3(new GemmRange(0, 1, 0, 64, 0, 32768), 16));
            Assert.True(PackedGemm.Prefers8x3(new GemmRange(0, 1, 0, 64, 0, 1024), 16));
            Assert.False(PackedGemm.Prefers8x3(new GemmRange(0, 1, 0, 1024, 0, 1024), 16));
            Assert.False(PackedGemm.Prefers8x3(new GemmRange(0, 1, 0, 128, 0, 128), 16));
            Assert.False(PackedGemm.Prefers8x3(new GemmRange(0, 1, 0, 128, 0, 64), 16));
            Assert.False(PackedGemm.Prefers8x3(new GemmRange(0, 1, 0, 96, 0, 1024), 16));
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        public void Attention_shaped_batches(int threads) => ContractionKernelTests.OnPlainThread(() =>
        {
            var rng = new Random(71 + threads);
            // bhqd,bhkd->bhqk (B read along its rows: Transposed) and bhqk,bhkd->bhqd, 12 heads, edge tiles on q and k.
            foreach (var (q, k, d) in new[] { (37, 45, 16), (24, 50, 33) })
            {
                GemmCase.Create(rng, 12, q, k, d, Layout.Contiguous, Layout.Transposed, Layout.Contiguous).Check<float>(rng, KernelPath.Auto, GemmMode.Packed, threads);
                GemmCase.Create(rng, 12, q, d, k, Layout.Contiguous, Layout.Contiguous, Layout.Contiguous).Check<double>(rng, KernelPath.Auto, GemmMode.Packed, threads);
                GemmCase.Create(rng, 12, q, k, d, Layout.Sliced, Layout.Transposed, Layout.Strided).Check<double>(rng, KernelPath.Auto, GemmMode.Auto, threads);
            }
        });
    }
}
