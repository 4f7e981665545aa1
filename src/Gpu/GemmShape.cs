using System;
using System.Collections.Generic;
using EinsumGen.Gpu.Kernels;
using EinsumGen.Runtime;

namespace EinsumGen.Gpu
{
    /// <summary>
    /// Recognizes a step as C[batch, m, n] = Σ_k A[batch, m, k] · B[batch, k, n]: each kept label in both factors is a batch
    /// label, in the first only an M label, in the second only an N label; each summed label must be in both (a label
    /// summed in one factor only is a reduction first, which the strided kernel does). Labels of one group merge into one
    /// when they are adjacent in every tensor (the tensor train's abcd in W and x), so the tiled kernel sees one stride each.
    /// </summary>
    internal static class GemmShape
    {
        private const int MaxBatch = 65535; // CUDA's grid z limit

        public static bool TryCreate(StepCall call, long aOffset, long bOffset, long cOffset, bool accumulate, out GemmArgs args)
        {
            args = default;
            if (!call.HasSecond) return false;
            var batch = new List<int>();
            var m = new List<int>();
            var n = new List<int>();
            var k = new List<int>();
            for (int d = 0; d < call.Sizes.Length; d++)
            {
                if (call.Sizes[d] == 1) continue;
                bool inA = call.FirstStrides[d] != 0, inB = call.SecondStrides[d] != 0;
                if (d >= call.Kept)
                {
                    if (!inA || !inB) return false;
                    k.Add(d);
                }
                else if (inA && !inB) m.Add(d);
                else if (inB && !inA) n.Add(d);
                else batch.Add(d);
            }
            if (!Merge(call, m, byFirst: true, out var gm) || !Merge(call, n, byFirst: false, out var gn) || !Merge(call, k, byFirst: true, out var gk)
                || !Merge(call, batch, byFirst: false, out var gb))
            {
                return false;
            }
            if (gm.Size > int.MaxValue || gn.Size > int.MaxValue || gk.Size > int.MaxValue || gb.Size > MaxBatch) return false;
            args = new GemmArgs
            {
                M = (int)gm.Size, N = (int)gn.Size, K = (int)gk.Size, Batch = (int)gb.Size,
                AOffset = aOffset, AM = gm.A, AK = gk.A, ABatch = gb.A,
                BOffset = bOffset, BK = gk.B, BN = gn.B, BBatch = gb.B,
                COffset = cOffset, CM = gm.C, CN = gn.C, CBatch = gb.C,
                AKFast = Math.Abs(gk.A) <= Math.Abs(gm.A) ? 1 : 0,
                BNFast = Math.Abs(gn.B) <= Math.Abs(gk.B) ? 1 : 0,
                Accumulate = accumulate ? 1 : 0,
            };
            return true;
        }

        /// <summary>One GEMM dimension: its size and its stride in A, B and C (0 where a tensor lacks it).</summary>
        private readonly record struct Group(long Size, long A, long B, long C);

        /// <summary>Merges a group's labels into one dimension, outermost first; false when they are not adjacent in every tensor.</summary>
        private static bool Merge(StepCall call, List<int> dims, bool byFirst, out Group group)
        {
            group = new Group(1, 0, 0, 0);
            if (dims.Count == 0) return true;
            // Outermost first: by descending stride in the tensor that has every label of the group.
            dims.Sort((x, y) => Stride(call, y, byFirst).CompareTo(Stride(call, x, byFirst)));
            int last = dims[dims.Count - 1];
            long size = call.Sizes[last];
            for (int i = dims.Count - 2; i >= 0; i--)
            {
                int outer = dims[i], inner = dims[i + 1];
                if (!Adjacent(call.FirstStrides, call.Sizes, outer, inner) || !Adjacent(call.SecondStrides, call.Sizes, outer, inner)
                    || !Adjacent(call.ResultStrides, call.Sizes, outer, inner))
                {
                    return false;
                }
                size *= call.Sizes[outer];
            }
            group = new Group(size, call.FirstStrides[last], call.SecondStrides[last], call.ResultStrides[last]);
            return true;
        }

        private static long Stride(StepCall call, int d, bool byFirst) =>
            d >= call.Kept || byFirst ? (byFirst ? call.FirstStrides[d] : call.SecondStrides[d]) : Math.Max(call.ResultStrides[d], call.SecondStrides[d]);

        private static bool Adjacent(nint[] strides, nint[] sizes, int outer, int inner) => strides[outer] == strides[inner] * sizes[inner];
    }
}
