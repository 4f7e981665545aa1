using System;
using System.ComponentModel;
using System.Numerics;
using EinsumGen.Runtime;

namespace EinsumGen.Gpu
{
    /// <summary>
    /// The device overloads' entry points: the same sweeps as <see cref="ProgramRunner"/> (forward, reverse mode, forward
    /// mode), over the same <see cref="EinsumProgram"/> and the same binding (every shape checked, by the runtime's own
    /// code and messages, before any kernel is queued), with each step queued on the device instead of run on the CPU.
    /// Slots are as on the CPU path: operands 0..n-1, the result n, then n+1+i the gradient or tangent of operand i.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static partial class DeviceRunner
    {
        /// <summary>Evaluates <paramref name="program"/> from the operand slots into the result slot.</summary>
        /// <typeparam name="T">The element type.</typeparam>
        /// <param name="program">The compiled program.</param>
        /// <param name="slots">The operands, then the output.</param>
        public static void Forward<T>(EinsumProgram program, DeviceSlot<T>[] slots) where T : unmanaged, INumber<T>
        {
            var call = new DeviceCall<T>(program, slots, ViewRole.Output, scalarResult: false);
            call.RequireResult();
            call.RunForward(substitute: -1, accumulate: false, check: true);
            call.Finish();
        }

        /// <summary>Evaluates a program whose result is rank 0 and returns it (waits for the device).</summary>
        /// <typeparam name="T">The element type.</typeparam>
        /// <param name="program">The compiled program.</param>
        /// <param name="slots">The operands, then an unused result slot.</param>
        /// <returns>The result.</returns>
        public static T ForwardScalar<T>(EinsumProgram program, DeviceSlot<T>[] slots) where T : unmanaged, INumber<T>
        {
            var call = new DeviceCall<T>(program, slots, ViewRole.Output, scalarResult: true);
            call.RunForward(substitute: -1, accumulate: false, check: true);
            return call.FinishScalar();
        }

        /// <summary>
        /// Reverse mode: from the result's gradient (the result slot), writes the gradient of every operand whose gradient
        /// slot holds a tensor, overwriting or adding as <paramref name="mode"/> says.
        /// </summary>
        /// <typeparam name="T">The element type.</typeparam>
        /// <param name="program">The compiled program.</param>
        /// <param name="slots">The operands, the result's gradient, then each operand's gradient tensor or nothing.</param>
        /// <param name="mode">Whether the gradients overwrite the buffers or add into them.</param>
        public static void Backward<T>(EinsumProgram program, DeviceSlot<T>[] slots, GradientMode mode) where T : unmanaged, INumber<T>
        {
            var call = new DeviceCall<T>(program, slots, ViewRole.Gradient, scalarResult: false);
            call.RequireResult();
            call.RunBackward(mode == GradientMode.Accumulate);
            call.Finish();
        }

        /// <summary>
        /// Forward mode: the result's tangent (the result slot) is the sum over operands of the einsum with that operand
        /// replaced by its tangent; a tangent left out (a rank-0 one left 0) counts as zero.
        /// </summary>
        /// <typeparam name="T">The element type.</typeparam>
        /// <param name="program">The compiled program.</param>
        /// <param name="slots">The operands, the result's tangent, then each operand's tangent or nothing.</param>
        public static void Jvp<T>(EinsumProgram program, DeviceSlot<T>[] slots) where T : unmanaged, INumber<T>
        {
            var call = new DeviceCall<T>(program, slots, ViewRole.Tangent, scalarResult: false);
            call.RequireResult();
            call.RunJvp();
            call.Finish();
        }

        /// <summary>Forward mode of a program whose result is rank 0: returns the result's tangent (waits for the device).</summary>
        /// <typeparam name="T">The element type.</typeparam>
        /// <param name="program">The compiled program.</param>
        /// <param name="slots">The operands, an unused result slot, then each operand's tangent or nothing.</param>
        /// <returns>The result's tangent.</returns>
        public static T JvpScalar<T>(EinsumProgram program, DeviceSlot<T>[] slots) where T : unmanaged, INumber<T>
        {
            var call = new DeviceCall<T>(program, slots, ViewRole.Tangent, scalarResult: true);
            call.RunJvp();
            return call.FinishScalar();
        }
    }
}
