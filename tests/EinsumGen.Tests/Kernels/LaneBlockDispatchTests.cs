using System;
using System.Collections.Generic;
using System.Linq;
using EinsumGen.Dispatch;
using EinsumGen.Runtime.Kernels;
using Xunit;

namespace EinsumGen.Tests.Kernels
{
    /// <summary>
    /// The lane-block tier's pure decision (<see cref="LaneBlockDispatch"/>, which the generator's remarks read) and the
    /// runtime's <see cref="LaneBlockPlan"/> agree on whether the tier takes a step and which tensor holds the block, on
    /// every vector width and element size: the tensor train's steps and their gradients, and random steps with permuted,
    /// padded, broadcast and reversed strides.
    /// </summary>
    public class LaneBlockDispatchTests
    {
        /// <summary>A pairwise step: sizes per dimension, each tensor's strides (0 where it lacks the label), the kept count.</summary>
        public sealed record Step(string Name, long[] Sizes, long[] First, long[] Second, long[] Result, int Kept)
        {
            public override string ToString() => Name;
        }

        private static readonly KernelPath[] Paths = { KernelPath.Vector512, KernelPath.Vector256, KernelPath.Vector128, KernelPath.Scalar };

        public static IEnumerable<object[]> Steps() => Named().Concat(Random(200)).Select(s => new object[] { s });

        [Theory]
        [MemberData(nameof(Steps))]
        public void ThePlanTakesThePureDecision(Step s)
        {
            foreach (var path in Paths)
            {
                foreach (int elementSize in new[] { sizeof(float), sizeof(double) })
                {
                    var plan = new LaneBlockPlan().Fill(s.Kept, N(s.Sizes), N(s.First), N(s.Second), N(s.Result), elementSize, path);
                    var limits = KernelContext.For(path).Dispatch;
                    int vectorBytes = LaneBlockPlan.LanesOf(path, 1);
                    var choice = LaneBlockDispatch.Choose(s.Sizes, s.First, s.Second, s.Result, s.Sizes.Length, s.Kept, elementSize, vectorBytes, limits);
                    string where = $"{s} on {path}, {elementSize}-byte elements";
                    Assert.True(plan.Applies == choice.Applies, where);
                    Assert.Equal(choice.Applies, LaneBlockDispatch.Applies(s.Sizes, s.First, s.Second, s.Result, s.Kept, elementSize, vectorBytes, limits));
                    if (choice.Applies) Assert.True(plan.BlockIn == choice.BlockIn, where);
                }
            }
        }

        [Fact]
        public void TheStepsReachEveryHolderAndTheGemmKernel()
        {
            // So that the agreement above is not vacuous: on Vector512 of float the steps take the tier with the block in
            // each tensor, and leave others to the GEMM kernel.
            var limits = KernelContext.Vector512.Dispatch;
            var choices = Named().Concat(Random(200))
                .Select(s => LaneBlockDispatch.Choose(s.Sizes, s.First, s.Second, s.Result, s.Sizes.Length, s.Kept, sizeof(float), 64, limits))
                .ToList();
            Assert.Contains(choices, c => !c.Applies);
            foreach (var holder in Enum.GetValues<LaneBlockHolder>()) Assert.Contains(choices, c => c.Applies && c.BlockIn == holder);
        }

        [Fact]
        public void TheTensorTrainsStepIsNamedOnTheLaneBlockTier()
        {
            // t3[a,b,c,d,e,f,g,h] = Σ_j t1[j,a,b,e,f]·t2[j,c,d,g,h], dense, as the layer's remarks plan it.
            var size = new Dictionary<char, long> { ['a'] = 8, ['b'] = 8, ['c'] = 8, ['d'] = 8, ['e'] = 2, ['f'] = 2, ['g'] = 2, ['h'] = 2, ['j'] = 8 };
            var choice = KernelDispatch.ChooseDense("jabef", "jcdgh", "abcdefgh", "j", c => size[c], sizeof(float));
            Assert.Equal("lane blocks", KernelDispatch.Name(choice));
        }

