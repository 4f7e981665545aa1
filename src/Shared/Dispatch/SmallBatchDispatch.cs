using System;

namespace EinsumGen.Dispatch
{
    /// <summary>
    /// A batched small product as the small-batch kernel runs it: C[b, m, n] = Σ_k P[b, m, k]·Q[b, k, n], with Q and C
    /// unit-stride along n. <see cref="Transposed"/>: P is the step's second factor and Q its first (the kernel computes
    /// Cᵀ = Bᵀ·Aᵀ, so that the result's unit stride runs along its vectors). M, N and K are dimensions of the step.
    /// </summary>
    internal readonly struct SmallBatchShape
    {
        public SmallBatchShape(bool transposed, int m, int n, int k)
        {
            Applies = true;
            Transposed = transposed;
            M = m;
            N = n;
            K = k;
        }

        /// <summary>Whether the small-batch kernel takes the step (the other members are meaningful only then).</summary>
        public bool Applies { get; }

        /// <summary>Whether P is the step's second factor (C's unit stride runs along the first factor's own dimension).</summary>
        public bool Transposed { get; }

        /// <summary>The step's dimension of P alone (C's rows).</summary>
        public int M { get; }

        /// <summary>The step's dimension of Q alone (C's unit-stride columns, Q's too).</summary>
        public int N { get; }

        /// <summary>The step's summed dimension.</summary>
        public int K { get; }
    }

    /// <summary>
    /// Whether a pairwise step is a large batch of small products (bij,bjk->bik with i, j, k a few each): every element feeds
    /// only a few multiply-adds, so the step is bound by memory, yet each product reuses its operands, so the streaming tier
    /// does not take it, and the GEMM kernel's per-entry set-up (offset tables, a loop per entry) costs more than the
    /// entry's work. Then one loop walks the batch in the result's storage order and each entry's product stays in
    /// registers. A pure function of sizes and strides, so that the generator names the kernel a call will run.
    /// </summary>
    internal static class SmallBatchDispatch
    {
        /// <summary>
        /// The shape the small-batch kernel runs, or one that does not apply: the step's dimensions of size above 1 are
        /// batch dimensions (kept, in both factors), exactly one of the first factor alone (kept), one of the second alone
        /// (kept) and one summed (in both); the result and the factor holding its unit-stride dimension are unit-stride
        /// along it, and that dimension is at least one 16-byte vector long; each product is small (no side above
        /// <see cref="DispatchLimits.SmallBatchMaxSide"/>) with few multiply-adds per element it moves (at most
        /// <see cref="DispatchLimits.SmallBatchMaxReuse"/>); and the step moves at least
        /// <see cref="DispatchLimits.SmallBatchMinBytes"/>.
        /// </summary>
        public static SmallBatchShape Choose(ReadOnlySpan<long> sizes, ReadOnlySpan<long> firstStrides, ReadOnlySpan<long> secondStrides,
            ReadOnlySpan<long> resultStrides, int kept,
            int elementSize, DispatchLimits limits)
        {
            int m = -1, n = -1, k = -1;
            long batch = 1;
            for (int d = 0; d < sizes.Length; d++)
            {
                long size = sizes[d];
                if (size == 0) return default;
                if (size == 1) continue;
                bool a = firstStrides[d] != 0, b = secondStrides[d] != 0;
                if (d >= kept)
                {
                    if (!a || !b || k >= 0) return default;
                    k = d;
                }
                else if (a && b) batch *= size;
                else if (a) { if (m >= 0) return default; m = d; }
                else if (b) { if (n >= 0) return default; n = d; }
                else return default; // a result dimension broadcast in both factors
            }
            if (m < 0 || n < 0 || k < 0 || batch < 2) return default;
            bool transposed;
            if (resultStrides[n] == 1 && secondStrides[n] == 1) transposed = false;
            else if (resultStrides[m] == 1 && firstStrides[m] == 1) transposed = true;
            else return default;
            if (transposed) (m, n) = (n, m);
            long sm = sizes[m], sn = sizes[n], sk = sizes[k];
            int side = limits.SmallBatchMaxSide;
            if (sm > side || sn > side || sk > side || sn * elementSize < 16) return default;
            long perEntry = sm * sk + sk * sn + sm * sn;
            if (sm * sn * sk > limits.SmallBatchMaxReuse * perEntry) return default;
            if ((double)batch * perEntry * elementSize < limits.SmallBatchMinBytes) return default;
            return new SmallBatchShape(transposed, m, n, k);
        }

        /// <summary>
        /// How the small-batch kernel splits over <paramref name="threads"/>: along the batch where the step moves at least
        /// <see cref="DispatchLimits.StreamParallelBytes"/>, else not at all.
        /// </summary>
        public static DispatchedSplit Split(ReadOnlySpan<long> sizes, SmallBatchShape shape, int elementSize, int threads, DispatchLimits limits)
        {
            if (threads <= 1) return DispatchedSplit.None;
            long batch = 1;
            for (int d = 0; d < sizes.Length; d++)
            {
                if (d != shape.M && d != shape.N && d != shape.K) batch *= sizes[d];
            }
            long sm = sizes[shape.M], sn = sizes[shape.N], sk = sizes[shape.K];
            double bytes = (double)batch * (sm * sk + sk * sn + sm * sn) * elementSize;
            return bytes >= limits.StreamParallelBytes && batch >= threads ? DispatchedSplit.Batch : DispatchedSplit.None;
        }
    }
}
