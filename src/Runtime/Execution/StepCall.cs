namespace EinsumGen.Runtime
{
    /// <summary>
    /// One kernel call, resolved for a layout: result[kept] (=|+=) Σ_summed first · second over <see cref="Sizes"/>, with
    /// every tensor's strides per dimension (the first <see cref="Kept"/> dimensions index the result). Immutable; shared
    /// by every call with the same shapes.
    /// </summary>
    internal sealed class StepCall
    {
        public StepCall(int kept, nint[] sizes, nint[] firstStrides, nint[] secondStrides, bool hasSecond, nint[] resultStrides)
        {
            Kept = kept;
            Sizes = sizes;
            FirstStrides = firstStrides;
            SecondStrides = secondStrides;
            HasSecond = hasSecond;
            ResultStrides = resultStrides;
        }

        public int Kept { get; }

        public nint[] Sizes { get; }

        public nint[] FirstStrides { get; }

        public nint[] SecondStrides { get; }

        public bool HasSecond { get; }

        public nint[] ResultStrides { get; }
    }
}
