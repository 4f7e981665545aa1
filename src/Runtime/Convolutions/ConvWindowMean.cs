using System;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// The mean unfolded input M = x ×_d Π̄_d of KFAC-reduce for any windows, overlapping ones included (a 3×3/2 layer):
    /// tap k of dimension d reads the positions i = o·S + k·D − P of the windows o that fall inside x, an arithmetic
    /// progression, so Π̄_d is 1/O_d on those and 0 elsewhere. The mean is then separable sums, one dimension at a time, on a
    /// row of x [rows, I…] in cache: the outermost dimension first, where each tap adds up whole contiguous sub-blocks (vector
    /// adds over I_1·…), down to the last, where each tap adds up a strided progression of a short line. The contraction with
    /// the [K, I] matrices made skinny products with 3 columns (the ResNet-18 3×3/2 layer's mean took most of its call).
    /// </summary>
    internal sealed class ConvWindowMean
    {
        private readonly Dimension[] _dimensions;
        private readonly int[] _inputs, _kernels;
        private readonly int _taps, _scratch;
        private readonly double _scale;

        private ConvWindowMean(ConvGeometry[] geometries)
        {
            int n = geometries.Length;
            _inputs = geometries.Select(g => g.InputSize).ToArray();
            _kernels = geometries.Select(g => g.KernelSize).ToArray();
            _taps = _kernels.Aggregate(1, (a, k) => a * k);
            _scale = 1.0 / geometries.Aggregate(1.0, (a, g) => a * g.OutputSize);
            _dimensions = geometries.Select(g => new Dimension(g)).ToArray();
            // Stage d turns [P_d, I_d, rest_d] into [P_d, K_d, rest_d] (P_d = Π_{j<d} K_j, rest_d = Π_{j>d} I_j).
            int scratch = 0;
            for (int d = 0; d < n; d++)
            {
                long size = 1;
                for (int j = 0; j <= d; j++) size *= _kernels[j];
                for (int j = d + 1; j < n; j++) size *= _inputs[j];
                scratch = (int)Math.Max(scratch, size);
            }
            _scratch = scratch;
        }

        /// <summary>The window mean for these geometries, or null when a buffer of one row's partial sums would be large.</summary>
        public static ConvWindowMean? TryCreate(ConvGeometry[] geometries)
        {
            // A single tap (a strided 1×1) keeps the Π̄ matrices: its mean is one GEMV-like pass that streams x faster than
            // the window sums (ResNet-18's 1×1/2 shortcut: ~0.14 against ~0.25 ms a call, quiet machine, same build).
            return ConvKernelChoice.WindowSumsFit(geometries) ? new ConvWindowMean(geometries) : null;
        }

        /// <summary>mean[r, k…] for the rows r of a dense x [rows, I…] (rows = batch · channels), into a dense [rows, ΠK].</summary>
        public void Run<T>(Tensor<T> x, Tensor<T> mean) where T : unmanaged, INumberBase<T>
        {
            long rows = mean.FlattenedLength / _taps, inner = x.FlattenedLength / Math.Max(1, rows);
            ConvRowSplit.Run(rows, inner, (first, end) => Rows(x, mean, first, end, inner));
        }

        private void Rows<T>(Tensor<T> x, Tensor<T> mean, long first, long end, long inner) where T : unmanaged, INumberBase<T>
        {
            var source = MemoryMarshal.CreateReadOnlySpan(ref Einsum.First(x), checked((int)x.FlattenedLength));
            var target = MemoryMarshal.CreateSpan(ref Einsum.First(mean), checked((int)mean.FlattenedLength));
            var a = new T[_scratch];
            var b = new T[_scratch];
            T scale = T.CreateChecked(_scale);
            int n = _inputs.Length;
            for (long r = first; r < end; r++)
            {
                ReadOnlySpan<T> input = source.Slice(checked((int)(r * inner)), (int)inner);
                int outer = 1;
                for (int d = 0; d < n; d++)
                {
                    int rest = 1;
                    for (int j = d + 1; j < n; j++) rest *= _inputs[j];
                    var output = (d % 2 == 0 ? a : b).AsSpan(0, outer * _kernels[d] * rest);
                    Stage(input, output, outer, _inputs[d], rest, _dimensions[d]);
                    input = output;
                    outer *= _kernels[d];
                }
                var result = target.Slice(checked((int)(r * _taps)), _taps);
                for (int t = 0; t < _taps; t++) result[t] = input[t] * scale;
            }
        }

        /// <summary>
        /// output[p, k, :] = Σ_{i ∈ A_k} input[p, i, :] for blocks of <paramref name="rest"/> elements. The taps of one residue
        /// class modulo the stride read sub-ranges of one progression: their common core is summed once and each tap adds
        /// the few positions outside it (the padded border), so every position is read about once, not once per tap.
        /// </summary>
        private static void Stage<T>(ReadOnlySpan<T> input, Span<T> output, int outer, int size, int rest, Dimension dim)
            where T : unmanaged, INumberBase<T>
        {
            int taps = dim.Extras.Length;
            for (int p = 0; p < outer; p++)
            {
                var block = input.Slice(p * size * rest, size * rest);
                var outputs = output.Slice(p * taps * rest, taps * rest);
                foreach (var c in dim.Classes)
                {
                    var core = outputs.Slice(c.Taps[0] * rest, rest);
                    Sum(block, rest, c.Start, c.Step, c.Count, core);
                    for (int t = 1; t < c.Taps.Length; t++) core.CopyTo(outputs.Slice(c.Taps[t] * rest, rest));
                    // Extras after the copies: the first tap's slot holds the core until the others have it.
                    for (int t = c.Taps.Length - 1; t >= 0; t--)
                    {
                        var target = outputs.Slice(c.Taps[t] * rest, rest);
                        foreach (int i in dim.Extras[c.Taps[t]]) AddInto(target, block.Slice(i * rest, rest));
                    }
                }
            }
        }

        /// <summary>target = Σ_{j &lt; count} block[(start + j·step)·rest + …], accumulated in registers chunk by chunk.</summary>
        private static void Sum<T>(ReadOnlySpan<T> block, int rest, int start, int step, int count, Span<T> target)
            where T : unmanaged, INumberBase<T>
        {
            int width = Vector<T>.Count;
            if (Vector.IsHardwareAccelerated && rest >= width)
            {
                // Lanes are independent: the last chunk may overlap the one before and rewrites the same sums.
                for (int i = 0; ; i += width)
                {
                    int at = Math.Min(i, rest - width);
                    Vector<T> s0 = Vector<T>.Zero, s1 = Vector<T>.Zero;
                    int j = 0;
                    for (; j + 1 < count; j += 2)
                    {
                        s0 += new Vector<T>(block.Slice((start + j * step) * rest + at));
                        s1 += new Vector<T>(block.Slice((start + (j + 1) * step) * rest + at));
                    }
                    if (j < count) s0 += new Vector<T>(block.Slice((start + j * step) * rest + at));
                    (s0 + s1).CopyTo(target.Slice(at));
                    if (at == rest - width) break;
                }
                return;
            }
            for (int e = 0; e < rest; e++)
            {
                T s0 = T.Zero, s1 = T.Zero;
                int j = 0;
                for (; j + 1 < count; j += 2)
                {
                    s0 += block[(start + j * step) * rest + e];
                    s1 += block[(start + (j + 1) * step) * rest + e];
                }
                if (j < count) s0 += block[(start + j * step) * rest + e];
                target[e] = s0 + s1;
            }
        }

        private static void AddInto<T>(Span<T> sum, ReadOnlySpan<T> values) where T : unmanaged, INumberBase<T>
        {
            int width = Vector<T>.Count, i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; i + width <= sum.Length; i += width) (new Vector<T>(sum.Slice(i)) + new Vector<T>(values.Slice(i))).CopyTo(sum.Slice(i));
            }
            for (; i < sum.Length; i++) sum[i] += values[i];
        }

        /// <summary>The taps of one residue class: their common positions start + j·step (j &lt; count), then each tap's own.</summary>
        private sealed record TapClass(int[] Taps, int Start, int Step, int Count);

        /// <summary>One dimension's taps, grouped by class, and each tap's positions outside its class's core.</summary>
        private sealed class Dimension
        {
            public TapClass[] Classes { get; }
            public int[][] Extras { get; }

            public Dimension(ConvGeometry g)
            {
                var positions = Enumerable.Range(0, g.KernelSize)
                    .Select(k => Enumerable.Range(0, g.OutputSize).Select(o => g.InputIndex(k, o)).Where(i => i >= 0).ToArray()).ToArray();
                int step = g.Stride;
                Extras = new int[g.KernelSize][];
                var classes = new System.Collections.Generic.List<TapClass>();
                // Taps reading nothing form their own class with an empty core (their slot is zeroed by the empty sum).
                foreach (var group in Enumerable.Range(0, g.KernelSize).GroupBy(k => positions[k].Length == 0 ? -1 - k : positions[k][0] % step))
                {
                    var members = group.ToArray();
                    int lo = members.Max(k => positions[k].Length == 0 ? int.MaxValue : positions[k][0]);
                    int hi = members.Min(k => positions[k].Length == 0 ? int.MinValue : positions[k][^1]);
                    int count = hi >= lo ? (hi - lo) / step + 1 : 0;
                    classes.Add(new TapClass(members, Math.Max(0, Math.Min(lo, g.InputSize - 1)), step, count));
                    foreach (int k in members) Extras[k] = positions[k].Where(i => count == 0 || i < lo || i > hi).ToArray();
                }
                Classes = classes.ToArray();
            }
        }
    }
}
