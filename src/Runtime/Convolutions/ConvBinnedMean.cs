using System;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// The mean unfolded input M = x ×_d Π̄_d of KFAC-reduce when every pre-averaged pattern is a selection: each input
    /// position is read by at most one tap (non-overlapping windows, K·D ≤ S: patchify, the 2×2/2 downsample, a strided 1×1).
    /// Π̄_d[k, i] is then 1/O_d where i falls in tap k of some window and 0 elsewhere, so M is a binned sum — M[r, k…] =
    /// (1/ΠO) Σ x[r, i…] over the positions whose taps are k… — one vectorized pass over x instead of contractions with
    /// [K, I] matrices whose few columns make skinny, slow GEMMs (the 2×2/2 downsample ran at 0.7–0.9× of unfold + mean).
    /// </summary>
    internal sealed class ConvBinnedMean
    {
        private readonly int _taps, _lastSize, _lastTaps, _outerTaps, _period, _vectorEnd;
        private readonly int[] _lastBins;   // the tap of each position of the last dimension, −1 for none
        private readonly int[] _lineBins;   // per line (outer position), the taps' offset of the outer dimensions, −1 for none
        private readonly double _scale;
        private readonly int[] _flat = Array.Empty<int>();   // the tap of each spatial position (row-major), −1 for none
        private readonly int _rowPeriod, _periodsEnd;           // whole periods of the flattened row (0: none)
        private readonly int[] _groupOf = Array.Empty<int>();   // per vector of the period: its accumulator (−1: no lane has a tap)
        private readonly int[][] _groupTaps = Array.Empty<int[]>(); // per accumulator: each lane's tap
        private const int MaxPeriodVectors = 4096;

        private ConvBinnedMean(ConvGeometry[] geometries, int[][] bins, int elementsPerVector)
        {
            int n = geometries.Length;
            _taps = geometries.Aggregate(1, (a, g) => a * g.KernelSize);
            _lastSize = geometries[n - 1].InputSize;
            _lastTaps = geometries[n - 1].KernelSize;
            _outerTaps = _taps / _lastTaps;
            _lastBins = bins[n - 1];
            _scale = 1.0 / geometries.Aggregate(1.0, (a, g) => a * g.OutputSize);

            int lines = geometries.Take(n - 1).Aggregate(1, (a, g) => a * g.InputSize);
            _lineBins = new int[lines];
            var index = new int[n - 1];
            for (int line = 0; line < lines; line++)
            {
                int rest = line, offset = 0;
                for (int d = n - 2; d >= 0; d--)
                {
                    index[d] = rest % geometries[d].InputSize;
                    rest /= geometries[d].InputSize;
                }
                for (int d = 0; d < n - 1 && offset >= 0; d++)
                {
                    int k = bins[d][index[d]];
                    offset = k < 0 ? -1 : offset * geometries[d].KernelSize + k;
                }
                _lineBins[line] = offset;
            }

            // Windows repeat every stride along the last dimension: where the bins do (from the start up to the last full
            // window), whole vectors add up lane-wise and each lane's sum goes to the tap of its position modulo the stride.
            _period = geometries[n - 1].Stride;
            int periodic = Math.Min(_period, _lastSize);
            while (periodic < _lastSize && _lastBins[periodic] == _lastBins[periodic - _period]) periodic++;
            _vectorEnd = elementsPerVector % _period == 0 && _period <= _lastSize ? periodic / elementsPerVector * elementsPerVector : 0;

            // Better still, the whole row: shifting the first dimension by its stride keeps every tap, so the flattened row
            // repeats every S_0·ΠI_d (d ≥ 1) positions up to the first dimension's last window. A period that is a whole number
            // of vectors gets one accumulator per vector of the period: rows of a few dozen elements (the 2×2/2 downsample's
            // 28) then run as one long vector loop, not as short lines.
            int inner = lines * _lastSize;
            long natural = (long)geometries[0].Stride * (inner / geometries[0].InputSize);
            long period = natural / Gcd(natural, elementsPerVector) * elementsPerVector;
            if (period / elementsPerVector <= MaxPeriodVectors && period <= inner)
            {
                _flat = new int[inner];
                for (int line = 0; line < lines; line++)
                {
                    for (int i = 0; i < _lastSize; i++)
                    {
                        _flat[line * _lastSize + i] = _lineBins[line] < 0 || _lastBins[i] < 0 ? -1 : _lineBins[line] * _lastTaps + _lastBins[i];
                    }
                }
                int p = (int)period, end = p;
                while (end < inner && _flat[end] == _flat[end - p]) end++;
                _rowPeriod = p;
                _periodsEnd = end / p * p;
                // Vectors of the period whose lanes have the same taps share an accumulator; those with no tap are not read.
                var groups = new System.Collections.Generic.List<int[]>();
                _groupOf = new int[p / elementsPerVector];
                for (int q = 0; q < _groupOf.Length; q++)
                {
                    var taps = _flat.AsSpan(q * elementsPerVector, elementsPerVector).ToArray();
                    int g = groups.FindIndex(t => t.AsSpan().SequenceEqual(taps));
                    if (taps.All(k => k < 0)) g = -1;
                    else if (g < 0)
                    {
                        g = groups.Count;
                        groups.Add(taps);
                    }
                    _groupOf[q] = g;
                }
                _groupTaps = groups.ToArray();
            }
        }

        private static long Gcd(long a, long b)
        {
            while (b != 0) (a, b) = (b, a % b);
            return a;
        }

        /// <summary>
        /// The binned mean for these geometries, or null when some pattern reads a position from two taps, or when the kernel
        /// has one tap only (a strided 1×1: the contraction with Π̄ is then a matrix-vector product that streams x faster than
        /// the bins, 0.37 against 1.0 ms on the ResNet-18 shortcut; such a kernel takes <see cref="ConvWindowMean"/>).
        /// </summary>
        public static ConvBinnedMean? TryCreate<T>(ConvGeometry[] geometries) where T : unmanaged
        {
            if (ConvKernelChoice.KfacMean(geometries) != ConvKfacMean.Binned) return null;
            var bins = new int[geometries.Length][];
            for (int d = 0; d < geometries.Length; d++)
            {
                var g = geometries[d];
                var b = new int[g.InputSize];
                Array.Fill(b, -1);
                for (int k = 0; k < g.KernelSize; k++)
                {
                    for (int o = 0; o < g.OutputSize; o++)
                    {
                        int i = g.InputIndex(k, o);
                        if (i < 0) continue;
                        if (b[i] >= 0) return null;
                        b[i] = k;
                    }
                }
                bins[d] = b;
            }
            return new ConvBinnedMean(geometries, bins, Vector<T>.Count);
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
            var sums = new T[_taps];
            var lanes = new Vector<T>[Math.Max(_outerTaps, _groupTaps.Length)];
            T scale = T.CreateChecked(_scale);
            for (long r = first; r < end; r++)
            {
                Array.Clear(sums);
                Array.Clear(lanes);
                var row = source.Slice(checked((int)(r * inner)), (int)inner);
                if (_rowPeriod > 0) PeriodicRow(row, sums, lanes);
                else LineRows(row, sums, lanes);
                var result = target.Slice(checked((int)(r * _taps)), _taps);
                for (int t = 0; t < _taps; t++) result[t] = sums[t] * scale;
            }
        }

        /// <summary>One row line by line (each line's whole vectors add into its outer taps' accumulator), when it has no period.</summary>
        private void LineRows<T>(ReadOnlySpan<T> row, T[] sums, Vector<T>[] lanes) where T : unmanaged, INumberBase<T>
        {
            int width = Vector<T>.Count;
            for (int line = 0; line < _lineBins.Length; line++)
            {
                int offset = _lineBins[line];
                if (offset < 0) continue;
                var values = row.Slice(line * _lastSize, _lastSize);
                int i = 0;
                if (_vectorEnd > 0)
                {
                    // Two accumulators: the adds of one line do not wait on each other.
                    Vector<T> a = Vector<T>.Zero, b = Vector<T>.Zero;
                    for (; i + 2 * width <= _vectorEnd; i += 2 * width)
                    {
                        a += new Vector<T>(values.Slice(i));
                        b += new Vector<T>(values.Slice(i + width));
                    }
                    for (; i + width <= _vectorEnd; i += width) a += new Vector<T>(values.Slice(i));
                    lanes[offset] += a + b;
                }
                int at = offset * _lastTaps;
                for (; i < values.Length; i++)
                {
                    int k = _lastBins[i];
                    if (k >= 0) sums[at + k] += values[i];
                }
            }
            if (_vectorEnd > 0)
            {
                for (int offset = 0; offset < _outerTaps; offset++)
                {
                    for (int j = 0; j < width; j++)
                    {
                        int k = _lastBins[j % _period];
                        if (k >= 0) sums[offset * _lastTaps + k] += lanes[offset][j];
                    }
                }
            }
        }

        /// <summary>One row by whole periods (accumulator q takes the q-th vector of every period), then the tail by the table.</summary>
        private void PeriodicRow<T>(ReadOnlySpan<T> row, T[] sums, Vector<T>[] lanes) where T : unmanaged, INumberBase<T>
        {
            int width = Vector<T>.Count;
            var groupOf = _groupOf;
            if (groupOf.Length <= 8)
            {
                PeriodsInRegisters(row, lanes);
            }
            else
            {
                for (int start = 0; start < _periodsEnd; start += _rowPeriod)
                {
                    var period = row.Slice(start, _rowPeriod);
                    for (int q = 0; q < groupOf.Length; q++)
                    {
                        int g = groupOf[q];
                        if (g >= 0) lanes[g] += new Vector<T>(period.Slice(q * width));
                    }
                }
            }
            for (int i = _periodsEnd; i < row.Length; i++)
            {
                int k = _flat[i];
                if (k >= 0) sums[k] += row[i];
            }
            for (int g = 0; g < _groupTaps.Length; g++)
            {
                var taps = _groupTaps[g];
                for (int j = 0; j < width; j++)
                {
                    int k = taps[j];
                    if (k >= 0) sums[k] += lanes[g][j];
                }
            }
        }

        /// <summary>
        /// The periods of a row summed vector by vector in registers (a period of up to 8 vectors: the ConvNeXt 2×2/2 downsample's
        /// 7 on 28-wide rows), then each vector added into its group's lanes once per row: accumulating into the lanes in memory
        /// made every add wait on the store of the one before it.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // under load, tier 0 ran for whole benchmark rows
        private void PeriodsInRegisters<T>(ReadOnlySpan<T> row, Vector<T>[] lanes) where T : unmanaged, INumberBase<T>
        {
            int width = Vector<T>.Count, count = _groupOf.Length;
            var groupOf = _groupOf;
            // Vectors whose lanes hold no tap are not read.
            bool r0 = groupOf[0] >= 0, r1 = count > 1 && groupOf[1] >= 0, r2 = count > 2 && groupOf[2] >= 0, r3 = count > 3 && groupOf[3] >= 0;
            bool r4 = count > 4 && groupOf[4] >= 0, r5 = count > 5 && groupOf[5] >= 0, r6 = count > 6 && groupOf[6] >= 0, r7 = count > 7 && groupOf[7] >= 0;
            Vector<T> a0 = Vector<T>.Zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int at = 0; at < _periodsEnd; at += _rowPeriod)
            {
                var period = row.Slice(at, _rowPeriod);
                if (r0) a0 += new Vector<T>(period);
                if (r1) a1 += new Vector<T>(period.Slice(width));
                if (r2) a2 += new Vector<T>(period.Slice(2 * width));
                if (r3) a3 += new Vector<T>(period.Slice(3 * width));
                if (r4) a4 += new Vector<T>(period.Slice(4 * width));
                if (r5) a5 += new Vector<T>(period.Slice(5 * width));
                if (r6) a6 += new Vector<T>(period.Slice(6 * width));
                if (r7) a7 += new Vector<T>(period.Slice(7 * width));
            }
            for (int q = 0; q < count; q++)
            {
                int g = groupOf[q];
                if (g < 0) continue;
                lanes[g] += q switch { 0 => a0, 1 => a1, 2 => a2, 3 => a3, 4 => a4, 5 => a5, 6 => a6, _ => a7 };
            }
        }
    }
}
