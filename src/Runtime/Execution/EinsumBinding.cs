using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Linq;
using EinsumGen.Notation;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// Binds one call's operands to a program: checks ranks and sizes with NumPy's rules (size-1 dimensions and ellipsis
    /// parts broadcast, a repeated index needs equal sizes), checks the output, declared sizes and gradient buffers, and
    /// gives every tensor (operand, intermediate, output, operand gradient) a stride per label. All checks run before any
    /// element is read or written. One binding serves one call; it is not thread-safe.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed partial class EinsumBinding
    {
        // Dimension keys: a label's char code (< 128), or 128 + j for the j-th broadcast ellipsis dimension.
        private const int EllipsisKey = 128;

        private readonly EinsumProgram _program;
        private readonly nint[]?[] _lengths;
        private readonly nint[]?[] _strides;
        private readonly nint[]?[] _gradientLengths;
        private readonly nint[]?[] _gradientStrides;
        private nint[]? _outLengths;
        private nint[]? _outStrides;
        private readonly long[] _size = new long[EllipsisKey];
        private long[] _ellipsis = Array.Empty<long>();
        private long[][] _tensorStrides = Array.Empty<long[]>();
        private long[]?[] _leafGradientStrides = Array.Empty<long[]?>();
        private bool[]?[] _leafGradientReduced = Array.Empty<bool[]?>();
        private long[] _intermediateLengths = Array.Empty<long>();
        private IReadOnlyList<ProgramStep> _steps;
        private object?[]? _rented;
        private bool _complete;

        /// <summary>Starts binding a call to <paramref name="program"/>.</summary>
        public EinsumBinding(EinsumProgram program)
        {
            _program = program;
            _steps = program.Steps;
            _lengths = new nint[program.OperandCount][];
            _strides = new nint[program.OperandCount][];
            _gradientLengths = new nint[program.OperandCount][];
            _gradientStrides = new nint[program.OperandCount][];
        }

        /// <summary>Records operand <paramref name="index"/>'s shape.</summary>
        public void Operand(int index, scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> strides)
        {
            _lengths[index] = lengths.ToArray();
            _strides[index] = strides.ToArray();
        }

        /// <summary>Records operand <paramref name="index"/> as a scalar (rank 0).</summary>
        public void ScalarOperand(int index) => Operand(index, default, default);

        /// <summary>Records the output's shape (or, for a backward pass, the output gradient's).</summary>
        public void Output(scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> strides)
        {
            _outLengths = lengths.ToArray();
            _outStrides = strides.ToArray();
        }

        /// <summary>Records a scalar output (the method returns it).</summary>
        public void ScalarOutput() => Output(default, default);

        /// <summary>
        /// Requests the gradient of operand <paramref name="index"/> into a buffer of the operand's shape (for a rank-0
        /// operand: pass empty spans and a one-element buffer). Dimensions the operand broadcast along are summed into it; a
        /// repeated label writes its diagonal.
        /// </summary>
        public void Gradient(int index, scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> strides)
        {
            _gradientLengths[index] = lengths.ToArray();
            _gradientStrides[index] = strides.ToArray();
        }

        /// <summary>Resolves every size and stride, throwing <see cref="ArgumentException"/> on any mismatch.</summary>
        public void Complete()
        {
            var e = _program.Expression;
            var shapes = new long[]?[e.Inputs.Count];
            for (int i = 0; i < shapes.Length; i++)
            {
                var lengths = _lengths[i] ?? throw new InvalidOperationException($"Operand {i} was not bound.");
                shapes[i] = Array.ConvertAll(lengths, d => (long)d);
            }
            var sizes = ShapeResolver.Resolve(e, shapes, _program.OperandNames, out _, out _ellipsis);
            Array.Fill(_size, -1);
            foreach (var kv in sizes) _size[kv.Key] = kv.Value;
            CheckOutput();
            CheckDeclaredSizes();
            if (!_program.IsFullyDeclared)
            {
                var planSizes = new Dictionary<char, long>(sizes) { [EinsumProgram.EllipsisLabel] = _ellipsis.Aggregate(1L, (a, b) => a * b) };
                _steps = _program.StepsFor(planSizes);
            }
            LayOutTensors();
            LayOutGradients();
            _complete = true;
        }

        /// <summary>True when this call runs the order planned at build time (always, when every size is declared).</summary>
        public bool UsesBuildTimePlan => ReferenceEquals(_steps, _program.Steps);

        /// <summary>How many pairwise (or unary) steps this call runs.</summary>
        public int StepCount => _steps.Count;

        /// <summary>The tensor id step <paramref name="step"/> reads first (operands 0..n-1, step k's result n+k).</summary>
        public int LeftOf(int step) => _steps[step].Left;

        /// <summary>The tensor id step <paramref name="step"/> reads second, or -1 for a unary step.</summary>
        public int RightOf(int step) => _steps[step].Right;

        /// <summary>The size of <paramref name="label"/> in this call.</summary>
        public nint Size(char label) => (nint)_size[label];

        /// <summary>The stride (in elements) of <paramref name="label"/> in tensor <paramref name="tensor"/>; 0 where it is absent or broadcast.</summary>
        public nint Stride(int tensor, char label) => (nint)_tensorStrides[tensor][label];

        /// <summary>Elements of the intermediate produced by step <paramref name="step"/>.</summary>
        public int IntermediateLength(int step) => checked((int)_intermediateLengths[step]);

        /// <summary>
        /// The buffer of step <paramref name="step"/>'s result (or, with <paramref name="gradient"/>, of its gradient), rented
        /// from the shared array pool on first use and laid out as <see cref="IntermediateLength"/> says; it may be longer.
        /// Fresh memory is slow to touch, so buffers are reused across calls: <see cref="Release{T}"/> hands them back.
        /// </summary>
        public T[] Intermediate<T>(int step, bool gradient = false)
        {
            _rented ??= new object?[2 * _steps.Count];
            int slot = 2 * step + (gradient ? 1 : 0);
            return (T[])(_rented[slot] ??= System.Buffers.ArrayPool<T>.Shared.Rent(IntermediateLength(step)));
        }

        /// <summary>Returns every buffer rented by <see cref="Intermediate{T}"/> to the pool; call once, when the call is done.</summary>
        public void Release<T>()
        {
            if (_rented is null) return;
            foreach (var buffer in _rented)
            {
                if (buffer is T[] array) System.Buffers.ArrayPool<T>.Shared.Return(array);
            }
            _rented = null;
        }

        /// <summary>Whether a backward pass needs the gradient of tensor <paramref name="tensor"/>: a requested operand, or an intermediate above one.</summary>
        public bool Requires(int tensor)
        {
            int n = _program.OperandCount;
            if (tensor < n) return _gradientLengths[tensor] is not null;
            var step = _steps[tensor - n];
            return Requires(step.Left) || (step.Right >= 0 && Requires(step.Right));
        }

        /// <summary>Throws when the output's memory overlaps operand <paramref name="index"/>'s.</summary>
        public void CheckOverlap<T>(ref readonly T output, ref readonly T operand, int index) =>
            Overlap.Check(in output, _outLengths!, _outStrides!, _program.OutputName, in operand, _lengths[index]!, _strides[index]!, Name(index));

        /// <summary>Throws when operand <paramref name="gradientOf"/>'s gradient buffer overlaps operand <paramref name="index"/>, or the output gradient when <paramref name="index"/> is -1.</summary>
        public void CheckGradientOverlap<T>(ref readonly T gradient, int gradientOf, ref readonly T operand, int index) =>
            Overlap.Check(in gradient, _gradientLengths[gradientOf]!, _gradientStrides[gradientOf]!, "gradient of " + Name(gradientOf),
                in operand, index < 0 ? _outLengths! : _lengths[index]!, index < 0 ? _outStrides! : _strides[index]!, index < 0 ? "output gradient" : Name(index));

        private void CheckDeclaredSizes()
        {
            foreach (char c in _program.Expression.AllLabels())
            {
                if (_program.TryGetDeclaredSize(c, out long declared) && _size[c] != declared)
                {
                    throw new ArgumentException(
                        $"Index '{c}' has size {_size[c]} in this call, but the method declares Sizes {c}={declared.ToString(CultureInfo.InvariantCulture)}.",
                        FirstOperandWith(c));
                }
            }
        }

        private string FirstOperandWith(char c)
        {
            for (int i = 0; i < _program.OperandCount; i++)
            {
                if (_program.Expression.Inputs[i].Labels.Contains(c)) return Name(i);
            }
            return _program.OutputName;
        }

        private void CheckOutput()
        {
            var term = _program.Expression.Output;
            string name = _program.OutputName;
            int rank = _outLengths?.Length ?? throw new InvalidOperationException("The output was not bound.");
            ShapeResolver.CheckOutputEllipsis(_program.Expression, _ellipsis.Length, name);
            int expected = term.Labels.Count + (term.HasEllipsis ? _ellipsis.Length : 0);
            if (rank != expected)
            {
                throw new ArgumentException($"Output '{name}' has rank {rank}, but '{_program.Spec}' produces rank {expected}.", name);
            }
            for (int k = 0; k < term.Labels.Count; k++)
            {
                char c = term.Labels[k];
                long len = _outLengths[OutputDim(term, k)];
                if (len != _size[c])
                {
                    throw new ArgumentException($"Output '{name}': index '{c}' has size {len}, but the operands give it size {_size[c]}.", name);
                }
            }
            for (int j = 0; term.HasEllipsis && j < _ellipsis.Length; j++)
            {
                long len = _outLengths[term.EllipsisIndex + j];
                if (len != _ellipsis[j])
                {
                    throw new ArgumentException($"Output '{name}': dimension {term.EllipsisIndex + j} under '...' has size {len}, but the operands broadcast it to {_ellipsis[j]}.", name);
                }
            }
        }

        private void LayOutTensors()
        {
            var e = _program.Expression;
            int n = e.Inputs.Count, keys = EllipsisKey + _ellipsis.Length;
            _tensorStrides = new long[n + _steps.Count][];
            for (int i = 0; i < n; i++)
            {
                _tensorStrides[i] = new long[keys];
                OperandStrides(i, _lengths[i]!, _strides[i]!, _tensorStrides[i], reduced: null);
            }
            _intermediateLengths = new long[_steps.Count];
            for (int k = 0; k < _steps.Count; k++)
            {
                var strides = _tensorStrides[n + k] = new long[keys];
                if (n + k == _program.OutputId)
                {
                    LayOutOutput(strides);
                    continue;
                }
                var dims = Keys(_steps[k].ResultLabels);
                long stride = 1;
                for (int d = dims.Count - 1; d >= 0; d--)
                {
                    strides[dims[d]] = stride;
                    stride *= SizeOf(dims[d]);
                }
                _intermediateLengths[k] = stride;
            }
        }

        /// <summary>
        /// Strides of an operand-shaped tensor by key: a repeated label adds up its dimensions' strides (the diagonal); a
        /// size-1 dimension broadcast against a larger size gets stride 0 — and, for a gradient buffer, is marked
        /// <paramref name="reduced"/> so that the gradient sums over it.
        /// </summary>
        private void OperandStrides(int i, nint[] lengths, nint[] strides, long[] result, bool[]? reduced)
        {
            var term = _program.Expression.Inputs[i];
            int count = term.HasEllipsis ? lengths.Length - term.Labels.Count : 0;
            for (int k = 0; k < term.Labels.Count; k++)
            {
                char c = term.Labels[k];
                int dim = term.HasEllipsis && k >= term.EllipsisIndex ? k + count : k;
                if (lengths[dim] != 1 || _size[c] == 1) result[c] += strides[dim];
                else if (reduced is not null) reduced[c] = true;
            }
            for (int d = 0; d < _ellipsis.Length; d++)
            {
                int j = d - (_ellipsis.Length - count); // this operand's own ellipsis dimension, if it has one here
                int key = EllipsisKey + d;
                if (j >= 0 && (lengths[term.EllipsisIndex + j] != 1 || _ellipsis[d] == 1)) result[key] = strides[term.EllipsisIndex + j];
                else if (reduced is not null && _ellipsis[d] != 1) reduced[key] = true;
            }
        }

        private void LayOutGradients()
        {
            int n = _program.OperandCount;
            _leafGradientStrides = new long[n][];
            _leafGradientReduced = new bool[n][];
            for (int i = 0; i < n; i++)
            {
                var lengths = _gradientLengths[i];
                if (lengths is null) continue;
                if (!lengths.AsSpan().SequenceEqual(_lengths[i]))
                {
                    throw new ArgumentException(
                        $"The gradient buffer of '{Name(i)}' has shape [{string.Join(", ", lengths)}], but the operand has shape [{string.Join(", ", _lengths[i]!)}]; they must match.",
                        Name(i));
                }
                _leafGradientStrides[i] = new long[EllipsisKey + _ellipsis.Length];
                _leafGradientReduced[i] = new bool[EllipsisKey + _ellipsis.Length];
                OperandStrides(i, lengths, _gradientStrides[i]!, _leafGradientStrides[i]!, _leafGradientReduced[i]);
            }
        }

        private void LayOutOutput(long[] strides)
        {
            var term = _program.Expression.Output;
            for (int k = 0; k < term.Labels.Count; k++) strides[term.Labels[k]] = _outStrides![OutputDim(term, k)];
            for (int j = 0; term.HasEllipsis && j < _ellipsis.Length; j++) strides[EllipsisKey + j] = _outStrides![term.EllipsisIndex + j];
        }

        private int OutputDim(EinsumTerm term, int k) => term.HasEllipsis && k >= term.EllipsisIndex ? k + _ellipsis.Length : k;

        private long SizeOf(int key) => key < EllipsisKey ? _size[key] : _ellipsis[key - EllipsisKey];

        private string LabelsOf(int tensor)
        {
            int n = _program.OperandCount;
            if (tensor >= n) return _steps[tensor - n].ResultLabels;
            var term = _program.Expression.Inputs[tensor];
            return term.HasEllipsis ? EinsumProgram.EllipsisLabel + term.DistinctLabels() : term.DistinctLabels();
        }

        /// <summary>Dimension keys of a label string, the ellipsis expanded into this call's broadcast dimensions.</summary>
        private List<int> Keys(string labels)
        {
            var keys = new List<int>();
            foreach (char c in labels)
            {
                if (c != EinsumProgram.EllipsisLabel)
                {
                    keys.Add(c);
                    continue;
                }
                for (int j = 0; j < _ellipsis.Length; j++) keys.Add(EllipsisKey + j);
            }
            return keys;
        }

        private string Name(int i) => _program.OperandNames[i];
    }
}
