namespace EinsumGen.Generator.Models
{
    /// <summary>
    /// An [Einsum] method as the incremental transform copies it out of Roslyn (<see cref="MethodReader"/>): names, flags,
    /// the attribute's constants and where things are, as plain values, with nothing checked yet. It is cheap to make and
    /// to compare, so an edit that leaves the declaration alone stops the pipeline right after the syntax match; checking
    /// (<see cref="MethodParser"/>) and planning run in later cached steps.
    /// </summary>
    /// <param name="Name">The method's name.</param>
    /// <param name="NameLocation">Its identifier.</param>
    /// <param name="Hierarchy">The containing namespace and types.</param>
    /// <param name="Types">The containing types, innermost first, with what the checks need of them.</param>
    /// <param name="Modifiers">The declaration's modifiers, as written.</param>
    /// <param name="Flags">What the declaration and its symbol say (<see cref="MethodFlags"/>).</param>
    /// <param name="ReturnType">The return type: <c>void</c>, <c>float</c>, <c>double</c>, else fully qualified.</param>
    /// <param name="TypeParameters">The method's type parameter names (an error, kept for the body that throws).</param>
    /// <param name="Constraints">Their constraint clauses, fully qualified.</param>
    /// <param name="Parameters">The parameters, in order.</param>
    /// <param name="SyntaxParameterCount">How many parameters the syntax lists (differs from the symbol's only in broken code).</param>
    /// <param name="Spec">The spec, or null when the attribute's argument is not a constant string.</param>
    /// <param name="SpecLiteral">Where the spec argument is.</param>
    /// <param name="Sizes">The attribute's <c>Sizes</c>, or null.</param>
    /// <param name="SizesLiteral">Where the <c>Sizes</c> argument is.</param>
    /// <param name="Derivatives">The attribute's <c>Derivatives</c>, or null when not set.</param>
    /// <param name="Clashes">Members of the containing type named <c>{Name}Backward</c> or <c>{Name}Jvp</c>: (name, location).</param>
    /// <param name="MemberNames">The containing type's other member names that start with the method's name.</param>
    internal sealed record DeclaredMethod(
        string Name,
        LocationInfo NameLocation,
        HierarchyInfo Hierarchy,
        EquatableArray<ContainingType> Types,
        EquatableArray<string> Modifiers,
        MethodFlags Flags,
        string ReturnType,
        EquatableArray<string> TypeParameters,
        EquatableArray<string> Constraints,
        EquatableArray<DeclaredParameter> Parameters,
        int SyntaxParameterCount,
        string? Spec,
        LiteralInfo? SpecLiteral,
        string? Sizes,
        LiteralInfo? SizesLiteral,
        bool? Derivatives,
        EquatableArray<MemberClash> Clashes,
        EquatableArray<string> MemberNames)
    {
        public bool Has(MethodFlags flag) => (Flags & flag) == flag;
    }

    /// <summary>Yes-or-no facts about a declaration, read from its syntax and symbol.</summary>
    [System.Flags]
    internal enum MethodFlags
    {
        None = 0,
        Static = 1,
        Partial = 2,
        HasBody = 4,
        HasImplementationPart = 8,
        HasDefinitionPart = 16,
        Generic = 32,
        ReturnsVoid = 64,
        ReturnsByRef = 128,
        ReturnsByRefReadonly = 256,
        Extension = 512,
    }

    /// <summary>How a parameter's type reads to the generator.</summary>
    internal enum ParameterKind { ReadOnlyTensor, Tensor, Scalar, Unsupported }

    /// <summary>
    /// One parameter: its name, modifiers as written, ref kind, what its type is to the generator (kind and element type),
    /// its type fully qualified, and, for a type the generator does not take, the type as C# names it in messages.
    /// </summary>
    internal sealed record DeclaredParameter(
        string Name,
        string SyntaxModifiers,
        Microsoft.CodeAnalysis.RefKind RefKind,
        ParameterKind Kind,
        string? Element,
        string QualifiedType,
        string? DisplayType,
        LocationInfo? Location);

    /// <summary>
    /// A containing type: its name, whether it is file-local, whether C# lets a second part of a method live in it
    /// (a class, struct or interface whose declarations are all partial), whether it is static, and the identifiers of
    /// its declarations that lack <c>partial</c>.
    /// </summary>
    internal sealed record ContainingType(
        string Name,
        bool IsFileLocal,
        LocationInfo? Location,
        bool AcceptsPartialMembers,
        bool IsStatic,
        EquatableArray<LocationInfo> NotPartial);

    /// <summary>A member that already has a name the generator would give a method.</summary>
    internal sealed record MemberClash(string Name, LocationInfo? Location);

    /// <summary>
    /// An attribute argument's place: the whole argument, and for a string literal its token's text and value, so that
    /// an index into the value maps to a column (<see cref="At"/>).
    /// </summary>
    internal sealed record LiteralInfo(LocationInfo Whole, string? TokenText, string? ValueText)
    {
        /// <summary>The span of characters <paramref name="start"/>.. of the value in source, or the whole argument where the literal has escapes.</summary>
        public LocationInfo At(int start, int length)
        {
            if (TokenText is null || ValueText is null) return Whole;
            string text = TokenText, value = ValueText;
            int prefix = text.StartsWith("@", System.StringComparison.Ordinal) ? 2 : CountQuotes(text);
            if (prefix < 1 || prefix + value.Length > text.Length || string.CompareOrdinal(text, prefix, value, 0, value.Length) != 0 || start < 0)
            {
                return Whole; // escapes or an unusual literal: point at the whole argument
            }
            int from = System.Math.Min(prefix + start, text.Length), to = System.Math.Min(from + System.Math.Max(0, length), text.Length);
            var span = new Microsoft.CodeAnalysis.Text.TextSpan(Whole.Span.Start + from, to - from);
            return new LocationInfo(Whole.FilePath, span, new Microsoft.CodeAnalysis.Text.LinePositionSpan(Position(from), Position(to)));
        }

        /// <summary>The line and column of an offset into the token (a verbatim literal may span lines).</summary>
        private Microsoft.CodeAnalysis.Text.LinePosition Position(int offset)
        {
            var start = Whole.LineSpan.Start;
            int line = start.Line, column = start.Character;
            for (int i = 0; i < offset; i++)
            {
                if (TokenText![i] == '\n') { line++; column = 0; }
                else column++;
            }
            return new Microsoft.CodeAnalysis.Text.LinePosition(line, column);
        }

        private static int CountQuotes(string text)
        {
            int n = 0;
            while (n < text.Length && text[n] == '"') n++;
            return n;
        }
    }
}
