using System;
using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using EinsumGen.Gpu;
using EinsumGen.Runtime;

namespace EinsumGen
{
    /// <summary>
    /// A tensor in an <see cref="EinsumDevice"/>'s memory: a buffer, the offset of its first element, its lengths and its
    /// strides (in elements). <see cref="Transpose"/> and <see cref="Slice"/> make views of the same memory without a
    /// copy. Disposing the tensor that allocated the memory frees it (its views then throw); disposing a view does nothing.
    /// </summary>
    /// <typeparam name="T">The element type (float or double).</typeparam>
    public sealed class DeviceTensor<T> : IDisposable where T : unmanaged, INumber<T>
    {
        private readonly nint[] _lengths;
        private readonly nint[] _strides;
        private readonly bool _owner;
        private StepCall? _copy, _clear;

        internal DeviceTensor(DeviceStorage<T> storage, long offset, nint[] lengths, nint[] strides, bool owner)
        {
            Storage = storage;
            Offset = offset;
            _lengths = lengths;
            _strides = strides;
            _owner = owner;
        }

        internal DeviceStorage<T> Storage { get; }

        /// <summary>The offset of the first element in the underlying buffer.</summary>
        internal long Offset { get; }

        /// <summary>The device that holds the tensor.</summary>
        public EinsumDevice Device => Storage.Device;

        /// <summary>The number of dimensions.</summary>
        public int Rank => _lengths.Length;

        /// <summary>The length of each dimension.</summary>
        public ReadOnlySpan<nint> Lengths => _lengths;

        /// <summary>The stride of each dimension, in elements (0 along a broadcast dimension).</summary>
        public ReadOnlySpan<nint> Strides => _strides;

        /// <summary>The number of elements: the product of the lengths.</summary>
        public long FlattenedLength => CountOf(_lengths);

        /// <summary>Whether the elements are row-major and contiguous (then copies need no kernel).</summary>
        public bool IsDense
        {
            get
            {
                long expected = 1;
                for (int d = Rank - 1; d >= 0; d--)
                {
                    if (_lengths[d] != 1 && _strides[d] != expected) return false;
                    expected *= _lengths[d];
                }
                return true;
            }
        }

        /// <summary>A view with the dimensions in the order <paramref name="axes"/> gives (reversed when none are given); no copy.</summary>
        /// <param name="axes">A permutation of 0..Rank-1.</param>
        /// <returns>The view; it shares this tensor's memory.</returns>
        public DeviceTensor<T> Transpose(params int[] axes)
        {
            if (axes is null || axes.Length == 0)
            {
                axes = new int[Rank];
                for (int d = 0; d < Rank; d++) axes[d] = Rank - 1 - d;
            }
            if (axes.Length != Rank) throw new ArgumentException($"Transpose needs {Rank} axes, not {axes.Length}.", nameof(axes));
            var seen = new bool[Rank];
            var lengths = new nint[Rank];
            var strides = new nint[Rank];
            for (int d = 0; d < Rank; d++)
            {
                int axis = axes[d];
                if ((uint)axis >= (uint)Rank || seen[axis]) throw new ArgumentException($"[{string.Join(", ", axes)}] is not a permutation of the {Rank} axes.", nameof(axes));
                seen[axis] = true;
                lengths[d] = _lengths[axis];
                strides[d] = _strides[axis];
            }
            return new DeviceTensor<T>(Storage, Offset, lengths, strides, owner: false);
        }

        /// <summary>A view of elements <paramref name="start"/> to <paramref name="start"/> + <paramref name="length"/> of dimension <paramref name="dimension"/>; no copy.</summary>
        /// <param name="dimension">The dimension to narrow.</param>
        /// <param name="start">The first index kept.</param>
        /// <param name="length">How many indices are kept.</param>
        /// <returns>The view; it shares this tensor's memory.</returns>
        public DeviceTensor<T> Slice(int dimension, int start, int length)
        {
            if ((uint)dimension >= (uint)Rank) throw new ArgumentOutOfRangeException(nameof(dimension), $"The tensor has rank {Rank}.");
            if (start < 0 || length < 0 || start + (long)length > _lengths[dimension])
            {
                throw new ArgumentOutOfRangeException(nameof(start), $"[{start}, {start + (long)length}) is outside dimension {dimension} of length {_lengths[dimension]}.");
            }
            var lengths = (nint[])_lengths.Clone();
            lengths[dimension] = length;
            return new DeviceTensor<T>(Storage, Offset + start * (long)_strides[dimension], lengths, (nint[])_strides.Clone(), owner: false);
        }

