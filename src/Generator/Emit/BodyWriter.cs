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
        private bool _dense; // writing the binding-free path: constant strides, its own element references
        private (char Label, int Offset) _row; // in a block of rows: the row being written, its index offset from the loop's

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
            // (All operands scalar and a scalar result: nothing to check, and nothing to gain.)
            bool dense = _plan.RunsWithoutBinding && (_body.OutputName is not null || operands.Any(o => o.Kind == BodyOperandKind.Tensor));
            if (dense)
            {
                WriteSizes("// Declared sizes: constant loop bounds.");
                _w.WriteLineNoTabs(string.Empty);
                WriteDensePath();
                _w.WriteLineNoTabs(string.Empty);
            }
            _w.WriteLine("// Bind the operands: every rank, size and declared size is checked here, before any element is read. The binding");
            _w.WriteLine("// comes from this thread's cache, and the layout from the program's cache of recent shapes: no allocation.");
            _w.WriteLine("var " + binding + " = global::EinsumGen.Runtime.EinsumBinding.Rent(global::EinsumGen.Generated." + _plan.HolderName + ".Program);");
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
            string result = Local("result");
            WriteElementReferences(operands, output, result);
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

            if (!dense && TinyLabels().Count > 0)
            {
                _w.WriteLineNoTabs(string.Empty);
                WriteSizes("// Declared sizes (checked above): constant loop bounds for the small steps.");
            }

            for (int k = 0; k < _plan.Steps.Count; k++)
            {
                _w.WriteLineNoTabs(string.Empty);
                WriteStep(k, binding);
            }
            _w.WriteLine(binding + ".Return<" + T + ">(); // " + ReturnComment(_plan.Steps.Count > 1));
            if (output is null)
            {
                _w.WriteLineNoTabs(string.Empty);
                _w.WriteLine("return " + result + ";");
            }
        }

        private List<char> TinyLabels() => Enumerable.Range(0, _plan.Steps.Count).Where(_plan.IsTiny)
            .SelectMany(k => _plan.LabelsOf(_plan.Steps[k].Left) + (_plan.Steps[k].Right < 0 ? string.Empty : _plan.LabelsOf(_plan.Steps[k].Right)))
            .Distinct().OrderBy(c => c).ToList();

        private void WriteSizes(string comment)
        {
            _w.WriteLine(comment);
            foreach (char c in TinyLabels()) _w.WriteLine("const int " + Size(c) + " = " + Number(_plan.Sizes[c]) + ";");
        }

        private static string Number(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>
        /// The binding-free path of a spec whose steps are all tiny: when every view has exactly its declared shape, dense
        /// and row-major, and the output shares no memory with an operand, the steps run with constant bounds and strides
        /// and return. Any other call falls through to the binding, which reports the same errors as ever.
        /// </summary>
        private void WriteDensePath()
        {
            const string Checks = "global::EinsumGen.Runtime.EinsumChecks";
            string T = _body.ElementType;
            var operands = _body.Operands;
            string? output = _body.OutputName;
            _w.WriteLine("// The usual call, with views of exactly the declared shapes, dense and row-major, and an output apart from the");
            _w.WriteLine("// operands, runs right here with constant bounds and strides. Any other call goes on to the binding below, which");
            _w.WriteLine("// checks it (with the same errors) and reads its strides.");
            var conditions = new List<string>();
            for (int i = 0; i < operands.Count; i++)
            {
                if (operands[i].Kind == BodyOperandKind.Tensor) conditions.Add(DenseCheck(operands[i].Name, i));
            }
            if (output is not null)
            {
                conditions.Add(DenseCheck(output, _plan.OutputId));
                string outputLength = Number(_plan.DenseLength(_plan.OutputId));
                for (int i = 0; i < operands.Count; i++)
                {
                    if (operands[i].Kind != BodyOperandKind.Tensor) continue;
                    conditions.Add(Checks + ".Disjoint(in " + output + ".GetPinnableReference(), " + outputLength + ", in " + operands[i].Name +
                        ".GetPinnableReference(), " + Number(_plan.DenseLength(i)) + ")");
                }
            }
            _w.WriteLine("if (" + conditions[0] + (conditions.Count == 1 ? ")" : string.Empty));
            _w.Indent++;
            for (int c = 1; c < conditions.Count; c++) _w.WriteLine("&& " + conditions[c] + (c == conditions.Count - 1 ? ")" : string.Empty));
            _w.Indent--;
            _w.WriteLine("{");
            _w.Indent++;
            _dense = true;
            string value = Local("denseResult");
            WriteElementReferences(operands, output, value);
            for (int k = 0; k < _plan.Steps.Count; k++)
            {
                int id = _plan.OperandCount + k;
                _w.WriteLineNoTabs(string.Empty);
                _w.WriteLine("// Step " + (k + 1) + " of " + _plan.Steps.Count + ": " + _plan.Describe(k));
                if (id != _plan.OutputId)
                {
                    string buffer = Local("buffer#" + id, "dense_" + _plan.TensorName(id) + "_buffer");
                    _w.WriteLine("global::System.Span<" + T + "> " + buffer + " = stackalloc " + T + "[" + Number(_plan.DenseLength(id)) + "];");
                    _w.WriteLine("ref " + T + " " + TensorRef(id) + " = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(" + buffer + ");");
                }
                WriteDenseStep(k);
            }
            _dense = false;
            _w.WriteLine(output is null ? "return " + value + ";" : "return;");
            _w.Indent--;
            _w.WriteLine("}");
        }

        /// <summary>
        /// The view has exactly the declared shape and is dense and row-major. TensorSpan keeps that as a flag (set when the
        /// strides are the row-major ones; a length-1 dimension always has stride 0), so the check is one flag and one list
        /// pattern over the lengths: measured on the 16×16×16 product, 4 ns less per call than comparing every length and stride.
        /// </summary>
        private string DenseCheck(string parameter, int tensor)
        {
            long[] shape = _plan.DeclaredShape(tensor);
            return "(" + parameter + ".IsDense && " + parameter + ".Lengths is [" + string.Join(", ", shape.Select(Number)) + "])";
        }

        /// <summary>
        /// One step of the binding-free path: in SIMD lanes along the result's unit-stride label where the hardware has
        /// 512-bit vectors and the inputs allow it, else the scalar loop nest.
        /// </summary>
        private void WriteDenseStep(int k)
        {
            int lanes = 64 / (_body.ElementType == "double" ? 8 : 4);
            char lane = _plan.VectorLabel(k, lanes);
            if (lane == '\0')
            {
                WriteLoopNest(k, binding: string.Empty);
                return;
            }
            _w.WriteLine("if (global::System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)");
            _w.WriteLine("{");
            _w.Indent++;
            WriteVectorNest(k, lane, lanes);
            _w.Indent--;
            _w.WriteLine("}");
            _w.WriteLine("else");
            _w.WriteLine("{");
            _w.Indent++;
            WriteLoopNest(k, binding: string.Empty);
            _w.Indent--;
            _w.WriteLine("}");
        }

        /// <summary>
        /// The loop nest with <paramref name="lane"/> in SIMD lanes: each lane is one result element, so the sums stay
        /// element-wise; an input without that label is broadcast. When the lanes cover the label exactly, the next result
        /// label out runs a few rows at once: independent sums keep the FMA units busy (one sum alone waits on each FMA's
        /// latency), and an input without that label is loaded once for all rows. Otherwise lanes left over at the end run
        /// one at a time.
        /// </summary>
        private void WriteVectorNest(int k, char lane, int lanes)
        {
            var step = _plan.Steps[k];
            int id = _plan.OperandCount + k;
            string T = _body.ElementType, V = "global::System.Runtime.Intrinsics.Vector512";
            string summed = _plan.SummedLabels(k);
            long size = _plan.Sizes[lane], whole = size - size % lanes;
            var outer = step.ResultLabels.Where(c => c != lane).ToList();
            // Up to 8 rows (16 measured no faster through a generated 16³ call).
            int rows = whole == size && outer.Count > 0 ? new[] { 8, 4, 2, 1 }.First(u => _plan.Sizes[outer[outer.Count - 1]] % u == 0) : 1;
            char block = rows > 1 ? outer[outer.Count - 1] : '\0';
            _w.WriteLine("// " + lanes + " lanes of " + lane + " at a time" + (rows > 1 ? ", " + rows + " rows of " + block + " at once" : string.Empty) +
                (whole == size ? "." : ", then the last " + Number(size - whole) + " one by one."));
            foreach (char c in outer)
            {
                if (c != block)
                {
                    OpenLoop(c);
                    continue;
                }
                _w.WriteLine("for (nint " + Index(c) + " = 0; " + Index(c) + " < " + Size(c) + "; " + Index(c) + " += " + rows + ")");
                _w.WriteLine("{");
                _w.Indent++;
            }
            string i = Index(lane);
            var acc = Enumerable.Range(0, rows).Select(r => Local(rows == 1 ? "vacc" : "vacc" + r)).ToList();
            _w.WriteLine("for (nint " + i + " = 0; " + i + " < " + Number(whole) + "; " + i + " += " + lanes + ")");
            _w.WriteLine("{");
            _w.Indent++;
            _w.WriteLine(V + "<" + T + "> " + string.Join(", ", acc.Select(a => a + " = " + V + "<" + T + ">.Zero")) + ";");
            foreach (char c in summed) OpenLoop(c);
            var inputs = step.Right < 0 ? new[] { step.Left } : new[] { step.Left, step.Right };
            var shared = new Dictionary<int, string>();
            foreach (int t in inputs)
            {
                if (rows == 1 || _plan.LabelsOf(t).IndexOf(block) >= 0) continue;
                shared[t] = Local("lanes#" + t, "lanes_" + _plan.TensorName(t));
                _w.WriteLine("var " + shared[t] + " = " + VectorElement(t, lane) + "; // the same for every row");
            }
            for (int r = 0; r < rows; r++)
            {
                _row = (block, r);
                var v = inputs.Select(t => shared.TryGetValue(t, out var name) ? name : VectorElement(t, lane)).ToList();
                _w.WriteLine(v.Count == 1 ? acc[r] + " += " + v[0] + ";" : acc[r] + " = " + V + ".FusedMultiplyAdd(" + v[0] + ", " + v[1] + ", " + acc[r] + ");");
            }
            foreach (char _ in summed) CloseLoop();
            for (int r = 0; r < rows; r++)
            {
                _row = (block, r);
                _w.WriteLine(V + ".StoreUnsafe(" + acc[r] + ", ref " + TensorRef(id) + ", (nuint)(" + Offset(id) + "));");
            }
            _row = ('\0', 0);
            _w.Indent--;
            _w.WriteLine("}");
            if (whole < size)
            {
                _w.WriteLine("for (nint " + i + " = " + Number(whole) + "; " + i + " < " + Size(lane) + "; " + i + "++)");
                _w.WriteLine("{");
                _w.Indent++;
                WriteSum(k);
                _w.Indent--;
                _w.WriteLine("}");
            }
            foreach (char _ in outer) CloseLoop();
        }

        /// <summary>A vector of lanes of <paramref name="tensor"/> along <paramref name="lane"/>: loaded where it has the label, else one element broadcast.</summary>
        private string VectorElement(int tensor, char lane)
        {
            const string V = "global::System.Runtime.Intrinsics.Vector512";
            return _plan.LabelsOf(tensor).IndexOf(lane) >= 0
                ? V + ".LoadUnsafe(ref " + TensorRef(tensor) + ", (nuint)(" + Offset(tensor) + "))"
                : V + ".Create(" + Element(tensor) + ")";
        }
        internal static string ReturnComment(bool intermediates) =>
            (intermediates ? "intermediates back to the pool, " : string.Empty) + "the binding back to this thread's cache";

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
            var tensors = step.Right < 0 ? new[] { step.Left, id } : new[] { step.Left, step.Right, id };
            // Each step in a block of its own, so that its accumulator's name cannot clash with another step's (with no
            // result loops, it would sit right in the method's scope). The binding-free path declares no strides.
            bool block = !_dense || step.ResultLabels.Length == 0;
            if (block)
            {
                _w.WriteLine("{");
                _w.Indent++;
            }
            if (!_dense)
            {
                foreach (int t in tensors)
                {
                    var labels = _plan.LabelsOf(t);
                    if (labels.Length == 0) continue;
                    _w.WriteLine("nint " + string.Join(", ", labels.Select(c => Stride(t, c) + " = " + binding + ".Stride(" + t + ", '" + c + "')")) + ";");
                }
            }
            foreach (char c in step.ResultLabels) OpenLoop(c);
            WriteSum(k);
            foreach (char _ in step.ResultLabels) CloseLoop();
            if (block)
            {
                _w.Indent--;
                _w.WriteLine("}");
            }
        }

        /// <summary>One result element of step <paramref name="k"/>: the sum over its summed labels, written once.</summary>
        private void WriteSum(int k)
        {
            var step = _plan.Steps[k];
            int id = _plan.OperandCount + k;
            string summed = _plan.SummedLabels(k);
            string acc = Local("acc");
            _w.WriteLine(_body.ElementType + " " + acc + " = 0;");
            foreach (char c in summed) OpenLoop(c);
            string product = Element(step.Left) + (step.Right < 0 ? string.Empty : " * " + Element(step.Right));
            _w.WriteLine(acc + " += " + product + ";");
            foreach (char _ in summed) CloseLoop();
            _w.WriteLine(Element(id) + " = " + acc + ";");
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
            return Unsafe + ".Add(ref " + TensorRef(tensor) + ", " + Offset(tensor) + ")";
        }

        /// <summary>The element offset at the current indices: by the binding's strides, or by constant dense strides on the binding-free path.</summary>
        private string Offset(int tensor)
        {
            var labels = _plan.LabelsOf(tensor);
            if (!_dense) return string.Join(" + ", labels.Select(c => Index(c) + " * " + Stride(tensor, c)));
            var terms = labels.Select(c => (c, stride: _plan.DenseStride(tensor, c))).Where(p => p.stride != 0 && _plan.Sizes[p.c] != 1)
                .Select(p => p.stride == 1 ? RowIndex(p.c) : RowIndex(p.c) + " * " + Number(p.stride)).ToList();
            return terms.Count == 0 ? "0" : string.Join(" + ", terms);
        }

        private string RowIndex(char label) =>
            label == _row.Label && _row.Offset > 0 ? "(" + Index(label) + " + " + _row.Offset + ")" : Index(label);

        private string TensorRef(int tensor) => _dense
            ? Local("dense#" + tensor, "dense_" + _plan.TensorName(tensor))
            : Local("ref#" + tensor, "ref_" + _plan.TensorName(tensor));

        private string Stride(int tensor, char label) => Local("stride#" + tensor + label, "stride_" + _plan.TensorName(tensor) + "_" + label);

        private string Size(char label) => Local("size_" + label);

        private string Index(char label) => Local("i_" + label);

        /// <summary>
        /// A ref local per operand (a scalar operand through a reference to its parameter) and one for the output, or for
        /// <paramref name="scalarResult"/> (a local the method returns) when the result is a scalar.
        /// </summary>
        private void WriteElementReferences(IReadOnlyList<BodyOperand> operands, string? output, string scalarResult)
        {
            string T = _body.ElementType;
            for (int i = 0; i < operands.Count; i++)
            {
                var o = operands[i];
                string source = o.Kind == BodyOperandKind.Scalar ? "in " + o.Name : "in " + o.Name + ".GetPinnableReference()";
                _w.WriteLine("ref " + T + " " + TensorRef(i) + " = ref " + Unsafe + ".AsRef(" + source + ");");
            }
            if (output is null)
            {
                _w.WriteLine(T + " " + scalarResult + " = 0;");
                _w.WriteLine("ref " + T + " " + TensorRef(_plan.OutputId) + " = ref " + scalarResult + ";");
            }
            else
            {
                _w.WriteLine("ref " + T + " " + TensorRef(_plan.OutputId) + " = ref " + output + ".GetPinnableReference();");
            }
        }
    }
}
