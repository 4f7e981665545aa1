using System;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using EinsumGen.Runtime;
using EinsumGen.Runtime.Kernels;
using Xunit;

namespace EinsumGen.Tests.Kernels
{
    /// <summary>
    /// The lane-block tier against the naive oracle, on every vector width whatever the hardware (a width it lacks still
    /// computes, slowly): the tensor train's third step and its two gradients (block in the result, in the first and in
    /// the second operand, with summed lanes added up), rows left over by the register tile, batch labels, a label summed
    /// in one operand only, padded views; and the planner's choices (where the GEMM kernel keeps a step).
    /// </summary>
    public class LaneBlockKernelTests
    {
        private const string Train = "j=3,a=5,b=4,c=6,d=5,e=2,f=2,g=2,h=2";
        // Rows of C one more than a multiple of the three-row tile (a·b = 10 for W and ∂t1, c·d = 10 for ∂t2), columns not a
        // multiple of a panel's eight (c·d = 44 for W, j = 5 for the gradients).
        private const string Ragged = "j=5,a=5,b=2,c=11,d=4,e=2,f=2,g=2,h=2";
        private const string RaggedCd = "j=5,a=11,b=4,c=5,d=2,e=2,f=2,g=2,h=2";

        [Theory]
        // The tensor train's W = t1·t2 (block e,f,g,h in the result), ∂t1 and ∂t2 (block in ∂W, g,h or e,f summed).
        [InlineData("jabef,jcdgh->abcdefgh", Train, 64, false)]
        [InlineData("jabef,jcdgh->abcdefgh", Train, 32, true)]
        [InlineData("abcdefgh,jcdgh->jabef", Train, 64, true)]
        [InlineData("abcdefgh,jcdgh->jabef", Train, 32, false)]
        [InlineData("abcdefgh,jabef->jcdgh", Train, 64, false)]
        [InlineData("abcdefgh,jabef->jcdgh", Train, 32, true)]
        // Ragged: rows left over by the three-row tile, columns by the eight-column panel.
        [InlineData("jabef,jcdgh->abcdefgh", Ragged, 64, false)]
        [InlineData("jabef,jcdgh->abcdefgh", Ragged, 64, true)]
        [InlineData("abcdefgh,jcdgh->jabef", Ragged, 64, false)]
        [InlineData("abcdefgh,jabef->jcdgh", RaggedCd, 64, true)]
        [InlineData("abcdefgh,jabef->jcdgh", RaggedCd, 32, false)]
        // The block in the second operand.
        [InlineData("jcdgh,abcdefgh->jabef", Train, 64, true)]
        // A batch label; two labels of four; a block of two labels of two (Vector128 of float).
        [InlineData("zjaef,zjcgh->zacefgh", "z=2,j=4,a=16,c=20,e=2,f=2,g=2,h=2", 64, false)]
        [InlineData("kme,kng->mneg", "k=5,m=20,n=24,e=4,g=4", 64, true)]
        [InlineData("kme,kng->mneg", "k=5,m=20,n=24,e=2,g=2", 16, false)]
        // x summed in the first operand only (the second broadcast along it).
        [InlineData("kmex,kn->mne", "k=5,m=20,n=24,e=4,x=4", 64, true)]
        public void MatchesOracle(string spec, string sizes, int vectorBytes, bool padded)
        {
            var path = vectorBytes switch { 64 => KernelPath.Vector512, 32 => KernelPath.Vector256, _ => KernelPath.Vector128 };
            Check<float>(spec, sizes, path, padded);
            // Double has half the lanes: the same step planned with a block of half the width, where there is one.
            Check<double>(spec, sizes, path, padded, mustApply: false);
        }

        [Theory]
        // Plain GEMMs and the tensor train's large steps: a unit-stride group as long as a vector already.
        [InlineData("mk,kn->mn", "m=64,k=64,n=64")]
        [InlineData("abcdefgh,nabcd->nefgh", "n=32,a=4,b=4,c=4,d=4,e=2,f=2,g=2,h=2")]
        [InlineData("nabcd,nefgh->abcdefgh", "n=32,a=4,b=4,c=4,d=4,e=2,f=2,g=2,h=2")]
        // Too little reuse of the expanded operand (K = 1), and summed lanes reduced after one multiply-add each.
        [InlineData("jabef,jcdgh->abcdefgh", "j=1,a=2,b=2,c=2,d=2,e=2,f=2,g=2,h=2")]
        [InlineData("aei,bfij->jabef", "a=8,b=8,e=2,f=2,i=8,j=8")]
        public void LeavesOtherStepsToTheGemmKernel(string spec, string sizes)
        {
            var step = Step.Create<float>(spec, sizes, padded: false);
            var plan = new LaneBlockPlan().Fill(step.Kept, step.Sizes, step.Strides[0], step.Strides[1], step.Strides[2], sizeof(float), KernelPath.Vector512);
            Assert.False(plan.Applies, spec);
        }

