using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// Runs a (simplified or not) convolution network. Patterns never become dense Π tensors: a pattern whose input leg
    /// lives on one operand is a gather (unfold) of that operand through the pattern's index table; one whose input leg is
    /// an output leg is a scatter (fold) of the rest's contraction; a leg that only the pattern holds is summed out first,
    /// leaving a small K×I or K×O count matrix (KFAC-reduce's pre-averaged patterns). Everything else runs on the project's
    /// einsum kernels, through programs planned for the actual sizes on first use and kept in the <see cref="ConvNetworkPlan"/>.
    /// </summary>
    internal static class ConvExecutor
    {
        /// <summary>Evaluates <paramref name="net"/> once, planning it for this call only.</summary>
        public static Tensor<T> Run<T>(ConvNetwork net, Func<string, Tensor<T>> operands) where T : unmanaged, INumberBase<T> =>
            Run(new ConvNetworkPlan(net), operands);

        /// <summary>
        /// Evaluates the network of <paramref name="plan"/>; <paramref name="operands"/> gives each operand term's tensor in the
        /// shape it had before simplification. Returns a dense tensor of the network's output shape. Everything that does not
        /// depend on the operands' values (roles, index tables, constants, each contraction's planned program) comes from the
        /// plan, built on the first call and reused.
        /// </summary>
        public static Tensor<T> Run<T>(ConvNetworkPlan plan, Func<string, Tensor<T>> operands) where T : unmanaged, INumberBase<T>
        {
            var slots = plan.Slots;
            var constants = plan.Constants<T>();
            var tensors = new Tensor<T>[slots.Count];
            long dense = 0;
            for (int s = 0; s < slots.Count; s++)
            {
                var slot = slots[s];
                if (slot.Term is { Kind: ConvTermKind.Operand } term)
                {
                    var t = ConvTensors.ApplyViews(operands(term.Name), term.ViewSteps);
                    plan.CheckOperand(s, t);
                    tensors[s] = t;
                    if (t.IsDense) dense |= 1L << s;
                }
                else
                {
                    tensors[s] = constants[s]!;
                }
            }

            int site = 0;
            foreach (var gather in plan.Gathers) tensors[gather.Host] = Unfold(plan, gather, tensors[gather.Host], site++, dense);
            if (plan.Adjoint is not { } adjoint) return Contract(plan, site, dense, tensors, plan.SlotLabels, plan.Network.Output);

            var columns = Contract(plan, site++, dense, tensors, plan.SlotLabels, adjoint.ColumnsLabels);
            var result = ConvTensors.Zeros<T>(adjoint.ResultShape);
            unsafe
            {
                fixed (T* c = &Einsum.First(columns))
                fixed (T* r = &Einsum.First(result))
                {
#if EINSUMGEN_CHECKED_KERNELS
                    using var regions = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(c, columns.Lengths, columns.Strides, !adjoint.Fold, "columns");
                    using var resultRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(r, result.Lengths, result.Strides, true, "result");
#endif
                    if (adjoint.Fold) PatternKernels.Scatter(adjoint.Map, c, r, adjoint.Batch);
                    else PatternKernels.Gather(adjoint.Map, c, r, adjoint.Batch);
                }
            }
            return Permute(plan, site, dense, result, adjoint.ResultLabels, plan.Network.Output);
        }

        /// <summary>The unfold of <paramref name="host"/> through the gather's patterns: legs B…, k…, o… (the gather's <c>Labels</c>).</summary>
        private static unsafe Tensor<T> Unfold<T>(ConvNetworkPlan plan, ConvNetworkPlan.GatherStep gather, Tensor<T> host, int site, long dense)
            where T : unmanaged, INumberBase<T>
        {
            var source = gather.Layout is null ? ConvTensors.Dense(host) : Permute(plan, site, dense, host, plan.InitialLabels[gather.Host], gather.Layout);
            var columns = ConvTensors.Uninitialized<T>(gather.ColumnsShape); // the gather writes every element
            fixed (T* h = &Einsum.First(source))
            fixed (T* c = &Einsum.First(columns))
            {
#if EINSUMGEN_CHECKED_KERNELS
                using var regions = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(h, source.Lengths, source.Strides, false, "host");
                using var columnsRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(c, columns.Lengths, columns.Strides, true, "columns");
#endif
                PatternKernels.Gather(gather.Map, h, c, gather.Batch);
            }
            return columns;
        }

        private static Tensor<T> Permute<T>(ConvNetworkPlan plan, int site, long dense, Tensor<T> t, List<string> from, List<string> to)
            where T : unmanaged, INumberBase<T>
        {
            if (from.SequenceEqual(to)) return t;
            return Contract(plan, site, dense, new[] { t }, new[] { from }, to);
        }

        /// <summary>
        /// The einsum of <paramref name="tensors"/> (legs <paramref name="labels"/>) into a new dense tensor with
        /// <paramref name="output"/>'s legs, through the contraction the plan keeps for this site (planned on first use).
        /// </summary>
        private static Tensor<T> Contract<T>(ConvNetworkPlan plan, int site, long dense, IReadOnlyList<Tensor<T>> tensors, IReadOnlyList<List<string>> labels,
            List<string> output) where T : unmanaged, INumberBase<T>
        {
            if (!plan.TryGetContraction(site, dense, out var contraction))
            {
                contraction = plan.AddContraction(site, dense, ConvContraction.Create(tensors, labels, output, plan.Network.Sizes));
            }
            return contraction.Run(tensors);
        }

        /// <summary>Σ_o Π[k, o, i] as [K, I] (sumOutput) or Σ_i Π[k, o, i] as [K, O].</summary>
        internal static double[] Counts(ConvGeometry g, bool sumOutput)
        {
            var counts = new double[g.KernelSize * (sumOutput ? g.InputSize : g.OutputSize)];
            for (int k = 0; k < g.KernelSize; k++)
            {
                for (int o = 0; o < g.OutputSize; o++)
                {
                    int i = g.InputIndex(k, o);
                    if (i < 0) continue;
                    if (sumOutput) counts[k * g.InputSize + i] += 1;
                    else counts[k * g.OutputSize + o] += 1;
                }
            }
            return counts;
        }

        /// <summary>Σ_k Π[k, o, i] as [O, I].</summary>
        internal static double[] TapCounts(ConvGeometry g)
        {
            var counts = new double[g.OutputSize * g.InputSize];
            for (int k = 0; k < g.KernelSize; k++)
            {
                for (int o = 0; o < g.OutputSize; o++)
                {
                    int i = g.InputIndex(k, o);
                    if (i >= 0) counts[o * g.InputSize + i] += 1;
                }
            }
            return counts;
        }
    }
}
