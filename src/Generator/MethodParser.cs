using System.Collections.Generic;
using System.Linq;
using System.Threading;
using EinsumGen.Generator.Models;
using EinsumGen.Notation;
using EinsumGen.Runtime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace EinsumGen.Generator
{
    /// <summary>
    /// Stage 1: checks a declared [Einsum] method (<see cref="DeclaredMethod"/>, read by <see cref="MethodReader"/>) against
    /// its spec and makes its value model. It sees values only, so it runs in a cached step after the transform: again only
    /// when the declaration changed. Every failure is a diagnostic located as precisely as the source allows.
    /// </summary>
    internal static class MethodParser
    {
        // Loops rather than LINQ over the value types below: each such instantiation is JIT-compiled on a build's first run.
        private static EquatableArray<ProgramTerm> Terms(EinsumExpression expression, EquatableArray<DeclaredParameter> parameters)
        {
            var terms = new ProgramTerm[expression.Inputs.Count];
            for (int i = 0; i < terms.Length; i++) terms[i] = ProgramTerm.From(parameters[i].Name, expression.Inputs[i]);
            return new EquatableArray<ProgramTerm>(terms);
        }

        /// <summary>The declared sizes in ordinal order of their labels.</summary>
        private static EquatableArray<DeclaredSize> SortedSizes(Dictionary<char, long> declared)
        {
            var sizes = new DeclaredSize[declared.Count];
            int count = 0;
            foreach (var pair in declared)
            {
                int at = count++;
                while (at > 0 && sizes[at - 1].Label > pair.Key) sizes[at] = sizes[--at];
                sizes[at] = new DeclaredSize(pair.Key, pair.Value);
            }
            return new EquatableArray<DeclaredSize>(sizes);
        }

        /// <summary>
        /// Checks one method. The generator and <see cref="EinsumAnalyzer"/> both call this, so that a user sees the same
        /// diagnostics while typing as at build time.
        /// </summary>
        public static MethodResult Parse(DeclaredMethod method, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            var diagnostics = new List<DiagnosticInfo>();
            var nameLocation = method.NameLocation;

            var spec = method.Spec;
            if (spec is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SpecNotConstant, method.SpecLiteral?.Whole ?? nameLocation));
                return Fail(method, diagnostics);
            }

            CheckDeclaration(method, diagnostics);
            // Without its Backward and Jvp (the project's default is not known here, so only the attribute's word counts).
            if (method.Derivatives != false)
            {
                // The generated modes are public API named after the method: a member that has one of those names would
                // collide inside the generated file (CS0111), so it is an error here, on that member.
                foreach (var clash in method.Clashes)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GeneratedNameTaken, clash.Location, clash.Name, method.Name));
                }
            }

            if (!EinsumParser.TryParse(spec, out var expression, out var error))
            {
                diagnostics.Add(DiagnosticInfo.Create(SpecDescriptor(error!.Kind), At(method.SpecLiteral, error.Start, error.Length), error.Message));
                return Fail(method, diagnostics);
            }

            CheckSizes(method.Sizes, expression!, method.SizesLiteral, diagnostics);

            var model = ReadSignature(method, expression!, spec, diagnostics);
            if (diagnostics.Exists(d => d.IsError) || model is null) return Fail(method, diagnostics);
            // C# demands an access modifier here and reports its absence (CS8796, CS8798); an implementation would repeat it.
            if (!HasAccessModifier(method.Modifiers) && !MayLackImplementation(method)) return new MethodResult(null, null, diagnostics.ToEquatableArray());
            return new MethodResult(model, method.SpecLiteral?.Whole, diagnostics.ToEquatableArray());
        }

        private static LocationInfo? At(LiteralInfo? literal, int start, int length) => literal?.At(start, length);

        private static MethodResult Fail(DeclaredMethod method, List<DiagnosticInfo> diagnostics) =>
            new MethodResult(null, null, diagnostics.ToEquatableArray(), ErrorStubReader.Read(method, diagnostics));

        private static void CheckDeclaration(DeclaredMethod method, List<DiagnosticInfo> diagnostics)
        {
            var nameLocation = method.NameLocation;
            if (!method.Has(MethodFlags.Static)) diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MethodNotStatic, nameLocation, method.Name));
            if (!method.Has(MethodFlags.Partial) || method.Has(MethodFlags.HasBody) || method.Has(MethodFlags.HasImplementationPart))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MethodNotPartial, nameLocation, method.Name));
            }
            else if (!HasAccessModifier(method.Modifiers) && MayLackImplementation(method))
            {
                // Without one, a void partial method may lack an implementation, and C# then erases every call to it: had the
                // generator not run, the program would build and silently compute nothing. With one, C# demands the body (CS8795).
                // A warning, not an error: the generator is running here and implements the method, and the short form
                // `static partial void F(...)` stays valid code.
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.AccessModifierMissing, nameLocation, method.Name));
            }
            if (method.Has(MethodFlags.Generic)) diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericMethod, nameLocation, method.Name));
            foreach (var type in method.Types)
            {
                if (type.IsFileLocal) diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.FileLocalType, type.Location ?? nameLocation, type.Name));
                foreach (var at in type.NotPartial) diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TypeNotPartial, at, type.Name));
            }
        }

        /// <summary>
        /// The method's modifiers for its generated part, 'partial' last where C# wants it, so that a misplaced one (CS0267)
        /// is reported on the user's part only.
        /// </summary>
        internal static string ModifiersPartialLast(IEnumerable<string> modifiers) =>
            string.Join(" ", modifiers.Where(m => m != "partial").Concat(new[] { "partial" }));

        /// <summary>The same, from syntax.</summary>
        internal static string ModifiersPartialLast(MethodDeclarationSyntax syntax) => ModifiersPartialLast(syntax.Modifiers.Select(m => m.Text));

        /// <summary>Whether the declaration says public, internal, protected or private.</summary>
        internal static bool HasAccessModifier(IEnumerable<string> modifiers) =>
            modifiers.Any(m => m is "public" or "internal" or "protected" or "private");

        /// <summary>
        /// Whether C# lets this partial method go unimplemented (and erases its calls then): void, no out parameter, none of
        /// virtual, override, sealed, new or extern. Otherwise C# itself demands an access modifier (CS8796).
        /// </summary>
        internal static bool MayLackImplementation(DeclaredMethod method) =>
            method.Has(MethodFlags.ReturnsVoid) && !method.Parameters.Any(p => p.RefKind == RefKind.Out) &&
            !method.Modifiers.Any(m => m is "virtual" or "override" or "sealed" or "new" or "extern");

        private static EinsumMethod? ReadSignature(DeclaredMethod method, EinsumExpression expression, string spec, List<DiagnosticInfo> diagnostics)
        {
            int before = diagnostics.Count;
            var nameLocation = method.NameLocation;
            var parameters = method.Parameters;
            var kinds = parameters.Select(p => p.Kind).ToList();
            int operandCount = parameters.Count;

            // The element type: from the output, else the first operand that has one.
            string? element = parameters.FirstOrDefault(p => p.Kind != ParameterKind.Unsupported)?.Element;
            element ??= method.ReturnType is "float" or "double" ? method.ReturnType : null;

            foreach (var p in parameters)
            {
                var location = p.Location ?? nameLocation;
                if (p.Kind == ParameterKind.Unsupported)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedParameterType, location, p.Name, p.DisplayType ?? p.QualifiedType));
                    continue;
                }
                if (p.RefKind is RefKind.Out or RefKind.Ref)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OutParameter, location, p.Name));
                    continue;
                }
                if (p.Element != element) diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MixedElementTypes, location, p.Name, p.Element ?? "?", element ?? "?"));
            }
            if (diagnostics.Count > before) return null;

            // A '...' output with no label of its own is rank 0 when the method returns T and takes no output: the ellipsis
            // then covers no dimension (NumPy's np.einsum('...i,...i', a, b) on vectors), and each call checks that it does.
            bool returnsElement = element is not null && method.ReturnType == element;
            bool scalarOutput = expression.Output.IsScalar || (expression.Output.Labels.Count == 0 && expression.Output.HasEllipsis
                && returnsElement && !kinds.Contains(ParameterKind.Tensor));
            if (scalarOutput)
            {
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
                if (!method.Has(MethodFlags.ReturnsVoid) || !lastIsOutput || misplaced >= 0)
                {
                    var at = misplaced >= 0 ? parameters[misplaced].Location ?? nameLocation : nameLocation;
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OutputParameterExpected, at, SpecQuote.Of(spec), method.Name));
                    return null;
                }
                operandCount--;
            }
            if (element is null) return null;

            if (operandCount != expression.Inputs.Count)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OperandCountMismatch, method.SpecLiteral?.Whole,
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
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ScalarParameterWithLabels, At(method.SpecLiteral, term.Start, term.Length),
                        parameters[i].Name, element, term.ToString()));
                }
                else if (!scalar && term.IsScalar)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TensorForEmptyTerm, parameters[i].Location ?? nameLocation, parameters[i].Name, element));
                }
                operands.Add(new OperandParameter(Escape(parameters[i].Name), scalar, ByReference(parameters[i])));
            }
            if (diagnostics.Count > before) return null;

            var last = parameters[parameters.Count - 1];
            var output = scalarOutput ? null : new OperandParameter(Escape(last.Name), false, ByReference(last));
            SizesParser.TryParse(method.Sizes, out var declared, out _, out _, out _);
            return new EinsumMethod(
                method.Hierarchy,
                method.Name,
                ModifiersPartialLast(method.Modifiers),
                element,
                spec,
                Terms(expression, parameters),
                ProgramTerm.From(output is null ? "result" : last.Name, expression.Output),
                SortedSizes(declared),
                operands.ToEquatableArray(),
                output,
                parameters.Select(Declaration).ToEquatableArray(),
                method.Has(MethodFlags.Extension),
                method.MemberNames,
                method.Derivatives);
        }

        private static bool ByReference(DeclaredParameter p) => p.RefKind is RefKind.In or RefKind.RefReadOnlyParameter;

        private static string Declaration(DeclaredParameter p)
        {
            var modifiers = string.Join(" ", p.SyntaxModifiers.Split(' ').Where(m => m.Length > 0 && m != "this"));
            return (modifiers.Length > 0 ? modifiers + " " : string.Empty) + p.QualifiedType + " " + Escape(p.Name);
        }

        internal static string Escape(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

        private static void CheckSizes(string? sizes, EinsumExpression expression, LiteralInfo? literal, List<DiagnosticInfo> diagnostics)
        {
            if (sizes is null) return;
            if (!SizesParser.TryParse(sizes, out var parsed, out var error, out int start, out int length))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizesMalformed, At(literal, start, length), error!));
                return;
            }
            string all = expression.AllLabels();
            foreach (var label in parsed.Keys.OrderBy(c => c))
            {
                if (all.IndexOf(label) >= 0) continue;
                int at = IndexOfLabel(sizes, label);
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizesUnknownLabel, At(literal, at, 1), label.ToString(), SpecQuote.Of(expression.Text)));
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
    }
}
