using System.Collections.Generic;
using System.Linq;
using System.Threading;
using EinsumGen.Generator.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace EinsumGen.Generator
{
    /// <summary>
    /// The incremental transform: copies an [Einsum] method out of Roslyn into a <see cref="DeclaredMethod"/>. Roslyn runs it
    /// for every marked method on every edit, so it only reads: no checks, no planning, and no symbol formatting
    /// (<c>ToDisplayString</c>) for the types the generator takes, whose names it writes itself. A type it does not take is
    /// formatted for its error message and the throwing body, which happens only in code that fails to build.
    /// </summary>
    internal static class MethodReader
    {
        private static readonly SymbolDisplayFormat QualifiedFormat = SymbolDisplayFormat.FullyQualifiedFormat
            .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier | SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

        private const string TensorsNamespace = "global::System.Numerics.Tensors.";

        /// <summary>The generator's transform: the method its attribute marks.</summary>
        public static DeclaredMethod Read(GeneratorAttributeSyntaxContext context, CancellationToken ct) =>
            Read((IMethodSymbol)context.TargetSymbol, (MethodDeclarationSyntax)context.TargetNode, context.Attributes[0], ct);

        /// <summary>
        /// Reads one [Einsum] method (the generator and <see cref="EinsumAnalyzer"/> both call this; the <c>[Convolution]</c>
        /// parser, with no attribute, for its throwing bodies).
        /// </summary>
        public static DeclaredMethod Read(IMethodSymbol method, MethodDeclarationSyntax syntax, AttributeData? attribute, CancellationToken ct)
        {
            var tree = syntax.SyntaxTree;
            var attributeSyntax = attribute?.ApplicationSyntaxReference?.GetSyntax(ct) as AttributeSyntax;
            var spec = attribute?.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
            var sizes = Named(attribute, "Sizes") as string;
            bool? derivatives = Named(attribute, "Derivatives") as bool?;

            var flags = MethodFlags.None;
            if (method.IsStatic) flags |= MethodFlags.Static;
            if (syntax.Modifiers.Any(SyntaxKind.PartialKeyword)) flags |= MethodFlags.Partial;
            if (syntax.Body is not null || syntax.ExpressionBody is not null) flags |= MethodFlags.HasBody;
            if (method.PartialImplementationPart is not null) flags |= MethodFlags.HasImplementationPart;
            if (method.PartialDefinitionPart is not null) flags |= MethodFlags.HasDefinitionPart;
            if (method.IsGenericMethod) flags |= MethodFlags.Generic;
            if (method.ReturnsVoid) flags |= MethodFlags.ReturnsVoid;
            if (method.ReturnsByRef) flags |= MethodFlags.ReturnsByRef;
            if (method.ReturnsByRefReadonly) flags |= MethodFlags.ReturnsByRefReadonly;
            if (method.IsExtensionMethod) flags |= MethodFlags.Extension;

            var parameters = new List<DeclaredParameter>(method.Parameters.Length);
            for (int i = 0; i < method.Parameters.Length; i++)
            {
                var p = method.Parameters[i];
                var modifiers = i < syntax.ParameterList.Parameters.Count
                    ? string.Join(" ", syntax.ParameterList.Parameters[i].Modifiers.Select(m => m.Text))
                    : string.Empty;
                var kind = Classify(p.Type, out var element);
                string qualified = kind switch
                {
                    ParameterKind.Scalar => element!,
                    ParameterKind.ReadOnlyTensor => TensorsNamespace + "ReadOnlyTensorSpan<" + element + ">",
                    ParameterKind.Tensor => TensorsNamespace + "TensorSpan<" + element + ">",
                    _ => p.Type.ToDisplayString(QualifiedFormat),
                };
                string? display = kind == ParameterKind.Unsupported ? p.Type.ToDisplayString() : null;
                parameters.Add(new DeclaredParameter(p.Name, modifiers, p.RefKind, kind, element, qualified, display, LocationInfo.From(p.Locations.FirstOrDefault())));
            }

            var returnType = method.ReturnsVoid ? "void" : Element(method.ReturnType) ?? method.ReturnType.ToDisplayString(QualifiedFormat);
            var typeParameters = method.TypeParameters.Select(t => t.Name).ToEquatableArray();
            var constraints = method.TypeParameters.Select(Constraint).Where(c => c is not null).Select(c => c!).ToEquatableArray();

            var clashes = new List<MemberClash>();
            foreach (var suffix in new[] { "Backward", "Jvp" })
            {
                foreach (var member in method.ContainingType.GetMembers(method.Name + suffix))
                {
                    clashes.Add(new MemberClash(member.Name, LocationInfo.From(member.Locations.FirstOrDefault())));
                }
            }
            // Names only (nested types apart): no member symbol is made.
            var memberNames = method.ContainingType.MemberNames.Concat(method.ContainingType.GetTypeMembers().Select(t => t.Name))
                .Where(n => n != method.Name && n.StartsWith(method.Name, System.StringComparison.Ordinal))
                .Distinct().OrderBy(n => n, System.StringComparer.Ordinal).ToEquatableArray();

            return new DeclaredMethod(
                method.Name,
                LocationInfo.From(tree, syntax.Identifier.Span),
                HierarchyInfo.From(method.ContainingType),
                ContainingTypes(method.ContainingType),
                syntax.Modifiers.Select(m => m.Text).ToEquatableArray(),
                flags,
                returnType,
                typeParameters,
                constraints,
                parameters.ToEquatableArray(),
                syntax.ParameterList.Parameters.Count,
                spec,
                Literal(tree, ArgumentExpression(attributeSyntax, null)),
                sizes,
                Literal(tree, ArgumentExpression(attributeSyntax, "Sizes")),
                derivatives,
                clashes.ToEquatableArray(),
                memberNames);
        }

        private static object? Named(AttributeData? attribute, string name)
        {
            if (attribute is null) return null;
            foreach (var argument in attribute.NamedArguments)
            {
                if (argument.Key == name) return argument.Value.Value;
            }
            return null;
        }

        private static EquatableArray<ContainingType> ContainingTypes(INamedTypeSymbol innermost)
        {
            var types = new List<ContainingType>();
            for (var type = innermost; type is not null; type = type.ContainingType)
            {
                LocationInfo? at = null;
                var notPartial = new List<LocationInfo>();
                bool allPartial = true;
                foreach (var reference in type.DeclaringSyntaxReferences)
                {
                    if (reference.GetSyntax() is not TypeDeclarationSyntax declaration)
                    {
                        allPartial = false;
                        continue;
                    }
                    var location = LocationInfo.From(declaration.SyntaxTree, declaration.Identifier.Span);
                    at ??= location;
                    if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                    {
                        allPartial = false;
                        notPartial.Add(location);
                    }
                }
                bool accepts = allPartial && !type.IsFileLocal && type.TypeKind is TypeKind.Class or TypeKind.Struct or TypeKind.Interface;
                types.Add(new ContainingType(type.Name, type.IsFileLocal, at, accepts, type.IsStatic, notPartial.ToEquatableArray()));
            }
            return types.ToEquatableArray();
        }

        /// <summary>
        /// What a parameter's type is to the generator, from its special type and its definition's metadata name and
        /// namespace (no formatting).
        /// </summary>
        private static ParameterKind Classify(ITypeSymbol type, out string? element)
        {
            element = Element(type);
            if (element is not null) return ParameterKind.Scalar;
            if (type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named && IsTensorsNamespace(named.ContainingNamespace))
            {
                element = Element(named.TypeArguments[0]);
                string definition = named.ConstructedFrom.MetadataName;
                if (element is not null && definition == "ReadOnlyTensorSpan`1") return ParameterKind.ReadOnlyTensor;
                if (element is not null && definition == "TensorSpan`1") return ParameterKind.Tensor;
            }
            element = null;
            return ParameterKind.Unsupported;
        }

        private static string? Element(ITypeSymbol type) => type.SpecialType switch
        {
            SpecialType.System_Single => "float",
            SpecialType.System_Double => "double",
            _ => null,
        };

        private static bool IsTensorsNamespace(INamespaceSymbol? ns) =>
            ns is { Name: "Tensors" } && ns.ContainingNamespace is { Name: "Numerics" } numerics &&
            numerics.ContainingNamespace is { Name: "System" } system && system.ContainingNamespace is { IsGlobalNamespace: true };

        private static string? Constraint(ITypeParameterSymbol t)
        {
            var parts = new List<string>();
            if (t.HasUnmanagedTypeConstraint) parts.Add("unmanaged");
            else if (t.HasValueTypeConstraint) parts.Add("struct");
            else if (t.HasReferenceTypeConstraint) parts.Add(t.ReferenceTypeConstraintNullableAnnotation == NullableAnnotation.Annotated ? "class?" : "class");
            else if (t.HasNotNullConstraint) parts.Add("notnull");
            parts.AddRange(t.ConstraintTypes.Select(c => c.ToDisplayString(QualifiedFormat)));
            if (t.HasConstructorConstraint) parts.Add("new()");
            return parts.Count == 0 ? null : "where " + t.Name + " : " + string.Join(", ", parts);
        }

        private static ExpressionSyntax? ArgumentExpression(AttributeSyntax? attribute, string? name)
        {
            if (attribute?.ArgumentList is null) return null;
            foreach (var argument in attribute.ArgumentList.Arguments)
            {
                string? argName = argument.NameEquals?.Name.Identifier.Text ?? argument.NameColon?.Name.Identifier.Text;
                if (name is null ? argName is null || argName == "spec" : argName == name) return argument.Expression;
            }
            return null;
        }

        private static LiteralInfo? Literal(SyntaxTree tree, ExpressionSyntax? expression)
        {
            if (expression is null) return null;
            var whole = LocationInfo.From(tree, expression.Span);
            if (expression is LiteralExpressionSyntax literal &&
                (literal.Token.IsKind(SyntaxKind.StringLiteralToken) || literal.Token.IsKind(SyntaxKind.SingleLineRawStringLiteralToken)))
            {
                return new LiteralInfo(whole, literal.Token.Text, literal.Token.ValueText);
            }
            return new LiteralInfo(whole, null, null);
        }
    }
}
