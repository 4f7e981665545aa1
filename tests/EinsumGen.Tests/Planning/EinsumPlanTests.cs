using System;
using System.Collections.Generic;
using System.Linq;
using EinsumGen.Planning;
using EinsumGen.Runtime;
using EinsumGen.Runtime.Kernels;
using EinsumGen.Dispatch;
using Xunit;

namespace EinsumGen.Tests.Planning
{
    [Collection(nameof(EinsumGen.Tests.Kernels.KernelChoicesCollection))]
    public class EinsumPlanTests
    {
        private static EinsumPlan TensorTrain() => EinsumPlan.Create("aei, bfij, cgjk, dhk, nabcd -> nefgh",
            new[] { 8, 2, 8 }, new[] { 8, 2, 8, 8 }, new[] { 8, 2, 8, 8 }, new[] { 8, 2, 8 }, new[] { 256, 8, 8, 8, 8 });

        [Fact]
        public void TensorTrainLayerThroughThePublicApi()
        {
            var plan = TensorTrain();
            Assert.Equal("aei,bfij,cgjk,dhk,nabcd->nefgh", plan.Spec);
            Assert.Equal(34_668_544, plan.TotalFlops);
            Assert.Equal(42_949_672_960, plan.NaiveFlops);
            Assert.Equal(65_536, plan.LargestIntermediate);
            Assert.Equal(42_949_672_960.0 / 34_668_544, plan.Speedup, 6);
            Assert.Equal(12, plan.NaiveScaling);
            Assert.Equal(4, plan.Steps.Count);
            Assert.Equal(plan.TotalFlops, plan.Steps.Sum(s => s.Flops));
            Assert.All(plan.Steps, s => Assert.Equal(EinsumStepKind.Gemm, s.Kind));
            var last = plan.Steps[3];
            Assert.Equal("nefgh", last.ResultLabels);
            Assert.EndsWith("->nefgh", last.Einsum);
            Assert.Equal(8, last.ResultId);
            Assert.Equal(2, last.Operands.Count);
            Assert.Equal("nefgh->nefgh", last.Remaining);
        }

        [Fact]
        public void TensorTrainsThirdStepNamesTheKernelTheRuntimeTakes()
        {
            // t3[a,b,c,d,e,f,g,h] = Σ_j t1·t2: its 16 contiguous e,f,g,h mix t1's e,f with t2's g,h, so on 512-bit vectors
            // the runtime takes the lane-block tier for dense views, and the plan's kernel column says so.
            var step = TensorTrain().Steps.Single(s => s.ResultLabels.Length == 8);
            Assert.Equal("lane blocks", step.Kernel);
            Assert.True(RuntimeTakesLaneBlocks(step), "the runtime takes the GEMM kernel for " + step.Einsum);
        }

        /// <summary>
        /// Whether the runtime runs a step of the tensor-train plan on the lane-block tier for dense float views on 512-bit
        /// vectors: on such hardware, a run that never reaches the GEMM kernel (its recorded choice stays empty); elsewhere,
        /// the tier's plan for Vector512, which decides the same whatever the hardware.
        /// </summary>
        private static bool RuntimeTakesLaneBlocks(EinsumPlanStep step)
        {
            var size = new Dictionary<char, int>
            {
                ['a'] = 8, ['b'] = 8, ['c'] = 8, ['d'] = 8, ['e'] = 2, ['f'] = 2, ['g'] = 2, ['h'] = 2, ['i'] = 8, ['j'] = 8, ['k'] = 8, ['n'] = 256,
            };
            var parts = step.Einsum.Split("->");
            var operands = parts[0].Split(',');
            string labels = step.ResultLabels + step.SummedLabels;
            nint[] Strides(string own) => labels.Select(l => (nint)KernelDispatch.RowMajorStride(own, l, c => size[c])).ToArray();
            nint[] sizes = labels.Select(l => (nint)size[l]).ToArray(), first = Strides(operands[0]), second = Strides(operands[1]), result = Strides(parts[1]);
            int kept = step.ResultLabels.Length;
            if (ContractionKernel.BestPath != KernelPath.Vector512)
            {
                return new LaneBlockPlan().Fill(kept, sizes, first, second, result, sizeof(float), KernelPath.Vector512).Applies;
            }
            int Length(string own) => own.Aggregate(1, (p, l) => p * size[l]);
            float[] a = new float[Length(operands[0])], b = new float[Length(operands[1])], c = new float[Length(parts[1])];
            var options = KernelOptions.Current;
            options.RecordChoices = true;
            try
            {
                ContractionKernel.LastRun = null;
                StepKernel.Contract(kept, sizes, ref a[0], first, ref b[0], second, hasSecond: true, ref c[0], result, accumulate: false);
                return options.LaneBlocks && ContractionKernel.LastRun is null;
            }
            finally
            {
                options.RecordChoices = false;
            }
        }

