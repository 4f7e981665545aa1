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
            var declared = method.Declared.ToDictionary(d => d.Label, d => d.Size);
            var sizes = new Dictionary<char, long>();
            foreach (char c in expression.AllLabels()) sizes[c] = declared.TryGetValue(c, out long n) ? n : GeneratorInfo.AssumedSize;
            sizes[EinsumExpression.EllipsisLabel] = GeneratorInfo.AssumedSize;
            var path = ContractionPlanner.Plan(expression.PlannerInputs(), expression.PlannerOutput(), sizes);
            var steps = path.Steps.Select(s => new PlannedStep(ProgramStep.From(s), s.Flops, s.ResultSize, s.Kind));
            return new PlannedMethod(method,
                sizes.OrderBy(kv => kv.Key).Select(kv => new DeclaredSize(kv.Key, kv.Value)).ToEquatableArray(),
                steps.ToEquatableArray(), path.NaiveFlops, path.TotalFlops, path.LargestIntermediate, path.Strategy);
        }

        /// <summary>The method's expression, rebuilt from its typed terms.</summary>
        public static EinsumExpression Expression(EinsumMethod method) =>
            ProgramTerm.ToExpression(method.Spec, method.Terms.ToArray(), method.OutputTerm);
    }
}