        [Theory]
        // Large enough to be split over the cores: by rows of C, and by batch entries.
        [InlineData("jabef,jcdgh->abcdefgh", "j=8,a=16,b=8,c=8,d=8,e=2,f=2,g=2,h=2")]
        [InlineData("zjaef,zjcgh->zacefgh", "z=16,j=8,a=16,c=20,e=2,f=2,g=2,h=2")]
        public void SplitOverTheCoresMatchesOracle(string spec, string sizes)
        {
            // xunit runs tests on pool threads, which never split a call: run this one on a thread of its own.
            Exception? failure = null;
            var thread = new System.Threading.Thread(() =>
            {
                try
                {
                    Check<float>(spec, sizes, KernelPath.Vector512, padded: true);
                    Check<double>(spec, sizes, KernelPath.Vector512, padded: false);
                }
                catch (Exception e) { failure = e; }
            });
            thread.Start();
            thread.Join();
            if (failure is not null) throw new Xunit.Sdk.XunitException(failure.Message);
        }

        [Theory]
        // ∂t1 (g,h summed: each group four neighbouring lanes) and ∂t2 (e,f summed: groups a quarter-vector apart), at the
        // seed's shape and ragged, on both vector widths; the reduction the 512-bit float steps must take.
        [InlineData("abcdefgh,jcdgh->jabef", Train, 64, false, "PairsInLane")]
        [InlineData("abcdefgh,jcdgh->jabef", Ragged, 64, true, "PairsInLane")]
        [InlineData("abcdefgh,jcdgh->jabef", Train, 32, false, null)]
        [InlineData("jcdgh,abcdefgh->jabef", Train, 64, true, "PairsInLane")]
        [InlineData("abcdefgh,jabef->jcdgh", Train, 64, false, "FoldHalves")]
        [InlineData("abcdefgh,jabef->jcdgh", RaggedCd, 64, true, "FoldHalves")]
        [InlineData("abcdefgh,jabef->jcdgh", RaggedCd, 32, false, null)]
        // A block of two labels of four, one summed; x summed in the first operand only.
        [InlineData("kme,kng->mneg", "k=5,m=20,n=24,e=4,g=4", 64, false, null)]
        [InlineData("kmex,kn->mne", "k=5,m=20,n=24,e=4,x=4", 64, true, null)]
        public void FastReductionsGiveTheShuffleReductionsBits(string spec, string sizes, int vectorBytes, bool padded, string? floatReduction)
        {
            var path = vectorBytes switch { 64 => KernelPath.Vector512, 32 => KernelPath.Vector256, _ => KernelPath.Vector128 };
            SameBits<float>(spec, sizes, path, padded, floatReduction);
            SameBits<double>(spec, sizes, path, padded, null);
        }

        private static void SameBits<T>(string spec, string sizes, KernelPath path, bool padded, string? reduction)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var step = Step.Create<T>(spec, sizes, padded);
            var plan = new LaneBlockPlan().Fill(step.Kept, step.Sizes, step.Strides[0], step.Strides[1], step.Strides[2], Unsafe.SizeOf<T>(), path);
            if (!plan.Applies)
            {
                Assert.Null(reduction);
                return;
            }
            if (reduction != null) Assert.Equal(reduction, LaneBlockKernel.ReductionFor<T>(plan));
            var results = new T[2][];
            for (int run = 0; run < 2; run++)
            {
                LaneBlockKernel.FastReductions = run == 0;
                try
                {
                    Array.Fill(step.Buffers[2], T.NaN);
                    using (TestRegions.Read(step.Buffers[0], step.Buffers[1]).AndWrite(step.Buffers[2]))
                        LaneBlockKernel.Run(plan, ref step.Buffers[0][step.Starts[0]], ref step.Buffers[1][step.Starts[1]], ref step.Buffers[2][step.Starts[2]]);
                }
                finally
                {
                    LaneBlockKernel.FastReductions = true;
                }
                results[run] = (T[])step.Buffers[2].Clone();
            }
            var expected = Einsum.EvaluateNaive(spec, step.View(0), step.View(1));
            TestData.AssertClose(expected, step.View(2), step.Terms, $"{spec} {sizes} {typeof(T).Name} {path} padded={padded}");
            for (int i = 0; i < results[0].Length; i++)
            {
                // Bits, NaN included (padding the kernel must not write stays NaN in both).
                Assert.True(BitEquals(results[0][i], results[1][i]), $"{spec} {typeof(T).Name} {path}: element {i} differs");
            }
        }

