using System;
using System.Linq;
using EinsumGen.Gpu;
using EinsumGen.Tests.Corpus;
using Xunit;

namespace EinsumGen.Tests.Gpu;

/// <summary>The device API's contract: errors before any kernel runs, one device per call, views, disposal, the pool.</summary>
[Collection(DeviceCollection.Name)]
public sealed class DeviceContractTests
{
    private readonly EinsumDevice _device;

    public DeviceContractTests(DeviceFixture fixture) => _device = fixture.Device;

    [Fact]
    public void ShapeErrorNamesOperandLabelAndSizesBeforeAnyKernel()
    {
        using var a = _device.Upload<float>(new float[12], 3, 4);
        using var b = _device.Upload<float>(new float[10], 5, 2);
        using var c = _device.Upload<float>(Enumerable.Repeat(7f, 6).ToArray(), 3, 2);
        var ex = Assert.Throws<ArgumentException>(() => CorpusMethods.MatMulF(a, b, c));
        Assert.Contains("'n'", ex.Message);
        Assert.Contains("4", ex.Message);
        Assert.Contains("5", ex.Message);
        Assert.Contains("x1", ex.Message);
        Assert.All(c.ToArray(), v => Assert.Equal(7f, v)); // nothing was written

        using var wrong = _device.Upload<float>(Enumerable.Repeat(7f, 8).ToArray(), 4, 2);
        using var good = _device.Upload<float>(new float[8], 4, 2);
        var output = Assert.Throws<ArgumentException>(() => CorpusMethods.MatMulF(a, good, wrong));
        Assert.Equal("y", output.ParamName);
        Assert.All(wrong.ToArray(), v => Assert.Equal(7f, v));
    }

    [Fact]
    public void GradientAndTangentShapesAreChecked()
    {
        using var a = _device.Upload<double>(new double[12], 3, 4);
        using var b = _device.Upload<double>(new double[8], 4, 2);
        using var g = _device.Upload<double>(new double[6], 3, 2);
        using var badGradient = _device.Allocate<double>(4, 3);
        Assert.Throws<ArgumentException>(() => CorpusMethods.MatMulDBackward(a, b, g, badGradient, null));
        using var badTangent = _device.Allocate<double>(3, 5);
        using var y = _device.Allocate<double>(3, 2);
        Assert.Throws<ArgumentException>(() => CorpusMethods.MatMulDJvp(a, b, badTangent, null, y));
    }

    [Fact]
    public void TensorsOfAnotherDeviceAreRejectedBeforeAnyKernel()
    {
        using var other = EinsumDevice.Create(EinsumDeviceKind.Cpu);
        using var a = _device.Upload<float>(new float[12], 3, 4);
        using var b = other.Upload<float>(new float[8], 4, 2);
        using var c = _device.Upload<float>(Enumerable.Repeat(7f, 6).ToArray(), 3, 2);
        var ex = Assert.Throws<ArgumentException>(() => CorpusMethods.MatMulF(a, b, c));
        Assert.Equal("x1", ex.ParamName);
        Assert.Contains("one EinsumDevice", ex.Message);
        Assert.All(c.ToArray(), v => Assert.Equal(7f, v));
    }

    [Fact]
    public void OverlappingResultIsRejected()
    {
        using var storage = _device.Allocate<float>(4, 4);
        var a = storage.Slice(0, 0, 2);
        var c = storage.Slice(0, 1, 2);
        using var b = _device.Allocate<float>(4, 4);
        var ex = Assert.Throws<ArgumentException>(() => CorpusMethods.MatMulF(a, b, c));
        Assert.Contains("overlaps", ex.Message);
    }

    [Fact]
    public void ViewsShareMemoryWithoutACopy()
    {
        var data = Enumerable.Range(0, 6).Select(i => (double)i).ToArray();
        using var t = _device.Upload<double>(data, 2, 3);
        var transposed = t.Transpose();
        Assert.Equal(new nint[] { 3, 2 }, transposed.Lengths.ToArray());
        Assert.Equal(new double[] { 0, 3, 1, 4, 2, 5 }, transposed.ToArray());
        var column = t.Slice(1, 1, 1);
        Assert.Equal(new double[] { 1, 4 }, column.ToArray());
        Assert.False(column.IsDense);
    }

