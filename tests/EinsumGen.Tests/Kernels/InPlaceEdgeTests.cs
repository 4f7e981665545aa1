using System;
using System.Linq;
using System.Numerics;
using EinsumGen.Runtime.Kernels;
using Xunit;

namespace EinsumGen.Tests.Kernels
{
    /// <summary>
    /// The ragged last row panel of an A read in place (M off the 12-, 8- and 6-row panels): the shorter edge block
    /// (<c>RunRowsEdge</c>), exactly over the ragged rows or overlapping the panel before it, a full panel shifted over
    /// the last rows, or the zero-padded copy where K spans several slices (C added to after the first); and the next
    /// panel's rows prefetched inside the K loop (<c>RunRowsAhead</c>). Each setting against the naive oracle and bit for bit
    /// against the packed path, over odd batches, ragged tiles, strided views, every micro-kernel shape, float and double,
    /// one and two threads.
    /// </summary>
    [Collection(nameof(EinsumGen.Tests.Kernels.KernelChoicesCollection))]
    public class InPlaceEdgeTests
    {
        // M: every remainder against 12 (AVX-512), 8 (its 8 × 3 kernel) and 6 (AVX2, SSE, scalar) that the edge block
        // covers exactly, overlaps, or leaves to the shifted panel; one K slice (64) and several (600: C accumulated into).
        private static readonly int[] Ms = { 12, 13, 20, 23, 44, 128 };
        private static readonly (int n, int k)[] NK = { (64, 64), (40, 600) };

        private static readonly (string name, Action<KernelOptions> set)[] Settings =
        {
            ("default", _ => { }),
            ("no edge block", o => o.EdgeBlock = false),
            ("no overlap", o => o.ShiftedEdge = false),
            ("neither", o => { o.EdgeBlock = false; o.ShiftedEdge = false; }),
            ("rows prefetched in bursts", o => o.RowsAhead = false),
        };

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        public void Ragged_edges_match_the_oracle(int threads) => ContractionKernelTests.OnPlainThread(() =>
        {
            var rng = new Random(911 + threads);
            foreach (int m in Ms)
                foreach (var (n, k) in NK)
                {
                    // A contiguous (dense rows: the in-kernel prefetch) or sliced (padded rows); C contiguous or strided.
                    Layout la = rng.Next(2) == 0 ? Layout.Contiguous : Layout.Sliced;
                    Layout lc = rng.Next(2) == 0 ? Layout.Contiguous : Layout.Strided;
                    int batch = 1 + 2 * rng.Next(3);
                    var g = GemmCase.Create(rng, batch, m, n, k, la, Layout.Contiguous, lc);
                    foreach (var (name, set) in Settings)
                    {
                        try
                        {
                            set(KernelOptions.Current);
                            g.Check<float>(rng, KernelPath.Auto, GemmMode.Packed, threads);
                            g.Check<double>(rng, KernelPath.Auto, GemmMode.Packed, threads);
                            g.Check<float>(rng, KernelPath.Vector256, GemmMode.Packed, threads);
                            g.Check<double>(rng, KernelPath.Scalar, GemmMode.Packed, threads);
                        }
                        finally
                        {
                            KernelOptions.Current.Reset();
                        }
                    }
                }
        });

        [Fact]
        public void Ragged_edges_give_the_packed_paths_results_bit_for_bit()
        {
            var rng = new Random(921);
            foreach (int m in Ms)
                foreach (var (n, k) in NK)
                {
                    var g = GemmCase.Create(rng, 3, m, n, k, Layout.Contiguous, Layout.Contiguous, Layout.Contiguous);
                    float[] fa = g.Fill<float>(rng, g.A), fb = g.Fill<float>(rng, g.B);
                    double[] da = g.Fill<double>(rng, g.A), db = g.Fill<double>(rng, g.B);
                    foreach (KernelPath path in new[] { KernelPath.Auto, KernelPath.Vector256, KernelPath.Vector128 })
                    {
                        float[] packedF = Run(g, fa, fb, path, o => o.InPlace = false);
                        double[] packedD = Run(g, da, db, path, o => o.InPlace = false);
                        foreach (var (name, set) in Settings)
                        {
                            Assert.True(packedF.SequenceEqual(Run(g, fa, fb, path, set)), $"{g.Description} float {path} {name}: differs from packed");
                            Assert.True(packedD.SequenceEqual(Run(g, da, db, path, set)), $"{g.Description} double {path} {name}: differs from packed");
                        }
                    }
                }
        }

        [Theory]
        [InlineData(128, 64, 128)] // attention's output: ten 12-row panels and one 8-row edge block
        [InlineData(125, 128, 64)] // scores with a ragged q: the edge block overlapping the panel before it
        [InlineData(23, 64, 64)]   // 11 ragged rows: a full panel shifted over the last twelve
        [InlineData(20, 40, 600)]  // K over several slices, 8 ragged rows: the edge block, added to after the first slice
        [InlineData(23, 40, 600)]  // K over several slices, 11 ragged rows: copied into a padded panel
        public void Attention_shapes_are_read_in_place(int m, int n, int k)
        {
            if (!System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) return;
            var rng = new Random(931);
            var g = GemmCase.Create(rng, 3, m, n, k, Layout.Contiguous, Layout.Contiguous, Layout.Contiguous);
            float[] a = g.Fill<float>(rng, g.A), b = g.Fill<float>(rng, g.B);
            try
            {
                KernelOptions.Current.RecordChoices = true;
                PackedGemm.LastInPlace = (false, false);
                float[] inPlace = Run(g, a, b, KernelPath.Vector512, _ => { });
                Assert.True(PackedGemm.LastInPlace.A, $"{g.Description}: A was packed");
                Assert.True(Run(g, a, b, KernelPath.Vector512, o => o.InPlace = false).SequenceEqual(inPlace));
            }
            finally
            {
                KernelOptions.Current.Reset();
            }
        }

        private static T[] Run<T>(GemmCase g, T[] a, T[] b, KernelPath path, Action<KernelOptions> set) where T : unmanaged, INumberBase<T>
        {
            var c = new T[g.C.Length];
            bool record = KernelOptions.Current.RecordChoices;
            try
            {
                set(KernelOptions.Current);
                KernelOptions.Current.RecordChoices = record;
                using (TestRegions.Read(a, b).AndWrite(c))
                    ContractionKernel.Gemm(g.Problem, ref a[0], ref b[0], ref c[0], path, GemmMode.Packed, 1);
            }
            finally
            {
                KernelOptions.Current.Reset();
                KernelOptions.Current.RecordChoices = record;
            }
            return c;
        }
    }
}
