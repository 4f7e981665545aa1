using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using EinsumGen.Generator.Models;
using EinsumGen.Notation;
using EinsumGen.Dispatch;
using EinsumGen.Planning;
using EinsumGen.Runtime;

namespace EinsumGen.Generator
{
    /// <summary>
    /// Stage 2: the contraction order of one method, fixed at build time. Sizes come from <c>Sizes</c>; undeclared ones
    /// are assumed (<see cref="GeneratorInfo.AssumedSize"/>), which the remarks say. Tensor ids: operands 0..n-1, then
    /// step k's result n+k; the last step writes the output.
    /// </summary>
    internal sealed class MethodPlan
    {
        private readonly IReadOnlyList<string> _operandNames;
        private readonly string _outputName;

        public MethodPlan(PlannedMethod planned)
        {
            Planned = planned;
            var method = planned.Method;
            Name = method.Name;
            // Loops rather than LINQ over value types (chars, sizes): each such instantiation is JIT-compiled on a build's first run.
            var operandNames = new List<string>(method.Operands.Count);
            foreach (var operand in method.Operands) operandNames.Add(operand.Name.TrimStart('@'));
            _operandNames = operandNames;
            _outputName = method.Output?.Name.TrimStart('@') ?? "result";
            Expression = MethodPlanner.Expression(method);
            Sizes = new Dictionary<char, long>(planned.PlanSizes.Count);
            foreach (var size in planned.PlanSizes) Sizes[size.Label] = size.Size;
            var declared = new StringBuilder();
            foreach (var size in method.Declared) declared.Append(size.Label);
            _declaredLabels = declared.ToString();
            Steps = planned.Steps.ToList();
        }

        public PlannedMethod Planned { get; }

        /// <summary>The generated method this program implements.</summary>
        public string Name { get; }

        public EinsumExpression Expression { get; }

        /// <summary>The sizes the plan was made with (declared or assumed).</summary>
        public Dictionary<char, long> Sizes { get; }

        private readonly string _declaredLabels;

        /// <summary>Whether <paramref name="label"/>'s size was declared.</summary>
        public bool IsDeclared(char label) => _declaredLabels.IndexOf(label) >= 0;

        public IReadOnlyList<PlannedStep> Steps { get; }

        public int OperandCount => Expression.Inputs.Count;

        public int OutputId => OperandCount + Steps.Count - 1;

        /// <summary>True when '...' leaves ranks to run time, so steps run on the runtime's generic strided kernel.</summary>
        public bool UsesGenericKernel => Expression.AnyEllipsis;

        /// <summary>True when the build-time order is the order of every call (the runtime's rule: <see cref="ProgramOrder"/>).</summary>
        public bool IsOrderFinal => ProgramOrder.IsFinal(Expression, IsDeclared);

        /// <summary>Every label, in ordinal order.</summary>
        public string Labels => Expression.AllLabels();

        /// <summary>The labels a tensor is indexed by (an operand's distinct labels, or a step's result labels).</summary>
        public string LabelsOf(int tensor)
        {
            if (tensor < OperandCount)
            {
                var term = Expression.Inputs[tensor];
                return (term.HasEllipsis ? EinsumExpression.EllipsisLabel.ToString() : string.Empty) + term.DistinctLabels();
            }
            return Steps[tensor - OperandCount].ResultLabels;
        }

        /// <summary>Multiply-adds under which a step whose sizes are all declared becomes a loop nest with constant bounds.</summary>
        public const long TinyStep = 4096;

        /// <summary>
        /// True when step <paramref name="k"/> runs as an emitted loop nest with constant bounds the JIT can unroll: every
        /// size declared and little work. Other steps call the runtime's GEMM-like kernel (packing, SIMD micro-kernel).
        /// </summary>
        public bool IsTiny(int k)
        {
            if (UsesGenericKernel) return false;
            var step = Steps[k];
            string labels = LabelsOf(step.Left) + (step.Right < 0 ? string.Empty : LabelsOf(step.Right)) + step.ResultLabels;
            long work = 1;
            for (int i = 0; i < labels.Length; i++)
            {
                char c = labels[i];
                if (labels.IndexOf(c) != i) continue;
                if (!IsDeclared(c)) return false;
                work *= Sizes[c];
                if (work > TinyStep) return false;
            }
            return true;
        }

        /// <summary>Intermediate elements the binding-free path may keep on the stack, all steps together.</summary>
        public const long MaxStackElements = 2048;

        /// <summary>
        /// True when the forward method can run without a binding for views of exactly the declared shapes, dense and
        /// row-major: every step is tiny (so every size is declared and the order final) and the intermediates fit on the stack.
        /// </summary>
        public bool RunsWithoutBinding => _runsWithoutBinding ??= ComputeRunsWithoutBinding();

        private bool? _runsWithoutBinding;

        private bool ComputeRunsWithoutBinding()
        {
            if (UsesGenericKernel || !IsOrderFinal) return false;
            long stack = 0;
            for (int k = 0; k < Steps.Count; k++)
            {
                if (!IsTiny(k)) return false;
                if (OperandCount + k != OutputId) stack += DenseLength(OperandCount + k);
            }
            return stack <= MaxStackElements;
        }

