using System;
using System.Collections.Generic;
using System.Linq;
using EinsumGen.Planning;
using Xunit;

namespace EinsumGen.Tests.Planning
{
    public class ContractionPlannerTests
    {
        private const string TensorTrain = "aei,bfij,cgjk,dhk,nabcd->nefgh";

        private static Dictionary<char, long> TensorTrainSizes()
        {
            var sizes = new Dictionary<char, long>();
            foreach (char c in "abcdijk") sizes[c] = 8;
            foreach (char c in "efgh") sizes[c] = 2;
            sizes['n'] = 256;
            return sizes;
        }

        [Fact]
        public void TensorTrainLayerPlansToTheIssueCost()
        {
            var sizes = TensorTrainSizes();
            PlanningTestUtil.Split(TensorTrain, out var inputs, out string output);
            var path = ContractionPlanner.Plan(inputs, output, sizes);
            PlanningTestUtil.CheckInvariants(inputs, output, sizes, path);
            Assert.Equal(34_668_544, path.TotalFlops);
            Assert.Equal(42_949_672_960, path.NaiveFlops);
            Assert.Equal("optimal", path.Strategy);
            Assert.All(path.Steps, s => Assert.Equal(EinsumStepKind.Gemm, s.Kind));
        }

        [Fact]
        public void LeftToRightIsTheNaiveChainOrder()
        {
            var sizes = TensorTrainSizes();
            PlanningTestUtil.Split(TensorTrain, out var inputs, out string output);
            var path = ContractionPlanner.Plan(inputs, output, sizes, new PlannerOptions { Strategy = PlanStrategy.LeftToRight });
            PlanningTestUtil.CheckInvariants(inputs, output, sizes, path);
            Assert.Equal(new[] { 0, 5, 6, 7 }, path.Steps.Select(s => s.Left));
            Assert.Equal(new[] { 1, 2, 3, 4 }, path.Steps.Select(s => s.Right));
            Assert.True(path.TotalFlops > 34_668_544);
        }

        [Theory]
        [InlineData("ij->ji", "ji", "Transpose", 12L)]
        [InlineData("ij->i", "i", "Reduction", 24L)]
        [InlineData("ij->ij", "ij", "Elementwise", 12L)]
        [InlineData("ij->", "", "Reduction", 24L)]
        public void SingleOperandIsOneUnaryStep(string spec, string result, string kind, long flops)
        {
            var sizes = new Dictionary<char, long> { ['i'] = 3, ['j'] = 4 };
            var path = PlanningTestUtil.Plan(spec, sizes);
            var step = Assert.Single(path.Steps);
            Assert.Equal(0, step.Left);
            Assert.Equal(-1, step.Right);
            Assert.Equal(result, step.ResultLabels);
            Assert.Equal(kind, step.Kind.ToString());
            Assert.Equal(flops, step.Flops);
            Assert.Equal(flops, path.TotalFlops);
        }

        [Theory]
        [InlineData("ij,jk->ik", "Gemm")]
        [InlineData("bij,bjk->bik", "Batched")]
        [InlineData("ij,ij->ij", "Elementwise")]
        [InlineData("i,j->ij", "OuterProduct")]
        [InlineData("i,i->", "Gemm")]
        public void PairwiseKinds(string spec, string kind)
        {
            var path = PlanningTestUtil.Plan(spec, PlanningTestUtil.Uniform(spec, 3));
            Assert.Equal(kind, Assert.Single(path.Steps).Kind.ToString());
        }

        [Fact]
        public void IntermediatesAreLaidOutForTheirReader_BatchThenSummedThenFree()
        {
            var sizes = PlanningTestUtil.Uniform("bijklm", 4);
            var path = ContractionPlanner.Plan(new[] { "ibj", "jkb", "kbl" }, "bil", sizes, new PlannerOptions { Strategy = PlanStrategy.LeftToRight });
            // Step 2 reads t[b,k,i] with "kbl": b is kept by both, k summed with it, i kept (free, last: contiguous).
            Assert.Equal("bki", path.Steps[0].ResultLabels);
            Assert.Equal("j", path.Steps[0].SummedLabels);
            Assert.Equal(EinsumStepKind.Batched, path.Steps[0].Kind);
            Assert.Equal("bil", path.Steps[1].ResultLabels);

            // Summed labels follow the other operand's order; free labels the reader's result order.
            var chain = ContractionPlanner.Plan(new[] { "ijk", "mij", "kjl" }, "ml", sizes, new PlannerOptions { Strategy = PlanStrategy.LeftToRight });
            Assert.Equal("kjm", chain.Steps[0].ResultLabels);
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(5)]
        [InlineData(8)]
        [InlineData(11)]
        [InlineData(15)]
        [InlineData(24)]
        public void EveryStrategyKeepsTheInvariants(int n)
        {
            for (int seed = 0; seed < 4; seed++)
            {
                string spec = PlanningTestUtil.RandomEquation(n, 3, 2, seed, out var sizes);
                PlanningTestUtil.Split(spec, out var inputs, out string output);
                long greedy = 0;
                foreach (PlanStrategy strategy in Enum.GetValues(typeof(PlanStrategy)))
                {
                    var path = ContractionPlanner.Plan(inputs, output, sizes, new PlannerOptions { Strategy = strategy });
                    PlanningTestUtil.CheckInvariants(inputs, output, sizes, path);
                    if (strategy == PlanStrategy.Greedy) greedy = path.TotalFlops;
                }
                var auto = ContractionPlanner.Plan(inputs, output, sizes);
                Assert.True(auto.TotalFlops <= greedy, spec);
            }
        }

