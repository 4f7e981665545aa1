namespace EinsumGen.Planning
{
    /// <summary>Bit tricks netstandard2.0 lacks (no BitOperations there).</summary>
    internal static class Bits
    {
        private static readonly int[] DeBruijnIndex =
        {
            0, 1, 48, 2, 57, 49, 28, 3, 61, 58, 50, 42, 38, 29, 17, 4,
            62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24, 18, 12, 5,
            63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11,
            46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9, 13, 8, 7, 6,
        };

        /// <summary>Index of the lowest set bit; <paramref name="x"/> must be non-zero.</summary>
        public static int Lowest(ulong x) => DeBruijnIndex[((x & (~x + 1)) * 0x03F79D71B4CB0A89UL) >> 58];

        public static int Count(ulong x)
        {
            x -= (x >> 1) & 0x5555555555555555UL;
            x = (x & 0x3333333333333333UL) + ((x >> 2) & 0x3333333333333333UL);
            x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FUL;
            return (int)((x * 0x0101010101010101UL) >> 56);
        }
    }
}
