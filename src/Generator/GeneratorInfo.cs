namespace EinsumGen.Generator
{
    /// <summary>Facts about this generator written into generated code.</summary>
    internal static class GeneratorInfo
    {
        /// <summary>The version in <c>[GeneratedCode]</c>; snapshots replace it with a fixed token.</summary>
        public const string Version = "0.1.0";

        /// <summary>The size the planner assumes for a label whose size is not declared in <c>Sizes</c>.</summary>
        public const long AssumedSize = 16;
    }
}
