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

    /// <summary>
    /// Every declared-size corpus method's device file has short lines, its kernels wrapped as needed (the test project's
    /// own build compiles the same files: no compilation here, which would take ~40 s).
    /// </summary>
    [Fact]
    public void CorpusKernelFilesHaveShortLines()
    {
        var lines = System.IO.File.ReadAllLines(System.IO.Path.Combine(Here(), "..", "Corpus", "Corpus.Methods.cs"));
        var methods = new System.Text.StringBuilder();
        for (int i = 0; i + 1 < lines.Length; i++)
        {
            if (lines[i].TrimStart().StartsWith("[Einsum(", System.StringComparison.Ordinal) && lines[i].Contains("Sizes =")) methods.AppendLine(lines[i]).AppendLine(lines[i + 1]);
        }
        string source = "using System.Numerics.Tensors;\nusing EinsumGen;\nnamespace Demo;\npublic static partial class Corpus\n{\n" + methods + "}\n";
        var driver = GeneratorHarness.CreateDriver().RunGenerators(GeneratorHarness.Compile(source, device: true));
        var device = driver.GetRunResult().Results.SelectMany(r => r.GeneratedSources).Where(s => s.HintName.EndsWith(".Device.g.cs")).ToList();
        Assert.True(device.Count(s => s.SourceText.ToString().Contains("DeviceKernelSet<")) >= 80, "declared-size methods get kernels");
        foreach (var file in device)
        {
            Assert.All(file.SourceText.ToString().Split('\n'), line => Assert.True(line.Length <= 160, $"{file.HintName}: {line}"));
        }
    }

    private static string Here([System.Runtime.CompilerServices.CallerFilePath] string path = "") => System.IO.Path.GetDirectoryName(path)!;

    [Fact]
    public void NoDeviceOverloadsWithoutTheGpuAssembly()
    {
        var result = GeneratorHarness.Run(Source);
        Assert.True(result.CompilationDiagnostics.IsEmpty, string.Join("\n", result.CompilationDiagnostics));
        Assert.DoesNotContain(result.Sources, s => s.HintName.Contains("Device"));
    }
}
