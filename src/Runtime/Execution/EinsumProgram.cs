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

        // Layouts of recent call shapes, replaced as a whole on every change so that readers need no lock.
        private readonly object _layoutGate = new object();
        private BindingLayout[] _layouts = Array.Empty<BindingLayout>();
        private int _nextLayout;

        /// <summary>
        /// The program of a method compiled at build time: its spec (for messages), its terms, the sizes it declares, and
        /// the steps planned for them, all as the generator wrote them.
        /// </summary>
        public EinsumProgram(string spec, ProgramTerm[] operands, ProgramTerm output, DeclaredSize[] declared, ProgramStep[] steps)
            : this(ProgramTerm.ToExpression(spec, operands, output), steps, Declared(declared), Names(operands), output.Name)
        {
        }

        private EinsumProgram(EinsumExpression expression, IReadOnlyList<ProgramStep> steps, Dictionary<char, long> declared, string[] operandNames, string outputName,
            bool plannedForActualSizes = false)
        {
            Expression = expression;
            Steps = steps;
            _declared = declared;
            OperandNames = operandNames;
            OutputName = outputName;
            IsOrderFinal = plannedForActualSizes || ProgramOrder.IsFinal(expression, declared.ContainsKey);
            _repeated = expression.Inputs.Select(t => t.Labels.Count != t.DistinctLabels().Length).ToArray();
        }

        private readonly bool[] _repeated;

        internal EinsumExpression Expression { get; }

        /// <summary>Whether operand <paramref name="operand"/> is rank 0 (a value, not a view).</summary>
        internal bool IsScalarOperand(int operand) => Expression.Inputs[operand].IsScalar;

        /// <summary>Whether operand <paramref name="operand"/> repeats a label (its gradient is written on a diagonal only).</summary>
        internal bool HasRepeatedLabels(int operand) => _repeated[operand];

        internal IReadOnlyList<ProgramStep> Steps { get; }

        internal string[] OperandNames { get; }

        internal string OutputName { get; }

        internal int OperandCount => Expression.Inputs.Count;


        /// <summary>Tensor id of the output: operands are 0..n-1, step k's result is n+k, the last one is the output.</summary>
        internal int OutputId => OperandCount + Steps.Count - 1;

        /// <summary>The spec as written.</summary>
        public string Spec => Expression.Text;

        internal bool TryGetDeclaredSize(char label, out long size) => _declared.TryGetValue(label, out size);

        /// <summary>True when the planned order is the order of every call (<see cref="ProgramOrder.IsFinal"/>, or planned for the call's own sizes).</summary>
        internal bool IsOrderFinal { get; }

        /// <summary>
        /// The order to run for these sizes: the build-time plan, unless the sizes were not all declared and a plan made
        /// for the actual sizes costs fewer FLOPs. Planned once per distinct shape and cached (thread-safe, bounded).
        /// </summary>
        internal IReadOnlyList<ProgramStep> StepsFor(IReadOnlyDictionary<char, long> sizes)
        {
            if (IsOrderFinal) return Steps;
            string key = string.Join(",", sizes.OrderBy(kv => kv.Key).Select(kv => kv.Key + "=" + kv.Value.ToString(CultureInfo.InvariantCulture)));
            if (_plans.TryGetValue(key, out var cached)) return cached;
            if (_plans.Count >= MaxCachedPlans) _plans.Clear();
            var path = ContractionPlanner.Plan(Expression.PlannerInputs(), Expression.PlannerOutput(), sizes);
            long buildTimeCost = PathBuilder.Pairwise(Expression.PlannerInputs(), Expression.PlannerOutput(), sizes,
                Steps.Select(st => st.Left).ToList(), Steps.Select(st => st.Right).ToList(), naive: 0, strategy: string.Empty).TotalFlops;
            IReadOnlyList<ProgramStep> chosen = path.TotalFlops < buildTimeCost
                ? path.Steps.Select(ProgramStep.From).ToArray()
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

        /// <summary>Creates a program whose order comes from the planner, for specs known only at run time.</summary>
        internal static EinsumProgram Create(EinsumExpression expression, IReadOnlyList<ProgramStep> steps, string[] operandNames, string outputName) =>
            new EinsumProgram(expression, steps, new Dictionary<char, long>(), operandNames, outputName, plannedForActualSizes: true);

        private static Dictionary<char, long> Declared(DeclaredSize[] declared)
        {
            var sizes = new Dictionary<char, long>();
            foreach (var d in declared) sizes[d.Label] = d.Size;
            return sizes;
        }

        private static string[] Names(ProgramTerm[] operands) => Array.ConvertAll(operands, o => o.Name);
    }
}
