using System.Collections.Generic;
using System.Text;

namespace EinsumGen.Planning
{
    /// <summary>
    /// Labels compressed into at most 64 groups so that label sets are <see cref="ulong"/> masks. Labels carried by exactly
    /// the same operands with the same output membership are merged into one group (size = product of sizes): every
    /// step keeps or sums them together, so costs are unchanged and far more labels fit in 64 bits.
    /// </summary>
    internal sealed class LabelSpace
    {
        private readonly long[][] _byteTables;

        private LabelSpace(int groupCount, ulong[] operands, ulong output, long[] groupSizes)
        {
            GroupCount = groupCount;
            Operands = operands;
            Output = output;
            _byteTables = new long[8][];
            for (int b = 0; b < 8; b++)
            {
                var table = new long[256];
                for (int v = 0; v < 256; v++)
                {
                    long p = 1;
                    for (int bit = 0; bit < 8; bit++)
                    {
                        int g = b * 8 + bit;
                        if ((v & (1 << bit)) != 0 && g < groupCount) p = Saturating.Mul(p, groupSizes[g]);
                    }
                    table[v] = p;
                }
                _byteTables[b] = table;
            }
        }

        public int GroupCount { get; }

        /// <summary>Each operand's label mask.</summary>
        public ulong[] Operands { get; }

        public ulong Output { get; }

        /// <summary>Product of the sizes of the labels in <paramref name="mask"/>, saturating.</summary>
        public long Size(ulong mask)
        {
            long p = 1;
            for (int b = 0; mask != 0; b++, mask >>= 8)
            {
                int v = (int)(mask & 0xFF);
                if (v != 0) p = Saturating.Mul(p, _byteTables[b][v]);
            }
            return p;
        }

        /// <summary>opt_einsum's pairwise flop_count from the two operands' masks and the result's.</summary>
        public long PairFlops(ulong a, ulong b, ulong result)
        {
            ulong union = a | b;
            long f = Size(union);
            return (union & ~result) != 0 ? Saturating.Mul(f, 2) : f;
        }

        /// <summary>Null when the labels need more than 64 groups (impossible for NumPy specs, which have at most 53).</summary>
        public static LabelSpace? TryCreate(IReadOnlyList<string> inputs, string output, IReadOnlyDictionary<char, long> sizes)
        {
            var signatures = new Dictionary<char, StringBuilder>();
            for (int k = 0; k < inputs.Count; k++)
            {
                foreach (char c in inputs[k])
                {
                    if (!signatures.TryGetValue(c, out var sig)) signatures[c] = sig = new StringBuilder();
                    sig.Append(k).Append(',');
                }
            }
            foreach (char c in output) signatures[c].Append('o');

            var groupOf = new Dictionary<string, int>();
            var groupSizes = new List<long>();
            var labelGroup = new Dictionary<char, int>();
            foreach (var kv in signatures)
            {
                string key = kv.Value.ToString();
                if (!groupOf.TryGetValue(key, out int g))
                {
                    if (groupSizes.Count == 64) return null;
                    g = groupSizes.Count;
                    groupOf[key] = g;
                    groupSizes.Add(1);
                }
                groupSizes[g] = Saturating.Mul(groupSizes[g], sizes[kv.Key]);
                labelGroup[kv.Key] = g;
            }

            var operands = new ulong[inputs.Count];
            for (int k = 0; k < inputs.Count; k++)
            {
                foreach (char c in inputs[k]) operands[k] |= 1UL << labelGroup[c];
            }
            ulong outMask = 0;
            foreach (char c in output) outMask |= 1UL << labelGroup[c];
            return new LabelSpace(groupSizes.Count, operands, outMask, groupSizes.ToArray());
        }
    }
}
