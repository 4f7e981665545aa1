using System.Collections.Immutable;

namespace EinsumGen.Generator.Models
{
    // Every value that flows between pipeline steps is a reference type: Roslyn's node tables are generic over it, and
    // each value type (bool, a tuple, an ImmutableArray, an EquatableArray) makes the JIT compile another few hundred of
    // their methods on a build's first run, while reference types share one compiled copy.

    /// <summary>A yes/no setting as a pipeline value.</summary>
    internal sealed record Switch(bool On)
    {
        public static readonly Switch Yes = new(true), No = new(false);

        public static Switch Of(bool on) => on ? Yes : No;
    }

    /// <summary>One method's diagnostics as a pipeline value.</summary>
    internal sealed record DiagnosticList(EquatableArray<DiagnosticInfo> Items);

    /// <summary>Where an accepted method's spec is, keyed by its hint name.</summary>
    internal sealed record SpecLocation(string HintName, LocationInfo? Spec);

    /// <summary>A collected step as a pipeline value: equal while Roslyn hands back the same array (nothing changed).</summary>
    internal sealed record Batch<T>(ImmutableArray<T> Items);
}
