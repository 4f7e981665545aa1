using System;
using System.Collections.Concurrent;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// The implicit-GEMM geometries (index tables, tap digits, the shifted form's offsets) and the thin kernel's
    /// (<see cref="ThinGeometry"/>) made once per convolution shape,
    /// so that a repeated call does no setup: keyed by the per-dimension <see cref="ConvGeometry"/> values and whether the
    /// geometry is the forward's or the input VJP's. Thread-safe; bounded like <see cref="ConvPlanCache"/> (cleared when full).
    /// </summary>
    internal static class ImplicitGemmGeometryCache
    {
        /// <summary>Geometries kept.</summary>
        public const int MaxEntries = 256;

        private static readonly ConcurrentDictionary<Key, ImplicitGemmGeometry> s_geometries = new ConcurrentDictionary<Key, ImplicitGemmGeometry>();
        private static readonly ConcurrentDictionary<Key, ThinGeometry> s_thin = new ConcurrentDictionary<Key, ThinGeometry>();
        private static readonly ConcurrentDictionary<Key, ThinStridedGeometry> s_thinStrided = new ConcurrentDictionary<Key, ThinStridedGeometry>();

        /// <summary>The forward's geometry of <paramref name="geometries"/> (also the weight VJP's).</summary>
        public static ImplicitGemmGeometry Forward(ConvGeometry[] geometries) => Get(geometries, false);

        /// <summary>The stride-1 input VJP's geometry of <paramref name="geometries"/>.</summary>
        public static ImplicitGemmGeometry InputVjp(ConvGeometry[] geometries) => Get(geometries, true);

        /// <summary>The thin kernel's forward geometry of <paramref name="geometries"/> (also its weight VJP's).</summary>
        public static ThinGeometry ThinForward(ConvGeometry[] geometries) => GetThin(geometries, false);

        /// <summary>The thin kernel's stride-1 input VJP geometry of <paramref name="geometries"/>.</summary>
        public static ThinGeometry ThinInputVjp(ConvGeometry[] geometries) => GetThin(geometries, true);

        /// <summary>The index lists of the strided thin input VJP (<see cref="ThinStridedInputVjp"/>) of <paramref name="geometries"/>.</summary>
        public static ThinStridedGeometry ThinStrided(ConvGeometry[] geometries)
        {
            var key = new Key(geometries, false);
            if (s_thinStrided.TryGetValue(key, out var kept)) return kept;
            var made = new ThinStridedGeometry(geometries);
            if (s_thinStrided.Count >= MaxEntries) s_thinStrided.Clear();
            return s_thinStrided.GetOrAdd(new Key((ConvGeometry[])geometries.Clone(), false), made);
        }

        /// <summary>The number of geometries kept (tests).</summary>
        internal static int Count => s_geometries.Count;

        /// <summary>The number of thin geometries kept (tests).</summary>
        internal static int ThinCount => s_thin.Count;

        private static ThinGeometry GetThin(ConvGeometry[] geometries, bool inputVjp)
        {
            var key = new Key(geometries, inputVjp);
            if (s_thin.TryGetValue(key, out var kept)) return kept;
            var made = inputVjp ? ThinGeometry.InputVjp(geometries) : ThinGeometry.Forward(geometries);
            if (s_thin.Count >= MaxEntries) s_thin.Clear();
            return s_thin.GetOrAdd(new Key((ConvGeometry[])geometries.Clone(), inputVjp), made);
        }

        private static ImplicitGemmGeometry Get(ConvGeometry[] geometries, bool inputVjp)
        {
            var key = new Key(geometries, inputVjp);
            if (s_geometries.TryGetValue(key, out var kept)) return kept;
            var made = inputVjp ? ImplicitGemmGeometry.InputVjp(geometries) : ImplicitGemmGeometry.Forward(geometries);
            if (s_geometries.Count >= MaxEntries) s_geometries.Clear();
            return s_geometries.GetOrAdd(new Key((ConvGeometry[])geometries.Clone(), inputVjp), made);
        }

        private sealed class Key : IEquatable<Key>
        {
            private readonly ConvGeometry[] _geometries;
            private readonly bool _inputVjp;
            private readonly int _hash;

            public Key(ConvGeometry[] geometries, bool inputVjp)
            {
                _geometries = geometries;
                _inputVjp = inputVjp;
                var hash = new HashCode();
                hash.Add(inputVjp);
                foreach (var g in geometries) hash.Add(g);
                _hash = hash.ToHashCode();
            }

            public bool Equals(Key? other) => other is not null && _hash == other._hash && _inputVjp == other._inputVjp
                && _geometries.AsSpan().SequenceEqual(other._geometries);

            public override bool Equals(object? obj) => Equals(obj as Key);

            public override int GetHashCode() => _hash;
        }
    }
}
