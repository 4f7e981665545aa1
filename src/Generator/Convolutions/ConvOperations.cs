using System.Collections.Generic;
using System.Linq;
using EinsumGen.Convolutions;

namespace EinsumGen.Generator.Convolutions
{
    /// <summary>What a parameter of a <c>[Convolution]</c> method carries.</summary>
    internal enum ConvParameterKind
    {
        /// <summary>A <c>Tensor&lt;T&gt;</c> operand.</summary>
        Tensor,

        /// <summary>The spatial sizes of x (<c>int[]</c> or <c>IReadOnlyList&lt;int&gt;</c>): several share an output size when S &gt; 1.</summary>
        Sizes,

        /// <summary>An <c>int</c> seed.</summary>
        Seed,
    }

    /// <summary>The signature of one operation: its parameters in order, whether a bias may follow the tensors, and its <c>Conv</c> call.</summary>
    internal sealed class ConvOperationInfo
    {
        public ConvOperationInfo(string description, (string Name, ConvParameterKind Kind)[] parameters, bool bias = false)
        {
            Description = description;
            Parameters = parameters;
            Bias = bias;
        }

        /// <summary>For the summary: "forward pass", ...</summary>
        public string Description { get; }

        /// <summary>The parameters (suggested names and kinds), in order.</summary>
        public (string Name, ConvParameterKind Kind)[] Parameters { get; }

        /// <summary>Whether one more Tensor&lt;T&gt; parameter, a bias [C_out], may follow.</summary>
        public bool Bias { get; }

        /// <summary>For messages: "x, weight[, bias]".</summary>
        public string Describe() =>
            string.Join(", ", Parameters.Select(p => p.Kind == ConvParameterKind.Tensor ? p.Name : p.Name + (p.Kind == ConvParameterKind.Seed ? " (int)" : " (int[])")))
            + (Bias ? "[, bias]" : string.Empty);
    }

    /// <summary>The operations a <c>[Convolution]</c> method can run, their parameters and the <c>Conv</c> method each calls.</summary>
    internal static class ConvOperations
    {
        private static readonly (string, ConvParameterKind) X = ("x", ConvParameterKind.Tensor);
        private static readonly (string, ConvParameterKind) Weight = ("weight", ConvParameterKind.Tensor);
        private static readonly (string, ConvParameterKind) OutputGradient = ("outputGradient", ConvParameterKind.Tensor);
        private static readonly (string, ConvParameterKind) InputSize = ("inputSize", ConvParameterKind.Sizes);

        private static readonly Dictionary<ConvOperation, ConvOperationInfo> Table = new Dictionary<ConvOperation, ConvOperationInfo>
        {
            [ConvOperation.Forward] = new ConvOperationInfo("forward pass", new[] { X, Weight }, bias: true),
            [ConvOperation.InputVjp] = new ConvOperationInfo("input VJP (a transpose convolution of the output gradient)", new[] { OutputGradient, Weight, InputSize }),
            [ConvOperation.WeightVjp] = new ConvOperationInfo("weight VJP", new[] { X, OutputGradient }),
            [ConvOperation.InputJvp] = new ConvOperationInfo("input JVP", new[] { ("inputTangent", ConvParameterKind.Tensor), Weight }),
            [ConvOperation.WeightJvp] = new ConvOperationInfo("weight JVP", new[] { X, ("weightTangent", ConvParameterKind.Tensor) }),
            [ConvOperation.Unfold] = new ConvOperationInfo("unfold (im2col)", new[] { X }),
            [ConvOperation.Fold] = new ConvOperationInfo("fold (col2im)", new[] { ("columns", ConvParameterKind.Tensor), InputSize }),
            [ConvOperation.TransposeForward] = new ConvOperationInfo("transpose convolution", new[] { X, Weight }, bias: true),
            [ConvOperation.TransposeUnfold] = new ConvOperationInfo("transpose-unfold", new[] { X }),
            [ConvOperation.Kfc] = new ConvOperationInfo("KFC factor", new[] { X }),
            [ConvOperation.KfacReduce] = new ConvOperationInfo("KFAC-reduce factor", new[] { X }),
            [ConvOperation.KfacReduceAveraged] = new ConvOperationInfo("KFAC-reduce factor (pre-averaged patterns)", new[] { X }),
            [ConvOperation.TransposeKfacReduce] = new ConvOperationInfo("transpose KFAC-reduce factor", new[] { X }),
            [ConvOperation.WeightVjpRandomized] = new ConvOperationInfo("randomized weight VJP (tensor dropout)",
                new[] { X, OutputGradient, ("seed", ConvParameterKind.Seed) }),
        };

        /// <summary>The signature of <paramref name="operation"/>, or null when it names no operation.</summary>
        public static ConvOperationInfo? Of(ConvOperation operation) => Table.TryGetValue(operation, out var info) ? info : null;

        /// <summary>Whether the operation is a transpose convolution's (it takes an output padding).</summary>
        public static bool IsTranspose(ConvOperation operation) =>
            operation is ConvOperation.TransposeForward or ConvOperation.TransposeUnfold or ConvOperation.TransposeKfacReduce;

        /// <summary>
        /// Whether a method of the operation gets <c>{Name}Backward</c> and <c>{Name}Jvp</c> companions: the layers with
        /// parameters (Forward, TransposeForward: x, weight and bias), Unfold and Fold (linear, each the other's adjoint).
        /// </summary>
        public static bool HasDerivatives(ConvOperation operation) =>
            operation is ConvOperation.Forward or ConvOperation.TransposeForward or ConvOperation.Unfold or ConvOperation.Fold;

        /// <summary>Unfold, fold and transpose-unfold ignore groups (as the reference's).</summary>
        public static bool IgnoresGroups(ConvOperation operation) =>
            operation is ConvOperation.Unfold or ConvOperation.Fold or ConvOperation.TransposeUnfold;

        /// <summary>
        /// The call of <c>Conv</c> that runs the method's operation, given the method (its parameter names, in order) and the
        /// spec field's name.
        /// </summary>
        public static string Call(ConvMethod method, string spec)
        {
            var operation = (ConvOperation)method.Operation;
            var p = method.Parameters;
            string Args(params string[] a) => string.Join(", ", a);
            return "Conv." + operation + "(" + operation switch
            {
                ConvOperation.Forward or ConvOperation.TransposeForward => p.Count == 3 ? Args(p[0], p[1], spec, p[2]) : Args(p[0], p[1], spec),
                ConvOperation.InputVjp => Args(p[0], p[1], spec, p[2]),
                ConvOperation.Fold => Args(p[0], spec, p[1]),
                ConvOperation.WeightVjpRandomized => Args(p[0], p[1], spec, Double(method.Keep),
                    "global::EinsumGen.Convolutions.ConvDropoutAxes." + (method.DropoutAxes == 0 ? "Channels" : "Spatial"), p[2]),
                _ => Args(p.Concat(new[] { spec }).ToArray()),
            } + ")";
        }

        public static string Supported => string.Join(", ", Table.Keys);

        private static string Double(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
    }
}
