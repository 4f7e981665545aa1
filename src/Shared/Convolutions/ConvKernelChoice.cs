using System;
using System.Collections.Generic;

namespace EinsumGen.Convolutions
{
    /// <summary>Which code runs a convolution operation in place of its einsum network.</summary>
    internal enum ConvKernel
    {
        /// <summary>The (simplified) einsum network: pattern gathers/scatters and planned contractions.</summary>
        Network,

        /// <summary>The implicit GEMM (<c>ImplicitGemmConv</c>): a forward, a weight VJP, or a stride-1 input VJP as a forward.</summary>
        ImplicitGemm,

        /// <summary>A strided input VJP as one stride-1 implicit GEMM per stride phase (<c>ImplicitGemmPhases</c>).</summary>
        ImplicitGemmPhases,

        /// <summary>The direct kernel for thin and depthwise layers (<c>ThinConv</c>).</summary>
        Thin,

        /// <summary>
        /// A strided input VJP of a thin layer with few gradient channels per group (depthwise): dx row by row, the taps of each
        /// residue summed in registers (<c>ThinStridedInputVjp</c>).
        /// </summary>
        ThinStrided,
    }

    /// <summary>How KFAC-reduce's pre-averaged path forms the mean unfolded input of a dense x.</summary>
    internal enum ConvKfacMean
    {
        /// <summary>A contraction with the averaged patterns Π̄_d [K, I] (strided x always takes it).</summary>
        Matrices,

        /// <summary>Windows that never overlap: one pass adds each position into its tap's bin (<c>ConvBinnedMean</c>).</summary>
        Binned,

        /// <summary>Overlapping windows: separable sums over each tap's positions (<c>ConvWindowMean</c>).</summary>
        WindowSums,
    }

    /// <summary>
    /// The pure routing decision of a convolution: from the per-dimension geometries and the channels per group alone, which
    /// kernel runs an operation, whether its implicit GEMM reads its columns in place, and how KFAC-reduce averages. The
    /// runtime routes with it (after its own gates: float or double, <c>Simplify</c> on, the kernels enabled) and the
    /// generator prints it in a <c>[Convolution]</c> layer's remarks, so both name the same kernel.
    /// </summary>
    internal static class ConvKernelChoice
    {
        /// <summary>GEMM rows (output channels per group, and input channel·taps) below which a layer is thin.</summary>
        public const int MinRows = 4;

        /// <summary>Virtual positions per output position above which a stride-1 implicit GEMM gathers its columns.</summary>
        public const double MaxShiftWaste = 1.25;

        /// <summary>Padded output channels per real one above which a stride-1 weight VJP takes dot products.</summary>
        public const double MaxChannelWaste = 1.34;

        /// <summary>Partial sums of one row of x (elements) above which the window sums give way to the Π̄ matrices.</summary>
        public const long MaxWindowScratch = 1L << 22;

        /// <summary>The kernel of a forward convolution (also its JVPs) and of its weight VJP.</summary>
        public static ConvKernel Forward(IReadOnlyList<ConvGeometry> geometries, int inPerGroup, int outPerGroup)
        {
            if (!HasWindows(geometries) || inPerGroup < 1 || outPerGroup < 1) return ConvKernel.Network;
            return IsWide(geometries, inPerGroup, outPerGroup) ? ConvKernel.ImplicitGemm : ConvKernel.Thin;
        }

        /// <summary>
        /// The kernel of the input VJP of a convolution with these channels per group (also the transpose convolution, whose
        /// input channels are <paramref name="outPerGroup"/>): stride 1 runs a forward with the flipped kernel, so the roles of
        /// the channels swap; a strided one runs by stride phase where it is wide, row by row where it is thin with fewer than <see cref="MinRows"/>
        /// gradient channels per group (depthwise), and keeps the network otherwise.
        /// </summary>
        public static ConvKernel InputVjp(IReadOnlyList<ConvGeometry> geometries, int inPerGroup, int outPerGroup)
        {
            var kernel = Forward(geometries, outPerGroup, inPerGroup);
            if (IsStrideOne(geometries)) return kernel;
            return kernel switch
            {
                ConvKernel.ImplicitGemm => ConvKernel.ImplicitGemmPhases,
                ConvKernel.Thin when outPerGroup < MinRows => ConvKernel.ThinStrided,
                _ => ConvKernel.Network,
            };
        }

