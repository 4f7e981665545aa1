using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using EinsumGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace EinsumGen.Tests.Generator;

/// <summary>Runs <see cref="EinsumGenerator"/> in a driver over a source text, as the compiler would.</summary>
public static class GeneratorHarness
{
    private static readonly Lazy<MetadataReference[]> s_references = new(() => References(device: false));

    private static readonly Lazy<MetadataReference[]> s_deviceReferences = new(() => References(device: true));

    /// <summary>
    /// The running framework's assemblies plus EinsumGen.Runtime and System.Numerics.Tensors; EinsumGen.Gpu and ILGPU
    /// only with <paramref name="device"/> (the test host loads them, and their presence turns on the device overloads).
    /// </summary>
    private static MetadataReference[] References(bool device)
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).ToList();
        paths.Add(typeof(EinsumAttribute).Assembly.Location);
        paths.Add(typeof(System.Numerics.Tensors.Tensor).Assembly.Location);
        if (device) paths.Add(typeof(EinsumDevice).Assembly.Location);
        else paths.RemoveAll(p => Path.GetFileName(p) is "EinsumGen.Gpu.dll" or "ILGPU.dll" or "ILGPU.Algorithms.dll");
        return paths.Distinct().Where(File.Exists).Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
    }

    public static CSharpCompilation Compile(string source, string path = "Test.cs", bool device = false,
        IDictionary<string, ReportDiagnostic>? severities = null) =>
        CSharpCompilation.Create(
            "GeneratorTest",
            new[] { CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Preview), path) },
            device ? s_deviceReferences.Value : s_references.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable,
                specificDiagnosticOptions: severities));

    public static GeneratorDriver CreateDriver(bool trackSteps = false, IReadOnlyDictionary<string, string>? buildProperties = null) =>
        CSharpGeneratorDriver.Create(
            new[] { new EinsumGenerator().AsSourceGenerator() },
            parseOptions: new CSharpParseOptions(LanguageVersion.Preview),
            optionsProvider: new BuildProperties(buildProperties ?? new Dictionary<string, string>()),
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>MSBuild properties as the compiler hands them to a generator (<c>build_property.Name</c>).</summary>
    public sealed class BuildProperties(IReadOnlyDictionary<string, string> properties) : Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptionsProvider
    {
        private readonly Options _global = new(properties.ToDictionary(kv => "build_property." + kv.Key, kv => kv.Value));

        public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GlobalOptions => _global;

        public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.Empty;

        public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Options.Empty;

        private sealed class Options(Dictionary<string, string> values) : Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions
        {
            public static readonly Options Empty = new(new Dictionary<string, string>());

            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }

    /// <summary>The generator's result: its diagnostics and sources, and the compilation's own diagnostics afterwards.</summary>
    public sealed record Result(ImmutableArray<Diagnostic> GeneratorDiagnostics, IReadOnlyList<(string HintName, string Source)> Sources, ImmutableArray<Diagnostic> CompilationDiagnostics, Exception? GeneratorException);

    public static Result Run(string source, IDictionary<string, ReportDiagnostic>? severities = null,
        IReadOnlyDictionary<string, string>? buildProperties = null, bool device = false)
    {
        var compilation = Compile(source, device: device, severities: severities);
        var driver = CreateDriver(buildProperties: buildProperties).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var run = driver.GetRunResult();
        var sources = run.Results.SelectMany(r => r.GeneratedSources).Select(s => (s.HintName, s.SourceText.ToString())).OrderBy(s => s.HintName, StringComparer.Ordinal).ToList();
        var errors = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray();
        return new Result(run.Diagnostics.AddRange(diagnostics).Distinct().ToImmutableArray(), sources, errors, run.Results.Select(r => r.Exception).FirstOrDefault(e => e is not null));
    }

    /// <summary>Source text of a file with line numbers, for failure messages.</summary>
    public static string Numbered(string source) =>
        string.Join("\n", source.Split('\n').Select((line, i) => $"{i + 1,4}: {line}"));
}
