using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// How one convolution network (simplified or not, for fixed sizes) runs, worked out once: the role of every pattern,
    /// the index tables of its gathers and scatters, its constant tensors per element type, and the planned program of
    /// each contraction. <see cref="ConvExecutor"/> runs it; a call only binds the operands. Immutable once built (the
    /// lazily filled caches are thread-safe), so one plan serves every thread.
    /// </summary>
    internal sealed class ConvNetworkPlan
    {
        /// <summary>A tensor the executor holds: an operand term, a constant or identity term, or a pattern summed into a matrix.</summary>
        internal sealed class Slot
        {
            public Slot(ConvTerm term, ConvRoles.PatternRole? role = null)
            {
                Term = term;
                Role = role;
            }

            /// <summary>The term it comes from.</summary>
            public ConvTerm Term { get; }

            /// <summary>For a pattern summed into a matrix: how.</summary>
            public ConvRoles.PatternRole? Role { get; }
        }

        /// <summary>An operand unfolded through patterns: [B…, H…] (in <see cref="Layout"/> order) → columns [B…, k…, o…].</summary>
        internal sealed class GatherStep
        {
            public int Host { get; init; }

            /// <summary>The host's legs reordered batch-first, or null when they already are.</summary>
            public List<string>? Layout { get; init; }

            public int[] ColumnsShape { get; init; } = Array.Empty<int>();

            public long Batch { get; init; }

            public PatternKernels.Map Map { get; init; } = null!;
        }

        /// <summary>The fold (scatter-add) or transpose-unfold of the contraction's columns into the result.</summary>
        internal sealed class AdjointStep
        {
            public bool Fold { get; init; }

            public List<string> ColumnsLabels { get; init; } = new List<string>();

            public List<string> ResultLabels { get; init; } = new List<string>();

            public int[] ResultShape { get; init; } = Array.Empty<int>();

            public long Batch { get; init; }

            public PatternKernels.Map Map { get; init; } = null!;
        }

        private readonly ConcurrentDictionary<Type, object> _constants = new ConcurrentDictionary<Type, object>();
        private readonly ConcurrentDictionary<(int Site, long Dense), ConvContraction> _contractions = new ConcurrentDictionary<(int, long), ConvContraction>();
        private readonly int[][] _operandShapes;

        public ConvNetworkPlan(ConvNetwork network)
        {
            Network = network;
            var slots = new List<Slot>();
            var labels = new List<List<string>>();
            var patterns = new List<ConvTerm>();
            foreach (var term in network.Terms)
            {
                if (term.Kind == ConvTermKind.Pattern)
                {
                    patterns.Add(term);
                    continue;
                }
                slots.Add(new Slot(term));
                labels.Add(new List<string>(term.Labels));
            }

            var scatters = new List<ConvTerm>();
            var transposed = new List<ConvTerm>();
            var gathers = new List<(int Host, List<ConvTerm> Patterns)>();
            foreach (var p in patterns)
            {
                string k = p.Labels[0], o = p.Labels[1], i = p.Labels[2];
                var role = ConvRoles.Classify(network, p);
                switch (role)
                {
                    case ConvRoles.PatternRole.SumOutput:
                        slots.Add(new Slot(p, role));
                        labels.Add(new List<string> { k, i });
                        break;
                    case ConvRoles.PatternRole.SumInput:
                        slots.Add(new Slot(p, role));
                        labels.Add(new List<string> { k, o });
                        break;
                    case ConvRoles.PatternRole.SumKernel:
                        slots.Add(new Slot(p, role));
                        labels.Add(new List<string> { o, i });
                        break;
                    case ConvRoles.PatternRole.TransposeGather:
                        transposed.Add(p);
                        break;
                    case ConvRoles.PatternRole.Scatter:
                        scatters.Add(p);
                        break;
                    default:
                    {
                        var hosts = Enumerable.Range(0, labels.Count).Where(s => labels[s].Contains(i)).ToList();
                        if (hosts.Count != 1 || patterns.Any(q => q != p && q.Labels.Contains(i)))
                        {
                            throw new NotSupportedException($"Pattern {p} shares its input leg with more than one term.");
                        }
                        int at = gathers.FindIndex(g => g.Host == hosts[0]);
                        if (at < 0) gathers.Add((hosts[0], new List<ConvTerm> { p }));
                        else gathers[at].Patterns.Add(p);
                        break;
                    }
                }
            }
            Slots = slots;
            InitialLabels = labels.Select(l => new List<string>(l)).ToList();
            _operandShapes = labels.Select(l => l.Select(x => network.Sizes[x]).ToArray()).ToArray();

            var sizes = network.Sizes;
            foreach (var (host, list) in gathers)
            {
                var spatial = list.Select(p => p.Labels[2]).ToList();
                var batchLabels = labels[host].Where(l => !spatial.Contains(l)).ToList();
                var layout = batchLabels.Concat(spatial).ToList();
                var geometries = list.Select(p => p.Geometry!).ToArray();
                var columns = batchLabels.Concat(list.Select(p => p.Labels[0])).Concat(list.Select(p => p.Labels[1])).ToList();
                Gathers.Add(new GatherStep
                {
                    Host = host,
                    Layout = layout.SequenceEqual(labels[host]) ? null : layout,
                    ColumnsShape = columns.Select(l => sizes[l]).ToArray(),
                    Batch = batchLabels.Aggregate(1L, (a, l) => a * sizes[l]),
                    Map = new PatternKernels.Map(geometries.Select(g => g.InputSize).ToArray(), geometries.Select(g => g.KernelSize).ToArray(),
                        geometries.Select(g => g.OutputSize).ToArray(), geometries.Select(g => g.GatherTable()).ToArray()),
                });
                labels[host] = columns;
            }
            SlotLabels = labels;

            if (scatters.Count > 0 && transposed.Count > 0) throw new NotSupportedException("A network that both folds and transpose-unfolds.");
            if (scatters.Count == 0 && transposed.Count == 0) return;
            var adjoint = scatters.Count > 0 ? scatters : transposed;
            bool fold = scatters.Count > 0;
            var removed = new HashSet<string>(adjoint.Select(p => p.Labels[2]));
            if (!fold) removed.UnionWith(adjoint.Select(p => p.Labels[0]));
            var batch = network.Output.Where(l => !removed.Contains(l)).ToList();
            var columnsLabels = new List<string>(batch);
            if (fold) columnsLabels.AddRange(adjoint.Select(p => p.Labels[0]));
            columnsLabels.AddRange(adjoint.Select(p => p.Labels[1]));
            var resultLabels = new List<string>(batch);
            if (!fold) resultLabels.AddRange(adjoint.Select(p => p.Labels[0]));
            resultLabels.AddRange(adjoint.Select(p => p.Labels[2]));
            var gs = adjoint.Select(p => p.Geometry!).ToArray();
            Adjoint = new AdjointStep
            {
                Fold = fold,
                ColumnsLabels = columnsLabels,
                ResultLabels = resultLabels,
                ResultShape = resultLabels.Select(l => sizes[l]).ToArray(),
                Batch = batch.Aggregate(1L, (a, l) => a * sizes[l]),
                Map = fold
                    ? new PatternKernels.Map(gs.Select(g => g.InputSize).ToArray(), gs.Select(g => g.KernelSize).ToArray(),
                        gs.Select(g => g.OutputSize).ToArray(), gs.Select(g => g.GatherTable()).ToArray())
                    : new PatternKernels.Map(gs.Select(g => g.OutputSize).ToArray(), gs.Select(g => g.KernelSize).ToArray(),
                        gs.Select(g => g.InputSize).ToArray(), gs.Select(g => g.TransposeGatherTable()).ToArray()),
            };
        }

        /// <summary>The network this plan runs.</summary>
        public ConvNetwork Network { get; }

        /// <summary>The tensors the executor holds, in order: non-pattern terms, then patterns summed into matrices.</summary>
        public List<Slot> Slots { get; }

        /// <summary>Each slot's legs before the gathers.</summary>
        public List<List<string>> InitialLabels { get; }

        /// <summary>Each slot's legs after the gathers (an unfolded host holds B…, k…, o…).</summary>
        public List<List<string>> SlotLabels { get; }

        /// <summary>The operands to unfold, in order.</summary>
        public List<GatherStep> Gathers { get; } = new List<GatherStep>();

        /// <summary>The fold or transpose-unfold after the contraction, or null.</summary>
        public AdjointStep? Adjoint { get; }

        /// <summary>The constant tensors (scales, identities, count matrices) per slot in element type T, built once per type.</summary>
        public Tensor<T>?[] Constants<T>() where T : unmanaged, INumberBase<T> =>
            (Tensor<T>?[])_constants.GetOrAdd(typeof(T), _ => Slots.Select(CreateConstant<T>).ToArray());

        /// <summary>
        /// The contraction of call site <paramref name="site"/> when the operand slots in <paramref name="dense"/> (a bit mask)
        /// are dense views: which legs merge depends on it, so it is part of the key.
        /// </summary>
        public bool TryGetContraction(int site, long dense, out ConvContraction contraction) =>
            _contractions.TryGetValue((site, dense), out contraction!);

        /// <summary>Keeps <paramref name="contraction"/> for <paramref name="site"/> (the first one made wins when threads race).</summary>
        public ConvContraction AddContraction(int site, long dense, ConvContraction contraction) => _contractions.GetOrAdd((site, dense), contraction);

        /// <summary>An operand after the simplifier's views has the network's sizes (a broken invariant, not a caller's error).</summary>
        public void CheckOperand<T>(int slot, Tensor<T> t)
        {
            var expected = _operandShapes[slot];
            bool same = t.Rank == expected.Length;
            for (int d = 0; same && d < expected.Length; d++) same = t.Lengths[d] == expected[d];
            if (!same)
            {
                throw new InvalidOperationException($"Operand {Slots[slot].Term.Name} has shape [{string.Join(", ", t.Lengths.ToArray())}] after the " +
                    $"simplifier's views, but the network expects [{string.Join(", ", expected)}].");
            }
        }

        private Tensor<T>? CreateConstant<T>(Slot slot) where T : unmanaged, INumberBase<T>
        {
            var term = slot.Term;
            var g = term.Geometry;
            return term.Kind switch
            {
                ConvTermKind.Constant => ConvTensors.Scalar<T>(term.Value),
                ConvTermKind.Identity => ConvTensors.Eye<T>(term.IdentitySize),
                ConvTermKind.Pattern => slot.Role switch
                {
                    ConvRoles.PatternRole.SumOutput => ConvTensors.Matrix<T>(ConvExecutor.Counts(g!, sumOutput: true), g!.KernelSize, g.InputSize),
                    ConvRoles.PatternRole.SumInput => ConvTensors.Matrix<T>(ConvExecutor.Counts(g!, sumOutput: false), g!.KernelSize, g.OutputSize),
                    _ => ConvTensors.Matrix<T>(ConvExecutor.TapCounts(g!), g!.OutputSize, g.InputSize),
                },
                _ => null,
            };
        }
    }
}
