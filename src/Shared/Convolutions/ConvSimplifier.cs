using System;
using System.Collections.Generic;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// The reference implementation's tensor-network simplifications, in its order: down-sampling → dense → prune
    /// identities → merge parallel legs → squeeze. The result computes the same numbers with the output's memory order
    /// kept, so the caller reshapes it to the operation's shape. Two of the reference's slips are not copied: duplicate
    /// identities are found by their operand positions, and a self-contracting identity's trace is a constant of the
    /// operands' own element type (the runtime creates it in T).
    /// </summary>
#if EINSUMGEN_RUNTIME
    public
#else
    internal
#endif
    static class ConvSimplifier
    {
        /// <summary>A simplified copy of <paramref name="network"/>.</summary>
        public static ConvNetwork Simplify(ConvNetwork network)
        {
            var net = network.Clone();
            SimplifyDownsampling(net);
            SimplifyDense(net);
            PruneIdentities(net);
            MergeParallel(net);
            Squeeze(net);
            return net;
        }

        /// <summary>
        /// Rule 1: a pattern with S &gt; K, no padding or dilation and S | I whose input leg is not an output leg reads only the
        /// first K of every S inputs: i splits into (i′, k′) of sizes [I/S, S], k′ narrows to K, (i′, k′) regroups into one leg
        /// of size K·I/S, and the pattern becomes the dense Π(K·I/S, K, stride K).
        /// </summary>
        public static void SimplifyDownsampling(ConvNetwork net)
        {
            while (true)
            {
                int at = net.Terms.FindIndex(t => t.Kind == ConvTermKind.Pattern && t.Geometry!.IsDownsampling && !net.Output.Contains(t.Labels[2]));
                if (at < 0) return;
                var pattern = net.Terms[at];
                var g = pattern.Geometry!;
                string i = pattern.Labels[2];
                var parts = Ungroup(net, i, g.InputSize / g.Stride, g.Stride, skip: pattern);
                Narrow(net, parts.Inner, g.KernelSize);
                Group(net, parts.Outer, parts.Inner);
                pattern.Geometry = g.WithInput(g.KernelSize * g.InputSize / g.Stride, g.KernelSize, g.KernelSize);
                net.Sizes[i] = pattern.Geometry.InputSize;
            }
        }

        /// <summary>
        /// Rule 2: a dense pattern (K = S, no padding or dilation, K | I) is δ(o, ĩ)·δ(k, k̃) once i splits into (ĩ, k̃) of sizes
        /// [I/K, K]; it becomes those two identities.
        /// </summary>
        public static void SimplifyDense(ConvNetwork net)
        {
            while (true)
            {
                int at = net.Terms.FindIndex(t => t.Kind == ConvTermKind.Pattern && t.Geometry!.IsDense);
                if (at < 0) return;
                var pattern = net.Terms[at];
                var g = pattern.Geometry!;
                string k = pattern.Labels[0], o = pattern.Labels[1], i = pattern.Labels[2];
                var parts = Ungroup(net, i, g.InputSize / g.KernelSize, g.KernelSize, skip: pattern);
                net.Terms[at] = new ConvTerm(ConvTermKind.Identity, "δ", new[] { o, parts.Outer }) { IdentitySize = g.InputSize / g.KernelSize };
                net.Terms.Insert(at + 1, new ConvTerm(ConvTermKind.Identity, "δ", new[] { k, parts.Inner }) { IdentitySize = g.KernelSize });
            }
        }

        /// <summary>
        /// Rule 3: drop repeated identities over the same legs; an identity whose legs appear nowhere else becomes its trace
        /// (a constant); an identity with a leg in another operand goes, its first leg renamed to its second everywhere.
        /// An identity whose legs appear only in the output stays.
        /// </summary>
        public static void PruneIdentities(ConvNetwork net)
        {
            var seen = new List<ConvTerm>();
            for (int t = 0; t < net.Terms.Count; t++)
            {
                var term = net.Terms[t];
                if (term.Kind != ConvTermKind.Identity) continue;
                if (seen.Exists(s => SameSet(s.Labels, term.Labels)))
                {
                    net.Terms.RemoveAt(t--);
                    continue;
                }
                seen.Add(term);
            }

            bool changed = true;
            while (changed)
            {
                changed = false;
                for (int t = 0; t < net.Terms.Count && !changed; t++)
                {
                    var term = net.Terms[t];
                    if (term.Kind != ConvTermKind.Identity) continue;
                    string a = term.Labels[0], b = term.Labels[1];
                    bool elsewhere = UsedOutside(net, t, a) || UsedOutside(net, t, b);
                    bool inOutput = net.Output.Contains(a) || net.Output.Contains(b);
                    if (!elsewhere && !inOutput)
                    {
                        net.Terms[t] = new ConvTerm(ConvTermKind.Constant, "trace", new[] { a }) { Value = term.IdentitySize };
                        net.Sizes[a] = 1;
                        net.Sizes.Remove(b);
                        changed = true;
                    }
                    else if (elsewhere)
                    {
                        net.Terms.RemoveAt(t);
                        Rename(net, a, b);
                        changed = true;
                    }
                }
            }
        }

        /// <summary>
        /// Rule 4: repeatedly merge a pair of adjacent legs of an operand when every term and the output hold the pair
        /// adjacent in that order or hold neither leg. Pattern and identity legs never merge (a pattern merged would no
        /// longer be an affine index map; the reference never merges them in practice).
        /// </summary>
        public static void MergeParallel(ConvNetwork net)
        {
            while (true)
            {
                var pair = NextMergeable(net);
                if (pair is null) return;
                Group(net, pair.Value.Item1, pair.Value.Item2);
            }
        }

        /// <summary>Rule 5: size-1 legs leave every operand with more than one leg (identities and patterns excepted) and the output.</summary>
        public static void Squeeze(ConvNetwork net)
        {
            foreach (var term in net.Terms)
            {
                if (term.Kind == ConvTermKind.Identity || term.Kind == ConvTermKind.Pattern) continue;
                for (int d = 0; d < term.Labels.Count && term.Labels.Count > 1; d++)
                {
                    if (net.Sizes[term.Labels[d]] != 1) continue;
                    term.ViewSteps.Add(new ConvViewStep(ConvViewStepKind.Squeeze, d));
                    term.Labels.RemoveAt(d--);
                }
            }
            net.Output.RemoveAll(l => net.Sizes[l] == 1);
            var used = new HashSet<string>(net.Output);
            foreach (var t in net.Terms) used.UnionWith(t.Labels);
            foreach (var key in new List<string>(net.Sizes.Keys)) if (!used.Contains(key)) net.Sizes.Remove(key);
        }

        private static (string, string)? NextMergeable(ConvNetwork net)
        {
            foreach (var term in net.Terms)
            {
                if (term.Kind != ConvTermKind.Operand || term.Labels.Count < 2) continue;
                for (int d = 0; d + 1 < term.Labels.Count; d++)
                {
                    string a = term.Labels[d], b = term.Labels[d + 1];
                    if (a == b) continue;
                    bool ok = PairOrNeither(net.Output, a, b);
                    foreach (var other in net.Terms)
                    {
                        if (!ok) break;
                        bool holds = other.Labels.Contains(a) || other.Labels.Contains(b);
                        if (holds && other.Kind != ConvTermKind.Operand) ok = false;
                        else ok = PairOrNeither(other.Labels, a, b);
                    }
                    if (ok) return (a, b);
                }
            }
            return null;
        }

        /// <summary>The labels hold (a, b) adjacent, once, and no other a or b; or neither.</summary>
        private static bool PairOrNeither(List<string> labels, string a, string b)
        {
            int countA = 0, countB = 0, pairs = 0;
            for (int d = 0; d < labels.Count; d++)
            {
                if (labels[d] == a) countA++;
                if (labels[d] == b) countB++;
                if (labels[d] == a && d + 1 < labels.Count && labels[d + 1] == b) pairs++;
            }
            return (countA == 0 && countB == 0) || (pairs == 1 && countA == 1 && countB == 1);
        }

        /// <summary>Splits leg <paramref name="label"/> into (label, label~) everywhere but <paramref name="skip"/>.</summary>
        private static (string Outer, string Inner) Ungroup(ConvNetwork net, string label, int outer, int inner, ConvTerm skip)
        {
            string innerName = Fresh(net, label + "'");
            net.Letters[innerName] = net.FreshLetter();
            foreach (var term in net.Terms)
            {
                if (ReferenceEquals(term, skip)) continue;
                for (int d = 0; d < term.Labels.Count; d++)
                {
                    if (term.Labels[d] != label) continue;
                    if (term.Kind != ConvTermKind.Operand) throw new InvalidOperationException($"Cannot split leg {label} of {term}.");
                    term.ViewSteps.Add(new ConvViewStep(ConvViewStepKind.Split, d, outer, inner));
                    term.Labels.Insert(d + 1, innerName);
                    d++;
                }
            }
            int at = net.Output.IndexOf(label);
            if (at >= 0) net.Output.Insert(at + 1, innerName);
            net.Sizes[label] = outer;
            net.Sizes[innerName] = inner;
            return (label, innerName);
        }

        private static void Narrow(ConvNetwork net, string label, int length)
        {
            foreach (var term in net.Terms)
            {
                int d = term.Labels.IndexOf(label);
                if (d >= 0) term.ViewSteps.Add(new ConvViewStep(ConvViewStepKind.Narrow, d, 0, length));
            }
            net.Sizes[label] = length;
        }

        /// <summary>Merges adjacent legs (a, b) into a everywhere they stand together.</summary>
        private static void Group(ConvNetwork net, string a, string b)
        {
            foreach (var term in net.Terms)
            {
                int d = term.Labels.IndexOf(a);
                if (d < 0 || d + 1 >= term.Labels.Count || term.Labels[d + 1] != b) continue;
                term.ViewSteps.Add(new ConvViewStep(ConvViewStepKind.Merge, d));
                term.Labels.RemoveAt(d + 1);
            }
            int at = net.Output.IndexOf(a);
            if (at >= 0 && at + 1 < net.Output.Count && net.Output[at + 1] == b) net.Output.RemoveAt(at + 1);
            net.Sizes[a] = checked(net.Sizes[a] * net.Sizes[b]);
            net.Sizes.Remove(b);
        }

        private static void Rename(ConvNetwork net, string from, string to)
        {
            foreach (var term in net.Terms)
            {
                for (int d = 0; d < term.Labels.Count; d++) if (term.Labels[d] == from) term.Labels[d] = to;
            }
            for (int d = 0; d < net.Output.Count; d++) if (net.Output[d] == from) net.Output[d] = to;
            net.Sizes.Remove(from);
        }

        private static bool UsedOutside(ConvNetwork net, int skip, string label)
        {
            for (int t = 0; t < net.Terms.Count; t++) if (t != skip && net.Terms[t].Labels.Contains(label)) return true;
            return false;
        }

        private static bool SameSet(List<string> a, List<string> b) => new HashSet<string>(a).SetEquals(b);

        private static string Fresh(ConvNetwork net, string name)
        {
            while (net.Sizes.ContainsKey(name)) name += "'";
            return name;
        }
    }
}
