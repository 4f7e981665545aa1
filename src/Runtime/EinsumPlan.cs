using System;
using System.Collections.Generic;
using System.Text;
using EinsumGen.Dispatch;
using EinsumGen.Notation;
using EinsumGen.Planning;

namespace EinsumGen
{
    /// <summary>
    /// The order in which an einsum's operands are best contracted pairwise, with its cost under opt_einsum's convention
    /// (per step: product of the sizes of every label involved, doubled when the step sums a label).
    /// <see cref="ToString"/> prints the same report as opt_einsum's <c>contract_path</c>, and more.
    /// </summary>
    public sealed class EinsumPlan
    {
        private EinsumPlan(string spec, string strategy, long totalFlops, long naiveFlops, long largestIntermediate,
            int naiveScaling, int optimizedScaling, IReadOnlyList<EinsumPlanStep> steps, IReadOnlyDictionary<char, long> sizes, long[] ellipsisShape,
            IReadOnlyList<IReadOnlyList<int>> linearPath)
        {
            LinearPath = linearPath;
            Spec = spec;
            Strategy = strategy;
            TotalFlops = totalFlops;
            NaiveFlops = naiveFlops;
            LargestIntermediate = largestIntermediate;
            NaiveScaling = naiveScaling;
            OptimizedScaling = optimizedScaling;
            Steps = steps;
            LabelSizes = sizes;
            EllipsisShape = ellipsisShape;
        }

        /// <summary>The spec in canonical form: no spaces, explicit output, e.g. <c>"ij,jk->ik"</c>.</summary>
        public string Spec { get; }

        /// <summary>Which search produced the plan, e.g. <c>"optimal"</c> or <c>"hybrid (dp-connected+refine)"</c>.</summary>
        public string Strategy { get; }

        /// <summary>FLOPs of the planned contraction: the sum of the steps' (saturating at <see cref="long.MaxValue"/>).</summary>
        public long TotalFlops { get; }

        /// <summary>
        /// FLOPs of a single loop nest over every label, as opt_einsum and NumPy count them: all sizes multiplied, times
        /// (operands - 1, at least 1, plus 1 if some label appears in two operands).
        /// </summary>
        public long NaiveFlops { get; }

        /// <summary>Elements in the largest tensor any step produces, the final result included.</summary>
        public long LargestIntermediate { get; }

        /// <summary><see cref="NaiveFlops"/> divided by <see cref="TotalFlops"/> (1 when the plan costs nothing).</summary>
        public double Speedup => TotalFlops == 0 ? 1.0 : (double)NaiveFlops / TotalFlops;

        /// <summary>Dimensions the naive loop nest runs over.</summary>
        public int NaiveScaling { get; }

        /// <summary>Most dimensions any one step runs over.</summary>
        public int OptimizedScaling { get; }

        /// <summary>The contractions in execution order.</summary>
        public IReadOnlyList<EinsumPlanStep> Steps { get; }

        /// <summary>
        /// The steps as opt_einsum's and NumPy's <c>contract_path</c> list them: each step's operands as positions in the
        /// current list of tensors (ascending), where a step removes its operands and appends its result. A step over three
        /// or more positions is a <see cref="EinsumStepKind.Multiway"/> step.
        /// </summary>
        public IReadOnlyList<IReadOnlyList<int>> LinearPath { get; }

        /// <summary>The size of every label, resolved from the shapes.</summary>
        public IReadOnlyDictionary<char, long> LabelSizes { get; }

        /// <summary>The broadcast shape of the dimensions "..." stands for (empty when there are none).</summary>
        public IReadOnlyList<long> EllipsisShape { get; }

        /// <summary>Plans <paramref name="spec"/> for operands of the given shapes with the default options.</summary>
        /// <param name="spec">An einsum spec with NumPy's notation, e.g. <c>"aei,bfij,cgjk,dhk,nabcd->nefgh"</c>.</param>
        /// <param name="shapes">Each operand's shape, in spec order.</param>
        /// <exception cref="ArgumentException">The spec is invalid or the shapes do not fit it.</exception>
        public static EinsumPlan Create(string spec, params int[][] shapes) => Create(spec, null, shapes);

