using System;
using System.Collections.Generic;
using EinsumGen.Runtime.Kernels;

namespace EinsumGen.Runtime
{
    internal sealed partial class EinsumBinding
    {
        /// <summary>The forward sweep's schedule for one parallel region on <paramref name="threads"/> threads, or null (run it step by step).</summary>
        public SweepSchedule? ForwardSchedule(int threads) =>
            Layout.TryGetSweep(true, threads, out var schedule) ? schedule : Layout.KeepSweep(true, threads, BuildSweep(threads, backward: false));

        /// <summary>The backward sweep's schedule (recomputed steps, then the gradient steps), or null.</summary>
        public SweepSchedule? BackwardSchedule(int threads) =>
            Layout.TryGetSweep(false, threads, out var schedule) ? schedule : Layout.KeepSweep(false, threads, BuildSweep(threads, backward: true));

        /// <summary>Sizes the step memos before steps may run on several threads at once (each then touches only its own).</summary>
        internal void PrepareMemos()
        {
            if (_memos.Length < Layout.Steps.Count) Array.Resize(ref _memos, Layout.Steps.Count);
        }

        /// <summary>
        /// The sweep's tasks in the order <see cref="ProgramRunner"/> runs them one by one. Tensor ids: values as the
        /// runner's (operands 0..n-1, step k's result n+k), the gradient of value v at <c>values + v</c>.
        /// </summary>
        private SweepSchedule? BuildSweep(int threads, bool backward)
        {
            int n = _program.OperandCount, steps = StepCount, last = steps - 1, values = n + steps;
            var tasks = new List<SweepTask>();
            if (!backward)
            {
                for (int k = 0; k <= last; k++) tasks.Add(Task(SweepTaskKind.Forward, k, true, Layout.Forward(k), LeftOf(k), RightOf(k), n + k, threads));
            }
            else
            {
                for (int k = 0; k < last; k++)
                {
                    if (Needs(n + k)) tasks.Add(Task(SweepTaskKind.Recompute, k, true, Layout.Forward(k), LeftOf(k), RightOf(k), n + k, threads));
                }
                for (int k = last; k >= 0; k--)
                {
                    int left = LeftOf(k), right = RightOf(k);
                    int resultGradient = k == last ? -1 : values + n + k; // the caller's gradient of the result is ready
                    if (Requires(left)) tasks.Add(Task(SweepTaskKind.Gradient, k, true, Layout.Gradient(k, true)!, resultGradient, right, values + left, threads));
                    if (right >= 0 && Requires(right)) tasks.Add(Task(SweepTaskKind.Gradient, k, false, Layout.Gradient(k, false)!, resultGradient, left, values + right, threads));
                }
            }
            return SweepSchedule.Build(tasks, 2 * values, threads, KernelContext.Current.SliceMinMultiplyAdds);
        }

        private static SweepTask Task(SweepTaskKind kind, int step, bool left, StepCall call, int first, int second, int writes, int threads)
        {
            int parts = 1;
            if (call.SliceDim >= 0) parts = (int)Math.Min(KernelOptions.Current.SliceParts ?? threads, call.Sizes[call.SliceDim]);
            if (parts < 2) parts = 1;
            nint[] partialStrides = Array.Empty<nint>();
            nint length = 0;
            if (parts > 1 && call.SliceDim >= call.Kept)
            {
                partialStrides = new nint[call.Sizes.Length];
                length = StridedAdd.DenseStrides(call.Sizes, call.Kept, partialStrides);
            }
            return new SweepTask
            {
                Kind = kind, Step = step, Left = left, Call = call, Parts = parts, First = first, Second = second, Writes = writes,
                PartialStrides = partialStrides, PartialLength = length,
            };
        }
    }
}
