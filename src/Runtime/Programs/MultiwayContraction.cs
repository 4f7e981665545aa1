using System;
using System.Collections.Generic;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using EinsumGen.Notation;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// One contraction of any number of tensors in a single strided loop nest: the <see cref="EinsumStepKind.Multiway"/>
    /// step that a memory limit leaves when no pairwise order fits (no intermediate at all). The loops over the result's
    /// elements are outside and split over the cores; the summed loops (and a result dimension that the result broadcasts,
    /// stride 0) are inside, the longest innermost. Tensors are read through copies of the memory their views span, so that
    /// the loops index plain arrays; the result is an array the caller owns.
    /// </summary>
    internal static class MultiwayContraction
    {
        /// <summary>Products below which one thread runs the whole nest.</summary>
        private const long ParallelThreshold = 1 << 18;

        /// <summary>A tensor as the loops read or write it: its elements, and its stride along every loop dimension.</summary>
        internal readonly record struct Operand<T>(T[] Data, long[] Strides);

        /// <summary>
        /// The loop dimensions of <paramref name="e"/> (its labels in ordinal order, then the <paramref name="ellipsisShape"/>
        /// dimensions) and their extents.
        /// </summary>
        public static long[] Extents(EinsumExpression e, IReadOnlyDictionary<char, long> sizes, long[] ellipsisShape, out string labels)
        {
            labels = e.AllLabels();
            var extents = new long[labels.Length + ellipsisShape.Length];
            for (int d = 0; d < labels.Length; d++) extents[d] = sizes[labels[d]];
            ellipsisShape.CopyTo(extents, labels.Length);
            return extents;
        }

        /// <summary>
        /// The strides of a view with <paramref name="lengths"/> and <paramref name="strides"/> read as <paramref name="term"/>,
        /// along each loop dimension: a repeated label adds its strides (a diagonal), a length-1 dimension broadcasts (stride
        /// 0), the ellipsis dimensions align right. A scalar argument (one element for an empty term) has stride 0 throughout.
        /// </summary>
        public static long[] Strides(EinsumTerm term, ReadOnlySpan<nint> lengths, ReadOnlySpan<nint> strides, bool scalar, string labels, int ellipsisRank)
        {
            var result = new long[labels.Length + ellipsisRank];
            if (scalar) return result;
            int covered = lengths.Length - term.Labels.Count;
            for (int k = 0; k < term.Labels.Count; k++)
            {
                int dim = term.HasEllipsis && k >= term.EllipsisIndex ? k + covered : k;
                if (lengths[dim] != 1) result[labels.IndexOf(term.Labels[k])] += strides[dim];
            }
            for (int j = 0; term.HasEllipsis && j < covered; j++)
            {
                int dim = term.EllipsisIndex + j;
                if (lengths[dim] != 1) result[labels.Length + ellipsisRank - covered + j] += strides[dim];
            }
            return result;
        }

        /// <summary>A view as the loops read it: a copy of the memory it spans from its first element, and its loop strides.</summary>
        public static Operand<T> Read<T>(Tensor<T> view, EinsumTerm term, bool scalar, string labels, int ellipsisRank)
        {
            long extent = Overlap.Extent(view.Lengths, view.Strides);
            var data = extent == 0 ? Array.Empty<T>() : MemoryMarshal.CreateReadOnlySpan(ref Einsum.First(view), checked((int)extent)).ToArray();
            return new Operand<T>(data, Strides(term, view.Lengths, view.Strides, scalar, labels, ellipsisRank));
        }

        /// <summary>
        /// output[...] = Σ Π inputs (or += with <paramref name="accumulate"/>) over every loop dimension: those where the output
        /// has a stride index it, the rest are summed. Elements the output's strides never reach (off a diagonal) are left as
        /// they are.
        /// </summary>
        public static void Run<T>(long[] extents, Operand<T>[] inputs, Operand<T> output, bool accumulate) where T : unmanaged, INumberBase<T>
        {
            // An empty output (a dimension of length 0, whose dense strides may read 0) has nothing to write.
            if (output.Data.Length == 0) return;
            var outer = new List<int>();
            var inner = new List<int>();
            for (int d = 0; d < extents.Length; d++) (output.Strides[d] != 0 && extents[d] > 1 ? outer : inner).Add(d);
            // The result's dimensions outermost in the order of their strides (largest first, so writes run forward); the
            // longest summed dimension innermost.
            outer.Sort((a, b) => output.Strides[b].CompareTo(output.Strides[a]));
            inner.Sort((a, b) => extents[a].CompareTo(extents[b]));
            long outerCount = 1, innerCount = 1;
            foreach (int d in outer) outerCount *= extents[d];
            foreach (int d in inner) innerCount *= extents[d];
            if (outerCount == 0) return;
            var nest = new Nest<T>(extents, outer.ToArray(), inner.ToArray(), inputs, output, accumulate);
            if (innerCount == 0)
            {
                // An empty sum: every reached element is 0 (or keeps its value when adding).
                if (!accumulate) nest.Fill(0, outerCount);
                return;
            }
            long work = outerCount * innerCount * inputs.Length;
            int parts = work < ParallelThreshold || outerCount < 2 ? 1 : (int)Math.Min(outerCount, Environment.ProcessorCount * 4L);
            if (parts == 1)
            {
                nest.Range(0, outerCount);
                return;
            }
            Parallel.For(0, parts, p => nest.Range(outerCount * p / parts, outerCount * (p + 1) / parts));
        }

        private sealed class Nest<T> where T : unmanaged, INumberBase<T>
        {
            private readonly long[] _extents;
            private readonly int[] _outer, _inner;
            private readonly Operand<T>[] _inputs;
            private readonly Operand<T> _output;
            private readonly bool _accumulate;

            public Nest(long[] extents, int[] outer, int[] inner, Operand<T>[] inputs, Operand<T> output, bool accumulate)
            {
                _extents = extents;
                _outer = outer;
                _inner = inner;
                _inputs = inputs;
                _output = output;
                _accumulate = accumulate;
            }

            /// <summary>Writes 0 to the output elements [from, to) of the outer loops.</summary>
            public void Fill(long from, long to)
            {
                var index = new long[_outer.Length];
                long at = Start(from, index, _output.Strides);
                for (long e = from; e < to; e++)
                {
                    _output.Data[at] = T.Zero;
                    at = Next(index, _output.Strides, at);
                }
            }

            /// <summary>Computes the output elements [from, to) of the outer loops.</summary>
            public void Range(long from, long to)
            {
                int k = _inputs.Length;
                var index = new long[_outer.Length];
                var offsets = new long[k];
                for (int t = 0; t < k; t++) offsets[t] = Start(from, index, _inputs[t].Strides);
                long at = Start(from, index, _output.Strides);
                var position = new long[_inner.Length];
                var cursor = new long[k];
                int last = _inner.Length - 1;
                long lastExtent = last < 0 ? 1 : _extents[_inner[last]];
                var lastStrides = new long[k];
                for (int t = 0; t < k && last >= 0; t++) lastStrides[t] = _inputs[t].Strides[_inner[last]];
                var data = new T[k][];
                for (int t = 0; t < k; t++) data[t] = _inputs[t].Data;
                for (long e = from; e < to; e++)
                {
                    T sum = T.Zero;
                    Array.Copy(offsets, cursor, k);
                    Array.Clear(position);
                    while (true)
                    {
                        sum += Innermost(data, cursor, lastStrides, lastExtent);
                        int d = last - 1;
                        for (; d >= 0; d--)
                        {
                            int dim = _inner[d];
                            for (int t = 0; t < k; t++) cursor[t] += _inputs[t].Strides[dim];
                            if (++position[d] < _extents[dim]) break;
                            for (int t = 0; t < k; t++) cursor[t] -= _inputs[t].Strides[dim] * _extents[dim];
                            position[d] = 0;
                        }
                        if (d < 0) break;
                    }
                    _output.Data[at] = _accumulate ? _output.Data[at] + sum : sum;
                    // Step the outer index, moving every offset with it.
                    for (int d = _outer.Length - 1; d >= 0; d--)
                    {
                        int dim = _outer[d];
                        at += _output.Strides[dim];
                        for (int t = 0; t < k; t++) offsets[t] += _inputs[t].Strides[dim];
                        if (++index[d] < _extents[dim]) break;
                        at -= _output.Strides[dim] * _extents[dim];
                        for (int t = 0; t < k; t++) offsets[t] -= _inputs[t].Strides[dim] * _extents[dim];
                        index[d] = 0;
                    }
                }
            }

            /// <summary>Σ_x Π_t data[t][cursor[t] + x·strides[t]] over the innermost dimension; three operands (the usual case) unrolled.</summary>
            private static T Innermost(T[][] data, long[] cursor, long[] strides, long extent)
            {
                T sum = T.Zero;
                if (data.Length == 3)
                {
                    T[] a = data[0], b = data[1], c = data[2];
                    long ia = cursor[0], ib = cursor[1], ic = cursor[2], sa = strides[0], sb = strides[1], sc = strides[2];
                    for (long x = 0; x < extent; x++, ia += sa, ib += sb, ic += sc) sum += a[ia] * b[ib] * c[ic];
                    return sum;
                }
                if (data.Length == 2)
                {
                    T[] a = data[0], b = data[1];
                    long ia = cursor[0], ib = cursor[1], sa = strides[0], sb = strides[1];
                    for (long x = 0; x < extent; x++, ia += sa, ib += sb) sum += a[ia] * b[ib];
                    return sum;
                }
                for (long x = 0; x < extent; x++)
                {
                    T product = data[0][cursor[0] + x * strides[0]];
                    for (int t = 1; t < data.Length; t++) product *= data[t][cursor[t] + x * strides[t]];
                    sum += product;
                }
                return sum;
            }

            /// <summary>The offset of outer element <paramref name="flat"/> along <paramref name="strides"/>; fills <paramref name="index"/>.</summary>
            private long Start(long flat, long[] index, long[] strides)
            {
                long offset = 0;
                for (int d = _outer.Length - 1; d >= 0; d--)
                {
                    long extent = _extents[_outer[d]];
                    index[d] = flat % extent;
                    flat /= extent;
                    offset += index[d] * strides[_outer[d]];
                }
                return offset;
            }

            private long Next(long[] index, long[] strides, long at)
            {
                for (int d = _outer.Length - 1; d >= 0; d--)
                {
                    int dim = _outer[d];
                    at += strides[dim];
                    if (++index[d] < _extents[dim]) return at;
                    at -= strides[dim] * _extents[dim];
                    index[d] = 0;
                }
                return at;
            }
        }
    }
}
