using System.Linq;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// How each pattern of a network runs (gather, scatter, transpose-unfold, or summed into a small matrix): one rule, used by
    /// the run-time executor and by the generator's remarks, so that what the remarks say is what runs.
    /// </summary>
    internal static class ConvRoles
    {
        /// <summary>How a pattern term runs.</summary>
        public enum PatternRole
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
        public static PatternRole Classify(ConvNetwork net, ConvTerm p)
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
    }
}
