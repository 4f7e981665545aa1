using System;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using EinsumGen.Runtime;
using EinsumGen.Runtime.Kernels;
using Xunit;
using static EinsumGen.Tests.Runtime.RuntimeTestUtil;

namespace EinsumGen.Tests.Runtime;

public static partial class SlicedMethods
{
    [Einsum("aei,bfij,cgjk,dhk,nabcd->nefgh")]
    public static partial void TtF(ReadOnlyTensorSpan<float> w1, ReadOnlyTensorSpan<float> w2, ReadOnlyTensorSpan<float> w3,
        ReadOnlyTensorSpan<float> w4, ReadOnlyTensorSpan<float> x, TensorSpan<float> y);

    [Einsum("aei,bfij,cgjk,dhk,nabcd->nefgh")]
    public static partial void TtD(ReadOnlyTensorSpan<double> w1, ReadOnlyTensorSpan<double> w2, ReadOnlyTensorSpan<double> w3,
        ReadOnlyTensorSpan<double> w4, ReadOnlyTensorSpan<double> x, TensorSpan<double> y);
}

/// <summary>
/// Steps sliced over the cores along one label (<see cref="StepSlicing"/>, <see cref="SlicedStep"/>): which label a layout
/// picks, and that sliced results equal whole ones — disjoint slices of a result, partial sums added into strided outputs,
/// gradients overwritten and accumulated — in float and double. The reference is the same call with slicing switched off
/// (its kernels are checked against the naive oracle elsewhere), so both sum the same terms in different orders.
/// </summary>
[Collection(nameof(SlicingCollection))]
public class SlicedStepTests
{
    private const string Tt = "aei,bfij,cgjk,dhk,nabcd->nefgh";
    private const string TtPath = "0,1>jabef;2,3>jcdgh;5,6>abcdefgh;7,4>nefgh";
    private static readonly int[][] TtShapes = { new[] { 8, 2, 8 }, new[] { 8, 2, 8, 8 }, new[] { 8, 2, 8, 8 }, new[] { 8, 2, 8 }, new[] { 32, 8, 8, 8, 8 } };

    [Theory]
    [InlineData(32, false)]
    [InlineData(32, true)]
    [InlineData(256, true)] // the seed's: a, b and c are sliced in the same steps; their scores must tie exactly
    public void TensorTrainSlicesItsLargeStepsAlongTheOutermostInputIndex(int n, bool gradients)
    {
        var shapes = TtShapes.Take(4).Append(new[] { n, 8, 8, 8, 8 }).ToArray();
        var binding = Bind(Tt, null, TtPath, shapes, new[] { n, 2, 2, 2, 2 }, gradients);
        // Not e..h: slicing those would halve the 16 outputs that fill one vector of y = x·W.
        Assert.Equal('a', binding.SliceLabel);
        Assert.False(binding.IsSliced(0));
        Assert.False(binding.IsSliced(1));
        Assert.True(binding.IsSliced(2)); // W = t1·t2: each core its rows of W
        Assert.True(binding.IsSliced(3)); // y = x·W: partial sums over each core's rows
        if (!gradients) return;
        Assert.True(binding.IsSliced(3, gradientLeft: true)); // ∂W = xᵀ·∂y: each core its rows again
        Assert.True(binding.IsSliced(2, gradientLeft: true)); // ∂t1 from each core's rows of ∂W
        Assert.True(binding.IsSliced(2, gradientLeft: false)); // ∂t2: partial sums
    }

    [Fact]
    public void ChainSlicesTheIndexItKeepsThroughout()
    {
        var binding = Bind("ij,jk,kl->il", null, "0,1>ik;3,2>il", new[] { new[] { 128, 128 }, new[] { 128, 128 }, new[] { 128, 128 } }, new[] { 128, 128 }, gradients: false);
        Assert.Equal('i', binding.SliceLabel);
        Assert.True(binding.IsSliced(0));
        Assert.True(binding.IsSliced(1));
    }

    [Fact]
    public void SingleStepsAndSmallProgramsRunWhole()
    {
        Assert.Equal('\0', Bind("mk,kn->mn", null, "0,1>mn", new[] { new[] { 256, 256 }, new[] { 256, 256 } }, new[] { 256, 256 }, gradients: false).SliceLabel);
        Assert.Equal('\0', Bind("ij,jk,kl->il", null, "0,1>ik;3,2>il", new[] { new[] { 16, 16 }, new[] { 16, 16 }, new[] { 16, 16 } }, new[] { 16, 16 }, gradients: true).SliceLabel);
    }

    [Fact]
    public void ChainMatchesStepByStep() => AssertChain<double>();

    [Fact]
    public void ChainMatchesStepByStepFloat() => AssertChain<float>();

