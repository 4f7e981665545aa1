using System.CodeDom.Compiler;
using System.Collections.Generic;
using System.Linq;
using EinsumGen.Generator.Models;

namespace EinsumGen.Generator
{
    /// <summary>
    /// Writes <c>{Name}Backward</c> (reverse mode: the gradient of every requested operand, through the forward plan)
    /// and <c>{Name}Jvp</c> (forward mode: the sum over operands of the einsum with that operand's tangent).
    /// </summary>
    internal static class BackwardWriter
    {
        private const string Checks = "global::EinsumGen.Runtime.EinsumChecks";
        private const string GeneratedCode = CpuEmitter.GeneratedCode;
        private const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";
        private const string ArrayRef = "global::System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference";

        /// <summary>Parameter names of the generated methods, kept clear of the user's own.</summary>
        internal sealed class GradientNames
        {
            public GradientNames(string outputGradient, IReadOnlyList<string> gradients, IReadOnlyList<string> tangents, string outputTangent, string mode,
                System.Func<string, string> local)
            {
                Local = local;
                OutputGradient = outputGradient;
                Gradients = gradients;
                Tangents = tangents;
                OutputTangent = outputTangent;
                Mode = mode;
            }

            public string OutputGradient { get; }
            public IReadOnlyList<string> Gradients { get; }
            public IReadOnlyList<string> Tangents { get; }
            public string OutputTangent { get; }
            public string Mode { get; }

            /// <summary>A local variable name that no parameter uses (same answer for the same request).</summary>
            public System.Func<string, string> Local { get; }
        }

        public static GradientNames Names(EinsumMethod method)
        {
            var taken = new HashSet<string>(method.Operands.Select(o => o.Name.TrimStart('@')));
            string output = method.Output?.Name.TrimStart('@') ?? "result";
            if (method.Output is not null) taken.Add(output);
            string Fresh(string name)
            {
                while (!taken.Add(name)) name += "_";
                return name;
            }
            string outputGradient = Fresh(output + "Gradient");
            var gradients = method.Operands.Select(o => Fresh(o.Name.TrimStart('@') + "Gradient")).ToList();
            var tangents = method.Operands.Select(o => Fresh(o.Name.TrimStart('@') + "Tangent")).ToList();
            string outputTangent = Fresh(output + "Tangent"), mode = Fresh("mode");
            var locals = new Dictionary<string, string>();
            string Local(string name)
            {
                if (!locals.TryGetValue(name, out var fresh)) locals[name] = fresh = Fresh(name);
                return fresh;
            }
            return new GradientNames(outputGradient, gradients, tangents, outputTangent, mode, Local);
        }

