using System.CodeDom.Compiler;
using System.Collections.Generic;
using System.Linq;

namespace EinsumGen.Generator
{
    /// <summary>
    /// Writes a method body for a <see cref="ProgramBody"/>: bind through the runtime's <c>EinsumBinding</c> (one place for
    /// every shape rule and error), then run each planned step: a small step with declared sizes as a loop nest with
    /// constant bounds, any other on the runtime's GEMM-like kernel (through the binding, which knows the strides).
    /// </summary>
    internal sealed class BodyWriter
    {
        private const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";

        private readonly IndentedTextWriter _w;
        private readonly ProgramBody _body;
        private readonly MethodPlan _plan;
        private readonly HashSet<string> _taken;
        private readonly Dictionary<string, string> _locals = new Dictionary<string, string>();

        public BodyWriter(IndentedTextWriter w, ProgramBody body)
        {
            _w = w;
            _body = body;
            _plan = body.Plan;
            _taken = new HashSet<string>(body.ReservedNames.Select(n => n.TrimStart('@')));
        }

        /// <summary>A local name that cannot collide with a parameter or another local: same key, same name.</summary>
        private string Local(string key, string? preferred = null)
        {
            if (_locals.TryGetValue(key, out var name)) return name;
            name = preferred ?? key;
            while (_taken.Contains(name)) name += "_";
            _taken.Add(name);
            _locals.Add(key, name);
            return name;
        }

        public void Write()
        {
            string T = _body.ElementType, binding = Local("binding");
            var operands = _body.Operands;
            _w.WriteLine("// Bind the operands: every rank, size and declared size is checked here, before any element is read.");
            _w.WriteLine("var " + binding + " = new global::EinsumGen.Runtime.EinsumBinding(global::EinsumGen.Generated." + _plan.HolderName + ".Program);");
            for (int i = 0; i < operands.Count; i++)
            {
                var o = operands[i];
                _w.WriteLine(o.Kind == BodyOperandKind.Scalar
                    ? binding + ".ScalarOperand(" + i + ");"
                    : binding + ".Operand(" + i + ", " + o.Name + ".Lengths, " + o.Name + ".Strides);");
            }
            string? output = _body.OutputName;
            _w.WriteLine(output is null ? binding + ".ScalarOutput();" : binding + ".Output(" + output + ".Lengths, " + output + ".Strides);");
            _w.WriteLine(binding + ".Complete();");
            if (output is not null)
            {
                for (int i = 0; i < operands.Count; i++)
                {
                    if (operands[i].Kind != BodyOperandKind.Tensor) continue;
                    _w.WriteLine(binding + ".CheckOverlap(in " + output + ".GetPinnableReference(), in " + operands[i].Name + ".GetPinnableReference(), " + i + ");");
                }
            }
            _w.WriteLineNoTabs(string.Empty);

            _w.WriteLine("// Element references (a scalar operand is read through a reference to its parameter).");
            for (int i = 0; i < operands.Count; i++)
            {
                var o = operands[i];
                string source = o.Kind == BodyOperandKind.Scalar ? "in " + o.Name : "in " + o.Name + ".GetPinnableReference()";
                _w.WriteLine("ref " + T + " " + TensorRef(i) + " = ref " + Unsafe + ".AsRef(" + source + ");");
            }
            string result = Local("result");
            if (output is null)
            {
                _w.WriteLine(T + " " + result + " = 0;");
                _w.WriteLine("ref " + T + " " + TensorRef(_plan.OutputId) + " = ref " + result + ";");
            }
            else
            {
                _w.WriteLine("ref " + T + " " + TensorRef(_plan.OutputId) + " = ref " + output + ".GetPinnableReference();");
            }
            if (!_plan.IsOrderFinal)
            {
                _w.WriteLineNoTabs(string.Empty);
                var operandRefs = Enumerable.Range(0, operands.Count).Select(TensorRef).ToList();
                DynamicStepsWriter.WriteForward(_w, _plan, T, binding, operandRefs, TensorRef(_plan.OutputId), key => Local(key));
                if (output is null)
                {
                    _w.WriteLineNoTabs(string.Empty);
                    _w.WriteLine("return " + result + ";");
                }
                return;
            }

            var tinyLabels = Enumerable.Range(0, _plan.Steps.Count).Where(_plan.IsTiny)
                .SelectMany(k => _plan.LabelsOf(_plan.Steps[k].Left) + (_plan.Steps[k].Right < 0 ? string.Empty : _plan.LabelsOf(_plan.Steps[k].Right)))
                .Distinct().OrderBy(c => c).ToList();
            if (tinyLabels.Count > 0)
            {
                _w.WriteLineNoTabs(string.Empty);
                _w.WriteLine("// Declared sizes (checked above): constant loop bounds for the small steps.");
                foreach (char c in tinyLabels) _w.WriteLine("const int " + Size(c) + " = " + _plan.Sizes[c].ToString(System.Globalization.CultureInfo.InvariantCulture) + ";");
            }

            for (int k = 0; k < _plan.Steps.Count; k++)
            {
                _w.WriteLineNoTabs(string.Empty);
                WriteStep(k, binding);
            }
            if (_plan.Steps.Count > 1) _w.WriteLine(binding + ".Release<" + T + ">(); // intermediates back to the pool");
            if (output is null)
            {
                _w.WriteLineNoTabs(string.Empty);
                _w.WriteLine("return " + result + ";");
            }
        }

