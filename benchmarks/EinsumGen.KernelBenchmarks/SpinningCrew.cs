using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading;

namespace EinsumGen.KernelBenchmarks
{
    /// <summary>
    /// Threads for a probe, started once, pinned one per core where the OS allows (Linux), and spinning between rounds, so
    /// that no round pays for creating, waking or migrating a thread. <see cref="Run"/> releases all of them at once; each
    /// thread times its own part. The caller blocks meanwhile (on a two-core machine a third spinning thread would take a
    /// core's share from the probe), and the crew yields while it waits, so that the caller gets to release it.
    /// </summary>
    internal sealed class SpinningCrew : IDisposable
    {
        private readonly Thread[] _threads;
        private readonly double[] _seconds;
        private readonly CountdownEvent _done;
        private Func<int, double>? _body;
        private int _generation, _stop, _ready;

        public SpinningCrew(int threads)
        {
            _threads = new Thread[threads];
            _seconds = new double[threads];
            _done = new CountdownEvent(threads);
            for (int t = 0; t < threads; t++)
            {
                int id = t;
                _threads[t] = new Thread(() => Work(id)) { IsBackground = true, Priority = ThreadPriority.Highest };
                _threads[t].Start();
            }
            while (Volatile.Read(ref _ready) < threads) Thread.SpinWait(64);
        }

        /// <summary>Runs <paramref name="body"/> on every thread at once; returns each thread's seconds.</summary>
        public double[] Run(Func<int, double> body)
        {
            _body = body;
            _done.Reset();
            Interlocked.Increment(ref _generation);
            _done.Wait();
            return (double[])_seconds.Clone();
        }

        private void Work(int id)
        {
            Pin(id);
            Interlocked.Increment(ref _ready);
            int seen = 0;
            while (true)
            {
                int generation;
                var spin = new SpinWait();
                while ((generation = Volatile.Read(ref _generation)) == seen)
                {
                    if (Volatile.Read(ref _stop) != 0) return;
                    spin.SpinOnce(sleep1Threshold: -1);
                }
                seen = generation;
                long t0 = Stopwatch.GetTimestamp();
                _body!(id);
                _seconds[id] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                _done.Signal();
            }
        }

        public void Dispose()
        {
            Volatile.Write(ref _stop, 1);
            foreach (var t in _threads) t.Join();
            _done.Dispose();
        }

        /// <summary>Pins the calling thread to core <paramref name="core"/> (Linux sched_setaffinity; elsewhere, left to the OS).</summary>
        private static void Pin(int core)
        {
            if (!OperatingSystem.IsLinux() || core >= Environment.ProcessorCount || core >= 64) return;
            try
            {
                ulong mask = 1UL << core;
                SchedSetAffinity(0, (nint)sizeof(ulong), ref mask);
            }
            catch (DllNotFoundException)
            {
            }
            catch (EntryPointNotFoundException)
            {
            }
        }

        [DllImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
        private static extern int SchedSetAffinity(int pid, nint cpusetsize, ref ulong mask);
    }
}
