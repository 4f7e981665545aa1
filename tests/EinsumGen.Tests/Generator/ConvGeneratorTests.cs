using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace EinsumGen.Tests.Generator;

/// <summary>
/// The [Convolution] pipeline: each bad constant or signature gives exactly one located EG01xx error and a body that throws
/// (no follow-on errors); a good layer compiles cleanly, matches its snapshot and keeps its lines short.
/// </summary>
public class ConvGeneratorTests
{
    private const string Header = "using System.Numerics.Tensors;\nusing EinsumGen.Convolutions;\npublic static partial class Layers\n{\n";
    private const string F = "public static partial Tensor<float> F(Tensor<float> x, Tensor<float> weight);";
    private const string X = "public static partial Tensor<float> F(Tensor<float> x);";
    private const string R = "public static partial Tensor<float> F(Tensor<float> x, Tensor<float> v, int seed);";

    [Theory]
    [InlineData("EG0100", "[Convolution(3, [|0|])] " + F)]
    [InlineData("EG0100", "[Convolution(new[] { 3, [|-1|] })] " + F)]
    [InlineData("EG0100", "[Convolution(3, 3, Stride = new[] { 1, [|0|] })] " + F)]
    [InlineData("EG0100", "[Convolution(3, 3, Stride = [[|0|]])] " + F)]
    [InlineData("EG0100", "[Convolution(3, Dilation = new[] { [|0|] })] " + F)]
    [InlineData("EG0100", "[Convolution(3, 3, Padding = new[] { 1, [|-2|] })] " + F)]
    [InlineData("EG0100", "[Convolution(3, Stride = new[] { 2 }, SamePadding = [|true|])] " + F)]
    [InlineData("EG0100", "[Convolution(3, Groups = [|0|])] " + F)]
    [InlineData("EG0100", "[[|Convolution|]] " + F)]
    [InlineData("EG0101", "[Convolution(3, 3, Stride = [|new[] { 1, 1, 1 }|])] " + F)]
    [InlineData("EG0101", "[Convolution(3, Padding = [|new int[] { 1, 1 }|])] " + F)]
    [InlineData("EG0100", "[Convolution(3, Stride = new[] { 2 }, OutputPadding = new[] { [|2|] }, Operation = ConvOperation.TransposeForward)] " + F)]
    [InlineData("EG0100", "[Convolution(3, OutputPadding = [|new[] { 0 }|])] " + F)]
    [InlineData("EG0100", "[Convolution(3, Keep = [|0.5|])] " + F)]
    [InlineData("EG0100", "[[|Convolution(3, Operation = ConvOperation.WeightVjpRandomized)|]] " + R)]
    [InlineData("EG0100", "[Convolution(3, Operation = ConvOperation.WeightVjpRandomized, Keep = [|1.5|])] " + R)]
    [InlineData("EG0100", "[Convolution(3, Operation = ConvOperation.WeightVjpRandomized, Keep = 0.5, DropoutAxes = [|(ConvDropoutAxes)7|])] " + R)]
    [InlineData("EG0101", "[Convolution(3, 3, OutputPadding = [|new[] { 1, 1, 1 }|], Operation = ConvOperation.TransposeUnfold)] " + X)]
    [InlineData("EG0100", "[Convolution(3, 3, PaddingPerSide = new[] { 1, 0, [|-1|], 2 })] " + F)]
    [InlineData("EG0100", "[Convolution(3, 3, PaddingPerSide = new[] { 1, [|-2|] })] " + F)]
    [InlineData("EG0100", "[Convolution(3, Padding = new[] { 1 }, PaddingPerSide = [|new[] { 1, 0 }|])] " + F)]
    [InlineData("EG0100", "[Convolution(3, SamePadding = true, PaddingPerSide = [|new[] { 1, 0 }|])] " + F)]
    [InlineData("EG0104", "[Convolution(3, 3, PaddingPerSide = [|new[] { 1, 0, 1 }|])] " + F)]
    [InlineData("EG0104", "[Convolution(3, PaddingPerSide = [|[1]|])] " + F)]
    [InlineData("EG0105", "[Convolution(3)] " + F + " public static int [|FJvp|]() => 0;")]
    [InlineData("EG0105", "[Convolution(3, Operation = ConvOperation.Unfold)] " + X + " public static int [|FBackward|];")]
    [InlineData("EG0105", "[Convolution(3, Operation = ConvOperation.Fold)] public static partial Tensor<float> F(Tensor<float> c, int[] size); public static int [|FJvp|];")]
    [InlineData("EG0102", "[Convolution(3, Operation = [|(ConvOperation)99|])] " + F)]
    [InlineData("EG0103", "[Convolution(3, Operation = ConvOperation.InputVjp)] public static partial Tensor<float> [|F|](Tensor<float> v, Tensor<float> w, long[] size);")]
    [InlineData("EG0103", "[Convolution(3, Operation = ConvOperation.InputVjp)] public static partial Tensor<float> [|F|](Tensor<float> v, Tensor<float> w);")]
    [InlineData("EG0103", "[Convolution(3)] public static partial Tensor<float> [|F|](Tensor<float> x, Tensor<float> w, Tensor<float> b, Tensor<float> c);")]
    [InlineData("EG0103", "[Convolution(3, Operation = ConvOperation.Kfc)] public static partial Tensor<float> [|F|](Tensor<float> x, Tensor<float> bias);")]
    [InlineData("EG0103", "[Convolution(3, Operation = ConvOperation.WeightVjpRandomized, Keep = 0.5)] public static partial Tensor<float> [|F|](Tensor<float> x, Tensor<float> v, long seed);")]
    [InlineData("EG0103", "[Convolution(3)] public static partial Tensor<float> [|F|](Tensor<float> x);")]
    [InlineData("EG0103", "[Convolution(3)] public static partial Tensor<int> [|F|](Tensor<int> x, Tensor<int> weight);")]
    [InlineData("EG0103", "[Convolution(3)] public static partial Tensor<float> [|F|](Tensor<float> x, Tensor<double> weight);")]
    [InlineData("EG0103", "[Convolution(3, Operation = ConvOperation.Kfc)] public static partial Tensor<double> [|F|](Tensor<float> x);")]
    [InlineData("EG0103", "[Convolution(3)] public static Tensor<float> [|F|](Tensor<float> x, Tensor<float> weight) => x;")]
    [InlineData("EG0103", "[Convolution(3)] public static partial Tensor<T> [|F|]<T>(Tensor<T> x, Tensor<T> weight);")]
    public void ReportsExactlyOneDiagnosticAtTheMarkedSpan(string id, string member)
    {
        var (source, span) = DiagnosticsTests.Markup(Header + "    " + member + "\n}\n");
        var result = GeneratorHarness.Run(source);
        Assert.Null(result.GeneratorException);
        var eg = result.GeneratorDiagnostics.Where(d => d.Id.StartsWith("EG")).ToList();
        Assert.True(eg.Count == 1, $"expected one {id}, got: {string.Join("; ", eg)}");
        Assert.Equal(id, eg[0].Id);
        Assert.Equal(DiagnosticSeverity.Error, eg[0].Severity);
        Assert.Equal(span, eg[0].Location.SourceSpan);
        var file = Assert.Single(result.Sources);
        Assert.Contains(".EG_", file.HintName);
        Assert.True(result.CompilationDiagnostics.IsEmpty,
            string.Join("\n", result.CompilationDiagnostics) + "\n" + GeneratorHarness.Numbered(file.Source));
    }