        private void WriteStep(int k, string binding)
        {
            var step = _plan.Steps[k];
            int id = _plan.OperandCount + k;
            bool last = id == _plan.OutputId;
            string T = _body.ElementType;
            _w.WriteLine("// Step " + (k + 1) + " of " + _plan.Steps.Count + ": " + _plan.Describe(k));
            if (!last)
            {
                _w.WriteLine("ref " + T + " " + TensorRef(id) + " = ref global::System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(" + binding + ".Intermediate<" + T + ">(" + k + "));");
            }
            if (!_plan.IsTiny(k))
            {
                string right = step.Right < 0 ? Unsafe + ".NullRef<" + T + ">()" : TensorRef(step.Right);
                _w.WriteLine(binding + ".ExecuteStep(" + k + ", ref " + TensorRef(step.Left) + ", ref " + right + ", ref " + TensorRef(id) + ");");
                return;
            }
            WriteLoopNest(k, binding);
        }

        private void WriteLoopNest(int k, string binding)
        {
            var step = _plan.Steps[k];
            int id = _plan.OperandCount + k;
            string summed = _plan.SummedLabels(k);
            var tensors = step.Right < 0 ? new[] { step.Left, id } : new[] { step.Left, step.Right, id };
            _w.WriteLine("{");
            _w.Indent++;
            foreach (int t in tensors)
            {
                var labels = _plan.LabelsOf(t);
                if (labels.Length == 0) continue;
                _w.WriteLine("nint " + string.Join(", ", labels.Select(c => Stride(t, c) + " = " + binding + ".Stride(" + t + ", '" + c + "')")) + ";");
            }
            foreach (char c in step.ResultLabels) OpenLoop(c);
            string acc = Local("acc");
            _w.WriteLine(_body.ElementType + " " + acc + " = 0;");
            foreach (char c in summed) OpenLoop(c);
            string product = Element(step.Left) + (step.Right < 0 ? string.Empty : " * " + Element(step.Right));
            _w.WriteLine(acc + " += " + product + ";");
            foreach (char _ in summed) CloseLoop();
            _w.WriteLine(Element(id) + " = " + acc + ";");
            foreach (char _ in step.ResultLabels) CloseLoop();
            _w.Indent--;
            _w.WriteLine("}");
        }

        private void OpenLoop(char c)
        {
            string i = Index(c);
            _w.WriteLine("for (nint " + i + " = 0; " + i + " < " + Size(c) + "; " + i + "++)");
            _w.WriteLine("{");
            _w.Indent++;
        }

        private void CloseLoop()
        {
            _w.Indent--;
            _w.WriteLine("}");
        }

        private string Element(int tensor)
        {
            var labels = _plan.LabelsOf(tensor);
            if (labels.Length == 0) return TensorRef(tensor);
            return Unsafe + ".Add(ref " + TensorRef(tensor) + ", " + string.Join(" + ", labels.Select(c => Index(c) + " * " + Stride(tensor, c))) + ")";
        }

        private string TensorRef(int tensor) => Local("ref#" + tensor, "ref_" + _plan.TensorName(tensor));

        private string Stride(int tensor, char label) => Local("stride#" + tensor + label, "stride_" + _plan.TensorName(tensor) + "_" + label);

        private string Size(char label) => Local("size_" + label);

        private string Index(char label) => Local("i_" + label);
    }
}
