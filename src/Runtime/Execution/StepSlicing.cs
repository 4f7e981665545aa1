using System;
using EinsumGen.Runtime.Kernels;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// Chooses one label to slice a layout's large steps along, so that each core works on the same slice of it in every
    /// step (as opt_einsum's and cotengra's slicing, but over the cores). A step's own split keeps a step's work balanced
    /// but not its data in place: in the tensor train, W = t1·t2 written by one core was read whole by both in y = x·W, and
    /// its lines travelled between the cores on every step. Sliced along a, each core computes the rows of W it then
    /// multiplies (y's halves are partial sums, added at the end), and the backward pass keeps the same halves of ∂W.
    /// </summary>
    internal static class StepSlicing
    {
        /// <summary>
        /// Marks the calls to slice (in place): the steps with the chosen label, when at least two large steps share one.
        /// Returns the label's key, or -1 when every step runs whole.
        /// </summary>
        public static int Choose(StepCall[] forward, StepCall?[] left, StepCall?[] right)
        {
            int best = -1;
            double bestScore = 0, bestSize = 0, bestStride = 0;
            bool everything = KernelOptions.Current.SliceEverything;
            // Scores count multiply-adds in tenths (a slice summed in a step counts 9 for the addition it adds).
            foreach (int key in CandidateKeys(forward, left, right))
            {
                int count = 0;
                double score = 0, size = 0, stride = 0;
                Visit(forward, left, right, call =>
                {
                    int d = SliceableDim(call, key);
                    if (d < 0) return;
                    count++;
                    // A slice kept in the result needs no addition afterwards: prefer it when otherwise equal.
                    score += d < call.Kept ? 10 * call.MultiplyAdds : 9 * call.MultiplyAdds;
                    size = call.Sizes[d];
                    stride = Math.Max(stride, Math.Max(Math.Abs((double)call.FirstStrides[d]), Math.Abs((double)call.SecondStrides[d])));
                });
                // The most work sliced keeps the most data in place; where two labels slice about the same work (within
                // 1%: they differ only in small steps), the outermost wins, whose slices are the longest contiguous runs
                // (the tensor train's a: halves of x's rows, where b would leave runs of 256), then the finer split.
                bool tie = Math.Abs(score - bestScore) <= 0.01 * Math.Max(score, bestScore);
                bool better = tie ? stride > bestStride || (stride == bestStride && size > bestSize) : score > bestScore;
                if ((everything ? count >= 1 : count >= 2 && 2 * score >= 10 * KernelContext.Current.Dispatch.ParallelFlops) && (best < 0 || better))
                {
                    (best, bestScore, bestSize, bestStride) = (key, score, size, stride);
                }
            }
            if (best < 0) return -1;
            Mark(forward, best);
            Mark(left, best);
            Mark(right, best);
            return best;
        }

        /// <summary>The dimension of <paramref name="call"/> holding <paramref name="key"/> when the call is large enough to slice along it; else -1.</summary>
        private static int SliceableDim(StepCall call, int key)
        {
            if (!call.HasSecond) return -1;
            int d = Array.IndexOf(call.Keys, key);
            if (d < 0 || call.Sizes[d] < 2) return -1;
            if (KernelOptions.Current.SliceEverything) return d;
            if (call.MultiplyAdds < KernelContext.Current.SliceMinMultiplyAdds) return -1;
            if (CutsRun(call, call.FirstStrides, d) || CutsRun(call, call.SecondStrides, d) || CutsRun(call, call.ResultStrides, d)) return -1;
            if (d >= call.Kept)
            {
                double kept = 1;
                for (int i = 0; i < call.Kept; i++) kept *= call.Sizes[i];
                if (kept * KernelContext.Current.SlicePartialRatio > call.MultiplyAdds) return -1;
            }
            return d;
        }

        /// <summary>
        /// Whether slicing along <paramref name="d"/> would leave a tensor's innermost contiguous run (the one its kernel
        /// streams with vectors) shorter than <see cref="KernelContext.SliceMinRun"/> elements: in the tensor train, slicing e would halve the
        /// 16 outputs of y = x·W that fill one vector.
        /// </summary>
        private static bool CutsRun(StepCall call, nint[] strides, int d)
        {
            int parts = (int)Math.Min(Environment.ProcessorCount, call.Sizes[d]);
            nint run = 1;
            for (bool extended = true; extended;)
            {
                extended = false;
                for (int i = 0; i < strides.Length; i++)
                {
                    if (strides[i] != run || call.Sizes[i] < 2) continue;
                    if (i == d) return run * (call.Sizes[d] / parts) < KernelContext.Current.SliceMinRun;
                    run *= call.Sizes[i];
                    extended = true;
                    break;
                }
            }
            return false;
        }

        private static System.Collections.Generic.HashSet<int> CandidateKeys(StepCall[] forward, StepCall?[] left, StepCall?[] right)
        {
            var keys = new System.Collections.Generic.HashSet<int>();
            Visit(forward, left, right, call =>
            {
                if (call.HasSecond && (KernelOptions.Current.SliceEverything || call.MultiplyAdds >= KernelContext.Current.SliceMinMultiplyAdds)) keys.UnionWith(call.Keys);
            });
            return keys;
        }

        private static void Visit(StepCall[] forward, StepCall?[] left, StepCall?[] right, Action<StepCall> visit)
        {
            foreach (var call in forward) visit(call);
            foreach (var call in left) if (call is not null) visit(call);
            foreach (var call in right) if (call is not null) visit(call);
        }

        private static void Mark(StepCall?[] calls, int key)
        {
            for (int i = 0; i < calls.Length; i++)
            {
                if (calls[i] is not { } call) continue;
                int d = SliceableDim(call, key);
                if (d >= 0) calls[i] = call.WithSlice(d);
            }
        }
    }
}
