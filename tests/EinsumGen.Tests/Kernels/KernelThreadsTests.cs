using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using EinsumGen.Runtime.Kernels;
using Xunit;

namespace EinsumGen.Tests.Kernels
{
    /// <summary>
    /// The kernel pool (<see cref="KernelThreads"/>) under concurrent callers: every part of a call runs exactly once, for
    /// that call, with that call's part count, whatever other callers do meanwhile; a part's exception reaches its caller.
    /// </summary>
    [Collection(nameof(ThreadPoolCollection))]
    public unsafe class KernelThreadsTests
    {
        /// <summary>What a counting job writes: one counter per part, and how often it saw a part or part count not its call's.</summary>
        private struct Tally
        {
            public int* Counts;
            public int Parts;
            public int Wrong;
            /// <summary>Iterations of busy work per part (varied from call to call to vary how late a worker comes).</summary>
            public int Delay;
            public int Sink;
        }

        private static void CountPart(void* state, int part, int parts)
        {
            var tally = (Tally*)state;
            if (parts != tally->Parts || (uint)part >= (uint)tally->Parts)
            {
                Interlocked.Increment(ref tally->Wrong);
                return;
            }
            Interlocked.Increment(ref tally->Counts[part]);
            int x = 0;
            for (int i = 0; i < tally->Delay; i++) x = x * 3 + 1;
            tally->Sink = x;
        }

        private static void ThrowInPart(void* state, int part, int parts)
        {
            if (part == parts - 1) throw new InvalidOperationException("part " + part);
            Interlocked.Increment(ref *(int*)state);
        }

        /// <summary>Result of one hammering thread: calls the pool ran split, per kind, and the first mismatch seen (null when none).</summary>
        private sealed class Hammered
        {
            public long PinnedSplit, UnpinnedSplit;
            public string? Failure;
        }

        /// <summary>
        /// Calls <see cref="KernelThreads.TryRun"/> with counting jobs, cycling through <paramref name="calls"/> (parts, pinned)
        /// until <paramref name="until"/>, and checks after each call that every part ran exactly once when it ran split
        /// and none when it declined. Unpinned parts busy themselves for 0..3000 iterations, varied per call.
        /// </summary>
        private static Hammered Hammer((int Parts, bool Pinned)[] calls, long until)
        {
            var result = new Hammered();
            int[] counts = new int[calls.Max(c => c.Parts)];
            fixed (int* c = counts)
            {
                var tally = new Tally { Counts = c };
                for (long n = 0; Stopwatch.GetTimestamp() < until && result.Failure is null; n++)
                {
                    var (parts, pinned) = calls[n % calls.Length];
                    tally.Parts = parts;
                    tally.Delay = pinned ? 0 : (int)(n * 37 % 3000);
                    bool split = KernelThreads.TryRun(&CountPart, &tally, parts, 2, pinned);
                    if (split && pinned) result.PinnedSplit++;
                    if (split && !pinned) result.UnpinnedSplit++;
                    for (int p = 0; p < parts; p++)
                    {
                        if (counts[p] != (split ? 1 : 0)) result.Failure ??= $"{parts}-part call (split: {split}): part {p} ran {counts[p]} times";
                        counts[p] = 0;
                    }
                    if (tally.Wrong != 0) result.Failure ??= $"{parts}-part call: {tally.Wrong} parts ran with another call's part number or count";
                }
            }
            return result;
        }

        /// <summary>
        /// The crash this pool once had: a worker woken for a pinned 2-part call read the pinned flag, then the next
        /// (unpinned, 16-part) call's part count, and claimed pinned part 2 of a 2-entry table outside any try block — the
        /// process died (exit 134). Two threads each alternate such calls for 2 s, in opposite order, so that an unpinned
        /// call follows a pinned one both from the same thread (the caller is on a core while its worker comes late, the
        /// likely interleaving on a 2-core machine) and from the other; every part must run exactly once per call. Against
        /// the old pool this test crashed the test host in 4 runs of 5 on a 2-core VM, each within its 2 s.
        /// </summary>
        [Fact]
        public void PinnedAndUnpinnedCallsFromTwoThreadsRunEveryPartOncePerCall() => PinnedAndUnpinnedFromTwoThreads(seconds: 2);

        /// <summary>The same for as long as <see cref="Soak.Seconds"/> says; returns at once unless soaking.</summary>
        [Fact]
        public void SoakPinnedAndUnpinnedCallsFromTwoThreads()
        {
            if (Soak.Seconds is not { } seconds) return;
            PinnedAndUnpinnedFromTwoThreads(seconds);
        }

        private static void PinnedAndUnpinnedFromTwoThreads(double seconds)
        {
            if (KernelThreads.WorkerCount < 1) return; // one core: nothing is ever split
            long until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
            Hammered first = new(), second = new();
            var threads = new[]
            {
                new Thread(() => first = Hammer(new[] { (2, true), (16, false) }, until)),
                new Thread(() => second = Hammer(new[] { (16, false), (2, true) }, until)),
            };
            foreach (var t in threads) t.Start();
            foreach (var t in threads) t.Join();
            Assert.Null(first.Failure);
            Assert.Null(second.Failure);
            // Other tests share the pool, so some calls run whole; both kinds must still have run split many times.
            Assert.True(first.PinnedSplit + second.PinnedSplit > 100, $"pinned calls split: {first.PinnedSplit + second.PinnedSplit}");
            Assert.True(first.UnpinnedSplit + second.UnpinnedSplit > 100, $"unpinned calls split: {first.UnpinnedSplit + second.UnpinnedSplit}");
        }

        [Fact]
        public void ExceptionInAPartReachesTheCallerAfterEveryOtherPartRan()
        {
            if (KernelThreads.WorkerCount < 1) return;
            bool split = false;
            // Another test may hold the pool (the call then declines and runs nothing): retry until this one splits.
            for (int attempt = 0; attempt < 1000 && !split; attempt++)
            {
                ContractionKernelTests.OnPlainThread(() =>
                {
                    int ran = 0;
                    try
                    {
                        split = KernelThreads.TryRun(&ThrowInPart, &ran, 4, 2);
                        Assert.False(split);
                        Assert.Equal(0, ran);
                    }
                    catch (InvalidOperationException e)
                    {
                        split = true;
                        Assert.Equal("part 3", e.Message);
                        Assert.Equal(3, ran);
                    }
                });
            }
            Assert.True(split);
            // The pool is free again and runs the next call normally.
            Hammered after = Hammer(new[] { (4, false), (2, true) }, Stopwatch.GetTimestamp() + Stopwatch.Frequency / 20);
            Assert.Null(after.Failure);
        }
    }
}
