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
        private bool _complete;

        /// <summary>Starts binding a call to <paramref name="program"/>.</summary>
        public EinsumBinding(EinsumProgram program)
        {
            _program = program;
            _lengths = new nint[program.OperandCount][];
            _strides = new nint[program.OperandCount][];
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
            Array.Fill(_size, -1);
            for (int i = 0; i < e.Inputs.Count; i++) CheckRank(i);
            BroadcastEllipsis();
            for (int i = 0; i < e.Inputs.Count; i++) BindLabels(i);
            CheckDeclaredSizes();
            CheckOutput();
            LayOutTensors();
            _complete = true;
        }

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
        public void ExecuteStep<T>(int step, ref T left, ref T right, ref T result) where T : unmanaged, INumberBase<T>
        {
            if (!_complete) throw new InvalidOperationException("Complete() must run before a step.");
            var s = _program.Steps[step];
            int resultId = _program.OperandCount + step;
            var outKeys = Keys(s.ResultLabels);
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
            StridedKernel.Contract(outKeys.Count, sizes, ref left, sl, ref right, sr, s.Right >= 0, ref result, so);
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

        private void CheckRank(int i)
        {
            var term = _program.Expression.Inputs[i];
            int rank = _lengths[i]?.Length ?? throw new InvalidOperationException($"Operand {i} was not bound.");
            int labels = term.Labels.Count;
            if (term.HasEllipsis ? rank < labels : rank != labels)
            {
                throw new ArgumentException(
                    $"Operand '{Name(i)}' has rank {rank}, but its term '{term}' in '{_program.Spec}' needs rank {(term.HasEllipsis ? "at least " : "")}{labels}.",
                    Name(i));
            }
        }

        private void BroadcastEllipsis()
        {
            var e = _program.Expression;
            int rank = 0;
            for (int i = 0; i < e.Inputs.Count; i++)
            {
                if (e.Inputs[i].HasEllipsis) rank = Math.Max(rank, _lengths[i]!.Length - e.Inputs[i].Labels.Count);
            }
            _ellipsis = new long[rank];
            Array.Fill(_ellipsis, 1L);
            var from = new int[rank];
            Array.Fill(from, -1);
            for (int i = 0; i < e.Inputs.Count; i++)
            {
                var term = e.Inputs[i];
                if (!term.HasEllipsis) continue;
                int count = _lengths[i]!.Length - term.Labels.Count;
                for (int j = 0; j < count; j++)
                {
                    long len = _lengths[i]![term.EllipsisIndex + j];
                    int d = rank - count + j;
                    if (len == 1) continue;
                    if (_ellipsis[d] != 1 && _ellipsis[d] != len)
                    {
                        throw new ArgumentException(
                            $"Operand '{Name(i)}': dimension {term.EllipsisIndex + j} under '...' has size {len}, but operand '{Name(from[d])}' gives the same broadcast dimension size {_ellipsis[d]}; they do not broadcast.",
                            Name(i));
                    }
                    _ellipsis[d] = len;
                    from[d] = i;
                }
            }
        }

        private void BindLabels(int i)
        {
            var term = _program.Expression.Inputs[i];
            var firstInOperand = new long[EllipsisKey];
            Array.Fill(firstInOperand, -1);
            for (int k = 0; k < term.Labels.Count; k++)
            {
                char c = term.Labels[k];
                long len = _lengths[i]![Dim(term, i, k)];
                if (firstInOperand[c] >= 0 && firstInOperand[c] != len)
                {
                    throw new ArgumentException(
                        $"Operand '{Name(i)}': index '{c}' is repeated with sizes {firstInOperand[c]} and {len}; a repeated index takes the diagonal and needs equal sizes.",
                        Name(i));
                }
                firstInOperand[c] = len;
                long current = _size[c];
                if (current == -1 || current == 1)
                {
                    _size[c] = len;
                }
                else if (len != current && len != 1)
                {
                    throw new ArgumentException(
                        $"Operand '{Name(i)}': index '{c}' has size {len}, but {SourceOf(c, i)} gives it size {current} (in '{_program.Spec}').",
                        Name(i));
                }
            }
        }

        private string SourceOf(char label, int before)
        {
            for (int i = 0; i < before; i++)
            {
                var term = _program.Expression.Inputs[i];
                for (int k = 0; k < term.Labels.Count; k++)
                {
                    if (term.Labels[k] == label && _lengths[i]![Dim(term, i, k)] != 1) return $"operand '{Name(i)}'";
                }
            }
            return "another operand";
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
            int rank = _outLengths?.Length ?? throw new InvalidOperationException("The output was not bound.");
            if (!term.HasEllipsis && _ellipsis.Length > 0)
            {
                throw new ArgumentException(
                    $"The operands' '...' covers {_ellipsis.Length} dimension(s), but the output term '{term}' of '{_program.Spec}' has no '...' to receive them.",
                    name);
            }
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
            _tensorStrides = new long[n + _program.Steps.Count][];
            for (int i = 0; i < n; i++)
            {
                var term = e.Inputs[i];
                var strides = _tensorStrides[i] = new long[keys];
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
            for (int k = 0; k < term.Labels.Count; k++) strides[term.Labels[k]] = _outStrides![OutputDim(term, k)];
            for (int j = 0; term.HasEllipsis && j < _ellipsis.Length; j++) strides[EllipsisKey + j] = _outStrides![term.EllipsisIndex + j];
        }

        /// <summary>The dimension of operand <paramref name="i"/> that holds label number <paramref name="k"/> of its term.</summary>
        private int Dim(EinsumTerm term, int i, int k) =>
            term.HasEllipsis && k >= term.EllipsisIndex ? k + (_lengths[i]!.Length - term.Labels.Count) : k;

        private int OutputDim(EinsumTerm term, int k) =>
            term.HasEllipsis && k >= term.EllipsisIndex ? k + _ellipsis.Length : k;

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
