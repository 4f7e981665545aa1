using System.Collections.Generic;
using System.Linq;
using EinsumGen.Tests.Corpus;
using Xunit;
using M = EinsumGen.Tests.Corpus.CorpusMethods;

namespace EinsumGen.Tests.Gpu;

/// <summary>
/// The kernels the generator writes into declared-size methods' device files (<see cref="GeneratedKernelCases"/>): with
/// dense tensors every step of the forward, backward (overwrite and accumulate) and forward-mode sweeps runs on one of
/// them and agrees with the naive oracle, in float and double; with transposed and sliced views the steps whose layout
/// differs fall back to the generic kernels and still agree.
/// </summary>
[Collection(DeviceCollection.Name)]
public sealed class GeneratedKernelTests : System.IDisposable
{
    private readonly DeviceFixture _fixture;
    private readonly EinsumDevice _device;
    private readonly long _fusionLimit;

    public GeneratedKernelTests(DeviceFixture fixture)
    {
        _fixture = fixture;
        _device = fixture.Device;
        // Steps fused into one launch run the fused kernel; these tests are about the steps launched on their own.
        _fusionLimit = _device.FusionLimit;
        _device.FusionLimit = 0;
    }

    /// <summary>Gives the shared device its fusion limit back.</summary>
    public void Dispose() => _device.FusionLimit = _fusionLimit;

    public static IEnumerable<object[]> Cases() => GeneratedKernelCases.All.Select(c => new object[] { c.Name });

    // The tensor train's views take ~13 s of CPU-accelerator launches; the generic kernels meet them in DeviceCorpusTests.
    public static IEnumerable<object[]> ViewCases() => GeneratedKernelCases.All.Where(c => c.Name != "TensorTrainSized").Select(c => new object[] { c.Name });

    [Theory]
    [MemberData(nameof(Cases))]
    public void DenseCallsRunGeneratedKernels(string name)
    {
        var c = GeneratedKernelCases.All.Single(x => x.Name == name);
        var corpus = new DeviceCorpusTests(_fixture);
        // The size-1 operand broadcasts along a declared label (stride 0): no step has the dense layout the kernels were written for.
        bool broadcast = name == "SizeOneBroadcastSized";
        foreach (bool isFloat in new[] { true, false })
        {
            Reset();
            if (isFloat) corpus.Check(c, c.F, strided: false, seed: 11);
            else corpus.Check(c, c.D, strided: false, seed: 13);
            string context = $"{c} {(isFloat ? "float" : "double")}";
            if (broadcast)
            {
                Assert.True(_device.GeneratedLaunches == 0, context);
                Assert.True(_device.GenericFallbacks > 0, context);
            }
            else
            {
                Assert.True(_device.GeneratedLaunches > 0, context);
                Assert.True(_device.GenericFallbacks == 0, $"{context}: {_device.GenericFallbacks} steps ran a generic kernel");
            }
        }
    }

    [Theory]
    [MemberData(nameof(ViewCases))]
    public void OtherStridesFallBack(string name)
    {
        var c = GeneratedKernelCases.All.Single(x => x.Name == name);
        var corpus = new DeviceCorpusTests(_fixture);
        Reset();
        corpus.Check(c, c.F, strided: true, seed: 17);
        corpus.Check(c, c.D, strided: true, seed: 19);
        // Transposed operands and sliced results and gradients of rank 2 or more are not the dense layout of the kernels
        // (a sliced vector still has stride 1: it matches).
        bool anyView = c.Corpus.Shapes.Any(s => s is { Length: >= 2 }) || OutputRank(c.Corpus.Spec) >= 2;
        if (anyView) Assert.True(_device.GenericFallbacks > 0, $"{c}: no step fell back");
    }