        /// <summary>The declared lengths of operand <paramref name="tensor"/>'s dimensions, or of the output's when it is <see cref="OutputId"/>.</summary>
        public long[] DeclaredShape(int tensor)
        {
            var term = tensor == OutputId ? Expression.Output : Expression.Inputs[tensor];
            return term.Labels.Select(c => Sizes[c]).ToArray();
        }

        /// <summary>Elements of a tensor laid out densely (declared sizes).</summary>
        public long DenseLength(int tensor)
        {
            long length = 1;
            foreach (char c in tensor < OperandCount || tensor == OutputId ? new string(Term(tensor).Labels.ToArray()) : LabelsOf(tensor)) length *= Sizes[c];
            return length;
        }

        /// <summary>
        /// The stride of <paramref name="label"/> in <paramref name="tensor"/> when every view is dense and row-major with the
        /// declared sizes: an operand or the output by its term (a repeated label adds its dimensions' strides, the
        /// diagonal), an intermediate by its result labels.
        /// </summary>
        public long DenseStride(int tensor, char label)
        {
            string labels = tensor < OperandCount || tensor == OutputId ? new string(Term(tensor).Labels.ToArray()) : LabelsOf(tensor);
            return KernelDispatch.RowMajorStride(labels, label, c => Sizes[c]);
        }

        /// <summary>
        /// The result label that step <paramref name="k"/> can run in SIMD lanes on the binding-free path, or '\0': the
        /// label of unit stride in the result, with unit stride (or absent, a broadcast) in each input, at least
        /// <paramref name="lanes"/> long.
        /// </summary>
        public char VectorLabel(int k, int lanes)
        {
            var step = Steps[k];
            int id = OperandCount + k;
            foreach (char c in step.ResultLabels)
            {
                if (DenseStride(id, c) != 1 || Sizes[c] < lanes) continue;
                bool ok = DenseStride(step.Left, c) is 0 or 1 && (step.Right < 0 || DenseStride(step.Right, c) is 0 or 1);
                return ok ? c : '\0';
            }
            return '\0';
        }

        private EinsumTerm Term(int tensor) => tensor == OutputId ? Expression.Output : Expression.Inputs[tensor];

        /// <summary>
        /// How step <paramref name="k"/> runs, for the remarks: a loop nest on the binding-free path, else the kernel the
        /// runtime's dispatcher picks for dense views of the planned sizes (<see cref="KernelDispatch.ChooseDense"/>).
        /// </summary>
        public string KernelOf(int k)
        {
            if (RunsWithoutBinding) return "loop nest";
            var step = Steps[k];
            var choice = KernelDispatch.ChooseDense(LabelsOf(step.Left), step.Right < 0 ? null : LabelsOf(step.Right), step.ResultLabels,
                step.SummedLabels, c => Sizes[c], Planned.Method.ElementType == "double" ? 8 : 4);
            return KernelDispatch.Name(choice);
        }

        /// <summary>A readable name: the parameter's, the output's, or t1, t2, ... for intermediates.</summary>
        public string TensorName(int tensor)
        {
            if (tensor < OperandCount) return _operandNames[tensor];
            if (tensor == OutputId) return _outputName;
            return "t" + (tensor - OperandCount + 1).ToString(CultureInfo.InvariantCulture);
        }

        /// <summary>One step as a formula, e.g. "t1[m,k] = Σ_n a[m,n] · b[n,k]".</summary>
        public string Describe(int k)
        {
            var step = Steps[k];
            int id = OperandCount + k;
            string summed = Steps[k].SummedLabels;
            string sum = summed.Length == 0 ? string.Empty : "Σ_" + Join(summed) + " ";
            string right = step.Right < 0 ? string.Empty : " · " + Indexed(step.Right);
            return Indexed(id) + " = " + sum + Indexed(step.Left) + right;
        }

        /// <summary>The whole einsum as a formula over the method's parameter names.</summary>
        public string Formula()
        {
            var summed = new StringBuilder();
            foreach (char c in Expression.AllLabels())
            {
                if (!Expression.Output.Labels.Contains(c)) summed.Append(c);
            }
            string lhs = _outputName + Bracket(Expression.Output.ToString());
            string sum = summed.Length == 0 ? string.Empty : "Σ_" + Join(summed.ToString()) + " ";
            var factors = new List<string>();
            for (int i = 0; i < OperandCount; i++) factors.Add(TensorName(i) + Bracket(Expression.Inputs[i].ToString()));
            return lhs + " = " + sum + string.Join(" · ", factors);
        }

        /// <summary>A tensor with its indices: an operand as its term reads (repeats, '...' in place), an intermediate by its layout.</summary>
        private string Indexed(int tensor) =>
            TensorName(tensor) + Bracket(tensor < OperandCount ? Expression.Inputs[tensor].ToString() : LabelsOf(tensor).Replace(".", "..."));

        private static string Bracket(string labels) => labels.Length == 0 ? string.Empty : "[" + Join(labels.Replace("...", ".")).Replace(".", "...") + "]";

        private static string Join(string labels) => string.Join(",", labels.Select(c => c.ToString()));
    }
}
