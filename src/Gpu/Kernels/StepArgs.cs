namespace EinsumGen.Gpu.Kernels
{
    /// <summary>
    /// The scalar arguments of one strided step (<see cref="StridedKernels"/>): where each tensor starts in its buffer,
    /// how many dimensions there are and how many of them index the result. Sizes and strides travel in a small device
    /// buffer of <c>4 × Rank</c> longs (sizes, first's, second's, result's strides), uploaded once per step layout, so a
    /// step of any rank needs no recompiled kernel.
    /// </summary>
    internal struct StepArgs
    {
        public int Rank;
        public int Kept;
        public long FirstOffset;
        public long SecondOffset;
        public long ResultOffset;

        /// <summary>Elements of the result this step writes: the product of the kept sizes.</summary>
        public long Count;

        /// <summary>Terms summed per result element: the product of the summed sizes (0 clears the result instead).</summary>
        public long SummedCount;

        /// <summary>1 when a second factor is read; a unary step multiplies by one.</summary>
        public int HasSecond;

        /// <summary>1 when the result is added to instead of overwritten.</summary>
        public int Accumulate;
    }

    /// <summary>
    /// The arguments of a (batched) GEMM-shaped step for <see cref="TiledGemmKernel"/>: C[b,m,n] (=|+=) Σ_k A[b,m,k]·B[b,k,n], each
    /// operand with its own strides, so any permutation of the step's labels is folded into the loads.
    /// </summary>
    internal struct GemmArgs
    {
        public int M, N, K, Batch;
        public long AOffset, AM, AK, ABatch;
        public long BOffset, BK, BN, BBatch;
        public long COffset, CM, CN, CBatch;

        /// <summary>1 when consecutive k are adjacent in A (the tile loads walk k fastest), 0 when m is.</summary>
        public int AKFast;

        /// <summary>1 when consecutive n are adjacent in B (the tile loads walk n fastest), 0 when k is.</summary>
        public int BNFast;
        public int Accumulate;
    }
}
