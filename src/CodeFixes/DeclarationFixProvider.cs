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
    /// Fixes the declaration's modifiers: adds <c>static</c> (EG0007); makes the method a partial declaration with no body
    /// (EG0008); adds an access modifier, public or private (EG0026).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DeclarationFixProvider)), Shared]
    public sealed class DeclarationFixProvider : CodeFixProvider
    {
        /// <inheritdoc />
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("EG0007", "EG0008", "EG0026");

        /// <inheritdoc />
        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        /// <inheritdoc />
        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null) return;
            foreach (var diagnostic in context.Diagnostics)
            {
                var method = root.FindNode(diagnostic.Location.SourceSpan).AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault();
                if (method is null) continue;
                string name = method.Identifier.Text;
                switch (diagnostic.Id)
                {
                    case "EG0007":
                        Register(context, diagnostic, root, method, "Make '" + name + "' static", m => Syntax.WithModifier(m, SyntaxKind.StaticKeyword));
                        break;
                    case "EG0008":
                        Register(context, diagnostic, root, method, "Make '" + name + "' a static partial declaration for EinsumGen to implement",
                            m => Syntax.WithoutBody(Syntax.WithModifier(Syntax.WithModifier(m, SyntaxKind.StaticKeyword), SyntaxKind.PartialKeyword)));
                        break;
                    case "EG0026":
                        Register(context, diagnostic, root, method, "Make '" + name + "' public", m => Syntax.WithModifier(m, SyntaxKind.PublicKeyword));
                        Register(context, diagnostic, root, method, "Make '" + name + "' private", m => Syntax.WithModifier(m, SyntaxKind.PrivateKeyword));
                        break;
                }
            }
        }

        private static void Register(CodeFixContext context, Diagnostic diagnostic, SyntaxNode root, MethodDeclarationSyntax method, string title,
            System.Func<MethodDeclarationSyntax, MethodDeclarationSyntax> edit)
        {
            context.RegisterCodeFix(
                CodeAction.Create(title, (CancellationToken _) => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(method, edit(method)))), title),
                diagnostic);
        }
    }
}
