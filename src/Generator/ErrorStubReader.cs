using System.Collections.Generic;
using System.Linq;
using EinsumGen.Generator.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace EinsumGen.Generator
{
    /// <summary>
    /// Reads what <see cref="ErrorStubWriter"/> needs to give a method with EG errors a body that throws: its signature,
    /// fully qualified, and whether C# allows a second part at all (a partial definition in partial, non-file types).
    /// </summary>
    internal static class ErrorStubReader
    {
        private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
            .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier | SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

        public static ErrorStub Read(IMethodSymbol method, MethodDeclarationSyntax syntax, IReadOnlyList<DiagnosticInfo> diagnostics)
        {
            var hierarchy = HierarchyInfo.From(method.ContainingType);
            string ids = string.Join(", ", diagnostics.Select(d => d.Id).Distinct());
            string fingerprint = ErrorStub.FingerprintOf(diagnostics);
            if (!Implementable(method, syntax))
            {
                return new ErrorStub(hierarchy, method.Name, string.Empty, EquatableArray<string>.Empty, ids, fingerprint, false);
            }
            string returns = (method.ReturnsByRefReadonly ? "ref readonly " : method.ReturnsByRef ? "ref " : string.Empty) +
                method.ReturnType.ToDisplayString(TypeFormat);
            string typeParameters = method.TypeParameters.Length == 0 ? string.Empty : "<" + string.Join(", ", method.TypeParameters.Select(t => t.Name)) + ">";
            var parameters = syntax.ParameterList.Parameters.Select((p, i) => Parameter(p, method.Parameters[i]));
            string header = MethodParser.ModifiersPartialLast(syntax) + " " + returns + " " + Escape(method.Name) + typeParameters +
                "(" + string.Join(", ", parameters) + ")";
            var constraints = method.TypeParameters.Select(Constraint).Where(c => c is not null).Select(c => c!).ToEquatableArray();
            return new ErrorStub(hierarchy, method.Name, header, constraints, ids, fingerprint, true);
        }

        /// <summary>A partial definition with no other part, in types that are all partial and none file-local.</summary>
        private static bool Implementable(IMethodSymbol method, MethodDeclarationSyntax syntax)
        {
            if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword) || syntax.Body is not null || syntax.ExpressionBody is not null) return false;
            if (method.PartialImplementationPart is not null || method.PartialDefinitionPart is not null) return false;
            if (method.Parameters.Length != syntax.ParameterList.Parameters.Count) return false;
            // C# already reports a partial method that needs an access modifier and lacks one (CS8796).
            if (!MethodParser.HasAccessModifier(syntax) && (!method.ReturnsVoid || method.Parameters.Any(p => p.RefKind == RefKind.Out))) return false;
            // C# already reports an instance method in a static class (CS0708); a second part would repeat it.
            if (!method.IsStatic && method.ContainingType.IsStatic) return false;
            for (var type = method.ContainingType; type is not null; type = type.ContainingType)
            {
                if (type.IsFileLocal || type.TypeKind is not (TypeKind.Class or TypeKind.Struct or TypeKind.Interface)) return false;
                foreach (var reference in type.DeclaringSyntaxReferences)
                {
                    if (reference.GetSyntax() is not TypeDeclarationSyntax declaration || !declaration.Modifiers.Any(SyntaxKind.PartialKeyword)) return false;
                }
            }
            return true;
        }

        private static string Parameter(ParameterSyntax syntax, IParameterSymbol symbol)
        {
            // Both parts must agree on this, params, scoped and ref kinds; defaults belong to the definition only.
            var modifiers = string.Join(" ", syntax.Modifiers.Select(m => m.Text));
            return (modifiers.Length > 0 ? modifiers + " " : string.Empty) + symbol.Type.ToDisplayString(TypeFormat) + " " + Escape(symbol.Name);
        }

        private static string? Constraint(ITypeParameterSymbol t)
        {
            var parts = new List<string>();
            if (t.HasUnmanagedTypeConstraint) parts.Add("unmanaged");
            else if (t.HasValueTypeConstraint) parts.Add("struct");
            else if (t.HasReferenceTypeConstraint) parts.Add(t.ReferenceTypeConstraintNullableAnnotation == NullableAnnotation.Annotated ? "class?" : "class");
            else if (t.HasNotNullConstraint) parts.Add("notnull");
            parts.AddRange(t.ConstraintTypes.Select(c => c.ToDisplayString(TypeFormat)));
            if (t.HasConstructorConstraint) parts.Add("new()");
            return parts.Count == 0 ? null : "where " + t.Name + " : " + string.Join(", ", parts);
        }

        private static string Escape(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
    }
}
