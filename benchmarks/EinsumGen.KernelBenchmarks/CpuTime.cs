using System;
using System.Runtime.InteropServices;

namespace EinsumGen.KernelBenchmarks
{
    /// <summary>
    /// Timing by the calling thread's CPU time (Linux clock_gettime(CLOCK_THREAD_CPUTIME_ID)): on a machine shared with
    /// other work, the time this thread actually ran, so one-core A/B comparisons and the one-core FMA probe stay
    /// comparable while the load changes (the caches are still shared).
    /// </summary>
    internal static class CpuTime
    {
        private struct TimeSpec { public long Seconds, Nanoseconds; }

        [DllImport("libc", EntryPoint = "clock_gettime")]
        private static extern int ClockGetTime(int clock, out TimeSpec time);

        private const int ThreadCpuTime = 3, ProcessCpuTime = 2;

        /// <summary>Whether the clock is there (Linux).</summary>
        public static bool Available => OperatingSystem.IsLinux();

        /// <summary>The calling thread's CPU time in seconds.</summary>
        public static double Now() => Read(ThreadCpuTime);

        /// <summary>The process's CPU time in seconds: the work of every thread, not the wait for a core.</summary>
        public static double ProcessNow() => Read(ProcessCpuTime);

        private static double Read(int clock)
        {
            ClockGetTime(clock, out TimeSpec t);
            return t.Seconds + t.Nanoseconds * 1e-9;
        }

        /// <summary>
        /// Seconds of CPU time per call (this thread's, or with <paramref name="process"/> every thread's of the process): the
        /// median and the best of timed samples after warming up.
        /// </summary>
        public static (double median, double best) Time(Action run, double budget = 0.5, bool process = false)
        {
            Func<double> Now = process ? ProcessNow : CpuTime.Now;
            double start = Now();
            int warm = 0;
            while (warm < 3 || (warm < 60 && Now() - start < 0.5) || Now() - start < 0.2) { run(); warm++; }
            double per = (Now() - start) / warm;
            int inner = Math.Max(1, (int)(0.005 / per));
            int samples = Math.Clamp((int)(budget / (per * inner)), 5, 200);
            var times = new double[samples];
            for (int s = 0; s < samples; s++)
            {
                double t0 = Now();
                for (int i = 0; i < inner; i++) run();
                times[s] = (Now() - t0) / inner;
            }
            Array.Sort(times);
            return (times[samples / 2], times[0]);
        }
    }
}
