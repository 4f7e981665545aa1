using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using EinsumGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace EinsumGen.Tests.Generator;

/// <summary>
/// The pipeline is incremental: a second run over an unchanged (cloned) compilation, or after an unrelated edit, leaves
/// every tracked step of both pipelines ([Einsum] and [Convolution]) cached, and no step output holds a Compilation,
/// symbol, syntax node or Roslyn location. Every tracked step is checked, whatever its name, so a step added later is
/// covered too.
/// </summary>
public class CachingTests
{
    private const string Source = """
        using System.Numerics.Tensors;
        using EinsumGen;
        using EinsumGen.Convolutions;
        public static partial class Ops
        {
            [Einsum("mn,nk->mk")]
            public static partial void MatMul(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);
            [Einsum("ab,bc,cd,de->ae", Sizes = "a=64,b=64,c=64,d=64,e=2")]
            public static partial void Chain(ReadOnlyTensorSpan<double> a, ReadOnlyTensorSpan<double> b, ReadOnlyTensorSpan<double> c,
                ReadOnlyTensorSpan<double> d, TensorSpan<double> e);
            [Einsum("...i,...i", Derivatives = false)]
            public static partial float Dot(ReadOnlyTensorSpan<float> x, ReadOnlyTensorSpan<float> y);
            [Einsum("i[->i")]
            public static partial void Broken(ReadOnlyTensorSpan<float> a, TensorSpan<float> c);
            [Convolution(3, 3, Padding = new[] { 1 })]
            public static partial Tensor<float> Conv(Tensor<float> x, Tensor<float> weight);
            [Convolution(3, 0)]
            public static partial Tensor<float> BadConv(Tensor<float> x, Tensor<float> weight);
        }

        public static class Elsewhere
        {
            public static int Body() => 1;
        }
        """;

    /// <summary>The steps each pipeline must have; every tracked step is checked, these must also exist.</summary>
    private static readonly string[] Expected =
    {
        TrackingNames.Methods, TrackingNames.Parsed, TrackingNames.Accepted, TrackingNames.Plans, TrackingNames.PlanNotes,
        TrackingNames.SpecLocations, TrackingNames.Diagnostics, TrackingNames.Stubs, TrackingNames.Models, TrackingNames.ConvMethods,
    };

