using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace EinsumGen.Generator
{
    /// <summary>
    /// One step layout of a declared-size method for dense row-major tensors, as the runtime's binding resolves it
    /// (<c>BindingLayout.ForwardCall</c> / <c>GradientCall</c>): the labels of its dimensions (kept first, then summed),
    /// their sizes and every tensor's stride per dimension. The device runner matches a bound step against exactly these
    /// numbers, so a kernel runs only for the call it was written for.
    /// </summary>
    internal sealed class DeviceStepLayout
    {
        public DeviceStepLayout(string name, string labels, int kept, long[] sizes, long[] first, long[] second, long[] result, bool hasSecond)
        {
            Name = name;
            Labels = labels;
            Kept = kept;
            Sizes = sizes;
            First = first;
            Second = second;
            Result = result;
            HasSecond = hasSecond;
        }

        /// <summary>The kernel's method name (from the first step that uses the layout).</summary>
        public string Name { get; }

        /// <summary>Each dimension's label: the result's first, then the summed ones.</summary>
        public string Labels { get; }

        public int Kept { get; }

        public long[] Sizes { get; }

        public long[] First { get; }

        public long[] Second { get; }

        public long[] Result { get; }

        public bool HasSecond { get; }

        /// <summary>What the kernel computes, one formula per step that runs it.</summary>
        public List<string> Uses { get; } = new List<string>();

        /// <summary>Result elements: one thread each.</summary>
        public long Count
        {
            get
            {
                long count = 1;
                for (int d = 0; d < Kept; d++) count *= Sizes[d];
                return count;
            }
        }

        /// <summary>Equal layouts compute the same thing: one kernel serves both.</summary>
        public string Key =>
            Kept + "|" + string.Join(",", Sizes) + "|" + string.Join(",", First) + "|" + (HasSecond ? string.Join(",", Second) : "-") + "|" + string.Join(",", Result);
    }

    /// <summary>
    /// The step layouts a device call of a method whose sizes are all declared runs when every tensor is dense and
    /// row-major: each forward step (also the forward-mode sweep's, with a tangent in an operand's place, and the
    /// recomputed intermediates of a backward pass) and each step's gradient into its left and right input.
    /// </summary>
    internal static class DeviceKernelPlan
    {
        /// <summary>
        /// Whether kernels are written: no '...', every size declared and positive (so the order is final, as
        /// <c>ProgramOrder.IsFinal</c> says, and every layout is known at build time), and a step to run.
        /// </summary>
        public static bool Applies(MethodPlan plan)
        {
            if (plan.Expression.AnyEllipsis || plan.Steps.Count == 0) return false;
            foreach (char c in plan.Labels)
            {
                if (!plan.IsDeclared(c) || plan.Sizes[c] <= 0) return false;
            }
            return true;
        }

        /// <summary>The distinct layouts, in sweep order: forward steps, then each step's gradients, last step first.</summary>
        public static List<DeviceStepLayout> Layouts(MethodPlan plan)
        {
            var layouts = new List<DeviceStepLayout>();
            var byKey = new Dictionary<string, DeviceStepLayout>();
            int n = plan.OperandCount;
            for (int k = 0; k < plan.Steps.Count; k++)
            {
                var step = plan.Steps[k];
                int resultId = n + k;
                Add(layouts, byKey, Call(plan, "Step" + (k + 1), step.ResultLabels, step.SummedLabels, step.Left, step.Right, resultId),
                    "step " + (k + 1) + ": " + Formula(plan, resultId, false, step.SummedLabels, step.Left, false, step.Right));
            }
            for (int k = plan.Steps.Count - 1; k >= 0; k--)
            {
                var step = plan.Steps[k];
                int resultId = n + k;
                for (int side = 0; side < (step.Right < 0 ? 1 : 2); side++)
                {
                    int target = side == 0 ? step.Left : step.Right, other = side == 0 ? step.Right : step.Left;
                    string kept = plan.LabelsOf(target);
                    var summed = new StringBuilder();
                    foreach (char c in plan.LabelsOf(resultId) + (other < 0 ? string.Empty : plan.LabelsOf(other)))
                    {
                        if (kept.IndexOf(c) < 0 && summed.ToString().IndexOf(c) < 0) summed.Append(c);
                    }
                    string name = "Step" + (k + 1) + (side == 0 ? "GradientLeft" : "GradientRight");
                    Add(layouts, byKey, Call(plan, name, kept, summed.ToString(), resultId, other, target),
                        "step " + (k + 1) + ", gradient of " + plan.TensorName(target) + ": " + Formula(plan, target, true, summed.ToString(), resultId, true, other));
                }
            }
            return layouts;
        }

        private static void Add(List<DeviceStepLayout> layouts, Dictionary<string, DeviceStepLayout> byKey, DeviceStepLayout layout, string use)
        {
            if (!byKey.TryGetValue(layout.Key, out var known))
            {
                byKey.Add(layout.Key, known = layout);
                layouts.Add(layout);
            }
            known.Uses.Add(use);
        }

        /// <summary>result[kept] = Σ_summed first · second with the dense strides of tensors <paramref name="first"/>, <paramref name="second"/> (-1: none), <paramref name="result"/>.</summary>
        private static DeviceStepLayout Call(MethodPlan plan, string name, string kept, string summed, int first, int second, int result)
        {
            string labels = kept + summed;
            int count = labels.Length;
            var sizes = new long[count];
            var s1 = new long[count];
            var s2 = new long[count];
            var so = new long[count];
            for (int d = 0; d < count; d++)
            {
                char c = labels[d];
                sizes[d] = plan.Sizes[c];
                s1[d] = plan.DenseStride(first, c);
                s2[d] = second < 0 ? 0 : plan.DenseStride(second, c);
                so[d] = d < kept.Length ? plan.DenseStride(result, c) : 0;
            }
            return new DeviceStepLayout(name, labels, kept.Length, sizes, s1, s2, so, second >= 0);
        }

        /// <summary>e.g. "t1[m,k] = Σ_n a[m,n] · b[n,k]", or with gradients, "∂a[m,n] = Σ_k ∂c[m,k] · b[n,k]".</summary>
        private static string Formula(MethodPlan plan, int result, bool resultGradient, string summed, int first, bool firstGradient, int second)
        {
            string sum = summed.Length == 0 ? string.Empty : "Σ_" + string.Join(",", summed.ToCharArray()) + " ";
            string right = second < 0 ? string.Empty : " · " + Indexed(plan, second, false);
            return Indexed(plan, result, resultGradient) + " = " + sum + Indexed(plan, first, firstGradient) + right;
        }

        private static string Indexed(MethodPlan plan, int tensor, bool gradient)
        {
            string labels = tensor < plan.OperandCount ? new string(plan.Expression.Inputs[tensor].Labels.ToArray())
                : tensor == plan.OutputId ? new string(plan.Expression.Output.Labels.ToArray()) : plan.LabelsOf(tensor);
            string name = (gradient ? "∂" : string.Empty) + plan.TensorName(tensor);
            return labels.Length == 0 ? name : name + "[" + string.Join(",", labels.ToCharArray()) + "]";
        }
    }
}
