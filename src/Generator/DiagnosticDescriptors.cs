using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace EinsumGen.Generator
{
    /// <summary>Every diagnostic EinsumGen reports. IDs are stable; see AnalyzerReleases.*.md.</summary>
    internal static class DiagnosticDescriptors
    {
        private const string Category = "EinsumGen";
        private const string HelpBase = "https://github.com/einsumgen/einsumgen/blob/main/docs/diagnostics.md#";

        public static readonly DiagnosticDescriptor InvalidCharacter = Error("EG0001", "Invalid character in einsum spec", "{0}");
        public static readonly DiagnosticDescriptor MalformedEllipsis = Error("EG0002", "Malformed ellipsis in einsum spec", "{0}");
        public static readonly DiagnosticDescriptor MultipleArrows = Error("EG0003", "More than one '->' in einsum spec", "{0}");
        public static readonly DiagnosticDescriptor OutputLabelNotInInputs = Error("EG0004", "Output label not in any input", "{0}");
        public static readonly DiagnosticDescriptor OutputLabelRepeated = Error("EG0005", "Output label repeated", "{0}");
        public static readonly DiagnosticDescriptor OperandCountMismatch = Error("EG0006", "Operand count does not match the parameters",
            "The spec '{0}' has {1} operand term(s), but method '{2}' has {3} operand parameter(s)");
        public static readonly DiagnosticDescriptor MethodNotStatic = Error("EG0007", "Einsum method must be static",
            "Method '{0}' must be static to carry [Einsum]");
        public static readonly DiagnosticDescriptor MethodNotPartial = Error("EG0008", "Einsum method must be a partial declaration",
            "Method '{0}' must be declared 'static partial' with no body, so that EinsumGen can implement it");
        public static readonly DiagnosticDescriptor TypeNotPartial = Error("EG0009", "Containing type must be partial",
            "Type '{0}' contains an [Einsum] method and must be declared partial (as must every type that contains it)");
        public static readonly DiagnosticDescriptor UnsupportedParameterType = Error("EG0010", "Unsupported parameter type",
            "Parameter '{0}' has type '{1}'; operands are ReadOnlyTensorSpan<T> (or T for a rank-0 operand) with T float or double");
        public static readonly DiagnosticDescriptor MixedElementTypes = Error("EG0011", "Mixed element types",
            "Parameter '{0}' has element type '{1}', but the method's element type is '{2}'; all operands and the output share one of float or double");
        public static readonly DiagnosticDescriptor OutputParameterExpected = Error("EG0012", "Output must be the last parameter",
            "The spec '{0}' produces a tensor: method '{1}' must return void and take the output as its last parameter, a TensorSpan<T>");
        public static readonly DiagnosticDescriptor ScalarOutputExpected = Error("EG0013", "Scalar output is returned",
            "The spec '{0}' produces a scalar: method '{1}' must return {2} and take no TensorSpan<T> output parameter");
        public static readonly DiagnosticDescriptor ScalarParameterWithLabels = Error("EG0014", "Rank-0 parameter for a term with labels",
            "Parameter '{0}' is a plain {1}, a rank-0 operand, but its term '{2}' names labels; use ReadOnlyTensorSpan<{1}>");
        public static readonly DiagnosticDescriptor TensorForEmptyTerm = Error("EG0015", "Tensor parameter for an empty term",
            "Parameter '{0}' is a tensor, but its term is empty (a rank-0 operand); declare it as a plain {1}");
        public static readonly DiagnosticDescriptor SizesMalformed = Error("EG0016", "Malformed Sizes",
            "Sizes must read 'label=size, ...' with letters and positive integers: {0}");
        public static readonly DiagnosticDescriptor SizesUnknownLabel = Error("EG0017", "Sizes names an unknown label",
            "Sizes declares '{0}', which no input term of '{1}' uses");
        public static readonly DiagnosticDescriptor GenericMethod = Error("EG0018", "Generic einsum method",
            "Method '{0}' is generic; [Einsum] methods take float or double tensors, not a type parameter");
        public static readonly DiagnosticDescriptor SpecNotConstant = Error("EG0019", "Spec must be a constant string",
            "The einsum spec must be a non-null constant string");

        public static readonly DiagnosticDescriptor InternalError = Error("EG0020", "EinsumGen internal error",
            "EinsumGen could not generate '{0}': {1}. Please report this with the method's declaration.");

        public static readonly DiagnosticDescriptor PlannedSpeedup = new DiagnosticDescriptor("EG0021", "Contraction order planned",
            "'{0}' runs as {1} pairwise steps: {2} FLOPs instead of {3} for a single loop nest ({4}x fewer)", Category, DiagnosticSeverity.Info,
            isEnabledByDefault: false, helpLinkUri: HelpBase + "eg0021"); // a note, off unless .editorconfig asks for it
        public static readonly DiagnosticDescriptor LargeIntermediate = new DiagnosticDescriptor("EG0022", "Large intermediate",
            "With the declared sizes, step {0} of '{1}' builds an intermediate of {2} elements, over the {3}-element limit; declare other sizes or split the einsum",
            Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpBase + "eg0022");
        public static readonly DiagnosticDescriptor OutParameter = Error("EG0023", "Operand passed as ref or out",
            "Parameter '{0}' is declared ref or out; pass operands and the output by value, in or ref readonly (the output view is written through, never assigned)");
        public static readonly DiagnosticDescriptor GeneratedNameTaken = Error("EG0025", "Generated member name already taken",
            "This type already has a member named '{0}', which EinsumGen generates for [Einsum] method '{1}' (its reverse or forward mode); rename one of them");
        public static readonly DiagnosticDescriptor FileLocalType = Error("EG0024", "Einsum method in a file-local type",
            "Type '{0}' is declared 'file', so no other file can complete its partial methods; declare it internal (or wider) to carry [Einsum] methods");

        public static readonly DiagnosticDescriptor AccessModifierMissing = new DiagnosticDescriptor("EG0026", "Einsum method should declare an access modifier",
            "Method '{0}' should declare its accessibility (public, internal, protected or private): without one, C# removes every call to it wherever the generator does not run, instead of reporting the missing body",
            Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpBase + "eg0026");

        public static readonly DiagnosticDescriptor ConvBadHyperparameter = Error("EG0100", "Invalid convolution hyperparameter", "{0}");
        public static readonly DiagnosticDescriptor ConvDimensionMismatch = Error("EG0101", "Convolution hyperparameter count does not match the kernel",
            "{0} has {1} value(s), but the kernel has {2} dimension(s); give one value, or one per dimension");
        public static readonly DiagnosticDescriptor ConvUnsupportedOperation = Error("EG0102", "Convolution operation not supported",
            "Operation {0} is not one [Convolution] can implement; supported: {1}");
        public static readonly DiagnosticDescriptor ConvSignature = Error("EG0103", "Unsupported convolution method signature",
            "Method '{0}' {1}");
        public static readonly DiagnosticDescriptor ConvPaddingPerSideCount = Error("EG0104", "Per-side padding count does not match the kernel",
            "PaddingPerSide has {0} value(s), but the kernel has {1} dimension(s); give one (left, right) pair for every dimension, or {2} values: a pair per dimension");
        public static readonly DiagnosticDescriptor ConvGeneratedNameTaken = Error("EG0105", "Generated convolution member name already taken",
            "This type already has a member named '{0}', which EinsumGen generates for [Convolution] method '{1}' (its reverse or forward mode); "
            + "rename one of them, or set Derivatives = false");

        private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = Index(
            InvalidCharacter, MalformedEllipsis, MultipleArrows, OutputLabelNotInInputs, OutputLabelRepeated, OperandCountMismatch,
            MethodNotStatic, MethodNotPartial, TypeNotPartial, UnsupportedParameterType, MixedElementTypes, OutputParameterExpected,
            ScalarOutputExpected, ScalarParameterWithLabels, TensorForEmptyTerm, SizesMalformed, SizesUnknownLabel, GenericMethod,
            SpecNotConstant, InternalError, PlannedSpeedup, LargeIntermediate, OutParameter, FileLocalType, GeneratedNameTaken,
            AccessModifierMissing, ConvBadHyperparameter, ConvDimensionMismatch, ConvUnsupportedOperation, ConvSignature,
            ConvPaddingPerSideCount, ConvGeneratedNameTaken);

        public static DiagnosticDescriptor ById(string id) => s_byId[id];

        /// <summary>Every descriptor, in ID order.</summary>
        public static IEnumerable<DiagnosticDescriptor> All => System.Linq.Enumerable.OrderBy(s_byId.Values, d => d.Id, System.StringComparer.Ordinal);

        private static DiagnosticDescriptor Error(string id, string title, string message) =>
            new DiagnosticDescriptor(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpBase + id.ToLowerInvariant());

        private static Dictionary<string, DiagnosticDescriptor> Index(params DiagnosticDescriptor[] all)
        {
            var map = new Dictionary<string, DiagnosticDescriptor>();
            foreach (var d in all) map.Add(d.Id, d);
            return map;
        }
    }
}