        /// <summary>Copies the elements to a new host array, row-major (waits for the device's queued work).</summary>
        /// <returns>The elements.</returns>
        public T[] ToArray()
        {
            var result = new T[checked((int)FlattenedLength)];
            CopyTo(result);
            return result;
        }

        /// <summary>Copies the elements into <paramref name="destination"/>, row-major (waits for the device's queued work).</summary>
        /// <param name="destination">At least <see cref="FlattenedLength"/> elements.</param>
        public void CopyTo(Span<T> destination)
        {
            long count = FlattenedLength;
            if (destination.Length < count) throw new ArgumentException($"The destination holds {destination.Length} elements; the tensor has {count}.", nameof(destination));
            var device = Device.Live();
            if (count == 0) return;
            if (IsDense)
            {
                Storage.View.SubView(Offset, count).CopyToCPU(device.Stream, destination.Slice(0, (int)count));
                return;
            }
            var dense = device.Rent<T>(count);
            DeviceSteps.Gather(this, dense.View);
            dense.View.SubView(0, count).CopyToCPU(device.Stream, destination.Slice(0, (int)count));
            device.Return(dense);
        }

        /// <summary>Overwrites the elements with <paramref name="source"/> (row-major), on the device's stream.</summary>
        /// <param name="source">Exactly <see cref="FlattenedLength"/> elements.</param>
        public void CopyFrom(ReadOnlySpan<T> source)
        {
            long count = FlattenedLength;
            if (source.Length != count) throw new ArgumentException($"The source holds {source.Length} elements; the tensor has {count}.", nameof(source));
            var device = Device.Live();
            if (count == 0) return;
            if (!IsDense) throw new NotSupportedException("CopyFrom writes dense tensors only; copy into the tensor this view was made from.");
            Storage.View.SubView(Offset, count).CopyFromCPU(device.Stream, source);
        }

        /// <summary>Frees the device memory when this tensor allocated it; a view's Dispose does nothing.</summary>
        public void Dispose()
        {
            if (_owner) Storage.Dispose();
        }

        /// <summary>Elements from the first to one past the last (0 for none).</summary>
        internal long Extent => Overlap.Extent(_lengths, _strides);

        /// <summary>The unary step that copies this tensor into a dense row-major buffer (kept for repeated copies).</summary>
        internal StepCall CopyCall => _copy ??= new StepCall(Rank, Keys(), (nint[])_lengths.Clone(), (nint[])_strides.Clone(), new nint[Rank], false, RowMajor(_lengths));

        /// <summary>The step that zeroes this tensor's elements.</summary>
        internal StepCall ClearCall => _clear ??= new StepCall(Rank, Keys(), (nint[])_lengths.Clone(), new nint[Rank], new nint[Rank], false, (nint[])_strides.Clone());

        private int[] Keys()
        {
            var keys = new int[Rank];
            for (int d = 0; d < Rank; d++) keys[d] = d;
            return keys;
        }

        internal static long CountOf(ReadOnlySpan<int> shape)
        {
            long count = 1;
            foreach (int length in shape)
            {
                if (length < 0) throw new ArgumentOutOfRangeException(nameof(shape), $"A length is negative ({length}).");
                count = checked(count * length);
            }
            return count;
        }

        internal static long CountOf(ReadOnlySpan<nint> shape)
        {
            long count = 1;
            foreach (nint length in shape) count *= length;
            return count;
        }

        internal static nint[] RowMajor(ReadOnlySpan<nint> shape)
        {
            var strides = new nint[shape.Length];
            nint stride = 1;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                strides[d] = stride;
                stride *= shape[d];
            }
            return strides;
        }

        /// <inheritdoc />
        public override string ToString() => $"DeviceTensor<{typeof(T).Name}>[{string.Join(", ", _lengths)}] on {Device.Name}";
    }
}
