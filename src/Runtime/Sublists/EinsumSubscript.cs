using System;
using System.Globalization;

namespace EinsumGen
{
    /// <summary>
    /// One entry of a sublist in NumPy's interleaved form (<c>np.einsum(a, [0, 1], b, [1, 2], [0, 2])</c>) and PyTorch's
    /// sublist form: a label number, or <see cref="Ellipsis"/> (Python's <c>Ellipsis</c>, the <c>...</c> of a spec). An
    /// <see cref="int"/> converts implicitly, so a sublist is written <c>[0, 1]</c> or <c>[EinsumSubscript.Ellipsis, 0]</c>.
    /// Label numbers are checked when the sublist is used (<see cref="EinsumSublist.ToSpec"/>): 0–25 are 'A'–'Z' and 26–51
    /// are 'a'–'z', as NumPy and PyTorch map them.
    /// </summary>
    public readonly struct EinsumSubscript : IEquatable<EinsumSubscript>
    {
        private readonly int _label;
        private readonly bool _ellipsis;

        private EinsumSubscript(int label, bool ellipsis)
        {
            _label = label;
            _ellipsis = ellipsis;
        }

        /// <summary>The ellipsis: the dimensions no label names, as <c>...</c> in a spec.</summary>
        public static EinsumSubscript Ellipsis => new(0, ellipsis: true);

        /// <summary>True for <see cref="Ellipsis"/>.</summary>
        public bool IsEllipsis => _ellipsis;

        /// <summary>The label number (as given, not yet range-checked); 0 for <see cref="Ellipsis"/>.</summary>
        public int Label => _label;

        /// <summary>The subscript for label number <paramref name="label"/>.</summary>
        /// <param name="label">The label number, valid from 0 to 51.</param>
        public static implicit operator EinsumSubscript(int label) => new(label, ellipsis: false);

        /// <summary>The subscript for label number <paramref name="label"/> (the named form of the implicit conversion).</summary>
        /// <param name="label">The label number, valid from 0 to 51.</param>
        public static EinsumSubscript FromInt32(int label) => label;

        /// <inheritdoc/>
        public bool Equals(EinsumSubscript other) => _ellipsis == other._ellipsis && _label == other._label;

        /// <inheritdoc/>
        public override bool Equals(object? obj) => obj is EinsumSubscript other && Equals(other);

        /// <inheritdoc/>
        public override int GetHashCode() => _ellipsis ? -1 : _label;

        /// <summary>Whether two subscripts are the same label, or both the ellipsis.</summary>
        public static bool operator ==(EinsumSubscript left, EinsumSubscript right) => left.Equals(right);

        /// <summary>Whether two subscripts differ.</summary>
        public static bool operator !=(EinsumSubscript left, EinsumSubscript right) => !left.Equals(right);

        /// <summary><c>...</c> for the ellipsis, the number otherwise.</summary>
        public override string ToString() => _ellipsis ? "..." : _label.ToString(CultureInfo.InvariantCulture);
    }
}
