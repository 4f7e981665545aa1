using System.CodeDom.Compiler;
using System.Collections.Generic;
using System.Linq;

namespace EinsumGen.Generator
{
    /// <summary>
    /// For a spec whose sizes are not all declared, the order is only final at run time: the binding re-plans for the
    /// actual sizes when that is cheaper (once per shape, cached). The emitted code then loops over the binding's steps and
    /// finds each step's tensors through a static local function, because references cannot be kept in an array.
    /// </summary>
    internal static class DynamicStepsWriter
    {
        private const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";
        private const string ArrayRef = "global::System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference";

        /// <summary>The forward steps: intermediates in fresh arrays, the last step into <paramref name="outputRef"/>.</summary>
        public static void WriteForward(IndentedTextWriter w, MethodPlan plan, string T, string binding, IReadOnlyList<string> operandRefs, string outputRef,
            System.Func<string, string> local)
        {
            string k = local("k"), pick = local("Tensor");
            w.WriteLine("// The order: planned at build time for the assumed sizes, re-planned for these sizes when that is cheaper (cached per shape).");
            w.WriteLine("for (int " + k + " = 0; " + k + " < " + binding + ".StepCount; " + k + "++)");
            w.WriteLine("{");
            w.Indent++;
            string args = ", " + binding + ", false, ref " + outputRef + ", " + string.Join(", ", operandRefs.Select(r => "ref " + r));
            w.WriteLine(binding + ".ExecuteStep(" + k + ", ref " + pick + "(" + binding + ".LeftOf(" + k + ")" + args + "), ref " + pick + "(" + binding +
                ".RightOf(" + k + ")" + args + "), ref " + pick + "(" + plan.OperandCount + " + " + k + args + "));");
            w.Indent--;
            w.WriteLine("}");
            w.WriteLine(binding + ".Return<" + T + ">(); // " + BodyWriter.ReturnComment(true));
            WritePick(w, plan, T, pick, "output", "operand");
        }

        /// <summary>The backward sweep over the binding's steps, as the build-time one but with the order chosen at run time.</summary>
        public static void WriteBackward(IndentedTextWriter w, MethodPlan plan, string T, string binding, string accumulate,
            IReadOnlyList<string> operandRefs, IReadOnlyList<string> gradientRefs, string outputGradientRef, System.Func<string, string> local)
        {
            string k = local("k"), last = local("last");
            string pick = local("Tensor"), result = local("resultGradient"), left = local("left"), right = local("right");
            string valueArgs = ", " + binding + ", false, ref " + Unsafe + ".NullRef<" + T + ">(), " + string.Join(", ", operandRefs.Select(r => "ref " + r));
            string gradientArgs = ", " + binding + ", true, ref " + outputGradientRef + ", " + string.Join(", ", gradientRefs.Select(r => "ref " + r));
            w.WriteLine("// The order: planned at build time for the assumed sizes, re-planned for these sizes when that is cheaper (cached per shape).");
            w.WriteLine("int " + last + " = " + binding + ".StepCount - 1;");
            w.WriteLine("for (int " + k + " = 0; " + k + " < " + last + "; " + k + "++)");
            w.WriteLine("{");
            w.Indent++;
            w.WriteLine("if (" + binding + ".Needs(" + plan.OperandCount + " + " + k + ")) " + binding + ".ExecuteStep(" + k + ", ref " + pick + "(" + binding +
                ".LeftOf(" + k + ")" + valueArgs + "), ref " + pick + "(" + binding + ".RightOf(" + k + ")" + valueArgs + "), ref " + pick + "(" +
                plan.OperandCount + " + " + k + valueArgs + "));");
            w.Indent--;
            w.WriteLine("}");
            w.WriteLine("for (int " + k + " = " + last + "; " + k + " >= 0; " + k + "--)");
            w.WriteLine("{");
            w.Indent++;
            w.WriteLine("int " + left + " = " + binding + ".LeftOf(" + k + "), " + right + " = " + binding + ".RightOf(" + k + ");");
            w.WriteLine("ref " + T + " " + result + " = ref " + pick + "(" + plan.OperandCount + " + " + k + gradientArgs + ");");
            w.WriteLine("if (" + binding + ".Requires(" + left + ")) " + binding + ".ExecuteStepGradient(" + k + ", true, ref " + result + ", ref " + pick + "(" + right + valueArgs +
                "), ref " + pick + "(" + left + gradientArgs + "), " + accumulate + ");");
            w.WriteLine("if (" + right + " >= 0 && " + binding + ".Requires(" + right + ")) " + binding + ".ExecuteStepGradient(" + k + ", false, ref " + result + ", ref " + pick + "(" + left + valueArgs +
                "), ref " + pick + "(" + right + gradientArgs + "), " + accumulate + ");");
            w.Indent--;
            w.WriteLine("}");
            w.WriteLine(binding + ".Return<" + T + ">(); // " + BodyWriter.ReturnComment(true));
            WritePick(w, plan, T, pick, "output", "operand");
        }

        /// <summary>
        /// A static local function from tensor id to reference: the operands (or their gradient buffers), the output (or its
        /// gradient), intermediates (or their gradients) from the binding's pooled buffers; -1 is no tensor.
        /// </summary>
        private static void WritePick(IndentedTextWriter w, MethodPlan plan, string T, string name, string output, string operand)
        {
            int n = plan.OperandCount;
            var parameters = Enumerable.Range(0, n).Select(i => "ref " + T + " " + operand + i);
            w.WriteLineNoTabs(string.Empty);
            w.WriteLine("static ref " + T + " " + name + "(int id, global::EinsumGen.Runtime.EinsumBinding binding, bool gradient, ref " + T + " " + output + ", " + string.Join(", ", parameters) + ")");
            w.WriteLine("{");
            w.Indent++;
            for (int i = 0; i < n; i++) w.WriteLine("if (id == " + i + ") return ref " + operand + i + ";");
            w.WriteLine("if (id == " + plan.OutputId + ") return ref " + output + ";");
            w.WriteLine("return ref id < 0 ? ref " + Unsafe + ".NullRef<" + T + ">() : ref " + ArrayRef + "(binding.Intermediate<" + T + ">(id - " + n + ", gradient));");
            w.Indent--;
            w.WriteLine("}");
        }
    }
}
