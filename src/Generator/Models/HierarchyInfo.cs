using System.Collections.Generic;
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

        public static HierarchyInfo From(INamedTypeSymbol type)
        {
            var types = new List<TypeInfo>();
            for (var t = type; t is not null; t = t.ContainingType)
            {
                types.Insert(0, new TypeInfo(t.MetadataName, Keyword(t), t.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat.WithGenericsOptions(SymbolDisplayGenericsOptions.IncludeTypeParameters))));
            }
            var ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : string.Empty;
            return new HierarchyInfo(ns, types.ToEquatableArray());
        }

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
