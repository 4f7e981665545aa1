using System;
using System.Collections.Generic;
using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using EinsumGen.Notation;
using EinsumGen.Runtime;

namespace EinsumGen.Gpu
{
    /// <summary>
    /// One device call: its slots, the device they all live on (checked first), the buffers it rents (rank-0 values,
    /// intermediates, a scalar result) and the sweeps. The sweeps follow <see cref="ProgramRunner"/> step for step and
    /// take every decision from the runtime's <see cref="EinsumBinding"/> (layouts, which intermediates a backward pass
    /// recomputes, which gradients it needs), so the schedule is the CPU path's own.
    /// </summary>
    internal sealed partial class DeviceCall<T> where T : unmanaged, INumber<T>
    {
        private readonly EinsumProgram _program;
        private readonly DeviceSlot<T>[] _slots;
        private readonly ViewRole _resultRole;
        private readonly bool _scalarResult;
        private readonly int _n;
        private readonly EinsumDevice _device;
        private readonly DeviceQueue<T> _queue;
        private readonly List<MemoryBuffer1D<T, Stride1D.Dense>> _rented = new();
        private readonly Dictionary<int, DeviceRef<T>> _values = new();
        private DeviceRef<T>[] _intermediates = Array.Empty<DeviceRef<T>>();
        private bool[] _haveIntermediate = Array.Empty<bool>();

        public DeviceCall(EinsumProgram program, DeviceSlot<T>[] slots, ViewRole resultRole, bool scalarResult)
        {
            _program = program;
            _slots = slots;
            _resultRole = resultRole;
            _scalarResult = scalarResult;
            _n = program.OperandCount;
            if (slots.Length < _n + 1) throw new ArgumentException($"'{SpecQuote.Of(program.Spec)}' needs {_n + 1} slots or more, not {slots.Length}.", nameof(slots));
            _device = DeviceOf();
            _queue = new DeviceQueue<T>(_device);
        }

        /// <summary>The one device of every tensor in the call; an ArgumentException naming the first tensor elsewhere.</summary>
        private EinsumDevice DeviceOf()
        {
            EinsumDevice? device = null;
            int first = -1;
            for (int s = 0; s < _slots.Length; s++)
            {
                var tensor = _slots[s].Tensor;
                if (tensor is null) continue;
                if (tensor.Storage.IsDisposed) throw new ObjectDisposedException(Name(s), $"'{Name(s)}' was disposed (or the tensor it is a view of was).");
                if (device is null)
                {
                    device = tensor.Device.Live();
                    first = s;
                }
                else if (!ReferenceEquals(device, tensor.Device))
                {
                    throw new ArgumentException(
                        $"'{Name(s)}' lives on {tensor.Device.Name}, but '{Name(first)}' on another device ({device.Name}); all tensors of one call must be on one EinsumDevice.",
                        Name(s));
                }
            }
            return device ?? throw new ArgumentException($"'{SpecQuote.Of(_program.Spec)}': a device call needs at least one DeviceTensor.", nameof(_slots));
        }

        private string Name(int slot)
        {
            if (slot < _n) return new ViewName(_program, ViewRole.Operand, slot);
            if (slot == _n) return new ViewName(_program, _resultRole, -1);
            return new ViewName(_program, _resultRole == ViewRole.Output ? ViewRole.Gradient : _resultRole, slot - _n - 1);
        }

        /// <summary>The result slot must hold a tensor (a scalar result is handled by the ...Scalar entry points).</summary>
        public void RequireResult()
        {
            if (_slots[_n].IsPresent) return;
            string name = Name(_n);
            throw new ArgumentException($"'{name}' is null; '{SpecQuote.Of(_program.Spec)}' needs a tensor there.", name);
        }

        // ---- forward ----

        /// <summary>
        /// Binds and runs the forward steps (operand <paramref name="substitute"/> read from its tangent slot), the last step
        /// adding into the result when <paramref name="accumulate"/>; with <paramref name="check"/>, the result is checked
        /// against every operand before anything is queued.
        /// </summary>
        public void RunForward(int substitute, bool accumulate, bool check, bool flush = true)
        {
            var binding = EinsumBinding.Rent(_program);
            BindOperands(binding, substitute);
            BindResult(binding);
            binding.Complete();
            if (check)
            {
                long extent = CheckWritten(_n);
                for (int i = 0; i < _n; i++) CheckApart(_n, extent, i);
            }
            int last = binding.StepCount - 1;
            for (int k = 0; k <= last; k++)
            {
                var target = k == last ? Result() : Intermediate(binding, k, gradient: false);
                _queue.Run(binding.ForwardCall(k), Value(binding, binding.LeftOf(k), substitute), Value(binding, binding.RightOf(k), substitute), target,
                    accumulate && k == last);
            }
            // A forward-mode call's sweeps (one per tangent) share one run of small steps; each rents its own intermediates.
            if (flush) _queue.Flush();
            ReleaseIntermediates();
            binding.Return<T>();
        }