        /// <summary>Plans <paramref name="spec"/> for operands of the given shapes.</summary>
        /// <param name="spec">An einsum spec with NumPy's notation.</param>
        /// <param name="options">Strategy and memory limit, or an explicit path (<see cref="EinsumPlanOptions.Path"/>); null for the defaults.</param>
        /// <param name="shapes">Each operand's shape, in spec order.</param>
        /// <exception cref="ArgumentException">The spec is invalid, the shapes do not fit it, or the explicit path is invalid.</exception>
        public static EinsumPlan Create(string spec, EinsumPlanOptions? options, params int[][] shapes)
        {
            ArgumentNullException.ThrowIfNull(spec);
            ArgumentNullException.ThrowIfNull(shapes);
            var expression = EinsumParser.Parse(spec);
            var longShapes = new List<long[]>(shapes.Length);
            for (int k = 0; k < shapes.Length; k++)
            {
                if (shapes[k] == null) throw new ArgumentException("The shape of operand " + k + " is null.", nameof(shapes));
                longShapes.Add(Array.ConvertAll(shapes[k], d => (long)d));
            }
            var sizes = ShapeResolver.Resolve(expression, longShapes, out int ellipsisRank, out long[] ellipsisShape);
            if (EllipsisSum.Applies(expression, ellipsisRank))
            {
                // An explicit output without '...' sums what '...' covers, as np.einsum_path and opt_einsum do.
                expression = EllipsisSum.Expand(expression, longShapes.ConvertAll(s => s.Length), ellipsisRank, nameof(shapes));
                sizes = ShapeResolver.Resolve(expression, longShapes, out ellipsisRank, out ellipsisShape);
            }

            // The ellipsis dimensions plan as one pseudo-label '.' of their total size (when they exist at all).
            var plannerSizes = new Dictionary<char, long>(sizes);
            bool ellipsis = ellipsisRank > 0;
            if (ellipsis)
            {
                long total = 1;
                foreach (long d in ellipsisShape) total = Saturating.Mul(total, d);
                plannerSizes[EllipsisLabel] = total;
            }
            var inputs = new List<string>();
            foreach (var term in expression.Inputs) inputs.Add(PlannerLabels(term, ellipsis));
            string output = PlannerLabels(expression.Output, ellipsis);

            var plannerOptions = new PlannerOptions { Strategy = (PlanStrategy)(int)(options?.Strategy ?? EinsumPlanStrategy.Auto), MemoryLimit = options?.MemoryLimit };
            var path = options?.Path is { } explicitPath
                ? ExplicitPath.Plan(inputs, output, plannerSizes, explicitPath, nameof(options))
                : ContractionPlanner.Plan(inputs, output, plannerSizes, plannerOptions);
            return FromPath(expression.Canonical, path, inputs, output, sizes, ellipsisShape);
        }

        /// <summary>The opt_einsum-style report: costs, speed-up, then one row per step.</summary>
        public override string ToString() => EinsumPlanFormatter.Format(this);

        internal const char EllipsisLabel = '.';

        /// <summary>The kernel column of a multiway step: <see cref="Einsum"/> runs it as one strided loop nest.</summary>
        internal const string MultiwayKernelName = "multiway loops";

        private static string PlannerLabels(EinsumTerm term, bool ellipsis)
        {
            var sb = new StringBuilder();
            for (int i = 0; i <= term.Labels.Count; i++)
            {
                if (i == term.EllipsisIndex && ellipsis) sb.Append(EllipsisLabel);
                if (i < term.Labels.Count && sb.ToString().IndexOf(term.Labels[i]) < 0) sb.Append(term.Labels[i]);
            }
            return sb.ToString();
        }

        private static EinsumPlan FromPath(string spec, ContractionPath path, List<string> inputs, string output,
            IReadOnlyDictionary<char, long> sizes, long[] ellipsisShape)
        {
            int n = inputs.Count;
            var tensors = new List<string>(inputs);
            var live = new List<int>();
            for (int i = 0; i < n; i++) live.Add(i);
            var steps = new List<EinsumPlanStep>();
            var linear = new List<IReadOnlyList<int>>();
            int optimizedScaling = 0;
            long ellipsisTotal = 1;
            foreach (long d in ellipsisShape) ellipsisTotal *= d;
            for (int k = 0; k < path.Steps.Count; k++)
            {
                var s = path.Steps[k];
                int[] operands = s.Inputs;
                var positions = new List<int>();
                foreach (int id in operands) positions.Add(live.IndexOf(id));
                positions.Sort();
                linear.Add(positions);
                var terms = new List<string>();
                string involved = "";
                foreach (int id in operands)
                {
                    terms.Add(Show(tensors[id]));
                    involved += PathBuilder.Without(tensors[id], involved);
                    live.Remove(id);
                }
                tensors.Add(s.ResultLabels);
                live.Add(n + k);
                int scaling = Scaling(involved, ellipsisShape.Length);
                if (scaling > optimizedScaling) optimizedScaling = scaling;
                var remaining = new List<string>();
                foreach (int id in live) remaining.Add(Show(tensors[id]));
                string kernel = s.IsMultiway ? MultiwayKernelName : KernelDispatch.Name(KernelDispatch.ChooseDense(tensors[s.Left],
                    s.IsUnary ? null : tensors[s.Right], s.ResultLabels, s.SummedLabels, c => c == EllipsisLabel ? ellipsisTotal : sizes[c], elementSize: 4));
                steps.Add(new EinsumPlanStep(k, operands, n + k, string.Join(",", terms) + "->" + Show(s.ResultLabels), Show(s.ResultLabels),
                    s.SummedLabels.Replace(EllipsisLabel.ToString(), "..."), s.Flops, s.ResultSize, s.Kind, scaling,
                    string.Join(",", remaining) + "->" + Show(output), kernel));
            }
            string all = "";
            foreach (string t in inputs) all += PathBuilder.Without(t, all);
            return new EinsumPlan(spec, path.Strategy, path.TotalFlops, path.NaiveFlops, path.LargestIntermediate,
                Scaling(all, ellipsisShape.Length), optimizedScaling, steps, sizes, ellipsisShape, linear);
        }

        private static string Show(string labels) => labels.Replace(EllipsisLabel.ToString(), "...");

        private static int Scaling(string labels, int ellipsisRank) =>
            labels.IndexOf(EllipsisLabel) >= 0 ? labels.Length - 1 + ellipsisRank : labels.Length;
    }
}
