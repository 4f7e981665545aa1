using System.Collections.Generic;
using System.Globalization;

namespace EinsumGen.Generator.Models
{
    /// <summary>
    /// What the generator writes for a method it cannot implement: a file named for the diagnostics it reported
    /// (<see cref="Fingerprint"/>) and, where C# allows a second part, a body that throws, so the EG error is the only
    /// error (no CS8795 follows it).
    /// </summary>
    /// <param name="Hierarchy">The containing namespace and types.</param>
    /// <param name="Name">The method's name.</param>
    /// <param name="Header">The implementation's header, from the modifiers to the parameter list, fully qualified.</param>
    /// <param name="Constraints">The type-parameter constraint clauses, each <c>where T : ...</c>.</param>
    /// <param name="Ids">The EG errors reported on the method, comma-separated, for the exception's message.</param>
    /// <param name="Fingerprint">A hash of the diagnostics reported (see <see cref="FingerprintOf"/>).</param>
    /// <param name="Implementable">Whether a second partial part can be written (the method and its types are partial).</param>
    internal sealed record ErrorStub(
        HierarchyInfo Hierarchy,
        string Name,
        string Header,
        EquatableArray<string> Constraints,
        string Ids,
        string Fingerprint,
        bool Implementable)
    {
        /// <summary>The hint name ends in <c>.EG_{fingerprint}.g.cs</c>, which the analyzer looks for (see <see cref="EinsumAnalyzer"/>).</summary>
        public string HintName => EinsumMethod.Safe(Hierarchy.MetadataName + "." + Name) + HintMarker + Fingerprint + ".g.cs";

        /// <summary>What separates the method's name from the fingerprint in <see cref="HintName"/>.</summary>
        public const string HintMarker = ".EG_";

        /// <summary>
        /// FNV-1a over each diagnostic's ID, place and arguments: the generator names its error file with it, and the analyzer
        /// computes it from its own reading of the same declaration to learn whether the generator has reported it already.
        /// </summary>
        public static string FingerprintOf(IEnumerable<DiagnosticInfo> diagnostics)
        {
            uint hash = 2166136261;
            void Add(string text)
            {
                foreach (char c in text) hash = unchecked((hash ^ c) * 16777619);
                hash = unchecked((hash ^ 0xFFFF) * 16777619);
            }
            foreach (var d in diagnostics)
            {
                Add(d.Id);
                Add(d.Location?.FilePath ?? string.Empty);
                Add(d.Location is null ? "-" : d.Location.Span.Start.ToString(CultureInfo.InvariantCulture) + ":" + d.Location.Span.Length.ToString(CultureInfo.InvariantCulture));
                foreach (var a in d.Arguments) Add(a);
            }
            return hash.ToString("x8", CultureInfo.InvariantCulture);
        }
    }
}
