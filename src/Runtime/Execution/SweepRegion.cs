using System;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Threading;
using EinsumGen.Runtime.Kernels;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// Runs a whole sweep (<see cref="SweepSchedule"/>) as one parallel region: one hand-off to the cores per sweep instead
    /// of one per sliced step. Each thread walks its own units in sweep order — its part of every sliced step, the small
    /// whole steps given to it — and waits only for the units a unit reads from, so the tensor train's t1 = w1·w2 and
    /// t2 = w3·w4 run at once on the two cores, and y = x·W follows W = t1·t2 on each core's rows without a barrier. A unit
    /// waited for whose thread has not started yet (a worker the OS has not run) is run by the waiting thread instead. Every
    /// unit runs the kernel the step-by-step sweep runs, on the same data, and partial sums are added in part order, so the
    /// results are the same bits whichever thread runs a unit. (Once in CI a corpus spec, 'ab,c->c', differed in its last
    /// bits from step by step: not this schedule but the streaming tier's sums, whose grouping followed the operand's
    /// address, which the GC had moved between the two calls; they now group by index alone.)
    /// </summary>
    // The job is a struct on the calling thread's stack holding managed references (the schedule, the binding): they stay
    // reported to the GC there while the threads run.
#pragma warning disable CS8500
    internal static unsafe class SweepRegion
    {
        private static long s_regions;
        private static long s_takenOver;

        /// <summary>Tests: the thread (0: the caller) that sleeps a while before it starts its units in every region, or -1.</summary>
        internal static int DelayedThread = -1;

        /// <summary>Units run by a waiting thread because their own thread had not started (tests).</summary>
        internal static long TakenOver => Volatile.Read(ref s_takenOver);

        /// <summary>Sweeps that ran as one region so far (tests).</summary>
        internal static long Regions => Volatile.Read(ref s_regions);

        /// <summary>
        /// Runs the forward steps of the bound call as one region (operand <paramref name="substitute"/> read from its
        /// tangent slot); false when the sweep runs step by step instead (nothing was run).
        /// </summary>
        public static bool TryForward<T, TViews>(EinsumBinding binding, scoped ref TViews views, int substitute)
            where T : unmanaged, INumberBase<T> where TViews : IEinsumViews<T>, allows ref struct
        {
            int threads = Threads();
            if (threads < 2 || binding.ForwardSchedule(threads) is not { } schedule) return false;
            int n = binding.Program.OperandCount;
            return Pin<T, TViews>(binding, schedule, ref views, 0, substitute >= 0 ? 2 * n + 1 : n + 1, stackalloc nint[2 * n + 1], substitute);
        }

        /// <summary>Runs a backward pass's recomputed steps and gradient steps as one region (gradients overwritten); false when it does not.</summary>
        public static bool TryBackward<T, TViews>(EinsumBinding binding, scoped ref TViews views)
            where T : unmanaged, INumberBase<T> where TViews : IEinsumViews<T>, allows ref struct
        {
            int threads = Threads();
            if (threads < 2 || binding.BackwardSchedule(threads) is not { } schedule) return false;
            int n = binding.Program.OperandCount;
            return Pin<T, TViews>(binding, schedule, ref views, 0, 2 * n + 1, stackalloc nint[2 * n + 1], -1);
        }

        /// <summary>The threads a region may use now; below 2 when it may not run.</summary>
        private static int Threads()
        {
            var options = KernelOptions.Current;
            if (!options.SweepRegions || !options.SlicedSteps || options.RecordChoices || StepTimes.Enabled || Thread.CurrentThread.IsThreadPoolThread) return 1;
            return Math.Min(ContractionKernel.MaxDegreeOfParallelism, KernelThreads.WorkerCount + 1);
        }

        /// <summary>Pins the caller's views one by one (each frame one <c>fixed</c>), then runs the region.</summary>
        private static bool Pin<T, TViews>(EinsumBinding binding, SweepSchedule schedule, scoped ref TViews views, int slot, int slots, scoped Span<nint> addresses, int substitute)
            where T : unmanaged, INumberBase<T> where TViews : IEinsumViews<T>, allows ref struct
        {
            if (slot == slots) return Run<T>(binding, schedule, addresses, substitute);
            ref T data = ref views[slot].Data;
            fixed (T* p = &data)
            {
                addresses[slot] = (nint)p;
                return Pin<T, TViews>(binding, schedule, ref views, slot + 1, slots, addresses, substitute);
            }
        }

        private static bool Run<T>(EinsumBinding binding, SweepSchedule schedule, scoped Span<nint> views, int substitute) where T : unmanaged, INumberBase<T>
        {
            int n = binding.Program.OperandCount, last = binding.StepCount - 1, tasks = schedule.Tasks.Length, units = schedule.UnitCount;
            // Every buffer is rented here, on the calling thread (the pool is per thread); intermediates are pinned arrays.
            Span<nint> pointers = stackalloc nint[3 * tasks];
            for (int t = 0; t < tasks; t++)
            {
                var task = schedule.Tasks[t];
                int k = task.Step, left = binding.LeftOf(k), right = binding.RightOf(k);
                if (task.Kind != SweepTaskKind.Gradient)
                {
                    pointers[3 * t] = Value<T>(binding, views, left, substitute);
                    pointers[3 * t + 1] = right >= 0 ? Value<T>(binding, views, right, substitute) : 0;
                    pointers[3 * t + 2] = k == last ? views[n] : Intermediate<T>(binding, k, false);
                }
                else
                {
                    int other = task.Left ? right : left;
                    pointers[3 * t] = k == last ? views[n] : Intermediate<T>(binding, k, true);
                    pointers[3 * t + 1] = other >= 0 ? Value<T>(binding, views, other, substitute) : 0;
                    int target = task.Left ? left : right;
                    pointers[3 * t + 2] = target < n ? views[n + 1 + target] : Intermediate<T>(binding, target - n, true);
                }
            }
            binding.PrepareMemos();
            AlignedBuffer<T>? partials = schedule.PartialElements > 0 ? AlignedPool<T>.Rent(checked((int)schedule.PartialElements)) : null;
            Span<int> state = stackalloc int[2 * units + schedule.Threads + 1];
            state.Clear();
            try
            {
                fixed (nint* pPointers = pointers)
                fixed (int* pState = state)
                {
                    var job = new Job<T>
                    {
                        Schedule = schedule, Binding = binding, Pointers = pPointers,
                        Partials = partials is null ? null : (T*)Unsafe.AsPointer(ref partials.Start),
                        Claimed = pState, Done = pState + units, Started = pState + 2 * units, Failed = pState + 2 * units + schedule.Threads,
                    };
                    if (!KernelThreads.TryRun(&RunThread<T>, &job, schedule.Threads, schedule.Threads, pinned: true)) return false;
                }
            }
            finally
            {
                if (partials is not null) AlignedPool<T>.Return(partials);
            }
            Interlocked.Increment(ref s_regions);
            foreach (var task in schedule.Tasks)
            {
                if (task.Parts > 1) SlicedStep.Counted();
            }
            return true;
        }

        /// <summary>The address of tensor <paramref name="id"/>'s value: a view (its tangent's, when substituted), or an intermediate.</summary>
        private static nint Value<T>(EinsumBinding binding, scoped Span<nint> views, int id, int substitute)
        {
            int n = binding.Program.OperandCount;
            return id < n ? views[id == substitute ? n + 1 + id : id] : Intermediate<T>(binding, id - n, false);
        }

        /// <summary>An intermediate's (or its gradient's) first element: a pinned pooled array, rented on this thread.</summary>
        private static nint Intermediate<T>(EinsumBinding binding, int step, bool gradient) => (nint)Unsafe.AsPointer(ref binding.Intermediate<T>(step, gradient));

        /// <summary>Thread <paramref name="self"/>'s units, in sweep order (a unit another thread ran for it is skipped).</summary>
        private static void RunThread<T>(void* state, int self, int threads) where T : unmanaged, INumberBase<T>
        {
            var job = (Job<T>*)state;
            if (self == Volatile.Read(ref DelayedThread)) Thread.Sleep(2);
            Volatile.Write(ref job->Started[self], 1);
            var owner = job->Schedule.UnitOwner;
            for (int u = 0; u < owner.Length; u++)
            {
                if (owner[u] == self) RunUnit(job, u);
            }
        }

        /// <summary>Runs unit <paramref name="u"/> unless another thread has claimed it; whether this one did.</summary>
        private static bool RunUnit<T>(Job<T>* job, int u) where T : unmanaged, INumberBase<T>
        {
            if (Interlocked.CompareExchange(ref job->Claimed[u], 1, 0) != 0) return false;
            try
            {
                var schedule = job->Schedule;
                for (int i = schedule.DepStart[u]; i < schedule.DepStart[u + 1]; i++) Wait(job, schedule.Deps[i]);
                if (Volatile.Read(ref *job->Failed) == 0) Execute(job, u);
            }
            catch
            {
                // Every waiter then stops waiting and skips its work; the pool rethrows this exception on the calling thread.
                Volatile.Write(ref *job->Failed, 1);
                throw;
            }
            finally
            {
                Volatile.Write(ref job->Done[u], 1);
            }
            return true;
        }

        /// <summary>
        /// Until unit <paramref name="d"/> is done: run it here if its thread has not started, else spin. The waits inside a
        /// sweep last microseconds, so the thread spins without yielding (a yield on a busy machine can give the core away for
        /// a whole time slice) for as long as an idle worker polls; past that, its thread was descheduled, and it yields.
        /// </summary>
        private static void Wait<T>(Job<T>* job, int d) where T : unmanaged, INumberBase<T>
        {
            long deadline = 0;
            var spinner = new SpinWait();
            while (Volatile.Read(ref job->Done[d]) == 0 && Volatile.Read(ref *job->Failed) == 0)
            {
                if (Volatile.Read(ref job->Started[job->Schedule.UnitOwner[d]]) == 0 && Volatile.Read(ref job->Claimed[d]) == 0)
                {
                    if (RunUnit(job, d)) Interlocked.Increment(ref s_takenOver);
                    continue;
                }
                if (deadline == 0) deadline = Stopwatch.GetTimestamp() + KernelThreads.SpinTicks;
                if (Stopwatch.GetTimestamp() < deadline) Thread.SpinWait(16);
                else spinner.SpinOnce(sleep1Threshold: -1);
            }
        }

        private static void Execute<T>(Job<T>* job, int u) where T : unmanaged, INumberBase<T>
        {
            var schedule = job->Schedule;
            int t = schedule.UnitTask[u], part = schedule.UnitPart[u];
            var task = schedule.Tasks[t];
            T* first = (T*)job->Pointers[3 * t], second = (T*)job->Pointers[3 * t + 1], result = (T*)job->Pointers[3 * t + 2];
            if (part < 0)
            {
                SlicedStep.AddPartials(task.Call, task.Parts, result, job->Partials + task.PartialOffset, task.PartialStrides, task.PartialLength);
                return;
            }
            if (task.Parts > 1)
            {
                T* partial = task.PartialLength > 0 && part > 0 ? job->Partials + task.PartialOffset + (part - 1) * task.PartialLength : null;
                SlicedStep.ContractPart(task.Call, part, task.Parts, first, second, result, partial, task.PartialStrides);
                return;
            }
            ref T a = ref Unsafe.AsRef<T>(first);
            ref T b = ref Unsafe.AsRef<T>(second);
            ref T c = ref Unsafe.AsRef<T>(result);
            if (task.Kind == SweepTaskKind.Gradient) job->Binding.ExecuteStepGradient(task.Step, task.Left, ref a, ref b, ref c, accumulate: false);
            else job->Binding.ExecuteStep(task.Step, ref a, ref b, ref c);
        }

        private struct Job<T> where T : unmanaged
        {
            public SweepSchedule Schedule;
            public EinsumBinding Binding;

            /// <summary>Per task: its first and second operand and its result (addresses; the second 0 for a unary step).</summary>
            public nint* Pointers;
            public T* Partials;

            /// <summary>Per unit: claimed by a thread, done; per thread: started; then one word set when a unit threw.</summary>
            public int* Claimed, Done, Started, Failed;
        }
#pragma warning restore CS8500
    }
}
