using System.CodeDom.Compiler;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using EinsumGen.Generator.Models;
using EinsumGen.Runtime;

namespace EinsumGen.Generator
{
    /// <summary>
    /// Writes the file-local types behind a method: the program (its terms, declared sizes and planned steps as typed
    /// data, built once on first call) and, for a method with more operands than the runtime's <c>EinsumCall</c> takes,
    /// the <c>ref struct</c> that hands a call's views to the runtime by slot.
    /// </summary>
    internal static class ProgramWriter
    {
        public static void Write(IndentedTextWriter w, EinsumMethod method, MethodPlan plan, GeneratedNames names)
        {
            CpuEmitter.Open(w, "namespace EinsumGen.Generated");
            WriteProgram(w, names.ProgramType, "The plan in the remarks of <c>" + method.Name + "</c>, as the runtime runs it.",
                method, plan.Steps);
            if (!CpuEmitter.UsesEinsumCall(method))
            {
                w.WriteLineNoTabs(string.Empty);
                WriteViews(w, method, names);
            }
            CpuEmitter.Close(w);
        }

        /// <summary>
        /// A file-local class holding the program as typed data, built once on first call: its arguments on one line
        /// under the field when they fit, else one argument a line.
        /// </summary>
        internal static void WriteProgram(IndentedTextWriter w, string type, string summary, EinsumMethod method, IEnumerable<PlannedStep> steps)
        {
            w.WriteLine("/// <summary>" + summary + "</summary>");
            CpuEmitter.Open(w, "file static class " + type);
            w.WriteLine("internal static readonly " + Aliases.Runtime + "EinsumProgram Value = new(");
            w.Indent++;
            var terms = new List<string>();
            foreach (var term in method.Terms) terms.Add(Term(term));
            var declared = new List<string>();
            foreach (var d in method.Declared) declared.Add("new(" + Char(d.Label) + ", " + Number(d.Size) + ")");
            var stepList = new List<string>();
            foreach (var s in steps) stepList.Add(Step(s.Step));
            string oneLine = CpuEmitter.Literal(method.Spec) + ", [" + string.Join(", ", terms) + "], " + Term(method.OutputTerm) + ", [" +
                string.Join(", ", declared) + "], [" + string.Join(", ", stepList) + "]);";
            if (w.Indent * 4 + oneLine.Length <= CpuEmitter.MaxLine)
            {
                w.WriteLine(oneLine);
            }
            else
            {
                w.WriteLine(CpuEmitter.Literal(method.Spec) + ",");
                CpuEmitter.WriteList(w, "[", terms, "],");
                w.WriteLine(Term(method.OutputTerm) + ",");
                CpuEmitter.WriteList(w, "[", declared, "],");
                CpuEmitter.WriteList(w, "[", stepList, "]);");
            }
            w.Indent--;
            CpuEmitter.Close(w);
        }

        /// <summary>
        /// The slots the runtime reads (<c>IEinsumViews</c>): operands, the result (the output, its gradient or its
        /// tangent), then each operand's gradient or tangent. Forward, backward and forward mode share the one type.
        /// </summary>
        private static void WriteViews(IndentedTextWriter w, EinsumMethod method, GeneratedNames names)
        {
            int n = method.Operands.Count;
            string view = Aliases.Runtime + "EinsumView<" + method.ElementType + ">";
            w.WriteLine("/// <summary>The views of one call of <c>" + method.Name + "</c>, its backward pass or its forward mode, by slot.</summary>");
            CpuEmitter.Open(w, "file ref struct " + names.ViewsType + " : " + Aliases.Runtime + "IEinsumViews<" + method.ElementType + ">");
            var operands = Enumerable.Range(0, n).Select(i => "Operand" + i).ToList();
            // Gradient and tangent slots only where Backward and Jvp are written.
            var extras = Enumerable.Range(0, method.EmitsDerivatives ? n : 0).Select(i => "Extra" + i).ToList();
            CpuEmitter.WriteList(w, "public " + view + " ", operands.Concat(new[] { "Result" }).ToList(), ";");
            if (extras.Count > 0) CpuEmitter.WriteList(w, "public " + view + " ", extras, ";");
            w.WriteLineNoTabs(string.Empty);
            w.WriteLine("public readonly " + view + " this[int slot] => slot switch");
            w.WriteLine("{");
            w.Indent++;
            var fields = operands.Concat(new[] { "Result" }).Concat(extras).ToList();
            for (int i = 0; i < fields.Count; i += 6)
            {
                w.WriteLine(string.Join(" ", fields.Skip(i).Take(6).Select((f, j) => Number(i + j) + " => " + f + ",")));
            }
            w.WriteLine("_ => default,");
            w.Indent--;
            w.WriteLine("};");
            CpuEmitter.Close(w);
        }

        internal static string Term(ProgramTerm t) =>
            "new(" + CpuEmitter.Literal(t.Name) + ", " + CpuEmitter.Literal(t.Labels) + (t.EllipsisIndex >= 0 ? ", " + Number(t.EllipsisIndex) : string.Empty) + ")";

        /// <summary>A pairwise step as new(left, right, result, summed); a unary one as new(operand, result, summed).</summary>
        internal static string Step(ProgramStep s) =>
            "new(" + Number(s.Left) + ", " + (s.IsUnary ? string.Empty : Number(s.Right) + ", ") + CpuEmitter.Literal(s.ResultLabels) + ", " + CpuEmitter.Literal(s.SummedLabels) + ")";

        internal static string Char(char c) => "'" + (c == '\'' || c == '\\' ? "\\" + c : c.ToString()) + "'";

        internal static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
