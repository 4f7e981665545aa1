using System.ComponentModel;

namespace EinsumGen.Gpu
{
    /// <summary>
    /// The run-time arguments of a generated step kernel (<see cref="DeviceKernelStep{T}"/>): where each tensor starts in
    /// its buffer, and whether the result is added to. Everything else (sizes, strides, loop bounds) is a constant of the
    /// kernel. Public because ILGPU's launchers, emitted into an assembly of their own, pass it to the kernel.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public struct StepOffsets
    {
        /// <summary>The offset of the first factor's element 0 in its buffer.</summary>
        public long First;

        /// <summary>The offset of the second factor's element 0 (the first's again for a unary step).</summary>
        public long Second;

        /// <summary>The offset of the result's element 0.</summary>
        public long Result;

        /// <summary>1 when the kernel adds into the result, 0 when it overwrites it.</summary>
        public int Accumulate;
    }
}
