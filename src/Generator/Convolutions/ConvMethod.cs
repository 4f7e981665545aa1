using EinsumGen.Generator.Models;

namespace EinsumGen.Generator.Convolutions
{
    /// <summary>
    /// A <c>[Convolution]</c> method as values (no symbols, no locations): its declaration and its checked constants.
    /// PaddingLeft and PaddingRight hold the zeros before and after each dimension (equal for a symmetric Padding), ignored
    /// when <see cref="SamePadding"/> is set; Keep and DropoutAxes are the randomized weight VJP's (Keep 0 otherwise);
    /// OutputPadding is the transpose operations' (zeros otherwise); Derivatives is the attribute's word (null: the project's).
    /// </summary>
    internal sealed record ConvMethod(
        HierarchyInfo Hierarchy,
        string Name,
        string Modifiers,
        string Element,
        EquatableArray<string> Parameters,
        EquatableArray<string> ParameterTypes,
        int Operation,
        EquatableArray<int> Kernel,
        EquatableArray<int> Stride,
        EquatableArray<int> PaddingLeft,
        EquatableArray<int> PaddingRight,
        bool SamePadding,
        EquatableArray<int> Dilation,
        int Groups,
        EquatableArray<int> OutputPadding,
        double Keep,
        int DropoutAxes,
        bool? Derivatives)
    {
        /// <summary>A file name unique to the method.</summary>
        public string HintName => EinsumMethod.Safe(Hierarchy.MetadataName + "." + Name) + ".Conv.g.cs";
    }

    /// <summary>The parse of one method: the model, or the diagnostics and a body that throws.</summary>
    internal sealed record ConvParseResult(ConvMethod? Method, ErrorStub? Stub, EquatableArray<DiagnosticInfo> Diagnostics);
}
