namespace EinsumGen.Generator.Models
{
    /// <summary>What the generator knows of one [Einsum] method: values only, equal when the method is unchanged.</summary>
    internal sealed record EinsumMethod(
        HierarchyInfo Hierarchy,
        string Name,
        string Modifiers,
        string ElementType,
        string Spec,
        string? Sizes,
        EquatableArray<OperandParameter> Operands,
        OperandParameter? Output,
        EquatableArray<string> ParameterDeclarations)
    {
        /// <summary>Unique per method (overloads differ by their parameters).</summary>
        public string HintName => Hierarchy.MetadataName + "." + Name + "_" + SignatureHash() + ".g.cs";

        // FNV-1a over the parameter list: stable across runs, distinct for overloads.
        private string SignatureHash()
        {
            uint hash = 2166136261;
            foreach (var p in ParameterDeclarations)
            {
                foreach (char c in p + ";") hash = unchecked((hash ^ c) * 16777619);
            }
            return hash.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>
    /// One parameter as the emitter needs it: the escaped name, whether it is a rank-0 <c>T</c>, and whether it is passed
    /// by reference (<c>in</c> or <c>ref readonly</c>: generated calls then pass it with <c>in</c>).
    /// </summary>
    internal sealed record OperandParameter(string Name, bool IsScalar, bool ByReference);

    /// <summary>The result of looking at one method: a model to emit, or none, plus its diagnostics.</summary>
    internal sealed record MethodResult(EinsumMethod? Method, EquatableArray<DiagnosticInfo> Diagnostics);
}
