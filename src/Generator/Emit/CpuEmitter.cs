using System.CodeDom.Compiler;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using EinsumGen.Generator.Models;

namespace EinsumGen.Generator
{
    /// <summary>
    /// Stage 3: writes one file per [Einsum] method: the method, its reverse mode (<c>{Name}Backward</c>) and forward mode
    /// (<c>{Name}Jvp</c>), each one call of the runtime's <c>EinsumCall</c> with its program and views (what is the same in
    /// every method lives there, not here); and the program they run, as typed data. A method whose steps are all tiny
    /// also gets a binding-free path with constant bounds (<see cref="BodyWriter"/>).
    /// </summary>
    internal static class CpuEmitter
    {
        internal const string GeneratedCode = "[CodeDom::GeneratedCode(\"EinsumGen\", \"" + GeneratorInfo.Version + "\")]";

        public static string Emit(PlannedMethod planned)
        {
            var method = planned.Method;
            var plan = new MethodPlan(planned);
            var names = new GeneratedNames(method);
            var sw = new StringWriter { NewLine = "\n" };
            var w = new IndentedTextWriter(sw, "    ");
            bool hasNamespace = method.Hierarchy.Namespace.Length > 0;
            if (hasNamespace) Open(w, "namespace " + method.Hierarchy.Namespace);
            foreach (var type in method.Hierarchy.Types) Open(w, "partial " + type.Keyword + " " + type.DisplayName);

            RemarksWriter.Write(w, method, plan);
            WriteForward(w, method, plan, names);
            if (method.EmitsDerivatives)
            {
                w.WriteLineNoTabs(string.Empty);
                BackwardWriter.Write(w, method, names);
                w.WriteLineNoTabs(string.Empty);
                BackwardWriter.WriteJvp(w, method, names);
            }

            foreach (var _ in method.Hierarchy.Types) Close(w);
            if (hasNamespace) Close(w);
            w.WriteLineNoTabs(string.Empty);
            ProgramWriter.Write(w, method, plan, names);
            return Aliases.File(sw.ToString());
        }

        private static void WriteForward(IndentedTextWriter w, EinsumMethod method, MethodPlan plan, GeneratedNames names)
        {
            w.WriteLine(GeneratedCode);
            string returnType = method.Output is null ? method.ElementType : "void";
            var declarations = method.ParameterDeclarations.Select(Aliases.Declaration).ToList();
            var signature = new List<string>(declarations);
            if (method.IsExtension) signature[0] = "this " + signature[0];
            bool dense = plan.RunsWithoutBinding && (method.Output is not null || method.Operands.Any(o => !o.IsScalar));
            if (!dense)
            {
                WriteSignature(w, method.Modifiers + " " + returnType + " " + method.Identifier, signature, string.Empty);
                WriteForwardRun(w, method, names);
                return;
            }
            if (TakesViewsByValue(method))
            {
                // Inlined into its callers, this forwarder lets them pass their views' addresses: by value, each call copied
                // three 120-byte TensorSpan structs (~15 ns, a quarter of a 16×16×16 product).
                string core = names.Core;
                w.WriteLine("[CompilerServices::MethodImpl(CompilerServices::MethodImplOptions.AggressiveInlining)]");
                WriteSignature(w, method.Modifiers + " " + returnType + " " + method.Identifier, signature,
                    " => " + core + "(" + string.Join(", ", ParameterNames(method).Select(n => "in " + n)) + ");");
                w.WriteLineNoTabs(string.Empty);
                w.WriteLine("/// <summary>The body of <c>" + method.Name + "</c>, taking every view by reference.</summary>");
                w.WriteLine(GeneratedCode);
                WriteSignature(w, "private static " + returnType + " " + core, declarations.Select(ByReferenceDeclaration).ToList(), string.Empty);
            }
            else
            {
                WriteSignature(w, method.Modifiers + " " + returnType + " " + method.Identifier, signature, string.Empty);
            }
            Open(w, null);
            new BodyWriter(w, plan, method, names.Taken).WriteDensePath();
            w.WriteLineNoTabs(string.Empty);
            string call = names.Strided + "(" + string.Join(", ", ParameterNames(method).Select(n => "in " + n)) + ");";
            w.WriteLine(method.Output is null ? "return " + call : call);
            Close(w);

            // The runtime's path in a method of its own: its views would otherwise be zeroed on every call, the dense ones too.
            w.WriteLineNoTabs(string.Empty);
            w.WriteLine("/// <summary><c>" + method.Name + "</c> for views of any strides and shapes, on the runtime.</summary>");
            w.WriteLine(GeneratedCode);
            w.WriteLine("[CompilerServices::MethodImpl(CompilerServices::MethodImplOptions.NoInlining)]");
            WriteSignature(w, "private static " + returnType + " " + names.Strided, declarations.Select(ByReferenceDeclaration).ToList(), string.Empty);
            WriteForwardRun(w, method, names);
        }

