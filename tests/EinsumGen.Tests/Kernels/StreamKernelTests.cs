using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using EinsumGen.Dispatch;
using EinsumGen.Runtime;
using EinsumGen.Runtime.Kernels;
using Xunit;

namespace EinsumGen.Tests.Kernels
{
    /// <summary>
    /// The streaming tier (<see cref="StreamKernel"/>) against the oracle: the memory-bound specs end to end through
    /// <see cref="Einsum.Evaluate{T}"/> and <see cref="Einsum.Backward{T}"/> in float and double, at sizes that leave vector
    /// tails, fill one vector, cross a transpose tile and split over the cores; and random steps straight on the kernel
    /// over every vector path, thread count, stride pattern (permuted, padded, broadcast, diagonal) and accumulation.
    /// </summary>
    public class StreamKernelTests
    {
        /// <summary>Memory-bound specs: reductions along each axis, transposes, diagonals, traces, products without reuse.</summary>
        private static readonly string[] Specs =
        {
            "nm->m", "nm->n", "nm->", "ij->ji", "n,nm->m", "mn,n->m", "n,m->nm", "ii->i", "ii->", "ij,j->ij", "ij,ij->j", "ij,ij->i",
            "ij,ij->ij", "ij,ij->", "bij->bji", "ijk->kji", "ijk->jk", "ijk->ik", "ijk->i", "ijk->kij", "iji->j", "m->m",
        };

        /// <summary>Sizes per label: tiny, a vector tail, past a tile, and large enough to split over the cores.</summary>
        private static readonly int[][] SizeSets = { new[] { 1, 3, 2 }, new[] { 17, 33, 5 }, new[] { 70, 37, 9 }, new[] { 700, 333, 3 } };

        /// <summary>Every spec at every size set whose operands stay under a million elements.</summary>
        public static IEnumerable<object[]> Cases() =>
            from spec in Specs
            from sizes in Enumerable.Range(0, SizeSets.Length)
            where Split(spec).Inputs.All(term => term.Aggregate(1L, (p, c) => p * LabelSizes(spec, SizeSets[sizes])[c]) <= 1_000_000)
            select new object[] { spec, sizes };

        [Theory]
        [MemberData(nameof(Cases))]
        public void SpecsMatchTheOracleInFloat(string spec, int sizes) => AssertSpec<float>(spec, SizeSets[sizes]);

        [Theory]
        [MemberData(nameof(Cases))]
        public void SpecsMatchTheOracleInDouble(string spec, int sizes) => AssertSpec<double>(spec, SizeSets[sizes]);

        [Theory]
        [MemberData(nameof(Cases))]
        public void BackwardMatchesTheOracle(string spec, int sizes)
        {
            // L = Σ ȳ ⊙ einsum(x) is linear in each operand: ∂L/∂x_i is the einsum of ȳ with the other operands onto x_i's
            // labels, which the oracle evaluates directly (a repeated label's gradient lands on the diagonal).
            var x = Operands<double>(spec, SizeSets[sizes], 11);
            var y = Einsum.EvaluateNaive(spec, x);
            var gy = TestData.Random<double>(y.Lengths.ToArray().Select(d => (int)d).ToArray(), 12);
            var grads = Einsum.Backward(spec, gy, x);
            var (inputs, output) = Split(spec);
            for (int i = 0; i < x.Length; i++)
            {
                var expected = GradientByOracle(inputs, output, i, x, gy);
                // Each gradient element sums the products over every label x_i lacks.
                var labels = LabelSizes(spec, SizeSets[sizes]);
                long terms = labels.Where(kv => !inputs[i].Contains(kv.Key)).Aggregate(1L, (p, kv) => p * kv.Value) * 2;
                TestData.AssertClose(expected, grads[i], terms, $"{spec} sizes {sizes}: gradient {i}");
            }
        }

