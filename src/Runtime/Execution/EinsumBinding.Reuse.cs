using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace EinsumGen.Runtime
{
    internal sealed partial class EinsumBinding
    {
        private static long s_reusedSteps;

        /// <summary>Steps whose result was copied from an earlier call instead of recomputed, so far (tests).</summary>
        internal static long ReusedSteps => Interlocked.Read(ref s_reusedSteps);

        private StepMemo?[] _memos = Array.Empty<StepMemo?>();

        /// <summary>
        /// A backward pass recomputes the forward intermediates it reads. For a step of two operands (not intermediates)
        /// that are small against the step's work (the tensor train's t1 = w1·w2 and t2 = w3·w4: 1,152 inputs, 16,384
        /// multiply-adds), this binding keeps the last inputs and result of the step; when the inputs are bitwise the same
        /// (a forward call, then its backward), the result is copied back instead of recomputed. Any change to either
        /// operand, its shape or strides recomputes; a forward call without a backward pays the copies (~0.3 µs per such step). Returns false when the step is not of that kind.
        /// </summary>
        private bool TryRunRemembered<T>(int step, StepCall call, ref T left, ref T right, ref T result) where T : unmanaged, INumberBase<T>
        {
            var s = Layout.Steps[step];
            int operands = _program.OperandCount;
            // The result must be an intermediate: a method's output is the caller's to keep, and a plain call would pay the copies.
            if (!Kernels.KernelOptions.Current.StepReuse || step == Layout.Steps.Count - 1 || !call.HasSecond || call.SliceDim >= 0 || s.Left >= operands || s.Right >= operands) return false;
            long leftExtent = Extent(call.Sizes, call.FirstStrides), rightExtent = Extent(call.Sizes, call.SecondStrides);
            long resultExtent = Extent(call.Sizes.AsSpan(0, call.Kept), call.ResultStrides);
            if (leftExtent + rightExtent > MaxRememberedInputs || call.MultiplyAdds < 4.0 * (leftExtent + rightExtent + resultExtent)) return false;

            if (_memos.Length <= step) Array.Resize(ref _memos, Layout.Steps.Count);
            var memo = _memos[step] ??= new StepMemo();
            var leftNow = MemoryMarshal.CreateReadOnlySpan(ref left, (int)leftExtent);
            var rightNow = MemoryMarshal.CreateReadOnlySpan(ref right, (int)rightExtent);
            if (memo.Matches(call, leftNow, rightNow))
            {
                ((T[])memo.Result!).AsSpan(0, (int)resultExtent).CopyTo(MemoryMarshal.CreateSpan(ref result, (int)resultExtent));
                Interlocked.Increment(ref s_reusedSteps);
                return true;
            }
            SlicedStep.Contract(call, ref left, ref right, ref result, accumulate: false);
            memo.Remember(call, leftNow, rightNow, MemoryMarshal.CreateReadOnlySpan(ref result, (int)resultExtent));
            return true;
        }

        /// <summary>Inputs (elements of both operands' views) up to which a step's inputs and result are kept.</summary>
        private const long MaxRememberedInputs = 16 * 1024;

        /// <summary>Elements from a view's first to one past its last (strides are never negative here).</summary>
        private static long Extent(ReadOnlySpan<nint> sizes, ReadOnlySpan<nint> strides)
        {
            long extent = 1;
            for (int d = 0; d < sizes.Length; d++) extent += (long)(sizes[d] - 1) * strides[d];
            return extent;
        }

        /// <summary>One step's last inputs and result (typed arrays of the step's element type).</summary>
        private sealed class StepMemo
        {
            private StepCall? _call;
            private Array? _left, _right;
            public Array? Result;

            public bool Matches<T>(StepCall call, ReadOnlySpan<T> left, ReadOnlySpan<T> right) where T : unmanaged =>
                _call is not null && _left is T[] savedLeft && _right is T[] savedRight
                && (ReferenceEquals(_call, call) || SameCall(_call, call))
                && MemoryMarshal.AsBytes(left).SequenceEqual(MemoryMarshal.AsBytes(savedLeft.AsSpan()))
                && MemoryMarshal.AsBytes(right).SequenceEqual(MemoryMarshal.AsBytes(savedRight.AsSpan()));

            public void Remember<T>(StepCall call, ReadOnlySpan<T> left, ReadOnlySpan<T> right, ReadOnlySpan<T> result) where T : unmanaged
            {
                _left = Copy(_left, left);
                _right = Copy(_right, right);
                Result = Copy(Result, result);
                _call = call;
            }

            private static T[] Copy<T>(Array? into, ReadOnlySpan<T> from) where T : unmanaged
            {
                var array = into is T[] same && same.Length == from.Length ? same : new T[from.Length];
                from.CopyTo(array);
                return array;
            }

            /// <summary>The forward and the backward pass bind different layouts; their copies of a step agree in every size and stride.</summary>
            private static bool SameCall(StepCall a, StepCall b) =>
                a.Kept == b.Kept && a.Sizes.AsSpan().SequenceEqual(b.Sizes) && a.FirstStrides.AsSpan().SequenceEqual(b.FirstStrides)
                && a.SecondStrides.AsSpan().SequenceEqual(b.SecondStrides) && a.ResultStrides.AsSpan().SequenceEqual(b.ResultStrides);
        }
    }
}
