using System.Numerics;
using EinsumGen.Runtime;

namespace EinsumGen.Gpu
{
    // The entry points of methods whose sizes are all declared: the same sweeps, with the kernels the generator wrote for
    // the program's steps (DeviceKernelSet); a step whose bound layout is not the dense one they were written for runs generically.
    public static partial class DeviceRunner
    {
        /// <summary>Evaluates the program from the operand slots into the result slot, on <paramref name="kernels"/> where they fit.</summary>
        /// <typeparam name="T">The element type.</typeparam>
        /// <param name="kernels">The compiled program with the kernels the generator wrote for its steps.</param>
        /// <param name="slots">The operands, then the output.</param>
        public static void Forward<T>(DeviceKernelSet<T> kernels, DeviceSlot<T>[] slots) where T : unmanaged, INumber<T>
        {
            var call = new DeviceCall<T>(kernels.Program, slots, ViewRole.Output, scalarResult: false) { Generated = kernels };
            call.RequireResult();
            call.RunForward(substitute: -1, accumulate: false, check: true);
            call.Finish();
        }

        /// <summary>Evaluates a program whose result is rank 0 and returns it (waits for the device), on <paramref name="kernels"/> where they fit.</summary>
        /// <typeparam name="T">The element type.</typeparam>
        /// <param name="kernels">The compiled program with the kernels the generator wrote for its steps.</param>
        /// <param name="slots">The operands, then an unused result slot.</param>
        /// <returns>The result.</returns>
        public static T ForwardScalar<T>(DeviceKernelSet<T> kernels, DeviceSlot<T>[] slots) where T : unmanaged, INumber<T>
        {
            var call = new DeviceCall<T>(kernels.Program, slots, ViewRole.Output, scalarResult: true) { Generated = kernels };
            call.RunForward(substitute: -1, accumulate: false, check: true);
            return call.FinishScalar();
        }

        /// <summary>Reverse mode (see <see cref="Backward{T}(EinsumProgram, DeviceSlot{T}[], GradientMode)"/>) on <paramref name="kernels"/> where they fit.</summary>
        /// <typeparam name="T">The element type.</typeparam>
        /// <param name="kernels">The compiled program with the kernels the generator wrote for its steps.</param>
        /// <param name="slots">The operands, the result's gradient, then each operand's gradient tensor or nothing.</param>
        /// <param name="mode">Whether the gradients overwrite the buffers or add into them.</param>
        public static void Backward<T>(DeviceKernelSet<T> kernels, DeviceSlot<T>[] slots, GradientMode mode) where T : unmanaged, INumber<T>
        {
            var call = new DeviceCall<T>(kernels.Program, slots, ViewRole.Gradient, scalarResult: false) { Generated = kernels };
            call.RequireResult();
            call.RunBackward(mode == GradientMode.Accumulate);
            call.Finish();
        }

        /// <summary>Forward mode (see <see cref="Jvp{T}(EinsumProgram, DeviceSlot{T}[])"/>) on <paramref name="kernels"/> where they fit.</summary>
        /// <typeparam name="T">The element type.</typeparam>
        /// <param name="kernels">The compiled program with the kernels the generator wrote for its steps.</param>
        /// <param name="slots">The operands, the result's tangent, then each operand's tangent or nothing.</param>
        public static void Jvp<T>(DeviceKernelSet<T> kernels, DeviceSlot<T>[] slots) where T : unmanaged, INumber<T>
        {
            var call = new DeviceCall<T>(kernels.Program, slots, ViewRole.Tangent, scalarResult: false) { Generated = kernels };
            call.RequireResult();
            call.RunJvp();
            call.Finish();
        }

        /// <summary>Forward mode of a program whose result is rank 0 (returns the result's tangent; waits), on <paramref name="kernels"/> where they fit.</summary>
        /// <typeparam name="T">The element type.</typeparam>
        /// <param name="kernels">The compiled program with the kernels the generator wrote for its steps.</param>
        /// <param name="slots">The operands, an unused result slot, then each operand's tangent or nothing.</param>
        /// <returns>The result's tangent.</returns>
        public static T JvpScalar<T>(DeviceKernelSet<T> kernels, DeviceSlot<T>[] slots) where T : unmanaged, INumber<T>
        {
            var call = new DeviceCall<T>(kernels.Program, slots, ViewRole.Tangent, scalarResult: true) { Generated = kernels };
            call.RunJvp();
            return call.FinishScalar();
        }
    }
}
