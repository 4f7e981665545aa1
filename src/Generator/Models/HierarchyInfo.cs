using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace EinsumGen.Generator.Models
{
    /// <summary>The namespace and the chain of containing types, reopened as partial around the generated method.</summary>
    internal sealed record HierarchyInfo(string Namespace, EquatableArray<TypeInfo> Types)
    {
        /// <summary>The namespace and the types' metadata names, e.g. "Demo.Outer.Inner`1" (hint names make it file-name-safe).</summary>
        public string MetadataName
        {
            get
            {
                var parts = new List<string>();
                if (Namespace.Length > 0) parts.Add(Namespace);
                foreach (var t in Types) parts.Add(t.RawName);
                return string.Join(".", parts);
            }
        }

        /// <summary>Read from the symbols' names alone (no formatting: this runs in the incremental transform).</summary>
        public static HierarchyInfo From(INamedTypeSymbol type)
        {
            var types = new List<TypeInfo>();
            for (var t = type; t is not null; t = t.ContainingType)
            {
                string display = Escape(t.Name);
                if (t.TypeParameters.Length > 0) display += "<" + string.Join(", ", t.TypeParameters.Select(p => Escape(p.Name))) + ">";
                types.Insert(0, new TypeInfo(t.MetadataName, Keyword(t), display));
            }
            var parts = new List<string>();
            for (var n = type.ContainingNamespace; n is { IsGlobalNamespace: false }; n = n.ContainingNamespace) parts.Insert(0, Escape(n.Name));
            return new HierarchyInfo(string.Join(".", parts), types.ToEquatableArray());
        }

        private static string Escape(string name) =>
            Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? "@" + name : name;

        private static string Keyword(INamedTypeSymbol t) => t switch
        {
            { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
            { IsRecord: true } => "record",
            { TypeKind: TypeKind.Struct } => "struct",
            { TypeKind: TypeKind.Interface } => "interface",
            _ => "class",
        };
    }

    /// <summary>
    /// One containing type: its metadata name as it is (e.g. "A`1"; the hint name flattens its unsafe characters and hashes
    /// it whole), its declaration keyword and its name with type parameters.
    /// </summary>
    internal sealed record TypeInfo(string RawName, string Keyword, string DisplayName);
}
