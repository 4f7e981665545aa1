using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Text;

namespace EinsumGen.CodeFixes
{
    /// <summary>Completes a half-written arrow in the spec (EG0001 on a lone <c>-</c> or <c>&gt;</c>): <c>i-j</c> → <c>i->j</c>.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SpecArrowFixProvider)), Shared]
    public sealed class SpecArrowFixProvider : CodeFixProvider
    {
        /// <inheritdoc />
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("EG0001");

        /// <inheritdoc />
        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        /// <inheritdoc />
        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var text = await context.Document.GetTextAsync(context.CancellationToken).ConfigureAwait(false);
            foreach (var diagnostic in context.Diagnostics)
            {
                // The error sits on the one offending character when the literal has no escapes; otherwise on the whole literal.
                var span = diagnostic.Location.SourceSpan;
                if (span.Length != 1 || span.End > text.Length) continue;
                string at = text.ToString(span);
                bool lone = at == "-" || at == ">" && (span.Start == 0 || text[span.Start - 1] != '-');
                if (!lone) continue;
                const string title = "Write the arrow '->'";
                context.RegisterCodeFix(
                    CodeAction.Create(title, (CancellationToken _) => Task.FromResult(context.Document.WithText(text.Replace(span, "->"))), title),
                    diagnostic);
            }
        }
    }
}
