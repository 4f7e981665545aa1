using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using EinsumGen.Generator.Models;

namespace EinsumGen.Generator
{
    /// <summary>What the plan tells a user at build time: the speed-up it found (info) and intermediates too large to hold (warning).</summary>
    internal static class PlanDiagnostics
    {
        /// <summary>Intermediates above this many elements (1 GiB of float) draw EG0022 when their sizes are all declared.</summary>
        public const long IntermediateLimit = 1L << 28;

        public static void Add(EinsumMethod method, LocationInfo? location, List<DiagnosticInfo> diagnostics)
        {
            var plan = MethodPlan.Create(method);
            var path = plan.Path;
            if (plan.OperandCount >= 3 && path.TotalFlops > 0 && path.NaiveFlops >= 10 * path.TotalFlops)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PlannedSpeedup, location, method.Spec,
                    Invariant(plan.Steps.Count), Invariant(path.TotalFlops), Invariant(path.NaiveFlops),
                    ((double)path.NaiveFlops / path.TotalFlops).ToString("0", CultureInfo.InvariantCulture)));
            }
            for (int k = 0; k < plan.Steps.Count - 1; k++)
            {
                var step = plan.Steps[k];
                bool allDeclared = step.ResultLabels.All(c => plan.Declared.Contains(c));
                if (!allDeclared || step.ResultSize <= IntermediateLimit) continue;
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LargeIntermediate, location,
                    Invariant(k + 1), method.Spec, Invariant(step.ResultSize), Invariant(IntermediateLimit)));
            }
        }

        private static string Invariant(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
    }
}
