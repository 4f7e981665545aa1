using System.CodeDom.Compiler;
using System.Linq;
using EinsumGen.Generator.Models;

namespace EinsumGen.Generator
{
    /// <summary>
    /// Writes <c>{Name}Backward</c> (reverse mode: the gradient of every requested operand, through the forward plan) and
    /// <c>{Name}Jvp</c> (forward mode: the sum over operands of the einsum with that operand's tangent). Both hand their
    /// views to the runtime, which checks them and runs the sweep.
    /// </summary>
    internal static class BackwardWriter
    {
        public static void Write(IndentedTextWriter w, EinsumMethod method, GeneratedNames names)
        {
            string T = method.ElementType;
            int n = method.Operands.Count;
            var parameters = method.ParameterDeclarations.Take(n).Select(Aliases.Declaration).ToList();
            parameters.Add((method.Output is null ? T : Aliases.Tensors + "ReadOnlyTensorSpan<" + T + ">") + " " + names.OutputGradient);
            parameters.AddRange(names.Gradients.Select(g => Aliases.Tensors + "TensorSpan<" + T + "> " + g));
            parameters.Add(Aliases.EinsumGen + "GradientMode " + names.Mode + " = " + Aliases.EinsumGen + "GradientMode.Overwrite");

            w.WriteLine("/// <summary>");
            w.WriteLine("/// Reverse mode of <see cref=\"" + method.Identifier + "\"/>: given <paramref name=\"" + names.OutputGradient + "\"/> (the loss's gradient with");
            w.WriteLine("/// respect to its result), writes the gradient with respect to each operand whose buffer is not <c>default</c>, with");
            w.WriteLine("/// that operand's shape (one element for a rank-0 operand). <paramref name=\"" + names.Mode + "\"/> overwrites or adds into the buffers.");
            w.WriteLine("/// </summary>");
            w.WriteLine(CpuEmitter.GeneratedCode);
            CpuEmitter.WriteSignature(w, Modifiers(method) + " void " + method.Name + "Backward", parameters, string.Empty);
            CpuEmitter.WriteRun(w, method, names, CpuEmitter.View(names.OutputGradient), names.Gradients.Select(CpuEmitter.View).ToList(),
                "Backward", "Backward", names.Mode);
        }

        public static void WriteJvp(IndentedTextWriter w, EinsumMethod method, GeneratedNames names)
        {
            string T = method.ElementType;
            int n = method.Operands.Count;
            var parameters = method.ParameterDeclarations.Take(n).Select(Aliases.Declaration).ToList();
            for (int i = 0; i < n; i++)
            {
                parameters.Add((method.Operands[i].IsScalar ? T : Aliases.Tensors + "ReadOnlyTensorSpan<" + T + ">") + " " + names.Tangents[i]);
            }
            if (method.Output is not null) parameters.Add(Aliases.Tensors + "TensorSpan<" + T + "> " + names.OutputTangent);

            w.WriteLine("/// <summary>");
            w.WriteLine("/// Forward mode of <see cref=\"" + method.Identifier + "\"/>: the directional derivative of its result along the operand tangents,");
            w.WriteLine("/// the sum over operands of the einsum with that operand replaced by its tangent. A tangent left <c>default</c> (or 0");
            w.WriteLine("/// for a rank-0 operand) counts as zero.");
            w.WriteLine("/// </summary>");
            w.WriteLine(CpuEmitter.GeneratedCode);
            CpuEmitter.WriteSignature(w, Modifiers(method) + " " + (method.Output is null ? T : "void") + " " + method.Name + "Jvp", parameters, string.Empty);
            CpuEmitter.WriteRun(w, method, names, method.Output is null ? null : CpuEmitter.View(names.OutputTangent),
                names.Tangents.Select(CpuEmitter.View).ToList(), method.Output is null ? "JvpScalar" : "Jvp", "Jvp", string.Empty);
        }

        private static string Modifiers(EinsumMethod method) =>
            string.Join(" ", method.Modifiers.Split(' ').Where(m => m != "partial" && m != "new" && m.Length > 0));
    }
}
