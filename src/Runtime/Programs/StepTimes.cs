using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// Where a program's calls spend their time, step by step (benchmarks only: the training loop's profile). Off by
    /// default; while <see cref="Enabled"/>, <see cref="ProgramRunner"/> adds each step's wall time (the kernel, its split
    /// over the cores and the wait for the other parts included) and each call's binding time (shapes, checks, layout
    /// lookup) under its own key, every run apart (for medians). While it is enabled, sweeps run step by step, never as one
    /// parallel region (<see cref="SweepRegion"/>), so that each step has a time of its own. Recording takes a lock and
    /// keeps a sample per entry: enable it for a bounded run.
    /// </summary>
    internal static class StepTimes
    {
        private static readonly object s_gate = new();
        private static readonly Dictionary<(EinsumProgram, StepPhase, int, bool), Entry> s_entries = new();
        private static readonly Dictionary<(EinsumProgram, StepPhase, int, bool), List<long>> s_samples = new();

        /// <summary>Whether calls record their times (read once per step).</summary>
        public static bool Enabled { get; set; }

        /// <summary>Adds one timed piece of a call: <paramref name="step"/> is -1 for the binding, -2 for handing its buffers back, <paramref name="left"/> which gradient a backward step wrote.</summary>
        public static void Add(EinsumProgram program, StepPhase phase, int step, bool left, long ticks, double multiplyAdds, ProgramStep plan, int stepCount)
        {
            lock (s_gate)
            {
                var key = (program, phase, step, left);
                s_entries.TryGetValue(key, out var entry);
                s_entries[key] = new Entry(program, phase, step, left, entry.Ticks + ticks, entry.Calls + 1, multiplyAdds, plan, stepCount);
                if (!s_samples.TryGetValue(key, out var samples)) s_samples[key] = samples = new List<long>();
                samples.Add(ticks);
            }
        }

        /// <summary>The times recorded since the last <see cref="Reset"/>, in the order first recorded.</summary>
        public static IReadOnlyList<Entry> Snapshot()
        {
            lock (s_gate)
            {
                var entries = new List<Entry>();
                foreach (var (key, entry) in s_entries)
                {
                    var samples = s_samples[key].ToArray();
                    Array.Sort(samples);
                    entries.Add(entry with { MedianTicks = samples[samples.Length / 2], BestTicks = samples[0] });
                }
                return entries;
            }
        }

        /// <summary>Forgets every recorded time.</summary>
        public static void Reset()
        {
            lock (s_gate)
            {
                s_entries.Clear();
                s_samples.Clear();
            }
        }

        /// <summary>Ticks since <paramref name="start"/> (a <see cref="Stopwatch.GetTimestamp"/> value).</summary>
        public static long Since(long start) => Stopwatch.GetTimestamp() - start;

        /// <summary>One piece of a program's calls, summed over the calls.</summary>
        /// <param name="Program">The program.</param>
        /// <param name="Phase">Which sweep ran it.</param>
        /// <param name="Step">The step's index in the plan; -1 for binding the call, -2 for handing its buffers back.</param>
        /// <param name="Left">For a backward step: whether it wrote the gradient of the step's left input.</param>
        /// <param name="Ticks">Stopwatch ticks, summed.</param>
        /// <param name="Calls">How many times it ran.</param>
        /// <param name="MultiplyAdds">Multiply-adds of one run (0 for the binding).</param>
        /// <param name="Plan">The step as the call ran it (its order may be planned per call); default for the binding.</param>
        /// <param name="StepCount">Steps in the call's order (the last writes the result).</param>
        public readonly record struct Entry(EinsumProgram Program, StepPhase Phase, int Step, bool Left, long Ticks, long Calls, double MultiplyAdds, ProgramStep Plan,
            int StepCount)
        {
            /// <summary>The median of one run's ticks: on a busy machine, the run as it goes when the thread is not descheduled.</summary>
            public long MedianTicks { get; init; }

            /// <summary>The fastest run: on a busy machine, the nearest to the step's time on a quiet one.</summary>
            public long BestTicks { get; init; }

            /// <summary>Seconds, summed over the calls.</summary>
            public double Seconds => (double)Ticks / Stopwatch.Frequency;
        }
    }

    /// <summary>Which sweep of <see cref="ProgramRunner"/> a timed piece belongs to.</summary>
    internal enum StepPhase
    {
        /// <summary>The method itself (or a forward-mode pass).</summary>
        Forward,

        /// <summary>A backward pass recomputing a forward step whose result a gradient reads.</summary>
        Recompute,

        /// <summary>A backward pass walking a step backwards.</summary>
        Backward,
    }
}
