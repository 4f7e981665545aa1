namespace EinsumGen.Planning
{
    /// <summary>
    /// SplitMix64: a tiny seeded generator, so that randomized searches give the same plan on every runtime
    /// (System.Random's seeded sequence is an implementation detail).
    /// </summary>
    internal sealed class SplitMix
    {
        private ulong _state;

        public SplitMix(ulong seed)
        {
            _state = seed;
        }

        public ulong Next()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>Uniform in [0, 1).</summary>
        public double NextDouble() => (Next() >> 11) * (1.0 / 9007199254740992.0);

        /// <summary>Uniform in [0, n).</summary>
        public int NextInt(int n) => (int)((Next() >> 33) % (ulong)n);
    }
}
