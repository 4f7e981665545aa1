using System;
using System.ComponentModel;
using System.Numerics;
using EinsumGen.Runtime;

namespace EinsumGen.Gpu
{
    /// <summary>
    /// The kernels the generator wrote for one method whose sizes are all declared (its <c>….Device.g.cs</c> file): one
    /// per distinct step layout of the forward, backward and forward-mode sweeps for dense row-major tensors of the
    /// declared shapes. Its device overloads pass it to <see cref="DeviceRunner"/>, which runs a step on its generated
    /// kernel when the bound layout matches one, and on the generic kernels otherwise (views with other strides).
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed class DeviceKernelSet<T> where T : unmanaged, INumber<T>
    {
        private readonly DeviceKernelStep<T>[] _steps;

        /// <summary>The generated kernels of one method's program.</summary>
        /// <param name="program">The program (the device file's copy) whose steps they implement.</param>
        /// <param name="steps">One per distinct step layout.</param>
        public DeviceKernelSet(EinsumProgram program, DeviceKernelStep<T>[] steps)
        {
            Program = program ?? throw new ArgumentNullException(nameof(program));
            _steps = steps ?? throw new ArgumentNullException(nameof(steps));
        }

        /// <summary>The program whose steps the kernels implement.</summary>
        public EinsumProgram Program { get; }

        /// <summary>How many kernels the set holds.</summary>
        public int Count => _steps.Length;

        /// <summary>The kernel written for exactly <paramref name="call"/>'s layout, or null.</summary>
        internal DeviceKernelStep<T>? Find(StepCall call)
        {
            foreach (var step in _steps)
            {
                if (step.Matches(call)) return step;
            }
            return null;
        }
    }
}
