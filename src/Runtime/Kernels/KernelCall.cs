using System;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace EinsumGen.Runtime.Kernels
{
    /// <summary>
    /// One split call of <see cref="KernelThreads"/>: its job, its parts' claims and completions, and the first exception
    /// a part threw. The pool hands workers this object with the call's generation; a worker claims parts only while the
    /// object's claim word still carries that generation, and reads the part count and the pinned flag from that same
    /// word, so a part belongs to exactly one call and is run with that call's count. Objects are reused (one per calling
    /// thread), so steady-state calls allocate nothing: a worker that wakes late for a finished call finds another
    /// generation in the word and claims nothing.
    /// </summary>
    internal sealed unsafe class KernelCall
    {
        /// <summary>The most parts one call may have (the part count's field in the claim word).</summary>
        public const int MaxParts = 0x7FFF;

        private const long PinnedBit = 1L << 31;
        private const int PartsShift = 16;
        private const long NextMask = 0xFFFF;

        /// <summary>
        /// (generation &lt;&lt; 32) | pinned &lt;&lt; 31 | parts &lt;&lt; 16 | next unclaimed part (unpinned calls). One word,
        /// so that a claim (a compare-exchange on it) checks the generation, the count and the part together.
        /// </summary>
        private long _word;

        /// <summary>Per part of a pinned call: generation &lt;&lt; 1, plus 1 once claimed.</summary>
        private readonly long[] _taken;

        private readonly object _doneLock = new();
        private delegate* managed<void*, int, int, void> _job;
        private void* _state;
        private int _completed;
        private Exception? _error;
#if EINSUMGEN_CHECKED_KERNELS
        /// <summary>The calling thread's memory regions, which the parts may touch on any thread.</summary>
        private MemoryRegions.Captured _regions;
#endif

        /// <param name="maxPinnedParts">The most parts a pinned call may have (one per thread of the pool).</param>
        public KernelCall(int maxPinnedParts) => _taken = new long[maxPinnedParts];

        /// <summary>
        /// Makes this object the call <paramref name="generation"/> (unique among calls in flight): the job, its state and
        /// <paramref name="parts"/>, pinned when asked and the parts fit. Only the owning thread calls this, while it holds
        /// the pool and no part of the previous call can still run.
        /// </summary>
        public void Start(uint generation, delegate* managed<void*, int, int, void> job, void* state, int parts, bool pinned)
        {
            Debug.Assert(parts is > 0 and <= MaxParts);
            _job = job;
            _state = state;
            _completed = 0;
            _error = null;
#if EINSUMGEN_CHECKED_KERNELS
            _regions = MemoryRegions.Capture();
#endif
            pinned &= parts <= _taken.Length;
            if (pinned)
            {
                for (int p = 0; p < parts; p++) _taken[p] = (long)generation << 1;
            }
            // Publishes the fields above: a thread reads them only after a claim that saw this word.
            Volatile.Write(ref _word, ((long)generation << 32) | (pinned ? PinnedBit : 0) | ((long)parts << PartsShift));
        }

        /// <summary>
        /// Claims and runs parts of call <paramref name="generation"/> until none is left; nothing when this object now
        /// holds another call. <paramref name="self"/> is the running thread's number (the caller's is 0): a pinned call
        /// gives it part <paramref name="self"/> first.
        /// </summary>
        public void Run(uint generation, int self)
        {
            long word = Volatile.Read(ref _word);
            if ((uint)(word >>> 32) != generation) return;
            int parts = (int)((word >> PartsShift) & MaxParts);
            if ((word & PinnedBit) != 0)
            {
                // The count comes from the word that carries the generation, and Start pins only counts that fit _taken.
                if (self < parts) TryRunPinned(generation, self, parts);
                for (int p = 0; p < parts; p++) TryRunPinned(generation, p, parts);
                return;
            }
            while (true)
            {
                int next = (int)(word & NextMask);
                if (next >= parts) return;
                long seen = Interlocked.CompareExchange(ref _word, word + 1, word);
                if (seen == word)
                {
                    // Claimed: the caller cannot finish (and reuse this object) before this part completes.
                    RunClaimed(next, parts);
                    seen = Volatile.Read(ref _word);
                }
                // Another generation in the word: the call was over (every part claimed) before this thread came.
                if ((uint)(seen >>> 32) != generation) return;
                word = seen;
            }
        }

        /// <summary>Runs part <paramref name="part"/> of a pinned call unless another thread has claimed it.</summary>
        private void TryRunPinned(uint generation, int part, int parts)
        {
            // The expected value carries the generation: a thread holding an older call's number claims nothing.
            long free = (long)generation << 1;
            if (Interlocked.CompareExchange(ref _taken[part], free | 1, free) == free) RunClaimed(part, parts);
        }

        private void RunClaimed(int part, int parts)
        {
            try
            {
#if EINSUMGEN_CHECKED_KERNELS
                using var adopted = MemoryRegions.Adopt(_regions);
#endif
                _job(_state, part, parts);
            }
            catch (Exception e)
            {
                // Rethrown on the calling thread by Finish: a worker must never let a part's exception end the process.
                Interlocked.CompareExchange(ref _error, e, null);
            }
            if (Interlocked.Increment(ref _completed) == parts)
            {
                lock (_doneLock) Monitor.PulseAll(_doneLock);
            }
        }

        /// <summary>
        /// On the calling thread, after its own <see cref="Run"/>: waits for the parts that workers claimed, then rethrows
        /// the first exception a part threw. Only parts already claimed can still be running.
        /// </summary>
        public void Finish(int parts)
        {
            // Spin up to the workers' own polling time, then block. Waking a blocked thread costs tens of microseconds on a
            // VM: with a few microseconds of spinning, a caller done a little before its worker blocked and paid that on
            // most sliced steps (the tensor train's W = t1·t2: 27–30 → 17 µs; training step 0.94 of the short spin).
            long deadline = Stopwatch.GetTimestamp() + KernelThreads.SpinTicks;
            while (Volatile.Read(ref _completed) != parts && Stopwatch.GetTimestamp() < deadline) Thread.SpinWait(16);
            if (Volatile.Read(ref _completed) != parts)
            {
                lock (_doneLock)
                {
                    while (Volatile.Read(ref _completed) != parts) Monitor.Wait(_doneLock);
                }
            }
            _state = null; // the caller's stack frame is about to go
            Exception? error = _error;
            if (error is null) return;
            _error = null;
            ExceptionDispatchInfo.Throw(error);
        }
    }
}
