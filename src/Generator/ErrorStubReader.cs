using System.Collections.Generic;
using System.Linq;
using EinsumGen.Generator.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace EinsumGen.Generator
{
    /// <summary>
    /// Makes what <see cref="ErrorStubWriter"/> needs to give a method with EG errors a body that throws: its signature,
    /// fully qualified, and whether C# allows a second part at all (a partial definition in partial, non-file types).
    /// It reads the values <see cref="MethodReader"/> copied out, so it runs in the cached checking step.
    /// </summary>
    internal static class ErrorStubReader
    {
        /// <summary>For the <c>[Convolution]</c> parser, which reads symbols itself.</summary>
        public static ErrorStub Read(IMethodSymbol method, MethodDeclarationSyntax syntax, IReadOnlyList<DiagnosticInfo> diagnostics) =>
            Read(MethodReader.Read(method, syntax, null, default), diagnostics);

        public static ErrorStub Read(DeclaredMethod method, IReadOnlyList<DiagnosticInfo> diagnostics)
        {
            string ids = string.Join(", ", diagnostics.Select(d => d.Id).Distinct());
            string fingerprint = ErrorStub.FingerprintOf(diagnostics);
            if (!Implementable(method))
            {
                return new ErrorStub(method.Hierarchy, method.Name, string.Empty, EquatableArray<string>.Empty, ids, fingerprint, false);
            }
            string returns = (method.Has(MethodFlags.ReturnsByRefReadonly) ? "ref readonly " : method.Has(MethodFlags.ReturnsByRef) ? "ref " : string.Empty) +
                method.ReturnType;
            string typeParameters = method.TypeParameters.Count == 0 ? string.Empty : "<" + string.Join(", ", method.TypeParameters) + ">";
            // Both parts must agree on this, params, scoped and ref kinds; defaults belong to the definition only.
            var parameters = method.Parameters.Select(p =>
                (p.SyntaxModifiers.Length > 0 ? p.SyntaxModifiers + " " : string.Empty) + p.QualifiedType + " " + MethodParser.Escape(p.Name));
            string header = MethodParser.ModifiersPartialLast(method.Modifiers) + " " + returns + " " + MethodParser.Escape(method.Name) + typeParameters +
                "(" + string.Join(", ", parameters) + ")";
            return new ErrorStub(method.Hierarchy, method.Name, header, method.Constraints, ids, fingerprint, true);
        }

        /// <summary>A partial definition with no other part, in types that are all partial and none file-local.</summary>
        private static bool Implementable(DeclaredMethod method)
        {
            if (!method.Has(MethodFlags.Partial) || method.Has(MethodFlags.HasBody)) return false;
            if (method.Has(MethodFlags.HasImplementationPart) || method.Has(MethodFlags.HasDefinitionPart)) return false;
            if (method.Parameters.Count != method.SyntaxParameterCount) return false;
            // C# already reports a partial method that needs an access modifier and lacks one (CS8796).
            if (!MethodParser.HasAccessModifier(method.Modifiers) &&
                (!method.Has(MethodFlags.ReturnsVoid) || method.Parameters.Any(p => p.RefKind == RefKind.Out))) return false;
            // C# already reports an instance method in a static class (CS0708); a second part would repeat it.
            if (!method.Has(MethodFlags.Static) && method.Types[0].IsStatic) return false;
            return method.Types.All(t => t.AcceptsPartialMembers);
        }
    }
}
