using System;
using System.Diagnostics;

namespace EinsumGen.Benchmarks
{
    /// <summary>The ratio consoles' clock: the median of timed runs after warming up past tiered compilation.</summary>
    internal static class Timing
    {
        /// <summary>Median seconds of one <paramref name="action"/> over <paramref name="samples"/> runs, after 2 s of warm-up (tier-1 code arrives after ~30 calls and a background compile).</summary>
        public static double MedianSeconds(Action action, int samples)
        {
            var warmup = Stopwatch.StartNew();
            while (warmup.ElapsedMilliseconds < 2000) action();
            var times = new double[samples];
            for (int i = 0; i < times.Length; i++)
            {
                long start = Stopwatch.GetTimestamp();
                action();
                times[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
            Array.Sort(times);
            return times[times.Length / 2];
        }
    }
}