        /// <summary>
        /// Reverse mode walks the forward plan backwards: the forward intermediates are recomputed, then each step C = L·R
        /// yields ∂L = ∂C·R and ∂R = ∂C·L (pairwise einsums of the same cost as the step), only where a requested gradient
        /// lies below. Intermediates are shared by every gradient, as a tensor-train layer's partial products of its cores are.
        /// </summary>
        public static void Write(IndentedTextWriter w, EinsumMethod method, MethodPlan plan)
        {
            var names = Names(method);
            string T = method.ElementType;
            string binding = names.Local("binding"), accumulate = names.Local("accumulate");
            int n = method.Operands.Count;
            var parameters = method.ParameterDeclarations.Take(n).ToList();
            parameters.Add((method.Output is null ? T : "global::System.Numerics.Tensors.ReadOnlyTensorSpan<" + T + ">") + " " + names.OutputGradient);
            parameters.AddRange(names.Gradients.Select(g => "global::System.Numerics.Tensors.TensorSpan<" + T + "> " + g));
            parameters.Add("global::EinsumGen.GradientMode " + names.Mode + " = global::EinsumGen.GradientMode.Overwrite");

            w.WriteLine("/// <summary>");
            w.WriteLine("/// Reverse mode of <see cref=\"" + method.Name + "\"/>: given <paramref name=\"" + names.OutputGradient + "\"/> (the loss's gradient with");
            w.WriteLine("/// respect to its result), writes the gradient with respect to each operand whose buffer is not <c>default</c>, with that");
            w.WriteLine("/// operand's shape (one element for a rank-0 operand). <paramref name=\"" + names.Mode + "\"/> overwrites or adds into the buffers.");
            w.WriteLine("/// </summary>");
            w.WriteLine(CpuEmitter.GeneratedCode);
            w.WriteLine(Modifiers(method) + " void " + method.Name + "Backward(" + string.Join(", ", parameters) + ")");
            w.WriteLine("{");
            w.Indent++;
            w.WriteLine("// Bind the forward shapes, with the output gradient in the result's place, and the requested gradient buffers");
            w.WriteLine("// (a binding from this thread's cache, a layout from the program's cache of recent shapes: no allocation).");
            w.WriteLine("var " + binding + " = global::EinsumGen.Runtime.EinsumBinding.Rent(global::EinsumGen.Generated." + plan.HolderName + ".Program);");
            for (int i = 0; i < n; i++)
            {
                var o = method.Operands[i];
                w.WriteLine(o.IsScalar ? binding + ".ScalarOperand(" + i + ");" : binding + ".Operand(" + i + ", " + o.Name + ".Lengths, " + o.Name + ".Strides);");
            }
            w.WriteLine(method.Output is null ? binding + ".ScalarOutput();" : binding + ".Output(" + names.OutputGradient + ".Lengths, " + names.OutputGradient + ".Strides);");
            for (int i = 0; i < n; i++)
            {
                string g = names.Gradients[i];
                if (method.Operands[i].IsScalar)
                {
                    w.WriteLine("if (" + g + ".Rank != 0)");
                    w.WriteLine("{");
                    w.Indent++;
                    w.WriteLine(Checks + ".OneElement(" + g + ".FlattenedLength, \"" + g + "\");");
                    w.WriteLine(binding + ".Gradient(" + i + ", default, default);");
                    w.Indent--;
                    w.WriteLine("}");
                }
                else
                {
                    w.WriteLine("if (" + g + ".Rank != 0) " + binding + ".Gradient(" + i + ", " + g + ".Lengths, " + g + ".Strides);");
                }
            }
            w.WriteLine(binding + ".Complete();");
            WriteOverlapChecks(w, method, names, binding);
            w.WriteLine("bool " + accumulate + " = " + names.Mode + " == global::EinsumGen.GradientMode.Accumulate;");
            for (int i = 0; i < n; i++)
            {
                var term = plan.Expression.Inputs[i];
                if (term.Labels.Count == term.DistinctLabels().Length) continue;
                w.WriteLine("if (!" + accumulate + " && " + names.Gradients[i] + ".Rank != 0) " + names.Gradients[i] + ".Clear(); // only its diagonal is written");
            }
            w.WriteLineNoTabs(string.Empty);

            w.WriteLine("// Element references.");
            var refs = new Dictionary<int, string>();
            var gradientRefs = new Dictionary<int, string>();
            for (int i = 0; i < n; i++)
            {
                var o = method.Operands[i];
                refs[i] = names.Local("ref_" + o.Name.TrimStart('@'));
                string source = o.IsScalar ? "in " + o.Name : "in " + o.Name + ".GetPinnableReference()";
                w.WriteLine("ref " + T + " " + refs[i] + " = ref " + Unsafe + ".AsRef(" + source + ");");
                gradientRefs[i] = names.Local("ref_" + names.Gradients[i]);
                w.WriteLine("ref " + T + " " + gradientRefs[i] + " = ref " + names.Gradients[i] + ".GetPinnableReference();");
            }
            string outputGradientRef = names.Local("ref_" + names.OutputGradient);
            string outputSource = method.Output is null ? "in " + names.OutputGradient : "in " + names.OutputGradient + ".GetPinnableReference()";
            w.WriteLine("ref " + T + " " + outputGradientRef + " = ref " + Unsafe + ".AsRef(" + outputSource + ");");
            gradientRefs[plan.OutputId] = outputGradientRef;

            if (!plan.IsOrderFinal)
            {
                w.WriteLineNoTabs(string.Empty);
                DynamicStepsWriter.WriteBackward(w, plan, T, binding, accumulate, Enumerable.Range(0, n).Select(i => refs[i]).ToList(),
                    Enumerable.Range(0, n).Select(i => gradientRefs[i]).ToList(), outputGradientRef, names.Local);
                w.Indent--;
                w.WriteLine("}");
                return;
            }

            int last = plan.Steps.Count - 1;
            if (last > 0)
            {
                w.WriteLineNoTabs(string.Empty);
                w.WriteLine("// Recompute the forward intermediates that a requested gradient reads, and make room for the gradients of those");
                w.WriteLine("// with a requested gradient below.");
            }
            for (int k = 0; k < last; k++)
            {
                var step = plan.Steps[k];
                int id = n + k;
                string name = plan.TensorName(id);
                refs[id] = names.Local("ref_" + name);
                gradientRefs[id] = names.Local("ref_d" + name);
                w.WriteLine("ref " + T + " " + refs[id] + " = ref " + ArrayRef + "(" + binding + ".Intermediate<" + T + ">(" + k + "));");
                w.WriteLine("if (" + binding + ".Needs(" + id + ")) " + binding + ".ExecuteStep(" + k + ", ref " + refs[step.Left] + ", ref " + Right(step.Right, refs, T) + ", ref " + refs[id] + "); // " + plan.Describe(k));
                w.WriteLine("ref " + T + " " + gradientRefs[id] + " = ref " + ArrayRef + "(" + binding + ".Requires(" + id + ") ? " + binding +
                    ".Intermediate<" + T + ">(" + k + ", gradient: true) : global::System.Array.Empty<" + T + ">());");
            }

            for (int k = last; k >= 0; k--)
            {
                var step = plan.Steps[k];
                int id = n + k;
                w.WriteLineNoTabs(string.Empty);
                w.WriteLine("// Back through step " + (k + 1) + ": " + plan.Describe(k));
                WriteSide(w, binding, accumulate, k, true, step.Left, step.Right, id, refs, gradientRefs, T);
                if (step.Right >= 0) WriteSide(w, binding, accumulate, k, false, step.Right, step.Left, id, refs, gradientRefs, T);
            }
            w.WriteLine(binding + ".Return<" + T + ">(); // " + BodyWriter.ReturnComment(last > 0));
            w.Indent--;
            w.WriteLine("}");
        }

