using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using EinsumGen.Generator.Models;
using EinsumGen.Notation;

namespace EinsumGen.Generator
{
    /// <summary>What the plan tells a user at build time: the speed-up it found (info) and intermediates too large to hold (warning).</summary>
    internal static class PlanDiagnostics
    {
        /// <summary>Intermediates above this many elements (1 GiB of float) draw EG0022 when their sizes are all declared.</summary>
        public const long IntermediateLimit = 1L << 28;

        /// <summary>
        /// The notes of one plan, not yet located: the plan holds no location, so that moving a method in its file does not
        /// plan it again; the generator places them on the spec when it reports them.
        /// </summary>
        public static PlanNotes Notes(PlannedMethod plan)
        {
            var notes = new List<DiagnosticInfo>();
            Add(plan, null, notes);
            return new PlanNotes(plan.Method.HintName, notes.ToEquatableArray());
        }

        public static void Add(PlannedMethod plan, LocationInfo? location, List<DiagnosticInfo> diagnostics)
        {
            var method = plan.Method;
            var steps = plan.Steps;
            if (method.Terms.Count >= 3 && plan.TotalFlops > 0 && plan.NaiveFlops >= 10 * plan.TotalFlops)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PlannedSpeedup, location, SpecQuote.Of(method.Spec),
                    Invariant(steps.Count), Invariant(plan.TotalFlops), Invariant(plan.NaiveFlops),
                    ((double)plan.NaiveFlops / plan.TotalFlops).ToString("0", CultureInfo.InvariantCulture)));
            }
            for (int k = 0; k < steps.Count - 1; k++)
            {
                var step = steps[k];
                if (step.ResultSize <= IntermediateLimit || !AllDeclared(method, step.ResultLabels)) continue;
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LargeIntermediate, location,
                    Invariant(k + 1), SpecQuote.Of(method.Spec), Invariant(step.ResultSize), Invariant(IntermediateLimit)));
            }
        }

        /// <summary>Reports every plan's notes on its method's spec (<paramref name="specs"/>: hint name → location).</summary>
        public static void Report(Microsoft.CodeAnalysis.SourceProductionContext context, IEnumerable<PlanNotes> notes,
            IEnumerable<SpecLocation> specs)
        {
            var at = new Dictionary<string, LocationInfo?>();
            foreach (var spec in specs)
            {
                if (!at.ContainsKey(spec.HintName)) at.Add(spec.HintName, spec.Spec);
            }
            foreach (var plan in notes)
            {
                at.TryGetValue(plan.HintName, out var location);
                foreach (var note in plan.Notes) context.ReportDiagnostic((note with { Location = location }).ToDiagnostic());
            }
        }

        private static bool AllDeclared(EinsumMethod method, string labels)
        {
            foreach (char c in labels)
            {
                bool found = false;
                foreach (var d in method.Declared) found |= d.Label == c;
                if (!found) return false;
            }
            return true;
        }

        private static string Invariant(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
    }

    /// <summary>A plan's notes (EG0021, EG0022) without their location, keyed by the method's hint name.</summary>
    internal sealed record PlanNotes(string HintName, EquatableArray<DiagnosticInfo> Notes);
}
