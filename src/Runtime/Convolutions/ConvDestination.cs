using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using EinsumGen.Runtime;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// Where a kernel that writes a dense result puts it when the result goes into a caller's buffer: straight into the buffer
    /// when it is dense and overwritten, else into one scratch tensor from this thread's <see cref="AlignedPool{T}"/>, which
    /// <see cref="Finish"/> then copies or adds into the buffer (an accumulated gradient, a strided view) and hands back.
    /// </summary>
    internal readonly struct ConvDestination<T> where T : unmanaged, INumberBase<T>
    {
        private readonly Tensor<T> _target;
        private readonly AlignedBuffer<T>? _pooled;
        private readonly GradientMode _mode;

        private ConvDestination(Tensor<T> dense, Tensor<T> target, AlignedBuffer<T>? pooled, GradientMode mode)
        {
            Dense = dense;
            _target = target;
            _pooled = pooled;
            _mode = mode;
        }

        /// <summary>The dense tensor of the buffer's shape that the kernel writes (every element of it).</summary>
        public Tensor<T> Dense { get; }

        /// <summary>A destination for <paramref name="target"/> written as <paramref name="mode"/> says.</summary>
        public static ConvDestination<T> Of(Tensor<T> target, GradientMode mode)
        {
            if (mode == GradientMode.Overwrite && target.IsDense) return new ConvDestination<T>(target, target, null, mode);
            var pooled = AlignedPool<T>.Rent(checked((int)Math.Max(1, target.FlattenedLength)));
            int rank = target.Rank;
            Span<nint> lengths = stackalloc nint[rank];
            Span<nint> strides = stackalloc nint[rank];
            target.Lengths.CopyTo(lengths);
            nint stride = 1;
            for (int d = rank - 1; d >= 0; d--)
            {
                strides[d] = lengths[d] > 1 ? stride : 0;
                stride *= lengths[d];
            }
            var dense = Tensor.Create(pooled.Array, pooled.Offset, lengths, strides);
            return new ConvDestination<T>(dense, target, pooled, mode);
        }

        /// <summary>Copies or adds the scratch into the buffer and returns it to the pool (nothing when the kernel wrote in place).</summary>
        public void Finish()
        {
            if (_pooled is null) return;
            int length = checked((int)_target.FlattenedLength);
            ReadOnlySpan<T> source = _pooled.AsSpan(length);
            bool add = _mode == GradientMode.Accumulate;
            if (_target.IsDense)
            {
                var target = MemoryMarshal.CreateSpan(ref Einsum.First(_target), length);
                if (add) TensorPrimitives.Add(target, source, target);
                else source.CopyTo(target);
            }
            else
            {
                Strided(source, _target, add);
            }
            AlignedPool<T>.Return(_pooled);
        }

        /// <summary>target (any strided view) = or += the dense row-major <paramref name="source"/>, one run of the last dimension at a time.</summary>
        internal static unsafe void Strided(ReadOnlySpan<T> source, Tensor<T> target, bool add)
        {
            if (source.IsEmpty) return;
            int rank = target.Rank, last = rank - 1;
            var lengths = target.Lengths;
            var strides = target.Strides;
            Span<nint> index = stackalloc nint[rank];
            index.Clear();
            int run = (int)lengths[last];
            nint step = strides[last];
            fixed (T* origin = &Einsum.First(target))
            {
#if EINSUMGEN_CHECKED_KERNELS
                using var region = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(origin, lengths, strides, true, "buffer");
#endif
                for (int at = 0; at < source.Length; at += run)
                {
                    nint offset = 0;
                    for (int d = 0; d < last; d++) offset += index[d] * strides[d];
                    var values = source.Slice(at, run);
                    T* to = origin + offset;
                    if (add) for (int j = 0; j < run; j++) to[j * step] += values[j];
                    else for (int j = 0; j < run; j++) to[j * step] = values[j];
                    for (int d = last - 1; d >= 0; d--)
                    {
                        if (++index[d] < lengths[d]) break;
                        index[d] = 0;
                    }
                }
            }
        }
    }
}
