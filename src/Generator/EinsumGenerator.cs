using System;
using EinsumGen.Generator.Models;
using Microsoft.CodeAnalysis;

namespace EinsumGen.Generator
{
    /// <summary>
    /// Implements every <c>[Einsum]</c> partial method: parse (Roslyn → value model, with diagnostics) → plan → emit.
    /// This file holds only the pipeline; see <see cref="MethodParser"/> and <see cref="CpuEmitter"/>.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class EinsumGenerator : IIncrementalGenerator
    {
        /// <summary>The attribute that marks einsum methods.</summary>
        public const string AttributeName = "EinsumGen.EinsumAttribute";

        /// <inheritdoc />
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var results = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    AttributeName,
                    static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax,
                    static (ctx, ct) => MethodParser.Parse(ctx, ct))
                .WithTrackingName(TrackingNames.Methods);

            var diagnostics = results
                .Select(static (r, _) => r.Diagnostics)
                .WithTrackingName(TrackingNames.Diagnostics);
            context.RegisterSourceOutput(diagnostics, static (spc, list) =>
            {
                foreach (var d in list) spc.ReportDiagnostic(d.ToDiagnostic());
            });

            var methods = results
                .Where(static r => r.Method is not null)
                .Select(static (r, _) => r.Method!)
                .WithTrackingName(TrackingNames.Models);
            context.RegisterSourceOutput(methods, static (spc, method) =>
            {
                // Emission is pure and has no expected failures; a bug must still not drop every method's output (CS8785).
                try
                {
                    spc.AddSource(method.HintName, CpuEmitter.Emit(method));
                }
                catch (Exception ex)
                {
                    spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, null, method.Name, ex.GetType().Name + ": " + ex.Message));
                }
            });
        }
    }

    /// <summary>Names of the pipeline steps, for incremental-caching tests.</summary>
    public static class TrackingNames
    {
        /// <summary>The per-method parse step.</summary>
        public const string Methods = nameof(Methods);

        /// <summary>The diagnostics of each method.</summary>
        public const string Diagnostics = nameof(Diagnostics);

        /// <summary>The models that get emitted.</summary>
        public const string Models = nameof(Models);
    }
}