        /// <summary>
        /// The tensor train's third step and its gradients (block in the result, the first and the second operand), a
        /// batch label, a block of four labels of two, x summed in one operand only, and steps the tier leaves alone.
        /// </summary>
        private static IEnumerable<Step> Named()
        {
            const string train = "j=8,a=8,b=8,c=8,d=8,e=2,f=2,g=2,h=2", small = "j=3,a=5,b=4,c=6,d=5,e=2,f=2,g=2,h=2";
            foreach (string sizes in new[] { train, small })
            {
                yield return FromSpec("jabef,jcdgh->abcdefgh", sizes);
                yield return FromSpec("abcdefgh,jcdgh->jabef", sizes);
                yield return FromSpec("abcdefgh,jabef->jcdgh", sizes);
                yield return FromSpec("jcdgh,abcdefgh->jabef", sizes);
            }
            yield return FromSpec("zjaef,zjcgh->zacefgh", "z=2,j=4,a=16,c=20,e=2,f=2,g=2,h=2");
            yield return FromSpec("kme,kng->mneg", "k=5,m=20,n=24,e=4,g=4");
            yield return FromSpec("kme,kng->mneg", "k=5,m=20,n=24,e=2,g=2");
            yield return FromSpec("kmex,kn->mne", "k=5,m=20,n=24,e=4,x=4");
            yield return FromSpec("mk,kn->mn", "m=64,k=64,n=64");
            yield return FromSpec("abcdefgh,nabcd->nefgh", "n=32,a=4,b=4,c=4,d=4,e=2,f=2,g=2,h=2");
            yield return FromSpec("jabef,jcdgh->abcdefgh", "j=1,a=2,b=2,c=2,d=2,e=2,f=2,g=2,h=2");
            yield return FromSpec("aei,bfij->jabef", "a=8,b=8,e=2,f=2,i=8,j=8");
        }

        /// <summary>A step of a two-operand spec over dense row-major tensors: the result's labels first, then the summed ones.</summary>
        private static Step FromSpec(string spec, string sizeText)
        {
            var size = sizeText.Split(',').ToDictionary(p => p[0], p => long.Parse(p[2..]));
            var parts = spec.Split("->");
            var operands = parts[0].Split(',');
            string labels = new string(parts[1].Concat(parts[0].Where(char.IsLetter)).Distinct().ToArray());
            long[] Strides(string own) => labels.Select(l => KernelDispatch.RowMajorStride(own, l, c => size[c])).ToArray();
            return new Step($"{spec} ({sizeText})", labels.Select(l => size[l]).ToArray(), Strides(operands[0]), Strides(operands[1]),
                Strides(parts[1]), parts[1].Length);
        }

        /// <summary>
        /// Random steps, rich in labels of two and four so that blocks form: each tensor in a random order, sometimes
        /// padded, starting at stride 2, or reversed along a label; summed labels sometimes in one operand only.
        /// </summary>
        private static IEnumerable<Step> Random(int count)
        {
            var rng = new Random(20250314);
            long[] pool = { 1, 2, 2, 2, 3, 4, 4, 5, 8, 16, 32, 64 };
            for (int i = 0; i < count; i++)
            {
                int rank = rng.Next(2, 9), kept = rng.Next(1, rank);
                var sizes = new long[rank];
                var holds = new[] { new bool[rank], new bool[rank], new bool[rank] };
                for (int d = 0; d < rank; d++)
                {
                    sizes[d] = pool[rng.Next(pool.Length)];
                    int kind = rng.Next(3);
                    holds[0][d] = kind != 1 || (d >= kept && rng.Next(4) == 0);
                    holds[1][d] = kind != 0;
                    holds[2][d] = d < kept;
                }
                var strides = new long[3][];
                for (int t = 0; t < 3; t++)
                {
                    strides[t] = new long[rank];
                    long stride = rng.Next(6) == 0 ? 2 : 1;
                    foreach (int d in Enumerable.Range(0, rank).Where(d => holds[t][d]).OrderBy(_ => rng.Next()))
                    {
                        strides[t][d] = rng.Next(10) == 0 ? -stride : stride;
                        stride *= sizes[d] + (rng.Next(5) == 0 ? 1 : 0);
                    }
                }
                yield return new Step($"random {i}: [{string.Join(",", sizes)}] kept {kept}", sizes, strides[0], strides[1], strides[2], kept);
            }
        }

        private static nint[] N(long[] values) => values.Select(v => (nint)v).ToArray();
    }
}