        [Theory]
        [InlineData(4)]
        [InlineData(7)]
        [InlineData(10)]
        public void ConnectedDpMatchesSubsetDpWithoutOuterProducts(int n)
        {
            for (int seed = 0; seed < 6; seed++)
            {
                string spec = PlanningTestUtil.RandomEquation(n, 4, 2, 100 + seed, out var sizes);
                PlanningTestUtil.Split(spec, out var inputs, out string output);
                var space = LabelSpace.TryCreate(inputs, output, sizes)!;
                var subset = SubsetOptimizer.Solve(space.Operands, space.Output, space, long.MaxValue, true, allowOuter: false);
                var connected = ConnectedOptimizer.Solve(space.Operands, space.Output, space, long.MaxValue, 1_000_000);
                var exact = SubsetOptimizer.Solve(space.Operands, space.Output, space, long.MaxValue, true, allowOuter: true)!;
                Assert.NotNull(connected);
                if (subset != null) Assert.Equal(subset.TotalFlops, connected!.TotalFlops);
                Assert.True(exact.TotalFlops <= connected!.TotalFlops);
            }
        }

        [Fact]
        public void MemoryLimitIsRespectedWhenReachable()
        {
            int constrained = 0;
            for (int seed = 0; seed < 12; seed++)
            {
                string spec = PlanningTestUtil.RandomEquation(6 + seed % 10, 3, 2, 300 + seed, out var sizes);
                PlanningTestUtil.Split(spec, out var inputs, out string output);
                var free = ContractionPlanner.Plan(inputs, output, sizes);
                long biggest = free.Steps.Take(free.Steps.Count - 1).Max(s => s.ResultSize);
                foreach (var strategy in new[] { PlanStrategy.Auto, PlanStrategy.Greedy, PlanStrategy.Hybrid })
                {
                    var limited = ContractionPlanner.Plan(inputs, output, sizes, new PlannerOptions { Strategy = strategy, MemoryLimit = biggest - 1 });
                    PlanningTestUtil.CheckInvariants(inputs, output, sizes, limited);
                    if (limited.Strategy.Contains("unconstrained")) continue;
                    if (strategy == PlanStrategy.Auto) constrained++;
                    Assert.All(limited.Steps.Take(limited.Steps.Count - 1), s => Assert.True(s.ResultSize < biggest));
                    if (strategy == PlanStrategy.Auto) Assert.True(limited.TotalFlops >= free.TotalFlops);
                }
            }
            Assert.True(constrained > 0);
        }

        [Fact]
        public void UnreachableMemoryLimitEndsInAMultiwayStep()
        {
            // As opt_einsum: no pair fits, so all five operands are contracted at once, at the naive cost.
            var sizes = TensorTrainSizes();
            PlanningTestUtil.Split(TensorTrain, out var inputs, out string output);
            var limited = ContractionPlanner.Plan(inputs, output, sizes, new PlannerOptions { MemoryLimit = 1 });
            PlanningTestUtil.CheckInvariants(inputs, output, sizes, limited);
            Assert.Single(limited.Steps);
            Assert.True(limited.Steps[0].IsMultiway);
            Assert.Equal(limited.NaiveFlops, limited.TotalFlops);
            Assert.Contains("at once", limited.Strategy);
            // Past 64 operands there is no multiway search: the best unconstrained order, as before.
            var many = Enumerable.Repeat("ab", 65).ToList();
            var ab = new Dictionary<char, long> { ['a'] = 3, ['b'] = 3 };
            var fallback = ContractionPlanner.Plan(many, "ab", ab, new PlannerOptions { MemoryLimit = 1 });
            Assert.Contains("unconstrained", fallback.Strategy);
            PlanningTestUtil.CheckInvariants(many, "ab", ab, fallback);
        }

