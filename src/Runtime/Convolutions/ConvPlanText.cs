using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace EinsumGen.Convolutions
{
    public static partial class Conv
    {
        /// <summary>
        /// How <paramref name="network"/> (simplified or not) runs: which patterns are gathers (unfold of an operand through
        /// the index map), scatters (fold), or summed into small count matrices, and the plan of the einsum that remains,
        /// as <see cref="EinsumPlan"/> prints it (the executor also merges legs that stand together everywhere).
        /// </summary>
        public static string Explain(ConvNetwork network)
        {
            System.ArgumentNullException.ThrowIfNull(network);
            var text = new StringBuilder();
            var letters = network.LetterMap();
            string Legs(IEnumerable<string> legs) => new string(legs.Select(l => letters[l]).ToArray());
            var terms = new List<(List<string> Labels, int[] Shape)>();
            var hosts = new Dictionary<int, List<ConvTerm>>();
            var adjoint = new List<ConvTerm>();
            bool fold = false;
            for (int t = 0; t < network.Terms.Count; t++)
            {
                if (network.Terms[t].Kind != ConvTermKind.Pattern) terms.Add((new List<string>(network.Terms[t].Labels), network.TermShape(t)));
            }
            foreach (var term in network.Terms)
            {
                if (term.Kind != ConvTermKind.Pattern) continue;
                var g = term.Geometry!;
                string k = term.Labels[0], o = term.Labels[1], i = term.Labels[2];
                switch (ConvExecutor.Classify(network, term))
                {
                    case ConvExecutor.PatternRole.SumOutput:
                        text.AppendLine($"Σ_o Π{term.Dimension + 1} → count matrix {Legs(new[] { k, i })}[{g.KernelSize},{g.InputSize}]");
                        terms.Add((new List<string> { k, i }, new[] { g.KernelSize, g.InputSize }));
                        break;
                    case ConvExecutor.PatternRole.SumInput:
                        text.AppendLine($"Σ_i Π{term.Dimension + 1} → 0/1 matrix {Legs(new[] { k, o })}[{g.KernelSize},{g.OutputSize}]");
                        terms.Add((new List<string> { k, o }, new[] { g.KernelSize, g.OutputSize }));
                        break;
                    case ConvExecutor.PatternRole.SumKernel:
                        text.AppendLine($"Σ_k Π{term.Dimension + 1} → count matrix {Legs(new[] { o, i })}[{g.OutputSize},{g.InputSize}]");
                        terms.Add((new List<string> { o, i }, new[] { g.OutputSize, g.InputSize }));
                        break;
                    case ConvExecutor.PatternRole.Gather:
                    {
                        int host = terms.FindIndex(x => x.Labels.Contains(i));
                        if (!hosts.TryGetValue(host, out var list)) hosts[host] = list = new List<ConvTerm>();
                        list.Add(term);
                        break;
                    }
                    default:
                        fold = ConvExecutor.Classify(network, term) == ConvExecutor.PatternRole.Scatter;
                        adjoint.Add(term);
                        break;
                }
            }
            foreach (var pair in hosts)
            {
                var (labels, shape) = terms[pair.Key];
                var spatial = pair.Value.Select(p => p.Labels[2]).ToList();
                var kept = labels.Where(l => !spatial.Contains(l)).ToList();
                var columns = kept.Concat(pair.Value.Select(p => p.Labels[0])).Concat(pair.Value.Select(p => p.Labels[1])).ToList();
                var sizes = columns.Select(l => Size(network, pair.Value, l)).ToArray();
                text.AppendLine($"unfold {Legs(labels)} through {string.Join(", ", pair.Value.Select(p => "Π" + (p.Dimension + 1)))} "
                    + $"(gather at i = o·S + k·D − P) → {Legs(columns)}[{string.Join(",", sizes)}]");
                terms[pair.Key] = (columns, sizes);
            }
            var output = new List<string>(network.Output);
            if (adjoint.Count > 0)
            {
                var removed = new HashSet<string>(adjoint.Select(p => p.Labels[2]));
                if (!fold) removed.UnionWith(adjoint.Select(p => p.Labels[0]));
                output = network.Output.Where(l => !removed.Contains(l)).ToList();
                if (fold) output.AddRange(adjoint.Select(p => p.Labels[0]));
                output.AddRange(adjoint.Select(p => p.Labels[1]));
            }
            string spec = string.Join(",", terms.Select(t => Legs(t.Labels))) + "->" + Legs(output);
            text.AppendLine($"einsum {spec}:");
            text.Append(EinsumPlan.Create(spec, terms.Select(t => t.Shape).ToArray()).ToString().TrimEnd());
            if (adjoint.Count > 0)
            {
                text.AppendLine();
                text.Append(fold
                    ? $"fold through {string.Join(", ", adjoint.Select(p => "Π" + (p.Dimension + 1)))} (scatter-add at i = o·S + k·D − P) → {Legs(network.Output)}"
                    : $"transpose-unfold through {string.Join(", ", adjoint.Select(p => "Π" + (p.Dimension + 1)))} → {Legs(network.Output)}");
            }
            return text.ToString();
        }

        private static int Size(ConvNetwork network, List<ConvTerm> patterns, string label)
        {
            foreach (var p in patterns)
            {
                if (p.Labels[0] == label) return p.Geometry!.KernelSize;
                if (p.Labels[1] == label) return p.Geometry!.OutputSize;
            }
            return network.Sizes[label];
        }
    }
}
