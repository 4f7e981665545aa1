using System;
using EinsumGen.Generator.Models;
using Microsoft.CodeAnalysis;

namespace EinsumGen.Generator
{
    /// <summary>
    /// Implements every <c>[Einsum]</c> partial method: parse (Roslyn → value model, with diagnostics) → plan → emit, each
    /// once, in tracked incremental steps.
    /// This file holds only the pipeline; see <see cref="MethodParser"/>,
    /// <see cref="MethodPlanner"/> and <see cref="CpuEmitter"/>.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class EinsumGenerator : IIncrementalGenerator
    {
        /// <summary>The attribute that marks einsum methods.</summary>
        public const string AttributeName = "EinsumGen.EinsumAttribute";

        /// <inheritdoc />
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            // Stage 1: Roslyn → a value model of each method, with the diagnostics of its declaration and spec.
            var parsed = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    AttributeName,
                    static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax,
                    static (ctx, ct) => MethodParser.Parse(ctx, ct))
                .WithTrackingName(TrackingNames.Methods);

            // Stage 2: the contraction order, planned once per method (cached while the method is unchanged).
            var plans = parsed
                .Select(static (r, ct) => MethodPlanner.Plan(r, ct))
                .WithTrackingName(TrackingNames.Plans);

            var diagnostics = plans
                .Select(static (r, _) => r.Diagnostics)
                .WithTrackingName(TrackingNames.Diagnostics);
            context.RegisterSourceOutput(diagnostics, static (spc, list) =>
            {
                foreach (var d in list) spc.ReportDiagnostic(d.ToDiagnostic());
            });

            // A method with EG errors still gets a body that throws, so its error is not followed by CS8795.
            var stubs = parsed
                .Where(static r => r.Stub is not null)
                .Select(static (r, _) => r.Stub!)
                .WithTrackingName(TrackingNames.Stubs);
            context.RegisterSourceOutput(stubs, static (spc, stub) => spc.AddSource(stub.HintName, ErrorStubWriter.Write(stub)));

            // Stage 3: emit. The model holds no location, so an edit elsewhere in the file re-emits nothing.
            // Backward and Jvp: the attribute's Derivatives, else the project's EinsumGenDerivatives (default true).
            var derivativesByDefault = context.AnalyzerConfigOptionsProvider
                .Select(static (p, _) => !(p.GlobalOptions.TryGetValue("build_property.EinsumGenDerivatives", out var v) &&
                                           string.Equals(v.Trim(), "false", StringComparison.OrdinalIgnoreCase)));
            var methods = plans
                .Where(static r => r.Planned is not null)
                .Select(static (r, _) => r.Planned!)
                .Combine(derivativesByDefault)
                .Select(static (pair, _) => pair.Left.Method.Derivatives is not null ? pair.Left
                    : pair.Left with { Method = pair.Left.Method with { Derivatives = pair.Right } })
                .WithTrackingName(TrackingNames.Models);
            context.RegisterSourceOutput(methods, static (spc, planned) =>
            {
                // Emission is pure and has no expected failures; a bug must still not drop every method's output (CS8785).
                try
                {
                    spc.AddSource(planned.Method.HintName, CpuEmitter.Emit(planned));
                }
                catch (Exception ex)
                {
                    spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, null, planned.Method.Name, ex.GetType().Name + ": " + ex.Message));
                }
            });

            // Device overloads (DeviceEmitter), only when the compilation references EinsumGen.Gpu: a bool, so the models stay cacheable.
            var hasDevice = context.CompilationProvider
                .Select(static (c, _) => c.GetTypeByMetadataName(DeviceEmitter.DeviceTypeName) is not null)
                .WithTrackingName(DeviceEmitter.TrackingName);
            context.RegisterSourceOutput(methods.Combine(hasDevice), static (spc, pair) =>
            {
                if (!pair.Right || !DeviceEmitter.HasTensor(pair.Left.Method)) return;
                try
                {
                    spc.AddSource(DeviceEmitter.HintName(pair.Left.Method), DeviceEmitter.Emit(pair.Left));
                }
                catch (Exception ex)
                {
                    spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, null, pair.Left.Method.Name, ex.GetType().Name + ": " + ex.Message));
                }
            });

            Convolutions.ConvPipeline.Register(context);
        }
    }

    /// <summary>Names of the pipeline steps, for incremental-caching tests.</summary>
    public static class TrackingNames
    {
        /// <summary>The per-method parse step.</summary>
        public const string Methods = nameof(Methods);

        /// <summary>The per-method planning step.</summary>
        public const string Plans = nameof(Plans);

        /// <summary>The diagnostics of each method.</summary>
        public const string Diagnostics = nameof(Diagnostics);

        /// <summary>The methods with EG errors, which get a body that throws.</summary>
        public const string Stubs = nameof(Stubs);

        /// <summary>The models that get emitted.</summary>
        public const string Models = nameof(Models);

        /// <summary>The per-method parse step of <c>[Convolution]</c> methods.</summary>
        public const string ConvMethods = nameof(ConvMethods);
    }
}
