using System;
using EinsumGen.Generator.Models;
using Microsoft.CodeAnalysis;

namespace EinsumGen.Generator.Convolutions
{
    /// <summary>
    /// The <c>[Convolution]</c> pipeline: parse (constants checked, located diagnostics) → emit (network built and simplified
    /// at build time for the remarks; the body calls <c>Conv</c>). Its own step, beside the einsum pipeline.
    /// </summary>
    internal static class ConvPipeline
    {
        public const string AttributeName = "EinsumGen.Convolutions.ConvolutionAttribute";

        public static void Register(IncrementalGeneratorInitializationContext context)
        {
            var parsed = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    AttributeName,
                    static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax,
                    static (ctx, ct) => ConvMethodParser.Parse(ctx, ct))
                .WithTrackingName(TrackingNames.ConvMethods);

            // Backward and Jvp companions: the attribute's Derivatives, else the project's EinsumGenDerivatives (default true).
            var derivativesByDefault = context.AnalyzerConfigOptionsProvider
                .Select(static (p, _) => Switch.Of(!(p.GlobalOptions.TryGetValue("build_property.EinsumGenDerivatives", out var v) &&
                                           string.Equals(v.Trim(), "false", StringComparison.OrdinalIgnoreCase))));
            var resolved = parsed
                .Combine(derivativesByDefault)
                .Select(static (pair, _) => pair.Left.Method is { Derivatives: null } method
                    ? pair.Left with { Method = method with { Derivatives = pair.Right.On } }
                    : pair.Left);

            context.RegisterSourceOutput(resolved, static (spc, result) =>
            {
                foreach (var d in result.Diagnostics) spc.ReportDiagnostic(d.ToDiagnostic());
                if (result.Stub is not null)
                {
                    spc.AddSource(result.Stub.HintName, ErrorStubWriter.Write(result.Stub));
                    return;
                }
                if (result.Method is null) return;
                // Emission is pure; a bug must still not drop every other method's output.
                try
                {
                    spc.AddSource(result.Method.HintName, ConvEmitter.Emit(result.Method));
                }
                catch (Exception ex)
                {
                    spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, null, result.Method.Name, ex.GetType().Name + ": " + ex.Message));
                }
            });
        }
    }
}
