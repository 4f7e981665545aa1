using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using EinsumGen.Generator.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace EinsumGen.Generator
{
    /// <summary>
    /// The EG errors of an [Einsum] declaration while the user types: IDEs run analyzers on every edit but source generators
    /// only on save or build. It reads the method with the generator's own <see cref="MethodReader"/> and <see cref="MethodParser"/>.
    /// </summary>
    /// <remarks>
    /// <para>
    /// One owner per diagnostic: the generator reports every EG diagnostic, and this analyzer reports a declaration's
    /// errors only where the generator has not reported the same ones: the generator names the file it writes for a
    /// method with errors after a fingerprint of them (<see cref="ErrorStub.HintName"/>), and the analyzer skips a method
    /// whose fingerprint it finds among the compilation's generated files. In a command-line build both run on the same
    /// text, so each error appears once; in an IDE whose generated files are stale, or where the generator does not run,
    /// the analyzer's copy is the one the user sees. The plan's notes (EG0021, EG0022) and EG0020 are the generator's alone.
    /// </para>
    /// </remarks>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class EinsumAnalyzer : DiagnosticAnalyzer
    {
        private static readonly ImmutableArray<DiagnosticDescriptor> s_supported = DiagnosticDescriptors.All
            .Where(d => d.DefaultSeverity == DiagnosticSeverity.Error && d.Id != DiagnosticDescriptors.InternalError.Id)
            .ToImmutableArray();

        /// <inheritdoc />
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => s_supported;

        /// <inheritdoc />
        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterCompilationStartAction(start =>
            {
                var attribute = start.Compilation.GetTypeByMetadataName(EinsumGenerator.AttributeName);
                if (attribute is null) return;
                var reported = new Lazy<HashSet<string>>(() => ReportedByGenerator(start.Compilation));
                start.RegisterSyntaxNodeAction(c => Analyze(c, attribute, reported), SyntaxKind.MethodDeclaration);
            });
        }

        private static void Analyze(SyntaxNodeAnalysisContext context, INamedTypeSymbol attributeType, Lazy<HashSet<string>> reported)
        {
            var syntax = (MethodDeclarationSyntax)context.Node;
            if (syntax.AttributeLists.Count == 0) return;
            if (context.SemanticModel.GetDeclaredSymbol(syntax, context.CancellationToken) is not IMethodSymbol method) return;
            var attribute = method.GetAttributes().FirstOrDefault(a =>
                SymbolEqualityComparer.Default.Equals(a.AttributeClass, attributeType) &&
                a.ApplicationSyntaxReference is { } r && r.SyntaxTree == syntax.SyntaxTree && syntax.Span.Contains(r.Span));
            if (attribute is null) return;

            var result = MethodParser.Parse(MethodReader.Read(method, syntax, attribute, context.CancellationToken), context.CancellationToken);
            if (result.Stub is null || reported.Value.Contains(result.Stub.Fingerprint)) return;
            foreach (var d in result.Diagnostics)
            {
                if (!d.IsError) continue; // warnings (EG0026) are the generator's alone: it implements such a method
                // In the tree itself, so that an editor underlines it (the generator's LocationInfo names a file path only).
                var tree = d.Location is null ? null
                    : d.Location.FilePath == syntax.SyntaxTree.FilePath ? syntax.SyntaxTree
                    : context.SemanticModel.Compilation.SyntaxTrees.FirstOrDefault(t => t.FilePath == d.Location.FilePath);
                var location = tree is null ? d.Location?.ToLocation() : tree.GetLocation(d.Location!.Span);
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ById(d.Id), location, d.Arguments.ToArray<object>()));
            }
        }

        /// <summary>The fingerprints in the names of the generator's error files (<c>….EG_{fingerprint}.g.cs</c>).</summary>
        private static HashSet<string> ReportedByGenerator(Compilation compilation)
        {
            var set = new HashSet<string>(StringComparer.Ordinal);
            foreach (var tree in compilation.SyntaxTrees)
            {
                string path = tree.FilePath;
                int at = path.LastIndexOf(ErrorStub.HintMarker, StringComparison.Ordinal);
                if (at < 0 || !path.EndsWith(".g.cs", StringComparison.Ordinal)) continue;
                int start = at + ErrorStub.HintMarker.Length;
                set.Add(path.Substring(start, path.Length - ".g.cs".Length - start));
            }
            return set;
        }
    }
}