        private static void WriteSide(IndentedTextWriter w, string binding, string accumulate, int k, bool left, int target, int other, int result,
            Dictionary<int, string> refs, Dictionary<int, string> gradientRefs, string T)
        {
            w.WriteLine("if (" + binding + ".Requires(" + target + ")) " + binding + ".ExecuteStepGradient(" + k + ", " + (left ? "true" : "false") +
                ", ref " + gradientRefs[result] + ", ref " + Right(other, refs, T) + ", ref " + gradientRefs[target] + ", " + accumulate + ");");
        }

        private static string Right(int id, Dictionary<int, string> refs, string T) => id < 0 ? Unsafe + ".NullRef<" + T + ">()" : refs[id];

        private static void WriteOverlapChecks(IndentedTextWriter w, EinsumMethod method, GradientNames names, string binding)
        {
            for (int i = 0; i < method.Operands.Count; i++)
            {
                if (method.Operands[i].IsScalar) continue;
                string g = names.Gradients[i];
                var reads = method.Operands.Select((o, j) => (o, j)).Where(p => !p.o.IsScalar)
                    .Select(p => binding + ".CheckGradientOverlap(in " + g + ".GetPinnableReference(), " + i + ", in " + p.o.Name + ".GetPinnableReference(), " + p.j + ");")
                    .ToList();
                if (method.Output is not null)
                {
                    reads.Add(binding + ".CheckGradientOverlap(in " + g + ".GetPinnableReference(), " + i + ", in " + names.OutputGradient + ".GetPinnableReference(), -1);");
                }
                w.WriteLine("if (" + g + ".Rank != 0)");
                w.WriteLine("{");
                w.Indent++;
                foreach (var line in reads) w.WriteLine(line);
                w.Indent--;
                w.WriteLine("}");
            }
        }

