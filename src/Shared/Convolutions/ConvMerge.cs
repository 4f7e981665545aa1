using System.Collections.Generic;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// The executor's last reshape before the kernels: legs that stand together, in the same order, in every term and the
    /// output merge into one (on dense operands only; a strided view cannot always be reshaped), so that an unfolded
    /// forward is one batched GEMM, a 1×1 convolution a channel matmul and a patchify a reshape plus GEMM. On labels only:
    /// the runtime applies it to tensors, the generator prints it.
    /// </summary>
    internal static class ConvMerge
    {
        /// <summary>
        /// Merges pairs in place: each merged leg keeps its first leg's name joined as "a*b", with the product size in
        /// <paramref name="sizes"/>. <paramref name="dense"/> says per term whether it may be reshaped.
        /// </summary>
        public static void Merge(List<List<string>> terms, bool[] dense, List<string> output, Dictionary<string, int> sizes)
        {
            while (NextMergeable(terms, dense, output) is (string a, string b))
            {
                string merged = a + "*" + b;
                sizes[merged] = checked(sizes[a] * sizes[b]);
                foreach (var legs in terms)
                {
                    int d = legs.IndexOf(a);
                    if (d < 0) continue;
                    legs[d] = merged;
                    legs.RemoveAt(d + 1);
                }
                int at = output.IndexOf(a);
                if (at >= 0)
                {
                    output[at] = merged;
                    output.RemoveAt(at + 1);
                }
            }
        }

        /// <summary>The first leg of a merged leg ("a" of "a*b*c").</summary>
        public static string First(string leg)
        {
            int star = leg.IndexOf('*');
            return star < 0 ? leg : leg.Substring(0, star);
        }

        private static (string, string)? NextMergeable(List<List<string>> terms, bool[] dense, List<string> output)
        {
            foreach (var legs in terms)
            {
                for (int d = 0; d + 1 < legs.Count; d++)
                {
                    string a = legs[d], b = legs[d + 1];
                    if (a == b) continue;
                    bool ok = Adjacent(output, a, b);
                    for (int j = 0; j < terms.Count && ok; j++)
                    {
                        bool holds = terms[j].Contains(a) || terms[j].Contains(b);
                        ok = Adjacent(terms[j], a, b) && (!holds || dense[j]);
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
    }
}
