using System.Collections.Generic;
using System.Linq;

namespace EinsumGen.Notation
{
    /// <summary>
    /// The einsum that computes the gradient of <c>y = einsum(spec, x₀…xₙ₋₁)</c> with respect to one operand xᵢ. An einsum is
    /// linear in each operand, so ∂L/∂xᵢ = einsum(ȳ, the other operands → xᵢ's term), with three adjustments:
    /// a label repeated in xᵢ's term makes the gradient land on that diagonal (the output repeats the label); a label only
    /// xᵢ has (summed away in the forward pass) is restored by a "ones" operand, so the gradient broadcasts along it; and
    /// dimensions that broadcast in the forward pass (size 1, or missing ellipsis dimensions) are summed at run time.
    /// </summary>
    internal sealed class GradientSpec
    {
        /// <summary>Marks the output gradient ȳ in <see cref="Sources"/>.</summary>
        public const int OutputGradient = -1;

        /// <summary>Marks a ones operand in <see cref="Sources"/>; its label is the term's only label.</summary>
        public const int Ones = -2;

        private GradientSpec(int operand, string spec, IReadOnlyList<int> sources)
        {
            Operand = operand;
            Spec = spec;
            Sources = sources;
        }

        /// <summary>The forward operand this gradient is for.</summary>
        public int Operand { get; }

        /// <summary>The gradient einsum, e.g. <c>"nefgh,bfij,cgjk,dhk,nabcd->aei"</c>; its output may repeat a label.</summary>
        public string Spec { get; }

        /// <summary>Per operand of <see cref="Spec"/>: <see cref="OutputGradient"/>, a forward operand index, or <see cref="Ones"/>.</summary>
        public IReadOnlyList<int> Sources { get; }

        public static GradientSpec For(EinsumExpression forward, int operand)
        {
            var target = forward.Inputs[operand];
            var terms = new List<string> { forward.Output.ToString() };
            var sources = new List<int> { OutputGradient };
            var seen = new HashSet<char>(forward.Output.Labels);
            for (int j = 0; j < forward.Inputs.Count; j++)
            {
                if (j == operand) continue;
                terms.Add(forward.Inputs[j].ToString());
                sources.Add(j);
                foreach (char c in forward.Inputs[j].Labels) seen.Add(c);
            }
            foreach (char c in target.DistinctLabels())
            {
                if (seen.Contains(c)) continue;
                terms.Add(c.ToString());
                sources.Add(Ones);
            }
            return new GradientSpec(operand, string.Join(",", terms) + "->" + target, sources);
        }

        /// <summary>The gradient specs of every operand of <paramref name="forward"/>.</summary>
        public static IReadOnlyList<GradientSpec> ForAll(EinsumExpression forward) =>
            Enumerable.Range(0, forward.Inputs.Count).Select(i => For(forward, i)).ToList();
    }
}
