using System.CodeDom.Compiler;
using System.Collections.Generic;
using System.Linq;
using EinsumGen.Generator.Models;

namespace EinsumGen.Generator
{
    /// <summary>
    /// Writes <c>{Name}Backward</c> (reverse mode: the gradient of every requested operand, each its own planned einsum)
    /// and <c>{Name}Jvp</c> (forward mode: the sum over operands of the einsum with that operand's tangent).
    /// </summary>
    internal static class BackwardWriter
    {
        private const string Checks = "global::EinsumGen.Runtime.EinsumChecks";
        private const string GeneratedCode = "[global::System.CodeDom.Compiler.GeneratedCode(\"EinsumGen\", \"" + GeneratorInfo.Version + "\")]";

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

        public static void Write(IndentedTextWriter w, EinsumMethod method, IReadOnlyList<GradientMethod> gradients)
        {
            var names = Names(method);
            string T = method.ElementType;
            var parameters = method.ParameterDeclarations.Take(method.Operands.Count).ToList();
            parameters.Add((method.Output is null ? T : "global::System.Numerics.Tensors.ReadOnlyTensorSpan<" + T + ">") + " " + names.OutputGradient);
            parameters.AddRange(names.Gradients.Select(g => "global::System.Numerics.Tensors.TensorSpan<" + T + "> " + g));
            parameters.Add("global::EinsumGen.GradientMode " + names.Mode + " = global::EinsumGen.GradientMode.Overwrite");

            w.WriteLine("/// <summary>");
            w.WriteLine("/// Reverse mode of <see cref=\"" + method.Name + "\"/>: given <paramref name=\"" + names.OutputGradient + "\"/> (the loss's gradient with");
            w.WriteLine("/// respect to its result), writes the gradient with respect to each operand whose buffer is not <c>default</c>, with that");
            w.WriteLine("/// operand's shape (one element for a rank-0 operand). <paramref name=\"" + names.Mode + "\"/> overwrites or adds into the buffers.");
            w.WriteLine("/// </summary>");
            w.WriteLine(GeneratedCode);
            w.WriteLine(Modifiers(method) + " void " + method.Name + "Backward(" + string.Join(", ", parameters) + ")");
            w.WriteLine("{");
            w.Indent++;
            string check = names.Local("check"), accumulate = names.Local("accumulate"), value = names.Local("value"), target = names.Local("target");
            w.WriteLine("// Check the forward shapes once, with the output gradient in the result's place.");
            w.WriteLine("var " + check + " = new global::EinsumGen.Runtime.EinsumBinding(global::EinsumGen.Generated.EinsumProgram_" + method.Name + ".Program);");
            for (int i = 0; i < method.Operands.Count; i++)
            {
                var o = method.Operands[i];
                w.WriteLine(o.IsScalar ? check + ".ScalarOperand(" + i + ");" : check + ".Operand(" + i + ", " + o.Name + ".Lengths, " + o.Name + ".Strides);");
            }
            w.WriteLine(method.Output is null ? check + ".ScalarOutput();" : check + ".Output(" + names.OutputGradient + ".Lengths, " + names.OutputGradient + ".Strides);");
            w.WriteLine(check + ".Complete();");
            w.WriteLine("bool " + accumulate + " = " + names.Mode + " == global::EinsumGen.GradientMode.Accumulate;");
            foreach (var g in gradients)
            {
                int i = g.Spec.Operand;
                var o = method.Operands[i];
                string buffer = names.Gradients[i];
                var args = g.Parameters.Select(p => p.Substring(p.LastIndexOf(' ') + 1)).ToList();
                w.WriteLineNoTabs(string.Empty);
                w.WriteLine("// " + g.Body.Plan.Formula());
                w.WriteLine("if (" + buffer + ".Rank != 0)");
                w.WriteLine("{");
                w.Indent++;
                if (o.IsScalar)
                {
                    w.WriteLine(Checks + ".OneElement(" + buffer + ".FlattenedLength, \"" + buffer + "\");");
                    w.WriteLine(T + " " + value + " = " + g.MethodName + "(" + string.Join(", ", args) + ", false);");
                    w.WriteLine("ref " + T + " " + target + " = ref " + buffer + ".GetPinnableReference();");
                    w.WriteLine(target + " = " + accumulate + " ? " + target + " + " + value + " : " + value + ";");
                }
                else
                {
                    w.WriteLine(Checks + ".SameShape(" + buffer + ".Lengths, " + o.Name + ".Lengths, \"" + buffer + "\", \"" + o.Name.TrimStart('@') + "\");");
                    w.WriteLine(g.MethodName + "(" + string.Join(", ", args) + ", " + accumulate + ");");
                }
                w.Indent--;
                w.WriteLine("}");
            }
            w.Indent--;
            w.WriteLine("}");
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
            string sum = names.Local("sum"), written = names.Local("written"), term = names.Local("term");
            if (method.Output is null) w.WriteLine(T + " " + sum + " = 0;");
            else w.WriteLine("bool " + written + " = false;");
            for (int i = 0; i < method.Operands.Count; i++)
            {
                var args = method.Operands.Select((o, j) => j == i ? names.Tangents[i] : o.Name).ToList();
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
                    string y = names.OutputTangent;
                    w.WriteLine("if (!" + written + ")");
                    w.WriteLine("{");
                    w.Indent++;
                    w.WriteLine(method.Name + "(" + string.Join(", ", args.Concat(new[] { y })) + ");");
                    w.WriteLine(written + " = true;");
                    w.Indent--;
                    w.WriteLine("}");
                    w.WriteLine("else");
                    w.WriteLine("{");
                    w.Indent++;
                    w.WriteLine("var " + term + " = new global::System.Numerics.Tensors.TensorSpan<" + T + ">(new " + T + "[" + y + ".FlattenedLength], " + y + ".Lengths);");
                    w.WriteLine(method.Name + "(" + string.Join(", ", args.Concat(new[] { term })) + ");");
                    w.WriteLine("global::System.Numerics.Tensors.Tensor.Add<" + T + ">(" + y + ", " + term + ", " + y + ");");
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
