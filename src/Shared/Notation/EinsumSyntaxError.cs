namespace EinsumGen.Notation
{
    /// <summary>What is wrong with a spec, and where (indices into the spec text).</summary>
    internal enum EinsumErrorKind
    {
        InvalidCharacter,
        MalformedEllipsis,
        MultipleArrows,
        OutputLabelNotInInputs,
        OutputLabelRepeated,
    }

    /// <summary>A spec error located on the offending characters.</summary>
    internal sealed class EinsumSyntaxError
    {
        public EinsumSyntaxError(EinsumErrorKind kind, string message, int start, int length)
        {
            Kind = kind;
            Message = message;
            Start = start;
            Length = length;
        }

        public EinsumErrorKind Kind { get; }
        public string Message { get; }
        public int Start { get; }
        public int Length { get; }

        public override string ToString() => Message + " (at " + Start + ")";
    }
}