        /// <summary>The forward call's body, after its signature.</summary>
        private static void WriteForwardRun(IndentedTextWriter w, EinsumMethod method, GeneratedNames names) =>
            WriteRun(w, method, names, method.Output is null ? null : View(method.Output.Name), new string[0],
                method.Output is null ? "ForwardScalar" : "Forward", "Forward", string.Empty);

        /// <summary>The view of a parameter: a tensor span, or a rank-0 value, each passed by reference.</summary>
        internal static string View(string name) => "new(in " + name + ")";

        /// <summary>
        /// A body that hands the views to the runtime, after a method's signature: the operands, the result, then
        /// <paramref name="extras"/> (gradients or tangents). A scalar result (<paramref name="result"/> null) is what the
        /// call returns. With at most <c>EinsumCall.MaxOperands</c> operands, one call of the runtime's <c>EinsumCall</c>
        /// (<paramref name="entry"/>); with more, the views go into this file's own views type and
        /// <c>ProgramRunner.</c><paramref name="sweep"/> runs them.
        /// </summary>
        internal static void WriteRun(IndentedTextWriter w, EinsumMethod method, GeneratedNames names, string? result,
            IReadOnlyList<string> extras, string entry, string sweep, string mode)
        {
            string T = method.ElementType;
            var operands = method.Operands.Select(o => View(o.Name)).ToList();
            if (UsesEinsumCall(method))
            {
                var args = new List<string> { Aliases.Generated + names.ProgramType + ".Value" };
                args.AddRange(operands);
                if (result is not null) args.Add(result);
                args.AddRange(extras);
                if (mode.Length > 0) args.Add(mode);
                w.Indent++;
                WriteList(w, "=> " + Aliases.Runtime + "EinsumCall." + entry + "<" + T + ">(", args, ");");
                w.Indent--;
                return;
            }
            Open(w, null);
            bool returnsResult = result is null;
            if (result is null)
            {
                w.WriteLine(T + " " + names.Result + " = 0;");
                result = "new(ref " + names.Result + ")";
            }
            var fields = operands.Select((v, i) => "Operand" + i + " = " + v).ToList();
            fields.Add("Result = " + result);
            fields.AddRange(extras.Select((v, i) => "Extra" + i + " = " + v));
            WriteList(w, "var " + names.Views + " = new " + Aliases.Generated + names.ViewsType + " { ", fields, " };");
            w.WriteLine(Aliases.Runtime + "ProgramRunner." + sweep + "<" + T + ", " + Aliases.Generated + names.ViewsType + ">(" + Aliases.Generated +
                names.ProgramType + ".Value, ref " + names.Views + (mode.Length > 0 ? ", " + mode : string.Empty) + ");");
            if (returnsResult) w.WriteLine("return " + names.Result + ";");
            Close(w);
        }

