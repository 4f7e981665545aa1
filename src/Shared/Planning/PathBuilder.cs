using System.Collections.Generic;
using System.Text;

namespace EinsumGen.Planning
{
    /// <summary>
    /// Turns an order (SSA pairs) into <see cref="ContractionStep"/>s on the real labels: result layouts, summed labels,
    /// FLOPs and kinds, recomputed from scratch so that reported costs never depend on a search's bookkeeping.
    /// </summary>
    internal static class PathBuilder
    {
        public static ContractionPath Unary(string input, string output, IReadOnlyDictionary<char, long> sizes, long naive, string strategy)
        {
            string summed = Without(input, output);
            long flops = Product(input, sizes);
            if (summed.Length > 0) flops = Saturating.Mul(flops, 2);
            StepKind kind = summed.Length > 0 ? StepKind.Reduction : input == output ? StepKind.Elementwise : StepKind.Transpose;
            var step = new ContractionStep(0, -1, output, summed, flops, Product(output, sizes), kind);
            return new ContractionPath(new[] { step }, naive, strategy);
        }

        public static ContractionPath Pairwise(IReadOnlyList<string> inputs, string output, IReadOnlyDictionary<char, long> sizes,
            IReadOnlyList<int> left, IReadOnlyList<int> right, long naive, string strategy)
        {
            var tensors = new List<string>(inputs);
            var live = new Dictionary<char, int>();
            foreach (string t in inputs) Count(live, t, 1);
            var steps = new List<ContractionStep>(left.Count);
            for (int k = 0; k < left.Count; k++)
            {
                string a = tensors[left[k]], b = tensors[right[k]];
                Count(live, a, -1);
                Count(live, b, -1);
                bool last = k == left.Count - 1;
                var batch = new StringBuilder();
                var onlyA = new StringBuilder();
                var onlyB = new StringBuilder();
                var summed = new StringBuilder();
                bool sharedSum = false, sharedAny = false;
                foreach (char c in a)
                {
                    bool inB = b.IndexOf(c) >= 0, kept = Needed(c, output, live);
                    sharedAny |= inB;
                    if (!kept) { summed.Append(c); sharedSum |= inB; }
                    else (inB ? batch : onlyA).Append(c);
                }
                foreach (char c in b)
                {
                    if (a.IndexOf(c) >= 0) continue;
                    if (Needed(c, output, live)) onlyB.Append(c);
                    else summed.Append(c);
                }
                string result = last ? output : batch.ToString() + onlyA + onlyB;
                Count(live, result, 1);
                tensors.Add(result);

                long flops = Product(a + Without(b, a), sizes);
                if (summed.Length > 0) flops = Saturating.Mul(flops, 2);
                StepKind kind = sharedSum ? (batch.Length > 0 ? StepKind.Batched : StepKind.Gemm)
                    : sharedAny ? StepKind.Elementwise : StepKind.OuterProduct;
                steps.Add(new ContractionStep(left[k], right[k], result, summed.ToString(), flops, Product(result, sizes), kind));
            }
            return new ContractionPath(steps, naive, strategy);
        }

        public static long Product(string labels, IReadOnlyDictionary<char, long> sizes)
        {
            long p = 1;
            foreach (char c in labels) p = Saturating.Mul(p, sizes[c]);
            return p;
        }

        /// <summary>The labels of <paramref name="labels"/> absent from <paramref name="other"/>, in order.</summary>
        public static string Without(string labels, string other)
        {
            var sb = new StringBuilder();
            foreach (char c in labels) if (other.IndexOf(c) < 0) sb.Append(c);
            return sb.ToString();
        }

        private static bool Needed(char c, string output, Dictionary<char, int> live) =>
            output.IndexOf(c) >= 0 || (live.TryGetValue(c, out int n) && n > 0);

        private static void Count(Dictionary<char, int> live, string labels, int delta)
        {
            foreach (char c in labels)
            {
                live.TryGetValue(c, out int n);
                live[c] = n + delta;
            }
        }
    }
}
