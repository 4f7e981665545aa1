using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Buffers;
using System.Numerics.Tensors;

namespace EinsumGen.Convolutions
{
    /// <summary>Reshapes, permutations and small constant tensors for the convolution executor.</summary>
    internal static class ConvTensors
    {
        /// <summary><paramref name="t"/> itself when dense, else a dense copy.</summary>
        public static Tensor<T> Dense<T>(Tensor<T> t) => t.IsDense ? t : t.ToDenseTensor();

        /// <summary>A view of <paramref name="t"/> with new lengths (a copy first when it is not dense).</summary>
        public static Tensor<T> Reshape<T>(Tensor<T> t, params nint[] lengths)
        {
            t = Dense(t);
            if (t.FlattenedLength <= 1)
            {
                var values = new T[t.FlattenedLength];
                t.FlattenTo(values);
                return Tensor.Create(values, lengths);
            }
            // Tensor.Reshape refuses a source with a length-1 dimension (its stride is 0); squeezing those first is a view.
            if (t.Lengths.IndexOf((nint)1) >= 0) t = Tensor.Squeeze(t);
            return Tensor.Reshape(t, lengths);
        }

        /// <summary>Applies the simplifier's reshapes and slices; a merge followed by the split that undoes it costs nothing.</summary>
        public static Tensor<T> ApplyViews<T>(Tensor<T> t, IReadOnlyList<ConvViewStep> steps)
        {
            if (steps.Count == 0) return t;
            var lengths = t.Lengths.ToArray().ToList();
            for (int s = 0; s < steps.Count; s++)
            {
                var step = steps[s];
                switch (step.Kind)
                {
                    case ConvViewStepKind.Split:
                        lengths.RemoveAt(step.Axis);
                        lengths.Insert(step.Axis, step.B);
                        lengths.Insert(step.Axis, step.A);
                        t = Reshape(t, lengths.ToArray());
                        break;
                    case ConvViewStepKind.Narrow:
                    {
                        var ranges = new NRange[lengths.Count];
                        for (int d = 0; d < ranges.Length; d++) ranges[d] = NRange.All;
                        ranges[step.Axis] = new NRange(step.A, step.A + step.B);
                        t = t.Slice(ranges);
                        lengths[step.Axis] = step.B;
                        break;
                    }
                    case ConvViewStepKind.Merge:
                    {
                        // The down-sampling rule regroups (i′, k′) only for the dense rule to split it again: skip both.
                        nint outer = lengths[step.Axis], inner = lengths[step.Axis + 1];
                        if (s + 1 < steps.Count && steps[s + 1] is { Kind: ConvViewStepKind.Split } next && next.Axis == step.Axis
                            && next.A == outer && next.B == inner)
                        {
                            s++;
                            break;
                        }
                        lengths.RemoveAt(step.Axis + 1);
                        lengths[step.Axis] = outer * inner;
                        t = Reshape(t, lengths.ToArray());
                        break;
                    }
                    case ConvViewStepKind.Squeeze:
                        lengths.RemoveAt(step.Axis);
                        t = t.IsDense ? Reshape(t, lengths.ToArray()) : SqueezeView(t, step.Axis);
                        break;
                }
            }
            return t;
        }

        /// <summary>Drops a size-1 axis of a strided view without copying (its stride does not matter).</summary>
        private static Tensor<T> SqueezeView<T>(Tensor<T> t, int axis) => Tensor.SqueezeDimension(t, axis);

        /// <summary>A one-element tensor holding <paramref name="value"/>.</summary>
        public static Tensor<T> Scalar<T>(double value) where T : INumberBase<T> => Tensor.Create(new[] { T.CreateChecked(value) }, new nint[] { 1 });

        /// <summary>The identity matrix of size <paramref name="n"/>.</summary>
        public static Tensor<T> Eye<T>(int n) where T : INumberBase<T>
        {
            var data = new T[n * n];
            Array.Fill(data, T.Zero);
            for (int i = 0; i < n; i++) data[i * n + i] = T.One;
            return Tensor.Create(data, new nint[] { n, n });
        }

        /// <summary>A dense [rows, cols] tensor from doubles.</summary>
        public static Tensor<T> Matrix<T>(double[] values, int rows, int cols) where T : INumberBase<T>
        {
            var data = new T[values.Length];
            for (int i = 0; i < data.Length; i++) data[i] = T.CreateChecked(values[i]);
            return Tensor.Create(data, new nint[] { rows, cols });
        }

        /// <summary>A new dense tensor whose elements the caller overwrites.</summary>
        public static Tensor<T> Uninitialized<T>(IEnumerable<int> shape) => Uninitialized<T>(shape.Select(d => (nint)d).ToArray());

        /// <summary>A new dense tensor of <paramref name="lengths"/> whose elements the caller overwrites.</summary>
        public static Tensor<T> Uninitialized<T>(nint[] lengths)
        {
            long count = 1;
            foreach (var d in lengths) count *= d;
            return Tensor.Create(GC.AllocateUninitializedArray<T>(checked((int)count)), lengths);
        }

        /// <summary>The row-major strides of a dense tensor of <paramref name="sizes"/> (the last dimension fastest) and its element count.</summary>
        public static long[] RowMajorStrides(int[] sizes, out long count)
        {
            var strides = new long[sizes.Length];
            long s = 1;
            for (int d = sizes.Length - 1; d >= 0; d--)
            {
                strides[d] = s;
                s *= sizes[d];
            }
            count = s;
            return strides;
        }

        /// <summary>A new dense tensor of zeros.</summary>
        public static Tensor<T> Zeros<T>(IEnumerable<int> shape) => Tensor.CreateFromShape<T>(shape.Select(d => (nint)d).ToArray());
    }
}