        [Fact]
        public void ChunkedColumnSumsAndVectorMatrixProductsMatchTheOracle()
        {
            // Inner kept runs longer than a chunk (64 KiB), with outer summed dimensions adding into them.
            foreach (string spec in new[] { "nm->m", "n,nm->m", "bnm->bm" })
            {
                var sizes = new[] { 3, 20000, 2 };
                AssertSpec<float>(spec, sizes);
                AssertSpec<double>(spec, sizes);
            }
        }

        public static IEnumerable<object[]> RandomSeeds() => Enumerable.Range(0, 80).Select(i => new object[] { i });

        [Theory]
        [MemberData(nameof(RandomSeeds))]
        public void RandomStepsMatchTheNaiveStepOnEveryPath(int seed)
        {
            var rng = new Random(1000 + seed);
            var step = RandomStep(rng);
            foreach (KernelPath path in new[] { KernelPath.Vector512, KernelPath.Vector256, KernelPath.Vector128, KernelPath.Scalar })
            {
                foreach (int threads in new[] { 1, 2 })
                {
                    foreach (bool accumulate in new[] { false, true })
                    {
                        RunStep<float>(step, path, threads, accumulate, $"seed {seed} {path} threads {threads} accumulate {accumulate}");
                        RunStep<double>(step, path, threads, accumulate, $"seed {seed} {path} threads {threads} accumulate {accumulate}");
                    }
                }
            }
        }

        [Fact]
        public void LargeStepsSplitOverTheCoresAndAgree()
        {
            // Column sums (kept inner run split), row sums (outer kept split), a full sum (partials) and a transpose.
            var cases = new[]
            {
                new StepCase(new long[] { 512, 600 }, new long[] { 1, 512 }, new long[] { 0, 0 }, new long[] { 1, 0 }, 1, false),
                new StepCase(new long[] { 600, 512 }, new long[] { 512, 1 }, new long[] { 0, 0 }, new long[] { 1, 0 }, 1, false),
                new StepCase(new long[] { 600, 512 }, new long[] { 512, 1 }, new long[] { 0, 0 }, new long[] { 0, 0 }, 0, false),
                new StepCase(new long[] { 600, 512 }, new long[] { 1, 600 }, new long[] { 0, 0 }, new long[] { 512, 1 }, 2, false),
                new StepCase(new long[] { 600, 512 }, new long[] { 512, 1 }, new long[] { 0, 1 }, new long[] { 1, 0 }, 1, true),
            };
            foreach (var c in cases)
            {
                RunStep<float>(c, KernelPath.Auto, 2, accumulate: false, "split " + string.Join(",", c.Sizes));
                RunStep<double>(c, KernelPath.Auto, 2, accumulate: true, "split " + string.Join(",", c.Sizes));
            }
        }

        [Fact]
        public void ShortRowsInQuartersAndMiddleAxisBlocksMatchOnEveryPath()
        {
            // Kept rows of at most 4 KiB walked in four quarters side by side (a batch of diagonals, of traces, a scale of
            // short rows, with a remainder of rows after the quarters), and a middle-axis sum whose kept outer dimension
            // goes four blocks at a time (with blocks left over, and a summed dimension outside it).
            var cases = new[]
            {
                new StepCase(new long[] { 103, 16 }, new long[] { 256, 17 }, new long[] { 0, 0 }, new long[] { 16, 1 }, 2, false),
                new StepCase(new long[] { 103, 16 }, new long[] { 256, 17 }, new long[] { 0, 0 }, new long[] { 1, 0 }, 1, false),
                new StepCase(new long[] { 66, 40 }, new long[] { 40, 1 }, new long[] { 0, 1 }, new long[] { 41, 1 }, 2, true),
                new StepCase(new long[] { 65, 24 }, new long[] { 24, 1 }, new long[] { 24, 1 }, new long[] { 24, 1 }, 2, true),
                new StepCase(new long[] { 11, 36, 7 }, new long[] { 252, 1, 36 }, new long[] { 0, 0, 0 }, new long[] { 36, 1, 0 }, 2, false),
                new StepCase(new long[] { 9, 20, 5, 3 }, new long[] { 100, 1, 20, 900 }, new long[] { 0, 0, 0, 0 }, new long[] { 20, 1, 0, 0 }, 2, false),
            };
            foreach (var c in cases)
            {
                foreach (KernelPath path in new[] { KernelPath.Vector512, KernelPath.Vector256, KernelPath.Vector128, KernelPath.Scalar })
                {
                    foreach (bool accumulate in new[] { false, true })
                    {
                        foreach (int offset in new[] { 0, 3 })
                        {
                            string context = $"quarters [{string.Join(",", c.Sizes)}] {path} accumulate {accumulate} offset {offset}";
                            RunStep<float>(c, path, 1, accumulate, context, offset);
                            RunStep<double>(c, path, 1, accumulate, context, offset);
                        }
                    }
                }
            }
        }

