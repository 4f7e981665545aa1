using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace EinsumGen.Tests.Generator;

/// <summary>Hint names are unique and valid by construction: one method's name never drops every method's output (CS8785).</summary>
public class HintNameTests
{
    private const string Usings = "using System.Numerics.Tensors;\nusing EinsumGen;\n\nnamespace Demo;\n\n";

    private static void AssertCompilesClean(string source, int methods)
    {
        var result = GeneratorHarness.Run(Usings + source);
        Assert.Null(result.GeneratorException);
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.True(result.CompilationDiagnostics.IsEmpty, string.Join("\n", result.CompilationDiagnostics));
        Assert.Equal(methods, result.Sources.Count);
        Assert.Equal(methods, result.Sources.Select(s => s.HintName).Distinct().Count());
    }

    [Fact]
    public void AGenericTypeAndATypeNamedLikeItsMetadataNameBothGetCode() => AssertCompilesClean("""
        public static partial class A_1
        {
            [Einsum("i,i->i")]
            public static partial void Mul(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);
        }

        public partial class A<T>
        {
            [Einsum("i,i->i")]
            public static partial void Mul(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);
        }
        """, methods: 2);

    [Fact]
    public void AFileLocalTypeIsALocatedErrorNotAnInternalOne()
    {
        var source = Usings + """
            file static partial class Local
            {
                [Einsum("i,i->")]
                public static partial float Dot(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b);
            }
            """;
        var result = GeneratorHarness.Run(source);
        Assert.Null(result.GeneratorException);
        var error = Assert.Single(result.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("EG0024", error.Id);
        Assert.Equal("Local", source.Substring(error.Location.SourceSpan.Start, error.Location.SourceSpan.Length));
        // No other file can complete a file-local type's method: the generator leaves only its note that it reported.
        var note = Assert.Single(result.Sources);
        Assert.DoesNotContain("partial", note.Source);
    }

    [Fact]
    public void AMethodThatHidesAnInheritedOneKeepsNewOnItselfOnly() => AssertCompilesClean("""
        public class Base
        {
            public static float Sum(ReadOnlyTensorSpan<float> a) => 0;
        }

        public partial class Derived : Base
        {
            [Einsum("i->")]
            public static new partial float Sum(ReadOnlyTensorSpan<float> a);
        }
        """, methods: 1);

    [Fact]
    public void AKeywordNamedMethodAnExtensionMethodAndANewlineInSizesGetCode() => AssertCompilesClean("""
        public static partial class Ops
        {
            [Einsum("i,i->i")]
            public static partial void @class(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);

            [Einsum("i->")]
            public static partial float Total(this ReadOnlyTensorSpan<float> a);

            [Einsum("ij,jk->ik", Sizes = "i=2,\nj=3")]
            public static partial void Product(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);
        }
        """, methods: 3);

    [Fact]
    public void UserMethodsNamedLikeTheGeneratedHelpersStayTheUsers() => AssertCompilesClean("""
        public static partial class Ops
        {
            [Einsum("mn,nk->mk", Sizes = "m=4,n=4,k=4")]
            public static partial void Mul(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);

            private static void MulCore(in ReadOnlyTensorSpan<float> a, in ReadOnlyTensorSpan<float> b, in TensorSpan<float> c) { }
            private static void MulStrided(in ReadOnlyTensorSpan<float> a, in ReadOnlyTensorSpan<float> b, in TensorSpan<float> c) { }
        }
        """, methods: 1);

    [Fact]
    public void AUserMethodNamedLikeTheBackwardIsALocatedError()
    {
        var source = Usings + """
            public static partial class Ops
            {
                [Einsum("mn,nk->mk")]
                public static partial void Mul(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);

                public static void MulBackward() { }
            }
            """;
        var result = GeneratorHarness.Run(source);
        var error = Assert.Single(result.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("EG0025", error.Id);
        Assert.Equal("MulBackward", source.Substring(error.Location.SourceSpan.Start, error.Location.SourceSpan.Length));
        // The clash is the one error: no CS0111 inside a generated file, no CS8795 on Mul.
        Assert.True(result.CompilationDiagnostics.IsEmpty, string.Join("\n", result.CompilationDiagnostics));
    }
}
