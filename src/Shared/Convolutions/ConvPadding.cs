using System;

namespace EinsumGen.Convolutions
{
    /// <summary>How a padding was given: explicit sizes, PyTorch's <c>'same'</c> or <c>'valid'</c>.</summary>
#if EINSUMGEN_RUNTIME
    public
#else
    internal
#endif
    enum ConvPaddingKind
    {
        /// <summary>Explicit left and right sizes (an int pads both sides equally).</summary>
        Explicit,

        /// <summary>The output has the input's size; stride 1 only; an odd total puts the extra pixel on the right.</summary>
        Same,

        /// <summary>No padding.</summary>
        Valid,
    }

    /// <summary>
    /// The zero padding of one spatial dimension: an int (both sides), a (left, right) pair, <c>'same'</c> or <c>'valid'</c>,
    /// resolved to sizes per side by <see cref="Resolve"/> as PyTorch does.
    /// </summary>
#if EINSUMGEN_RUNTIME
    public
#else
    internal
#endif
    readonly struct ConvPadding : IEquatable<ConvPadding>
    {
        private ConvPadding(ConvPaddingKind kind, int left, int right)
        {
            Kind = kind;
            Left = left;
            Right = right;
        }

        /// <summary>How the padding was given.</summary>
        public ConvPaddingKind Kind { get; }

        /// <summary>The explicit left size (0 for 'same' and 'valid' before resolution).</summary>
        public int Left { get; }

        /// <summary>The explicit right size (0 for 'same' and 'valid' before resolution).</summary>
        public int Right { get; }

        /// <summary>PyTorch's <c>padding='same'</c>.</summary>
        public static ConvPadding Same => new ConvPadding(ConvPaddingKind.Same, 0, 0);

        /// <summary>PyTorch's <c>padding='valid'</c> (no padding).</summary>
        public static ConvPadding Valid => new ConvPadding(ConvPaddingKind.Valid, 0, 0);

        /// <summary><paramref name="size"/> zeros on both sides.</summary>
        public static ConvPadding Symmetric(int size) => new ConvPadding(ConvPaddingKind.Explicit, size, size);

        /// <summary><paramref name="left"/> zeros before and <paramref name="right"/> after.</summary>
        public static ConvPadding PerSide(int left, int right) => new ConvPadding(ConvPaddingKind.Explicit, left, right);

        /// <summary>An int pads both sides.</summary>
        public static implicit operator ConvPadding(int size) => Symmetric(size);

        /// <summary>
        /// The sizes per side for a kernel, stride and dilation; null, or the reason it cannot be resolved ('same' with a
        /// stride other than 1, a negative size).
        /// </summary>
        public string? Resolve(int kernel, int stride, int dilation, out int left, out int right)
        {
            left = right = 0;
            switch (Kind)
            {
                case ConvPaddingKind.Valid:
                    return null;
                case ConvPaddingKind.Same:
                    if (stride != 1) return $"padding 'same' needs stride 1, but the stride is {stride}";
                    int total = dilation * (kernel - 1);
                    left = total / 2;
                    right = total - left;
                    return null;
                default:
                    if (Left < 0 || Right < 0) return $"the padding ({Left}, {Right}) is negative";
                    left = Left;
                    right = Right;
                    return null;
            }
        }

        /// <inheritdoc/>
        public bool Equals(ConvPadding other) => Kind == other.Kind && Left == other.Left && Right == other.Right;

        /// <inheritdoc/>
        public override bool Equals(object? obj) => obj is ConvPadding other && Equals(other);

        /// <inheritdoc/>
        public override int GetHashCode() => ((int)Kind * 397 + Left) * 397 + Right;

        /// <summary>'same', 'valid', an int, or (left, right).</summary>
        public override string ToString() => Kind switch
        {
            ConvPaddingKind.Same => "'same'",
            ConvPaddingKind.Valid => "'valid'",
            _ => Left == Right ? Left.ToString() : $"({Left}, {Right})",
        };
    }
}