        [Fact]
        public void TransposesInTilesMatchOnEveryPath()
        {
            // Whole AVX-512 blocks (16 floats, 8 doubles), partial tiles and a batch dimension outside the tiles.
            var cases = new[]
            {
                new StepCase(new long[] { 16, 16 }, new long[] { 1, 16 }, new long[] { 0, 0 }, new long[] { 16, 1 }, 2, false),
                new StepCase(new long[] { 33, 47 }, new long[] { 1, 33 }, new long[] { 0, 0 }, new long[] { 47, 1 }, 2, false),
                new StepCase(new long[] { 64, 100 }, new long[] { 1, 66 }, new long[] { 0, 0 }, new long[] { 101, 1 }, 2, false),
                new StepCase(new long[] { 3, 40, 24 }, new long[] { 960, 1, 40 }, new long[] { 0, 0, 0 }, new long[] { 1000, 24, 1 }, 3, false),
                new StepCase(new long[] { 40, 24, 3 }, new long[] { 1, 40, 960 }, new long[] { 0, 0, 0 }, new long[] { 24, 1, 0 }, 2, false),
            };
            foreach (var c in cases)
            {
                foreach (KernelPath path in new[] { KernelPath.Vector512, KernelPath.Vector256, KernelPath.Scalar })
                {
                    foreach (bool accumulate in new[] { false, true })
                    {
                        RunStep<float>(c, path, 1, accumulate, $"transpose {path} accumulate {accumulate}");
                        RunStep<double>(c, path, 1, accumulate, $"transpose {path} accumulate {accumulate}");
                    }
                }
            }
        }

        [Fact]
        public void LargeTransposesInSquaresMatchAtEveryAlignment()
        {
            // Past one square (512 floats, 256 doubles a side), blocks that start after a head of elements (the tensors'
            // offsets put their rows off a cache line), ragged edges, padded rows, a batch outside the tiles, accumulation.
            foreach (int offset in new[] { 0, 1, 3, 5 })
            {
                var cases = new[]
                {
                    new StepCase(new long[] { 530, 300 }, new long[] { 1, 530 }, new long[] { 0, 0 }, new long[] { 300, 1 }, 2, false),
                    new StepCase(new long[] { 272, 528 }, new long[] { 1, 280 }, new long[] { 0, 0 }, new long[] { 531, 1 }, 2, false),
                    new StepCase(new long[] { 2, 100, 90 }, new long[] { 9000, 1, 100 }, new long[] { 0, 0, 0 }, new long[] { 9100, 91, 1 }, 3, false),
                };
                foreach (var c in cases)
                {
                    foreach (bool accumulate in new[] { false, true })
                    {
                        RunStep<float>(c, KernelPath.Vector512, 1, accumulate, $"square transpose offset {offset} accumulate {accumulate}", offset);
                        RunStep<double>(c, KernelPath.Vector512, 1, accumulate, $"square transpose offset {offset} accumulate {accumulate}", offset);
                    }
                }
            }
        }

