using System.Linq;
using Xunit;

namespace EinsumGen.Tests.Generator;

/// <summary>Specs with 50+ operands: the generator emits code that compiles, and the runtime path matches the oracle.</summary>
public class ManyOperandsTests
{
    private const string Labels = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    /// <summary>A chain ab,bc,…,YZ over all 52 labels: 51 operands, output the first and last label.</summary>
    private static string Chain() =>
        string.Join(",", Enumerable.Range(0, Labels.Length - 1).Select(i => Labels.Substring(i, 2))) + "->aZ";

    [Fact]
    public void GeneratedCodeForAFiftyOneOperandChainCompiles()
    {
        string parameters = string.Join(", ", Enumerable.Range(0, 51).Select(i => "ReadOnlyTensorSpan<double> x" + i));
        var result = GeneratorHarness.Run("using System.Numerics.Tensors;\nusing EinsumGen;\npublic static partial class Ops\n{\n" +
            $"    [Einsum(\"{Chain()}\")] public static partial void Chain({parameters}, TensorSpan<double> y);\n}}\n");
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning);
        Assert.True(result.CompilationDiagnostics.IsEmpty, string.Join("\n", result.CompilationDiagnostics.Take(5)));
    }

    [Fact]
    public void RuntimeFiftyOneOperandChainMatchesTheMatrixProduct()
    {
        // The naive oracle would visit 2^52 label assignments; the chain is a plain product of 2×2 matrices.
        var operands = Enumerable.Range(0, 51).Select(i => TestData.Random<double>(new[] { 2, 2 }, 300 + i)).ToArray();
        var product = new double[,] { { 1, 0 }, { 0, 1 } };
        foreach (var m in operands)
        {
            var next = new double[2, 2];
            for (int i = 0; i < 2; i++) for (int j = 0; j < 2; j++) next[i, j] = product[i, 0] * m[0, j] + product[i, 1] * m[1, j];
            product = next;
        }
        var expected = System.Numerics.Tensors.Tensor.Create(new[] { product[0, 0], product[0, 1], product[1, 0], product[1, 1] }, new nint[] { 2, 2 });
        TestData.AssertClose(expected, Einsum.Evaluate(Chain(), operands), 2L * 51, "51-operand chain");
    }
}
