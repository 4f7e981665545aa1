using System;
using System.Runtime.InteropServices;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// Binds one call's operands to a program: checks ranks and sizes with NumPy's rules (size-1 dimensions and ellipsis
    /// parts broadcast, a repeated index needs equal sizes), checks the output, declared sizes and gradient buffers, and
    /// gives every tensor (operand, intermediate, output, operand gradient) a stride per label. All checks run before any
    /// element is read or written. One binding serves one call at a time and is not thread-safe; generated code takes one
    /// from a per-thread cache with <see cref="Rent"/> and gives it back with <see cref="Return{T}"/>, so that a call in
    /// steady state allocates nothing.
    /// </summary>
    internal sealed partial class EinsumBinding
    {
        private EinsumProgram _program;
        private ShapeSlot[] _operands = Array.Empty<ShapeSlot>();
        private ShapeSlot[] _gradients = Array.Empty<ShapeSlot>();
        private readonly ShapeSlot _output = new ShapeSlot();
        private nint[] _key = Array.Empty<nint>();
        private BindingLayout? _layout;
        private object?[] _rented = Array.Empty<object?>();

        /// <summary>Starts binding a call to <paramref name="program"/>.</summary>
        public EinsumBinding(EinsumProgram program)
        {
            _program = program;
            Reset(program);
        }

        /// <summary>Records operand <paramref name="index"/>'s shape.</summary>
        public void Operand(int index, scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> strides)
        {
            _operands[index].Set(lengths, strides);
            _layout = null;
        }

        /// <summary>Records the output's shape (or, for a backward pass, the output gradient's).</summary>
        public void Output(scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> strides)
        {
            _output.Set(lengths, strides);
            _layout = null;
        }

        /// <summary>
        /// Requests the gradient of operand <paramref name="index"/> into a buffer of the operand's shape (for a rank-0
        /// operand: pass empty spans and a one-element buffer). Dimensions the operand broadcast along are summed into it; a
        /// repeated label writes its diagonal.
        /// </summary>
        public void Gradient(int index, scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> strides)
        {
            _gradients[index].Set(lengths, strides);
            _layout = null;
        }

        /// <summary>
        /// Resolves every size and stride, throwing <see cref="ArgumentException"/> on any mismatch. The result depends on
        /// the shapes and strides alone, so the program keeps it for recent shapes: a call that matches one reuses it.
        /// </summary>
        public void Complete()
        {
            int length = WriteKey();
            int hash = 0;
            if (length >= 0)
            {
                var key = _key.AsSpan(0, length);
                var hasher = new HashCode();
                hasher.AddBytes(MemoryMarshal.AsBytes(key));
                hash = hasher.ToHashCode();
                _layout = _program.FindLayout(key, hash);
                if (_layout is not null) return;
            }
            var layout = new BindingLayout(_program, _operands, _output, _gradients); // every check; throws on a mismatch
            if (length >= 0)
            {
                layout.Key = _key.AsSpan(0, length).ToArray();
                layout.Hash = hash;
                _program.AddLayout(layout);
            }
            _layout = layout;
        }

        /// <summary>The shapes of this call as one key (see <see cref="ShapeSlot.WriteKey"/>); -1 when an operand or the output is unbound.</summary>
        private int WriteKey()
        {
            int n = _program.OperandCount, at = 0;
            if (!_output.IsBound) return -1;
            for (int i = 0; i < n; i++)
            {
                if (!_operands[i].IsBound) return -1;
                at = _operands[i].WriteKey(ref _key, at);
            }
            at = _output.WriteKey(ref _key, at);
            for (int i = 0; i < n; i++) at = _gradients[i].WriteKey(ref _key, at);
            return at;
        }

        private BindingLayout Layout => _layout ?? throw new InvalidOperationException("Complete() must run before a step.");

        /// <summary>True when this call runs the order planned at build time (always, when every size is declared).</summary>
        public bool UsesBuildTimePlan => ReferenceEquals(Layout.Steps, _program.Steps);

        /// <summary>The label this call's large steps are sliced along over the cores ('\0' for none; tests and diagnostics).</summary>
        internal char SliceLabel => Layout.SliceKey is int key and > 0 and < BindingLayout.EllipsisKey ? (char)key : '\0';

        /// <summary>Whether step <paramref name="step"/> runs sliced (forward), or its gradient into the left or right input does.</summary>
        internal bool IsSliced(int step, bool? gradientLeft = null) =>
            (gradientLeft is bool left ? Layout.Gradient(step, left) : Layout.Forward(step)) is { SliceDim: >= 0 };

        /// <summary>The program this binding serves.</summary>
        public EinsumProgram Program => _program;

        /// <summary>How many pairwise (or unary) steps this call runs.</summary>
        public int StepCount => Layout.Steps.Count;

        /// <summary>The tensor id step <paramref name="step"/> reads first (operands 0..n-1, step k's result n+k).</summary>
        public int LeftOf(int step) => Layout.Steps[step].Left;

        /// <summary>The tensor id step <paramref name="step"/> reads second, or -1 for a unary step.</summary>
        public int RightOf(int step) => Layout.Steps[step].Right;

        /// <summary>The size of <paramref name="label"/> in this call.</summary>
        public nint Size(char label) => (nint)Layout.Size(label);

        /// <summary>Elements of the intermediate produced by step <paramref name="step"/>.</summary>
        public int IntermediateLength(int step) => checked((int)Layout.IntermediateLength(step));

        /// <summary>
        /// The first element of step <paramref name="step"/>'s result buffer (or, with <paramref name="gradient"/>, of its
        /// gradient's), laid out as <see cref="IntermediateLength"/> says. It is rented on first use from this thread's
        /// <see cref="AlignedPool{T}"/>, so it starts on a 64-byte line (the vector kernels' loads and stores then never
        /// straddle two lines); it may be longer. Fresh memory is slow to touch, so buffers are reused across calls:
        /// <see cref="Release{T}"/> hands them back.
        /// </summary>
        public ref T Intermediate<T>(int step, bool gradient = false) => ref IntermediateBuffer<T>(step, gradient).Start;

        /// <summary>The pooled buffer behind <see cref="Intermediate{T}"/> (tests inspect its start and length).</summary>
        internal AlignedBuffer<T> IntermediateBuffer<T>(int step, bool gradient = false)
        {
            int slot = 2 * step + (gradient ? 1 : 0);
            if (_rented.Length <= slot) Array.Resize(ref _rented, Math.Max(2 * StepCount, slot + 1));
            return (AlignedBuffer<T>)(_rented[slot] ??= AlignedPool<T>.Rent(IntermediateLength(step)));
        }

        /// <summary>Returns every buffer rented by <see cref="Intermediate{T}"/> to the pool; call once, when the call is done.</summary>
        public void Release<T>()
        {
            for (int i = 0; i < _rented.Length; i++)
            {
                if (_rented[i] is AlignedBuffer<T> buffer) AlignedPool<T>.Return(buffer);
                _rented[i] = null;
            }
        }

        /// <summary>Whether a backward pass needs the gradient of tensor <paramref name="tensor"/>: a requested operand, or an intermediate above one.</summary>
        public bool Requires(int tensor)
        {
            int n = _program.OperandCount;
            if (tensor < n) return _gradients[tensor].IsBound;
            var step = Layout.Steps[tensor - n];
            return Requires(step.Left) || (step.Right >= 0 && Requires(step.Right));
        }

        /// <summary>
        /// Whether a backward pass reads the value of intermediate <paramref name="tensor"/>: the step that consumes it needs
        /// it for its other operand's gradient, or the consuming step's own result is needed in turn. When only weights'
        /// gradients are requested, the intermediate that multiplies the data (the tensor train's W = t1·t2) is not, and its
        /// recomputation is skipped.
        /// </summary>
        public bool Needs(int tensor)
        {
            int n = _program.OperandCount;
            var steps = Layout.Steps;
            int last = steps.Count - 1;
            for (int s = 0; s <= last; s++)
            {
                var step = steps[s];
                if (step.Left == tensor) return (step.Right >= 0 && Requires(step.Right)) || (s < last && Needs(n + s));
                if (step.Right == tensor) return Requires(step.Left) || (s < last && Needs(n + s));
            }
            return false;
        }

    }
}