        [Fact]
        public void LongSumsShortRowsAndOffsetRunsMatchOnEveryPath()
        {
            // A full sum and a dot product past the two-stream length (16Ki elements), a middle-axis sum whose rows are
            // shorter than a page (added one row after the other), column sums of long rows (four at a time), a row sum, a
            // broadcasting scale and a Hadamard product: each at offsets that put the runs off a cache line.
            var cases = new[]
            {
                new StepCase(new long[] { 40000 }, new long[] { 1 }, new long[] { 0 }, new long[] { 0 }, 0, false),
                new StepCase(new long[] { 40001 }, new long[] { 1 }, new long[] { 1 }, new long[] { 0 }, 0, true),
                new StepCase(new long[] { 7, 100, 9 }, new long[] { 900, 1, 100 }, new long[] { 0, 0, 0 }, new long[] { 100, 1, 0 }, 2, false),
                new StepCase(new long[] { 1100, 13 }, new long[] { 1, 1100 }, new long[] { 0, 0 }, new long[] { 1, 0 }, 1, false),
                new StepCase(new long[] { 1100, 13 }, new long[] { 1, 1100 }, new long[] { 0, 1 }, new long[] { 1, 0 }, 1, true),
                new StepCase(new long[] { 13, 1100 }, new long[] { 1100, 1 }, new long[] { 0, 0 }, new long[] { 1, 0 }, 1, false),
                new StepCase(new long[] { 13, 1100 }, new long[] { 1100, 1 }, new long[] { 0, 1 }, new long[] { 1100, 1 }, 2, true),
                new StepCase(new long[] { 13, 1100 }, new long[] { 1100, 1 }, new long[] { 1100, 1 }, new long[] { 1101, 1 }, 2, true),
            };
            foreach (int offset in new[] { 0, 3 })
            {
                foreach (var c in cases)
                {
                    foreach (KernelPath path in new[] { KernelPath.Vector512, KernelPath.Vector256, KernelPath.Scalar })
                    {
                        foreach (bool accumulate in new[] { false, true })
                        {
                            string context = $"offset {offset} {path} accumulate {accumulate}";
                            RunStep<float>(c, path, 1, accumulate, context, offset);
                            RunStep<double>(c, path, 1, accumulate, context, offset);
                        }
                    }
                    RunStep<float>(c, KernelPath.Auto, 2, accumulate: false, $"offset {offset} two threads", offset);
                }
            }
        }

