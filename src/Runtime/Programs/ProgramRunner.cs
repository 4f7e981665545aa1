using System;
using System.ComponentModel;
using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

using EinsumGen.Notation;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// The sweeps of every compiled einsum, written once: bind a call's views (every shape, size and overlap checked
    /// before any element is touched), then walk the program's steps forward (the method), backward (its reverse mode) or
    /// once per tangent (its forward mode). Generated methods pass their views through a generated <c>ref struct</c>
    /// (<see cref="IEinsumViews{T}"/>); <see cref="Einsum"/>'s run-time entry points pass tensors the same way.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class ProgramRunner
    {
        /// <summary>Evaluates <paramref name="program"/> from the operand slots into the result slot.</summary>
        /// <typeparam name="T">The element type.</typeparam>
        /// <typeparam name="TViews">The call's views.</typeparam>
        /// <param name="program">The compiled program.</param>
        /// <param name="views">The operands, then the result.</param>
        public static void Forward<T, TViews>(EinsumProgram program, scoped ref TViews views)
            where T : unmanaged, INumberBase<T> where TViews : IEinsumViews<T>, allows ref struct
        {
            RunForward<T, TViews>(program, ref views, substitute: -1, accumulate: false, check: true);
        }

        /// <summary>
        /// Reverse mode: from the result's gradient (the result slot), writes the gradient of every operand whose gradient
        /// slot is present, with the operand's shape (one element for a rank-0 operand), overwriting or adding as
        /// <paramref name="mode"/> says.
        /// </summary>
        /// <typeparam name="T">The element type.</typeparam>
        /// <typeparam name="TViews">The call's views.</typeparam>
        /// <param name="program">The compiled program.</param>
        /// <param name="views">The operands, the result's gradient, then each operand's gradient buffer.</param>
        /// <param name="mode">Whether the gradients overwrite the buffers or add into them.</param>
        public static void Backward<T, TViews>(EinsumProgram program, scoped ref TViews views, GradientMode mode)
            where T : unmanaged, INumberBase<T> where TViews : IEinsumViews<T>, allows ref struct
        {
            int n = program.OperandCount;
            bool timed = StepTimes.Enabled;
            long start = timed ? Stopwatch.GetTimestamp() : 0;
            var binding = EinsumBinding.Rent(program);
            BindOperands<T, TViews>(binding, ref views, substitute: -1);
            var resultGradient = views[n];
            RequirePresent(program, resultGradient, new ViewName(program, ViewRole.Gradient, -1));
            binding.Output(resultGradient.Lengths, resultGradient.Strides);
            for (int i = 0; i < n; i++)
            {
                var gradient = views[n + 1 + i];
                if (!gradient.IsPresent) continue;
                if (program.IsScalarOperand(i) || views[i].Lengths.Length == 0)
                {
                    // A rank-0 operand (an empty term, or a '...' term covering no dimension): its gradient is one element.
                    nint count = Count(gradient.Lengths);
                    if (count != 1) EinsumChecks.OneElement(count, new ViewName(program, ViewRole.Gradient, i));
                    binding.Gradient(i, default, default);
                }
                else
                {
                    binding.Gradient(i, gradient.Lengths, gradient.Strides);
                }
            }
            binding.Complete();
            for (int i = 0; i < n; i++)
            {
                var gradient = views[n + 1 + i];
                if (!gradient.IsPresent) continue;
                var name = new ViewName(program, ViewRole.Gradient, i);
                long extent = CheckWritten(gradient, name);
                for (int j = 0; j < n; j++) CheckApart(gradient, extent, views[j], name, new ViewName(program, ViewRole.Operand, j));
                CheckApart(gradient, extent, resultGradient, name, new ViewName(program, ViewRole.Gradient, -1));
                // Two gradients in one buffer: each step would write over the other's sums.
                for (int j = 0; j < i; j++) CheckApart(gradient, extent, views[n + 1 + j], name, new ViewName(program, ViewRole.Gradient, j));
            }
            bool accumulate = mode == GradientMode.Accumulate;
            for (int i = 0; i < n && !accumulate; i++)
            {
                // A repeated label writes only the diagonal of its operand's gradient: the rest must read zero.
                if (views[n + 1 + i].IsPresent && program.HasRepeatedLabels(i)) Clear(views[n + 1 + i]);
            }

            // Recompute the intermediates a requested gradient reads, then walk the plan backwards: each step C = L·R gives
            // ∂L = Σ ∂C·R and ∂R = Σ ∂C·L, only where a requested gradient lies below.
            int last = binding.StepCount - 1;
            if (timed) start = Record(binding, StepPhase.Forward, -1, true, start);
            // One parallel region for the whole pass where its sliced steps pay for it (timed calls run step by step).
            if (!accumulate && SweepRegion.TryBackward<T, TViews>(binding, ref views))
            {
                binding.Return<T>();
                return;
            }
            for (int k = 0; k < last; k++)
            {
                if (!binding.Needs(n + k)) continue;
                binding.ExecuteStep(k, ref Value<T, TViews>(binding, ref views, binding.LeftOf(k), -1),
                    ref Value<T, TViews>(binding, ref views, binding.RightOf(k), -1), ref Intermediate<T>(binding, k, gradient: false));
                if (timed) start = Record(binding, StepPhase.Recompute, k, true, start);
            }
            for (int k = last; k >= 0; k--)
            {
                ref T result = ref k == last ? ref resultGradient.Data : ref Intermediate<T>(binding, k, gradient: true);
                int left = binding.LeftOf(k), right = binding.RightOf(k);
                if (binding.Requires(left))
                {
                    binding.ExecuteStepGradient(k, true, ref result, ref Value<T, TViews>(binding, ref views, right, -1),
                        ref Gradient<T, TViews>(binding, ref views, left), accumulate);
                    if (timed) start = Record(binding, StepPhase.Backward, k, true, start);
                }
                if (right >= 0 && binding.Requires(right))
                {
                    binding.ExecuteStepGradient(k, false, ref result, ref Value<T, TViews>(binding, ref views, left, -1),
                        ref Gradient<T, TViews>(binding, ref views, right), accumulate);
                    if (timed) start = Record(binding, StepPhase.Backward, k, false, start);
                }
            }
            binding.Return<T>();
            if (timed) Record(binding, StepPhase.Backward, -2, true, start);
        }

        /// <summary>
        /// Forward mode: the result's tangent (the result slot) is the sum over operands of the einsum with that operand
        /// replaced by its tangent. A tangent left <c>default</c> (a rank-0 one left 0) counts as zero.
        /// </summary>
        /// <typeparam name="T">The element type.</typeparam>
        /// <typeparam name="TViews">The call's views.</typeparam>
        /// <param name="program">The compiled program.</param>
        /// <param name="views">The operands, the result's tangent, then each operand's tangent.</param>
        public static void Jvp<T, TViews>(EinsumProgram program, scoped ref TViews views)
            where T : unmanaged, INumberBase<T> where TViews : IEinsumViews<T>, allows ref struct
        {
            int n = program.OperandCount;
            var result = views[n];
            var resultName = new ViewName(program, ViewRole.Tangent, -1);
            RequirePresent(program, result, resultName);
            long extent = CheckWritten(result, resultName);
            for (int i = 0; i < n; i++)
            {
                var tangent = views[n + 1 + i];
                if (tangent.IsPresent && !program.IsScalarOperand(i) && !tangent.Lengths.SequenceEqual(views[i].Lengths))
                {
                    EinsumChecks.SameShape(tangent.Lengths, views[i].Lengths, new ViewName(program, ViewRole.Tangent, i), new ViewName(program, ViewRole.Operand, i));
                }
                CheckApart(result, extent, views[i], resultName, new ViewName(program, ViewRole.Operand, i));
                CheckApart(result, extent, tangent, resultName, new ViewName(program, ViewRole.Tangent, i));
            }
            bool written = false;
            for (int i = 0; i < n; i++)
            {
                var tangent = views[n + 1 + i];
                if (!tangent.IsPresent || (program.IsScalarOperand(i) && T.IsZero(tangent.Data))) continue;
                RunForward<T, TViews>(program, ref views, substitute: i, accumulate: written, check: false);
                written = true;
            }
            if (!written) Clear(result);
        }

        /// <summary>
        /// Binds and runs the forward steps, operand <paramref name="substitute"/> read from its tangent slot (none when -1),
        /// the last step adding into the result when <paramref name="accumulate"/>; with <paramref name="check"/>, the result
        /// is checked against every operand once the shapes are.
        /// </summary>
        private static void RunForward<T, TViews>(EinsumProgram program, scoped ref TViews views, int substitute, bool accumulate, bool check)
            where T : unmanaged, INumberBase<T> where TViews : IEinsumViews<T>, allows ref struct
        {
            int n = program.OperandCount;
            bool timed = StepTimes.Enabled;
            long start = timed ? Stopwatch.GetTimestamp() : 0;
            var binding = EinsumBinding.Rent(program);
            BindOperands<T, TViews>(binding, ref views, substitute);
            var result = views[n];
            RequirePresent(program, result, new ViewName(program, ViewRole.Output, -1));
            binding.Output(result.Lengths, result.Strides);
            binding.Complete();
            if (check)
            {
                var name = new ViewName(program, ViewRole.Output, -1);
                long extent = CheckWritten(result, name);
                for (int i = 0; i < n; i++) CheckApart(result, extent, views[i], name, new ViewName(program, ViewRole.Operand, i));
            }
            int last = binding.StepCount - 1;
            if (timed) start = Record(binding, StepPhase.Forward, -1, false, start);
            if (!accumulate && SweepRegion.TryForward<T, TViews>(binding, ref views, substitute))
            {
                binding.Return<T>();
                return;
            }
            for (int k = 0; k <= last; k++)
            {
                ref T target = ref k == last ? ref result.Data : ref Intermediate<T>(binding, k, gradient: false);
                binding.ExecuteStep(k, ref Value<T, TViews>(binding, ref views, binding.LeftOf(k), substitute),
                    ref Value<T, TViews>(binding, ref views, binding.RightOf(k), substitute), ref target, accumulate && k == last);
                if (timed) start = Record(binding, StepPhase.Forward, k, false, start);
            }
            binding.Return<T>();
            if (timed) Record(binding, StepPhase.Forward, -2, false, start);
        }

        /// <summary>
        /// Adds the time since <paramref name="start"/> to <see cref="StepTimes"/> (step -1: binding the call, -2: handing its
        /// buffers back, a backward pass's when <paramref name="left"/>); returns the new start.
        /// </summary>
        private static long Record(EinsumBinding binding, StepPhase phase, int step, bool left, long start)
        {
            long now = Stopwatch.GetTimestamp();
            // The binding's own pieces (step -1: binding, -2: handing the buffers back) have no plan step and no work.
            double multiplyAdds = step < 0 ? 0 : (phase == StepPhase.Backward ? binding.GradientMultiplyAdds(step, left) : binding.ForwardMultiplyAdds(step));
            StepTimes.Add(binding.Program, step < 0 && left ? StepPhase.Backward : phase, step, left, now - start, multiplyAdds,
                step < 0 ? default : binding.StepAt(step), binding.StepCount);
            return Stopwatch.GetTimestamp();
        }

        private static void BindOperands<T, TViews>(EinsumBinding binding, scoped ref TViews views, int substitute)
            where TViews : IEinsumViews<T>, allows ref struct
        {
            var program = binding.Program;
            int n = program.OperandCount;
            for (int i = 0; i < n; i++)
            {
                var view = views[i == substitute ? n + 1 + i : i];
                if (!view.IsPresent)
                {
                    throw new ArgumentException($"Operand '{program.OperandNames[i]}' is a default (empty) view; '{SpecQuote.Of(program.Spec)}' needs a tensor there.",
                        program.OperandNames[i]);
                }
                binding.Operand(i, view.Lengths, view.Strides);
            }
        }

        /// <summary>The value of tensor <paramref name="id"/>: an operand (or its tangent, when substituted), an intermediate, or nothing for -1.</summary>
        private static ref T Value<T, TViews>(EinsumBinding binding, scoped ref TViews views, int id, int substitute)
            where TViews : IEinsumViews<T>, allows ref struct
        {
            int n = binding.Program.OperandCount;
            if (id < 0) return ref Unsafe.NullRef<T>();
            if (id < n) return ref views[id == substitute ? n + 1 + id : id].Data;
            return ref Intermediate<T>(binding, id - n, gradient: false);
        }

        /// <summary>Where the gradient of tensor <paramref name="id"/> goes: an operand's buffer, or an intermediate's own.</summary>
        private static ref T Gradient<T, TViews>(EinsumBinding binding, scoped ref TViews views, int id)
            where TViews : IEinsumViews<T>, allows ref struct
        {
            int n = binding.Program.OperandCount;
            return ref id < n ? ref views[n + 1 + id].Data : ref Intermediate<T>(binding, id - n, gradient: true);
        }

        private static ref T Intermediate<T>(EinsumBinding binding, int step, bool gradient) =>
            ref binding.Intermediate<T>(step, gradient);

        /// <summary>The result's view (the output, its gradient or its tangent) must be given: a <c>default</c> one has nowhere to go.</summary>
        private static void RequirePresent<T>(EinsumProgram program, EinsumView<T> view, ViewName name)
        {
            if (view.IsPresent) return;
            string text = name.ToString();
            throw new ArgumentException($"'{text}' is a default (empty) view; '{SpecQuote.Of(program.Spec)}' needs a tensor there.", text);
        }

        /// <summary>
        /// A written view must not repeat an element (a stride of 0 along a dimension longer than 1): each would be written
        /// many times, and only the last write would stay. Returns the view's extent, for the overlap checks that follow.
        /// </summary>
        private static long CheckWritten<T>(EinsumView<T> view, ViewName name)
        {
            long extent = view.Extent;
            if (extent == 0) return 0;
            for (int d = 0; d < view.Lengths.Length; d++)
            {
                if (view.Strides[d] != 0 || view.Lengths[d] <= 1) continue;
                string text = name.ToString();
                throw new ArgumentException(
                    $"'{text}' is written, but its dimension {d} (length {view.Lengths[d]}) has stride 0, so its elements alias each other; pass a view " +
                    "whose elements are distinct.", text);
            }
            return extent;
        }

        /// <summary>
        /// Throws when <paramref name="written"/> (<paramref name="writtenExtent"/> elements from its first) shares memory
        /// with <paramref name="read"/> (absent views share none).
        /// </summary>
        private static void CheckApart<T>(EinsumView<T> written, long writtenExtent, EinsumView<T> read, ViewName writtenName, ViewName readName)
        {
            if (!written.IsPresent || !read.IsPresent) return;
            if (Overlap.Overlaps(in written.Data, writtenExtent, in read.Data, read.Extent)) throw Overlap.Error(writtenName.ToString(), readName.ToString());
        }

        /// <summary>Zeroes every element of a view (a value: itself).</summary>
        private static void Clear<T>(EinsumView<T> view)
        {
            if (view.Lengths.Length == 0)
            {
                view.Data = default!;
                return;
            }
            long extent = view.Extent;
            if (extent == 0) return;
            new TensorSpan<T>(MemoryMarshal.CreateSpan(ref view.Data, checked((int)extent)), view.Lengths, view.Strides).Clear();
        }

        private static nint Count(ReadOnlySpan<nint> lengths)
        {
            nint count = 1;
            foreach (nint length in lengths) count *= length;
            return count;
        }
    }
}
