using System.CodeDom.Compiler;
using System.Collections.Generic;
using System.Linq;
using EinsumGen.Generator.Models;

namespace EinsumGen.Generator
{
    /// <summary>
    /// Writes the binding-free path of a forward method whose steps are all tiny (<see cref="MethodPlan.RunsWithoutBinding"/>):
    /// for views of exactly the declared shapes, dense and row-major, each step is a loop nest with constant bounds and
    /// strides (in SIMD lanes where the hardware and the layout allow). Every other call goes on to the runtime.
    /// </summary>
    internal sealed class BodyWriter
    {
        private const string Unsafe = Aliases.Unsafe;

        private readonly IndentedTextWriter _w;
        private readonly MethodPlan _plan;
        private readonly EinsumMethod _method;
        private readonly HashSet<string> _taken;
        private readonly Dictionary<string, string> _locals = new Dictionary<string, string>();
        private (char Label, int Offset) _row; // in a block of rows: the row being written, its index offset from the loop's

        public BodyWriter(IndentedTextWriter w, MethodPlan plan, EinsumMethod method, IEnumerable<string> reservedNames)
        {
            _w = w;
            _plan = plan;
            _method = method;
            _taken = new HashSet<string>(reservedNames.Select(n => n.TrimStart('@')));
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

        private List<char> TinyLabels() => Enumerable.Range(0, _plan.Steps.Count).Where(_plan.IsTiny)
            .SelectMany(k => _plan.LabelsOf(_plan.Steps[k].Left) + (_plan.Steps[k].Right < 0 ? string.Empty : _plan.LabelsOf(_plan.Steps[k].Right)))
            .Distinct().OrderBy(c => c).ToList();

        private void WriteSizes()
        {
            _w.WriteLine("// Declared sizes: constant loop bounds.");
            foreach (char c in TinyLabels()) _w.WriteLine("const int " + Size(c) + " = " + Number(_plan.Sizes[c]) + ";");
        }

        private static string Number(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>
        /// The binding-free path of a spec whose steps are all tiny: when every view has exactly its declared shape, dense
        /// and row-major, and the output shares no memory with an operand, the steps run with constant bounds and strides
        /// and return. Any other call falls through to the runtime, which reports the same errors as ever.
        /// </summary>
        public void WriteDensePath()
        {
            const string Checks = Aliases.Runtime + "EinsumChecks";
            string T = _method.ElementType;
            var operands = _method.Operands;
            string? output = _method.Output?.Name;
            WriteSizes();
            _w.WriteLineNoTabs(string.Empty);
            _w.WriteLine("// The usual call, with views of exactly the declared shapes, dense and row-major, and an output apart from the");
            _w.WriteLine("// operands, runs right here with constant bounds and strides. Any other call goes on to the runtime below, which");
            _w.WriteLine("// checks it (with the same errors) and reads its strides.");
            var conditions = new List<string>();
            for (int i = 0; i < operands.Count; i++)
            {
                if (!operands[i].IsScalar) conditions.Add(DenseCheck(operands[i].Name, i));
            }
            if (output is not null)
            {
                conditions.Add(DenseCheck(output, _plan.OutputId));
                string outputLength = Number(_plan.DenseLength(_plan.OutputId));
                for (int i = 0; i < operands.Count; i++)
                {
                    if (operands[i].IsScalar) continue;
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
                    _w.WriteLine("ref " + T + " " + TensorRef(id) + " = ref " + Aliases.InteropServices + "MemoryMarshal.GetReference(" + buffer + ");");
                }
                WriteDenseStep(k);
            }
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
            int lanes = 64 / (_method.ElementType == "double" ? 8 : 4);
            char lane = _plan.VectorLabel(k, lanes);
            if (lane == '\0')
            {
                WriteLoopNest(k);
                return;
            }
            _w.WriteLine("if (" + Aliases.Intrinsics + "Vector512.IsHardwareAccelerated)");
            _w.WriteLine("{");
            _w.Indent++;
            WriteVectorNest(k, lane, lanes);
            _w.Indent--;
            _w.WriteLine("}");
            _w.WriteLine("else");
            _w.WriteLine("{");
            _w.Indent++;
            WriteLoopNest(k);
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
            string T = _method.ElementType, V = Aliases.Intrinsics + "Vector512";
            string summed = _plan.Steps[k].SummedLabels;
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
            foreach (var a in acc) _w.WriteLine("var " + a + " = " + V + "<" + T + ">.Zero;");
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
                var v = new List<string>();
                foreach (int t in inputs)
                {
                    if (shared.TryGetValue(t, out var name))
                    {
                        v.Add(name);
                        continue;
                    }
                    // Each row's lanes in a local of their own keeps the multiply-add short enough to read.
                    string local = Local("lanes#" + t + "#" + r, "lanes_" + _plan.TensorName(t) + (rows == 1 ? string.Empty : "_" + r));
                    _w.WriteLine("var " + local + " = " + VectorElement(t, lane) + ";");
                    v.Add(local);
                }
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
            const string V = Aliases.Intrinsics + "Vector512";
            return _plan.LabelsOf(tensor).IndexOf(lane) >= 0
                ? V + ".LoadUnsafe(ref " + TensorRef(tensor) + ", (nuint)(" + Offset(tensor) + "))"
                : V + ".Create(" + Element(tensor) + ")";
        }
        private void WriteLoopNest(int k)
        {
            var step = _plan.Steps[k];
            // A step with no result loops sits in a block of its own, so that its accumulator cannot clash with another's.
            bool block = step.ResultLabels.Length == 0;
            if (block)
            {
                _w.WriteLine("{");
                _w.Indent++;
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
            string summed = _plan.Steps[k].SummedLabels;
            string acc = Local("acc");
            _w.WriteLine(_method.ElementType + " " + acc + " = 0;");
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

        /// <summary>The element offset at the current indices, by constant dense strides.</summary>
        private string Offset(int tensor)
        {
            var labels = _plan.LabelsOf(tensor);
            var terms = labels.Select(c => (c, stride: _plan.DenseStride(tensor, c))).Where(p => p.stride != 0 && _plan.Sizes[p.c] != 1)
                .Select(p => p.stride == 1 ? RowIndex(p.c) : RowIndex(p.c) + " * " + Number(p.stride)).ToList();
            return terms.Count == 0 ? "0" : string.Join(" + ", terms);
        }

        private string RowIndex(char label) =>
            label == _row.Label && _row.Offset > 0 ? "(" + Index(label) + " + " + _row.Offset + ")" : Index(label);

        private string TensorRef(int tensor) => Local("dense#" + tensor, "dense_" + _plan.TensorName(tensor));

        private string Size(char label) => Local("size_" + label);

        private string Index(char label) => Local("i_" + label);

        /// <summary>
        /// A ref local per operand (a scalar operand through a reference to its parameter) and one for the output, or for
        /// <paramref name="scalarResult"/> (a local the method returns) when the result is a scalar.
        /// </summary>
        private void WriteElementReferences(EquatableArray<OperandParameter> operands, string? output, string scalarResult)
        {
            string T = _method.ElementType;
            for (int i = 0; i < operands.Count; i++)
            {
                var o = operands[i];
                string source = o.IsScalar ? "in " + o.Name : "in " + o.Name + ".GetPinnableReference()";
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