    private const string Layers = """
        using System.Numerics.Tensors;
        using EinsumGen.Convolutions;

        namespace Demo;

        public static partial class Layers
        {
            [Convolution(3, 3, Padding = new[] { 1 }, Groups = 2)]
            public static partial Tensor<float> Conv3x3(Tensor<float> x, Tensor<float> weight);

            [Convolution(4, 4, Stride = new[] { 4 }, Operation = ConvOperation.WeightVjp)]
            internal static partial Tensor<double> PatchifyWeightGradient(Tensor<double> x, Tensor<double> outputGradient);

            [Convolution(1, 1)]
            public static partial Tensor<float> Pointwise(Tensor<float> x, Tensor<float> weight, Tensor<float> bias);

            [Convolution(3, 3, Stride = new[] { 2 }, Padding = new[] { 1 }, OutputPadding = new[] { 1 }, Operation = ConvOperation.TransposeForward)]
            public static partial Tensor<float> Upsample(Tensor<float> x, Tensor<float> weight);

            [Convolution(3, 3, Padding = new[] { 1 }, Operation = ConvOperation.InputVjp)]
            public static partial Tensor<float> InputGradient(Tensor<float> outputGradient, Tensor<float> weight, int[] inputSize);

            [Convolution(2, 2, Stride = new[] { 2 }, Operation = ConvOperation.Fold)]
            public static partial Tensor<double> Col2Im(Tensor<double> columns, int[] inputSize);
        }
        """;

    [Fact]
    public void ConvolutionLayers()
    {
        var result = GeneratorHarness.Run(Layers);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.True(result.CompilationDiagnostics.IsEmpty, string.Join("\n", result.CompilationDiagnostics));
        Assert.Equal(6, result.Sources.Count);
        foreach (var (hint, text) in result.Sources) Snapshot.Verify(text, nameof(ConvGeneratorTests), nameof(ConvolutionLayers), hint);
    }

