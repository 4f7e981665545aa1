using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using EinsumGen.Convolutions;

namespace EinsumGen.Generator.Convolutions
{
    /// <summary>
    /// The remark lines that name the kernel <c>Conv</c> runs for one input-size variant of a <c>[Convolution]</c> layer, from
    /// the runtime's own routing decision (<see cref="ConvKernelChoice"/>, compiled into both). The channels are not constants,
    /// so the decision is printed per channel regime: wide enough for a GEMM's register block, or thin (depthwise, few outputs).
    /// </summary>
    internal static class ConvKernelRemarks
    {
        /// <summary>The line that opens the kernel lines of a variant; tests find the lines by it.</summary>
        public const string Opening = "  Kernel at run time (ConvKernelChoice; float and double, Simplify on; else the network above):";

        /// <summary>Channels per group that stand for each regime (the decision compares them with its thresholds only).</summary>
        private const int Wide = 8, Thin = 1;

        /// <summary>The kernel lines for geometries <paramref name="geometries"/> (null: the constants give no valid geometry here).</summary>
        public static IEnumerable<string> Lines(ConvOperation operation, IReadOnlyList<ConvGeometry> geometries, System.Func<int, IReadOnlyList<ConvGeometry>?> atSize)
        {
            if (operation is ConvOperation.KfacReduce or ConvOperation.KfacReduceAveraged)
            {
                yield return Opening;
                yield return "    the mean unfolded input of a dense x: " + Mean(ConvKernelChoice.KfacMean(geometries))
                    + "; of a strided x: " + Mean(ConvKfacMean.Matrices) + ".";
                yield break;
            }
            bool input = operation is ConvOperation.InputVjp or ConvOperation.TransposeForward;
            bool weight = operation == ConvOperation.WeightVjp;
            if (!input && !weight && operation is not (ConvOperation.Forward or ConvOperation.InputJvp or ConvOperation.WeightJvp)) yield break;
            var wide = input ? ConvKernelChoice.InputVjp(geometries, Wide, Wide) : ConvKernelChoice.Forward(geometries, Wide, Wide);
            var thin = input ? ConvKernelChoice.InputVjp(geometries, Thin, Thin) : ConvKernelChoice.Forward(geometries, Thin, Thin);
            yield return Opening;
            if (wide == thin)
            {
                yield return "    whatever the channels: " + Describe(wide, operation, geometries, atSize) + ".";
                yield break;
            }
            // The GEMM's rows are the result's channels; its reduction the source's channels times the taps.
            string rows = operation == ConvOperation.InputVjp ? "C_in/G ≥ 4 and C_out/G·ΠK ≥ 4" : "C_out/G ≥ 4 and C_in/G·ΠK ≥ 4";
            yield return "    with " + rows + ": " + Describe(wide, operation, geometries, atSize) + ";";
            if (thin == ConvKernel.ThinStrided)
            {
                // Thin with many gradient channels per group (a stem's input VJP) keeps the network.
                var thinMany = ConvKernelChoice.InputVjp(geometries, Thin, Wide);
                // The gradient's channels: the layer's outputs for an input VJP, a transpose convolution's own inputs.
                string source = operation == ConvOperation.InputVjp ? "C_out/G" : "C_in/G";
                yield return "    else with " + source + " < 4: " + Describe(thin, operation, geometries, atSize) + ";";
                yield return "    otherwise (thin, " + source + " ≥ 4): " + Describe(thinMany, operation, geometries, atSize) + ".";
                yield break;
            }
            yield return "    otherwise (thin: depthwise, or few channels): " + Describe(thin, operation, geometries, atSize) + ".";
        }

        private static string Mean(ConvKfacMean mean) => ConvKernelChoice.Name(mean) + mean switch
        {
            ConvKfacMean.Binned => " (the windows never overlap: each position added into its tap's bin in one pass)",
            ConvKfacMean.WindowSums => " (separable sums over each tap's positions, one row of x at a time)",
            _ => " (a contraction with Π̄_d = mean_o Π_d)",
        };

        private static string Describe(ConvKernel kernel, ConvOperation operation, IReadOnlyList<ConvGeometry> geometries, System.Func<int, IReadOnlyList<ConvGeometry>?> atSize)
        {
            string name = ConvKernelChoice.Name(kernel);
            bool input = operation is ConvOperation.InputVjp or ConvOperation.TransposeForward;
            switch (kernel)
            {
                case ConvKernel.ImplicitGemm when operation == ConvOperation.WeightVjp:
                    return name + ", " + (ConvKernelChoice.IsStrideOne(geometries)
                        ? "columns read in place " + InPlaceFrom(atSize, input: false) + " as an outer-product GEMM where C_out/G fills the register "
                            + "block (at most " + Number(ConvKernelChoice.MaxChannelWaste) + " padded per channel; 64 float channels with AVX-512), "
                            + "else dot products over positions"
                        : "dot products over output positions, the columns gathered from x a few channels at a time");
                case ConvKernel.ImplicitGemm:
                    return name + (input ? ", a stride-1 forward of the gradient with the flipped kernel" : "") + ", "
                        + (ConvKernelChoice.IsStrideOne(geometries)
                            ? "columns read in place (ImplicitGemmShift) " + InPlaceFrom(atSize, input) + ", else gathered into packed panels"
                            : "columns gathered into packed panels through the index tables");
                case ConvKernel.ImplicitGemmPhases:
                {
                    int reached = 1, phases = 1;
                    foreach (var g in geometries)
                    {
                        reached *= ConvKernelChoice.ReachedPhases(g);
                        phases *= g.Stride;
                    }
                    return name + ": " + Number(reached) + " of " + Number(phases) + " stride phases reached by a tap, each a stride-1 implicit GEMM of "
                        + "the gradient" + (reached < phases ? " (the others are zero)" : "");
                }
                case ConvKernel.Thin:
                    return name + ", a direct kernel on zero-padded planes split by stride phase" + (operation switch
                    {
                        ConvOperation.WeightVjp => ": dot products of the gradient's rows with each tap's plane",
                        ConvOperation.InputVjp or ConvOperation.TransposeForward => ": a forward of the gradient with the flipped kernel",
                        _ => ": each output vector's sum over all taps in registers",
                    });
                case ConvKernel.ThinStrided:
                    return name + ": dx row by row, the gradient's rows copied once, the taps that reach each residue summed in registers";
                default:
                    return name;
            }
        }

        /// <summary>
        /// Where a stride-1 implicit GEMM reads in place: the smallest input size n (the same in every dimension) from which
        /// its virtual positions stay within <see cref="ConvKernelChoice.MaxShiftWaste"/> per output.
        /// </summary>
        private static string InPlaceFrom(System.Func<int, IReadOnlyList<ConvGeometry>?> atSize, bool input)
        {
            const int limit = 4096, confirm = 16;
            for (int n = 1; n <= limit; n++)
            {
                bool holds = true;
                for (int m = n; m < n + confirm && holds; m++)
                {
                    var g = atSize(m);
                    holds = g is not null && (input ? ConvKernelChoice.InputVjpReadsInPlace(g) : ConvKernelChoice.ForwardReadsInPlace(g));
                }
                if (!holds) continue;
                var dims = atSize(n)!.Count;
                return "where at most " + Number(ConvKernelChoice.MaxShiftWaste) + " virtual positions per output (inputs from "
                    + string.Join("×", Enumerable.Repeat(Number(n), dims)) + " on)";
            }
            return "where at most " + Number(ConvKernelChoice.MaxShiftWaste) + " virtual positions per output (no input up to " + Number(limit) + ")";
        }

        private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
