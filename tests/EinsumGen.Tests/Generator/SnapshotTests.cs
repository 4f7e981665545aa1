using System.Linq;
using Xunit;

namespace EinsumGen.Tests.Generator;

/// <summary>The generated code for the seed examples, compared with committed snapshots (see <see cref="Snapshot"/>).</summary>
public class SnapshotTests
{
    private const string Usings = "using System.Numerics.Tensors;\nusing EinsumGen;\n\nnamespace Demo;\n\n";

    [Fact]
    public void SeedSectionOne() => Verify(nameof(SeedSectionOne), Usings + """
        public static partial class Ops
        {
            [Einsum("mn,nk->mk")]
            public static partial void MatMul(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);

            [Einsum("n,n->")]
            public static partial double Inner(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b);

            [Einsum("a,->a")]
            public static partial void Scale(ReadOnlyTensorSpan<float> x, float s, TensorSpan<float> y);

            [Einsum("mnk,mkr->nr")]
            internal static partial void Contraction(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);
        }
        """);

    [Fact]
    public void TensorTrainLayer() => Verify(nameof(TensorTrainLayer), Usings + """
        public static partial class Layers
        {
            public static partial class Tt
            {
                [Einsum("aei, bfij, cgjk, dhk, nabcd -> nefgh", Sizes = "a=8,b=8,c=8,d=8,e=2,f=2,g=2,h=2,i=8,j=8,k=8,n=256")]
                public static partial void Forward(ReadOnlyTensorSpan<float> w1, ReadOnlyTensorSpan<float> w2, ReadOnlyTensorSpan<float> w3,
                    ReadOnlyTensorSpan<float> w4, ReadOnlyTensorSpan<float> x, TensorSpan<float> y);
            }
        }
        """);

    [Fact]
    public void EllipsisAndTrace() => Verify(nameof(EllipsisAndTrace), Usings + """
        internal static partial class Misc
        {
            [Einsum("...ij,...jk->...ik")]
            public static partial void BatchedMatMul(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, TensorSpan<double> c);

            [Einsum("ii")]
            public static partial double Trace(ReadOnlyTensorSpan<double> a);
        }
        """);

    [Fact]
    public void DeclaredTinySteps() => Verify(nameof(DeclaredTinySteps), Usings + """
        public static partial class Tiny
        {
            [Einsum("mn,nk->mk", Sizes = "m=16,n=16,k=16")]
            public static partial void MatMul16(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);

            [Einsum("i,ij,j->", Sizes = "i=3,j=4")]
            public static partial double Bilinear(ReadOnlyTensorSpan<double> x, ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> y);
        }
        """);

    /// <summary>Three operands with sizes left to run time: the order may be re-planned per call, in the runtime's one sweep.</summary>
    [Fact]
    public void DynamicOrder() => Verify(nameof(DynamicOrder), Usings + """
        public static partial class Chains
        {
            [Einsum("ij,jk,kl->il")]
            public static partial void Chain(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, ReadOnlyTensorSpan<float> c, TensorSpan<float> d);
        }
        """);

    /// <summary>Labels of one operand summed first by a unary step (issue 18), planned on assumed and on declared sizes.</summary>
    [Fact]
    public void SingleOperandSums() => Verify(nameof(SingleOperandSums), Usings + """
        public static partial class Sums
        {
            [Einsum("abc,cd,de->ae")]
            public static partial void SumFirst(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, ReadOnlyTensorSpan<float> c, TensorSpan<float> d);

            [Einsum("iijk,kl,lm->jm", Sizes = "i=4,j=2,k=2,l=2,m=2")]
            public static partial void TraceFirst(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, ReadOnlyTensorSpan<double> c, TensorSpan<double> d);
        }
        """);

    /// <summary>Generated lines stay short enough to read: no line over 160 characters in any snapshot.</summary>
    [Fact]
    public void GeneratedLinesAreShort()
    {
        var source = Usings + """
            public static partial class Layers
            {
                [Einsum("aei, bfij, cgjk, dhk, nabcd -> nefgh", Sizes = "a=8,b=8,c=8,d=8,e=2,f=2,g=2,h=2,i=8,j=8,k=8,n=256")]
                public static partial void Forward(ReadOnlyTensorSpan<float> w1, ReadOnlyTensorSpan<float> w2, ReadOnlyTensorSpan<float> w3,
                    ReadOnlyTensorSpan<float> w4, ReadOnlyTensorSpan<float> x, TensorSpan<float> y);

                [Einsum("i,ij,j->", Sizes = "i=3,j=4")]
                public static partial double Bilinear(ReadOnlyTensorSpan<double> x, ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> y);
            }
            """;
        var result = GeneratorHarness.Run(source);
        foreach (var (hint, text) in result.Sources)
        {
            var lines = text.Split('\n');
            var longest = lines.OrderByDescending(l => l.Length).First();
            Assert.True(longest.Length <= 160, $"{hint}: a line of {longest.Length} characters: {longest}");
            if (hint.Contains("Forward")) Assert.True(lines.Length <= 200, $"{hint}: {lines.Length} lines");
        }
    }

    private static void Verify(string test, string source)
    {
        var result = GeneratorHarness.Run(source);
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning);
        Assert.True(result.CompilationDiagnostics.IsEmpty, string.Join("\n", result.CompilationDiagnostics));
        Assert.NotEmpty(result.Sources);
        foreach (var (hint, text) in result.Sources) Snapshot.Verify(text, nameof(SnapshotTests), test, hint);
    }
}
