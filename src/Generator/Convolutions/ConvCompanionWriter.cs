using System.CodeDom.Compiler;
using System.Collections.Generic;
using System.Linq;
using EinsumGen.Convolutions;

namespace EinsumGen.Generator.Convolutions
{
    /// <summary>
    /// Writes a <c>[Convolution]</c> method's reverse mode (<c>{Name}Backward</c>) and forward mode (<c>{Name}Jvp</c>), as
    /// <c>[Einsum]</c> methods get theirs: the operands as the method takes them, then the output gradient (or one tangent
    /// per operand). Each is one call of <c>Conv</c>'s derivative of the operation with the method's spec.
    /// </summary>
    internal static class ConvCompanionWriter
    {
        private const string Runtime = "global::EinsumGen.Convolutions.";

        public static void Write(IndentedTextWriter w, ConvMethod method, string spec)
        {
            var operation = (ConvOperation)method.Operation;
            var p = method.Parameters;
            var types = method.ParameterTypes;
            string tensor = "global::System.Numerics.Tensors.Tensor<" + method.Element + ">";
            string modifiers = string.Join(" ", method.Modifiers.Split(' ').Where(m => m != "partial"));
            var taken = new HashSet<string>(p);
            string Fresh(string name)
            {
                while (!taken.Add(name)) name += "_";
                return name;
            }
            string gradient = Fresh("outputGradient");
            string wanted = Fresh("wanted");
            string local = Fresh("gradients");
            var tangents = p.Select(name => Fresh(Bare(name) + "Tangent")).ToList();
            var operands = Enumerable.Range(0, p.Count).Select(i => types[i] + " " + p[i]).ToList();
            string Cref(string name) => "<paramref name=\"" + Bare(name) + "\"/>";

            w.WriteLineNoTabs(string.Empty);
            if (operation == ConvOperation.Unfold)
            {
                Doc(w, "The reverse mode of <see cref=\"" + method.Name + "\"/>: the gradient with respect to " + Cref(p[0])
                    + " (the fold, col2im, of " + Cref(gradient) + ", the gradient [N, C·ΠK, ΠO] of its columns), as <c>Conv.UnfoldBackward</c>.");
                Signature(w, modifiers, tensor, method.Name + "Backward", operands.Concat(new[] { tensor + " " + gradient }));
                w.Indent++;
                w.WriteLine("=> " + Runtime + "Conv.UnfoldBackward(" + p[0] + ", " + gradient + ", " + spec + ");");
                w.Indent--;
                w.WriteLineNoTabs(string.Empty);
                Doc(w, "The forward mode of <see cref=\"" + method.Name + "\"/> (linear): the unfold of " + Cref(tangents[0])
                    + ", checked to have " + Cref(p[0]) + "'s shape, as <c>Conv.UnfoldJvp</c>.");
                Signature(w, modifiers, tensor, method.Name + "Jvp", operands.Concat(new[] { tensor + " " + tangents[0] }));
                w.Indent++;
                w.WriteLine("=> " + Runtime + "Conv.UnfoldJvp(" + p[0] + ", " + tangents[0] + ", " + spec + ");");
                w.Indent--;
                return;
            }

            // Forward and TransposeForward: x, weight[, bias].
            bool bias = p.Count == 3;
            string name = operation == ConvOperation.Forward ? "Forward" : "TransposeForward";
            var results = p.Select(n => tensor + "? " + Bare(n) + "Gradient").ToList();
            Doc(w, "The reverse mode of <see cref=\"" + method.Name + "\"/>: the gradients of a loss with respect to "
                + string.Join(", ", p.Select(Cref)) + ", given its gradient " + Cref(gradient) + " with respect to the result, as <c>Conv."
                + name + "Backward</c>. Only the gradients " + Cref(wanted) + " names are computed; the others are null."
                + (bias ? "" : " (No bias: its flag is ignored.)"));
            w.WriteLine("[global::System.CodeDom.Compiler.GeneratedCode(\"EinsumGen\", \"" + GeneratorInfo.Version + "\")]");
            w.WriteLine(modifiers + " (");
            w.Indent++;
            for (int i = 0; i < results.Count; i++) w.WriteLine(results[i] + (i + 1 < results.Count ? "," : ") " + method.Name + "Backward("));
            foreach (var operand in operands) w.WriteLine(operand + ",");
            w.WriteLine(tensor + " " + gradient + ",");
            w.WriteLine(Runtime + "ConvGradients " + wanted + " = " + Runtime + "ConvGradients.All)");
            w.Indent--;
            w.WriteLine("{");
            w.Indent++;
            w.WriteLine("var " + local + " = " + Runtime + "Conv." + name + "Backward(" + p[0] + ", " + p[1] + ", " + gradient + ", " + spec + ", "
                + (bias ? p[2] + ", " + wanted : "wanted: " + wanted + " & ~" + Runtime + "ConvGradients.Bias") + ");");
            w.WriteLine("return (" + local + ".InputGradient, " + local + ".WeightGradient" + (bias ? ", " + local + ".BiasGradient" : "") + ");");
            w.Indent--;
            w.WriteLine("}");
            w.WriteLineNoTabs(string.Empty);
            Doc(w, "The forward mode of <see cref=\"" + method.Name + "\"/>: the directional derivative of its result along "
                + string.Join(", ", tangents.Select(Cref)) + " (each of its operand's shape; null counts as zero), as <c>Conv." + name + "Jvp</c>.");
            Signature(w, modifiers, tensor, method.Name + "Jvp", operands.Concat(tangents.Select(t => tensor + "? " + t)));
            w.Indent++;
            w.WriteLine("=> " + Runtime + "Conv." + name + "Jvp(" + p[0] + ", " + p[1] + ", " + spec + ", " + tangents[0] + ", " + tangents[1]
                + (bias ? ", " + tangents[2] : "") + ");");
            w.Indent--;
        }

        private static void Doc(IndentedTextWriter w, string summary)
        {
            foreach (var line in ConvEmitter.Wrap("<summary>" + summary + "</summary>")) w.WriteLine("/// " + line);
        }

        private static void Signature(IndentedTextWriter w, string modifiers, string result, string name, IEnumerable<string> parameters)
        {
            w.WriteLine("[global::System.CodeDom.Compiler.GeneratedCode(\"EinsumGen\", \"" + GeneratorInfo.Version + "\")]");
            w.WriteLine(modifiers + " " + result + " " + name + "(");
            w.Indent++;
            var list = parameters.ToList();
            for (int i = 0; i < list.Count; i++) w.WriteLine(list[i] + (i + 1 < list.Count ? "," : ")"));
            w.Indent--;
        }

        /// <summary>A parameter's name without its verbatim '@' (for names built from it and for paramref).</summary>
        private static string Bare(string name) => name.TrimStart('@');
    }
}
