using System.Collections.Generic;
using System.Linq;

namespace EinsumGen.Notation
{
    /// <summary>A parsed einsum specification with NumPy's semantics; the output is always resolved.</summary>
    internal sealed class EinsumExpression
    {
        public EinsumExpression(string text, IReadOnlyList<EinsumTerm> inputs, EinsumTerm output, bool isExplicit)
        {
            Text = text;
            Inputs = inputs;
            Output = output;
            IsExplicit = isExplicit;
        }

        /// <summary>The spec exactly as written.</summary>
        public string Text { get; }

        public IReadOnlyList<EinsumTerm> Inputs { get; }

        /// <summary>The output term: as written after "->", or implied (labels seen once, sorted; ellipsis first).</summary>
        public EinsumTerm Output { get; }

        /// <summary>True when the spec contains "->".</summary>
        public bool IsExplicit { get; }

        public bool AnyEllipsis => Output.HasEllipsis || Inputs.Any(t => t.HasEllipsis);

        /// <summary>The spec without spaces and with its output made explicit, e.g. "ij,jk->ik".</summary>
        public string Canonical => string.Join(",", Inputs.Select(t => t.ToString())) + "->" + Output;

        /// <summary>The character that stands for all ellipsis dimensions where labels are handled as strings (planning, steps).</summary>
        public const char EllipsisLabel = '.';

        /// <summary>Each input's distinct labels for the planner, the ellipsis (if any) as <see cref="EllipsisLabel"/> first.</summary>
        public List<string> PlannerInputs() =>
            Inputs.Select(t => (t.HasEllipsis ? EllipsisLabel.ToString() : string.Empty) + t.DistinctLabels()).ToList();

        /// <summary>
        /// The output's distinct labels for the planner, the ellipsis as <see cref="EllipsisLabel"/> first when some input has
        /// one too (an output '...' that no input feeds covers no dimension).
        /// </summary>
        public string PlannerOutput() =>
            (Output.HasEllipsis && Inputs.Any(t => t.HasEllipsis) ? EllipsisLabel.ToString() : string.Empty) + Output.DistinctLabels();

        /// <summary>Every distinct label of the inputs, in ordinal order.</summary>
        public string AllLabels()
        {
            // An insertion sort over a few letters: the generator calls this per method, and a sorted set of chars would
            // be JIT-compiled for it on every build.
            var labels = new System.Text.StringBuilder();
            foreach (var term in Inputs)
            {
                foreach (char c in term.Labels)
                {
                    int at = labels.Length;
                    while (at > 0 && labels[at - 1] > c) at--;
                    if (at == 0 || labels[at - 1] != c) labels.Insert(at, c);
                }
            }
            return labels.ToString();
        }
    }
}