        /// <summary>Whether the kernel has windows to slide: more than one tap, and not every dimension a GEMM already (dense or down-sampling).</summary>
        public static bool HasWindows(IReadOnlyList<ConvGeometry> geometries)
        {
            long taps = 1;
            bool gemm = true;
            foreach (var g in geometries)
            {
                taps *= g.KernelSize;
                gemm &= g.IsDense || g.IsDownsampling;
            }
            return taps >= 2 && !gemm;
        }

        /// <summary>Whether a GEMM with these channels fills a register block: at least <see cref="MinRows"/> rows and reduction.</summary>
        public static bool IsWide(IReadOnlyList<ConvGeometry> geometries, int inPerGroup, int outPerGroup) =>
            outPerGroup >= MinRows && (long)inPerGroup * Taps(geometries) >= MinRows;

        /// <summary>Every stride is 1.</summary>
        public static bool IsStrideOne(IReadOnlyList<ConvGeometry> geometries)
        {
            foreach (var g in geometries) if (g.Stride != 1) return false;
            return true;
        }

        /// <summary>The kernel's taps (the product of its sizes).</summary>
        public static long Taps(IReadOnlyList<ConvGeometry> geometries)
        {
            long taps = 1;
            foreach (var g in geometries) taps *= g.KernelSize;
            return taps;
        }

        /// <summary>
        /// Virtual positions per output position of a stride-1 implicit GEMM over outputs <paramref name="outputs"/>: the host
        /// padded to O_d + D_d(K_d − 1) per dimension, the virtual positions Σ_d (O_d − 1)·PS_d + 1 (PS the padded strides);
        /// <see cref="double.PositiveInfinity"/> where there are no outputs or a padded channel passes int.MaxValue / 8.
        /// </summary>
        public static double ShiftWaste(IReadOnlyList<ConvGeometry> geometries, IReadOnlyList<int> outputs)
        {
            int n = geometries.Count;
            long plane = 1, positions = 1, pixels = 1;
            for (int d = n - 1; d >= 0; d--)
            {
                var g = geometries[d];
                long padded = outputs[d] + (long)g.Dilation * (g.KernelSize - 1);
                positions += (outputs[d] - 1L) * plane;
                pixels *= outputs[d];
                plane *= padded;
                if (plane > int.MaxValue / 8) return double.PositiveInfinity;
            }
            return pixels == 0 ? double.PositiveInfinity : (double)positions / pixels;
        }

        /// <summary>Whether a stride-1 forward (and weight VJP) reads its columns in place rather than gathering them.</summary>
        public static bool ForwardReadsInPlace(IReadOnlyList<ConvGeometry> geometries) =>
            IsStrideOne(geometries) && ShiftWaste(geometries, Sizes(geometries, output: true)) <= MaxShiftWaste;

        /// <summary>Whether a stride-1 input VJP (a forward over the input positions) reads its columns in place.</summary>
        public static bool InputVjpReadsInPlace(IReadOnlyList<ConvGeometry> geometries) =>
            IsStrideOne(geometries) && ShiftWaste(geometries, Sizes(geometries, output: false)) <= MaxShiftWaste;

        /// <summary>
        /// Whether a stride-1 weight VJP that reads in place takes the outer-product GEMM: the output channels fill register
        /// blocks of <paramref name="blockChannels"/> (at most <see cref="MaxChannelWaste"/> padded per real one).
        /// </summary>
        public static bool WeightVjpFillsBlock(int outPerGroup, int blockChannels) =>
            (outPerGroup + blockChannels - 1) / blockChannels * blockChannels <= MaxChannelWaste * outPerGroup;

