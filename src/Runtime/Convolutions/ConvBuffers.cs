using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using EinsumGen.Runtime;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// Caller-provided result buffers of the convolution derivatives: their checks (shape, aliasing within a buffer, overlap
    /// with what the call reads or writes elsewhere), all made before anything is computed or written, and the write itself
    /// in <see cref="GradientMode.Overwrite"/> or <see cref="GradientMode.Accumulate"/>.
    /// </summary>
    internal static class ConvBuffers
    {
        /// <summary>A result buffer (when given) has the shape <paramref name="shape"/>; the message names the buffer, the dimension and both sizes.</summary>
        public static void Shape<T>(Tensor<T>? buffer, ReadOnlySpan<int> shape, string name, string what)
        {
            if (buffer is null) return;
            if (buffer.Rank != shape.Length)
            {
                throw new ArgumentException(
                    $"{name} has rank {buffer.Rank} (shape [{string.Join(", ", buffer.Lengths.ToArray())}]), but {what} has rank {shape.Length}: [{string.Join(", ", shape.ToArray())}].",
                    name);
            }
            for (int d = 0; d < shape.Length; d++) ConvChecks.Size(buffer, name, d, shape[d], what + "'s");
        }

        /// <summary>
        /// Every written buffer is free of self-aliasing (a stride of 0 along a dimension longer than 1) and shares no memory with
        /// another written buffer or with a read tensor: the results are computed before any is written, but a write into an
        /// operand would change what the caller passed, and two overlapping results would overwrite each other.
        /// </summary>
        public static void Disjoint<T>(ReadOnlySpan<(Tensor<T>? Buffer, string Name)> written, ReadOnlySpan<(Tensor<T>? Tensor, string Name)> read)
        {
            for (int i = 0; i < written.Length; i++)
            {
                var (buffer, name) = written[i];
                if (buffer is null) continue;
                var lengths = buffer.Lengths;
                var strides = buffer.Strides;
                for (int d = 0; d < lengths.Length; d++)
                {
                    if (strides[d] == 0 && lengths[d] > 1)
                    {
                        throw new ArgumentException($"{name}: dimension {d} (size {lengths[d]}) has stride 0, so its elements alias each other.", name);
                    }
                }
                for (int j = 0; j < i; j++)
                {
                    if (written[j].Buffer is { } other && Overlaps(buffer, other)) throw Error(name, written[j].Name);
                }
                foreach (var (tensor, readName) in read)
                {
                    if (tensor is not null && Overlaps(buffer, tensor)) throw Error(name, readName);
                }
            }
        }

        /// <summary>Writes <paramref name="value"/> (a dense tensor of the buffer's shape) into <paramref name="buffer"/>.</summary>
        public static void Write<T>(Tensor<T>? value, Tensor<T>? buffer, GradientMode mode) where T : unmanaged, INumberBase<T>
        {
            if (buffer is null || value is null) return;
            if (buffer.IsDense && value.IsDense)
            {
                // Tensor.CopyTo walks a 4-d tensor element by element (about 10x a span copy on a 58 MB gradient).
                var target = MemoryMarshal.CreateSpan(ref Einsum.First(buffer), checked((int)buffer.FlattenedLength));
                var source = MemoryMarshal.CreateReadOnlySpan(ref Einsum.First(value), target.Length);
                if (mode == GradientMode.Overwrite) source.CopyTo(target);
                else TensorPrimitives.Add(target, source, target);
                return;
            }
            if (mode == GradientMode.Overwrite)
            {
                value.CopyTo(buffer);
                return;
            }
            Tensor.Add<T>(buffer.AsReadOnlyTensorSpan(), value.AsReadOnlyTensorSpan(), buffer.AsTensorSpan());
        }

        private static bool Overlaps<T>(Tensor<T> written, Tensor<T> read) =>
            Overlap.Overlaps(in Einsum.First(written), written.Lengths, written.Strides, in Einsum.First(read), read.Lengths, read.Strides);

        private static ArgumentException Error(string writtenName, string readName) =>
            new ArgumentException($"{writtenName} overlaps {readName} in memory; a result buffer needs memory of its own.", writtenName);

        /// <summary>The lengths of a tensor as ints (for shapes compared with <see cref="Shape"/>).</summary>
        public static int[] Lengths<T>(Tensor<T> t)
        {
            var lengths = new int[t.Rank];
            for (int d = 0; d < lengths.Length; d++) lengths[d] = checked((int)t.Lengths[d]);
            return lengths;
        }
    }
}
