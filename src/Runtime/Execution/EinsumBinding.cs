using System;
using System.ComponentModel;
using System.Globalization;
using System.Linq;
using System.Numerics;
using System.Runtime.CompilerServices;
using EinsumGen.Notation;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// Binds one call's operands to a program: checks ranks and sizes with NumPy's rules (size-1 dimensions and ellipsis
    /// parts broadcast, a repeated index needs equal sizes), checks the output and declared sizes, and gives every tensor
    /// (operand, intermediate, output) a stride per label. All checks run before any element is read or written.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed class EinsumBinding
    {
        // Dimension keys: a label's char code (< 128), or 128 + j for the j-th broadcast ellipsis dimension.
        private const int EllipsisKey = 128;

        private readonly EinsumProgram _program;
        private readonly nint[]?[] _lengths;
        private readonly nint[]?[] _strides;
        private nint[]? _outLengths;
        private nint[]? _outStrides;
        private readonly long[] _size = new long[EllipsisKey];
        private long[] _ellipsis = Array.Empty<long>();
        private long[][] _tensorStrides = Array.Empty<long[]>();
        private long[] _intermediateLengths = Array.Empty<long>();
        private readonly bool[] _ones;
        private bool[] _reduced = Array.Empty<bool>();
        private bool _complete;

        /// <summary>Starts binding a call to <paramref name="program"/>.</summary>
        public EinsumBinding(EinsumProgram program)
        {
            _program = program;
            _lengths = new nint[program.OperandCount][];
            _strides = new nint[program.OperandCount][];
            _ones = new bool[program.OperandCount];
        }

        /// <summary>Records operand <paramref name="index"/>'s shape.</summary>
        public void Operand(int index, scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> strides)
        {
            _lengths[index] = lengths.ToArray();
            _strides[index] = strides.ToArray();
        }

        /// <summary>Records operand <paramref name="index"/> as a scalar (rank 0).</summary>
        public void ScalarOperand(int index)
        {
            _lengths[index] = Array.Empty<nint>();
            _strides[index] = Array.Empty<nint>();
        }

        /// <summary>
        /// Records operand <paramref name="index"/> of a gradient program as all ones along its single label, sized by the
        /// output: it restores a dimension that the forward pass summed away, so that the gradient broadcasts along it.
        /// </summary>
        public void OnesOperand(int index)
        {
            _ones[index] = true;
            _lengths[index] = Array.Empty<nint>();
            _strides[index] = Array.Empty<nint>();
        }

        /// <summary>Records the output's shape.</summary>
        public void Output(scoped ReadOnlySpan<nint> lengths, scoped ReadOnlySpan<nint> strides)
        {
            _outLengths = lengths.ToArray();
            _outStrides = strides.ToArray();
        }

        /// <summary>Records a scalar output (the method returns it).</summary>
        public void ScalarOutput()
        {
            _outLengths = Array.Empty<nint>();
            _outStrides = Array.Empty<nint>();
        }

        /// <summary>Resolves every size and stride, throwing <see cref="ArgumentException"/> on any mismatch.</summary>
        public void Complete()
        {
            var e = _program.Expression;
            var shapes = new long[]?[e.Inputs.Count];
            for (int i = 0; i < shapes.Length; i++)
            {
                var lengths = _lengths[i] ?? throw new InvalidOperationException($"Operand {i} was not bound.");
                shapes[i] = _ones[i] ? null : Array.ConvertAll(lengths, d => (long)d);
            }
            var sizes = ShapeResolver.Resolve(e, shapes, _program.OperandNames, out _, out _ellipsis);
            Array.Fill(_size, -1);
            foreach (var kv in sizes) _size[kv.Key] = kv.Value;
            CheckOutput();
            CheckDeclaredSizes();
            LayOutTensors();
            _complete = true;
        }

        /// <summary>True when the output has broadcast dimensions (gradient programs only) that each result sums over.</summary>
        public bool OutputReduces => Array.IndexOf(_reduced, true) >= 0;

        /// <summary>The size of <paramref name="label"/> in this call.</summary>
        public nint Size(char label) => (nint)_size[label];

        /// <summary>The stride (in elements) of <paramref name="label"/> in tensor <paramref name="tensor"/>; 0 where it is absent or broadcast.</summary>
        public nint Stride(int tensor, char label) => (nint)_tensorStrides[tensor][label];

        /// <summary>Elements of the intermediate produced by step <paramref name="step"/>.</summary>
        public int IntermediateLength(int step) => checked((int)_intermediateLengths[step]);

        /// <summary>Throws when the output's memory overlaps operand <paramref name="index"/>'s.</summary>
        public void CheckOverlap<T>(ref readonly T output, ref readonly T operand, int index)
        {
            long outExtent = Extent(_outLengths!, _outStrides!), inExtent = Extent(_lengths[index]!, _strides[index]!);
            if (outExtent == 0 || inExtent == 0) return;
            long start = (long)Unsafe.ByteOffset(in output, in operand) / Unsafe.SizeOf<T>();
            bool overlaps = start < outExtent && -start < inExtent;
            if (overlaps)
            {
                throw new ArgumentException(
                    $"The output '{_program.OutputName}' overlaps operand '{_program.OperandNames[index]}' in memory; einsum writes a fresh result and needs a separate buffer.",
                    _program.OutputName);
            }
        }

        /// <summary>Runs step <paramref name="step"/> with the generic strided kernel (used where no specialized loop nest is emitted).</summary>
        public void ExecuteStep<T>(int step, ref T left, ref T right, ref T result) where T : unmanaged, INumberBase<T> =>
            ExecuteStep(step, ref left, ref right, ref result, accumulate: false);

        /// <summary>As <see cref="ExecuteStep{T}(int, ref T, ref T, ref T)"/>; with <paramref name="accumulate"/> the last step adds into the output.</summary>
        public void ExecuteStep<T>(int step, ref T left, ref T right, ref T result, bool accumulate) where T : unmanaged, INumberBase<T>
        {
            if (!_complete) throw new InvalidOperationException("Complete() must run before a step.");
            var s = _program.Steps[step];
            int resultId = _program.OperandCount + step;
            bool last = resultId == _program.OutputId;
            var outKeys = Keys(s.ResultLabels);
            if (last) outKeys.RemoveAll(key => _reduced[key]); // broadcast output dimensions are summed into each element
            var all = new System.Collections.Generic.List<int>(outKeys);
            foreach (int id in s.Right < 0 ? new[] { s.Left } : new[] { s.Left, s.Right })
            {
                foreach (int key in Keys(LabelsOf(id)))
                {
                    if (!all.Contains(key)) all.Add(key);
                }
            }
            int n = all.Count;
            var sizes = new nint[n];
            var sl = new nint[n];
            var sr = new nint[n];
            var so = new nint[n];
            for (int d = 0; d < n; d++)
            {
                int key = all[d];
                sizes[d] = (nint)(key < EllipsisKey ? _size[key] : _ellipsis[key - EllipsisKey]);
                sl[d] = (nint)_tensorStrides[s.Left][key];
                sr[d] = s.Right < 0 ? 0 : (nint)_tensorStrides[s.Right][key];
                so[d] = d < outKeys.Count ? (nint)_tensorStrides[resultId][key] : 0;
            }
            StridedKernel.Contract(outKeys.Count, sizes, ref left, sl, ref right, sr, s.Right >= 0, ref result, so, last && accumulate);
        }

        private string LabelsOf(int tensor)
        {
            int n = _program.OperandCount;
            if (tensor >= n) return _program.Steps[tensor - n].ResultLabels;
            var term = _program.Expression.Inputs[tensor];
            return term.HasEllipsis ? EinsumProgram.EllipsisLabel + term.DistinctLabels() : term.DistinctLabels();
        }

        private System.Collections.Generic.List<int> Keys(string labels)
        {
            var keys = new System.Collections.Generic.List<int>();
            foreach (char c in labels)
            {
                if (c == EinsumProgram.EllipsisLabel)
                {
                    for (int j = 0; j < _ellipsis.Length; j++) keys.Add(EllipsisKey + j);
                }
                else
                {
                    keys.Add(c);
                }
            }
            return keys;
        }

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
            bool gradient = _program.IsGradient;
            int rank = _outLengths?.Length ?? throw new InvalidOperationException("The output was not bound.");
            _reduced = new bool[EllipsisKey + _ellipsis.Length];
            if (!term.HasEllipsis && _ellipsis.Length > 0 && !gradient)
            {
                throw new ArgumentException(
                    $"The operands' '...' covers {_ellipsis.Length} dimension(s), but the output term '{term}' of '{_program.Spec}' has no '...' to receive them.",
                    name);
            }
            int outEllipsis = rank - term.Labels.Count;
            bool rankOk = term.HasEllipsis ? (gradient ? outEllipsis >= 0 && outEllipsis <= _ellipsis.Length : outEllipsis == _ellipsis.Length) : outEllipsis == 0;
            if (!rankOk)
            {
                int expected = term.Labels.Count + (term.HasEllipsis ? _ellipsis.Length : 0);
                throw new ArgumentException($"Output '{name}' has rank {rank}, but '{_program.Spec}' produces rank {expected}.", name);
            }
            var firstInOutput = new long[EllipsisKey];
            Array.Fill(firstInOutput, -1);
            for (int k = 0; k < term.Labels.Count; k++)
            {
                char c = term.Labels[k];
                long len = _outLengths[OutputDim(term, k, outEllipsis)];
                if (firstInOutput[c] >= 0 && firstInOutput[c] != len)
                {
                    throw new ArgumentException($"Output '{name}': index '{c}' is repeated with sizes {firstInOutput[c]} and {len}; a diagonal needs equal sizes.", name);
                }
                firstInOutput[c] = len;
                // A label only the output has (restored by a ones operand), or one every operand broadcast from size 1.
                if (_size[c] == -1 || (gradient && _size[c] == 1)) _size[c] = len;
                if (len == _size[c]) continue;
                if (gradient && len == 1)
                {
                    _reduced[c] = true;
                    continue;
                }
                throw new ArgumentException($"Output '{name}': index '{c}' has size {len}, but the operands give it size {_size[c]}.", name);
            }
            for (int d = 0; d < _ellipsis.Length; d++)
            {
                int j = d - (_ellipsis.Length - outEllipsis);
                if (j < 0)
                {
                    _reduced[EllipsisKey + d] = _ellipsis[d] != 1;
                    continue;
                }
                long len = _outLengths[term.EllipsisIndex + j];
                if (gradient && _ellipsis[d] == 1) _ellipsis[d] = len; // every operand broadcast this dimension from size 1
                if (len == _ellipsis[d]) continue;
                if (gradient && len == 1)
                {
                    _reduced[EllipsisKey + d] = true;
                    continue;
                }
                throw new ArgumentException($"Output '{name}': dimension {term.EllipsisIndex + j} under '...' has size {len}, but the operands broadcast it to {_ellipsis[d]}.", name);
            }
        }

        private void LayOutTensors()
        {
            var e = _program.Expression;
            int n = e.Inputs.Count, keys = EllipsisKey + _ellipsis.Length;
            _tensorStrides = new long[n + _program.Steps.Count][];
            for (int i = 0; i < n; i++)
            {
                var term = e.Inputs[i];
                var strides = _tensorStrides[i] = new long[keys];
                if (_ones[i]) continue; // every stride 0: one element read everywhere
                for (int k = 0; k < term.Labels.Count; k++)
                {
                    int dim = Dim(term, i, k);
                    if (_lengths[i]![dim] != 1) strides[term.Labels[k]] += _strides[i]![dim];
                }
                int count = term.HasEllipsis ? _lengths[i]!.Length - term.Labels.Count : 0;
                for (int j = 0; j < count; j++)
                {
                    int dim = term.EllipsisIndex + j;
                    if (_lengths[i]![dim] != 1) strides[EllipsisKey + _ellipsis.Length - count + j] = _strides[i]![dim];
                }
            }
            _intermediateLengths = new long[_program.Steps.Count];
            for (int k = 0; k < _program.Steps.Count; k++)
            {
                var strides = _tensorStrides[n + k] = new long[keys];
                if (n + k == _program.OutputId)
                {
                    LayOutOutput(strides);
                    continue;
                }
                var dims = Keys(_program.Steps[k].ResultLabels);
                long stride = 1;
                for (int d = dims.Count - 1; d >= 0; d--)
                {
                    strides[dims[d]] = stride;
                    stride *= dims[d] < EllipsisKey ? _size[dims[d]] : _ellipsis[dims[d] - EllipsisKey];
                }
                _intermediateLengths[k] = stride;
            }
        }

        private void LayOutOutput(long[] strides)
        {
            var term = _program.Expression.Output;
            int outEllipsis = _outLengths!.Length - term.Labels.Count;
            for (int k = 0; k < term.Labels.Count; k++)
            {
                char c = term.Labels[k];
                if (!_reduced[c]) strides[c] += _outStrides![OutputDim(term, k, outEllipsis)]; // a repeated label adds up: the diagonal
            }
            for (int j = 0; term.HasEllipsis && j < outEllipsis; j++)
            {
                int key = EllipsisKey + _ellipsis.Length - outEllipsis + j;
                if (!_reduced[key]) strides[key] = _outStrides![term.EllipsisIndex + j];
            }
        }

        /// <summary>The dimension of operand <paramref name="i"/> that holds label number <paramref name="k"/> of its term.</summary>
        private int Dim(EinsumTerm term, int i, int k) =>
            term.HasEllipsis && k >= term.EllipsisIndex ? k + (_lengths[i]!.Length - term.Labels.Count) : k;

        private static int OutputDim(EinsumTerm term, int k, int outEllipsis) =>
            term.HasEllipsis && k >= term.EllipsisIndex ? k + outEllipsis : k;

        private static long Extent(nint[] lengths, nint[] strides)
        {
            long extent = 1;
            for (int d = 0; d < lengths.Length; d++)
            {
                if (lengths[d] == 0) return 0;
                extent += (long)(lengths[d] - 1) * strides[d];
            }
            return extent;
        }

        private string Name(int i) => _program.OperandNames[i];
    }
}