        /// <summary>
        /// The stride phases of a strided input VJP that some tap reaches, per dimension: phase r receives tap k where
        /// r + P_left − k·D ≡ 0 (mod S); the others are zero.
        /// </summary>
        public static int ReachedPhases(ConvGeometry g)
        {
            int reached = 0;
            for (int r = 0; r < g.Stride; r++)
            {
                for (int k = 0; k < g.KernelSize; k++)
                {
                    if (Mod(r + g.PadLeft - k * g.Dilation, g.Stride) != 0) continue;
                    reached++;
                    break;
                }
            }
            return reached;
        }

        /// <summary>
        /// How KFAC-reduce averages a dense x: one tap keeps the matrices (a matrix-vector product streams x fastest), windows
        /// that never read a position twice take the bins, overlapping ones the window sums unless a row's partial sums exceed
        /// <see cref="MaxWindowScratch"/>.
        /// </summary>
        public static ConvKfacMean KfacMean(IReadOnlyList<ConvGeometry> geometries)
        {
            if (Taps(geometries) == 1) return ConvKfacMean.Matrices;
            if (WindowsAreDisjoint(geometries)) return ConvKfacMean.Binned;
            return WindowSumsFit(geometries) ? ConvKfacMean.WindowSums : ConvKfacMean.Matrices;
        }

        /// <summary>Whether the window sums can average x: more than one tap, and a row's partial sums within <see cref="MaxWindowScratch"/>.</summary>
        public static bool WindowSumsFit(IReadOnlyList<ConvGeometry> geometries)
        {
            if (Taps(geometries) == 1) return false;
            long largest = 0;
            for (int d = 0; d < geometries.Count; d++)
            {
                long size = 1;
                for (int j = 0; j < geometries.Count; j++) size *= j <= d ? geometries[j].KernelSize : geometries[j].InputSize;
                largest = Math.Max(largest, size);
            }
            return largest <= MaxWindowScratch;
        }

        /// <summary>Whether no input position is read by two taps in any dimension (every Π̄_d is a selection).</summary>
        public static bool WindowsAreDisjoint(IReadOnlyList<ConvGeometry> geometries)
        {
            foreach (var g in geometries)
            {
                var seen = new bool[g.InputSize];
                for (int k = 0; k < g.KernelSize; k++)
                {
                    for (int o = 0; o < g.OutputSize; o++)
                    {
                        int i = g.InputIndex(k, o);
                        if (i < 0) continue;
                        if (seen[i]) return false;
                        seen[i] = true;
                    }
                }
            }
            return true;
        }

        /// <summary>The kernel's name as remarks and plan texts print it.</summary>
        public static string Name(ConvKernel kernel) => kernel switch
        {
            ConvKernel.ImplicitGemm => "ImplicitGemmConv",
            ConvKernel.ImplicitGemmPhases => "ImplicitGemmPhases",
            ConvKernel.Thin => "ThinConv",
            ConvKernel.ThinStrided => "ThinStridedInputVjp",
            _ => "the einsum network",
        };

        /// <summary>The mean's name as remarks print it.</summary>
        public static string Name(ConvKfacMean mean) => mean switch
        {
            ConvKfacMean.Binned => "ConvBinnedMean",
            ConvKfacMean.WindowSums => "ConvWindowMean",
            _ => "the Π̄ matrices",
        };

        private static int[] Sizes(IReadOnlyList<ConvGeometry> geometries, bool output)
        {
            var sizes = new int[geometries.Count];
            for (int d = 0; d < sizes.Length; d++) sizes[d] = output ? geometries[d].OutputSize : geometries[d].InputSize;
            return sizes;
        }

        private static int Mod(int a, int m) => ((a % m) + m) % m;
    }
}
