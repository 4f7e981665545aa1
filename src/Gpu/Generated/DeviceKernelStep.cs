using System;
using System.ComponentModel;
using System.Numerics;
using ILGPU;
using EinsumGen.Runtime;

namespace EinsumGen.Gpu
{
    /// <summary>
    /// One kernel the generator wrote for a step of a method whose sizes are all declared, with the step's layout for
    /// dense row-major tensors (sizes, and each tensor's stride per dimension, the first <see cref="Kept"/> dimensions
    /// indexing the result). The runner uses the kernel for a bound step whose layout is exactly this one: the kernel's
    /// constants are then the call's own sizes and strides.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed class DeviceKernelStep<T> where T : unmanaged, INumber<T>
    {
        /// <summary>A generated kernel and the layout it was written for.</summary>
        /// <param name="kernel">The kernel: one thread per result element (<c>index</c> below the product of the kept sizes).</param>
        /// <param name="kept">How many leading dimensions index the result.</param>
        /// <param name="sizes">Each dimension's size, kept dimensions first, then summed ones.</param>
        /// <param name="firstStrides">The first factor's stride per dimension (0 where it lacks the label).</param>
        /// <param name="secondStrides">The second factor's stride per dimension (all 0 for a unary step).</param>
        /// <param name="resultStrides">The result's stride per dimension (0 for summed dimensions).</param>
        /// <param name="hasSecond">Whether the step reads a second factor.</param>
        public DeviceKernelStep(Action<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, StepOffsets> kernel, int kept, long[] sizes,
            long[] firstStrides, long[] secondStrides, long[] resultStrides, bool hasSecond)
        {
            Kernel = kernel ?? throw new ArgumentNullException(nameof(kernel));
            Kept = kept;
            Sizes = sizes;
            FirstStrides = firstStrides;
            SecondStrides = secondStrides;
            ResultStrides = resultStrides;
            HasSecond = hasSecond;
            long count = 1;
            for (int d = 0; d < kept; d++) count *= sizes[d];
            Count = count;
        }

        internal Action<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, StepOffsets> Kernel { get; }

        internal int Kept { get; }

        internal long[] Sizes { get; }

        internal long[] FirstStrides { get; }

        internal long[] SecondStrides { get; }

        internal long[] ResultStrides { get; }

        internal bool HasSecond { get; }

        /// <summary>Result elements, one thread each.</summary>
        internal long Count { get; }

        /// <summary>Whether <paramref name="call"/> has exactly this layout (then the kernel computes exactly that call).</summary>
        internal bool Matches(StepCall call)
        {
            if (call.Kept != Kept || call.HasSecond != HasSecond || call.Sizes.Length != Sizes.Length) return false;
            for (int d = 0; d < Sizes.Length; d++)
            {
                if (call.Sizes[d] != Sizes[d] || call.FirstStrides[d] != FirstStrides[d] || call.ResultStrides[d] != ResultStrides[d]) return false;
                if (HasSecond && call.SecondStrides[d] != SecondStrides[d]) return false;
            }
            return true;
        }
    }
}
