using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace EinsumGen.Generator.Models
{
    /// <summary>A location as plain values (no SyntaxTree), so that models stay cacheable.</summary>
    internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
    {
        public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

        public static LocationInfo? From(Location? location) =>
            location?.SourceTree is null ? null : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);

        public static LocationInfo From(SyntaxTree tree, TextSpan span) =>
            new LocationInfo(tree.FilePath, span, tree.GetLineSpan(span).Span);
    }

    /// <summary>A diagnostic to report, as values: its descriptor id, where, and the message arguments.</summary>
    internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
    {
        public Diagnostic ToDiagnostic()
        {
            var args = new object[Arguments.Count];
            for (int i = 0; i < args.Length; i++) args[i] = Arguments[i];
            return Diagnostic.Create(DiagnosticDescriptors.ById(Id), Location?.ToLocation(), args);
        }

        /// <summary>Whether this diagnostic fails the build by default (a method with one gets a throwing body).</summary>
        public bool IsError => DiagnosticDescriptors.ById(Id).DefaultSeverity == DiagnosticSeverity.Error;

        public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
            new DiagnosticInfo(descriptor.Id, location, new EquatableArray<string>(arguments));
    }
}
