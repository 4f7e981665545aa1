using System;
using System.Linq;
using System.Numerics;
using EinsumGen.Runtime.Kernels;
using Xunit;

namespace EinsumGen.Tests.Kernels
{
    /// <summary>
    /// A batch split's parts (<see cref="ContractionKernel.BatchParts"/>): at most <see cref="KernelContext.BatchPartsPerThread"/>
    /// per thread, each of at least <see cref="KernelContext.BatchPartMinFlops"/> where the batch allows; and attention's
    /// scores (B read along its contracted label, so packed per entry, the next entry's B fetched while one computes) split
    /// over two threads in long parts and in short ones, against the oracle and bit for bit against one thread, float and
    /// double.
    /// </summary>
    [Collection(nameof(EinsumGen.Tests.Kernels.KernelChoicesCollection))]
    public class BatchPartsTests
    {
        [Fact]
        public void Parts_are_long_enough_to_pay_for_their_first_entry()
        {
            KernelContext context = KernelContext.Vector512;
            double attention = 2.0 * 96 * 128 * 128 * 64; // 201 MFLOP: 96 heads of 2.1
            try
            {
                Assert.Equal(4, ContractionKernel.BatchParts(96, attention, 2, context));       // 24 heads a part
                Assert.Equal(2, ContractionKernel.BatchParts(96, 2e6, 2, context));             // one part a thread, however small
                Assert.Equal(16, ContractionKernel.BatchParts(96, 100e9, 2, context));          // large: 8 a thread
                Assert.Equal(3, ContractionKernel.BatchParts(3, 100e9, 4, context));            // never more parts than entries
                KernelOptions.Current.LongBatchParts = false;
                Assert.Equal(16, ContractionKernel.BatchParts(96, attention, 2, context));
            }
            finally
            {
                KernelOptions.Current.Reset();
            }
        }

        private static readonly (string name, Action<KernelOptions> set)[] Settings =
        {
            ("default", _ => { }),
            ("short parts", o => o.LongBatchParts = false),
            ("next entry's A panel before its B", o => o.PackedBFirst = false),
        };

        [Fact]
        public void Attention_scores_split_over_the_batch_match_one_thread_bit_for_bit() => ContractionKernelTests.OnPlainThread(() =>
        {
            var rng = new Random(1801);
            // bhqd,bhkd->bhqk: 12 entries (2.3 MFLOP: split over two threads), ragged q and d; then 4 full heads.
            foreach (var (batch, q, k, d) in new[] { (12, 37, 64, 40), (4, 128, 128, 64) })
            {
                GemmCase g = Scores(batch, q, k, d);
                foreach (var (name, set) in Settings)
                {
                    try
                    {
                        set(KernelOptions.Current);
                        g.Check<float>(rng, KernelPath.Auto, GemmMode.Auto, 2);
                        g.Check<double>(rng, KernelPath.Auto, GemmMode.Auto, 2);
                        float[] af = g.Fill<float>(rng, g.A), bf = g.Fill<float>(rng, g.B);
                        double[] ad = g.Fill<double>(rng, g.A), bd = g.Fill<double>(rng, g.B);
                        Assert.True(Run(g, af, bf, 1).SequenceEqual(Run(g, af, bf, 2)), $"{g.Description} float, {name}");
                        Assert.True(Run(g, ad, bd, 1).SequenceEqual(Run(g, ad, bd, 2)), $"{g.Description} double, {name}");
                    }
                    finally
                    {
                        KernelOptions.Current.Reset();
                    }
                }
            }
        });

        /// <summary>Q [b, q, d], K [b, k, d], S [b, q, k], all dense: B's columns (k) are d apart, its K group contiguous.</summary>
        private static GemmCase Scores(int batch, int q, int k, int d)
        {
            static nint[] Affine(int n, nint stride) => Enumerable.Range(0, n).Select(i => i * stride).ToArray();
            return new GemmCase
            {
                Batch = batch, M = q, N = k, K = d,
                A = new OperandData { Tables = new[] { Affine(batch, q * d), Affine(q, d), Affine(d, 1) }, Length = batch * q * d },
                B = new OperandData { Tables = new[] { Affine(batch, k * d), Affine(d, 1), Affine(k, d) }, Length = batch * k * d },
                C = new OperandData { Tables = new[] { Affine(batch, q * k), Affine(q, k), Affine(k, 1) }, Length = batch * q * k },
                Description = $"bhqd,bhkd->bhqk batch={batch} q={q} k={k} d={d}",
            };
        }

        private static T[] Run<T>(GemmCase g, T[] a, T[] b, int threads) where T : unmanaged, INumberBase<T>
        {
            var c = new T[g.C.Length];
            using (TestRegions.Read(a, b).AndWrite(c))
                ContractionKernel.Gemm(g.Problem, ref a[0], ref b[0], ref c[0], KernelPath.Auto, GemmMode.Auto, threads);
            return c;
        }
    }
}