    /// <summary>
    /// The steps this generator names: every tracked step but Roslyn's own inputs (<see cref="WellKnownGeneratorInputs"/>:
    /// the compilation itself, its options and trees) and the inner steps of ForAttributeWithMetadataName.
    /// </summary>
    private static IEnumerable<string> OurSteps(GeneratorRunResult run)
    {
        var inputs = typeof(WellKnownGeneratorInputs).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!).ToHashSet();
        return run.TrackedSteps.Keys.Where(n => !inputs.Contains(n) && !n.Contains("_ForAttribute", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryStepHoldsValuesOnly()
    {
        var (_, first) = FirstRun();
        foreach (var name in Expected) Assert.True(first.TrackedSteps.ContainsKey(name), $"step {name} is not tracked");
        // Roslyn's own output steps (WellKnownGeneratorOutputs) hold the diagnostics it reports, with their locations.
        var outputs = typeof(WellKnownGeneratorOutputs).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!).ToHashSet();
        foreach (var name in OurSteps(first).Where(n => !outputs.Contains(n)))
        {
            foreach (var step in first.TrackedSteps[name])
            {
                foreach (var (value, _) in step.Outputs) AssertNoRoslynObjects(value, name, new HashSet<object>(ReferenceEqualityComparer.Instance), 0);
            }
        }
    }

    [Fact]
    public void SecondRunOnClonedCompilationIsCached()
    {
        var (compilation, _, driver) = Start();
        AssertAllCached(driver.RunGenerators(compilation.Clone()).GetRunResult().Results.Single(), "a cloned compilation");
    }

    [Fact]
    public void NewUnrelatedFileRerunsNothing()
    {
        var (compilation, _, driver) = Start();
        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public static class Unrelated { public static int X = 1; }",
            (CSharpParseOptions)compilation.SyntaxTrees.First().Options, "Unrelated.cs"));
        AssertAllCached(driver.RunGenerators(edited).GetRunResult().Results.Single(), "a new file");
    }

    [Fact]
    public void EditedMethodBodyElsewhereInTheFileRerunsNothing()
    {
        var (compilation, _, driver) = Start();
        var tree = compilation.SyntaxTrees.Single();
        var edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(tree.GetText().Replace(
            tree.GetText().ToString().IndexOf("=> 1;", StringComparison.Ordinal), "=> 1;".Length, "=> 2 + Other();")));
        AssertAllCached(driver.RunGenerators(edited).GetRunResult().Results.Single(), "an edited method body");
    }

    [Fact]
    public void MovingTheMethodsReplansAndReemitsNothing()
    {
        // A line above them moves every location: the transform's values change (they hold locations), the checks run
        // again and place the diagnostics anew, but the models, the plans and what is emitted stay cached.
        var (compilation, _, driver) = Start();
        var tree = compilation.SyntaxTrees.Single();
        var edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(tree.GetText().Replace(0, 0, "// a comment\n")));
        var run = driver.RunGenerators(edited).GetRunResult().Results.Single();
        Assert.Contains(run.TrackedSteps[TrackingNames.Methods].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        foreach (var name in new[] { TrackingNames.Accepted, TrackingNames.Plans, TrackingNames.PlanNotes, TrackingNames.Models })
        {
            AssertCached(run, name, "a moved method");
        }
    }

    private static (CSharpCompilation Compilation, GeneratorRunResult First) FirstRun()
    {
        var (compilation, first, _) = Start();
        return (compilation, first);
    }

    private static (CSharpCompilation Compilation, GeneratorRunResult First, GeneratorDriver Driver) Start()
    {
        var compilation = GeneratorHarness.Compile(Source);
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        Assert.Null(first.Exception);
        // Both pipelines ran on something: three valid methods and one broken of each attribute.
        Assert.Equal(4, first.TrackedSteps[TrackingNames.Methods].SelectMany(s => s.Outputs).Count());
        Assert.Equal(3, first.TrackedSteps[TrackingNames.Plans].SelectMany(s => s.Outputs).Count());
        Assert.Equal(2, first.TrackedSteps[TrackingNames.ConvMethods].SelectMany(s => s.Outputs).Count());
        return (compilation, first, driver);
    }

    /// <summary>Every tracked step, whatever its name, produced nothing new.</summary>
    private static void AssertAllCached(GeneratorRunResult run, string edit)
    {
        foreach (var name in Expected) Assert.True(run.TrackedSteps.ContainsKey(name), $"step {name} is not tracked");
        foreach (var name in OurSteps(run)) AssertCached(run, name, edit);
    }

    private static void AssertCached(GeneratorRunResult run, string name, string edit)
    {
        var outputs = run.TrackedSteps[name].SelectMany(s => s.Outputs).ToList();
        Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
            $"after {edit}, step {name} ran again: {o.Reason}"));
    }

    /// <summary>
    /// Walks a step's output through its public properties and fields (tuples hold fields): Roslyn objects would pin
    /// compilations in memory and defeat caching.
    /// </summary>
    private static void AssertNoRoslynObjects(object? value, string step, HashSet<object> seen, int depth)
    {
        if (value is null || depth > 12) return;
        Assert.False(value is Compilation or ISymbol or SyntaxNode or SyntaxTree or Location or SemanticModel,
            $"step {step} holds a {value.GetType().Name}");
        var type = value.GetType();
        if (type.IsPrimitive || value is string || type.IsEnum || value is Microsoft.CodeAnalysis.Text.TextSpan or Microsoft.CodeAnalysis.Text.LinePositionSpan) return;
        if (!type.IsValueType && !seen.Add(value)) return;
        if (value is IEnumerable items)
        {
            foreach (var item in items) AssertNoRoslynObjects(item, step, seen, depth + 1);
            return;
        }
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
        {
            AssertNoRoslynObjects(property.GetValue(value), step, seen, depth + 1);
        }
        foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Instance))
        {
            AssertNoRoslynObjects(field.GetValue(value), step, seen, depth + 1);
        }
    }
}