        // ---- reverse mode ----

        public void RunBackward(bool accumulate)
        {
            var binding = EinsumBinding.Rent(_program);
            BindOperands(binding, -1);
            BindResult(binding);
            for (int i = 0; i < _n; i++)
            {
                var gradient = _slots[_n + 1 + i];
                if (!gradient.IsPresent) continue;
                var tensor = gradient.Tensor ?? throw new ArgumentException($"'{Name(_n + 1 + i)}' must be a device tensor.", Name(_n + 1 + i));
                if (_program.IsScalarOperand(i))
                {
                    if (tensor.FlattenedLength != 1) EinsumChecks.OneElement((nint)tensor.FlattenedLength, Name(_n + 1 + i));
                    binding.Gradient(i, default, default);
                }
                else
                {
                    binding.Gradient(i, tensor.Lengths, tensor.Strides);
                }
            }
            binding.Complete();
            for (int i = 0; i < _n; i++)
            {
                if (!_slots[_n + 1 + i].IsPresent) continue;
                long extent = CheckWritten(_n + 1 + i);
                for (int j = 0; j <= _n; j++) CheckApart(_n + 1 + i, extent, j);
            }
            for (int i = 0; i < _n && !accumulate; i++)
            {
                // A repeated label writes only the diagonal of its operand's gradient: the rest must read zero.
                if (_slots[_n + 1 + i].Tensor is { } g && _program.HasRepeatedLabels(i)) DeviceSteps.Clear(_device, g);
            }

            int last = binding.StepCount - 1;
            for (int k = 0; k < last; k++)
            {
                if (binding.Needs(_n + k))
                {
                    _queue.Run(binding.ForwardCall(k), Value(binding, binding.LeftOf(k), -1), Value(binding, binding.RightOf(k), -1),
                        Intermediate(binding, k, gradient: false), accumulate: false);
                }
            }
            for (int k = last; k >= 0; k--)
            {
                var result = k == last ? Result() : Intermediate(binding, k, gradient: true);
                int left = binding.LeftOf(k), right = binding.RightOf(k);
                if (binding.Requires(left))
                {
                    _queue.Run(binding.GradientCall(k, true)!, result, Value(binding, right, -1), Gradient(binding, left),
                        accumulate && binding.IsOperand(left));
                }
                if (right >= 0 && binding.Requires(right))
                {
                    _queue.Run(binding.GradientCall(k, false)!, result, Value(binding, left, -1), Gradient(binding, right),
                        accumulate && binding.IsOperand(right));
                }
            }
            _queue.Flush();
            ReleaseIntermediates();
            binding.Return<T>();
        }

        // ---- forward mode ----

        public void RunJvp()
        {
            long extent = _scalarResult ? 0 : CheckWritten(_n);
            for (int i = 0; i < _n; i++)
            {
                var tangent = _slots[_n + 1 + i];
                var operand = _slots[i].Tensor;
                if (tangent.Tensor is { } t && operand is not null && !_program.IsScalarOperand(i) && !t.Lengths.SequenceEqual(operand.Lengths))
                {
                    EinsumChecks.SameShape(t.Lengths, operand.Lengths, Name(_n + 1 + i), Name(i));
                }
                if (_scalarResult) continue;
                CheckApart(_n, extent, i);
                CheckApart(_n, extent, _n + 1 + i);
            }
            bool written = false;
            for (int i = 0; i < _n; i++)
            {
                var tangent = _slots[_n + 1 + i];
                if (!tangent.IsPresent || (tangent.IsValue && T.IsZero(tangent.Value))) continue;
                RunForward(substitute: i, accumulate: written, check: false, flush: false);
                written = true;
            }
            _queue.Flush();
            if (written) return;
            if (_scalarResult) ScalarTarget(clear: true);
            else DeviceSteps.Clear(_device, _slots[_n].Tensor!);
        }

        // ---- ending a call ----

        /// <summary>Hands every rented buffer back (kernels that use them are already queued, in order).</summary>
        public void Finish()
        {
            _queue.Flush();
            foreach (var buffer in _rented) _device.Return(buffer);
            _rented.Clear();
        }

        /// <summary>Reads the scalar result back (waits for the device), then finishes.</summary>
        public T FinishScalar()
        {
            Span<T> value = stackalloc T[1];
            var target = ScalarTarget(clear: false);
            target.View.SubView(target.Offset, 1).CopyToCPU(_device.Stream, value);
            Finish();
            return value[0];
        }

        // ---- binding ----

