using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace EinsumGen.CodeFixes
{
    /// <summary>Small syntax edits the fixes share, each keeping the user's layout (trivia) around what it touches.</summary>
    internal static class Syntax
    {
        /// <summary>
        /// Adds a modifier where C# wants it: an access modifier first, <c>partial</c> last (just before the return type),
        /// anything else just before <c>partial</c>.
        /// </summary>
        public static MethodDeclarationSyntax WithModifier(MethodDeclarationSyntax method, SyntaxKind kind)
        {
            var modifiers = method.Modifiers;
            if (modifiers.Any(kind)) return method;
            var token = SyntaxFactory.Token(kind).WithTrailingTrivia(SyntaxFactory.Space);
            if (modifiers.Count == 0)
            {
                // The return type carries the declaration's indentation: the new first modifier takes it over.
                var type = method.ReturnType;
                token = token.WithLeadingTrivia(type.GetLeadingTrivia());
                return method.WithReturnType(type.WithLeadingTrivia()).WithModifiers(SyntaxFactory.TokenList(token));
            }
            int index = IsAccessibility(kind) ? 0 : kind == SyntaxKind.PartialKeyword ? modifiers.Count : PartialIndex(modifiers);
            if (index == 0)
            {
                token = token.WithLeadingTrivia(modifiers[0].LeadingTrivia);
                modifiers = modifiers.Replace(modifiers[0], modifiers[0].WithLeadingTrivia());
            }
            return method.WithModifiers(modifiers.Insert(index, token));
        }

        private static int PartialIndex(SyntaxTokenList modifiers)
        {
            for (int i = 0; i < modifiers.Count; i++)
            {
                if (modifiers[i].IsKind(SyntaxKind.PartialKeyword)) return i;
            }
            return modifiers.Count;
        }

        private static bool IsAccessibility(SyntaxKind kind) =>
            kind is SyntaxKind.PublicKeyword or SyntaxKind.InternalKeyword or SyntaxKind.ProtectedKeyword or SyntaxKind.PrivateKeyword;

        /// <summary>The method as a declaration with no body: <c>F(...);</c>.</summary>
        public static MethodDeclarationSyntax WithoutBody(MethodDeclarationSyntax method)
        {
            if (method.Body is null && method.ExpressionBody is null) return method;
            var trailing = method.Body?.GetTrailingTrivia() ?? method.SemicolonToken.TrailingTrivia;
            var close = method.ParameterList.CloseParenToken;
            return method
                .WithParameterList(method.ParameterList.WithCloseParenToken(close.WithTrailingTrivia()))
                .WithConstraintClauses(SyntaxFactory.List(method.ConstraintClauses.Select(c => c.WithoutTrailingTrivia())))
                .WithBody(null)
                .WithExpressionBody(null)
                .WithSemicolonToken(SyntaxFactory.Token(SyntaxKind.SemicolonToken).WithTrailingTrivia(trailing));
        }

        /// <summary>The element type of <c>TensorSpan&lt;T&gt;</c>, <c>ReadOnlyTensorSpan&lt;T&gt;</c> or a plain float or double.</summary>
        public static string? ElementType(TypeSyntax type)
        {
            if (type is PredefinedTypeSyntax p && (p.Keyword.IsKind(SyntaxKind.FloatKeyword) || p.Keyword.IsKind(SyntaxKind.DoubleKeyword))) return p.Keyword.Text;
            if (Generic(type) is { } g && g.TypeArgumentList.Arguments.Count == 1 && g.TypeArgumentList.Arguments[0] is PredefinedTypeSyntax a &&
                (a.Keyword.IsKind(SyntaxKind.FloatKeyword) || a.Keyword.IsKind(SyntaxKind.DoubleKeyword)))
            {
                return a.Keyword.Text;
            }
            return null;
        }

        /// <summary>Whether the type is written <c>TensorSpan&lt;…&gt;</c> (possibly qualified).</summary>
        public static bool IsTensorSpan(TypeSyntax? type) => Generic(type)?.Identifier.Text == "TensorSpan";

        /// <summary>Whether the type is written <c>ReadOnlyTensorSpan&lt;…&gt;</c> (possibly qualified).</summary>
        public static bool IsReadOnlyTensorSpan(TypeSyntax? type) => Generic(type)?.Identifier.Text == "ReadOnlyTensorSpan";

        public static GenericNameSyntax? Generic(TypeSyntax? type) => type switch
        {
            GenericNameSyntax g => g,
            QualifiedNameSyntax { Right: GenericNameSyntax g } => g,
            AliasQualifiedNameSyntax { Name: GenericNameSyntax g } => g,
            _ => null,
        };
    }
}
