using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace EinsumGen
{
    /// <summary>Renders an <see cref="EinsumPlan"/> like opt_einsum's <c>PathInfo</c>, with exact counts and kernel kinds added.</summary>
    internal static class EinsumPlanFormatter
    {
        private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

        public static string Format(EinsumPlan plan)
        {
            var sb = new StringBuilder();
            Line(sb, "Complete contraction", plan.Spec);
            Line(sb, "Strategy", plan.Strategy);
            Line(sb, "Sizes", string.Join(" ", plan.LabelSizes.OrderBy(kv => kv.Key).Select(kv => kv.Key + "=" + kv.Value.ToString(Invariant)))
                + (plan.EllipsisShape.Count > 0 ? " ...=(" + string.Join(",", plan.EllipsisShape.Select(d => d.ToString(Invariant))) + ")" : ""));
            Line(sb, "Naive scaling", plan.NaiveScaling.ToString(Invariant));
            Line(sb, "Optimized scaling", plan.OptimizedScaling.ToString(Invariant));
            Line(sb, "Naive FLOP count", Scientific(plan.NaiveFlops) + "  (" + plan.NaiveFlops.ToString("N0", Invariant) + ")");
            Line(sb, "Optimized FLOP count", Scientific(plan.TotalFlops) + "  (" + plan.TotalFlops.ToString("N0", Invariant) + ")");
            Line(sb, "Theoretical speedup", plan.Speedup.ToString("N3", Invariant));
            Line(sb, "Largest intermediate", Scientific(plan.LargestIntermediate) + " elements");

            var rows = new List<string[]> { new[] { "scaling", "kind", "flops", "size", "current", "remaining", "kernel" } };
            foreach (var s in plan.Steps)
            {
                rows.Add(new[] { s.Scaling.ToString(Invariant), KindName(s.Kind), Scientific(s.Flops), Scientific(s.ResultSize), s.Einsum, s.Remaining, s.Kernel });
            }
            var widths = new int[7];
            foreach (var r in rows) for (int c = 0; c < 7; c++) widths[c] = Math.Max(widths[c], r[c].Length);
            int total = widths.Sum() + 2 * 6;
            string rule = new string('-', Math.Max(total, 40));
            sb.AppendLine(rule);
            for (int i = 0; i < rows.Count; i++)
            {
                var r = rows[i];
                sb.Append(r[0].PadLeft(widths[0])).Append("  ")
                  .Append(r[1].PadRight(widths[1])).Append("  ")
                  .Append(r[2].PadLeft(widths[2])).Append("  ")
                  .Append(r[3].PadLeft(widths[3])).Append("  ")
                  .Append(r[4].PadRight(widths[4])).Append("  ")
                  .Append(r[5].PadRight(widths[5])).Append("  ")
                  .Append(r[6]).AppendLine();
                if (i == 0) sb.AppendLine(rule);
            }
            return sb.ToString();
        }

        public static string Scientific(long value) => ((double)value).ToString("0.000e+00", Invariant);

        public static string KindName(EinsumStepKind kind) => kind switch
        {
            EinsumStepKind.Gemm => "GEMM",
            EinsumStepKind.Batched => "batched GEMM",
            EinsumStepKind.Reduction => "reduction",
            EinsumStepKind.Elementwise => "elementwise",
            EinsumStepKind.Transpose => "transpose",
            EinsumStepKind.Multiway => "multiway",
            _ => "outer product",
        };

        private static void Line(StringBuilder sb, string name, string value) => sb.Append(name.PadLeft(22)).Append(":  ").AppendLine(value);
    }
}