        [Fact]
        public void FiftyOperandChainPlans()
        {
            const string letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
            var inputs = new List<string>();
            var sizes = new Dictionary<char, long>();
            for (int i = 0; i < 51; i++) sizes[letters[i]] = 2 + (i * 7) % 9;
            for (int i = 0; i < 50; i++) inputs.Add(letters.Substring(i, 2));
            string output = "a" + letters[50];
            var path = ContractionPlanner.Plan(inputs, output, sizes);
            PlanningTestUtil.CheckInvariants(inputs, output, sizes, path);
            var greedy = ContractionPlanner.Plan(inputs, output, sizes, new PlannerOptions { Strategy = PlanStrategy.Greedy });
            Assert.True(path.TotalFlops <= greedy.TotalFlops);
        }

        [Theory]
        [InlineData(30)]
        [InlineData(50)]
        [InlineData(70)]
        public void LargeRandomNetworksPlanAndBeatGreedy(int n)
        {
            string spec = PlanningTestUtil.RandomEquation(n, 3, 2, n, out var sizes);
            PlanningTestUtil.Split(spec, out var inputs, out string output);
            var auto = ContractionPlanner.Plan(inputs, output, sizes);
            var greedy = ContractionPlanner.Plan(inputs, output, sizes, new PlannerOptions { Strategy = PlanStrategy.Greedy });
            PlanningTestUtil.CheckInvariants(inputs, output, sizes, auto);
            Assert.True(auto.TotalFlops <= greedy.TotalFlops);
            Assert.Equal(auto.TotalFlops, ContractionPlanner.Plan(inputs, output, sizes).TotalFlops);   // deterministic
        }

        [Fact]
        public void MoreThanSixtyFourLabelGroupsUseTheGenericGreedy()
        {
            var inputs = new List<string>();
            var sizes = new Dictionary<char, long>();
            for (int i = 0; i <= 80; i++) sizes[(char)(0x100 + i)] = 2 + i % 3;
            for (int i = 0; i < 80; i++) inputs.Add(new string(new[] { (char)(0x100 + i), (char)(0x101 + i) }));
            string output = "\u0100" + (char)(0x100 + 80);
            var path = ContractionPlanner.Plan(inputs, output, sizes);
            PlanningTestUtil.CheckInvariants(inputs, output, sizes, path);
            Assert.StartsWith("greedy", path.Strategy);
        }

        [Fact]
        public void ZeroAndOneSizesAndScalarsDoNotThrow()
        {
            var sizes = new Dictionary<char, long> { ['i'] = 0, ['j'] = 1, ['k'] = 5 };
            var inputs = new[] { "ij", "jk", "", "k", "ik" };
            var path = ContractionPlanner.Plan(inputs, "i", sizes);
            PlanningTestUtil.CheckInvariants(inputs, "i", sizes, path);
            Assert.Equal(0, path.NaiveFlops);
        }

        [Fact]
        public void HugeSizesSaturateInsteadOfWrapping()
        {
            var sizes = new Dictionary<char, long> { ['i'] = 1L << 40, ['j'] = 1L << 40, ['k'] = 1L << 40, ['l'] = 3 };
            var inputs = new[] { "ij", "jk", "kl", "li" };
            var path = ContractionPlanner.Plan(inputs, "", sizes);
            PlanningTestUtil.CheckInvariants(inputs, "", sizes, path);
            Assert.Equal(long.MaxValue, path.NaiveFlops);
            Assert.True(path.TotalFlops > 0);
        }

        [Fact]
        public void IdenticalOperandsAndRepeatedLabelsArePlanned()
        {
            var sizes = PlanningTestUtil.Uniform("ijk", 3);
            var path = ContractionPlanner.Plan(new[] { "ij", "ij", "ij", "jk", "iij" }, "k", sizes);
            Assert.Equal(4, path.Steps.Count);
            Assert.Equal("k", path.Steps[3].ResultLabels);
        }

        [Fact]
        public void InvalidInputIsAnArgumentException()
        {
            var sizes = new Dictionary<char, long> { ['i'] = 2 };
            Assert.Throws<ArgumentException>(() => ContractionPlanner.Plan(new string[0], "", sizes));
            Assert.Throws<ArgumentException>(() => ContractionPlanner.Plan(new[] { "ij" }, "i", sizes));
            Assert.Throws<ArgumentException>(() => ContractionPlanner.Plan(new[] { "i" }, "ii", sizes));
            Assert.Throws<ArgumentException>(() => ContractionPlanner.Plan(new[] { "i" }, "j", sizes));
            Assert.Throws<ArgumentException>(() => ContractionPlanner.Plan(new[] { "i" }, "", new Dictionary<char, long> { ['i'] = -1 }));
        }

        [Fact]
        public void BitHelpersAgreeWithNaiveCounting()
        {
            for (int b = 0; b < 64; b++)
            {
                ulong x = (1UL << b) | (b < 63 ? 1UL << 63 : 0);
                Assert.Equal(b, Bits.Lowest(x));
            }
            Assert.Equal(64, Bits.Count(ulong.MaxValue));
            Assert.Equal(3, Bits.Count(0b1011000));
        }
    }
}
