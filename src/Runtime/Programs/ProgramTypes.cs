using System.ComponentModel;

// The program's data types are shared with the generator, where they stay internal; here they are public, because
// generated code constructs them. Their members are in src/Shared/Programs.
namespace EinsumGen.Runtime
{
    /// <summary>One tensor of a compiled program (see the shared declaration).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public readonly partial record struct ProgramTerm;

    /// <summary>A label whose size is fixed at build time.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public readonly partial record struct DeclaredSize;

    /// <summary>One step of a compiled program.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public readonly partial record struct ProgramStep;
}
