using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using EinsumGen.Planning;
using System.ComponentModel;
using System.Globalization;
using EinsumGen.Notation;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// A parsed spec with a fixed pairwise contraction order: what generated code and <see cref="EinsumGen.Einsum"/> bind and run.
    /// Immutable and thread-safe; generated code keeps one per method in a static field.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed class EinsumProgram
    {
        /// <summary>The pseudo-label that stands for all ellipsis dimensions in step label strings.</summary>
        public const char EllipsisLabel = EinsumExpression.EllipsisLabel;

        /// <summary>Plans kept per distinct shape for specs whose sizes are not all declared; cleared when full.</summary>
        public const int MaxCachedPlans = 64;

        private readonly Dictionary<char, long> _declared;
        private readonly ConcurrentDictionary<string, IReadOnlyList<ProgramStep>> _plans = new ConcurrentDictionary<string, IReadOnlyList<ProgramStep>>();

        private readonly bool _plannedForActualSizes;

        // Layouts of recent call shapes, replaced as a whole on every change so that readers need no lock.
        private readonly object _layoutGate = new object();
        private BindingLayout[] _layouts = Array.Empty<BindingLayout>();
        private int _nextLayout;

        private EinsumProgram(EinsumExpression expression, IReadOnlyList<ProgramStep> steps, Dictionary<char, long> declared, string[] operandNames, string outputName,
            bool plannedForActualSizes = false)
        {
            _plannedForActualSizes = plannedForActualSizes;
            Expression = expression;
            Steps = steps;
            _declared = declared;
            OperandNames = operandNames;
            OutputName = outputName;
        }

        internal EinsumExpression Expression { get; }

        internal IReadOnlyList<ProgramStep> Steps { get; }

        internal string[] OperandNames { get; }

        internal string OutputName { get; }

        internal int OperandCount => Expression.Inputs.Count;


        /// <summary>Tensor id of the output: operands are 0..n-1, step k's result is n+k, the last one is the output.</summary>
        internal int OutputId => OperandCount + Steps.Count - 1;

        /// <summary>The spec as written.</summary>
        public string Spec => Expression.Text;

        internal bool TryGetDeclaredSize(char label, out long size) => _declared.TryGetValue(label, out size);

        /// <summary>True when every size is fixed at build time, so that the build-time plan is the plan.</summary>
        internal bool IsFullyDeclared => !Expression.AnyEllipsis && Expression.AllLabels().All(_declared.ContainsKey);

        /// <summary>
        /// The order to run for these sizes: the build-time plan, unless the sizes were not all declared and a plan made
        /// for the actual sizes costs fewer FLOPs. Planned once per distinct shape and cached (thread-safe, bounded).
        /// </summary>
        internal IReadOnlyList<ProgramStep> StepsFor(IReadOnlyDictionary<char, long> sizes)
        {
            if (IsFullyDeclared || _plannedForActualSizes || Expression.Inputs.Count < 3) return Steps; // two operands: one order exists
            string key = string.Join(",", sizes.OrderBy(kv => kv.Key).Select(kv => kv.Key + "=" + kv.Value.ToString(CultureInfo.InvariantCulture)));
            if (_plans.TryGetValue(key, out var cached)) return cached;
            if (_plans.Count >= MaxCachedPlans) _plans.Clear();
            var path = ContractionPlanner.Plan(Expression.PlannerInputs(), Expression.PlannerOutput(), sizes);
            long buildTimeCost = PathBuilder.Pairwise(Expression.PlannerInputs(), Expression.PlannerOutput(), sizes,
                Steps.Select(st => st.Left).ToList(), Steps.Select(st => st.Right).ToList(), naive: 0, strategy: string.Empty).TotalFlops;
            IReadOnlyList<ProgramStep> chosen = path.TotalFlops < buildTimeCost
                ? path.Steps.Select(st => new ProgramStep(st.Left, st.Right, st.ResultLabels)).ToArray()
                : Steps;
            return _plans.GetOrAdd(key, chosen);
        }

        /// <summary>Call layouts kept per program (distinct shapes and strides); the oldest is replaced when full.</summary>
        public const int MaxCachedLayouts = 16;

        /// <summary>The layout of an earlier call with exactly these shapes and strides (<paramref name="key"/>), or null.</summary>
        internal BindingLayout? FindLayout(ReadOnlySpan<nint> key, int hash)
        {
            foreach (var layout in Volatile.Read(ref _layouts))
            {
                if (layout.Hash == hash && key.SequenceEqual(layout.Key)) return layout;
            }
            return null;
        }

        /// <summary>Keeps <paramref name="layout"/> for later calls with its key (thread-safe, bounded by <see cref="MaxCachedLayouts"/>).</summary>
        internal void AddLayout(BindingLayout layout)
        {
            lock (_layoutGate)
            {
                var current = _layouts;
                if (FindLayout(layout.Key, layout.Hash) is not null) return; // another thread got there first
                BindingLayout[] next;
                if (current.Length < MaxCachedLayouts)
                {
                    next = new BindingLayout[current.Length + 1];
                    current.CopyTo(next, 0);
                    next[current.Length] = layout;
                }
                else
                {
                    next = (BindingLayout[])current.Clone();
                    next[_nextLayout] = layout;
                    _nextLayout = (_nextLayout + 1) % MaxCachedLayouts;
                }
                Volatile.Write(ref _layouts, next);
            }
        }

        /// <summary>
        /// Creates a program. <paramref name="steps"/> lists pairwise steps as <c>"left,right>labels"</c> separated by ';'
        /// (tensor ids as in <see cref="OutputId"/>; right is -1 for a unary step; <see cref="EllipsisLabel"/> stands for the
        /// ellipsis dimensions). <paramref name="sizes"/> is the attribute's <c>Sizes</c> text or null.
        /// </summary>
        public static EinsumProgram Create(string spec, string? sizes, string steps, string[] operandNames, string outputName) =>
            new EinsumProgram(EinsumParser.Parse(spec), ParseSteps(steps), SizesParser.Parse(sizes), operandNames, outputName);

        /// <summary>Creates a program whose order comes from the planner, for specs known only at run time.</summary>
        internal static EinsumProgram Create(EinsumExpression expression, IReadOnlyList<ProgramStep> steps, string[] operandNames, string outputName) =>
            new EinsumProgram(expression, steps, new Dictionary<char, long>(), operandNames, outputName, plannedForActualSizes: true);

        private static ProgramStep[] ParseSteps(string text)
        {
            var parts = text.Split(';');
            var steps = new ProgramStep[parts.Length];
            for (int k = 0; k < parts.Length; k++)
            {
                int gt = parts[k].IndexOf('>');
                var ids = parts[k].Substring(0, gt).Split(',');
                steps[k] = new ProgramStep(
                    int.Parse(ids[0], CultureInfo.InvariantCulture),
                    int.Parse(ids[1], CultureInfo.InvariantCulture),
                    parts[k].Substring(gt + 1));
            }
            return steps;
        }
    }

    /// <summary>One pairwise (or unary, Right = -1) step: which tensors it reads and which labels its result keeps.</summary>
    internal readonly record struct ProgramStep(int Left, int Right, string ResultLabels);
}
