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
            var step = new ContractionStep(0, -1, output, summed, flops, Product(output, sizes), UnaryKind(input, output, summed.Length > 0));
            return new ContractionPath(new[] { step }, naive, strategy);
        }

        /// <summary>
        /// The steps of an order: <paramref name="left"/>[k] with <paramref name="right"/>[k], or, where that is -1, a unary
        /// step that sums the labels of <paramref name="left"/>[k] that nothing after it needs.
        /// </summary>
        public static ContractionPath Pairwise(IReadOnlyList<string> inputs, string output, IReadOnlyDictionary<char, long> sizes,
            IReadOnlyList<int> left, IReadOnlyList<int> right, long naive, string strategy) =>
            Build(inputs, output, sizes, left, right, null, naive, strategy);

        /// <summary>
        /// As <see cref="Pairwise"/>, then, when <paramref name="multiway"/> is not null, one last step over those tensors
        /// (all that remain) into the output.
        /// </summary>
        public static ContractionPath Build(IReadOnlyList<string> inputs, string output, IReadOnlyDictionary<char, long> sizes,
            IReadOnlyList<int> left, IReadOnlyList<int> right, int[]? multiway, long naive, string strategy)
        {
            var steps = new List<int[]>(left.Count + 1);
            for (int k = 0; k < left.Count; k++) steps.Add(right[k] < 0 ? new[] { left[k] } : new[] { left[k], right[k] });
            if (multiway != null) steps.Add(multiway);
            return FromSteps(inputs, output, sizes, steps, naive, strategy);
        }

        /// <summary>
        /// The steps of any order: each entry lists the tensor ids one step reads (one: a unary step that sums what nothing
        /// after it needs; two: a pairwise step, left then right; more: a <see cref="EinsumStepKind.Multiway"/> step, whose
        /// result keeps the labels that later steps or the output need). The last step writes the output.
        /// </summary>
        public static ContractionPath FromSteps(IReadOnlyList<string> inputs, string output, IReadOnlyDictionary<char, long> sizes,
            IReadOnlyList<int[]> order, long naive, string strategy)
        {
            var tensors = new List<string>(inputs);
            var live = new Dictionary<char, int>();
            foreach (string t in inputs) Count(live, t, 1);
            int count = order.Count;
            var steps = new List<ContractionStep>(count);
            for (int k = 0; k < count; k++)
            {
                bool last = k == count - 1;
                int[] ids = order[k];
                if (ids.Length > 2)
                {
                    foreach (int id in ids) Count(live, tensors[id], -1);
                    var step = Multiway(tensors, ids, last ? output : null, output, live, sizes);
                    Count(live, step.ResultLabels, 1);
                    tensors.Add(step.ResultLabels);
                    steps.Add(step);
                    continue;
                }
                bool unary = ids.Length == 1;
                int leftId = ids[0], rightId = unary ? -1 : ids[1];
                string a = tensors[leftId], b = unary ? string.Empty : tensors[rightId];
                Count(live, a, -1);
                Count(live, b, -1);
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
                EinsumStepKind kind = unary ? UnaryKind(a, result, summed.Length > 0)
                    : sharedSum ? (batch.Length > 0 ? EinsumStepKind.Batched : EinsumStepKind.Gemm)
                    : sharedAny ? EinsumStepKind.Elementwise : EinsumStepKind.OuterProduct;
                steps.Add(new ContractionStep(leftId, rightId, result, summed.ToString(), flops, Product(result, sizes), kind));
            }
            LayOutIntermediates(inputs, steps);
            return new ContractionPath(steps, naive, strategy);
        }

        /// <summary>
        /// A step over three or more tensors (<paramref name="operands"/>, whose labels <paramref name="live"/> no longer
        /// counts), costed with opt_einsum's flop_count for that many terms: every label's size, times (terms - 1, plus 1
        /// when a label is summed). Its result is <paramref name="result"/> (the output, for the last step) or, when null,
        /// the labels that the output or a later step needs, in the operands' order.
        /// </summary>
        private static ContractionStep Multiway(List<string> tensors, int[] operands, string? result, string output,
            Dictionary<char, int> live, IReadOnlyDictionary<char, long> sizes)
        {
            string union = string.Empty;
            foreach (int id in operands) union += Without(tensors[id], union);
            if (result == null)
            {
                var kept = new StringBuilder();
                foreach (char c in union) if (Needed(c, output, live)) kept.Append(c);
                result = kept.ToString();
            }
            string summed = Without(union, result);
            long factor = operands.Length - 1 + (summed.Length > 0 ? 1 : 0);
            return new ContractionStep(operands, result, summed, Saturating.Mul(Product(union, sizes), factor), Product(result, sizes));
        }

        private static EinsumStepKind UnaryKind(string input, string result, bool sums) =>
            sums ? EinsumStepKind.Reduction : input == result ? EinsumStepKind.Elementwise : EinsumStepKind.Transpose;

        /// <summary>
        /// Orders each intermediate's labels for the step that reads it: labels kept in both of that step's operands (batch)
        /// first, then the labels it sums with the other operand (in the other operand's order), then its own kept labels
        /// (in the order of that step's result), which thus run contiguously in it, in its gradient and in the result. A
        /// skinny step (the tensor-train layer's y = W·x, and its weight gradient) then streams vectors along that free group
        /// and packs nothing; measured on the layer against [batch, free, summed] and the unordered concatenation: forward
        /// 0.29 vs 0.36–0.46 ms, whole training step 0.70 vs 0.79 ms. Steps are visited last to first, so that a consumer's
        /// layout is final before its operands are laid out.
        /// </summary>
        private static void LayOutIntermediates(IReadOnlyList<string> inputs, List<ContractionStep> steps)
        {
            int operands = inputs.Count;
            var labels = new List<string>();
            for (int k = 0; k < steps.Count; k++) labels.Add(steps[k].ResultLabels);
            string Of(int id) => id < operands ? inputs[id] : labels[id - operands];
            for (int c = steps.Count - 1; c >= 0; c--)
            {
                var consumer = steps[c];
                // A multiway step reads its operands through their strides in one loop nest: any layout serves it.
                if (consumer.IsMultiway) continue;
                string result = labels[c];
                foreach (int id in consumer.IsUnary ? new[] { consumer.Left } : new[] { consumer.Left, consumer.Right })
                {
                    if (id < operands) continue;
                    int other = id == consumer.Left ? consumer.Right : consumer.Left;
                    string otherLabels = other < 0 ? "" : Of(other);
                    string own = Of(id);
                    var batch = new StringBuilder();
                    var free = new StringBuilder();
                    var summed = new StringBuilder();
                    foreach (char ch in result) if (own.IndexOf(ch) >= 0) (otherLabels.IndexOf(ch) >= 0 ? batch : free).Append(ch);
                    foreach (char ch in otherLabels) if (own.IndexOf(ch) >= 0 && result.IndexOf(ch) < 0) summed.Append(ch);
                    foreach (char ch in own) if (result.IndexOf(ch) < 0 && otherLabels.IndexOf(ch) < 0) summed.Append(ch);
                    labels[id - operands] = batch.ToString() + summed + free;
                }
            }
            for (int k = 0; k < steps.Count; k++)
            {
                var s = steps[k];
                if (s.ResultLabels != labels[k]) steps[k] = s.WithResultLabels(labels[k]);
            }
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
