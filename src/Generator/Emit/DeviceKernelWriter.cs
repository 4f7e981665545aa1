using System.CodeDom.Compiler;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using EinsumGen.Generator.Models;

namespace EinsumGen.Generator
{
    /// <summary>
    /// Writes, into a declared-size method's device file, one ILGPU kernel per step layout (<see cref="DeviceKernelPlan"/>)
    /// with every size and stride a constant: one thread per result element, its index split into the result's labels by
    /// constant divisions, the summed labels as loops with constant bounds. The class is public because ILGPU's launchers,
    /// emitted into an assembly of their own, call the kernels; its <c>Set</c> hands them, with the layouts they were
    /// written for, to <c>DeviceRunner</c>.
    /// </summary>
    internal static class DeviceKernelWriter
    {
        private const string Ilgpu = "ILGPU::";

        /// <summary>The kernel class of <paramref name="method"/>: unique per method (its hint name), e.g. <c>Demo_Ops_MatMul_a725c95f_Kernels</c>.</summary>
        public static string ClassName(EinsumMethod method) =>
            method.HintName.Substring(0, method.HintName.Length - ".g.cs".Length).Replace('.', '_') + "_Kernels";

        public static void Write(IndentedTextWriter w, EinsumMethod method, MethodPlan plan, List<DeviceStepLayout> layouts)
        {
            string T = method.ElementType;
            w.WriteLine("/// <summary>");
            w.WriteLine("/// The device kernels of <c>" + method.Name + "</c> (" + plan.Formula().Replace("<", "&lt;") + "), its declared sizes and the dense");
            w.WriteLine("/// row-major strides as constants; a call with other strides runs the generic kernels. Public for ILGPU's launchers.");
            w.WriteLine("/// </summary>");
            w.WriteLine("[ComponentModel::EditorBrowsable(ComponentModel::EditorBrowsableState.Never)]");
            w.WriteLine(CpuEmitter.GeneratedCode);
            CpuEmitter.Open(w, "public static class " + ClassName(method));
            w.WriteLine("/// <summary>The kernels below with the layouts they were written for: sizes, then the strides of first, second, result.</summary>");
            var entries = layouts.Select(l => "new(" + l.Name + ", " + l.Kept.ToString(CultureInfo.InvariantCulture) + ", " + List(l.Sizes) + ", " + List(l.First) + ", "
                + List(l.Second) + ", " + List(l.Result) + ", " + (l.HasSecond ? "true" : "false") + ")").ToList();
            w.WriteLine("internal static readonly Gpu::DeviceKernelSet<" + T + "> Set = new([");
            w.Indent++;
            foreach (var entry in entries) w.WriteLine(entry + ",");
            w.Indent--;
            w.WriteLine("]);");
            foreach (var layout in layouts)
            {
                w.WriteLineNoTabs(string.Empty);
                WriteKernel(w, T, layout);
            }
            CpuEmitter.Close(w);
        }

        private static void WriteKernel(IndentedTextWriter w, string T, DeviceStepLayout l)
        {
            w.WriteLine("/// <summary>");
            foreach (var use in l.Uses) w.WriteLine("/// " + Capitalize(use).Replace("<", "&lt;") + (l.Uses.Count > 1 ? "<br/>" : string.Empty));
            w.WriteLine("/// </summary>");
            string view = Ilgpu + "ArrayView<" + T + ">";
            w.WriteLine("public static void " + l.Name + "(");
            w.WriteLine("    " + Ilgpu + "Index1D index, " + view + " first, " + view + " second, " + view + " result, Gpu::StepOffsets at)");
            CpuEmitter.Open(w, null);
            // int arithmetic inside a tensor when every offset fits (the usual case), long otherwise.
            string I = Fits(l) ? "int" : "long";
            w.WriteLine("int thread = index;");
            w.WriteLine("if (thread >= " + Num(l.Count) + ") return;");
            if (l.Kept > 0) w.WriteLine(I + " rest = thread;");
            for (int d = l.Kept - 1; d >= 0; d--)
            {
                if (d == 0)
                {
                    w.WriteLine(I + " " + l.Labels[d] + " = rest;");
                    continue;
                }
                w.WriteLine(I + " " + l.Labels[d] + " = rest % " + Num(l.Sizes[d]) + ";");
                w.WriteLine("rest /= " + Num(l.Sizes[d]) + ";");
            }
            w.WriteLine("long from1 = at.First" + Offset(l, l.First, 0, l.Kept) + ";");
            if (l.HasSecond) w.WriteLine("long from2 = at.Second" + Offset(l, l.Second, 0, l.Kept) + ";");
            w.WriteLine(T + " sum = 0;");
            for (int d = l.Kept; d < l.Labels.Length; d++)
            {
                char c = l.Labels[d];
                w.WriteLine("for (" + I + " " + c + " = 0; " + c + " < " + Num(l.Sizes[d]) + "; " + c + "++)");
                w.Indent++;
            }
            string product = "first[from1" + Offset(l, l.First, l.Kept, l.Labels.Length) + "]";
            if (l.HasSecond) product += " * second[from2" + Offset(l, l.Second, l.Kept, l.Labels.Length) + "]";
            w.WriteLine("sum += " + product + ";");
            w.Indent -= l.Labels.Length - l.Kept;
            w.WriteLine("long to = at.Result" + Offset(l, l.Result, 0, l.Kept) + ";");
            w.WriteLine("if (at.Accumulate != 0) result[to] += sum;");
            w.WriteLine("else result[to] = sum;");
            CpuEmitter.Close(w);
        }

        /// <summary>" + (m * 5 + n)" for dimensions [from, to) with a non-zero stride; empty when none.</summary>
        private static string Offset(DeviceStepLayout l, long[] strides, int from, int to)
        {
            var terms = new List<string>();
            for (int d = from; d < to; d++)
            {
                if (strides[d] == 0 || l.Sizes[d] == 1) continue;
                terms.Add(strides[d] == 1 ? l.Labels[d].ToString() : l.Labels[d] + " * " + Num(strides[d]));
            }
            if (terms.Count == 0) return string.Empty;
            return terms.Count == 1 ? " + " + terms[0] : " + (" + string.Join(" + ", terms) + ")";
        }

        /// <summary>Whether every in-tensor offset and label value fits in an int.</summary>
        private static bool Fits(DeviceStepLayout l)
        {
            foreach (var strides in new[] { l.First, l.Second, l.Result })
            {
                long max = 0;
                for (int d = 0; d < l.Sizes.Length; d++) max += (l.Sizes[d] - 1) * strides[d];
                if (max > int.MaxValue) return false;
            }
            return l.Sizes.All(s => s <= int.MaxValue);
        }

        private static string List(long[] values) => "[" + string.Join(", ", values.Select(Num)) + "]";

        private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

        private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text.Substring(1);
    }
}
