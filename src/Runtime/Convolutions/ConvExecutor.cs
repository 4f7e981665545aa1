using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// Runs a (simplified or not) convolution network. Patterns never become dense Π tensors: a pattern whose input leg
    /// lives on one operand is a gather (unfold) of that operand through the pattern's index table; one whose input leg is
    /// an output leg is a scatter (fold) of the rest's contraction; a leg that only the pattern holds is summed out first,
    /// leaving a small K×I or K×O count matrix (KFAC-reduce's pre-averaged patterns). Everything else runs on the project's
    /// einsum kernels through <see cref="Einsum.EvaluateInto"/>, planned for the actual sizes.
    /// </summary>
    internal static class ConvExecutor
    {
        private sealed class Item<T>
        {
            public Item(List<string> labels, Tensor<T> tensor)
            {
                Labels = labels;
                Tensor = tensor;
            }

            public List<string> Labels { get; set; }
            public Tensor<T> Tensor { get; set; }
        }

        /// <summary>
        /// Evaluates <paramref name="net"/>; <paramref name="operands"/> gives each operand term's tensor in the shape it had
        /// before simplification. Returns a dense tensor of the network's output shape.
        /// </summary>
        public static Tensor<T> Run<T>(ConvNetwork net, Func<string, Tensor<T>> operands) where T : unmanaged, INumberBase<T>
        {
            var items = new List<Item<T>>();
            var patterns = new List<ConvTerm>();
            foreach (var term in net.Terms)
            {
                switch (term.Kind)
                {
                    case ConvTermKind.Operand:
                        items.Add(new Item<T>(new List<string>(term.Labels), ConvTensors.ApplyViews(operands(term.Name), term.ViewSteps)));
                        break;
                    case ConvTermKind.Constant:
                        items.Add(new Item<T>(new List<string>(term.Labels), ConvTensors.Scalar<T>(term.Value)));
                        break;
                    case ConvTermKind.Identity:
                        items.Add(new Item<T>(new List<string>(term.Labels), ConvTensors.Eye<T>(term.IdentitySize)));
                        break;
                    default:
                        patterns.Add(term);
                        break;
                }
            }

            // Legs only a pattern holds are summed out of it first.
            var scatters = new List<ConvTerm>();
            var transposed = new List<ConvTerm>();
            var gathers = new Dictionary<Item<T>, List<ConvTerm>>();
            foreach (var p in patterns)
            {
                string k = p.Labels[0], o = p.Labels[1], i = p.Labels[2];
                var g = p.Geometry!;
                switch (Classify(net, p))
                {
                    case PatternRole.SumOutput:
                        items.Add(new Item<T>(new List<string> { k, i }, ConvTensors.Matrix<T>(Counts(g, sumOutput: true), g.KernelSize, g.InputSize)));
                        break;
                    case PatternRole.SumInput:
                        items.Add(new Item<T>(new List<string> { k, o }, ConvTensors.Matrix<T>(Counts(g, sumOutput: false), g.KernelSize, g.OutputSize)));
                        break;
                    case PatternRole.SumKernel:
                        items.Add(new Item<T>(new List<string> { o, i }, ConvTensors.Matrix<T>(TapCounts(g), g.OutputSize, g.InputSize)));
                        break;
                    case PatternRole.TransposeGather:
                        transposed.Add(p);
                        break;
                    case PatternRole.Scatter:
                        scatters.Add(p);
                        break;
                    default:
                    {
                        var hosts = items.Where(it => it.Labels.Contains(i)).ToList();
                        if (hosts.Count != 1 || patterns.Any(q => q != p && q.Labels.Contains(i)))
                        {
                            throw new NotSupportedException($"Pattern {p} shares its input leg with more than one term.");
                        }
                        if (!gathers.TryGetValue(hosts[0], out var list)) gathers[hosts[0]] = list = new List<ConvTerm>();
                        list.Add(p);
                        break;
                    }
                }
            }
            foreach (var pair in gathers) Unfold(pair.Key, pair.Value);

            if (scatters.Count > 0 && transposed.Count > 0) throw new NotSupportedException("A network that both folds and transpose-unfolds.");
            var output = net.Output;
            if (scatters.Count == 0 && transposed.Count == 0) return Contract(items, output, net.Sizes);

            var adjoint = scatters.Count > 0 ? scatters : transposed;
            bool fold = scatters.Count > 0;
            var removed = new HashSet<string>(adjoint.Select(p => p.Labels[2]));
            if (!fold) removed.UnionWith(adjoint.Select(p => p.Labels[0]));
            var batchLabels = output.Where(l => !removed.Contains(l)).ToList();
            var columnsLabels = new List<string>(batchLabels);
            if (fold) columnsLabels.AddRange(adjoint.Select(p => p.Labels[0]));
            columnsLabels.AddRange(adjoint.Select(p => p.Labels[1]));
            var columns = Contract(items, columnsLabels, net.Sizes);

            var resultLabels = new List<string>(batchLabels);
            if (!fold) resultLabels.AddRange(adjoint.Select(p => p.Labels[0]));
            resultLabels.AddRange(adjoint.Select(p => p.Labels[2]));
            var result = ConvTensors.Zeros<T>(resultLabels.Select(l => net.Sizes[l]));
            long batch = batchLabels.Aggregate(1L, (a, l) => a * net.Sizes[l]);
            var geometries = adjoint.Select(p => p.Geometry!).ToArray();
            unsafe
            {
                fixed (T* c = &Einsum.First(columns))
                fixed (T* r = &Einsum.First(result))
                {
#if EINSUMGEN_CHECKED_KERNELS
                    using var regions = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(c, columns.Lengths, columns.Strides, !fold, "columns");
                    using var resultRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(r, result.Lengths, result.Strides, true, "result");
#endif
                    if (fold)
                    {
                        PatternKernels.Scatter(c, r, batch, geometries.Select(g => g.InputSize).ToArray(), geometries.Select(g => g.KernelSize).ToArray(),
                            geometries.Select(g => g.OutputSize).ToArray(), geometries.Select(g => g.GatherTable()).ToArray());
                    }
                    else
                    {
                        PatternKernels.Gather(c, r, batch, geometries.Select(g => g.OutputSize).ToArray(), geometries.Select(g => g.KernelSize).ToArray(),
                            geometries.Select(g => g.InputSize).ToArray(), geometries.Select(g => g.TransposeGatherTable()).ToArray());
                    }
                }
            }
            return Permute(result, resultLabels, output, net.Sizes);
        }

        /// <summary>Replaces <paramref name="host"/> by its unfold through <paramref name="patterns"/>: labels B…, k…, o….</summary>
        private static unsafe void Unfold<T>(Item<T> host, List<ConvTerm> patterns) where T : unmanaged, INumberBase<T>
        {
            var spatial = patterns.Select(p => p.Labels[2]).ToList();
            var batchLabels = host.Labels.Where(l => !spatial.Contains(l)).ToList();
            var layout = batchLabels.Concat(spatial).ToList();
            var sizes = new Dictionary<string, int>();
            for (int d = 0; d < host.Labels.Count; d++) sizes[host.Labels[d]] = (int)host.Tensor.Lengths[d];
            var dense = layout.SequenceEqual(host.Labels) ? ConvTensors.Dense(host.Tensor) : Permute(host.Tensor, host.Labels, layout, sizes);
            var geometries = patterns.Select(p => p.Geometry!).ToArray();
            var labels = batchLabels.Concat(patterns.Select(p => p.Labels[0])).Concat(patterns.Select(p => p.Labels[1])).ToList();
            foreach (var p in patterns)
            {
                sizes[p.Labels[0]] = p.Geometry!.KernelSize;
                sizes[p.Labels[1]] = p.Geometry.OutputSize;
            }
            var columns = ConvTensors.Uninitialized<T>(labels.Select(l => sizes[l])); // the gather writes every element
            long batch = batchLabels.Aggregate(1L, (a, l) => a * sizes[l]);
            fixed (T* h = &Einsum.First(dense))
            fixed (T* c = &Einsum.First(columns))
            {
#if EINSUMGEN_CHECKED_KERNELS
                using var regions = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(h, dense.Lengths, dense.Strides, false, "host");
                using var columnsRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(c, columns.Lengths, columns.Strides, true, "columns");
#endif
                PatternKernels.Gather(h, c, batch, geometries.Select(g => g.InputSize).ToArray(), geometries.Select(g => g.KernelSize).ToArray(),
                    geometries.Select(g => g.OutputSize).ToArray(), geometries.Select(g => g.GatherTable()).ToArray());
            }
            host.Labels = labels;
            host.Tensor = columns;
        }

        /// <summary>
        /// The einsum of the items into a new dense tensor with <paramref name="output"/>'s legs. Legs that stand together
        /// in every item and the output merge first (as the simplifier's rule 4, here on the unfolded columns too), so the
        /// kernels see a plain (batched) matrix product.
        /// </summary>
        private static Tensor<T> Contract<T>(List<Item<T>> items, List<string> output, Dictionary<string, int> netSizes) where T : unmanaged, INumberBase<T>
        {
            var sizes = new Dictionary<string, int>(netSizes);
            foreach (var it in items) for (int d = 0; d < it.Labels.Count; d++) sizes[it.Labels[d]] = (int)it.Tensor.Lengths[d];
            var shape = output.Select(l => sizes[l]).ToList();
            if (items.Count == 1 && items[0].Labels.SequenceEqual(output)) return ConvTensors.Dense(items[0].Tensor);

            // Smaller operands first: the planner and kernels take a broadcast weight before the batched columns better
            // (23 vs 68 ms for nko,dk->ndo against dk,nko->ndo at 7×576×1024, measured on this project's kernels).
            var work = items.OrderBy(it => it.Tensor.FlattenedLength).Select(it => new Item<T>(new List<string>(it.Labels), it.Tensor)).ToList();
            var outLabels = new List<string>(output);
            while (NextMergeable(work, outLabels) is (string a, string b))
            {
                string merged = a + "*" + b;
                sizes[merged] = checked(sizes[a] * sizes[b]);
                foreach (var it in work)
                {
                    int d = it.Labels.IndexOf(a);
                    if (d < 0) continue;
                    it.Labels[d] = merged;
                    it.Labels.RemoveAt(d + 1);
                    it.Tensor = ConvTensors.Reshape(it.Tensor, it.Labels.Select(l => (nint)sizes[l]).ToArray());
                }
                int at = outLabels.IndexOf(a);
                if (at >= 0)
                {
                    outLabels[at] = merged;
                    outLabels.RemoveAt(at + 1);
                }
            }
            var letters = Letters(work.Select(it => it.Labels).Append(outLabels));
            string spec = string.Join(",", work.Select(it => Word(it.Labels, letters))) + "->" + Word(outLabels, letters);
            var result = ConvTensors.Uninitialized<T>(outLabels.Count == 0 ? new[] { 1 } : outLabels.Select(l => sizes[l])); // overwritten
            Einsum.EvaluateInto(spec, result, work.Select(it => it.Tensor).ToArray());
            return shape.Count == outLabels.Count ? result : ConvTensors.Reshape(result, shape.Select(d => (nint)d).ToArray());
        }

        /// <summary>A pair of legs adjacent in every dense item that holds either, and in the output (or absent there).</summary>
        private static (string, string)? NextMergeable<T>(List<Item<T>> items, List<string> output)
        {
            foreach (var it in items)
            {
                for (int d = 0; d + 1 < it.Labels.Count; d++)
                {
                    string a = it.Labels[d], b = it.Labels[d + 1];
                    if (a == b) continue;
                    bool ok = Adjacent(output, a, b);
                    foreach (var other in items)
                    {
                        if (!ok) break;
                        bool holds = other.Labels.Contains(a) || other.Labels.Contains(b);
                        ok = Adjacent(other.Labels, a, b) && (!holds || other.Tensor.IsDense);
                    }
                    if (ok) return (a, b);
                }
            }
            return null;
        }

        private static bool Adjacent(List<string> labels, string a, string b)
        {
            int ia = labels.IndexOf(a), ib = labels.IndexOf(b);
            if (ia < 0 && ib < 0) return true;
            return ia >= 0 && ib == ia + 1 && labels.LastIndexOf(a) == ia && labels.LastIndexOf(b) == ib;
        }

        private static Tensor<T> Permute<T>(Tensor<T> t, List<string> from, List<string> to, Dictionary<string, int> sizes) where T : unmanaged, INumberBase<T>
        {
            if (from.SequenceEqual(to)) return t;
            return Contract(new List<Item<T>> { new Item<T>(from, t) }, to, sizes);
        }

        /// <summary>How a pattern term runs.</summary>
        internal enum PatternRole
        {
            /// <summary>Its output leg is summed alone: a [K, I] count matrix (Σ_o Π, KFAC-reduce's pre-averaged pattern).</summary>
            SumOutput,

            /// <summary>Its input leg is summed alone: a [K, O] 0/1 matrix.</summary>
            SumInput,

            /// <summary>Its kernel leg is summed alone: an [O, I] count matrix.</summary>
            SumKernel,

            /// <summary>Kernel and input legs are output legs: a transpose-unfold of the rest.</summary>
            TransposeGather,

            /// <summary>The input leg is an output leg: the rest's contraction is folded (scatter-added) through it.</summary>
            Scatter,

            /// <summary>The input leg lives on one operand: that operand is unfolded (gathered) through it.</summary>
            Gather,
        }

        /// <summary>The role of pattern <paramref name="p"/> in <paramref name="net"/>.</summary>
        internal static PatternRole Classify(ConvNetwork net, ConvTerm p)
        {
            string k = p.Labels[0], o = p.Labels[1], i = p.Labels[2];
            if (!Used(net, p, o)) return PatternRole.SumOutput;
            if (!Used(net, p, i)) return PatternRole.SumInput;
            if (!Used(net, p, k)) return PatternRole.SumKernel;
            if (net.Output.Contains(i) && net.Output.Contains(k)) return PatternRole.TransposeGather;
            return net.Output.Contains(i) ? PatternRole.Scatter : PatternRole.Gather;
        }

        private static bool Used(ConvNetwork net, ConvTerm pattern, string label) =>
            net.Output.Contains(label) || net.Terms.Any(t => !ReferenceEquals(t, pattern) && t.Labels.Contains(label));

        /// <summary>Σ_o Π[k, o, i] as [K, I] (sumOutput) or Σ_i Π[k, o, i] as [K, O].</summary>
        private static double[] Counts(ConvGeometry g, bool sumOutput)
        {
            var counts = new double[g.KernelSize * (sumOutput ? g.InputSize : g.OutputSize)];
            for (int k = 0; k < g.KernelSize; k++)
            {
                for (int o = 0; o < g.OutputSize; o++)
                {
                    int i = g.InputIndex(k, o);
                    if (i < 0) continue;
                    if (sumOutput) counts[k * g.InputSize + i] += 1;
                    else counts[k * g.OutputSize + o] += 1;
                }
            }
            return counts;
        }

        /// <summary>Σ_k Π[k, o, i] as [O, I].</summary>
        private static double[] TapCounts(ConvGeometry g)
        {
            var counts = new double[g.OutputSize * g.InputSize];
            for (int k = 0; k < g.KernelSize; k++)
            {
                for (int o = 0; o < g.OutputSize; o++)
                {
                    int i = g.InputIndex(k, o);
                    if (i >= 0) counts[o * g.InputSize + i] += 1;
                }
            }
            return counts;
        }

        private static Dictionary<string, char> Letters(IEnumerable<List<string>> terms)
        {
            const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
            var letters = new Dictionary<string, char>();
            foreach (var labels in terms)
            {
                foreach (var l in labels)
                {
                    if (letters.ContainsKey(l)) continue;
                    if (letters.Count == alphabet.Length) throw new NotSupportedException($"A convolution step with more than {alphabet.Length} legs.");
                    letters[l] = alphabet[letters.Count];
                }
            }
            return letters;
        }

        private static string Word(List<string> labels, Dictionary<string, char> letters) => new string(labels.Select(l => letters[l]).ToArray());
    }
}
