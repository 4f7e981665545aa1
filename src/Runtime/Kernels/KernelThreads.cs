using System;
using System.Diagnostics;
using System.Threading;

namespace EinsumGen.Runtime.Kernels
{
    /// <summary>
    /// A tiny fork-join pool of dedicated background threads (one fewer than the cores) for splitting one kernel call
    /// into parts. Parts are claimed from a shared counter, the caller included, so a worker that the OS is slow to
    /// schedule (a busy, shared machine) costs nothing: the caller runs the parts no one has claimed yet and only waits
    /// for parts already running. Each call lives in a <see cref="KernelCall"/> (one per calling thread, reused, so calls
    /// allocate nothing), handed to the workers as one reference with the call's generation: a worker woken late for a
    /// finished call claims nothing from the next, and a part's exception is rethrown on the calling thread. The job is a
    /// function pointer plus a pointer to state on the caller's stack (valid while the caller waits, and a part can only
    /// be claimed while the caller waits). A pinned call (<see cref="TryRun"/>'s <c>pinned</c>) gives part p to thread p
    /// first — the caller is thread 0 — so that calls sliced the same way find their data where they left it; a thread
    /// done with its own part takes any part still unclaimed. One call at a time owns the pool; a concurrent caller runs
    /// alone. An idle worker polls for 0.25 ms before it blocks, so the split calls of a training step, a few serial
    /// microseconds apart, find it awake; a caller waits for its workers' parts the same way.
    /// </summary>
    internal static unsafe class KernelThreads
    {
        private static readonly object s_gate = new();
        private static Worker[]? s_workers;
        private static int s_busy;
        private static long s_splitCalls;

        /// <summary>The last call's generation: written only by the thread that holds the pool, so unique among calls in flight.</summary>
        private static uint s_generation;

        [ThreadStatic] private static bool t_isWorker;
        [ThreadStatic] private static long t_splitCalls;
        [ThreadStatic] private static KernelCall? t_call;

        /// <summary>How long an idle worker polls for the next call, and a caller for its workers' parts, before blocking (0.25 ms).</summary>
        internal static readonly long SpinTicks = Stopwatch.Frequency / 4000;

        /// <summary>Dedicated workers available (0 on a single core).</summary>
        public static int WorkerCount => Environment.ProcessorCount - 1;

        /// <summary>Calls that ran split over threads so far (diagnostics and tests).</summary>
        public static long SplitCalls => Volatile.Read(ref s_splitCalls);

        /// <summary>Calls made from the calling thread that ran split over threads (tests: other tests' calls do not count).</summary>
        internal static long SplitCallsOnThisThread => t_splitCalls;

        /// <summary>
        /// Runs job(state, part, parts) for part = 0..parts-1 on the calling thread and up to threads − 1 workers, each
        /// part exactly once; the first exception a part throws is rethrown here once every part has finished. Returns
        /// false without running anything when the pool is taken, the caller is a worker, or there is nothing to share
        /// (the caller then runs the work itself). With <paramref name="pinned"/>, part p goes to thread p first (parts
        /// must not exceed threads).
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="parts"/> exceeds <see cref="KernelCall.MaxParts"/>.</exception>
        public static bool TryRun(delegate* managed<void*, int, int, void> job, void* state, int parts, int threads, bool pinned = false)
        {
            threads = Math.Min(threads, WorkerCount + 1);
            if (parts < 2 || threads < 2 || t_isWorker) return false;
            ArgumentOutOfRangeException.ThrowIfGreaterThan(parts, KernelCall.MaxParts);
            // Taken before the thread's call object is touched: a part running on this thread that splits again (a sliced
            // step's GEMM) is refused here and leaves the call in progress alone.
            if (Interlocked.CompareExchange(ref s_busy, 1, 0) != 0) return false;
            try
            {
                Worker[] workers = s_workers ?? Create();
                KernelCall call = t_call ??= new KernelCall(WorkerCount + 1);
                uint generation = ++s_generation;
                call.Start(generation, job, state, parts, pinned);
                for (int i = 0; i < threads - 1; i++) workers[i].Signal(call, generation);
                call.Run(generation, 0);
                call.Finish(parts);
                Interlocked.Increment(ref s_splitCalls);
                t_splitCalls++;
                return true;
            }
            finally
            {
                Volatile.Write(ref s_busy, 0);
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
            // The last call handed over: the generation is written after the call, so a worker that reads a generation
            // sees that call or a newer one (whose word then carries another generation: it claims nothing, and waits for
            // that call's own signal).
            private KernelCall? _call;
            private uint _generation;

            public Worker(int index)
            {
                _index = index;
                var thread = new Thread(Loop, 256 * 1024) { IsBackground = true, Name = $"EinsumGen kernel worker {index + 1}" };
                thread.Start();
            }

            public void Signal(KernelCall call, uint generation)
            {
                Volatile.Write(ref _call, call);
                Volatile.Write(ref _generation, generation);
                _go.Release();
            }

            private void Loop()
            {
                t_isWorker = true;
                uint seen = 0;
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
                    try
                    {
                        Volatile.Read(ref _call)?.Run(seen, _index + 1);
                    }
                    catch (Exception)
                    {
                        // Never reached by design (a part's exception goes to its caller); should the pool itself fail,
                        // this thread lives on rather than end the process. Nothing is lost: an exception here comes
                        // before a claim or after a part completed, and the caller runs every part no one claimed.
                    }
                }
            }
        }
    }
}
