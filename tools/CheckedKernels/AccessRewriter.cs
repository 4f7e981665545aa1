using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace EinsumGen.Tools.CheckedKernels
{
    /// <summary>
    /// The rewrite of one file. Semantic questions are asked of the original nodes, before their children are rewritten;
    /// a replacement keeps the original node's trivia and never adds a line.
    /// </summary>
    internal sealed class AccessRewriter : CSharpSyntaxRewriter
    {
        private const string Mem = "global::EinsumGen.Runtime.Kernels.Mem";
        private readonly SemanticModel _model;
        private readonly string _file;
        private int _locals;

        public AccessRewriter(SemanticModel model, string file)
        {
            _model = model;
            _file = Path(file);
        }

        /// <summary>Accesses no rule covers (each fails the build: the checked build must not silently skip one).</summary>
        public List<string> Problems { get; } = new();

        // p[i] through a pointer: Mem.At(p, i, write).
        public override SyntaxNode? VisitElementAccessExpression(ElementAccessExpressionSyntax node)
        {
            bool pointer = _model.GetTypeInfo(node.Expression).Type is IPointerTypeSymbol;
            bool write = IsWritten(node);
            var visited = (ElementAccessExpressionSyntax)base.VisitElementAccessExpression(node)!;
            if (!pointer || IsAddressTaken(node)) return visited;
            var index = visited.ArgumentList.Arguments[0].Expression;
            return Replace(node, $"{Mem}.At({visited.Expression}, (nint)({index}), {Bool(write)})");
        }

        // *p: Mem.At(p, 0, write).
        public override SyntaxNode? VisitPrefixUnaryExpression(PrefixUnaryExpressionSyntax node)
        {
            if (!node.IsKind(SyntaxKind.PointerIndirectionExpression)) return base.VisitPrefixUnaryExpression(node);
            bool write = IsWritten(node);
            var visited = (PrefixUnaryExpressionSyntax)base.VisitPrefixUnaryExpression(node)!;
            if (IsAddressTaken(node)) return visited;
            return Replace(node, $"{Mem}.At({visited.Operand}, 0, {Bool(write)})");
        }

        // Vector loads and stores (System.Runtime.Intrinsics), Unsafe.Add references; anything else raw is reported.
        public override SyntaxNode? VisitInvocationExpression(InvocationExpressionSyntax node)
        {
            var method = _model.GetSymbolInfo(node).Symbol as IMethodSymbol;
            bool write = IsWritten(node);
            var visited = (InvocationExpressionSyntax)base.VisitInvocationExpression(node)!;
            if (method is null) return visited;
            string ns = method.ContainingNamespace?.ToDisplayString() ?? "";
            string type = method.ContainingType?.ToDisplayString() ?? "";
            if (ns.StartsWith("System.Runtime.Intrinsics", System.StringComparison.Ordinal) && method.Parameters.Any(p => p.Type is IPointerTypeSymbol))
                return Intrinsic(node, visited, method);
            if (type == "System.Runtime.CompilerServices.Unsafe")
            {
                switch (method.Name)
                {
                    case "Add" when method.Parameters[0].RefKind == RefKind.Ref:
                    case "Subtract" when method.Parameters[0].RefKind == RefKind.Ref:
                    case "AddByteOffset" when method.Parameters[0].RefKind == RefKind.Ref:
                        return UnsafeRef(node, visited, write);
                    case "Read" or "ReadUnaligned" or "Write" or "WriteUnaligned" or "Copy" or "CopyBlock" or "CopyBlockUnaligned" or "InitBlock" or "InitBlockUnaligned":
                        Problems.Add(Where(node));
                        break;
                }
            }
            if ((type == "System.Buffer" && method.Name == "MemoryCopy") || type == "System.Runtime.InteropServices.NativeMemory") Problems.Add(Where(node));
            return visited;
        }

        // new Span<T>(p, n) / new ReadOnlySpan<T>(p, n): Mem.Span / Mem.ReadOnlySpan (the span is checked as it is made).
        public override SyntaxNode? VisitObjectCreationExpression(ObjectCreationExpressionSyntax node) =>
            SpanFromPointer(node, base.VisitObjectCreationExpression(node)!, node.ArgumentList);

        public override SyntaxNode? VisitImplicitObjectCreationExpression(ImplicitObjectCreationExpressionSyntax node) =>
            SpanFromPointer(node, base.VisitImplicitObjectCreationExpression(node)!, node.ArgumentList);

        // fixed (X* p = array or span): registered for the statement's body.
        public override SyntaxNode? VisitFixedStatement(FixedStatementSyntax node)
        {
            var registrations = new List<string>();
            foreach (var v in node.Declaration.Variables)
            {
                var init = v.Initializer?.Value;
                if (init is null) continue;
                var t = _model.GetTypeInfo(init).Type;
                bool pinnable = t is IArrayTypeSymbol
                    || (t is INamedTypeSymbol n && n.OriginalDefinition.ToDisplayString() is "System.Span<T>" or "System.ReadOnlySpan<T>");
                if (!pinnable) continue;
                registrations.Add($"using var __mem{_locals++} = {Mem}.Pinned({v.Identifier.Text}, {init.WithoutTrivia()}, \"{Label(node, "fixed " + v.Identifier.Text)}\");");
            }
            var visited = (FixedStatementSyntax)base.VisitFixedStatement(node)!;
            if (registrations.Count == 0) return visited;
            return visited.WithStatement(Prepend(visited.Statement, registrations));
        }

        // T* p = stackalloc T[n]: registered until the end of the enclosing block.
        public override SyntaxNode? VisitBlock(BlockSyntax node)
        {
            var visited = (BlockSyntax)base.VisitBlock(node)!;
            return visited.WithStatements(List(WithStackRegistrations(node.Statements, visited.Statements)));
        }

        public override SyntaxNode? VisitSwitchSection(SwitchSectionSyntax node)
        {
            var visited = (SwitchSectionSyntax)base.VisitSwitchSection(node)!;
            if (node.Statements.Any(s => StackDeclarations(s).Any())) Problems.Add(Where(node) + " (stackalloc directly in a switch section: add braces)");
            return visited;
        }

        private IEnumerable<StatementSyntax> WithStackRegistrations(SyntaxList<StatementSyntax> original, SyntaxList<StatementSyntax> visited)
        {
            for (int i = 0; i < visited.Count; i++)
            {
                var registrations = StackDeclarations(original[i]).ToList();
                if (registrations.Count == 0)
                {
                    yield return visited[i];
                    continue;
                }
                var trailing = visited[i].GetTrailingTrivia();
                yield return visited[i].WithTrailingTrivia(Space);
                for (int r = 0; r < registrations.Count; r++)
                {
                    var statement = ParseStatement(registrations[r]).WithLeadingTrivia().WithTrailingTrivia(r == registrations.Count - 1 ? trailing : TriviaList(Space));
                    yield return statement;
                }
            }
        }

        private IEnumerable<string> StackDeclarations(StatementSyntax statement)
        {
            if (statement is not LocalDeclarationStatementSyntax local || local.Declaration.Type is not PointerTypeSyntax pointer) yield break;
            foreach (var v in local.Declaration.Variables)
            {
                if (v.Initializer?.Value is not StackAllocArrayCreationExpressionSyntax alloc) continue;
                if (alloc.Type is not ArrayTypeSyntax array || array.RankSpecifiers[0].Sizes[0] is OmittedArraySizeExpressionSyntax)
                {
                    Problems.Add(Where(statement) + " (stackalloc with an initializer)");
                    continue;
                }
                string length = array.RankSpecifiers[0].Sizes[0].WithoutTrivia().ToString();
                yield return $"using var __mem{_locals++} = {Mem}.Stack({v.Identifier.Text}, (nint)({length}), \"{Label(statement, "stackalloc " + v.Identifier.Text)}\");";
            }
        }

        private SyntaxNode Intrinsic(InvocationExpressionSyntax node, InvocationExpressionSyntax visited, IMethodSymbol method)
        {
            string name = method.Name;
            if (name.StartsWith("Prefetch", System.StringComparison.Ordinal)) return visited; // a hint, not an access
            bool write = name.Contains("Store");
            bool read = name.Contains("Load") || name.Contains("Broadcast");
            if (write == read || name.Contains("Mask") || name.Contains("Gather") || name.Contains("Scatter"))
            {
                Problems.Add(Where(node) + $" ({method.ContainingType.Name}.{name})");
                return visited;
            }
            var arguments = visited.ArgumentList.Arguments;
            var originalArguments = node.ArgumentList.Arguments;
            for (int i = 0; i < originalArguments.Count; i++)
            {
                if (_model.GetTypeInfo(originalArguments[i].Expression).ConvertedType is not IPointerTypeSymbol pointer) continue;
                string bytes;
                if (name.Contains("Scalar") || name.Contains("Broadcast"))
                {
                    bytes = $"sizeof({Display(pointer.PointedAtType)})";
                }
                else
                {
                    ITypeSymbol vector = read ? method.ReturnType
                        : method.ReducedFrom is not null ? method.ReceiverType!
                        : method.Parameters.First(p => p.Type is not IPointerTypeSymbol).Type;
                    bytes = $"global::System.Runtime.CompilerServices.Unsafe.SizeOf<{Display(vector)}>()";
                }
                var argument = arguments[i];
                var checkedArgument = ParseExpression($"{Mem}.Ptr({argument.Expression.WithoutTrivia()}, {bytes}, {Bool(write)})").WithTriviaFrom(argument.Expression);
                arguments = arguments.Replace(argument, argument.WithExpression(checkedArgument));
            }
            return visited.WithArgumentList(visited.ArgumentList.WithArguments(arguments));
        }

        private SyntaxNode UnsafeRef(InvocationExpressionSyntax node, InvocationExpressionSyntax visited, bool write)
        {
            // A reference handed on (ref argument) is not an access; one bound to a ref local or used as a value is.
            SyntaxNode parent = Up(node);
            if (parent is RefExpressionSyntax reference)
            {
                if (Up(reference) is not EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax declaration } }) return visited;
                write = declaration.Type is not RefTypeSyntax { ReadOnlyKeyword.RawKind: (int)SyntaxKind.ReadOnlyKeyword };
            }
            else if (parent is ArgumentSyntax { RefKindKeyword.RawKind: not 0 })
            {
                return visited;
            }
            return Replace(node, $"{Mem}.Ref(ref {visited.WithoutTrivia()}, {Bool(write)})");
        }

        private SyntaxNode SpanFromPointer(ExpressionSyntax node, SyntaxNode visited, ArgumentListSyntax? original)
        {
            if (original is null || original.Arguments.Count != 2) return visited;
            if (_model.GetSymbolInfo(node).Symbol is not IMethodSymbol { MethodKind: MethodKind.Constructor } ctor) return visited;
            string span = ctor.ContainingType.OriginalDefinition.ToDisplayString();
            if (span is not ("System.Span<T>" or "System.ReadOnlySpan<T>") || ctor.Parameters[0].Type is not IPointerTypeSymbol) return visited;
            var element = ((INamedTypeSymbol)ctor.ContainingType).TypeArguments[0];
            var args = visited switch
            {
                ObjectCreationExpressionSyntax o => o.ArgumentList!.Arguments,
                ImplicitObjectCreationExpressionSyntax i => i.ArgumentList.Arguments,
                _ => default,
            };
            string helper = span == "System.Span<T>" ? "Span" : "ReadOnlySpan";
            string t = Display(element);
            return Replace(node, $"{Mem}.{helper}<{t}>(({t}*)({args[0].Expression}), {args[1].Expression})");
        }

        /// <summary>Puts <paramref name="statements"/> at the start of <paramref name="body"/> on its first line (a block is made when it is none).</summary>
        private static StatementSyntax Prepend(StatementSyntax body, List<string> statements)
        {
            var added = statements.Select(s => ParseStatement(s).WithLeadingTrivia(Space).WithTrailingTrivia()).ToList();
            if (body is BlockSyntax block)
            {
                var open = block.OpenBraceToken;
                added[^1] = added[^1].WithTrailingTrivia(open.TrailingTrivia);
                return block.WithOpenBraceToken(open.WithTrailingTrivia()).WithStatements(block.Statements.InsertRange(0, added));
            }
            var inner = body.WithLeadingTrivia(Space).WithTrailingTrivia(Space);
            return Block(Token(body.GetLeadingTrivia(), SyntaxKind.OpenBraceToken, TriviaList()), List(added.Append(inner)),
                Token(TriviaList(), SyntaxKind.CloseBraceToken, body.GetTrailingTrivia()));
        }

        private static SyntaxNode Replace(SyntaxNode original, string text) =>
            ParseExpression(text).WithLeadingTrivia(original.GetLeadingTrivia()).WithTrailingTrivia(original.GetTrailingTrivia());

        /// <summary>Whether the access is assigned to, incremented, or taken by (writable) reference.</summary>
        private static bool IsWritten(ExpressionSyntax node)
        {
            SyntaxNode child = node;
            SyntaxNode parent = Up(node);
            while (parent is ParenthesizedExpressionSyntax) { child = parent; parent = Up(parent); }
            return parent switch
            {
                AssignmentExpressionSyntax a => a.Left == child,
                PrefixUnaryExpressionSyntax p => p.IsKind(SyntaxKind.PreIncrementExpression) || p.IsKind(SyntaxKind.PreDecrementExpression),
                PostfixUnaryExpressionSyntax p => p.IsKind(SyntaxKind.PostIncrementExpression) || p.IsKind(SyntaxKind.PostDecrementExpression),
                RefExpressionSyntax => true,
                ArgumentSyntax arg => arg.RefKindKeyword.IsKind(SyntaxKind.RefKeyword) || arg.RefKindKeyword.IsKind(SyntaxKind.OutKeyword),
                _ => false,
            };
        }

        /// <summary>&amp;p[i] and &amp;*p compute an address; nothing is read or written.</summary>
        private static bool IsAddressTaken(ExpressionSyntax node)
        {
            SyntaxNode parent = Up(node);
            while (parent is ParenthesizedExpressionSyntax) parent = Up(parent);
            return parent is PrefixUnaryExpressionSyntax p && p.IsKind(SyntaxKind.AddressOfExpression);
        }

        private static SyntaxNode Up(SyntaxNode node) => node.Parent!;

        private static string Display(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);

        private static string Bool(bool value) => value ? "true" : "false";

        private string Label(SyntaxNode node, string what) => $"{what} ({_file}:{node.GetLocation().GetLineSpan().StartLinePosition.Line + 1})";

        private string Where(SyntaxNode node)
        {
            var span = node.GetLocation().GetLineSpan();
            return $"{span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})";
        }

        private static string Path(string file)
        {
            int at = file.Replace('\\', '/').IndexOf("/src/Runtime/", System.StringComparison.Ordinal);
            return at >= 0 ? file.Substring(at + 1).Replace('\\', '/') : System.IO.Path.GetFileName(file);
        }
    }
}
