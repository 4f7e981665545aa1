using System;

namespace EinsumGen.Dispatch
{
    /// <summary>
    /// A step's dimensions in the order the streaming tier walks them: dimensions of size 1 dropped, the rest sorted by the
    /// stride of the tensor that touches the most elements (the streamed tensor: its storage order, outermost first), and
    /// neighbours that are contiguous in every tensor merged into one. The runtime's kernel and the dispatcher both call
    /// this, so that they agree on the inner run a step streams.
    /// </summary>
    internal static class StreamShape
    {
        /// <summary>The streamed tensor: the first factor, the second, or the result.</summary>
        public const int First = 0, Second = 1, Result = 2;

        /// <summary>
        /// Fills the canonical dimensions (outermost first) and returns their count; every size must be at least 1 (a step
        /// with an empty dimension is handled before). <paramref name="summed"/>[d]: whether canonical dimension d is summed.
        /// <paramref name="streamed"/>: which tensor sets the order; <paramref name="elements"/>: the elements each tensor
        /// touches (first, second, result), whose sum times the element size is the bytes the step moves.
        /// </summary>
        public static int Canonicalize(ReadOnlySpan<long> sizes, ReadOnlySpan<long> first, ReadOnlySpan<long> second, ReadOnlySpan<long> result,
            int kept, bool hasSecond, Span<long> outSizes, Span<long> outFirst, Span<long> outSecond, Span<long> outResult, Span<bool> summed,
            out int streamed, Span<long> elements)
        {
            int n = 0;
            long ea = 1, eb = 1, er = 1;
            for (int d = 0; d < sizes.Length; d++)
            {
                long size = sizes[d];
                if (size == 1) continue;
                long sb = hasSecond ? second[d] : 0;
                if (first[d] != 0) ea *= size;
                if (sb != 0) eb *= size;
                if (d < kept) er *= size;
                outSizes[n] = size;
                outFirst[n] = first[d];
                outSecond[n] = sb;
                outResult[n] = d < kept ? result[d] : 0;
                summed[n] = d >= kept;
                n++;
            }
            elements[0] = ea;
            elements[1] = hasSecond ? eb : 0;
            elements[2] = er;
            // The largest tensor sets the order (ties: the first factor, then the second): its reads or writes are the bytes.
            streamed = ea >= er && ea >= (hasSecond ? eb : 0) ? First : hasSecond && eb >= er ? Second : Result;

            // Insertion sort, outermost first: descending stride of the streamed tensor, where it lacks a dimension
            // (stride 0, broadcast) outermost; ties by the result's, then the factors' strides.
            for (int i = 1; i < n; i++)
            {
                for (int j = i; j > 0 && Outer(j, j - 1, streamed, outFirst, outSecond, outResult); j--)
                {
                    Swap(outSizes, j); Swap(outFirst, j); Swap(outSecond, j); Swap(outResult, j);
                    (summed[j], summed[j - 1]) = (summed[j - 1], summed[j]);
                }
            }

            // Merge an outer dimension into its inner neighbour where every tensor steps over the inner one to reach it.
            int m = 0;
            for (int d = n - 1; d >= 0; d--)
            {
                if (m > 0)
                {
                    int e = n - m; // the innermost dimension merged so far sits at index n - m
                    long size = outSizes[e];
                    if (summed[d] == summed[e] && outFirst[d] == outFirst[e] * size && outSecond[d] == outSecond[e] * size && outResult[d] == outResult[e] * size)
                    {
                        outSizes[e] = size * outSizes[d];
                        continue;
                    }
                }
                m++;
                int target = n - m;
                outSizes[target] = outSizes[d];
                outFirst[target] = outFirst[d];
                outSecond[target] = outSecond[d];
                outResult[target] = outResult[d];
                summed[target] = summed[d];
            }
            // Move the m merged dimensions to the front.
            int shift = n - m;
            for (int d = 0; d < m; d++)
            {
                outSizes[d] = outSizes[d + shift];
                outFirst[d] = outFirst[d + shift];
                outSecond[d] = outSecond[d + shift];
                outResult[d] = outResult[d + shift];
                summed[d] = summed[d + shift];
            }
            return m;
        }

        /// <summary>Whether dimension <paramref name="i"/> belongs outside dimension <paramref name="j"/>.</summary>
        private static bool Outer(int i, int j, int streamed, Span<long> a, Span<long> b, Span<long> r)
        {
            Span<long> s = streamed == First ? a : streamed == Second ? b : r;
            long si = Key(s[i]), sj = Key(s[j]);
            if (si != sj) return si > sj;
            if (Math.Abs(r[i]) != Math.Abs(r[j])) return Math.Abs(r[i]) > Math.Abs(r[j]);
            if (Math.Abs(a[i]) != Math.Abs(a[j])) return Math.Abs(a[i]) > Math.Abs(a[j]);
            return Math.Abs(b[i]) > Math.Abs(b[j]);
        }

        private static long Key(long stride) => stride == 0 ? long.MaxValue : Math.Abs(stride);

        private static void Swap(Span<long> values, int j) => (values[j], values[j - 1]) = (values[j - 1], values[j]);

        /// <summary>Whether the innermost canonical dimension streams with vectors: unit stride in the streamed tensor, 0 or 1 in the others.</summary>
        public static bool VectorRun(int n, int streamed, ReadOnlySpan<long> first, ReadOnlySpan<long> second, ReadOnlySpan<long> result)
        {
            if (n == 0) return false;
            int i = n - 1;
            long s = streamed == First ? first[i] : streamed == Second ? second[i] : result[i];
            return s == 1 && (first[i] == 0 || first[i] == 1) && (second[i] == 0 || second[i] == 1) && (result[i] == 0 || result[i] == 1);
        }
    }
}
