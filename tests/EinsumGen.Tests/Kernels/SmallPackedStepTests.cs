using System;
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
    /// Small steps with no unit-stride pair for a vector loop, shaped as the tensor train's ∂w1 and ∂w2 at odd sizes: a
    /// small packed step runs transposed where the micro-kernel's tiles pad it less
    /// (<see cref="KernelDispatch.PacksTransposed"/>). Each runs through the step kernel against the naive oracle.
    /// </summary>
    [Collection(nameof(EinsumGen.Tests.Kernels.KernelChoicesCollection))]
    public class SmallPackedStepTests
    {
        // ∂w1-shaped: M = a·e = 15, N = i = 7, K = j·b·f = 135; ∂w2-shaped: M = j·b·f = 135, N = i = 7, K = a·e = 15.
        private const string Gradient = "jabef,bfij->aei", Weight = "jabef,aei->bfij";

        private static int SizeOf(char label) => label switch
        {
            'a' => 5, 'e' => 3, 'i' => 7, 'j' => 9, 'b' => 3, 'f' => 5,
            _ => throw new ArgumentOutOfRangeException(nameof(label)),
        };

        [Theory]
        [InlineData(Gradient)]
        [InlineData(Weight)]
        public void FloatMatchesTheOracle(string spec) => AssertMatches<float>(spec);

        [Theory]
        [InlineData(Gradient)]
        [InlineData(Weight)]
        public void DoubleMatchesTheOracle(string spec) => AssertMatches<double>(spec);

        [Theory]
        [InlineData(Gradient, 4, true)]
        [InlineData(Gradient, 8, true)]
        [InlineData(Weight, 4, true)]
        public void OnAvx512TheyRunPackedAndTransposed(string spec, int elementSize, bool transposed)
        {
            var (sizes, strides, kept) = Layout(spec);
            var choice = KernelDispatch.ChooseStep(sizes.Select(s => (long)s).ToArray(), L(strides[0]), L(strides[1]), L(strides[2]), kept,
                hasSecond: true, accumulate: false, laneBlock: false, elementSize, 64, quadAvailable: true, threads: 1, KernelContext.Vector512.Dispatch);
            Assert.Equal((DispatchedKernel.Packed, transposed), (choice.Kernel, choice.Transposed));
        }

        private static void AssertMatches<T>(string spec) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var (sizes, strides, kept) = Layout(spec);
            string[] operands = spec.Split("->")[0].Split(',');
            string output = spec.Split("->")[1];
            var a = TestData.Random<T>(operands[0].Select(SizeOf).ToArray(), 41);
            var b = TestData.Random<T>(operands[1].Select(SizeOf).ToArray(), 42);
            var expected = Einsum.EvaluateNaive(spec, a, b);
            T[] c = Enumerable.Repeat(T.NaN, output.Aggregate(1, (p, l) => p * SizeOf(l))).ToArray();
            T[] da = TestData.Elements(a), db = TestData.Elements(b);

            var path = ContractionKernel.BestPath;
            var limits = KernelContext.For(path).Dispatch;
            int vectorBytes = path switch { KernelPath.Vector512 => 64, KernelPath.Vector256 => 32, KernelPath.Vector128 => 16, _ => System.Runtime.CompilerServices.Unsafe.SizeOf<T>() };
            var dispatched = KernelDispatch.ChooseStep(sizes.Select(s => (long)s).ToArray(), L(strides[0]), L(strides[1]), L(strides[2]), kept,
                hasSecond: true, accumulate: false, laneBlock: false, System.Runtime.CompilerServices.Unsafe.SizeOf<T>(), vectorBytes,
                quadAvailable: false, threads: 1, limits);
            KernelOptions.Current.RecordChoices = true;
            try
            {
                ContractionKernel.LastRun = null;
                StepKernel.Contract(kept, sizes, ref da[0], strides[0], ref db[0], strides[1], hasSecond: true, ref c[0], strides[2], accumulate: false);
                Assert.Equal((dispatched.Kernel, dispatched.Transposed), (ContractionKernel.LastRun!.Value.Kernel, ContractionKernel.LastRun.Value.Transposed));
            }
            finally
            {
                KernelOptions.Current.RecordChoices = false;
            }
            long terms = sizes.Skip(kept).Aggregate(1L, (p, s) => p * s);
            TestData.AssertClose(expected, Tensor.Create(c, output.Select(l => (nint)SizeOf(l)).ToArray()), terms, spec);
        }

        /// <summary>Step dimensions as a layout's call orders them (result labels, then summed ones); dense row-major strides.</summary>
        private static (nint[] Sizes, nint[][] Strides, int Kept) Layout(string spec)
        {
            string[] operands = spec.Split("->")[0].Split(',');
            string output = spec.Split("->")[1];
            string labels = new(output.Concat(operands[0]).Concat(operands[1]).Distinct().ToArray());
            string[] tensors = { operands[0], operands[1], output };
            var strides = new nint[3][];
            for (int t = 0; t < 3; t++)
            {
                string own = tensors[t];
                var dense = new nint[own.Length];
                nint stride = 1;
                for (int i = own.Length - 1; i >= 0; i--) { dense[i] = stride; stride *= SizeOf(own[i]); }
                strides[t] = labels.Select(l => own.IndexOf(l) is var i and >= 0 ? dense[i] : 0).ToArray();
            }
            return (labels.Select(l => (nint)SizeOf(l)).ToArray(), strides, output.Length);
        }

        private static long[] L(nint[] values) => values.Select(v => (long)v).ToArray();
    }
}