    /// <summary>The remarks print the networks simplified at build time: a 4×4/4 patchify is dense only when 4 divides the input.</summary>
    [Fact]
    public void RemarksShowTheNetworkBeforeAndAfterSimplification()
    {
        var text = GeneratorHarness.Run(Layers).Sources.Single(s => s.HintName.Contains("Patchify")).Source;
        Assert.Contains("<code>ngabc,deb,fhc,ngieh->giadf</code> as built;", text);
        Assert.Contains("<code>nabjck,nibc->iajk</code> simplified when every input size is a multiple of 4", text);
        Assert.Contains("simplified otherwise", text);
        Assert.Contains("planned: ", text);
        Assert.All(text.Split('\n'), line => Assert.True(line.Length <= 160, line));
    }

    /// <summary>A 1×1 convolution runs as one channel matmul whatever the input size; the remarks say so with the planned step.</summary>
    [Fact]
    public void RemarksShowAPointwiseConvolutionAsAChannelMatmul()
    {
        var text = GeneratorHarness.Run(Layers).Sources.Single(s => s.HintName.Contains("Pointwise")).Source;
        Assert.Contains("<code>nabc,ia->nibc</code> simplified, whatever the input size, which runs as:", text);
        Assert.Contains("einsum <code>nab,ia->nib</code> (legs merged from <code>nabc,ia->nibc</code>)", text);
        Assert.Contains("(GEMM)", text);
        Assert.DoesNotContain("unfold", text);
        Assert.Contains("Conv.Forward(x, weight, __Pointwise_ConvSpec, bias)", text);
    }
}

/// <summary>A [Convolution] layer's Backward and Jvp follow the attribute's Derivatives, else the project's EinsumGenDerivatives.</summary>
public class ConvDerivativesOptionTests
{
    [Theory]
    [InlineData("", null, true)]
    [InlineData("", "false", false)]
    [InlineData(", Derivatives = true", "false", true)]
    [InlineData(", Derivatives = false", "true", false)]
    public void TheAttributeElseTheProjectDecides(string attributeTail, string? projectProperty, bool expected)
    {
        string source = "using System.Numerics.Tensors;\nusing EinsumGen.Convolutions;\npublic static partial class Layers\n{\n"
            + "    [Convolution(3, 3, PaddingPerSide = new[] { 1, 0, 2, 1 }" + attributeTail + ")]\n"
            + "    internal static partial Tensor<float> F(Tensor<float> x, Tensor<float> weight, Tensor<float> bias);\n}\n";
        var properties = projectProperty is null ? null : new System.Collections.Generic.Dictionary<string, string> { ["EinsumGenDerivatives"] = projectProperty };
        var result = GeneratorHarness.Run(source, buildProperties: properties);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.True(result.CompilationDiagnostics.IsEmpty, string.Join("\n", result.CompilationDiagnostics));
        var text = Assert.Single(result.Sources).Source;
        Assert.Contains("global::EinsumGen.Convolutions.ConvPadding.PerSide(1, 0),\n", text);
        Assert.Contains("global::EinsumGen.Convolutions.ConvPadding.PerSide(2, 1),\n", text);
        Assert.Equal(expected, text.Contains(" FBackward("));
        Assert.Equal(expected, text.Contains("internal static global::System.Numerics.Tensors.Tensor<float> FJvp("));
        Assert.All(text.Split('\n'), line => Assert.True(line.Length <= 160, line));
    }
}

/// <summary>The [Convolution] parse step is cached across an unrelated edit, so nothing is re-emitted.</summary>
public class ConvCachingTests
{
    [Fact]
    public void UnrelatedEditKeepsTheConvolutionStepCached()
    {
        const string source = """
            using System.Numerics.Tensors;
            using EinsumGen.Convolutions;
            public static partial class Layers
            {
                [Convolution(3, 3, Padding = new[] { 1 })]
                public static partial Tensor<float> Good(Tensor<float> x, Tensor<float> weight);
                [Convolution(3, 0)]
                public static partial Tensor<float> Bad(Tensor<float> x, Tensor<float> weight);
            }
            """;
        var compilation = GeneratorHarness.Compile(source);
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        Assert.Equal(2, first.TrackedSteps[EinsumGen.Generator.TrackingNames.ConvMethods].SelectMany(s => s.Outputs).Count());
        var edited = compilation.AddSyntaxTrees(Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText("public static class Unrelated { public static int X = 1; }",
            (Microsoft.CodeAnalysis.CSharp.CSharpParseOptions)compilation.SyntaxTrees.First().Options));
        var run = driver.RunGenerators(edited).GetRunResult().Results.Single();
        var outputs = run.TrackedSteps[EinsumGen.Generator.TrackingNames.ConvMethods].SelectMany(s => s.Outputs).ToList();
        Assert.Equal(2, outputs.Count);
        Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
    }
}
