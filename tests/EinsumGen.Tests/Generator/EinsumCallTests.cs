using System.Linq;
using EinsumGen.Runtime;
using Xunit;

namespace EinsumGen.Tests.Generator;

/// <summary>
/// Generated methods call the runtime's <see cref="EinsumCall"/> up to its <see cref="EinsumCall.MaxOperands"/> operands
/// (one overload per count, written by tools/calls/generate.py); a method with more keeps its own views type and calls
/// <see cref="ProgramRunner"/>. Both sides of the boundary compile, with and without a rank-0 result; what they compute is
/// checked against the oracle by the corpus, the fuzzers and <see cref="ManyOperandsTests"/>.
/// </summary>
public class EinsumCallTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheGeneratorUsesEveryOverloadTheRuntimeHasAndNoMore(bool scalar)
    {
        int max = EinsumCall.MaxOperands;
        var source = "using System.Numerics.Tensors;\nusing EinsumGen;\npublic static partial class Ops\n{\n";
        for (int n = 1; n <= max + 1; n++)
        {
            // A chain over n operands: ab,bc,cd,… -> the first and last label, or a full contraction (rank-0 result).
            var terms = Enumerable.Range(0, n).Select(i => $"{(char)('a' + i)}{(char)('a' + i + 1)}").ToList();
            string output = scalar ? string.Empty : "a" + (char)('a' + n);
            var parameters = terms.Select((_, i) => $"ReadOnlyTensorSpan<double> x{i}").ToList();
            if (!scalar) parameters.Add("TensorSpan<double> y");
            source += $"    [Einsum(\"{string.Join(",", terms)}->{output}\")]\n" +
                      $"    public static partial {(scalar ? "double" : "void")} M{n}({string.Join(", ", parameters)});\n";
        }
        var result = GeneratorHarness.Run(source + "}\n");
        Assert.True(result.CompilationDiagnostics.IsEmpty, string.Join("\n", result.CompilationDiagnostics.Take(5)));
        for (int n = 1; n <= max + 1; n++)
        {
            string text = result.Sources.Single(s => s.HintName.StartsWith($"Ops.M{n}_", System.StringComparison.Ordinal)).Source;
            bool viaCall = n <= max;
            Assert.Equal(viaCall, text.Contains(scalar ? "EinsumCall.ForwardScalar<double>(" : "EinsumCall.Forward<double>("));
            Assert.Equal(viaCall, text.Contains("EinsumCall.Backward<double>("));
            Assert.Equal(viaCall, text.Contains(scalar ? "EinsumCall.JvpScalar<double>(" : "EinsumCall.Jvp<double>("));
            Assert.Equal(!viaCall, text.Contains("ProgramRunner.Forward<double, Generated::"));
            Assert.Equal(!viaCall, text.Contains("file ref struct"));
        }
    }
}
