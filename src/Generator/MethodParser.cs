using System.Collections.Generic;
using System.Linq;
using System.Threading;
using EinsumGen.Generator.Models;
using EinsumGen.Notation;
using EinsumGen.Runtime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace EinsumGen.Generator
{
    /// <summary>
    /// Stage 1: reads an [Einsum] method from Roslyn into a value model, checking the spec against the signature.
    /// Nothing Roslyn-typed leaves this class; every failure is a diagnostic located as precisely as the source allows.
    /// </summary>
    internal static class MethodParser
    {
        private const string ReadOnlyTensorSpan = "System.Numerics.Tensors.ReadOnlyTensorSpan<T>";
        private const string TensorSpan = "System.Numerics.Tensors.TensorSpan<T>";

        private enum ParameterKind { ReadOnlyTensor, Tensor, Scalar, Unsupported }

        /// <summary>The generator's entry: the method its attribute marks.</summary>
        public static MethodResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken ct) =>
            Parse((IMethodSymbol)context.TargetSymbol, (MethodDeclarationSyntax)context.TargetNode, context.Attributes[0], ct);

        /// <summary>
        /// Reads one [Einsum] method. The generator and <see cref="EinsumAnalyzer"/> both call this, so that a user sees the
        /// same diagnostics while typing as at build time.
        /// </summary>
        public static MethodResult Parse(IMethodSymbol method, MethodDeclarationSyntax syntax, AttributeData attribute, CancellationToken ct)
        {
            var diagnostics = new List<DiagnosticInfo>();
            var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(ct) as AttributeSyntax;
            var nameLocation = LocationInfo.From(syntax.SyntaxTree, syntax.Identifier.Span);

            var spec = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
            var specLocator = new LiteralLocator(syntax.SyntaxTree, ArgumentExpression(attributeSyntax, null));
            if (spec is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SpecNotConstant, specLocator.Whole() ?? nameLocation));
                return Fail(method, syntax, diagnostics);
            }

            CheckDeclaration(method, syntax, nameLocation, diagnostics);
            bool? derivatives = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Derivatives").Value.Value as bool?;
            // Without its Backward and Jvp (the project's default is not known here, so only the attribute's word counts).
            if (derivatives != false) CheckGeneratedNames(method, diagnostics);

            if (!EinsumParser.TryParse(spec, out var expression, out var error))
            {
                diagnostics.Add(DiagnosticInfo.Create(SpecDescriptor(error!.Kind), specLocator.At(error.Start, error.Length), error.Message));
                return Fail(method, syntax, diagnostics);
            }

            string? sizes = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Sizes").Value.Value as string;
            CheckSizes(sizes, expression!, new LiteralLocator(syntax.SyntaxTree, ArgumentExpression(attributeSyntax, "Sizes")), diagnostics);

            var model = ReadSignature(method, syntax, expression!, spec, sizes, specLocator, nameLocation, diagnostics, derivatives);
            if (diagnostics.Exists(d => d.IsError) || model is null) return Fail(method, syntax, diagnostics);
            // C# demands an access modifier here and reports its absence (CS8796, CS8798); an implementation would repeat it.
            if (!HasAccessModifier(syntax) && !MayLackImplementation(method, syntax)) return new MethodResult(null, null, diagnostics.ToEquatableArray());
            return new MethodResult(model, specLocator.Whole(), diagnostics.ToEquatableArray());
        }

        private static MethodResult Fail(IMethodSymbol method, MethodDeclarationSyntax syntax, List<DiagnosticInfo> diagnostics) =>
            new MethodResult(null, null, diagnostics.ToEquatableArray(), ErrorStubReader.Read(method, syntax, diagnostics));

        private static void CheckDeclaration(IMethodSymbol method, MethodDeclarationSyntax syntax, LocationInfo nameLocation, List<DiagnosticInfo> diagnostics)
        {
            if (!method.IsStatic) diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MethodNotStatic, nameLocation, method.Name));
            bool isPartial = syntax.Modifiers.Any(SyntaxKind.PartialKeyword);
            if (!isPartial || syntax.Body is not null || syntax.ExpressionBody is not null || method.PartialImplementationPart is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MethodNotPartial, nameLocation, method.Name));
            }
            else if (!HasAccessModifier(syntax) && MayLackImplementation(method, syntax))
            {
                // Without one, a void partial method may lack an implementation, and C# then erases every call to it: had the
                // generator not run, the program would build and silently compute nothing. With one, C# demands the body (CS8795).
                // A warning, not an error: the generator is running here and implements the method, and the short form
                // `static partial void F(...)` stays valid code.
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.AccessModifierMissing, nameLocation, method.Name));
            }
            if (method.IsGenericMethod) diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericMethod, nameLocation, method.Name));
            for (var type = method.ContainingType; type is not null; type = type.ContainingType)
            {
                if (type.IsFileLocal)
                {
                    var at = type.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<TypeDeclarationSyntax>().FirstOrDefault();
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.FileLocalType,
                        at is null ? nameLocation : LocationInfo.From(at.SyntaxTree, at.Identifier.Span), type.Name));
                }
                foreach (var reference in type.DeclaringSyntaxReferences)
                {
                    if (reference.GetSyntax() is TypeDeclarationSyntax declaration && !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TypeNotPartial,
                            LocationInfo.From(declaration.SyntaxTree, declaration.Identifier.Span), type.Name));
                    }
                }
            }
        }

        /// <summary>
        /// The method's modifiers for its generated part, 'partial' last where C# wants it, so that a misplaced one (CS0267)
        /// is reported on the user's part only.
        /// </summary>
        internal static string ModifiersPartialLast(MethodDeclarationSyntax syntax) =>
            string.Join(" ", syntax.Modifiers.Where(m => !m.IsKind(SyntaxKind.PartialKeyword)).Select(m => m.Text).Concat(new[] { "partial" }));

        /// <summary>Whether the declaration says public, internal, protected or private.</summary>
        internal static bool HasAccessModifier(MethodDeclarationSyntax syntax) =>
            syntax.Modifiers.Any(m => m.IsKind(SyntaxKind.PublicKeyword) || m.IsKind(SyntaxKind.InternalKeyword) ||
                                      m.IsKind(SyntaxKind.ProtectedKeyword) || m.IsKind(SyntaxKind.PrivateKeyword));

        /// <summary>
        /// Whether C# lets this partial method go unimplemented (and erases its calls then): void, no out parameter, none of
        /// virtual, override, sealed, new or extern. Otherwise C# itself demands an access modifier (CS8796).
        /// </summary>
        private static bool MayLackImplementation(IMethodSymbol method, MethodDeclarationSyntax syntax) =>
            method.ReturnsVoid && !method.Parameters.Any(p => p.RefKind == RefKind.Out) &&
            !syntax.Modifiers.Any(m => m.IsKind(SyntaxKind.VirtualKeyword) || m.IsKind(SyntaxKind.OverrideKeyword) ||
                                       m.IsKind(SyntaxKind.SealedKeyword) || m.IsKind(SyntaxKind.NewKeyword) || m.IsKind(SyntaxKind.ExternKeyword));

        /// <summary>
        /// The generated reverse and forward modes are public API named after the method: a member of the containing type
        /// that already has one of those names would collide inside the generated file (CS0111), so it is an error here,
        /// on that member.
        /// </summary>
        private static void CheckGeneratedNames(IMethodSymbol method, List<DiagnosticInfo> diagnostics)
        {
            foreach (string suffix in new[] { "Backward", "Jvp" })
            {
                foreach (var member in method.ContainingType.GetMembers(method.Name + suffix))
                {
                    var location = LocationInfo.From(member.Locations.FirstOrDefault());
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GeneratedNameTaken, location, member.Name, method.Name));
                }
            }
        }

        private static EinsumMethod? ReadSignature(IMethodSymbol method, MethodDeclarationSyntax syntax, EinsumExpression expression, string spec, string? sizes,
            LiteralLocator specLocator, LocationInfo nameLocation, List<DiagnosticInfo> diagnostics, bool? derivatives)
        {
            int before = diagnostics.Count;
            var parameters = method.Parameters;
            var kinds = parameters.Select(p => Classify(p.Type, out _)).ToList();
            int operandCount = parameters.Length;

            // The element type: from the output, else the first operand that has one.
            string? element = null;
            foreach (var p in parameters)
            {
                if (Classify(p.Type, out var e) != ParameterKind.Unsupported) { element = e; break; }
            }
            element ??= method.ReturnType.SpecialType == SpecialType.System_Single ? "float" : method.ReturnType.SpecialType == SpecialType.System_Double ? "double" : null;

            for (int i = 0; i < parameters.Length; i++)
            {
                var p = parameters[i];
                var location = LocationInfo.From(p.Locations.FirstOrDefault()) ?? nameLocation;
                if (kinds[i] == ParameterKind.Unsupported)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedParameterType, location, p.Name, p.Type.ToDisplayString()));
                    continue;
                }
                if (p.RefKind is RefKind.Out or RefKind.Ref)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OutParameter, location, p.Name));
                    continue;
                }
                Classify(p.Type, out var pe);
                if (pe != element) diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MixedElementTypes, location, p.Name, pe ?? "?", element ?? "?"));
            }
            if (diagnostics.Count > before) return null;

            // A '...' output with no label of its own is rank 0 when the method returns T and takes no output: the ellipsis
            // then covers no dimension (NumPy's np.einsum('...i,...i', a, b) on vectors), and each call checks that it does.
            bool scalarOutput = expression.Output.IsScalar || (expression.Output.Labels.Count == 0 && expression.Output.HasEllipsis
                && element is not null && method.ReturnType.ToDisplayString() == element && !kinds.Contains(ParameterKind.Tensor));
            if (scalarOutput)
            {
                bool returnsElement = method.ReturnType.ToDisplayString() == element;
                if (!returnsElement || kinds.Contains(ParameterKind.Tensor))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ScalarOutputExpected, nameLocation, SpecQuote.Of(spec), method.Name, element ?? "float"));
                    return null;
                }
            }
            else
            {
                bool lastIsOutput = kinds.Count > 0 && kinds[kinds.Count - 1] == ParameterKind.Tensor;
                int misplaced = kinds.Take(kinds.Count - 1).ToList().IndexOf(ParameterKind.Tensor);
                if (!method.ReturnsVoid || !lastIsOutput || misplaced >= 0)
                {
                    var at = misplaced >= 0 ? LocationInfo.From(parameters[misplaced].Locations.FirstOrDefault()) ?? nameLocation : nameLocation;
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OutputParameterExpected, at, SpecQuote.Of(spec), method.Name));
                    return null;
                }
                operandCount--;
            }
            if (element is null) return null;

            if (operandCount != expression.Inputs.Count)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OperandCountMismatch, specLocator.Whole(),
                    SpecQuote.Of(spec), expression.Inputs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), method.Name,
                    operandCount.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                return null;
            }

            var operands = new List<OperandParameter>();
            for (int i = 0; i < operandCount; i++)
            {
                var term = expression.Inputs[i];
                bool scalar = kinds[i] == ParameterKind.Scalar;
                if (scalar && term.Labels.Count > 0)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ScalarParameterWithLabels, specLocator.At(term.Start, term.Length), parameters[i].Name, element, term.ToString()));
                }
                else if (!scalar && term.IsScalar)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TensorForEmptyTerm,
                        LocationInfo.From(parameters[i].Locations.FirstOrDefault()) ?? nameLocation, parameters[i].Name, element));
                }
                operands.Add(new OperandParameter(Escape(parameters[i].Name), scalar, ByReference(parameters[i])));
            }
            if (diagnostics.Count > before) return null;

            var last = parameters[parameters.Length - 1];
            var output = scalarOutput ? null : new OperandParameter(Escape(last.Name), false, ByReference(last));
            SizesParser.TryParse(sizes, out var declared, out _, out _, out _);
            return new EinsumMethod(
                HierarchyInfo.From(method.ContainingType),
                method.Name,
                ModifiersPartialLast(syntax),
                element,
                spec,
                expression.Inputs.Select((t, i) => ProgramTerm.From(parameters[i].Name, t)).ToEquatableArray(),
                ProgramTerm.From(output is null ? "result" : last.Name, expression.Output),
                declared.OrderBy(kv => kv.Key).Select(kv => new DeclaredSize(kv.Key, kv.Value)).ToEquatableArray(),
                operands.ToEquatableArray(),
                output,
                syntax.ParameterList.Parameters.Select((p, i) => Declaration(p, parameters[i])).ToEquatableArray(),
                method.IsExtensionMethod,
                method.ContainingType.GetMembers().Select(m => m.Name).Where(n => n != method.Name && n.StartsWith(method.Name, System.StringComparison.Ordinal))
                    .Distinct().OrderBy(n => n, System.StringComparer.Ordinal).ToEquatableArray(),
                derivatives);
        }

        private static bool ByReference(IParameterSymbol p) => p.RefKind is RefKind.In or RefKind.RefReadOnlyParameter;

        private static string Declaration(ParameterSyntax syntax, IParameterSymbol symbol)
        {
            var modifiers = string.Join(" ", syntax.Modifiers.Where(m => !m.IsKind(SyntaxKind.ThisKeyword)).Select(m => m.Text));
            var type = symbol.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.UseSpecialTypes));
            return (modifiers.Length > 0 ? modifiers + " " : string.Empty) + type + " " + Escape(symbol.Name);
        }

        private static string Escape(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

        private static ParameterKind Classify(ITypeSymbol type, out string? element)
        {
            element = null;
            if (type.SpecialType == SpecialType.System_Single) { element = "float"; return ParameterKind.Scalar; }
            if (type.SpecialType == SpecialType.System_Double) { element = "double"; return ParameterKind.Scalar; }
            if (type is INamedTypeSymbol { IsGenericType: true } named && named.TypeArguments.Length == 1)
            {
                string definition = named.ConstructedFrom.ToDisplayString();
                var arg = named.TypeArguments[0].SpecialType;
                element = arg == SpecialType.System_Single ? "float" : arg == SpecialType.System_Double ? "double" : null;
                if (element is null) return ParameterKind.Unsupported;
                if (definition == ReadOnlyTensorSpan) return ParameterKind.ReadOnlyTensor;
                if (definition == TensorSpan) return ParameterKind.Tensor;
            }
            element = null;
            return ParameterKind.Unsupported;
        }

        private static void CheckSizes(string? sizes, EinsumExpression expression, LiteralLocator locator, List<DiagnosticInfo> diagnostics)
        {
            if (sizes is null) return;
            if (!SizesParser.TryParse(sizes, out var parsed, out var error, out int start, out int length))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizesMalformed, locator.At(start, length), error!));
                return;
            }
            string all = expression.AllLabels();
            foreach (var label in parsed.Keys.OrderBy(c => c))
            {
                if (all.IndexOf(label) >= 0) continue;
                int at = IndexOfLabel(sizes, label);
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizesUnknownLabel, locator.At(at, 1), label.ToString(), SpecQuote.Of(expression.Text)));
            }
        }

        private static int IndexOfLabel(string sizes, char label)
        {
            for (int i = 0; i < sizes.Length; i++)
            {
                if (sizes[i] == label && (i + 1 == sizes.Length || !EinsumParser.IsLabel(sizes[i + 1]))) return i;
            }
            return 0;
        }

        private static DiagnosticDescriptor SpecDescriptor(EinsumErrorKind kind) => kind switch
        {
            EinsumErrorKind.InvalidCharacter => DiagnosticDescriptors.InvalidCharacter,
            EinsumErrorKind.MalformedEllipsis => DiagnosticDescriptors.MalformedEllipsis,
            EinsumErrorKind.MultipleArrows => DiagnosticDescriptors.MultipleArrows,
            EinsumErrorKind.OutputLabelNotInInputs => DiagnosticDescriptors.OutputLabelNotInInputs,
            _ => DiagnosticDescriptors.OutputLabelRepeated,
        };

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

        /// <summary>Maps an index in a string's value to its span in source, where the literal has no escapes.</summary>
        private readonly struct LiteralLocator
        {
            private readonly SyntaxTree _tree;
            private readonly ExpressionSyntax? _expression;

            public LiteralLocator(SyntaxTree tree, ExpressionSyntax? expression)
            {
                _tree = tree;
                _expression = expression;
            }

            public LocationInfo? Whole() => _expression is null ? null : LocationInfo.From(_tree, _expression.Span);

            public LocationInfo? At(int start, int length)
            {
                if (_expression is not LiteralExpressionSyntax literal || !literal.Token.IsKind(SyntaxKind.StringLiteralToken) && !literal.Token.IsKind(SyntaxKind.SingleLineRawStringLiteralToken))
                {
                    return Whole();
                }
                string text = literal.Token.Text, value = literal.Token.ValueText;
                int prefix = text.StartsWith("@", System.StringComparison.Ordinal) ? 2 : text.TakeWhile(c => c == '"').Count();
                if (prefix < 1 || prefix + value.Length > text.Length || string.CompareOrdinal(text, prefix, value, 0, value.Length) != 0 || start < 0)
                {
                    return Whole(); // escapes or an unusual literal: point at the whole argument
                }
                return LocationInfo.From(_tree, new TextSpan(literal.Token.SpanStart + prefix + start, System.Math.Max(0, length)));
            }
        }
    }
}