        private static bool BitEquals<T>(T a, T b) where T : unmanaged =>
            Unsafe.SizeOf<T>() == 4 ? Unsafe.As<T, int>(ref a) == Unsafe.As<T, int>(ref b) : Unsafe.As<T, long>(ref a) == Unsafe.As<T, long>(ref b);

        [Fact]
        public void ScalarPathNeverApplies()
        {
            var step = Step.Create<float>("jabef,jcdgh->abcdefgh", Train, padded: false);
            var plan = new LaneBlockPlan().Fill(step.Kept, step.Sizes, step.Strides[0], step.Strides[1], step.Strides[2], sizeof(float), KernelPath.Scalar);
            Assert.False(plan.Applies);
        }

        private static void Check<T>(string spec, string sizes, KernelPath path, bool padded, bool mustApply = true)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var step = Step.Create<T>(spec, sizes, padded);
            var plan = new LaneBlockPlan().Fill(step.Kept, step.Sizes, step.Strides[0], step.Strides[1], step.Strides[2], Unsafe.SizeOf<T>(), path);
            if (!plan.Applies)
            {
                Assert.False(mustApply, $"{spec} ({typeof(T).Name}, {path}) should run on the lane-block tier");
                return;
            }
            using (TestRegions.Read(step.Buffers[0], step.Buffers[1]).AndWrite(step.Buffers[2]))
                LaneBlockKernel.Run(plan, ref step.Buffers[0][step.Starts[0]], ref step.Buffers[1][step.Starts[1]], ref step.Buffers[2][step.Starts[2]]);
            var expected = Einsum.EvaluateNaive(spec, step.View(0), step.View(1));
            TestData.AssertClose(expected, step.View(2), step.Terms, $"{spec} {sizes} {typeof(T).Name} {path} padded={padded}");
        }

        /// <summary>
        /// A pairwise step as the runtime's calls describe it: the result's labels first (kept), then the summed ones, each
        /// with its size and its stride in both operands and the result (0 where a tensor lacks it); buffers filled at random
        /// (the result with NaN), optionally padded along their outer labels and starting a few elements in.
        /// </summary>
        private sealed class Step<T> where T : unmanaged, IFloatingPointIeee754<T>
        {
            public int Kept;
            public nint[] Sizes = Array.Empty<nint>();
            public nint[][] Strides = new nint[3][];
            public T[][] Buffers = new T[3][];
            public int[] Starts = new int[3];
            public nint[][] Shapes = new nint[3][], TensorStrides = new nint[3][];
            public long Terms;

            public Tensor<T> View(int tensor) => Tensor.Create(Buffers[tensor], Starts[tensor], Shapes[tensor], TensorStrides[tensor]);
        }

        private static class Step
        {
            public static Step<T> Create<T>(string spec, string sizeText, bool padded) where T : unmanaged, IFloatingPointIeee754<T>
            {
                var size = sizeText.Split(',').ToDictionary(p => p[0], p => (nint)int.Parse(p[2..]));
                var parts = spec.Split("->");
                var operands = parts[0].Split(',');
                string[] tensors = { operands[0], operands[1], parts[1] };
                string labels = new string(parts[1].Concat(parts[0].Where(char.IsLetter)).Distinct().ToArray());
                var step = new Step<T> { Kept = parts[1].Length, Sizes = labels.Select(l => size[l]).ToArray() };
                step.Terms = labels.Skip(step.Kept).Aggregate(1L, (p, l) => p * size[l]);
                var rng = new Random(spec.Length * 31 + sizeText.Length);
                for (int t = 0; t < 3; t++)
                {
                    string own = tensors[t];
                    // Row-major strides; padding grows the extent of the second label, so the first one's stride gains.
                    var strides = new nint[own.Length];
                    nint stride = 1;
                    for (int i = own.Length - 1; i >= 0; i--)
                    {
                        strides[i] = stride;
                        stride *= size[own[i]] + (padded && i == 1 && own.Length > 2 ? 3 : 0);
                    }
                    step.Starts[t] = padded ? 5 : 0;
                    step.Buffers[t] = new T[step.Starts[t] + stride * size[own[0]]];
                    for (int i = 0; i < step.Buffers[t].Length; i++)
                        step.Buffers[t][i] = t == 2 ? T.NaN : T.CreateChecked(rng.NextDouble() * 2 - 1);
                    step.Shapes[t] = own.Select(l => size[l]).ToArray();
                    step.TensorStrides[t] = strides;
                    step.Strides[t] = labels.Select(l => own.IndexOf(l) is var i and >= 0 ? strides[i] : 0).ToArray();
                }
                return step;
            }
        }
    }
}
