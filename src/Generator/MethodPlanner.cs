using System.Collections.Generic;
using System.Linq;
using System.Threading;
using EinsumGen.Generator.Models;
using EinsumGen.Notation;
using EinsumGen.Planning;
using EinsumGen.Runtime;

namespace EinsumGen.Generator
{
    /// <summary>
    /// Stage 2: plans a parsed method once, on its declared sizes (others assumed, <see cref="GeneratorInfo.AssumedSize"/>),
    /// from the method alone (no location, so moving it re-plans nothing); what the plan tells a user is <see cref="PlanDiagnostics"/>.
    /// Nothing is parsed here: the terms come typed.
    /// </summary>
    internal static class MethodPlanner
    {
        public static PlannedMethod Plan(EinsumMethod method, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            return Plan(method);
        }

        public static PlannedMethod Plan(EinsumMethod method)
        {
            var expression = Expression(method);
            // Plain loops rather than LINQ over the value types here: each such instantiation is JIT-compiled on a build's first run.
            string labels = expression.AllLabels();
            var sizes = new Dictionary<char, long>(labels.Length + 1);
            var planSizes = new DeclaredSize[labels.Length + 1]; // in ordinal order, the ellipsis's '.' among them
            int next = 0;
            bool ellipsisPlaced = false;
            foreach (char c in labels)
            {
                if (!ellipsisPlaced && c > EinsumExpression.EllipsisLabel)
                {
                    planSizes[next++] = Ellipsis;
                    ellipsisPlaced = true;
                }
                long size = DeclaredSizeOf(method, c);
                sizes[c] = size;
                planSizes[next++] = new DeclaredSize(c, size);
            }
            if (!ellipsisPlaced) planSizes[next] = Ellipsis;
            sizes[EinsumExpression.EllipsisLabel] = GeneratorInfo.AssumedSize;
            var path = ContractionPlanner.Plan(expression.PlannerInputs(), expression.PlannerOutput(), sizes);
            var steps = new PlannedStep[path.Steps.Count];
            for (int k = 0; k < steps.Length; k++)
            {
                var s = path.Steps[k];
                steps[k] = new PlannedStep(ProgramStep.From(s), s.Flops, s.ResultSize, s.Kind);
            }
            return new PlannedMethod(method, new EquatableArray<DeclaredSize>(planSizes), new EquatableArray<PlannedStep>(steps),
                path.NaiveFlops, path.TotalFlops, path.LargestIntermediate, path.Strategy);
        }

        private static readonly DeclaredSize Ellipsis = new(EinsumExpression.EllipsisLabel, GeneratorInfo.AssumedSize);

        private static long DeclaredSizeOf(EinsumMethod method, char label)
        {
            foreach (var d in method.Declared)
            {
                if (d.Label == label) return d.Size;
            }
            return GeneratorInfo.AssumedSize;
        }

        /// <summary>The method's expression, rebuilt from its typed terms.</summary>
        public static EinsumExpression Expression(EinsumMethod method) =>
            ProgramTerm.ToExpression(method.Spec, method.Terms.ToArray(), method.OutputTerm);
    }
}
