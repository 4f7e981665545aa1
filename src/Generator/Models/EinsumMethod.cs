using System.Linq;
using EinsumGen.Runtime;

namespace EinsumGen.Generator.Models
{
    /// <summary>
    /// What the generator knows of one [Einsum] method: values only, equal when the method is unchanged. The spec is
    /// parsed once, here: <see cref="Terms"/> and <see cref="OutputTerm"/> are the parsed terms (the output resolved when it
    /// was implied), <see cref="Declared"/> the parsed <c>Sizes</c>. <see cref="MemberNames"/>: the containing type's other
    /// members whose names start with the method's, which generated helpers must not take.
    /// </summary>
    internal sealed record EinsumMethod(
        HierarchyInfo Hierarchy,
        string Name,
        string Modifiers,
        string ElementType,
        string Spec,
        EquatableArray<ProgramTerm> Terms,
        ProgramTerm OutputTerm,
        EquatableArray<DeclaredSize> Declared,
        EquatableArray<OperandParameter> Operands,
        OperandParameter? Output,
        EquatableArray<string> ParameterDeclarations,
        bool IsExtension,
        EquatableArray<string> MemberNames,
        bool? Derivatives = null)
    {
        /// <summary>Whether <c>{Name}Backward</c> and <c>{Name}Jvp</c> are written (the attribute's, else the project's choice).</summary>
        public bool EmitsDerivatives => Derivatives ?? true;

        /// <summary>The method's name as a C# identifier (a keyword escaped with '@').</summary>
        public string Identifier =>
            Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(Name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? "@" + Name : Name;

        /// <summary>
        /// Unique per method and valid by construction: a readable prefix of safe characters, then a hash of the exact
        /// containing types (generic arity and file-local names included, which the prefix flattens) and of the parameter
        /// list (overloads).
        /// </summary>
        public string HintName => Safe(Hierarchy.MetadataName + "." + Name) + "_" + Hash() + ".g.cs";

        internal static string Safe(string text)
        {
            var chars = text.ToCharArray();
            for (int i = 0; i < chars.Length; i++)
            {
                char c = chars[i];
                if (!(c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '.' or '_')) chars[i] = '_';
            }
            return new string(chars);
        }

        // FNV-1a: stable across runs.
        private string Hash()
        {
            uint hash = 2166136261;
            foreach (var part in Hierarchy.Types.Select(t => t.RawName).Concat(new[] { Name }).Concat(ParameterDeclarations))
            {
                foreach (char c in part + ";") hash = unchecked((hash ^ c) * 16777619);
            }
            return hash.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>
    /// One parameter as the emitter needs it: the escaped name, whether it is a rank-0 <c>T</c>, and whether it is passed
    /// by reference (<c>in</c> or <c>ref readonly</c>: generated calls then pass it with <c>in</c>).
    /// </summary>
    internal sealed record OperandParameter(string Name, bool IsScalar, bool ByReference);

    /// <summary>
    /// The result of looking at one method: a model to plan, or none, plus its diagnostics and where its spec is (for the
    /// planner's own diagnostics).
    /// </summary>
    internal sealed record MethodResult(EinsumMethod? Method, LocationInfo? SpecLocation, EquatableArray<DiagnosticInfo> Diagnostics, ErrorStub? Stub = null);
}
