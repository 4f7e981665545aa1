using System.Collections.Generic;
using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using EinsumGen.Gpu.Kernels;
using EinsumGen.Runtime;

namespace EinsumGen.Gpu
{
    /// <summary>
    /// Where a device call's steps go: a small step (at most <see cref="EinsumDevice.FusionLimit"/> multiply-adds) waits
    /// in a run that is launched as one fused kernel (<see cref="FusedKernel"/>) when the call ends or a later step needs
    /// its results; a large one is launched at once by <see cref="DeviceSteps"/>, ahead of the waiting run when it neither
    /// reads what the run writes nor writes what the run touches (judged by buffer, so views of one allocation count as
    /// one). A run of a single step takes the ordinary kernels: one group would only slow it.
    /// </summary>
    internal sealed class DeviceQueue<T> where T : unmanaged, INumber<T>
    {
        private readonly EinsumDevice _device;
        private readonly List<FusedEntry> _pending = new();
        private readonly List<DeviceRef<T>> _views = new();

        public DeviceQueue(EinsumDevice device) => _device = device;

        /// <summary>The generator's constant-size kernels for the call's method, or null (<see cref="GeneratedSteps"/>).</summary>
        public DeviceKernelSet<T>? Generated { get; set; }

        /// <summary>Queues one step (as <see cref="DeviceSteps.Run{T}"/>): fused later, or launched now.</summary>
        public void Run(StepCall call, DeviceRef<T> first, DeviceRef<T> second, DeviceRef<T> result, bool accumulate)
        {
            var (count, summed) = DeviceSteps.Counts(call);
            if (count == 0) return;
            if (!call.HasSecond) second = first;
            if (Fuses(count, summed))
            {
                if (NewViews(first, second, result) > FusedViews<T>.Capacity - _views.Count) Flush();
                _pending.Add(new FusedEntry(call, IndexOf(first), IndexOf(second), IndexOf(result), accumulate));
                return;
            }
            if (_pending.Count > 0 && Conflicts(first, second, result)) Flush();
            LaunchOne(call, first, second, result, accumulate);
        }

        /// <summary>Launches the waiting run (every step queued so far is then on the stream, in order).</summary>
        public void Flush()
        {
            if (_pending.Count == 0) return;
            if (_pending.Count == 1 && _device.ForcedKernel != DeviceKernel.Fused)
            {
                var only = _pending[0];
                LaunchOne(only.Call, _views[only.First], _views[only.Second], _views[only.Result], only.Accumulate);
            }
            else
            {
                Launch();
            }
            _pending.Clear();
            _views.Clear();
        }

        /// <summary>One step in a launch of its own: on its generated kernel when the bound layout is the one it was written for.</summary>
        private void LaunchOne(StepCall call, DeviceRef<T> first, DeviceRef<T> second, DeviceRef<T> result, bool accumulate)
        {
            if (Generated is { } set)
            {
                if (GeneratedSteps.TryRun(_device, set, call, first, second, result, accumulate)) return;
                _device.GenericFallbacks++;
            }
            DeviceSteps.Run(_device, call, first, second, result, accumulate);
        }

        private void Launch()
        {
            int threads = _device.FusedThreads;
            var key = new FusedKey(_pending.ToArray());
            var table = _device.FusedTable(key, k => FusedTable.Build(_device, k, threads, _device.WarpSize));
            var views = default(FusedViews<T>);
            var firstView = At(_views[0]);
            for (int i = 0; i < FusedViews<T>.Capacity; i++) views.Set(i, i < _views.Count ? At(_views[i]) : firstView);
            _device.FusedKernel<T>()(_device.Stream, new KernelConfig(new Index1D(1), new Index1D(threads)), views, table.Steps.View, table.Shapes.View, table.Count);
            _device.CountLaunch();
        }

        /// <summary>A view that starts at the tensor's first element.</summary>
        private static ArrayView<T> At(DeviceRef<T> tensor) => tensor.View.SubView(tensor.Offset, tensor.View.Length - tensor.Offset);

        private bool Fuses(long count, long summed)
        {
            var forced = _device.ForcedKernel;
            if (forced == DeviceKernel.Fused) return true;
            return forced == DeviceKernel.Auto && (double)count * summed <= _device.FusionLimit;
        }

        private int IndexOf(DeviceRef<T> tensor)
        {
            for (int i = 0; i < _views.Count; i++)
            {
                if (Same(_views[i], tensor)) return i;
            }
            _views.Add(tensor);
            return _views.Count - 1;
        }

        private int NewViews(DeviceRef<T> first, DeviceRef<T> second, DeviceRef<T> result)
        {
            int fresh = 0;
            if (!Known(first)) fresh++;
            if (!Same(second, first) && !Known(second)) fresh++;
            if (!Same(result, first) && !Same(result, second) && !Known(result)) fresh++;
            return fresh;
        }

        private bool Known(DeviceRef<T> tensor)
        {
            foreach (var v in _views)
            {
                if (Same(v, tensor)) return true;
            }
            return false;
        }

        /// <summary>Whether a large step must wait for the run: it reads a buffer the run writes, or writes one the run uses.</summary>
        private bool Conflicts(DeviceRef<T> first, DeviceRef<T> second, DeviceRef<T> result)
        {
            foreach (var e in _pending)
            {
                var written = BufferOf(_views[e.Result].View);
                if (ReferenceEquals(written, BufferOf(first.View)) || ReferenceEquals(written, BufferOf(second.View)) || ReferenceEquals(written, BufferOf(result.View))) return true;
                if (ReferenceEquals(BufferOf(result.View), BufferOf(_views[e.First].View)) || ReferenceEquals(BufferOf(result.View), BufferOf(_views[e.Second].View))) return true;
            }
            return false;
        }

        // Generic, so the interface calls on the view structs are constrained calls: no boxing per step.
        private static MemoryBuffer BufferOf<TView>(TView view) where TView : IArrayView => view.Buffer;

        private static long StartOf<TView>(TView view) where TView : IContiguousArrayView => view.Index;

        private static bool Same(DeviceRef<T> x, DeviceRef<T> y) =>
            ReferenceEquals(BufferOf(x.View), BufferOf(y.View)) && StartOf(x.View) + x.Offset == StartOf(y.View) + y.Offset;
    }
}
