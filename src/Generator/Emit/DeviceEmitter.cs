using System.CodeDom.Compiler;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using EinsumGen.Generator.Models;

namespace EinsumGen.Generator
{
    /// <summary>
    /// Writes a method's device overloads, in a file of their own, when the compilation references EinsumGen.Gpu: the
    /// method, <c>{Name}Backward</c> and <c>{Name}Jvp</c> again, each tensor parameter a <c>DeviceTensor&lt;T&gt;</c> (rank-0
    /// operands stay <c>T</c>, a scalar result is returned). They hand their tensors, by the CPU path's slots, to the GPU
    /// assembly's <c>DeviceRunner</c> with the same program (its own file-local copy: the CPU file's is file-local too).
    /// </summary>
    internal static class DeviceEmitter
    {
        /// <summary>The type whose presence in the compilation turns the device overloads on.</summary>
        public const string DeviceTypeName = "EinsumGen.EinsumDevice";

        /// <summary>The tracking name of the "references EinsumGen.Gpu" step.</summary>
        public const string TrackingName = "HasDevice";

        private const string Device = "Gpu::";

        /// <summary>Whether some parameter becomes a device tensor (a method of rank-0 values alone has no device overload: it would clash).</summary>
        public static bool HasTensor(EinsumMethod method) => method.Output is not null || method.Operands.Any(o => !o.IsScalar);

        public static string HintName(EinsumMethod method) => method.HintName.Substring(0, method.HintName.Length - ".g.cs".Length) + ".Device.g.cs";

        public static string Emit(PlannedMethod planned)
        {
            var method = planned.Method;
            var names = new GeneratedNames(method);
            var plan = new MethodPlan(planned);
            var kernels = DeviceKernelPlan.Applies(plan) ? DeviceKernelPlan.Layouts(plan) : null;
            string? set = kernels is null ? null : Aliases.Generated + DeviceKernelWriter.SetType(method) + ".Set";
            var sw = new StringWriter { NewLine = "\n" };
            var w = new IndentedTextWriter(sw, "    ");
            bool hasNamespace = method.Hierarchy.Namespace.Length > 0;
            if (hasNamespace) CpuEmitter.Open(w, "namespace " + method.Hierarchy.Namespace);
            foreach (var type in method.Hierarchy.Types) CpuEmitter.Open(w, "partial " + type.Keyword + " " + type.DisplayName);

            WriteForward(w, method, set);
            w.WriteLineNoTabs(string.Empty);
            WriteBackward(w, method, names, set);
            w.WriteLineNoTabs(string.Empty);
            WriteJvp(w, method, names, set);

            foreach (var _ in method.Hierarchy.Types) CpuEmitter.Close(w);
            if (hasNamespace) CpuEmitter.Close(w);
            w.WriteLineNoTabs(string.Empty);
            CpuEmitter.Open(w, "namespace EinsumGen.Generated");
            ProgramWriter.WriteProgram(w, ProgramType(method), "The program of <c>" + method.Name + "</c> (as in its CPU file), for its device overloads.",
                method, planned.Steps);
            if (kernels is not null)
            {
                w.WriteLineNoTabs(string.Empty);
                DeviceKernelWriter.Write(w, method, plan, kernels, ProgramType(method));
            }
            CpuEmitter.Close(w);
            return Aliases.File(sw.ToString());
        }

        private static void WriteForward(IndentedTextWriter w, EinsumMethod method, string? set)
        {
            string T = method.ElementType;
            var parameters = Operands(method);
            var slots = method.Operands.Select(o => "new(" + o.Name + ")").ToList();
            if (method.Output is not null)
            {
                parameters.Add(Tensor(T) + " " + method.Output.Name);
                slots.Add("new(" + method.Output.Name + ")");
            }
            else
            {
                slots.Add("default");
            }
            w.WriteLine("/// <summary><c>" + method.Name + "</c> on the device of its tensors (see EinsumGen.Gpu): the same spec, plan and shape checks.</summary>");
            w.WriteLine(CpuEmitter.GeneratedCode);
            CpuEmitter.WriteSignature(w, Modifiers(method) + " " + (method.Output is null ? T : "void") + " " + method.Identifier, parameters, string.Empty);
            WriteCall(w, method, method.Output is null ? "ForwardScalar" : "Forward", set, slots, string.Empty);
        }

