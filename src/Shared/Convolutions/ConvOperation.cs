namespace EinsumGen.Convolutions
{
    /// <summary>The operations a convolution's tensor network is built for (the reference implementation's table).</summary>
#if EINSUMGEN_RUNTIME
    public
#else
    internal
#endif
    enum ConvOperation
    {
        /// <summary>y[n, g·c_out, o…] = Σ x[n, g·c_in, i…] Π…[k, o, i] W[g·c_out, c_in, k…].</summary>
        Forward,

        /// <summary>The input's VJP (a transpose convolution of the output gradient v).</summary>
        InputVjp,

        /// <summary>The weight's VJP.</summary>
        WeightVjp,

        /// <summary>im2col, [N, C·ΠK, ΠO] as torch's F.unfold.</summary>
        Unfold,

        /// <summary>col2im, the adjoint of <see cref="Unfold"/>.</summary>
        Fold,

        /// <summary>The unfold of a transpose convolution: [N, C·ΠK, ΠI].</summary>
        TransposeUnfold,

        /// <summary>A transpose convolution, weight laid out as torch's [C_in, C_out/G, K…].</summary>
        TransposeForward,

        /// <summary>KFC (KFAC-expand): (1/N) Σ_n [[X_n]][[X_n]]ᵀ per group.</summary>
        Kfc,

        /// <summary>KFAC-reduce: 1/(N(ΠO)²) Σ_n ([[X_n]]1)([[X_n]]1)ᵀ per group.</summary>
        KfacReduce,

        /// <summary>KFAC-reduce of a transpose convolution: 1/(N(ΠI)²) per group.</summary>
        TransposeKfacReduce,

        /// <summary>The JVP with respect to the input: the forward network on the input's tangent (no bias).</summary>
        InputJvp,

        /// <summary>The JVP with respect to the weight: the forward network on the weight's tangent (no bias).</summary>
        WeightJvp,

        /// <summary>KFAC-reduce with pre-averaged patterns Π̄ = mean_o Π (the same factor; the network is KFAC-reduce's).</summary>
        KfacReduceAveraged,

        /// <summary>The randomized weight VJP (tensor dropout): the weight VJP's network on index-selected slices of x.</summary>
        WeightVjpRandomized,
    }
}