        [Fact]
        public void ResultsWrittenNonTemporalMatchOnEveryPath()
        {
            // Every written result non-temporal (the threshold at 0): copies, scales, Hadamard products and transposes,
            // results on a line and off it (offset 3: the stores fall back where the vectors cannot sit on a line), result
            // rows a whole number of lines apart and not, accumulation (which keeps ordinary stores), one and two threads.
            var cases = new[]
            {
                new StepCase(new long[] { 13, 1100 }, new long[] { 1100, 1 }, new long[] { 0, 0 }, new long[] { 1100, 1 }, 2, false),
                new StepCase(new long[] { 13, 1100 }, new long[] { 1100, 1 }, new long[] { 0, 1 }, new long[] { 1101, 1 }, 2, true),
                new StepCase(new long[] { 13, 1100 }, new long[] { 1100, 1 }, new long[] { 1, 0 }, new long[] { 1100, 1 }, 2, true),
                new StepCase(new long[] { 600, 512 }, new long[] { 512, 1 }, new long[] { 512, 1 }, new long[] { 512, 1 }, 2, true),
                new StepCase(new long[] { 530, 320 }, new long[] { 1, 530 }, new long[] { 0, 0 }, new long[] { 320, 1 }, 2, false),
                new StepCase(new long[] { 272, 528 }, new long[] { 1, 280 }, new long[] { 0, 0 }, new long[] { 531, 1 }, 2, false),
                new StepCase(new long[] { 2, 96, 64 }, new long[] { 6144, 1, 96 }, new long[] { 0, 0, 0 }, new long[] { 6144, 64, 1 }, 3, false),
            };
            try
            {
                KernelOptions.Current.StreamNonTemporalBytes = 0;
                foreach (int offset in new[] { 0, 3 })
                {
                    foreach (var c in cases)
                    {
                        foreach (KernelPath path in new[] { KernelPath.Vector512, KernelPath.Vector256, KernelPath.Vector128, KernelPath.Scalar })
                        {
                            foreach (bool accumulate in new[] { false, true })
                            {
                                string context = $"non-temporal offset {offset} {path} accumulate {accumulate}";
                                RunStep<float>(c, path, 1, accumulate, context, offset);
                                RunStep<double>(c, path, 1, accumulate, context, offset);
                            }
                        }
                        RunStep<float>(c, KernelPath.Auto, 2, accumulate: false, $"non-temporal offset {offset} two threads", offset);
                        RunStep<double>(c, KernelPath.Auto, 2, accumulate: false, $"non-temporal offset {offset} two threads", offset);
                    }
                }
                for (int seed = 0; seed < 40; seed++)
                {
                    var step = RandomStep(new Random(5000 + seed));
                    foreach (KernelPath path in new[] { KernelPath.Vector512, KernelPath.Vector256, KernelPath.Scalar })
                    {
                        RunStep<float>(step, path, 1, accumulate: false, $"non-temporal seed {seed} {path}");
                        RunStep<double>(step, path, 2, accumulate: false, $"non-temporal seed {seed} {path}");
                    }
                }
            }
            finally
            {
                KernelOptions.Current.StreamNonTemporalBytes = new KernelOptions().StreamNonTemporalBytes;
            }
        }

        [Fact]
        public void StepsWithAnEmptyDimensionWriteZerosOrNothing()
        {
            // An empty summed dimension leaves zeros (or the accumulated values); an empty kept one writes nothing.
            var cases = new[]
            {
                new StepCase(new long[] { 5, 0 }, new long[] { 0, 5 }, new long[] { 0, 0 }, new long[] { 1, 0 }, 1, false),
                new StepCase(new long[] { 0, 5 }, new long[] { 5, 1 }, new long[] { 0, 0 }, new long[] { 1, 0 }, 1, false),
                new StepCase(new long[] { 4, 0, 6 }, new long[] { 1, 4, 4 }, new long[] { 0, 0, 0 }, new long[] { 6, 0, 1 }, 1, false),
            };
            foreach (var c in cases)
            {
                foreach (bool accumulate in new[] { false, true })
                {
                    RunStep<float>(c, KernelPath.Vector512, 1, accumulate, $"empty accumulate {accumulate}");
                    RunStep<double>(c, KernelPath.Auto, 2, accumulate, $"empty accumulate {accumulate}");
                }
            }
        }

        [Fact]
        public void TheDispatcherStreamsMemoryBoundStepsAndNotGemms()
        {
            var limits = KernelContext.Vector512.Dispatch;
            KernelChoice Dense(string left, string? right, string result, string summed, int n) =>
                KernelDispatch.ChooseDense(left, right, result, summed, _ => n, sizeof(float));
            Assert.Equal(DispatchedKernel.Stream, Dense("nm", null, "m", "n", 4096).Kernel);
            Assert.Equal(DispatchedKernel.Stream, Dense("nm", null, "mn", "", 4096).Kernel);
            Assert.Equal(DispatchedKernel.Stream, Dense("n", "nm", "m", "n", 4096).Kernel);
            Assert.Equal(DispatchedKernel.Stream, Dense("mn", "n", "m", "n", 4096).Kernel);
            Assert.Equal(DispatchedKernel.Stream, Dense("n", "m", "nm", "", 4096).Kernel);
            Assert.Equal(DispatchedKernel.Stream, Dense("ij", "j", "ij", "", 4096).Kernel);
            Assert.Equal(DispatchedKernel.Packed, Dense("mk", "kn", "mn", "k", 1024).Kernel);
            // Small steps without reuse stay in cache on the direct loops.
            Assert.NotEqual(DispatchedKernel.Stream, Dense("n", "nm", "m", "n", 16).Kernel);
            Assert.Equal("streaming", KernelDispatch.Name(Dense("nm", null, "m", "n", 4096)));
            var split = KernelDispatch.ChooseStep(new long[] { 4096, 4096 }, new long[] { 1, 4096 }, new long[] { 0, 0 }, new long[] { 1, 0 }, 1,
                hasSecond: false, accumulate: false, laneBlock: false, sizeof(float), 64, false, threads: 2, limits);
            Assert.Equal((DispatchedKernel.Stream, DispatchedSplit.M), (split.Kernel, split.Split));
        }