        /// <summary>
        /// Whether the runtime's <c>EinsumCall</c> takes this many operands (its <c>MaxOperands</c>); a method with more
        /// keeps a views type in its file.
        /// </summary>
        internal static bool UsesEinsumCall(EinsumMethod method) => method.Operands.Count <= MaxCallOperands;

        /// <summary>The runtime's <c>EinsumCall.MaxOperands</c> (tools/calls/generate.py).</summary>
        internal const int MaxCallOperands = 8;

        /// <summary>Whether some operand or the output is passed by value (then the body moves to a method taking them by reference).</summary>
        private static bool TakesViewsByValue(EinsumMethod method) =>
            method.Operands.Any(o => !o.ByReference) || method.Output is { ByReference: false };

        private static IEnumerable<string> ParameterNames(EinsumMethod method) =>
            method.Operands.Select(o => o.Name).Concat(method.Output is null ? Enumerable.Empty<string>() : new[] { method.Output.Name });

        /// <summary>A parameter declaration as <c>in</c> (kept as it is when already <c>in</c> or <c>ref readonly</c>).</summary>
        private static string ByReferenceDeclaration(string declaration)
        {
            bool scoped = declaration.StartsWith("scoped ", System.StringComparison.Ordinal);
            string rest = scoped ? declaration.Substring("scoped ".Length) : declaration;
            if (rest.StartsWith("in ", System.StringComparison.Ordinal) || rest.StartsWith("ref readonly ", System.StringComparison.Ordinal)) return declaration;
            return (scoped ? "scoped " : string.Empty) + "in " + rest;
        }

        /// <summary>Lines are kept under this many characters, indentation included.</summary>
        internal const int MaxLine = 150;

        /// <summary>A method header: on one line when it fits, else its parameters wrapped below it.</summary>
        internal static void WriteSignature(IndentedTextWriter w, string head, IReadOnlyList<string> parameters, string tail) =>
            WriteList(w, head + "(", parameters, ")" + tail);

        /// <summary><paramref name="open"/>, the items separated by commas, <paramref name="close"/>: on one line when it fits, else wrapped.</summary>
        internal static void WriteList(IndentedTextWriter w, string open, IReadOnlyList<string> items, string close)
        {
            int indent = w.Indent * 4;
            string whole = open + string.Join(", ", items) + close;
            if (indent + whole.Length <= MaxLine)
            {
                w.WriteLine(whole);
                return;
            }
            string head = open.TrimEnd();
            if (head.EndsWith("{", System.StringComparison.Ordinal) && head.Length > 1)
            {
                w.WriteLine(head.Substring(0, head.Length - 1).TrimEnd());
                head = "{";
            }
            w.WriteLine(head);
            w.Indent++;
            var line = new System.Text.StringBuilder();
            for (int i = 0; i < items.Count; i++)
            {
                string item = items[i] + (i < items.Count - 1 ? "," : string.Empty);
                if (line.Length > 0 && indent + 4 + line.Length + 1 + item.Length > MaxLine)
                {
                    w.WriteLine(line.ToString());
                    line.Clear();
                }
                line.Append(line.Length > 0 ? " " : string.Empty).Append(item);
            }
            bool closesCall = close.StartsWith(")", System.StringComparison.Ordinal);
            if (closesCall && indent + 4 + line.Length + close.Length <= MaxLine)
            {
                w.WriteLine(line.ToString() + close);
                w.Indent--;
                return;
            }
            w.WriteLine(line.ToString());
            w.Indent--;
            w.WriteLine(close.Trim());
        }

        internal static void Open(IndentedTextWriter w, string? header)
        {
            if (header is not null) w.WriteLine(header);
            w.WriteLine("{");
            w.Indent++;
        }

        internal static void Close(IndentedTextWriter w)
        {
            w.Indent--;
            w.WriteLine("}");
        }

        internal static string Literal(string value) =>
            "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\r", "\\r").Replace("\t", "\\t") + "\"";
    }
}
