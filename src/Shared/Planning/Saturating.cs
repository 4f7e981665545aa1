namespace EinsumGen.Planning
{
    /// <summary>Non-negative long arithmetic that clamps at <see cref="long.MaxValue"/> instead of wrapping.</summary>
    internal static class Saturating
    {
        public static long Mul(long a, long b)
        {
            if (a == 0 || b == 0) return 0;
            if (((a | b) >> 31) == 0) return a * b;   // both below 2^31: cannot overflow, skip the division
            if (a > long.MaxValue / b) return long.MaxValue;
            return a * b;
        }

        public static long Add(long a, long b)
        {
            long s = a + b;
            return s < 0 ? long.MaxValue : s;
        }
    }
}
