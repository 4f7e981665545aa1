using System;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// One bound view's lengths and strides, copied into buffers that only grow, so that a binding reused call after call
    /// records shapes without allocating.
    /// </summary>
    internal sealed class ShapeSlot
    {
        private nint[] _lengths = Array.Empty<nint>();
        private nint[] _strides = Array.Empty<nint>();
        private int _rank;
        private int _strideCount;

        /// <summary>False until <see cref="Set"/> runs after the last <see cref="Clear"/>.</summary>
        public bool IsBound { get; private set; }

        public ReadOnlySpan<nint> Lengths => _lengths.AsSpan(0, _rank);

        public ReadOnlySpan<nint> Strides => _strides.AsSpan(0, _strideCount);

        public void Set(scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> strides)
        {
            if (_lengths.Length < lengths.Length) _lengths = new nint[lengths.Length];
            if (_strides.Length < strides.Length) _strides = new nint[strides.Length];
            lengths.CopyTo(_lengths);
            strides.CopyTo(_strides);
            _rank = lengths.Length;
            _strideCount = strides.Length;
            IsBound = true;
        }

        public void Clear()
        {
            _rank = _strideCount = 0;
            IsBound = false;
        }

        /// <summary>Writes [rank, lengths, stride count, strides] (or [-1] when unbound) at <paramref name="at"/>; returns the new end.</summary>
        public int WriteKey(ref nint[] key, int at)
        {
            int needed = at + 2 + _rank + _strideCount;
            if (key.Length < needed) Array.Resize(ref key, Math.Max(needed, 2 * key.Length));
            if (!IsBound)
            {
                key[at] = -1;
                return at + 1;
            }
            key[at++] = _rank;
            Lengths.CopyTo(key.AsSpan(at));
            at += _rank;
            key[at++] = _strideCount;
            Strides.CopyTo(key.AsSpan(at));
            return at + _strideCount;
        }

        /// <summary>A copy of the lengths (slow paths and messages only).</summary>
        public nint[] LengthsArray() => Lengths.ToArray();

        /// <summary>A copy of the strides (slow paths only).</summary>
        public nint[] StridesArray() => Strides.ToArray();
    }
}