    [Fact]
    public void DisposeFreesDeviceMemory()
    {
        int before = _device.LiveAllocations;
        var t = _device.Allocate<float>(8, 8);
        var view = t.Transpose();
        Assert.Equal(before + 1, _device.LiveAllocations);
        view.Dispose(); // a view owns nothing
        Assert.Equal(before + 1, _device.LiveAllocations);
        t.Dispose();
        Assert.Equal(before, _device.LiveAllocations);
        Assert.Throws<ObjectDisposedException>(() => view.ToArray());
        using var y = _device.Allocate<float>(8, 8);
        Assert.Throws<ObjectDisposedException>(() => CorpusMethods.MatMulF(view, view, y));

        var device = EinsumDevice.Create(EinsumDeviceKind.Cpu);
        var a = device.Upload<float>(new float[] { 1, 2, 3, 4 }, 2, 2);
        var c = device.Allocate<float>(2, 2);
        CorpusMethods.MatMulF(a, a, c);
        Assert.Equal(new float[] { 7, 10, 15, 22 }, c.ToArray());
        Assert.Equal(2, device.LiveAllocations);
        device.Dispose();
        Assert.Equal(0, device.LiveAllocations);
        Assert.Equal(0, device.PooledBuffers);
        Assert.Throws<ObjectDisposedException>(() => c.ToArray());
    }

    [Fact]
    public void IntermediatesComeFromThePool()
    {
        var shapes = CorpusMethods.Cases.Single(c => c.Name == "TensorTrain").Shapes;
        var tensors = shapes.Select((s, i) => _device.Upload<float>(TestData.Elements(TestData.Random<float>(s, i)), s!)).ToArray();
        using var y = _device.Allocate<float>(4, 2, 2, 2, 2);
        CorpusMethods.TensorTrainF(tensors[0], tensors[1], tensors[2], tensors[3], tensors[4], y);
        int pooled = _device.PooledBuffers, live = _device.LiveAllocations;
        Assert.True(pooled >= 3, $"{pooled} pooled buffers after a four-step call");
        CorpusMethods.TensorTrainF(tensors[0], tensors[1], tensors[2], tensors[3], tensors[4], y);
        Assert.Equal(pooled, _device.PooledBuffers);
        Assert.Equal(live, _device.LiveAllocations);
        foreach (var t in tensors) t.Dispose();
    }

    [Fact]
    public void CudaWithoutAGpuIsAClearError()
    {
        EinsumDevice? cuda = null;
        try
        {
            cuda = EinsumDevice.Create(EinsumDeviceKind.Cuda);
            Assert.Equal(EinsumDeviceKind.Cuda, cuda.Kind); // a machine with a GPU
        }
        catch (NotSupportedException ex)
        {
            Assert.Contains("CUDA", ex.Message);
        }
        finally
        {
            cuda?.Dispose();
        }
    }

    [Fact]
    public void TheTensorTrainsLargeStepIsATiledGemm()
    {
        // W[abcdefgh] · x[nabcd] → y[nefgh]: M = efgh (in W only), N = n (in x only), K = abcd, each merged into one stride.
        var call = new EinsumGen.Runtime.StepCall(5, new[] { 'n', 'e', 'f', 'g', 'h', 'a', 'b', 'c', 'd' }.Select(c => (int)c).ToArray(),
            new nint[] { 256, 2, 2, 2, 2, 8, 8, 8, 8 },
            new nint[] { 0, 8, 4, 2, 1, 8192, 1024, 128, 16 },
            new nint[] { 4096, 0, 0, 0, 0, 512, 64, 8, 1 }, true,
            new nint[] { 16, 8, 4, 2, 1, 0, 0, 0, 0 });
        Assert.True(GemmShape.TryCreate(call, 0, 0, 0, false, out var g));
        Assert.Equal((16, 256, 4096, 1), (g.M, g.N, g.K, g.Batch));
        Assert.Equal((1L, 16L, 1L, 4096L, 1L, 16L), (g.AM, g.AK, g.BK, g.BN, g.CM, g.CN));

        // A label summed in one factor only is not a GEMM.
        var reduction = new EinsumGen.Runtime.StepCall(1, new[] { 'i', 'j' }.Select(c => (int)c).ToArray(), new nint[] { 3, 4 }, new nint[] { 4, 1 },
            new nint[] { 1, 0 }, true, new nint[] { 1, 0 });
        Assert.False(GemmShape.TryCreate(reduction, 0, 0, 0, false, out _));
    }
}
