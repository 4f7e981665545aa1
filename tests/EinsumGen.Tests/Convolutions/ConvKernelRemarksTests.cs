using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Text.RegularExpressions;
using EinsumGen.Convolutions;
using EinsumGen.Tests.Generator;
using Xunit;

namespace EinsumGen.Tests.Convolutions;

/// <summary>
/// A <c>[Convolution]</c> layer's remarks name the kernel the runtime picks (the routing predicates <c>Conv</c> branches on,
/// and KFAC-reduce's mean), for the channels and input size of a real layer: the remarks print the decision per channel
/// regime and input-size variant, the test reads the line that applies and compares it with the runtime's pick; each
/// operation then runs once, float and double, against the direct-loop oracle.
/// </summary>
public class ConvKernelRemarksTests
{
    public sealed record Layer(string Name, string Attribute, int In, int Out, int Size, ConvSpec Spec)
    {
        public override string ToString() => Name;
    }

    private static ConvSpec Square(int kernel, int stride = 1, int padding = 0, int groups = 1) =>
        ConvSpec.Uniform(2, kernel, stride, padding, groups: groups);

    public static TheoryData<Layer> Layers => new()
    {
        new Layer("ResNet 3x3/2 p1, 64 -> 128", "3, 3, Stride = new[] { 2 }, Padding = new[] { 1 }", 64, 128, 28, Square(3, 2, 1)),
        new Layer("1x1, 64 -> 128", "1, 1", 64, 128, 28, Square(1)),
        new Layer("depthwise 3x3 p1, 32 channels", "3, 3, Padding = new[] { 1 }, Groups = 32", 32, 32, 28, Square(3, 1, 1, groups: 32)),
        new Layer("ConvNeXt patchify 4x4/4, 3 -> 128", "4, 4, Stride = new[] { 4 }", 3, 128, 32, Square(4, 4)),
        new Layer("patchify 4x4/4 on 30x30 (not dense), 3 -> 16", "4, 4, Stride = new[] { 4 }", 3, 16, 30, Square(4, 4)),
        new Layer("7x7/2 p3 stem, 3 -> 64", "7, 7, Stride = new[] { 2 }, Padding = new[] { 3 }", 3, 64, 32, Square(7, 2, 3)),
        new Layer("MobileNetV2 depthwise 3x3/2 p1, 32 channels", "3, 3, Stride = new[] { 2 }, Padding = new[] { 1 }, Groups = 32", 32, 32, 28,
            Square(3, 2, 1, groups: 32)),
        new Layer("thin 3x3 p1, 64 -> 3", "3, 3, Padding = new[] { 1 }", 64, 3, 16, Square(3, 1, 1)),
        new Layer("ResNet 3x3 p1, 64 -> 64", "3, 3, Padding = new[] { 1 }", 64, 64, 14, Square(3, 1, 1)),
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void RemarksNameTheKernelTheRuntimePicks(Layer l)
    {
        var remarks = GeneratedRemarks(l);
        var geometries = l.Spec.Geometries(new[] { l.Size, l.Size });
        int inG = l.In / l.Spec.Groups, outG = l.Out / l.Spec.Groups;
        long taps = l.Spec.KernelSize.Aggregate(1L, (a, k) => a * k);

        string forward = Pick(ImplicitGemmConv.Applies<float>(l.Spec, geometries, inG, outG), ThinConv.Applies<float>(l.Spec, geometries, inG, outG));
        Assert.StartsWith(forward, Regime(l, remarks["Forward"], "C_out/G ≥ 4 and C_in/G·ΠK ≥ 4", outG >= 4 && inG * taps >= 4));
        Assert.StartsWith(forward, Regime(l, remarks["WeightVjp"], "C_out/G ≥ 4 and C_in/G·ΠK ≥ 4", outG >= 4 && inG * taps >= 4));

        string input = ImplicitGemmConv.AppliesToInputVjp<float>(l.Spec, geometries, inG, outG) ? "ImplicitGemmConv"
            : ImplicitGemmConv.AppliesToStridedInputVjp<float>(l.Spec, geometries, inG, outG) ? "ImplicitGemmPhases"
            : ThinConv.AppliesToInputVjp<float>(l.Spec, geometries, inG, outG) ? "ThinConv"
            : ThinStridedInputVjp.Applies<float>(l.Spec, geometries, inG, outG) ? "ThinStridedInputVjp" : "the einsum network";
        Assert.StartsWith(input, Regime(l, remarks["InputVjp"], "C_in/G ≥ 4 and C_out/G·ΠK ≥ 4", inG >= 4 && outG * taps >= 4));

        // KFAC-reduce on a dense x: the bins, else the window sums, else the Π̄ matrices (ConvAveragedPlan's order).
        string mean = ConvBinnedMean.TryCreate<float>(geometries) is not null ? "ConvBinnedMean"
            : ConvWindowMean.TryCreate(geometries) is not null ? "ConvWindowMean" : "the Π̄ matrices";
        Assert.StartsWith(mean, After(Block(l, remarks["KfacReduce"]), "the mean unfolded input of a dense x: "));

        RunAgainstTheOracle<float>(l);
        RunAgainstTheOracle<double>(l);
    }

    /// <summary>The six named layers pick the kernels the issue expects (so the remarks test above covers each kind).</summary>
    [Fact]
    public void TheLayersCoverEveryKernel()
    {
        var picks = ((IEnumerable<object[]>)Layers).Select(row => (Layer)row[0]).ToDictionary(l => l.Name, l =>
        {
            var g = l.Spec.Geometries(new[] { l.Size, l.Size });
            int inG = l.In / l.Spec.Groups, outG = l.Out / l.Spec.Groups;
            return (Forward: ConvKernelChoice.Forward(g, inG, outG), Input: ConvKernelChoice.InputVjp(g, inG, outG), Mean: ConvKernelChoice.KfacMean(g));
        });
        Assert.Equal((ConvKernel.ImplicitGemm, ConvKernel.ImplicitGemmPhases, ConvKfacMean.WindowSums), picks["ResNet 3x3/2 p1, 64 -> 128"]);
        Assert.Equal((ConvKernel.Network, ConvKernel.Network, ConvKfacMean.Matrices), picks["1x1, 64 -> 128"]);
        Assert.Equal((ConvKernel.Thin, ConvKernel.Thin, ConvKfacMean.WindowSums), picks["depthwise 3x3 p1, 32 channels"]);
        Assert.Equal((ConvKernel.Network, ConvKernel.Network, ConvKfacMean.Binned), picks["ConvNeXt patchify 4x4/4, 3 -> 128"]);
        // Not dense on 30×30: the forward is an implicit GEMM, the input VJP (3 rows, strided) keeps the network.
        Assert.Equal((ConvKernel.ImplicitGemm, ConvKernel.Network, ConvKfacMean.Binned), picks["patchify 4x4/4 on 30x30 (not dense), 3 -> 16"]);
        // The stem's input VJP has 3 rows (its input channels): too thin for the phases, and strided for the thin kernel.
        Assert.Equal((ConvKernel.ImplicitGemm, ConvKernel.Network, ConvKfacMean.WindowSums), picks["7x7/2 p3 stem, 3 -> 64"]);
        Assert.Equal((ConvKernel.Thin, ConvKernel.ImplicitGemm, ConvKfacMean.WindowSums), picks["thin 3x3 p1, 64 -> 3"]);
        Assert.Equal((ConvKernel.Thin, ConvKernel.ThinStrided, ConvKfacMean.WindowSums), picks["MobileNetV2 depthwise 3x3/2 p1, 32 channels"]);
        Assert.Equal((ConvKernel.ImplicitGemm, ConvKernel.ImplicitGemm, ConvKfacMean.WindowSums), picks["ResNet 3x3 p1, 64 -> 64"]);
    }

    /// <summary>
    /// The shared decisions the remarks print agree with the kernels' own: the stride-1 in-place form with the geometry's
    /// shift (forward and input VJP), and the phases a tap reaches with <see cref="ImplicitGemmPhases"/>.
    /// </summary>
    [Theory]
    [InlineData(3, 1, 1, 1)]
    [InlineData(3, 1, 0, 2)]
    [InlineData(7, 1, 3, 1)]
    [InlineData(5, 1, 2, 1)]
    [InlineData(3, 2, 1, 1)]
    [InlineData(2, 3, 1, 1)]
    [InlineData(3, 2, 2, 2)]
    [InlineData(7, 2, 3, 1)]
    [InlineData(4, 4, 1, 1)]
    public void SharedFormsMatchTheKernels(int kernel, int stride, int padding, int dilation)
    {
        foreach (int dims in new[] { 1, 2, 3 })
        {
            var spec = ConvSpec.Uniform(dims, kernel, stride, padding, dilation);
            for (int size = kernel * dilation; size <= 40; size += dims == 3 ? 7 : 1)
            {
                var sizes = Enumerable.Repeat(size, dims).ToArray();
                if (ConvGeometry.TryCreate(size, kernel, stride, padding, dilation, out _) is not null) continue;
                var g = spec.Geometries(sizes);
                var forward = ImplicitGemmGeometryCache.Forward(g).Shift;
                Assert.Equal(forward?.Serves(ImplicitGemmForm.Auto) == true, ConvKernelChoice.ForwardReadsInPlace(g));
                // The input VJP's shift runs where the stride is 1 (strided ones go by phase).
                if (stride == 1)
                {
                    var input = ImplicitGemmGeometryCache.InputVjp(g).Shift;
                    Assert.Equal(input?.Serves(ImplicitGemmForm.Auto) == true, ConvKernelChoice.InputVjpReadsInPlace(g));
                }
                else
                {
                    var phases = new ImplicitGemmPhases(g);
                    Assert.Equal(phases.Phases.Count(p => p.TapCount > 0), g.Aggregate(1, (a, d) => a * ConvKernelChoice.ReachedPhases(d)));
                }
            }
        }
    }

    /// <summary>The in-place threshold the remarks print for a 3×3 p1 layer is where the shift starts to serve.</summary>
    [Fact]
    public void TheInPlaceThresholdIsWhereTheShiftServes()
    {
        var l = new Layer("3x3 p1", "3, 3, Padding = new[] { 1 }", 8, 8, 7, Square(3, 1, 1));
        string text = Flatten(Generated(l, "Forward", "Tensor<float> x, Tensor<float> weight"));
        var match = Regex.Match(text, @"inputs from (\d+)×\d+ on");
        Assert.True(match.Success, text);
        int from = int.Parse(match.Groups[1].Value);
        bool Serves(int n) => ImplicitGemmGeometryCache.Forward(l.Spec.Geometries(new[] { n, n })).Shift?.Serves(ImplicitGemmForm.Auto) == true;
        Assert.False(Serves(from - 1));
        for (int n = from; n < from + 40; n++) Assert.True(Serves(n), $"{n}x{n}");
    }

    private static string Pick(bool gemm, bool thin) => gemm ? "ImplicitGemmConv" : thin ? "ThinConv" : "the einsum network";

    /// <summary>The remark text after the line of the regime that applies (or the line for all channels).</summary>
    private static string Regime(Layer l, string remarks, string wideCondition, bool wide)
    {
        string block = Block(l, remarks);
        if (block.Contains("whatever the channels: ", StringComparison.Ordinal)) return After(block, "whatever the channels: ");
        if (wide) return After(block, "with " + wideCondition + ": ");
        if (block.Contains("else with C_out/G < 4: ", StringComparison.Ordinal))
        {
            return l.Out / l.Spec.Groups < 4 ? After(block, "else with C_out/G < 4: ") : After(block, "otherwise (thin, C_out/G ≥ 4): ");
        }
        return After(block, "otherwise (thin: depthwise, or few channels): ");
    }

    /// <summary>The kernel lines of the input-size variant that applies to the layer's size.</summary>
    private static string Block(Layer l, string remarks)
    {
        var blocks = remarks.Split("Kernel at run time (ConvKernelChoice; float and double, Simplify on; else the network above):").Skip(1).ToList();
        Assert.NotEmpty(blocks);
        var step = Regex.Match(remarks, @"multiple of (\d+)");
        if (!step.Success)
        {
            Assert.Single(blocks);
            return blocks[0];
        }
        Assert.Equal(2, blocks.Count);
        return l.Size % int.Parse(step.Groups[1].Value) == 0 ? blocks[0] : blocks[1];
    }

    private static string After(string text, string marker)
    {
        int at = text.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{marker}' not in: {text}");
        return text.Substring(at + marker.Length);
    }

    /// <summary>Each operation's remarks, as one line of text (doc-comment wrapping undone).</summary>
    private static Dictionary<string, string> GeneratedRemarks(Layer l) => new()
    {
        ["Forward"] = Flatten(Generated(l, "Forward", "Tensor<float> x, Tensor<float> weight")),
        ["WeightVjp"] = Flatten(Generated(l, "WeightVjp", "Tensor<float> x, Tensor<float> outputGradient")),
        ["InputVjp"] = Flatten(Generated(l, "InputVjp", "Tensor<float> outputGradient, Tensor<float> weight, int[] inputSize")),
        ["KfacReduce"] = Flatten(Generated(l, "KfacReduce", "Tensor<float> x")),
    };

    private static string Generated(Layer l, string operation, string parameters)
    {
        string source = "using System.Numerics.Tensors;\nusing EinsumGen.Convolutions;\npublic static partial class Layers\n{\n"
            + "    [Convolution(" + l.Attribute + ", Operation = ConvOperation." + operation + ")]\n"
            + "    internal static partial Tensor<float> F(" + parameters + ");\n}\n";
        var result = GeneratorHarness.Run(source);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.True(result.CompilationDiagnostics.IsEmpty, string.Join("\n", result.CompilationDiagnostics));
        var text = Assert.Single(result.Sources).Source;
        Assert.All(text.Split('\n'), line => Assert.True(line.Length <= 160, line));
        return text;
    }

    private static string Flatten(string source)
    {
        var lines = source.Split('\n').Select(s => s.Trim());
        var remarks = lines.SkipWhile(s => s != "/// <remarks>").Skip(1).TakeWhile(s => s != "/// </remarks>");
        return string.Join(" ", remarks.Select(s => s.Substring(3).Trim()));
    }

    /// <summary>Forward, both VJPs (transpose relations with the oracle's forward) and KFAC-reduce (unfold-based) at batch 1.</summary>
    private static void RunAgainstTheOracle<T>(Layer l) where T : unmanaged, INumberBase<T>
    {
        int[] xs = { 1, l.In, l.Size, l.Size };
        int[] ws = new[] { l.Out, l.In / l.Spec.Groups }.Concat(l.Spec.KernelSize).ToArray();
        var x = ConvOracle.Random(xs, 11);
        var w = ConvOracle.Random(ws, 12);
        var y = ConvOracle.Forward(x, xs, w, ws, l.Spec, out var ys);
        long terms = ws.Skip(1).Aggregate(1L, (a, b) => a * b);
        string context = $"{l} {typeof(T).Name}";
        ConvOracle.AssertClose(y, Conv.Forward(ConvOracle.ToTensor<T>(x, xs), ConvOracle.ToTensor<T>(w, ws), l.Spec), ys, terms, context + " forward");

        var v = ConvOracle.Random(ys, 13);
        double loss = ConvGradientTests.Dot(v, y);
        var gx = ConvOracle.ToDoubles(Conv.InputVjp(ConvOracle.ToTensor<T>(v, ys), ConvOracle.ToTensor<T>(w, ws), l.Spec, new[] { l.Size, l.Size }));
        var gw = ConvOracle.ToDoubles(Conv.WeightVjp(ConvOracle.ToTensor<T>(x, xs), ConvOracle.ToTensor<T>(v, ys), l.Spec));
        double tolerance = typeof(T) == typeof(float) ? 1e-4 : 1e-10;
        ConvGradientTests.Near(loss, ConvGradientTests.Dot(gx, x), tolerance, context + ": ⟨VJP_x(v), x⟩ = ⟨v, y⟩");
        ConvGradientTests.Near(loss, ConvGradientTests.Dot(gw, w), tolerance, context + ": ⟨VJP_W(v), W⟩ = ⟨v, y⟩");

        var u = ConvOracle.Unfold(x, xs, l.Spec, out var us);
        int side = us[1] / l.Spec.Groups;
        var reduce = ConvOracle.KfacReduceFromColumns(u, us[0], us[1], us[2], l.Spec.Groups);
        ConvOracle.AssertClose(reduce, Conv.KfacReduce(ConvOracle.ToTensor<T>(x, xs), l.Spec), new[] { l.Spec.Groups, side, side }, us[2] * 2, context + " KFAC-reduce");
    }
}
