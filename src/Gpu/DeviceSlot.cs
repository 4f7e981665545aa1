using System.ComponentModel;
using System.Numerics;

namespace EinsumGen.Gpu
{
    /// <summary>
    /// One argument of a generated device call, by slot as on the CPU path (operands, the result, then each operand's
    /// gradient or tangent): a device tensor, a rank-0 value, or nothing (a gradient or tangent not asked for).
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public readonly struct DeviceSlot<T> where T : unmanaged, INumber<T>
    {
        /// <summary>A tensor; absent when null.</summary>
        /// <param name="tensor">The tensor, or null.</param>
        public DeviceSlot(DeviceTensor<T>? tensor)
        {
            Tensor = tensor;
            Value = default;
            IsValue = false;
        }

        /// <summary>A rank-0 operand's value (or a scalar result's gradient).</summary>
        /// <param name="value">The value.</param>
        public DeviceSlot(T value)
        {
            Tensor = null;
            Value = value;
            IsValue = true;
        }

        internal DeviceTensor<T>? Tensor { get; }

        internal T Value { get; }

        internal bool IsValue { get; }

        internal bool IsPresent => IsValue || Tensor is not null;
    }
}
