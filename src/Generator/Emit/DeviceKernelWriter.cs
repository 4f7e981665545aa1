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

        /// <summary>The file-local class holding the method's <c>DeviceKernelSet</c> (its program and kernels), e.g. <c>MatMulDeviceKernels</c>.</summary>
        public static string SetType(EinsumMethod method) => method.Name + "DeviceKernels";

        public static void Write(IndentedTextWriter w, EinsumMethod method, MethodPlan plan, List<DeviceStepLayout> layouts, string programType)
        {
            string T = method.ElementType;
            string kernels = ClassName(method);
            w.WriteLine("/// <summary>The program of <c>" + method.Name + "</c> with its generated kernels and the layouts they were written for (sizes, then the");
            w.WriteLine("/// strides of first, second and result), for its device overloads.</summary>");
            CpuEmitter.Open(w, "file static class " + SetType(method));
            w.WriteLine("internal static readonly Gpu::DeviceKernelSet<" + T + "> Set = new(" + programType + ".Value, [");
            w.Indent++;
            foreach (var l in layouts)
            {
                var items = new List<string> { kernels + "." + l.Name, Num(l.Kept), List(l.Sizes), List(l.First), List(l.Second), List(l.Result), l.HasSecond ? "true" : "false" };
                CpuEmitter.WriteList(w, "new(", items, "),");
            }
            w.Indent--;
            w.WriteLine("]);");
            CpuEmitter.Close(w);
            w.WriteLineNoTabs(string.Empty);
            w.WriteLine("/// <summary>");
            Wrapped(w, "The device kernels of <c>" + method.Name + "</c> (" + plan.Formula().Replace("<", "&lt;") + "), its declared sizes and the dense "
                + "row-major strides as constants; a call with other strides runs the generic kernels. Public for ILGPU's launchers.", "/// ", "/// ");
            w.WriteLine("/// </summary>");
            w.WriteLine("[ComponentModel::EditorBrowsable(ComponentModel::EditorBrowsableState.Never)]");
            w.WriteLine(CpuEmitter.GeneratedCode);
            CpuEmitter.Open(w, "public static class " + kernels);
            for (int i = 0; i < layouts.Count; i++)
            {
                if (i > 0) w.WriteLineNoTabs(string.Empty);
                WriteKernel(w, T, layouts[i]);
            }
            CpuEmitter.Close(w);
        }

        private static void WriteKernel(IndentedTextWriter w, string T, DeviceStepLayout l)
        {
            string one = "/// <summary>" + (l.Uses.Count == 1 ? Capitalize(l.Uses[0]).Replace("<", "&lt;") + "." : string.Empty) + "</summary>";
            if (l.Uses.Count == 1 && w.Indent * 4 + one.Length <= CpuEmitter.MaxLine)
            {
                w.WriteLine(one);
            }
            else
            {
                w.WriteLine("/// <summary>");
                foreach (var use in l.Uses) Wrapped(w, Capitalize(use).Replace("<", "&lt;") + (l.Uses.Count > 1 ? ".<br/>" : "."), "/// ", "///     ");
                w.WriteLine("/// </summary>");
            }
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
            Code(w, "long from1 = at.First" + Offset(l, l.First, 0, l.Kept) + ";");
            if (l.HasSecond) Code(w, "long from2 = at.Second" + Offset(l, l.Second, 0, l.Kept) + ";");
            w.WriteLine(T + " sum = 0;");
            for (int d = l.Kept; d < l.Labels.Length; d++)
            {
                char c = l.Labels[d];
                w.WriteLine("for (" + I + " " + c + " = 0; " + c + " < " + Num(l.Sizes[d]) + "; " + c + "++)");
                w.Indent++;
            }
            string product = "first[from1" + Offset(l, l.First, l.Kept, l.Labels.Length) + "]";
            if (l.HasSecond) product += " * second[from2" + Offset(l, l.Second, l.Kept, l.Labels.Length) + "]";
            Code(w, "sum += " + product + ";");
            w.Indent -= l.Labels.Length - l.Kept;
            Code(w, "long to = at.Result" + Offset(l, l.Result, 0, l.Kept) + ";");
            w.WriteLine("if (at.Accumulate != 0) result[to] += sum;");
            w.WriteLine("else result[to] = sum;");
            CpuEmitter.Close(w);
        }

        /// <summary>A statement on one line, or when too long, broken before its " + " terms onto indented lines.</summary>
        private static void Code(IndentedTextWriter w, string line)
        {
            if (w.Indent * 4 + line.Length <= CpuEmitter.MaxLine)
            {
                w.WriteLine(line);
                return;
            }
            var parts = line.Split(new[] { " + " }, System.StringSplitOptions.None);
            var current = new System.Text.StringBuilder(parts[0]);
            bool first = true;
            for (int i = 1; i < parts.Length; i++)
            {
                if ((w.Indent + (first ? 0 : 1)) * 4 + current.Length + 3 + parts[i].Length > CpuEmitter.MaxLine)
                {
                    if (!first) w.Indent++;
                    w.WriteLine(current.ToString());
                    if (!first) w.Indent--;
                    first = false;
                    current.Clear().Append("+ ");
                    current.Append(parts[i]);
                    continue;
                }
                current.Append(" + ").Append(parts[i]);
            }
            if (!first) w.Indent++;
            w.WriteLine(current.ToString());
            if (!first) w.Indent--;
        }

        /// <summary>Comment text broken at spaces into lines of at most <see cref="CpuEmitter.MaxLine"/> characters.</summary>
        private static void Wrapped(IndentedTextWriter w, string text, string prefix, string continuation)
        {
            int room = CpuEmitter.MaxLine - w.Indent * 4;
            var line = new System.Text.StringBuilder(prefix);
            bool empty = true;
            foreach (var word in text.Split(' '))
            {
                if (!empty && line.Length + 1 + word.Length > room)
                {
                    w.WriteLine(line.ToString());
                    line.Clear().Append(continuation);
                    empty = true;
                }
                if (!empty) line.Append(' ');
                line.Append(word);
                empty = false;
            }
            w.WriteLine(line.ToString());
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
