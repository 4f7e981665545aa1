using EinsumGen.Convolutions;

namespace EinsumGen.Generator.Convolutions
{
    /// <summary>The operations a <c>[Convolution]</c> method can run, their operands and the <c>Conv</c> method each calls.</summary>
    internal static class ConvOperations
    {
        /// <summary>The operand names of <paramref name="operation"/> in order, or null when it is not supported at build time.</summary>
        public static string[]? Operands(ConvOperation operation) => operation switch
        {
            ConvOperation.Forward => new[] { "x", "weight" },
            ConvOperation.WeightVjp => new[] { "x", "outputGradient" },
            ConvOperation.Unfold or ConvOperation.Kfc or ConvOperation.KfacReduce => new[] { "x" },
            // InputVjp and Fold need the input size, the transpose operations an output padding: run-time API only.
            _ => null,
        };

        public const string Supported = "Forward, WeightVjp, Unfold, Kfc, KfacReduce";
    }
}