        /// <summary>A step: sizes, each tensor's strides, the kept count, whether it has a second factor.</summary>
        public sealed record StepCase(long[] Sizes, long[] First, long[] Second, long[] Result, int Kept, bool HasSecond);

        /// <summary>
        /// Runs a step on the kernel against <see cref="NaiveStep"/>; <paramref name="offset"/> elements before each tensor
        /// (a view into a larger buffer) move its runs against cache lines.
        /// </summary>
        private static void RunStep<T>(StepCase s, KernelPath path, int threads, bool accumulate, string context, int offset = 0)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var rng = new Random(7);
            T[] a = Values<T>(Extent(s.Sizes, s.First) + offset, rng), b = Values<T>(Extent(s.Sizes, s.Second) + offset, rng);
            int rLength = Extent(s.Sizes, s.Result) + offset;
            T[] r = Values<T>(rLength, rng);
            double[] expected = r.Select(v => accumulate ? double.CreateChecked(v) : 0.0).ToArray();
            bool[] written = new bool[rLength];
            NaiveStep(s, a, b, expected, written, offset);
            if (!accumulate)
            {
                // Elements the step does not write (a padded result) keep their values.
                for (int i = 0; i < rLength; i++) if (!written[i]) expected[i] = double.CreateChecked(r[i]);
            }
            using (TestRegions.Read(a, b).AndWrite(r))
            {
                StreamKernel.Run(s.Kept, N(s.Sizes), ref a[offset], N(s.First), ref b[offset], N(s.Second), s.HasSecond, ref r[offset], N(s.Result), accumulate,
                    onlyIfTaken: false, path, threads);
            }
            long terms = 1;
            for (int d = s.Kept; d < s.Sizes.Length; d++) terms *= s.Sizes[d];
            double eps = typeof(T) == typeof(float) ? 1.2e-7 : 2.3e-16;
            for (int i = 0; i < rLength; i++)
            {
                double tol = 4 * eps * Math.Max(1, terms + 1) * Math.Max(1, Math.Abs(expected[i]));
                Assert.True(Math.Abs(expected[i] - double.CreateChecked(r[i])) <= tol,
                    $"{context} ({typeof(T).Name}) sizes [{string.Join(",", s.Sizes)}] kept {s.Kept}: element {i} is {r[i]}, expected {expected[i]}");
            }
        }

