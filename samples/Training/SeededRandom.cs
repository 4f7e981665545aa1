using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace EinsumGen.Training
{
    /// <summary>
    /// A reproducible pseudo-random source: xoshiro256** (Blackman and Vigna, 2018) whose 256-bit state is filled from the
    /// 64-bit seed by SplitMix64, the seeding its authors recommend. The same seed gives the same stream on every run,
    /// runtime and platform: the generator is integer arithmetic only, <see cref="NextDouble"/> takes the top 53 bits, and
    /// <see cref="NextNormal"/> uses Marsaglia's polar method with a portable logarithm (fdlibm's algorithm in plain IEEE
    /// double arithmetic) instead of <see cref="Math.Log(double)"/>, whose last bit depends on the platform's C library.
    /// Not thread-safe; not suitable for cryptography.
    /// </summary>
    public sealed class SeededRandom
    {
        private ulong _s0, _s1, _s2, _s3;
        private double _spare;
        private bool _hasSpare;

        /// <summary>Creates a generator whose stream is determined by <paramref name="seed"/> alone.</summary>
        /// <param name="seed">Any value, 0 included (SplitMix64 never yields an all-zero state).</param>
        public SeededRandom(ulong seed)
        {
            Seed = seed;
            ulong x = seed;
            _s0 = SplitMix64(ref x);
            _s1 = SplitMix64(ref x);
            _s2 = SplitMix64(ref x);
            _s3 = SplitMix64(ref x);
        }

        /// <summary>The seed this generator was created with.</summary>
        public ulong Seed { get; }

        /// <summary>The next 64 raw bits of xoshiro256**.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public ulong NextUInt64()
        {
            ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
            ulong t = _s1 << 17;
            _s2 ^= _s0;
            _s3 ^= _s1;
            _s1 ^= _s2;
            _s0 ^= _s3;
            _s2 ^= t;
            _s3 = BitOperations.RotateLeft(_s3, 45);
            return result;
        }

        /// <summary>A uniform double in [0, 1): the top 53 bits of <see cref="NextUInt64"/> times 2⁻⁵³.</summary>
        public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

        /// <summary>
        /// A uniform integer in [0, <paramref name="maxExclusive"/>), without bias (Lemire's multiply-and-reject method).
        /// </summary>
        /// <param name="maxExclusive">The exclusive upper bound; must be positive.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxExclusive"/> is not positive.</exception>
        public int NextInt32(int maxExclusive)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
            ulong range = (ulong)maxExclusive;
            ulong high = Math.BigMul(NextUInt64(), range, out ulong low);
            if (low < range)
            {
                ulong threshold = (0UL - range) % range;
                while (low < threshold) high = Math.BigMul(NextUInt64(), range, out low);
            }
            return (int)high;
        }

        /// <summary>
        /// A standard normal deviate (mean 0, variance 1) by Marsaglia's polar method: each accepted pair yields two
        /// independent deviates; the second is cached and returned by the next call.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public double NextNormal()
        {
            if (_hasSpare)
            {
                _hasSpare = false;
                return _spare;
            }
            double u, v, s;
            do
            {
                u = 2.0 * NextDouble() - 1.0;
                v = 2.0 * NextDouble() - 1.0;
                s = u * u + v * v;
            } while (s >= 1.0 || s == 0.0);
            double m = Math.Sqrt(-2.0 * PortableMath.Log(s) / s);
            _spare = v * m;
            _hasSpare = true;
            return u * m;
        }

        /// <summary>Fills <paramref name="destination"/> with standard normal deviates (<see cref="NextNormal"/>, rounded to <typeparamref name="T"/>).</summary>
        /// <typeparam name="T">float or double (any IEEE type).</typeparam>
        /// <param name="destination">The span to overwrite, in order.</param>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void FillNormal<T>(Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (int i = 0; i < destination.Length; i++) destination[i] = T.CreateTruncating(NextNormal());
        }

        /// <summary>
        /// Fills <paramref name="destination"/> with uniform values in [<paramref name="low"/>, <paramref name="high"/>):
        /// <c>low + (high - low) * NextDouble()</c> computed in double and rounded to <typeparamref name="T"/>; a value that
        /// rounds up to <paramref name="high"/> is replaced by the largest <typeparamref name="T"/> below it.
        /// </summary>
        /// <typeparam name="T">float or double (any IEEE type).</typeparam>
        /// <param name="destination">The span to overwrite, in order.</param>
        /// <param name="low">The inclusive lower bound.</param>
        /// <param name="high">The exclusive upper bound; must be greater than <paramref name="low"/>.</param>
        /// <exception cref="ArgumentException"><paramref name="high"/> is not greater than <paramref name="low"/>.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void FillUniform<T>(Span<T> destination, T low, T high) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (!(high > low)) throw new ArgumentException($"high ({high}) must be greater than low ({low}).", nameof(high));
            double lo = double.CreateTruncating(low), width = double.CreateTruncating(high) - lo;
            T below = T.BitDecrement(high);
            for (int i = 0; i < destination.Length; i++)
            {
                T value = T.CreateTruncating(lo + width * NextDouble());
                destination[i] = value >= high ? below : value < low ? low : value;
            }
        }

        /// <summary>Shuffles <paramref name="items"/> in place (Fisher–Yates, from the last element down, with <see cref="NextInt32"/>).</summary>
        /// <typeparam name="TItem">The element type.</typeparam>
        /// <param name="items">The span to permute.</param>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Shuffle<TItem>(Span<TItem> items)
        {
            for (int i = items.Length - 1; i > 0; i--)
            {
                int j = NextInt32(i + 1);
                (items[i], items[j]) = (items[j], items[i]);
            }
        }

        /// <summary>A uniformly random permutation of 0 … <paramref name="length"/> - 1 (the identity, then <see cref="Shuffle{TItem}"/>).</summary>
        /// <param name="length">The number of elements; not negative.</param>
        public int[] Permutation(int length)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(length);
            var p = new int[length];
            for (int i = 0; i < length; i++) p[i] = i;
            Shuffle<int>(p);
            return p;
        }

        private static ulong SplitMix64(ref ulong x)
        {
            ulong z = x += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>Math whose results are the same bits on every platform: plain IEEE operations, no C library calls.</summary>
    internal static class PortableMath
    {
        private const double Ln2Hi = 6.93147180369123816490e-01;
        private const double Ln2Lo = 1.90821492927058770002e-10;
        private const double Two54 = 1.80143985094819840000e+16;
        private const double Lg1 = 6.666666666666735130e-01;
        private const double Lg2 = 3.999999999940941908e-01;
        private const double Lg3 = 2.857142874366239149e-01;
        private const double Lg4 = 2.222219843214978396e-01;
        private const double Lg5 = 1.818357216161805012e-01;
        private const double Lg6 = 1.531383769920937332e-01;
        private const double Lg7 = 1.479819860511658591e-01;

        /// <summary>Natural logarithm, fdlibm's <c>__ieee754_log</c> (error below 1 ulp).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static double Log(double x)
        {
            long bits = BitConverter.DoubleToInt64Bits(x);
            int hx = (int)(bits >> 32);
            uint lx = (uint)bits;
            int k = 0;
            if (hx < 0x00100000)
            {
                if (((hx & 0x7fffffff) | (int)lx) == 0) return double.NegativeInfinity;
                if (hx < 0) return double.NaN;
                k -= 54;
                x *= Two54;
                bits = BitConverter.DoubleToInt64Bits(x);
                hx = (int)(bits >> 32);
            }
            if (hx >= 0x7ff00000) return x + x;
            k += (hx >> 20) - 1023;
            hx &= 0x000fffff;
            int i = (hx + 0x95f64) & 0x100000;
            bits = BitConverter.DoubleToInt64Bits(x);
            x = BitConverter.Int64BitsToDouble(((long)(hx | (i ^ 0x3ff00000)) << 32) | (bits & 0xffffffffL));
            k += i >> 20;
            double f = x - 1.0;
            double dk;
            if ((0x000fffff & (2 + hx)) < 3)
            {
                if (f == 0.0)
                {
                    if (k == 0) return 0.0;
                    dk = k;
                    return dk * Ln2Hi + dk * Ln2Lo;
                }
                double r0 = f * f * (0.5 - 0.33333333333333333 * f);
                if (k == 0) return f - r0;
                dk = k;
                return dk * Ln2Hi - ((r0 - dk * Ln2Lo) - f);
            }
            double s = f / (2.0 + f);
            dk = k;
            double z = s * s;
            i = hx - 0x6147a;
            double w = z * z;
            int j = 0x6b851 - hx;
            double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
            double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
            i |= j;
            double r = t2 + t1;
            if (i > 0)
            {
                double hfsq = 0.5 * f * f;
                if (k == 0) return f - (hfsq - s * (hfsq + r));
                return dk * Ln2Hi - ((hfsq - (s * (hfsq + r) + dk * Ln2Lo)) - f);
            }
            if (k == 0) return f - s * (f - r);
            return dk * Ln2Hi - ((s * (f - r) - dk * Ln2Lo) - f);
        }
    }
}
