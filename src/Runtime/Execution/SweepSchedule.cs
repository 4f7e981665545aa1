using System;
using System.Collections.Generic;

namespace EinsumGen.Runtime
{
    /// <summary>What a task of a sweep runs.</summary>
    internal enum SweepTaskKind
    {
        /// <summary>A forward step (the method's sweep).</summary>
        Forward,

        /// <summary>A backward pass recomputing a forward step a gradient reads.</summary>
        Recompute,

        /// <summary>A backward step: the gradient of one input of a step.</summary>
        Gradient,
    }

    /// <summary>
    /// One step of a sweep as <see cref="SweepRegion"/> runs it: a sliced step in parts (part p on thread p mod threads,
    /// then, where the slice is summed, one unit that adds the partial results in), a whole step as one unit on one thread.
    /// </summary>
    internal sealed class SweepTask
    {
        public SweepTaskKind Kind { get; init; }

        public int Step { get; init; }

        /// <summary>For a gradient task: whether it writes the gradient of the step's left input.</summary>
        public bool Left { get; init; }

        public StepCall Call { get; init; } = null!;

        /// <summary>Parts the task runs in (1: whole).</summary>
        public int Parts { get; init; }

        /// <summary>The tensors it reads first and second (-1: none or always ready), and the one it writes.</summary>
        public int First { get; init; }

        public int Second { get; init; }

        public int Writes { get; init; }

        /// <summary>Its first unit (its parts in order, then the adding unit where it has one).</summary>
        public int FirstUnit { get; set; }

        /// <summary>The unit adding the partial results in, or -1 (whole, or the slice kept in the result).</summary>
        public int AddUnit { get; set; } = -1;

        /// <summary>A partial result's strides (dense over the kept dimensions) and length, for a summed slice.</summary>
        public nint[] PartialStrides { get; init; } = Array.Empty<nint>();

        public nint PartialLength { get; init; }

        /// <summary>Where its partial results start in the call's one partials buffer (elements).</summary>
        public nint PartialOffset { get; set; }
    }

    /// <summary>
    /// A sweep of a layout (the forward steps, or a backward pass's recomputed steps and gradient steps) cut into units for
    /// the cores, each unit with the units it waits for: a unit reads only what its dependencies wrote. Where a sliced step
    /// reads its own slice of what a step sliced the same way wrote (the tensor train's y = x·W over each core's rows of
    /// W, ∂t1 from each core's rows of ∂W), it waits for nothing: its thread wrote that slice. Built once per layout, sweep
    /// and thread count; immutable, so calls on any thread share it.
    /// </summary>
    internal sealed class SweepSchedule
    {
        private SweepSchedule(SweepTask[] tasks, int threads, int[] unitTask, int[] unitPart, int[] unitOwner, int[] depStart, int[] deps, nint partials)
        {
            Tasks = tasks;
            Threads = threads;
            UnitTask = unitTask;
            UnitPart = unitPart;
            UnitOwner = unitOwner;
            DepStart = depStart;
            Deps = deps;
            PartialElements = partials;
        }

        public SweepTask[] Tasks { get; }

        public int Threads { get; }

        /// <summary>Per unit (in sweep order): its task, its part (-1 for adding partial results in) and its thread.</summary>
        public int[] UnitTask { get; }

        public int[] UnitPart { get; }

        public int[] UnitOwner { get; }

        /// <summary>Unit u waits for Deps[DepStart[u]..DepStart[u + 1]], all earlier units.</summary>
        public int[] DepStart { get; }

        public int[] Deps { get; }

        public int UnitCount => UnitTask.Length;

        /// <summary>Elements of the partial results of every summed slice together (each task's start on a 64-byte line).</summary>
        public nint PartialElements { get; }

