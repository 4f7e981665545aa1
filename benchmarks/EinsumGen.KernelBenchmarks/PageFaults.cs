using System;
using System.IO;

namespace EinsumGen.KernelBenchmarks
{
    /// <summary>
    /// Minor page faults of the process (Linux /proc/self/stat, field 10) and full collections per call: a fresh large block
    /// that the GC gave back to the system faults once per page when it is touched again, which shows as a swinging median.
    /// </summary>
    internal static class PageFaults
    {
        /// <summary>The process's minor page faults so far; 0 where /proc is not there.</summary>
        public static long Minor()
        {
            if (!OperatingSystem.IsLinux()) return 0;
            string stat = File.ReadAllText("/proc/self/stat");
            // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
            var fields = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
            return long.Parse(fields[7]); // field 10 overall: minflt
        }

        /// <summary>
        /// Per call over <paramref name="calls"/> calls: the median wall time of the calls that faulted fewer than 16 times and of
        /// those that faulted more, and how many did — whether the faults are what makes a call slow.
        /// </summary>
        public static string Split(Action run, int calls = 100)
        {
            for (int i = 0; i < 5; i++) run();
            var quiet = new System.Collections.Generic.List<double>();
            var faulting = new System.Collections.Generic.List<double>();
            for (int i = 0; i < calls; i++)
            {
                long f0 = Minor();
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                run();
                double ms = (System.Diagnostics.Stopwatch.GetTimestamp() - t0) * 1e3 / System.Diagnostics.Stopwatch.Frequency;
                (Minor() - f0 < 16 ? quiet : faulting).Add(ms);
            }
            static string Median(System.Collections.Generic.List<double> t)
            {
                if (t.Count == 0) return "-";
                t.Sort();
                return t[t.Count / 2].ToString("F2") + " ms";
            }
            return $"{quiet.Count} calls under 16 faults: median {Median(quiet)}; {faulting.Count} with more: median {Median(faulting)}";
        }

        /// <summary>Minor faults and gen-2 collections per call over <paramref name="calls"/> calls after a warm-up.</summary>
        public static (double Faults, double Gen2) PerCall(Action run, int calls = 60)
        {
            for (int i = 0; i < 5; i++) run();
            long faults = Minor();
            int gen2 = GC.CollectionCount(2);
            for (int i = 0; i < calls; i++) run();
            return ((Minor() - faults) / (double)calls, (GC.CollectionCount(2) - gen2) / (double)calls);
        }
    }
}
