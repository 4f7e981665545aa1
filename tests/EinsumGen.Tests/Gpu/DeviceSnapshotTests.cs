using System.Linq;
using EinsumGen.Tests.Generator;
using Xunit;

namespace EinsumGen.Tests.Gpu;

/// <summary>The device overloads the generator writes when the compilation references EinsumGen.Gpu, and only then.</summary>
public class DeviceSnapshotTests
{
    private const string Source = """
        using System.Numerics.Tensors;
        using EinsumGen;

        namespace Demo;

        public static partial class Ops
        {
            [Einsum("mn,nk->mk")]
            public static partial void MatMul(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);

            [Einsum("n,n->")]
            public static partial double Inner(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b);

            [Einsum("a,->a")]
            public static partial void Scale(ReadOnlyTensorSpan<float> x, float s, TensorSpan<float> y);

            [Einsum(",->")]
            public static partial float Product(float x, float y);
        }
        """;

    [Fact]
    public void MatMulDeviceOverloads()
    {
        var result = GeneratorHarness.Run(Source, device: true);
        Assert.True(result.CompilationDiagnostics.IsEmpty, string.Join("\n", result.CompilationDiagnostics));
        var device = result.Sources.Where(s => s.HintName.EndsWith(".Device.g.cs")).ToList();
        // Product has only rank-0 values: a device overload would have its CPU signature, so there is none.
        Assert.Equal(new[] { "Inner", "MatMul", "Scale" }, device.Select(s => s.HintName.Split('.')[2].Split('_')[0]).OrderBy(n => n).ToArray());
        foreach (var (hint, text) in device)
        {
            Assert.All(text.Split('\n'), line => Assert.True(line.Length <= 160, $"{hint}: {line}"));
        }
        var matMul = device.Single(s => s.HintName.Contains("MatMul"));
        Snapshot.Verify(matMul.Source, nameof(DeviceSnapshotTests), nameof(MatMulDeviceOverloads), matMul.HintName);
    }

    private const string SizedSource = """
        using System.Numerics.Tensors;
        using EinsumGen;

        namespace Demo;

        public static partial class Ops
        {
            [Einsum("ij,jk,kl->il", Sizes = "i=3,j=4,k=5,l=2")]
            public static partial void Chain(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, ReadOnlyTensorSpan<float> c, TensorSpan<float> d);

            [Einsum("ii", Sizes = "i=4")]
            public static partial double Trace(ReadOnlyTensorSpan<double> a);

            [Einsum("ij,jk->ik", Sizes = "j=4")]
            public static partial void PartlySized(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);
        }
        """;

    /// <summary>A method whose sizes are all declared gets kernels with constant sizes and strides in its device file; others none.</summary>
    [Fact]
    public void DeclaredSizesGetGeneratedKernels()
    {
        var result = GeneratorHarness.Run(SizedSource, device: true);
        Assert.True(result.CompilationDiagnostics.IsEmpty, string.Join("\n", result.CompilationDiagnostics));
        var device = result.Sources.Where(s => s.HintName.EndsWith(".Device.g.cs")).ToList();
        foreach (var (hint, text) in device)
        {
            Assert.All(text.Split('\n'), line => Assert.True(line.Length <= 160, $"{hint}: {line}"));
        }
        Assert.Contains("DeviceKernelSet<double>", device.Single(s => s.HintName.Contains("Trace")).Source);
        Assert.DoesNotContain("DeviceKernelSet", device.Single(s => s.HintName.Contains("PartlySized")).Source);
        var chain = device.Single(s => s.HintName.Contains("Chain"));
        Snapshot.Verify(chain.Source, nameof(DeviceSnapshotTests), nameof(DeclaredSizesGetGeneratedKernels), chain.HintName);
    }

    [Fact]
    public void NoDeviceOverloadsWithoutTheGpuAssembly()
    {
        var result = GeneratorHarness.Run(Source);
        Assert.True(result.CompilationDiagnostics.IsEmpty, string.Join("\n", result.CompilationDiagnostics));
        Assert.DoesNotContain(result.Sources, s => s.HintName.Contains("Device"));
    }
}