        /// <summary>
        /// Builds the schedule of <paramref name="tasks"/> (in the order the serial sweep runs them, each sliced one with its
        /// parts) on <paramref name="threads"/> threads; null where it would not pay: no task is sliced, or a whole task has
        /// <paramref name="maxWholeMultiplyAdds"/> or more (its kernel could split it over the cores on its own).
        /// </summary>
        public static SweepSchedule? Build(List<SweepTask> tasks, int tensorCount, int threads, double maxWholeMultiplyAdds)
        {
            bool anySliced = false;
            foreach (var task in tasks)
            {
                if (task.Parts > 1) anySliced = true;
                else if (task.Call.MultiplyAdds >= maxWholeMultiplyAdds) return null;
            }
            if (!anySliced) return null;

            var writer = new int[tensorCount];
            Array.Fill(writer, -1);
            var unitTask = new List<int>();
            var unitPart = new List<int>();
            var unitOwner = new List<int>();
            var depStart = new List<int> { 0 };
            var deps = new List<int>();
            var finish = new List<double>();
            var clock = new double[threads];
            nint partials = 0;
            for (int t = 0; t < tasks.Count; t++)
            {
                var task = tasks[t];
                task.FirstUnit = unitTask.Count;
                double cost = task.Call.MultiplyAdds / task.Parts;
                for (int p = 0; p < task.Parts; p++)
                {
                    int from = deps.Count;
                    AddReadDeps(tasks, writer, task, task.First, task.Call.FirstStrides, p, deps);
                    AddReadDeps(tasks, writer, task, task.Second, task.Call.SecondStrides, p, deps);
                    int owner = task.Parts > 1 ? p % threads : Earliest(clock, finish, deps, from, cost);
                    AddUnit(t, task.Parts > 1 ? p : 0, owner, cost, clock, finish, deps, from, unitTask, unitPart, unitOwner, depStart);
                }
                if (task.PartialLength > 0 && task.Parts > 1)
                {
                    int from = deps.Count;
                    for (int p = 0; p < task.Parts; p++) deps.Add(task.FirstUnit + p);
                    double addCost = (double)task.PartialLength * (task.Parts - 1) / 8;
                    task.AddUnit = unitTask.Count;
                    task.PartialOffset = partials;
                    // Each task's partials start on a 64-byte line (the buffer's start does), as SlicedStep's do.
                    partials += (task.PartialLength * (task.Parts - 1) + 15) & ~(nint)15;
                    AddUnit(t, -1, Earliest(clock, finish, deps, from, addCost), addCost, clock, finish, deps, from, unitTask, unitPart, unitOwner, depStart);
                }
                if (task.Writes >= 0) writer[task.Writes] = t;
            }
            return new SweepSchedule(tasks.ToArray(), threads, unitTask.ToArray(), unitPart.ToArray(), unitOwner.ToArray(), depStart.ToArray(), deps.ToArray(), partials);
        }

        /// <summary>
        /// The units part <paramref name="part"/> of <paramref name="task"/> waits for before reading <paramref name="tensor"/>:
        /// none for an operand; its writer's adding unit for a summed slice; the same part alone where both slice the same
        /// label the same way, the writer keeps it and the reader reads along it; else every unit of the writer.
        /// </summary>
        private static void AddReadDeps(List<SweepTask> tasks, int[] writer, SweepTask task, int tensor, nint[] strides, int part, List<int> deps)
        {
            if (tensor < 0 || writer[tensor] < 0) return;
            var w = tasks[writer[tensor]];
            if (w.AddUnit >= 0)
            {
                deps.Add(w.AddUnit);
                return;
            }
            if (w.Parts == 1)
            {
                deps.Add(w.FirstUnit);
                return;
            }
            int d = task.Call.SliceDim, wd = w.Call.SliceDim;
            bool ownSlice = task.Parts == w.Parts && d >= 0 && wd < w.Call.Kept && task.Call.Keys[d] == w.Call.Keys[wd]
                && task.Call.Sizes[d] == w.Call.Sizes[wd] && strides[d] != 0;
            if (ownSlice)
            {
                deps.Add(w.FirstUnit + part);
                return;
            }
            for (int p = 0; p < w.Parts; p++) deps.Add(w.FirstUnit + p);
        }

        /// <summary>The thread that would finish a unit of <paramref name="cost"/> first, its dependencies' estimated ends counted.</summary>
        private static int Earliest(double[] clock, List<double> finish, List<int> deps, int from, double cost)
        {
            double ready = 0;
            for (int i = from; i < deps.Count; i++) ready = Math.Max(ready, finish[deps[i]]);
            int best = 0;
            for (int t = 1; t < clock.Length; t++)
            {
                if (Math.Max(clock[t], ready) + cost < Math.Max(clock[best], ready) + cost) best = t;
            }
            return best;
        }

        private static void AddUnit(int task, int part, int owner, double cost, double[] clock, List<double> finish, List<int> deps, int from,
            List<int> unitTask, List<int> unitPart, List<int> unitOwner, List<int> depStart)
        {
            double ready = 0;
            for (int i = from; i < deps.Count; i++) ready = Math.Max(ready, finish[deps[i]]);
            clock[owner] = Math.Max(clock[owner], ready) + cost;
            finish.Add(clock[owner]);
            unitTask.Add(task);
            unitPart.Add(part);
            unitOwner.Add(owner);
            depStart.Add(deps.Count);
        }
    }
}
