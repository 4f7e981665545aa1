using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using EinsumGen.Convolutions;
using EinsumGen.Generator.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace EinsumGen.Generator.Convolutions
{
    /// <summary>
    /// Reads a <c>[Convolution]</c> method into a <see cref="ConvMethod"/>: its signature (static partial, Tensor&lt;T&gt;
    /// operands and result, T float or double) and its constants, each bad one reported on its own argument (or element).
    /// </summary>
    internal static class ConvMethodParser
    {
        public static ConvParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken ct)
        {
            var method = (IMethodSymbol)context.TargetSymbol;
            var syntax = (MethodDeclarationSyntax)context.TargetNode;
            var attribute = context.Attributes[0];
            var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(ct) as AttributeSyntax;
            var tree = syntax.SyntaxTree;
            var diagnostics = new List<DiagnosticInfo>();
            var nameLocation = LocationInfo.From(tree, syntax.Identifier.Span);
            LocationInfo At(SyntaxNode? node) => node is null ? nameLocation : LocationInfo.From(tree, node.Span);

            var operation = (ConvOperation)Named(attribute, "Operation", (int)ConvOperation.Forward);
            var operands = ConvOperations.Of(operation);
            if (operands is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConvUnsupportedOperation, At(Argument(attributeSyntax, "Operation")),
                    operation.ToString(), ConvOperations.Supported));
            }

            string? element = Signature(method, syntax, operands, diagnostics, nameLocation);

            var kernel = attribute.ConstructorArguments.Length == 1 && !attribute.ConstructorArguments[0].IsNull
                ? attribute.ConstructorArguments[0].Values.Select(v => v.Value is int i ? i : 0).ToArray()
                : new int[0];
            var kernelNodes = Positional(attributeSyntax);
            int n = kernel.Length;
            if (n == 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConvBadHyperparameter, At(attributeSyntax),
                    "kernelSize: a convolution needs at least one spatial dimension"));
            }
            var stride = PerDimension(attribute, attributeSyntax, "Stride", n, 1, diagnostics, At, out var strideNodes);
            var padding = PerDimension(attribute, attributeSyntax, "Padding", n, 0, diagnostics, At, out var paddingNodes);
            var dilation = PerDimension(attribute, attributeSyntax, "Dilation", n, 1, diagnostics, At, out var dilationNodes);
            bool same = Named(attribute, "SamePadding", false);
            var perSide = PerSide(attribute, attributeSyntax, n, diagnostics, At, out var perSideNodes);
            if (perSide is not null && Argument(attributeSyntax, "PaddingPerSide") is { } perSideArgument)
            {
                if (Argument(attributeSyntax, "Padding") is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConvBadHyperparameter, At(perSideArgument),
                        "PaddingPerSide replaces Padding: give one of them"));
                }
                else if (same)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConvBadHyperparameter, At(perSideArgument),
                        "PaddingPerSide and SamePadding = true exclude each other: give one of them"));
                }
            }
            int groups = Named(attribute, "Groups", 1);
            var outputPadding = PerDimension(attribute, attributeSyntax, "OutputPadding", n, 0, diagnostics, At, out var outputPaddingNodes);
            double keep = Named(attribute, "Keep", double.NaN);
            int axes = Named(attribute, "DropoutAxes", 1);
            bool randomized = operation == ConvOperation.WeightVjpRandomized;
            if (randomized && !(keep > 0 && keep <= 1))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConvBadHyperparameter, At(Argument(attributeSyntax, "Keep") ?? (SyntaxNode?)attributeSyntax),
                    double.IsNaN(keep) ? "Keep: WeightVjpRandomized needs the keep probability, in (0, 1]"
                        : $"Keep is {keep.ToString(System.Globalization.CultureInfo.InvariantCulture)}, but it must lie in (0, 1]"));
            }
            else if (!randomized && !double.IsNaN(keep))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConvBadHyperparameter, At(Argument(attributeSyntax, "Keep")),
                    "Keep applies only to Operation = ConvOperation.WeightVjpRandomized"));
            }
            if (axes is not (0 or 1))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConvBadHyperparameter, At(Argument(attributeSyntax, "DropoutAxes")),
                    $"DropoutAxes is {axes}, which names no ConvDropoutAxes value"));
            }
            if (outputPadding is not null && outputPaddingNodes is not null && !ConvOperations.IsTranspose(operation))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConvBadHyperparameter, At(Argument(attributeSyntax, "OutputPadding")),
                    $"OutputPadding applies only to the transpose operations (TransposeForward, TransposeUnfold, TransposeKfacReduce), not {operation}"));
            }

            int[]? left = padding, right = padding;
            if (perSide is not null && padding is not null)
            {
                // The pairs, in order; one pair repeats for every dimension.
                left = new int[n];
                right = new int[n];
                for (int d = 0; d < n; d++)
                {
                    int at = perSide.Length == 2 ? 0 : 2 * d;
                    left[d] = perSide[at];
                    right[d] = perSide[at + 1];
                    for (int side = 0; side < 2; side++)
                    {
                        if (perSide[at + side] >= 0) continue;
                        var node = perSideNodes is not null && perSideNodes.Count == perSide.Length ? perSideNodes[at + side] : null;
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConvBadHyperparameter,
                            At(node ?? Argument(attributeSyntax, "PaddingPerSide")),
                            $"PaddingPerSide: the {(side == 0 ? "left" : "right")} side of dimension {d} is {perSide[at + side]}, but it must not be negative"));
                    }
                }
            }

            if (stride is not null && padding is not null && dilation is not null)
            {
                for (int d = 0; d < n; d++)
                {
                    Check("kernelSize", d, kernel[d], 1, Element(kernelNodes, d, n) ?? attributeSyntax);
                    Check("Stride", d, stride[d], 1, Element(strideNodes, d, n));
                    Check("Dilation", d, dilation[d], 1, Element(dilationNodes, d, n));
                    if (same)
                    {
                        // The shared rule (and text) for 'same': stride 1 only.
                        string? error = ConvPadding.Same.Resolve(kernel[d], stride[d], dilation[d], out _, out _);
                        if (error is not null)
                        {
                            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConvBadHyperparameter,
                                At(Argument(attributeSyntax, "SamePadding")), $"SamePadding: dimension {d}: {error}"));
                        }
                    }
                    else if (perSide is null && padding[d] < 0)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConvBadHyperparameter, At(Element(paddingNodes, d, n)),
                            $"Padding: dimension {d} is {padding[d]}, but it must not be negative"));
                    }
                    if (outputPadding is not null && (outputPadding[d] < 0 || outputPadding[d] >= System.Math.Max(stride[d], dilation[d])))
                    {
                        // PyTorch's rule: an output padding picks one of the S (or D) input sizes that share an output size.
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConvBadHyperparameter, At(Element(outputPaddingNodes, d, n)),
                            $"OutputPadding: dimension {d} is {outputPadding[d]}, but it must lie in [0, max(stride {stride[d]}, dilation {dilation[d]}))"));
                    }
                }
            }
            if (groups < 1)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConvBadHyperparameter, At(Argument(attributeSyntax, "Groups")),
                    $"Groups is {groups}, but it must be at least 1"));
            }

            // The companions are public API named after the method: a member with one of those names would collide (CS0111).
            // Only the attribute's word counts here (the project's default is not known to this step).
            bool? derivatives = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Derivatives").Value.Value as bool?;
            if (derivatives != false && operands is not null && ConvOperations.HasDerivatives(operation))
            {
                foreach (var suffix in new[] { "Backward", "Jvp" })
                {
                    foreach (var member in method.ContainingType.GetMembers(method.Name + suffix))
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConvGeneratedNameTaken,
                            LocationInfo.From(member.Locations.FirstOrDefault()), member.Name, method.Name));
                    }
                }
            }

            var hierarchy = HierarchyInfo.From(method.ContainingType);
            if (diagnostics.Count > 0 || element is null || stride is null || left is null || right is null || dilation is null || outputPadding is null)
            {
                // One error per location: a single value that applies to every dimension is reported once.
                var distinct = diagnostics.GroupBy(d => d.Location).Select(g => g.First()).ToList();
                return new ConvParseResult(null, ErrorStubReader.Read(method, syntax, distinct), distinct.ToEquatableArray());
            }
            return new ConvParseResult(
                new ConvMethod(hierarchy, method.Name, MethodParser.ModifiersPartialLast(syntax), element,
                    method.Parameters.Select(p => Escape(p.Name)).ToEquatableArray(),
                    method.Parameters.Select(p => p.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)).ToEquatableArray(),
                    (int)operation, kernel.ToEquatableArray(), stride.ToEquatableArray(), left.ToEquatableArray(), right.ToEquatableArray(), same,
                    dilation.ToEquatableArray(), groups, outputPadding.ToEquatableArray(), randomized ? keep : 0, axes, derivatives),
                null, EquatableArray<DiagnosticInfo>.Empty);

            void Check(string what, int d, int value, int least, SyntaxNode? node)
            {
                if (value >= least) return;
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConvBadHyperparameter, At(node),
                    $"{what}: dimension {d} is {value}, but it must be at least {least}"));
            }
        }

        /// <summary>The element type, or null after reporting why the signature cannot be implemented.</summary>
        private static string? Signature(IMethodSymbol method, MethodDeclarationSyntax syntax, ConvOperationInfo? operands, List<DiagnosticInfo> diagnostics,
            LocationInfo nameLocation)
        {
            string? problem = null;
            string? element = TensorElement(method.ReturnType);
            if (!method.IsStatic) problem = "must be static to carry [Convolution]";
            else if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword) || syntax.Body is not null || syntax.ExpressionBody is not null)
                problem = "must be declared 'static partial' with no body, so that EinsumGen can implement it";
            else if (method.TypeParameters.Length > 0) problem = "must not be generic: declare it for float or double";
            else if (element is null) problem = "must return Tensor<float> or Tensor<double>";
            else if (operands is not null && method.Parameters.Length != operands.Parameters.Length
                && !(operands.Bias && method.Parameters.Length == operands.Parameters.Length + 1))
                problem = $"must take {operands.Describe()}, but it takes {method.Parameters.Length} parameter(s)";
            else if (operands is not null && ParameterProblem(method, operands, element) is string wrong)
                problem = wrong;
            if (problem is null) return element;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConvSignature, nameLocation, method.Name, problem));
            return null;
        }

        /// <summary>Why a parameter does not fit its kind (operands as Tensor&lt;T&gt; of the result's T, sizes as int[], a seed as int), or null.</summary>
        private static string? ParameterProblem(IMethodSymbol method, ConvOperationInfo operands, string element)
        {
            for (int i = 0; i < method.Parameters.Length; i++)
            {
                var p = method.Parameters[i];
                var kind = i < operands.Parameters.Length ? operands.Parameters[i].Kind : ConvParameterKind.Tensor; // the bias
                if (p.RefKind != RefKind.None) return $"must take parameter '{p.Name}' by value";
                switch (kind)
                {
                    case ConvParameterKind.Tensor when TensorElement(p.Type) != element:
                        return $"must take operand '{p.Name}' as Tensor<{element}>, as it returns";
                    case ConvParameterKind.Sizes when !IsSizes(p.Type):
                        return $"must take '{p.Name}' (the input's spatial sizes) as int[] or IReadOnlyList<int>";
                    case ConvParameterKind.Seed when p.Type.SpecialType != SpecialType.System_Int32:
                        return $"must take '{p.Name}' (the seed) as int";
                }
            }
            return null;
        }

        private static bool IsSizes(ITypeSymbol type) =>
            type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Int32 }
            || type is INamedTypeSymbol { IsGenericType: true } named && named.TypeArguments.Length == 1
                && named.TypeArguments[0].SpecialType == SpecialType.System_Int32
                && named.ConstructedFrom.ToDisplayString() == "System.Collections.Generic.IReadOnlyList<T>";

        private static string? TensorElement(ITypeSymbol type)
        {
            if (type is not INamedTypeSymbol { IsGenericType: true } named || named.TypeArguments.Length != 1) return null;
            // By metadata name and namespace: no formatting in the transform, which runs on every edit.
            if (named.ConstructedFrom.MetadataName != "Tensor`1" || named.ContainingNamespace is not { Name: "Tensors" } ns ||
                ns.ContainingNamespace is not { Name: "Numerics" } numerics || numerics.ContainingNamespace is not { Name: "System" } system ||
                !system.ContainingNamespace.IsGlobalNamespace) return null;
            return named.TypeArguments[0].SpecialType switch
            {
                SpecialType.System_Single => "float",
                SpecialType.System_Double => "double",
                _ => null,
            };
        }

        /// <summary>A named int[] constant: unset fills <paramref name="fallback"/>, one value repeats; null after reporting a bad count.</summary>
        private static int[]? PerDimension(AttributeData attribute, AttributeSyntax? syntax, string name, int n, int fallback,
            List<DiagnosticInfo> diagnostics, System.Func<SyntaxNode?, LocationInfo> at, out IReadOnlyList<SyntaxNode>? nodes)
        {
            var argument = Argument(syntax, name);
            nodes = argument is null ? null : Elements(argument);
            var constant = attribute.NamedArguments.FirstOrDefault(a => a.Key == name).Value;
            if (constant.Kind != TypedConstantKind.Array || constant.IsNull) return Enumerable.Repeat(fallback, n).ToArray();
            var values = constant.Values.Select(v => v.Value is int i ? i : 0).ToArray();
            if (values.Length == n) return values;
            if (values.Length == 1)
            {
                if (nodes is not null) nodes = Enumerable.Repeat(nodes[0], n).ToArray();
                return Enumerable.Repeat(values[0], n).ToArray();
            }
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConvDimensionMismatch, at(argument), name,
                values.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), n.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            return null;
        }

        /// <summary>PaddingPerSide's values when given (null otherwise, or after reporting a count that is neither 2 nor 2N).</summary>
        private static int[]? PerSide(AttributeData attribute, AttributeSyntax? syntax, int n, List<DiagnosticInfo> diagnostics,
            System.Func<SyntaxNode?, LocationInfo> at, out IReadOnlyList<SyntaxNode>? nodes)
        {
            var argument = Argument(syntax, "PaddingPerSide");
            nodes = argument is null ? null : Elements(argument);
            var constant = attribute.NamedArguments.FirstOrDefault(a => a.Key == "PaddingPerSide").Value;
            if (constant.Kind != TypedConstantKind.Array || constant.IsNull) return null;
            var values = constant.Values.Select(v => v.Value is int i ? i : 0).ToArray();
            if (n == 0 || values.Length == 2 || values.Length == 2 * n) return values;
            var culture = System.Globalization.CultureInfo.InvariantCulture;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConvPaddingPerSideCount, at(argument),
                values.Length.ToString(culture), n.ToString(culture), (2 * n).ToString(culture)));
            return null;
        }

        private static T Named<T>(AttributeData attribute, string name, T fallback)
        {
            var constant = attribute.NamedArguments.FirstOrDefault(a => a.Key == name).Value;
            return constant.Kind != TypedConstantKind.Error && constant.Value is T value ? value : fallback;
        }

        /// <summary>The expression of a named argument, or null.</summary>
        private static ExpressionSyntax? Argument(AttributeSyntax? syntax, string name) =>
            syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name)?.Expression;

        /// <summary>The kernel's element expressions: the params arguments, or the elements of one array argument.</summary>
        private static IReadOnlyList<SyntaxNode>? Positional(AttributeSyntax? syntax)
        {
            var positional = syntax?.ArgumentList?.Arguments.Where(a => a.NameEquals is null).Select(a => a.Expression).ToList();
            if (positional is null || positional.Count == 0) return null;
            return positional.Count == 1 ? Elements(positional[0]) : positional;
        }

        /// <summary>An array expression's elements (new[] { }, new int[] { }, [ ]), or the expression itself.</summary>
        private static IReadOnlyList<SyntaxNode> Elements(ExpressionSyntax expression) => expression switch
        {
            ImplicitArrayCreationExpressionSyntax a => a.Initializer.Expressions.ToList(),
            ArrayCreationExpressionSyntax { Initializer: not null } a => a.Initializer.Expressions.ToList(),
            CollectionExpressionSyntax c => c.Elements.Select(e => (SyntaxNode)e).ToList(),
            _ => new SyntaxNode[] { expression },
        };

        /// <summary>The node of dimension <paramref name="d"/> when there is one per dimension, else the only node.</summary>
        private static SyntaxNode? Element(IReadOnlyList<SyntaxNode>? nodes, int d, int n) =>
            nodes is null ? null : nodes.Count == n ? nodes[d] : nodes.Count > 0 ? nodes[0] : null;

        private static string Escape(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
    }
}
