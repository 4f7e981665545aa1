using System;
using System.Collections;
using System.Linq;
using EinsumGen.Generator;
using Microsoft.CodeAnalysis;
using Xunit;

namespace EinsumGen.Tests.Generator;

/// <summary>
/// The pipeline is incremental: a second run over an unchanged (cloned) compilation, or after an unrelated edit, leaves
/// every tracked step cached, and no step output holds a Compilation, symbol or syntax node.
/// </summary>
public class CachingTests
{
    private const string Source = """
        using System.Numerics.Tensors;
        using EinsumGen;
        public static partial class Ops
        {
            [Einsum("mn,nk->mk")]
            public static partial void MatMul(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);
            [Einsum("i[->i")]
            public static partial void Broken(ReadOnlyTensorSpan<float> a, TensorSpan<float> c);
        }
        """;

    private static readonly string[] Tracked = { TrackingNames.Methods, TrackingNames.Plans, TrackingNames.Diagnostics, TrackingNames.Stubs, TrackingNames.Models };

    [Fact]
    public void SecondRunOnClonedCompilationIsCached()
    {
        var compilation = GeneratorHarness.Compile(Source);
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        foreach (var name in Tracked)
        {
            Assert.True(first.TrackedSteps.ContainsKey(name), $"step {name} is not tracked");
            foreach (var step in first.TrackedSteps[name])
            {
                foreach (var (value, _) in step.Outputs) AssertNoRoslynObjects(value, name);
            }
        }

        var second = driver.RunGenerators(compilation.Clone()).GetRunResult().Results.Single();
        AssertAllCached(second);
    }

    [Fact]
    public void UnrelatedEditKeepsModelsCached()
    {
        var compilation = GeneratorHarness.Compile(Source);
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        var edited = compilation.AddSyntaxTrees(Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText("public static class Unrelated { public static int X = 1; }", (Microsoft.CodeAnalysis.CSharp.CSharpParseOptions)compilation.SyntaxTrees.First().Options));
        var run = driver.RunGenerators(edited).GetRunResult().Results.Single();
        AssertAllCached(run);
    }

    private static void AssertAllCached(GeneratorRunResult run)
    {
        foreach (var name in Tracked)
        {
            foreach (var step in run.TrackedSteps[name])
            {
                foreach (var (_, reason) in step.Outputs)
                {
                    Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"step {name} ran again: {reason}");
                }
            }
        }
    }

    /// <summary>Walks a model's public properties; Roslyn objects would pin compilations in memory and defeat caching.</summary>
    private static void AssertNoRoslynObjects(object? value, string step, int depth = 0)
    {
        if (value is null || depth > 8) return;
        Assert.False(value is Compilation or ISymbol or SyntaxNode or SyntaxTree or Location, $"step {step} holds a {value.GetType().Name}");
        var type = value.GetType();
        if (type.IsPrimitive || value is string || type.IsEnum) return;
        if (value is IEnumerable items)
        {
            foreach (var item in items) AssertNoRoslynObjects(item, step, depth + 1);
            return;
        }
        foreach (var property in type.GetProperties().Where(p => p.GetIndexParameters().Length == 0))
        {
            AssertNoRoslynObjects(property.GetValue(value), step, depth + 1);
        }
    }
}