        public static void WriteJvp(IndentedTextWriter w, EinsumMethod method)
        {
            var names = Names(method);
            string T = method.ElementType;
            var parameters = method.ParameterDeclarations.Take(method.Operands.Count).ToList();
            for (int i = 0; i < method.Operands.Count; i++)
            {
                parameters.Add((method.Operands[i].IsScalar ? T : "global::System.Numerics.Tensors.ReadOnlyTensorSpan<" + T + ">") + " " + names.Tangents[i]);
            }
            if (method.Output is not null) parameters.Add("global::System.Numerics.Tensors.TensorSpan<" + T + "> " + names.OutputTangent);

            w.WriteLine("/// <summary>");
            w.WriteLine("/// Forward mode of <see cref=\"" + method.Name + "\"/>: the directional derivative of its result along the operand tangents,");
            w.WriteLine("/// the sum over operands of the einsum with that operand replaced by its tangent. A tangent left <c>default</c> (or 0 for a");
            w.WriteLine("/// rank-0 operand) counts as zero.");
            w.WriteLine("/// </summary>");
            w.WriteLine(GeneratedCode);
            w.WriteLine(Modifiers(method) + " " + (method.Output is null ? T : "void") + " " + method.Name + "Jvp(" + string.Join(", ", parameters) + ")");
            w.WriteLine("{");
            w.Indent++;
            string sum = names.Local("sum"), written = names.Local("written"), term = names.Local("term"), scratch = names.Local("scratch"), count = names.Local("count");
            if (method.Output is null) w.WriteLine(T + " " + sum + " = 0;");
            else w.WriteLine("bool " + written + " = false;");
            for (int i = 0; i < method.Operands.Count; i++)
            {
                var args = method.Operands.Select((o, j) => (o.ByReference ? "in " : string.Empty) + (j == i ? names.Tangents[i] : o.Name)).ToList();
                string present = method.Operands[i].IsScalar ? names.Tangents[i] + " != 0" : names.Tangents[i] + ".Rank != 0";
                w.WriteLine("if (" + present + ")");
                w.WriteLine("{");
                w.Indent++;
                if (!method.Operands[i].IsScalar)
                {
                    w.WriteLine(Checks + ".SameShape(" + names.Tangents[i] + ".Lengths, " + method.Operands[i].Name + ".Lengths, \"" + names.Tangents[i] + "\", \"" + method.Operands[i].Name.TrimStart('@') + "\");");
                }
                if (method.Output is null)
                {
                    w.WriteLine(sum + " += " + method.Name + "(" + string.Join(", ", args) + ");");
                }
                else
                {
                    string y = names.OutputTangent, byReference = method.Output.ByReference ? "in " : string.Empty;
                    w.WriteLine("if (!" + written + ")");
                    w.WriteLine("{");
                    w.Indent++;
                    w.WriteLine(method.Name + "(" + string.Join(", ", args.Concat(new[] { byReference + y })) + ");");
                    w.WriteLine(written + " = true;");
                    w.Indent--;
                    w.WriteLine("}");
                    w.WriteLine("else");
                    w.WriteLine("{");
                    w.Indent++;
                    w.WriteLine("// Another term: computed into pooled scratch of the output's shape, then added.");
                    w.WriteLine("int " + count + " = checked((int)" + y + ".FlattenedLength);");
                    w.WriteLine("var " + scratch + " = global::System.Buffers.ArrayPool<" + T + ">.Shared.Rent(" + count + ");");
                    w.WriteLine("var " + term + " = new global::System.Numerics.Tensors.TensorSpan<" + T + ">(new global::System.Span<" + T + ">(" + scratch + ", 0, " + count + "), " + y + ".Lengths);");
                    w.WriteLine(method.Name + "(" + string.Join(", ", args.Concat(new[] { byReference + term })) + ");");
                    w.WriteLine("global::System.Numerics.Tensors.Tensor.Add<" + T + ">(" + y + ", " + term + ", " + y + ");");
                    w.WriteLine("global::System.Buffers.ArrayPool<" + T + ">.Shared.Return(" + scratch + ");");
                    w.Indent--;
                    w.WriteLine("}");
                }
                w.Indent--;
                w.WriteLine("}");
            }
            if (method.Output is null)
            {
                w.WriteLine("return " + sum + ";");
            }
            else
            {
                w.WriteLine("if (!" + written + ") " + names.OutputTangent + ".Clear();");
            }
            w.Indent--;
            w.WriteLine("}");
        }

        private static string Modifiers(EinsumMethod method) =>
            string.Join(" ", method.Modifiers.Split(' ').Where(m => m != "partial" && m.Length > 0));
    }
}
