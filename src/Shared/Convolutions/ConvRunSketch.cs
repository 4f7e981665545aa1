using System.Collections.Generic;
using System.Linq;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// How a network runs, on labels and sizes only (what the executor does, without tensors): the pattern steps (summed
    /// into count matrices, gathers, the fold or transpose-unfold after the contraction), the einsum that remains, and that
    /// einsum with its mergeable legs merged, which is what the kernels see. <c>Conv.Explain</c> prints it with the plan
    /// made for the actual sizes; the generator prints it in a <c>[Convolution]</c> method's remarks with its build-time plan.
    /// Operands are taken as dense unless the simplifier slices them (a narrowed leg is a strided view).
    /// </summary>
    internal sealed class ConvRunSketch
    {
        private readonly Dictionary<string, char> _letters;
        private readonly Dictionary<string, int> _sizes;

        private ConvRunSketch(Dictionary<string, char> letters, Dictionary<string, int> sizes)
        {
            _letters = letters;
            _sizes = sizes;
        }

        /// <summary>The pattern steps before the contraction, one line each.</summary>
        public List<string> Steps { get; } = new List<string>();

        /// <summary>The contraction's terms (legs) after the pattern steps.</summary>
        public List<List<string>> Terms { get; } = new List<List<string>>();

        /// <summary>Whether each term may be reshaped (dense).</summary>
        public List<bool> Dense { get; } = new List<bool>();

        /// <summary>The contraction's output legs.</summary>
        public List<string> Output { get; private set; } = new List<string>();

        /// <summary>The fold or transpose-unfold after the contraction, or null.</summary>
        public string? After { get; private set; }

        /// <summary>The contraction as an einsum, with the network's letters.</summary>
        public string Spec => Einsum(Terms, Output);

        /// <summary>Each term's shape.</summary>
        public int[][] Shapes => Terms.Select(t => t.Select(l => _sizes[l]).ToArray()).ToArray();

        /// <summary>The contraction after merging legs (a merged leg takes its first leg's letter), and its terms' shapes.</summary>
        public string Merged(out int[][] shapes)
        {
            var terms = Terms.Select(t => new List<string>(t)).ToList();
            var output = new List<string>(Output);
            var sizes = new Dictionary<string, int>(_sizes);
            ConvMerge.Merge(terms, Dense.ToArray(), output, sizes);
            shapes = terms.Select(t => t.Select(l => sizes[l]).ToArray()).ToArray();
            return Einsum(terms, output);
        }

        /// <summary>The sketch of <paramref name="network"/>.</summary>
        public static ConvRunSketch Of(ConvNetwork network)
        {
            var letters = network.LetterMap();
            var sizes = new Dictionary<string, int>(network.Sizes);
            var sketch = new ConvRunSketch(letters, sizes);
            string Legs(IEnumerable<string> legs) => new string(legs.Select(l => letters[l]).ToArray());
            foreach (var term in network.Terms)
            {
                if (term.Kind == ConvTermKind.Pattern) continue;
                sketch.Terms.Add(new List<string>(term.Labels));
                sketch.Dense.Add(!term.ViewSteps.Any(v => v.Kind == ConvViewStepKind.Narrow));
            }
            var hosts = new List<(int Host, List<ConvTerm> Patterns)>();
            var adjoint = new List<ConvTerm>();
            bool fold = false;
            foreach (var term in network.Terms)
            {
                if (term.Kind != ConvTermKind.Pattern) continue;
                var g = term.Geometry!;
                string k = term.Labels[0], o = term.Labels[1], i = term.Labels[2], name = "Π" + (term.Dimension + 1);
                sizes[k] = g.KernelSize;
                sizes[o] = g.OutputSize;
                sizes[i] = g.InputSize;
                switch (ConvRoles.Classify(network, term))
                {
                    case ConvRoles.PatternRole.SumOutput:
                        sketch.Steps.Add($"Σ_o {name} → count matrix {Legs(new[] { k, i })}[{g.KernelSize},{g.InputSize}]");
                        sketch.Add(new List<string> { k, i });
                        break;
                    case ConvRoles.PatternRole.SumInput:
                        sketch.Steps.Add($"Σ_i {name} → 0/1 matrix {Legs(new[] { k, o })}[{g.KernelSize},{g.OutputSize}]");
                        sketch.Add(new List<string> { k, o });
                        break;
                    case ConvRoles.PatternRole.SumKernel:
                        sketch.Steps.Add($"Σ_k {name} → count matrix {Legs(new[] { o, i })}[{g.OutputSize},{g.InputSize}]");
                        sketch.Add(new List<string> { o, i });
                        break;
                    case ConvRoles.PatternRole.Gather:
                    {
                        int host = sketch.Terms.FindIndex(x => x.Contains(i));
                        int at = hosts.FindIndex(h => h.Host == host);
                        if (at < 0) hosts.Add((host, new List<ConvTerm> { term }));
                        else hosts[at].Patterns.Add(term);
                        break;
                    }
                    default:
                        fold = ConvRoles.Classify(network, term) == ConvRoles.PatternRole.Scatter;
                        adjoint.Add(term);
                        break;
                }
            }
            foreach (var (host, patterns) in hosts)
            {
                var labels = sketch.Terms[host];
                var spatial = patterns.Select(p => p.Labels[2]).ToList();
                var columns = labels.Where(l => !spatial.Contains(l)).Concat(patterns.Select(p => p.Labels[0])).Concat(patterns.Select(p => p.Labels[1])).ToList();
                sketch.Steps.Add($"unfold {Legs(labels)} through {string.Join(", ", patterns.Select(p => "Π" + (p.Dimension + 1)))} "
                    + $"(gather at i = o·S + k·D − P) → {Legs(columns)}[{string.Join(",", columns.Select(l => sizes[l]))}]");
                sketch.Terms[host] = columns;
                sketch.Dense[host] = true;
            }
            var output = new List<string>(network.Output);
            if (adjoint.Count > 0)
            {
                var removed = new HashSet<string>(adjoint.Select(p => p.Labels[2]));
                if (!fold) removed.UnionWith(adjoint.Select(p => p.Labels[0]));
                output = network.Output.Where(l => !removed.Contains(l)).ToList();
                if (fold) output.AddRange(adjoint.Select(p => p.Labels[0]));
                output.AddRange(adjoint.Select(p => p.Labels[1]));
                string through = string.Join(", ", adjoint.Select(p => "Π" + (p.Dimension + 1)));
                sketch.After = fold
                    ? $"fold through {through} (scatter-add at i = o·S + k·D − P) → {Legs(network.Output)}"
                    : $"transpose-unfold through {through} → {Legs(network.Output)}";
            }
            sketch.Output = output;
            return sketch;
        }

        private void Add(List<string> legs)
        {
            Terms.Add(legs);
            Dense.Add(true);
        }

        private string Einsum(List<List<string>> terms, List<string> output) =>
            string.Join(",", terms.Select(Word)) + "->" + Word(output);

        private string Word(List<string> legs) => new string(legs.Select(l => _letters[ConvMerge.First(l)]).ToArray());
    }
}