        private void BindOperands(EinsumBinding binding, int substitute)
        {
            for (int i = 0; i < _n; i++)
            {
                int slot = i == substitute ? _n + 1 + i : i;
                var view = _slots[slot];
                if (!view.IsPresent)
                {
                    throw new ArgumentException($"Operand '{_program.OperandNames[i]}' is null; '{SpecQuote.Of(_program.Spec)}' needs a tensor there.", _program.OperandNames[i]);
                }
                if (_program.IsScalarOperand(i) || view.Tensor is null) binding.Operand(i, default, default);
                else binding.Operand(i, view.Tensor.Lengths, view.Tensor.Strides);
            }
        }

        private void BindResult(EinsumBinding binding)
        {
            if (_scalarResult || _slots[_n].Tensor is null) binding.Output(default, default);
            else binding.Output(_slots[_n].Tensor!.Lengths, _slots[_n].Tensor!.Strides);
        }

        // ---- memory ----

        private DeviceRef<T> Result() => _scalarResult ? ScalarTarget(clear: false) : Slot(_n);

        private DeviceRef<T> ScalarTarget(bool clear)
        {
            if (!_values.TryGetValue(-1, out var target))
            {
                var buffer = Rent(1);
                _values[-1] = target = new DeviceRef<T>(buffer.View, 0);
                clear = true;
            }
            if (clear)
            {
                _device.Kernels<T>().Fill(_device.Stream, 1, target.View, T.Zero);
                _device.CountLaunch();
            }
            return target;
        }

        /// <summary>A slot's memory: a tensor's, or a rented one-element buffer holding a rank-0 value.</summary>
        private DeviceRef<T> Slot(int slot)
        {
            var s = _slots[slot];
            if (s.Tensor is { } tensor) return new DeviceRef<T>(tensor.Storage.View, tensor.Offset);
            if (_values.TryGetValue(slot, out var known)) return known;
            var buffer = Rent(1);
            _device.Kernels<T>().Fill(_device.Stream, 1, buffer.View, s.Value);
            _device.CountLaunch();
            return _values[slot] = new DeviceRef<T>(buffer.View, 0);
        }

        /// <summary>Tensor <paramref name="id"/>: an operand (its tangent when substituted), an intermediate, or nothing for -1.</summary>
        private DeviceRef<T> Value(EinsumBinding binding, int id, int substitute)
        {
            if (id < 0) return default;
            if (id < _n) return Slot(id == substitute ? _n + 1 + id : id);
            return Intermediate(binding, id - _n, gradient: false);
        }

        private DeviceRef<T> Gradient(EinsumBinding binding, int id) => id < _n ? Slot(_n + 1 + id) : Intermediate(binding, id - _n, gradient: true);

        private DeviceRef<T> Intermediate(EinsumBinding binding, int step, bool gradient)
        {
            int index = 2 * step + (gradient ? 1 : 0);
            if (_intermediates.Length <= index)
            {
                Array.Resize(ref _intermediates, 2 * binding.StepCount);
                Array.Resize(ref _haveIntermediate, 2 * binding.StepCount);
            }
            if (!_haveIntermediate[index])
            {
                _intermediates[index] = new DeviceRef<T>(Rent(binding.IntermediateLength(step)).View, 0);
                _haveIntermediate[index] = true;
            }
            return _intermediates[index];
        }

        /// <summary>Intermediates belong to one binding (a forward-mode call binds once per tangent, maybe with other strides).</summary>
        private void ReleaseIntermediates()
        {
            Array.Clear(_haveIntermediate);
        }

        private MemoryBuffer1D<T, Stride1D.Dense> Rent(long length)
        {
            var buffer = _device.Rent<T>(Math.Max(length, 1));
            _rented.Add(buffer);
            return buffer;
        }

        // ---- checks (as ProgramRunner's, on device memory) ----

        /// <summary>A written tensor must not repeat an element (stride 0 along a dimension longer than 1); returns its extent.</summary>
        private long CheckWritten(int slot)
        {
            var tensor = _slots[slot].Tensor;
            if (tensor is null) return 0;
            for (int d = 0; d < tensor.Rank; d++)
            {
                if (tensor.Strides[d] != 0 || tensor.Lengths[d] <= 1) continue;
                string name = Name(slot);
                throw new ArgumentException(
                    $"'{name}' is written, but its dimension {d} (length {tensor.Lengths[d]}) has stride 0, so its elements alias each other; pass a tensor " +
                    "whose elements are distinct.", name);
            }
            return tensor.Extent;
        }

        /// <summary>Throws when the written tensor shares memory with the read one.</summary>
        private void CheckApart(int written, long extent, int read)
        {
            var w = _slots[written].Tensor;
            var r = _slots[read].Tensor;
            if (w is null || r is null || !ReferenceEquals(w.Storage, r.Storage) || extent == 0) return;
            long readExtent = r.Extent;
            long start = r.Offset - w.Offset;
            if (readExtent > 0 && start < extent && -start < readExtent) throw Overlap.Error(Name(written), Name(read));
        }
    }
}