        [Fact]
        public void ReportHasEveryContractPathField()
        {
            string text = TensorTrain().ToString();
            foreach (string field in new[] { "Complete contraction:  aei,bfij,cgjk,dhk,nabcd->nefgh", "Naive scaling:  12", "Optimized scaling:",
                "Naive FLOP count:  4.295e+10", "Optimized FLOP count:  3.467e+07", "34,668,544", "Theoretical speedup:  1,238.866",
                "Largest intermediate:  6.554e+04 elements", "scaling", "flops", "current", "remaining", "GEMM", "Strategy:  optimal", "n=256" })
            {
                Assert.Contains(field, text);
            }
            Assert.Equal(9 + 3 + 4, text.Split('\n').Count(l => l.Trim().Length > 0));   // 9 summary lines, rule/header/rule, 4 steps
        }

        [Fact]
        public void EllipsisIsPlannedAsOneBroadcastDimensionGroup()
        {
            var plan = EinsumPlan.Create("...ij,...jk,kl->...il", new[] { 5, 1, 2, 3 }, new[] { 4, 3, 6 }, new[] { 6, 7 });
            Assert.Equal(new long[] { 5, 4 }, plan.EllipsisShape);
            Assert.Equal("...il", plan.Steps[plan.Steps.Count - 1].ResultLabels);
            Assert.Equal(6, plan.NaiveScaling);   // i j k l + two broadcast dims
            Assert.Contains("...", plan.ToString());
            Assert.Contains("...=(5,4)", plan.ToString());
        }

        [Fact]
        public void SingleOperandAndImplicitOutput()
        {
            var plan = EinsumPlan.Create("ij", new[] { 2, 3 });
            Assert.Equal("ij->ij", plan.Spec);
            var step = Assert.Single(plan.Steps);
            Assert.Single(step.Operands);
            Assert.Equal(EinsumStepKind.Elementwise, step.Kind);
            Assert.Equal(EinsumStepKind.Transpose, EinsumPlan.Create("ji", new[] { 2, 3 }).Steps[0].Kind);
            Assert.Equal(EinsumStepKind.Reduction, EinsumPlan.Create("ij->", new[] { 2, 3 }).Steps[0].Kind);
        }

        [Fact]
        public void OptionsReachThePlanner()
        {
            var shapes = new[] { new[] { 8, 2, 8 }, new[] { 8, 2, 8, 8 }, new[] { 8, 2, 8, 8 }, new[] { 8, 2, 8 }, new[] { 256, 8, 8, 8, 8 } };
            var ltr = EinsumPlan.Create("aei,bfij,cgjk,dhk,nabcd->nefgh", new EinsumPlanOptions { Strategy = EinsumPlanStrategy.LeftToRight }, shapes);
            Assert.Equal("left-to-right", ltr.Strategy);
            Assert.True(ltr.TotalFlops > 34_668_544);
            var limited = EinsumPlan.Create("aei,bfij,cgjk,dhk,nabcd->nefgh", new EinsumPlanOptions { MemoryLimit = 10 }, shapes);
            Assert.Contains("at once", limited.Strategy);
            Assert.Equal(EinsumStepKind.Multiway, Assert.Single(limited.Steps).Kind);
            Assert.Equal(limited.NaiveFlops, limited.TotalFlops);
        }

        [Fact]
        public void PublicEnumsMirrorTheInternalOnes()
        {
            Assert.Equal(Enum.GetNames(typeof(EinsumStepKind)), Enum.GetNames(typeof(EinsumStepKind)));
            Assert.Equal(Enum.GetNames(typeof(PlanStrategy)), Enum.GetNames(typeof(EinsumPlanStrategy)));
        }

        [Fact]
        public void BadShapesAreArgumentExceptions()
        {
            Assert.Throws<ArgumentException>(() => EinsumPlan.Create("ij,jk->ik", new[] { 2, 3 }, new[] { 4, 5 }));
            Assert.Throws<ArgumentException>(() => EinsumPlan.Create("ij,jk->ik", new[] { 2, 3 }));
            Assert.Throws<ArgumentException>(() => EinsumPlan.Create("ij,jk->iz", new[] { 2, 3 }, new[] { 3, 4 }));
        }
    }
}
