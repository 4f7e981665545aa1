using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace EinsumGen.CodeFixes
{
    /// <summary>
    /// Fixes the signature against the spec: moves the output <c>TensorSpan&lt;T&gt;</c> last, or makes a read-only last
    /// parameter the writable output (EG0012); returns <c>T</c> for a scalar output instead of taking a tensor (EG0013);
    /// drops <c>ref</c> or <c>out</c> from a parameter (EG0023).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SignatureFixProvider)), Shared]
    public sealed class SignatureFixProvider : CodeFixProvider
    {
        /// <inheritdoc />
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("EG0012", "EG0013", "EG0023");

        /// <inheritdoc />
        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        /// <inheritdoc />
        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null) return;
            foreach (var diagnostic in context.Diagnostics)
            {
                var node = root.FindNode(diagnostic.Location.SourceSpan);
                var method = node.AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault();
                if (method is null) continue;
                var (title, edited) = diagnostic.Id switch
                {
                    "EG0012" => OutputLast(method),
                    "EG0013" => ReturnScalar(method),
                    _ => DropRefOrOut(method, node.AncestorsAndSelf().OfType<ParameterSyntax>().FirstOrDefault()),
                };
                if (edited is null) continue;
                context.RegisterCodeFix(
                    CodeAction.Create(title, (CancellationToken _) => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(method, edited))), title),
                    diagnostic);
            }
        }

        private static (string, MethodDeclarationSyntax?) OutputLast(MethodDeclarationSyntax method)
        {
            var parameters = method.ParameterList.Parameters;
            var outputs = parameters.Where(p => Syntax.IsTensorSpan(p.Type)).ToList();
            if (outputs.Count == 1 && parameters.IndexOf(outputs[0]) != parameters.Count - 1)
            {
                var order = parameters.Where(p => p != outputs[0]).Concat(outputs).ToList();
                return ("Move the output '" + outputs[0].Identifier.Text + "' last", ReturningVoid(Reordered(method, order)));
            }
            if (outputs.Count == 0 && parameters.Count > 0 && Syntax.IsReadOnlyTensorSpan(parameters.Last().Type))
            {
                // The output is read-only: make it the writable TensorSpan<T>.
                var last = parameters.Last();
                var generic = Syntax.Generic(last.Type)!;
                var edited = method.ReplaceNode(generic, generic.WithIdentifier(SyntaxFactory.Identifier(generic.Identifier.LeadingTrivia, "TensorSpan", generic.Identifier.TrailingTrivia)));
                return ("Make '" + last.Identifier.Text + "' the output, a TensorSpan", ReturningVoid(edited));
            }
            if (outputs.Count == 1 && !IsVoid(method.ReturnType)) return ("Return void; the result goes to '" + outputs[0].Identifier.Text + "'", ReturningVoid(method));
            return (string.Empty, null);
        }

        private static (string, MethodDeclarationSyntax?) ReturnScalar(MethodDeclarationSyntax method)
        {
            var element = method.ParameterList.Parameters.Select(p => p.Type is null ? null : Syntax.ElementType(p.Type)).FirstOrDefault(e => e is not null);
            if (element is null) return (string.Empty, null);
            var kept = method.ParameterList.Parameters.Where(p => !Syntax.IsTensorSpan(p.Type)).ToList();
            var edited = method.ParameterList.Parameters.Count == kept.Count ? method : method.WithParameterList(
                method.ParameterList.WithParameters(SyntaxFactory.SeparatedList(kept.Select((p, i) => i == 0 ? p.WithLeadingTrivia() : p.WithLeadingTrivia(SyntaxFactory.Space)))));
            var type = SyntaxFactory.ParseTypeName(element).WithTriviaFrom(method.ReturnType);
            return ("Return the scalar result as " + element, edited.WithReturnType(type));
        }

        private static (string, MethodDeclarationSyntax?) DropRefOrOut(MethodDeclarationSyntax method, ParameterSyntax? parameter)
        {
            if (parameter is null) return (string.Empty, null);
            var modifiers = parameter.Modifiers;
            var drop = modifiers.Where(m => m.IsKind(SyntaxKind.RefKeyword) || m.IsKind(SyntaxKind.OutKeyword)).ToList();
            // 'ref readonly' is allowed: keep it.
            if (drop.Count == 0 || modifiers.Any(SyntaxKind.ReadOnlyKeyword)) return (string.Empty, null);
            var edited = parameter;
            foreach (var token in drop)
            {
                var current = edited.Modifiers.First(m => m.IsKind(token.Kind()));
                var rest = edited.Modifiers.Remove(current);
                edited = rest.Count > 0 && edited.Modifiers.IndexOf(current) == 0
                    ? edited.WithModifiers(rest.Replace(rest[0], rest[0].WithLeadingTrivia(current.LeadingTrivia)))
                    : rest.Count > 0 ? edited.WithModifiers(rest)
                    : edited.WithModifiers(rest).WithType(edited.Type!.WithLeadingTrivia(current.LeadingTrivia));
            }
            return ("Pass '" + parameter.Identifier.Text + "' by value", method.ReplaceNode(parameter, edited));
        }

        private static MethodDeclarationSyntax ReturningVoid(MethodDeclarationSyntax method) =>
            IsVoid(method.ReturnType) ? method : method.WithReturnType(SyntaxFactory.ParseTypeName("void").WithTriviaFrom(method.ReturnType));

        private static bool IsVoid(TypeSyntax type) => type is PredefinedTypeSyntax p && p.Keyword.IsKind(SyntaxKind.VoidKeyword);

        /// <summary>The parameters in a new order, each slot keeping its trivia and the separators between them.</summary>
        private static MethodDeclarationSyntax Reordered(MethodDeclarationSyntax method, IReadOnlyList<ParameterSyntax> order)
        {
            var old = method.ParameterList.Parameters;
            var moved = order.Select((p, i) => p.WithLeadingTrivia(old[i].GetLeadingTrivia()).WithTrailingTrivia(old[i].GetTrailingTrivia()));
            return method.WithParameterList(method.ParameterList.WithParameters(SyntaxFactory.SeparatedList(moved, old.GetSeparators())));
        }
    }
}
