using System;
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
            var buffers = p.Select(name => Fresh(Bare(name) + "Gradient")).ToList();
            string mode = Fresh("mode");
            string outputTangent = Fresh("outputTangent");
            string modeParameter = "global::EinsumGen.GradientMode " + mode + " = global::EinsumGen.GradientMode.Overwrite";
            var operands = Enumerable.Range(0, p.Count).Select(i => types[i] + " " + p[i]).ToList();
            string Cref(string name) => "<paramref name=\"" + Bare(name) + "\"/>";

            w.WriteLineNoTabs(string.Empty);
            if (operation == ConvOperation.Unfold)
            {
                Doc(w, "The reverse mode of <see cref=\"" + method.Name + "\"/>: the gradient with respect to " + Cref(p[0])
                    + " (the fold, col2im, of " + Cref(gradient) + ", the gradient [N, C·ΠK, ΠO] of its columns), as <c>Conv.UnfoldBackward</c>.");
                Signature(w, modifiers, tensor, method.Name + "Backward", operands.Concat(new[] { tensor + " " + gradient }));
                w.Indent++;
                Line(w, "=> " + Runtime + "Conv.UnfoldBackward(" + p[0] + ", " + gradient + ", " + spec + ");");
                w.Indent--;
                w.WriteLineNoTabs(string.Empty);
                Doc(w, "The forward mode of <see cref=\"" + method.Name + "\"/> (linear): the unfold of " + Cref(tangents[0])
                    + ", checked to have " + Cref(p[0]) + "'s shape, as <c>Conv.UnfoldJvp</c>.");
                Signature(w, modifiers, tensor, method.Name + "Jvp", operands.Concat(new[] { tensor + " " + tangents[0] }));
                w.Indent++;
                Line(w, "=> " + Runtime + "Conv.UnfoldJvp(" + p[0] + ", " + tangents[0] + ", " + spec + ");");
                w.Indent--;
                w.WriteLineNoTabs(string.Empty);
                Doc(w, "The reverse mode of <see cref=\"" + method.Name + "\"/> into " + Cref(buffers[0]) + " (" + Cref(p[0])
                    + "'s shape; null computes nothing), written as " + Cref(mode) + " says, as <c>Conv.UnfoldBackward</c> with a buffer.");
                Signature(w, modifiers, "void", method.Name + "Backward",
                    operands.Concat(new[] { tensor + " " + gradient, tensor + "? " + buffers[0], modeParameter }));
                w.Indent++;
                Line(w, "=> " + Runtime + "Conv.UnfoldBackward(" + p[0] + ", " + gradient + ", " + spec + ", " + buffers[0] + ", " + mode + ");");
                w.Indent--;
                w.WriteLineNoTabs(string.Empty);
                Doc(w, "The forward mode of <see cref=\"" + method.Name + "\"/> into " + Cref(outputTangent)
                    + " (overwritten with the unfold of " + Cref(tangents[0]) + "), as <c>Conv.UnfoldJvp</c> with a buffer.");
                Signature(w, modifiers, "void", method.Name + "Jvp", operands.Concat(new[] { tensor + " " + tangents[0], tensor + " " + outputTangent }));
                w.Indent++;
                Line(w, "=> " + Runtime + "Conv.UnfoldJvp(" + p[0] + ", " + tangents[0] + ", " + spec + ", " + outputTangent + ");");
                w.Indent--;
                return;
            }

            if (operation == ConvOperation.Fold)
            {
                // columns, inputSize: the size is no operand, so it has neither a gradient nor a tangent.
                string columns = p[0], size = p[1];
                var sizeOperand = operands[1];
                var head = new[] { operands[0], sizeOperand };
                Doc(w, "The reverse mode of <see cref=\"" + method.Name + "\"/>: the gradient with respect to " + Cref(columns)
                    + " (the unfold, im2col, of " + Cref(gradient) + ", the gradient [N, C, I…] of the fold), as <c>Conv.FoldBackward</c>.");
                Signature(w, modifiers, tensor, method.Name + "Backward", head.Concat(new[] { tensor + " " + gradient }));
                w.Indent++;
                Line(w, "=> " + Runtime + "Conv.FoldBackward(" + columns + ", " + gradient + ", " + spec + ", " + size + ");");
                w.Indent--;
                w.WriteLineNoTabs(string.Empty);
                Doc(w, "The forward mode of <see cref=\"" + method.Name + "\"/> (linear): the fold of " + Cref(tangents[0])
                    + ", checked to have " + Cref(columns) + "'s shape, as <c>Conv.FoldJvp</c>.");
                Signature(w, modifiers, tensor, method.Name + "Jvp", head.Concat(new[] { tensor + " " + tangents[0] }));
                w.Indent++;
                Line(w, "=> " + Runtime + "Conv.FoldJvp(" + columns + ", " + tangents[0] + ", " + spec + ", " + size + ");");
                w.Indent--;
                w.WriteLineNoTabs(string.Empty);
                Doc(w, "The reverse mode of <see cref=\"" + method.Name + "\"/> into " + Cref(buffers[0]) + " (" + Cref(columns)
                    + "'s shape; null computes nothing), written as " + Cref(mode) + " says, as <c>Conv.FoldBackward</c> with a buffer.");
                Signature(w, modifiers, "void", method.Name + "Backward",
                    head.Concat(new[] { tensor + " " + gradient, tensor + "? " + buffers[0], modeParameter }));
                w.Indent++;
                Line(w, "=> " + Runtime + "Conv.FoldBackward(" + columns + ", " + gradient + ", " + spec + ", " + size + ", " + buffers[0] + ", " + mode + ");");
                w.Indent--;
                w.WriteLineNoTabs(string.Empty);
                Doc(w, "The forward mode of <see cref=\"" + method.Name + "\"/> into " + Cref(outputTangent)
                    + " (overwritten with the fold of " + Cref(tangents[0]) + "), as <c>Conv.FoldJvp</c> with a buffer.");
                Signature(w, modifiers, "void", method.Name + "Jvp", head.Concat(new[] { tensor + " " + tangents[0], tensor + " " + outputTangent }));
                w.Indent++;
                Line(w, "=> " + Runtime + "Conv.FoldJvp(" + columns + ", " + tangents[0] + ", " + spec + ", " + size + ", " + outputTangent + ");");
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
            Line(w, "var " + local + " = " + Runtime + "Conv." + name + "Backward(" + p[0] + ", " + p[1] + ", " + gradient + ", " + spec + ", "
                + (bias ? p[2] + ", " + wanted : "wanted: " + wanted + " & ~" + Runtime + "ConvGradients.Bias") + ");");
            w.WriteLine("return (" + local + ".InputGradient, " + local + ".WeightGradient" + (bias ? ", " + local + ".BiasGradient" : "") + ");");
            w.Indent--;
            w.WriteLine("}");
            w.WriteLineNoTabs(string.Empty);
            Doc(w, "The forward mode of <see cref=\"" + method.Name + "\"/>: the directional derivative of its result along "
                + string.Join(", ", tangents.Select(Cref)) + " (each of its operand's shape; null counts as zero), as <c>Conv." + name + "Jvp</c>.");
            Signature(w, modifiers, tensor, method.Name + "Jvp", operands.Concat(tangents.Select(t => tensor + "? " + t)));
            w.Indent++;
            Line(w, "=> " + Runtime + "Conv." + name + "Jvp(" + p[0] + ", " + p[1] + ", " + spec + ", " + tangents[0] + ", " + tangents[1]
                + (bias ? ", " + tangents[2] : "") + ");");
            w.Indent--;
            w.WriteLineNoTabs(string.Empty);
            Doc(w, "The reverse mode of <see cref=\"" + method.Name + "\"/> into caller-provided buffers: "
                + string.Join(", ", buffers.Select(Cref)) + " (each of its operand's shape; null skips that gradient), written as "
                + Cref(mode) + " says (Overwrite or Accumulate), as <c>Conv." + name + "Backward</c> with buffers. Every shape is checked first.");
            Signature(w, modifiers, "void", method.Name + "Backward",
                operands.Concat(new[] { tensor + " " + gradient }).Concat(buffers.Select(b => tensor + "? " + b)).Concat(new[] { modeParameter }));
            w.Indent++;
            Line(w, "=> " + Runtime + "Conv." + name + "Backward(" + p[0] + ", " + p[1] + ", " + gradient + ", " + spec + ", " + buffers[0] + ", "
                + buffers[1] + ", " + (bias ? buffers[2] : "null") + ", " + mode + (bias ? ", " + p[2] : "") + ");");
            w.Indent--;
            w.WriteLineNoTabs(string.Empty);
            Doc(w, "The forward mode of <see cref=\"" + method.Name + "\"/> into " + Cref(outputTangent) + ", overwritten with the directional derivative"
                + " along " + string.Join(", ", tangents.Select(Cref)) + " (null counts as zero), as <c>Conv." + name + "Jvp</c> with a buffer.");
            Signature(w, modifiers, "void", method.Name + "Jvp",
                operands.Concat(tangents.Select(t => tensor + "? " + t)).Concat(new[] { tensor + " " + outputTangent }));
            w.Indent++;
            Line(w, "=> " + Runtime + "Conv." + name + "Jvp(" + p[0] + ", " + p[1] + ", " + spec + ", " + tangents[0] + ", " + tangents[1] + ", "
                + (bias ? tangents[2] : "null") + ", " + outputTangent + ");");
            w.Indent--;
        }

        /// <summary>Writes a call, its arguments continued on indented lines where it would pass 150 characters (generated lines stay short).</summary>
        private static void Line(IndentedTextWriter w, string text)
        {
            const int Limit = 150;
            int room = Limit - w.Indent * 4;
            bool continued = false;
            while (text.Length > room)
            {
                int cut = text.LastIndexOf(", ", room - 1, StringComparison.Ordinal);
                if (cut <= 0) break;
                w.WriteLine(text.Substring(0, cut + 1));
                text = text.Substring(cut + 2);
                if (!continued)
                {
                    w.Indent++;
                    room -= 4;
                    continued = true;
                }
            }
            w.WriteLine(text);
            if (continued) w.Indent--;
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
