using System;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace EinsumGen.Runtime.Kernels
{
    /// <summary>
    /// A tiny fork-join pool of dedicated background threads (one fewer than the cores) for splitting one kernel call
    /// into parts. Parts are claimed from a shared counter, the caller included, so a worker that the OS is slow to
    /// schedule (a busy, shared machine) costs nothing: the caller runs the parts no one has claimed yet and only waits
    /// for parts already running. Allocation-free per call: the job is a function pointer plus a pointer to state on the
    /// caller's stack (valid while the caller waits, and a part can only be claimed while the caller waits). A pinned call
    /// (<see cref="TryRun"/>'s <c>pinned</c>) gives part p to thread p first — the caller is thread 0 — so that calls sliced
    /// the same way find their data where they left it; a thread done with its own part takes any part still unclaimed.
    /// One call at a time owns the pool; a concurrent caller runs alone. An idle worker polls for 0.25 ms before it blocks, so the
    /// split calls of a training step, a few serial microseconds apart, find it awake; a caller waits for its workers'
    /// parts the same way.
    /// </summary>
    internal static unsafe class KernelThreads
    {
        private static readonly object s_gate = new();
        private static readonly object s_doneLock = new();
        private static Worker[]? s_workers;
        private static int s_busy;
        private static long s_splitCalls;

        // The current call: written before s_claim publishes a new generation, stable until all parts complete.
        private static delegate* managed<void*, int, int, void> s_job;
        private static void* s_state;
        private static int s_parts;
        private static int s_completed;
        private static Exception? s_error;
        private static bool s_pinned;
        /// <summary>Per part of a pinned call: generation &lt;&lt; 1, plus 1 once claimed.</summary>
        private static readonly long[] s_taken = new long[WorkerCount + 1];
        /// <summary>(generation &lt;&lt; 32) | next unclaimed part.</summary>
        private static long s_claim;

        [ThreadStatic] private static bool t_isWorker;

        /// <summary>How long an idle worker polls for the next call, and a caller for its workers' parts, before blocking (0.25 ms).</summary>
        private static readonly long SpinTicks = Stopwatch.Frequency / 4000;

        /// <summary>Dedicated workers available (0 on a single core).</summary>
        public static int WorkerCount => Environment.ProcessorCount - 1;

        /// <summary>Calls that ran split over threads so far (diagnostics and tests).</summary>
        public static long SplitCalls => Volatile.Read(ref s_splitCalls);

        /// <summary>
        /// Runs job(state, part, parts) for part = 0..parts-1 on the calling thread and up to threads − 1 workers. Returns
        /// false without running anything when the pool is taken, the caller is a worker, or there is nothing to share. With
        /// <paramref name="pinned"/>, part p goes to thread p first (parts must not exceed threads).
        /// </summary>
        public static bool TryRun(delegate* managed<void*, int, int, void> job, void* state, int parts, int threads, bool pinned = false)
        {
            threads = Math.Min(threads, WorkerCount + 1);
            if (parts < 2 || threads < 2 || t_isWorker) return false;
            if (Interlocked.CompareExchange(ref s_busy, 1, 0) != 0) return false;
            try
            {
                Worker[] workers = s_workers ?? Create();
                s_job = job;
                s_state = state;
                s_parts = parts;
                s_completed = 0;
                s_error = null;
                long generation = (Volatile.Read(ref s_claim) >> 32) + 1;
                s_pinned = pinned && parts <= s_taken.Length;
                if (s_pinned)
                {
                    for (int p = 0; p < parts; p++) s_taken[p] = generation << 1;
                }
                Volatile.Write(ref s_claim, generation << 32); // publishes the fields above
                for (int i = 0; i < threads - 1; i++) workers[i].Signal(generation);

                RunParts(generation, 0);

                // Only parts that workers have claimed can still be running: wait for them spinning, up to the workers'
                // own polling time, then block. Waking a blocked thread costs tens of microseconds on a VM: with a few
                // microseconds of spinning, a caller done a little before its worker blocked and paid that on most
                // sliced steps (the tensor train's W = t1·t2: 27–30 → 17 µs; training step 0.94 of the short spin).
                long deadline = Stopwatch.GetTimestamp() + SpinTicks;
                while (Volatile.Read(ref s_completed) != parts && Stopwatch.GetTimestamp() < deadline) Thread.SpinWait(16);
                if (Volatile.Read(ref s_completed) != parts)
                {
                    lock (s_doneLock)
                    {
                        while (Volatile.Read(ref s_completed) != parts) Monitor.Wait(s_doneLock);
                    }
                }
                Exception? error = s_error;
                s_error = null;
                s_state = null;
                if (error is not null) ExceptionDispatchInfo.Throw(error);
                Interlocked.Increment(ref s_splitCalls);
                return true;
            }
            finally
            {
                Volatile.Write(ref s_busy, 0);
            }
        }

        /// <summary>Claims and runs parts of <paramref name="generation"/> until none is left (or the call is over); <paramref name="self"/> is the thread's number (the caller's is 0).</summary>
        private static void RunParts(long generation, int self)
        {
            if (Volatile.Read(ref s_claim) >> 32 != generation) return;
            if (s_pinned)
            {
                int parts = s_parts;
                if (self < parts) TryRunPinned(generation, self);
                for (int p = 0; p < parts; p++) TryRunPinned(generation, p);
                return;
            }
            while (true)
            {
                long word = Volatile.Read(ref s_claim);
                if (word >> 32 != generation) return;
                int part = (int)(word & 0xFFFFFFFF);
                int parts = s_parts;
                if (part >= parts) return;
                if (Interlocked.CompareExchange(ref s_claim, word + 1, word) != word) continue;
                // Claimed: the caller cannot return before this part completes, so the job and state are valid.
                RunClaimed(part, parts);
            }
        }

        /// <summary>Runs part <paramref name="part"/> of a pinned call unless another thread has claimed it.</summary>
        private static void TryRunPinned(long generation, int part)
        {
            // The expected value carries the generation: a worker still holding an older call's number claims nothing.
            if (Interlocked.CompareExchange(ref s_taken[part], (generation << 1) | 1, generation << 1) != generation << 1) return;
            RunClaimed(part, s_parts);
        }

        private static void RunClaimed(int part, int parts)
        {
            try { s_job(s_state, part, parts); }
            catch (Exception e) { s_error = e; }
            if (Interlocked.Increment(ref s_completed) == parts)
            {
                lock (s_doneLock) Monitor.PulseAll(s_doneLock);
            }
        }

        private static Worker[] Create()
        {
            lock (s_gate)
            {
                if (s_workers is null)
                {
                    var workers = new Worker[WorkerCount];
                    for (int i = 0; i < workers.Length; i++) workers[i] = new Worker(i);
                    s_workers = workers;
                }
                return s_workers;
            }
        }

        private sealed class Worker
        {
            private readonly SemaphoreSlim _go = new(0);
            private readonly int _index;
            private long _generation;

            public Worker(int index)
            {
                _index = index;
                var thread = new Thread(Loop, 256 * 1024) { IsBackground = true, Name = $"EinsumGen kernel worker {index + 1}" };
                thread.Start();
            }

            public void Signal(long generation)
            {
                Volatile.Write(ref _generation, generation);
                _go.Release();
            }

            private void Loop()
            {
                t_isWorker = true;
                long seen = 0;
                while (true)
                {
                    // Poll for the next call a little before blocking: a training step alternates split calls with short
                    // serial stretches, and waking a blocked thread costs tens of microseconds on a VM — long enough for
                    // the caller to claim every part itself. Each Signal releases the semaphore once and each turn of this
                    // loop waits once, so the count never runs ahead.
                    long deadline = Stopwatch.GetTimestamp() + SpinTicks;
                    while (Volatile.Read(ref _generation) == seen && Stopwatch.GetTimestamp() < deadline) Thread.SpinWait(16);
                    _go.Wait();
                    seen = Volatile.Read(ref _generation);
                    RunParts(seen, _index + 1);
                }
            }
        }
    }
}