        /// <summary>The step by definition, in double: every index tuple adds its product into its result element.</summary>
        private static void NaiveStep<T>(StepCase s, T[] a, T[] b, double[] result, bool[] written, int offset) where T : unmanaged, INumberBase<T>
        {
            int rank = s.Sizes.Length;
            if (s.Sizes.Take(s.Kept).Any(size => size == 0)) return;
            var index = new long[rank];
            // The result elements the step writes (the others, in a padded result, keep their values).
            foreach (var _ in Odometer(s.Sizes.Take(s.Kept).ToArray(), index))
            {
                long o = offset;
                for (int d = 0; d < s.Kept; d++) o += index[d] * s.Result[d];
                written[o] = true;
            }
            if (s.Sizes.Any(size => size == 0)) return;
            index = new long[rank];
            foreach (var _ in Odometer(s.Sizes, index))
            {
                long oa = offset, ob = offset, or = offset;
                for (int d = 0; d < rank; d++)
                {
                    oa += index[d] * s.First[d];
                    ob += index[d] * s.Second[d];
                    if (d < s.Kept) or += index[d] * s.Result[d];
                }
                double v = double.CreateChecked(a[oa]) * (s.HasSecond ? double.CreateChecked(b[ob]) : 1.0);
                result[or] += v;
            }
        }

        private static IEnumerable<int> Odometer(long[] sizes, long[] index)
        {
            Array.Clear(index);
            if (sizes.Any(size => size == 0)) yield break;
            while (true)
            {
                yield return 0;
                int d = sizes.Length - 1;
                for (; d >= 0; d--)
                {
                    if (++index[d] < sizes[d]) break;
                    index[d] = 0;
                }
                if (d < 0) yield break;
            }
        }

        /// <summary>
        /// A random step: rank 1 to 5, sizes from 1 to past a tile, kept and summed dimensions, each tensor laid out densely
        /// in a random order, sometimes padded, sometimes broadcast along a dimension, sometimes on a diagonal (two dimensions
        /// sharing a stride sum), with or without a second factor.
        /// </summary>
        private static StepCase RandomStep(Random rng)
        {
            long[] pool = { 1, 2, 3, 5, 8, 16, 17, 31, 33, 64, 70 };
            int rank = rng.Next(1, 6), kept = rng.Next(0, rank + 1);
            var sizes = new long[rank];
            double product = 1;
            for (int d = 0; d < rank; d++)
            {
                sizes[d] = pool[rng.Next(pool.Length)];
                if (product * sizes[d] > 20_000) sizes[d] = 1;
                product *= sizes[d];
            }
            bool hasSecond = rng.Next(3) > 0;
            var inFirst = Enumerable.Range(0, rank).Select(_ => rng.Next(5) > 0).ToArray();
            var inSecond = Enumerable.Range(0, rank).Select(_ => rng.Next(3) > 0).ToArray();
            var inResult = Enumerable.Range(0, rank).Select(d => d < kept).ToArray();
            var first = Layout(sizes, inFirst, rng, diagonal: rng.Next(4) == 0);
            var second = hasSecond ? Layout(sizes, inSecond, rng, diagonal: false) : new long[rank];
            var result = Layout(sizes, inResult, rng, diagonal: false);
            return new StepCase(sizes, first, second, result, kept, hasSecond);
        }

        private static long[] Layout(long[] sizes, bool[] holds, Random rng, bool diagonal)
        {
            var strides = new long[sizes.Length];
            long stride = rng.Next(4) == 0 ? 2 : 1;
            int previous = -1;
            foreach (int d in Enumerable.Range(0, sizes.Length).Where(d => holds[d]).OrderBy(_ => rng.Next()))
            {
                if (diagonal && previous >= 0 && sizes[previous] == sizes[d])
                {
                    // Two dimensions walk the same diagonal: strides add, as a repeated label's do.
                    strides[d] = strides[previous];
                    continue;
                }
                strides[d] = stride;
                stride *= sizes[d] + (rng.Next(5) == 0 ? 1 : 0);
                previous = d;
            }
            return strides;
        }

        private static int Extent(long[] sizes, long[] strides)
        {
            long extent = 1;
            for (int d = 0; d < sizes.Length; d++) extent += Math.Max(sizes[d] - 1, 0) * strides[d];
            return checked((int)extent);
        }

        private static T[] Values<T>(int length, Random rng) where T : INumberBase<T> =>
            Enumerable.Range(0, length).Select(_ => T.CreateChecked(rng.NextDouble() * 2 - 1)).ToArray();