    [Fact]
    public void TensorTrainForwardIntoStridedOutputMatchesWhole()
    {
        AssertForward<float>((w1, w2, w3, w4, x, y) => SlicedMethods.TtF(w1, w2, w3, w4, x, y));
        AssertForward<double>((w1, w2, w3, w4, x, y) => SlicedMethods.TtD(w1, w2, w3, w4, x, y));
    }

    [Fact]
    public void MorePartsThanThreadsEachKeepTheirOwnPartialSums()
    {
        // Four slices of a on two threads: a thread runs several parts, each summed part with a partial result of its own.
        KernelOptions.Current.SliceParts = 4;
        try
        {
            TensorTrainForwardIntoStridedOutputMatchesWhole();
            TensorTrainGradientsMatchWhole(GradientMode.Overwrite);
        }
        finally
        {
            KernelOptions.Current.SliceParts = null;
        }
    }

    [Theory]
    [InlineData(GradientMode.Overwrite)]
    [InlineData(GradientMode.Accumulate)]
    public void TensorTrainGradientsMatchWhole(GradientMode mode)
    {
        AssertBackward<float>(mode, (w, x, dy, g, m) => SlicedMethods.TtFBackward(w[0], w[1], w[2], w[3], x, dy, g[0].AsTensorSpan(), g[1].AsTensorSpan(), g[2].AsTensorSpan(), g[3].AsTensorSpan(), default, m));
        AssertBackward<double>(mode, (w, x, dy, g, m) => SlicedMethods.TtDBackward(w[0], w[1], w[2], w[3], x, dy, g[0].AsTensorSpan(), g[1].AsTensorSpan(), g[2].AsTensorSpan(), g[3].AsTensorSpan(), default, m));
    }

    [Fact]
    public void EveryCorpusSpecSlicedMatchesTheOracle()
    {
        // Every step that can be sliced is, in three uneven parts (two threads run them): ellipses, broadcasting,
        // diagonals, scalars and every layout of the corpus, forward against the naive oracle, gradients against whole.
        KernelOptions.Current.SliceEverything = true;
        KernelOptions.Current.SliceParts = 3;
        long before = SlicedStep.Calls;
        try
        {
            foreach (var c in Corpus.CorpusMethods.Cases)
            {
                var operands = Corpus.CorpusTests.Operands<double>(c);
                var expected = Einsum.EvaluateNaive(c.Spec, operands);
                Tensor<double> actual = null!;
                Kernels.ContractionKernelTests.OnPlainThread(() => actual = Einsum.Evaluate(c.Spec, operands));
                TestData.AssertClose(expected, actual, Corpus.CorpusTests.ContractionLength(c), c + " sliced");

                var outputGradient = TestData.Random<double>(expected.Lengths.ToArray().Select(d => (int)d).DefaultIfEmpty(1).ToArray(), 77);
                if (expected.Rank == 0 || outputGradient.FlattenedLength != expected.FlattenedLength) outputGradient = TestData.Random<double>(null, 77);
                Tensor<double>[] sliced = null!, whole = null!;
                Kernels.ContractionKernelTests.OnPlainThread(() => sliced = Einsum.Backward(c.Spec, outputGradient, operands));
                KernelOptions.Current.SlicedSteps = false;
                Kernels.ContractionKernelTests.OnPlainThread(() => whole = Einsum.Backward(c.Spec, outputGradient, operands));
                KernelOptions.Current.SlicedSteps = true;
                for (int i = 0; i < operands.Length; i++)
                    TestData.AssertClose(whole[i], sliced[i], Corpus.CorpusTests.TermCount(c), $"{c}: gradient {i} sliced");
            }
        }
        finally
        {
            KernelOptions.Current.SliceEverything = false;
            KernelOptions.Current.SliceParts = null;
            KernelOptions.Current.SlicedSteps = true;
        }
        Assert.True(SlicedStep.Calls > before || Environment.ProcessorCount == 1, "no step ran sliced");
    }

    private delegate void Forward<T>(ReadOnlyTensorSpan<T> w1, ReadOnlyTensorSpan<T> w2, ReadOnlyTensorSpan<T> w3, ReadOnlyTensorSpan<T> w4,
        ReadOnlyTensorSpan<T> x, TensorSpan<T> y);

    private delegate void Backward<T>(Tensor<T>[] w, Tensor<T> x, Tensor<T> dy, Tensor<T>[] gradients, GradientMode mode);