    /// <summary>Each sweep of a dense matmul: one generated launch per step it runs, and none generic.</summary>
    [Fact]
    public void EverySweepOfAMatMulRunsGeneratedKernels()
    {
        using var a = _device.Upload<float>(TestData.Elements(TestData.Random<float>(new[] { 3, 5 }, 1)), 3, 5);
        using var b = _device.Upload<float>(TestData.Elements(TestData.Random<float>(new[] { 5, 4 }, 2)), 5, 4);
        using var c = _device.Allocate<float>(3, 4);
        using var aGrad = _device.Allocate<float>(3, 5);
        using var bGrad = _device.Allocate<float>(5, 4);
        Reset();
        M.MatMulSizedF(a, b, c);
        Assert.Equal((1L, 0L), (_device.GeneratedLaunches, _device.GenericFallbacks));
        Reset();
        M.MatMulSizedFBackward(a, b, c, aGrad, bGrad);
        Assert.Equal((2L, 0L), (_device.GeneratedLaunches, _device.GenericFallbacks));
        Reset();
        M.MatMulSizedFBackward(a, b, c, null, bGrad);
        Assert.Equal((1L, 0L), (_device.GeneratedLaunches, _device.GenericFallbacks));
        Reset();
        M.MatMulSizedFJvp(a, b, aGrad, bGrad, c);
        Assert.Equal((2L, 0L), (_device.GeneratedLaunches, _device.GenericFallbacks));
        Reset();
        M.MatMulSizedF(a.Slice(0, 0, 3), b, c.Transpose().Transpose());
        Assert.Equal((1L, 0L), (_device.GeneratedLaunches, _device.GenericFallbacks)); // views with the dense strides still match
        using var bT = _device.Upload<float>(new float[20], 4, 5);
        Reset();
        M.MatMulSizedF(a, bT.Transpose(), c);
        Assert.Equal((0L, 1L), (_device.GeneratedLaunches, _device.GenericFallbacks));
    }

    /// <summary>The tensor train at small sizes: its forward runs each planned step on a generated kernel.</summary>
    [Fact]
    public void TensorTrainForwardRunsOneGeneratedKernelPerStep()
    {
        var corpus = CorpusMethods.Cases.Single(x => x.Name == "TensorTrainSized");
        var tensors = corpus.Shapes.Select((s, i) => _device.Upload<double>(TestData.Elements(TestData.Random<double>(s, 30 + i)), s!)).ToList();
        try
        {
            using var y = _device.Allocate<double>(4, 2, 2, 2, 2);
            Reset();
            M.TensorTrainSizedD(tensors[0], tensors[1], tensors[2], tensors[3], tensors[4], y);
            Assert.Equal(0L, _device.GenericFallbacks);
            Assert.Equal(4L, _device.GeneratedLaunches); // five operands: four pairwise steps
        }
        finally
        {
            foreach (var t in tensors) t.Dispose();
        }
    }

    /// <summary>Steps the tiled GEMM or the reduction does better keep them, though a generated kernel matches.</summary>
    [Fact]
    public void TunedKernelsKeepTheirSteps()
    {
        var hostA = TestData.Random<float>(new[] { 64, 64 }, 5);
        var hostB = TestData.Random<float>(new[] { 64, 64 }, 6);
        using var a = _device.Upload<float>(TestData.Elements(hostA), 64, 64);
        using var b = _device.Upload<float>(TestData.Elements(hostB), 64, 64);
        using var c = _device.Allocate<float>(64, 64);
        Reset();
        GeneratedKernelMethods.MatMul64(a, b, c);
        Assert.Equal((0L, 1L), (_device.GeneratedLaunches, _device.GenericFallbacks));
        var expected = TestData.Flatten(Einsum.EvaluateNaive("mn,nk->mk", ToDouble(hostA), ToDouble(hostB)));
        var actual = c.ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.True(System.Math.Abs(expected[i] - actual[i]) <= 64 * 5e-7 * System.Math.Max(1, System.Math.Abs(expected[i])), $"element {i}");

        var hostX = TestData.Random<double>(new[] { 4096 }, 7);
        using var x = _device.Upload<double>(TestData.Elements(hostX), 4096);
        Reset();
        double sum = GeneratedKernelMethods.Sum4096(x);
        Assert.Equal((0L, 1L), (_device.GeneratedLaunches, _device.GenericFallbacks));
        Assert.Equal(TestData.Elements(hostX).Sum(), sum, 1e-10);
    }

    private static System.Numerics.Tensors.Tensor<double> ToDouble(System.Numerics.Tensors.Tensor<float> t) =>
        System.Numerics.Tensors.Tensor.Create(TestData.Elements(t).Select(v => (double)v).ToArray(), t.Lengths);

    private void Reset()
    {
        _device.GeneratedLaunches = 0;
        _device.GenericFallbacks = 0;
    }

    private static int OutputRank(string spec) => EinsumGen.Notation.EinsumParser.Parse(spec).Output.Labels.Count;
}