        private static nint[] N(long[] values) => values.Select(v => (nint)v).ToArray();

        private static void AssertSpec<T>(string spec, int[] sizes) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var x = Operands<T>(spec, sizes, 3);
            var expected = Einsum.EvaluateNaive(spec, x);
            var actual = Einsum.Evaluate(spec, x);
            TestData.AssertClose(expected, actual, Terms(spec, sizes), $"{spec} [{string.Join(",", sizes)}] {typeof(T).Name}");
        }

        /// <summary>Operands of a spec: the i-th distinct label gets sizes[i mod count].</summary>
        private static Tensor<T>[] Operands<T>(string spec, int[] sizes, int seed) where T : INumberBase<T>
        {
            var (inputs, _) = Split(spec);
            var labels = LabelSizes(spec, sizes);
            return inputs.Select((term, i) => TestData.Random<T>(term.Select(c => labels[c]).ToArray(), seed + i)).ToArray();
        }

        private static Dictionary<char, int> LabelSizes(string spec, int[] sizes)
        {
            var labels = new Dictionary<char, int>();
            foreach (char c in spec.Where(char.IsLetter))
                if (!labels.ContainsKey(c)) labels[c] = sizes[labels.Count % sizes.Length];
            return labels;
        }

        private static (string[] Inputs, string Output) Split(string spec)
        {
            var parts = spec.Split("->");
            return (parts[0].Split(','), parts[1]);
        }

        /// <summary>Products summed into each result element: the product of the summed labels' sizes.</summary>
        private static long Terms(string spec, int[] sizes)
        {
            var (inputs, output) = Split(spec);
            var labels = LabelSizes(spec, sizes);
            return labels.Where(kv => !output.Contains(kv.Key)).Aggregate(1L, (p, kv) => p * kv.Value) * 2;
        }

        /// <summary>The gradient of Σ ȳ ⊙ einsum(x) with respect to x_i, by the oracle, diagonal labels handled by hand.</summary>
        private static Tensor<double> GradientByOracle(string[] inputs, string output, int i, Tensor<double>[] x, Tensor<double> gy)
        {
            string target = inputs[i];
            string distinct = new string(target.Distinct().ToArray());
            var others = inputs.Where((_, j) => j != i).ToList();
            var operands = new[] { gy }.Concat(x.Where((_, j) => j != i)).ToList();
            foreach (char c in distinct.Where(c => !output.Contains(c) && !others.Any(o => o.Contains(c))))
            {
                // A label only x_i has, summed in the forward pass: its gradient broadcasts along it (a factor of ones).
                int length = (int)x[i].Lengths[target.IndexOf(c)];
                others.Add(c.ToString());
                var ones = Tensor.CreateFromShape<double>(new nint[] { length });
                ones.Fill(1.0);
                operands.Add(ones);
            }
            var spec = string.Join(",", new[] { output }.Concat(others)) + "->" + distinct;
            var onDistinct = Einsum.EvaluateNaive(spec, operands.ToArray());
            if (distinct.Length == target.Length) return onDistinct;
            // A repeated label: the gradient lives on the diagonal, zero elsewhere.
            var lengths = x[i].Lengths.ToArray();
            var gradient = Tensor.CreateFromShape<double>(lengths);
            var index = new long[target.Length];
            foreach (var _ in Odometer(lengths.Select(l => (long)l).ToArray(), index))
            {
                var at = new Dictionary<char, long>();
                bool diagonal = true;
                for (int d = 0; d < target.Length; d++)
                {
                    if (at.TryGetValue(target[d], out long v) && v != index[d]) diagonal = false;
                    at[target[d]] = index[d];
                }
                if (!diagonal) continue;
                gradient[index.Select(v => (nint)v).ToArray()] = onDistinct[distinct.Select(c => (nint)at[c]).ToArray()];
            }
            return gradient;
        }
    }
}