        private static void WriteBackward(IndentedTextWriter w, EinsumMethod method, GeneratedNames names, string? set)
        {
            string T = method.ElementType;
            var parameters = Operands(method);
            parameters.Add((method.Output is null ? T : Tensor(T)) + " " + names.OutputGradient);
            parameters.AddRange(names.Gradients.Select(g => Tensor(T) + "? " + g));
            parameters.Add(Aliases.EinsumGen + "GradientMode " + names.Mode + " = " + Aliases.EinsumGen + "GradientMode.Overwrite");
            var slots = method.Operands.Select(o => "new(" + o.Name + ")").ToList();
            slots.Add("new(" + names.OutputGradient + ")");
            slots.AddRange(names.Gradients.Select(g => "new(" + g + ")"));
            w.WriteLine("/// <summary>");
            w.WriteLine("/// Reverse mode of <c>" + method.Name + "</c> on the device: writes the gradient of each operand whose tensor is not null");
            w.WriteLine("/// (one element for a rank-0 operand), overwriting or adding as <paramref name=\"" + names.Mode + "\"/> says.");
            w.WriteLine("/// </summary>");
            w.WriteLine(CpuEmitter.GeneratedCode);
            CpuEmitter.WriteSignature(w, Modifiers(method) + " void " + method.Name + "Backward", parameters, string.Empty);
            WriteCall(w, method, "Backward", set, slots, ", " + names.Mode);
        }

        private static void WriteJvp(IndentedTextWriter w, EinsumMethod method, GeneratedNames names, string? set)
        {
            string T = method.ElementType;
            var parameters = Operands(method);
            for (int i = 0; i < method.Operands.Count; i++)
            {
                parameters.Add((method.Operands[i].IsScalar ? T : Tensor(T) + "?") + " " + names.Tangents[i]);
            }
            var slots = method.Operands.Select(o => "new(" + o.Name + ")").ToList();
            if (method.Output is not null)
            {
                parameters.Add(Tensor(T) + " " + names.OutputTangent);
                slots.Add("new(" + names.OutputTangent + ")");
            }
            else
            {
                slots.Add("default");
            }
            slots.AddRange(names.Tangents.Select(t => "new(" + t + ")"));
            w.WriteLine("/// <summary>");
            w.WriteLine("/// Forward mode of <c>" + method.Name + "</c> on the device: the sum over operands of the einsum with that operand replaced by");
            w.WriteLine("/// its tangent; a null tangent (0 for a rank-0 operand) counts as zero.");
            w.WriteLine("/// </summary>");
            w.WriteLine(CpuEmitter.GeneratedCode);
            CpuEmitter.WriteSignature(w, Modifiers(method) + " " + (method.Output is null ? T : "void") + " " + method.Name + "Jvp", parameters, string.Empty);
            WriteCall(w, method, method.Output is null ? "JvpScalar" : "Jvp", set, slots, string.Empty);
        }

        /// <summary>The runner's call: with the program, or for a declared-size method with <paramref name="set"/>, its program and generated kernels.</summary>
        private static void WriteCall(IndentedTextWriter w, EinsumMethod method, string sweep, string? set, List<string> slots, string tail)
        {
            string T = method.ElementType;
            string program = set ?? Aliases.Generated + ProgramType(method) + ".Value";
            w.Indent++;
            CpuEmitter.WriteList(w, "=> " + Device + "DeviceRunner." + sweep + "<" + T + ">(" + program + ", [", slots, "]" + tail + ");");
            w.Indent--;
        }

        private static string ProgramType(EinsumMethod method) => method.Name + "DeviceProgram";

        private static string Tensor(string elementType) => Aliases.EinsumGen + "DeviceTensor<" + elementType + ">";

        private static List<string> Operands(EinsumMethod method) =>
            method.Operands.Select(o => (o.IsScalar ? method.ElementType : Tensor(method.ElementType)) + " " + o.Name).ToList();

        private static string Modifiers(EinsumMethod method) =>
            string.Join(" ", method.Modifiers.Split(' ').Where(m => m != "partial" && m != "new" && m.Length > 0));
    }
}