    private static void AssertForward<T>(Forward<T> forward) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var w = TtShapes.Take(4).Select((s, i) => TestData.Random<T>(s, 10 + i)).ToArray();
        var x = TestData.Random<T>(TtShapes[4], 20);
        // y's rows 21 elements apart inside a larger buffer: the partial sums are added through its strides.
        var buffer = Filled(32 * 21, Sentinel<T>());
        var y = View(buffer, 3, new nint[] { 32, 2, 2, 2, 2 }, new nint[] { 21, 8, 4, 2, 1 });
        var expected = Filled(32 * 21, Sentinel<T>());
        var whole = View(expected, 3, new nint[] { 32, 2, 2, 2, 2 }, new nint[] { 21, 8, 4, 2, 1 });
        RunSliced(() => forward(w[0], w[1], w[2], w[3], x, y), () => forward(w[0], w[1], w[2], w[3], x, whole));
        TestData.AssertClose(Dense(whole), Dense(y), 4096 * 8, typeof(T).Name + " forward");
        Assert.Equal(expected.Take(3), buffer.Take(3)); // outside the view: untouched
        Assert.Equal(expected.Skip(3 + 31 * 21 + 16), buffer.Skip(3 + 31 * 21 + 16));
        Assert.Equal(expected.Skip(3 + 16).Take(5), buffer.Skip(3 + 16).Take(5));
    }

    private static void AssertBackward<T>(GradientMode mode, Backward<T> backward) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var w = TtShapes.Take(4).Select((s, i) => TestData.Random<T>(s, 30 + i)).ToArray();
        var x = TestData.Random<T>(TtShapes[4], 40);
        var dy = TestData.Random<T>(new[] { 32, 2, 2, 2, 2 }, 41);
        var sliced = w.Select((t, i) => TestData.Random<T>(TtShapes[i], 50 + i)).ToArray(); // accumulated into in that mode
        var whole = sliced.Select(t => Tensor.Create(t.ToArray(), t.Lengths.ToArray())).ToArray();
        RunSliced(() => backward(w, x, dy, sliced, mode),
            () => backward(w, x, dy, whole, mode));
        for (int i = 0; i < 4; i++) TestData.AssertClose(whole[i], sliced[i], 4096 * 32, $"{typeof(T).Name} ∂w{i + 1} ({mode})");
    }

    private static void AssertChain<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Planned as (jk,kl) first, then ij,jl->il: both large enough to slice (along l, kept in both).
        var a = TestData.Random<T>(new[] { 256, 64 }, 1);
        var b = TestData.Random<T>(new[] { 64, 64 }, 2);
        var c = TestData.Random<T>(new[] { 64, 64 }, 3);
        Tensor<T> result = null!;
        RunSliced(() => result = Einsum.Evaluate("ij,jk,kl->il", a, b, c), () => { });
        // One step at a time: single steps are never sliced.
        var expected = Einsum.Evaluate("ij,jl->il", a, Einsum.Evaluate("jk,kl->jl", b, c));
        TestData.AssertClose(expected, result, 64 * 64, typeof(T).Name + " chain");
    }

    /// <summary>
    /// Runs <paramref name="whole"/> with slicing off, then <paramref name="sliced"/> with it on until a sliced step ran
    /// (another test may hold the kernel threads for a moment; then the step runs whole, which is correct too). Both on a
    /// plain thread: calls from the thread pool, where xunit runs tests, never split.
    /// </summary>
    private static void RunSliced(Action sliced, Action whole)
    {
        try
        {
            KernelOptions.Current.SlicedSteps = false;
            Kernels.ContractionKernelTests.OnPlainThread(whole);
            KernelOptions.Current.SlicedSteps = true;
            for (int attempt = 0; ; attempt++)
            {
                long before = SlicedStep.Calls;
                Kernels.ContractionKernelTests.OnPlainThread(sliced);
                if (SlicedStep.Calls > before || Environment.ProcessorCount == 1) return;
                Assert.True(attempt < 100, "no step ran sliced");
            }
        }
        finally
        {
            KernelOptions.Current.SlicedSteps = true;
        }
    }

    private static EinsumBinding Bind(string spec, string? sizes, string path, int[][] shapes, int[] output, bool gradients)
    {
        var names = shapes.Select((_, i) => "x" + i).ToArray();
        var binding = new EinsumBinding(TestPrograms.Create(spec, sizes, path, names, "y"));
        for (int i = 0; i < shapes.Length; i++)
        {
            var t = Tensor.CreateFromShape<float>(shapes[i].Select(d => (nint)d).ToArray());
            binding.Operand(i, t.Lengths, t.Strides);
            if (gradients) binding.Gradient(i, t.Lengths, t.Strides);
        }
        var y = Tensor.CreateFromShape<float>(output.Select(d => (nint)d).ToArray());
        binding.Output(y.Lengths, y.Strides);
        binding.Complete();
        return binding;
    }
}

/// <summary>The sliced-step tests switch slicing off and on for the whole process: they run alone.</summary>
[CollectionDefinition(nameof(SlicingCollection), DisableParallelization = true)]
public sealed class SlicingCollection
{
}
