using System;
using EinsumGen.Generator.Models;
using Microsoft.CodeAnalysis;

namespace EinsumGen.Generator
{
    /// <summary>
    /// Implements every <c>[Einsum]</c> partial method: read (Roslyn → plain values) → check (value model, with
    /// diagnostics) → plan → emit, each once, in tracked incremental steps.
    /// This file holds only the pipeline; see <see cref="MethodReader"/>, <see cref="MethodParser"/>,
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
            // The transform: Roslyn → the declaration as plain values, nothing checked (MethodReader). Roslyn runs it for every
            // marked method on every edit; an unchanged declaration compares equal, and nothing after it runs again.
            var declared = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    AttributeName,
                    static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax,
                    static (ctx, ct) => MethodReader.Read(ctx, ct))
                .WithTrackingName(TrackingNames.Methods);

            // Stage 1: the declaration checked against its spec: a value model, or diagnostics and a body that throws.
            var parsed = declared
                .Select(static (m, ct) => MethodParser.Parse(m, ct))
                .WithTrackingName(TrackingNames.Parsed);

            var diagnostics = parsed
                .Select(static (r, _) => new DiagnosticList(r.Diagnostics))
                .WithTrackingName(TrackingNames.Diagnostics);
            context.RegisterSourceOutput(diagnostics, static (spc, list) =>
            {
                foreach (var d in list.Items) spc.ReportDiagnostic(d.ToDiagnostic());
            });

            // A method with EG errors still gets a body that throws, so its error is not followed by CS8795.
            var stubs = parsed
                .Where(static r => r.Stub is not null)
                .Select(static (r, _) => r.Stub!)
                .WithTrackingName(TrackingNames.Stubs);
            context.RegisterSourceOutput(stubs, static (spc, stub) => spc.AddSource(stub.HintName, ErrorStubWriter.Write(stub)));

            // Stage 2: the contraction order, planned once per method. The model holds no location, so an edit that only
            // moves the method (or anything else in its file) plans nothing again.
            var accepted = parsed
                .Where(static r => r.Method is not null)
                .Select(static (r, _) => r.Method!)
                .WithTrackingName(TrackingNames.Accepted);
            var plans = accepted
                .Select(static (m, ct) => MethodPlanner.Plan(m, ct))
                .WithTrackingName(TrackingNames.Plans);

            // The plan's notes (EG0021, EG0022) go on the spec, whose place the plan does not hold: paired by hint name.
            var notes = plans
                .Select(static (p, _) => PlanDiagnostics.Notes(p))
                .WithTrackingName(TrackingNames.PlanNotes);
            var specs = parsed
                .Where(static r => r.Method is not null)
                .Select(static (r, _) => new SpecLocation(r.Method!.HintName, r.SpecLocation))
                .WithTrackingName(TrackingNames.SpecLocations);
            var allNotes = notes.Collect().Select(static (all, _) => new Batch<PlanNotes>(all));
            var allSpecs = specs.Collect().Select(static (all, _) => new Batch<SpecLocation>(all));
            context.RegisterSourceOutput(allNotes.Combine(allSpecs), static (spc, pair) =>
                PlanDiagnostics.Report(spc, pair.Left.Items, pair.Right.Items));

            // Stage 3: emit. The model holds no location, so an edit elsewhere in the file re-emits nothing.
            // Backward and Jvp: the attribute's Derivatives, else the project's EinsumGenDerivatives (default true).
            var derivativesByDefault = context.AnalyzerConfigOptionsProvider
                .Select(static (p, _) => Switch.Of(!(p.GlobalOptions.TryGetValue("build_property.EinsumGenDerivatives", out var v) &&
                                           string.Equals(v.Trim(), "false", StringComparison.OrdinalIgnoreCase))));
            var methods = plans
                .Combine(derivativesByDefault)
                .Select(static (pair, _) => pair.Left.Method.Derivatives is not null ? pair.Left
                    : pair.Left with { Method = pair.Left.Method with { Derivatives = pair.Right.On } })
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

            // Device overloads (DeviceEmitter), only when the compilation references EinsumGen.Gpu: a switch, so the models stay cacheable.
            var hasDevice = context.CompilationProvider
                .Select(static (c, _) => Switch.Of(c.GetTypeByMetadataName(DeviceEmitter.DeviceTypeName) is not null))
                .WithTrackingName(DeviceEmitter.TrackingName);
            context.RegisterSourceOutput(methods.Combine(hasDevice), static (spc, pair) =>
            {
                if (!pair.Right.On || !DeviceEmitter.HasTensor(pair.Left.Method)) return;
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
        /// <summary>The transform: each method's declaration as values, unchecked.</summary>
        public const string Methods = nameof(Methods);

        /// <summary>Each declaration checked: a model, or diagnostics and a throwing body.</summary>
        public const string Parsed = nameof(Parsed);

        /// <summary>The models of the methods that passed the checks.</summary>
        public const string Accepted = nameof(Accepted);

        /// <summary>The per-method planning step.</summary>
        public const string Plans = nameof(Plans);

        /// <summary>The notes of each plan (EG0021, EG0022), not yet located.</summary>
        public const string PlanNotes = nameof(PlanNotes);

        /// <summary>Where each accepted method's spec is, for its plan's notes.</summary>
        public const string SpecLocations = nameof(SpecLocations);

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
