using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using EinsumGen.Notation;
using EinsumGen.Planning;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// Everything a call derives from its shapes alone: label sizes, the steps to run, every tensor's strides per label,
    /// intermediate sizes and each kernel call's arguments. Building one runs every shape check (NumPy's rules, the output,
    /// declared sizes, gradient buffers); a program keeps the layouts of recent shapes (<see cref="EinsumProgram.FindLayout"/>),
    /// so a call whose shapes and strides match one skips straight to the steps. Immutable once built; thread-safe.
    /// </summary>
    internal sealed class BindingLayout
    {
        // Dimension keys: a label's char code (< 128), or 128 + j for the j-th broadcast ellipsis dimension.
        internal const int EllipsisKey = 128;

        private readonly EinsumProgram _program;
        private readonly long[] _size = new long[EllipsisKey];
        private readonly long[] _ellipsis;
        private readonly long[][] _tensorStrides;
        private readonly long[]?[] _leafGradientStrides;
        private readonly bool[]?[] _leafGradientReduced;
        private readonly long[] _intermediateLengths;
        private readonly StepCall[] _forward;
        private readonly StepCall?[] _leftGradient, _rightGradient;

        /// <summary>Resolves and checks the bound shapes, throwing <see cref="ArgumentException"/> on any mismatch.</summary>
        public BindingLayout(EinsumProgram program, ShapeSlot[] operands, ShapeSlot output, ShapeSlot[] gradients)
        {
            _program = program;
            var e = program.Expression;
            int n = e.Inputs.Count;
            var lengths = new nint[n][];
            var strides = new nint[n][];
            var shapes = new long[]?[n];
            for (int i = 0; i < n; i++)
            {
                if (!operands[i].IsBound) throw new InvalidOperationException($"Operand {i} was not bound.");
                lengths[i] = operands[i].LengthsArray();
                strides[i] = operands[i].StridesArray();
                shapes[i] = Array.ConvertAll(lengths[i], d => (long)d);
            }
            var sizes = ShapeResolver.Resolve(e, shapes, program.OperandNames, out _, out _ellipsis);
            Array.Fill(_size, -1);
            foreach (var kv in sizes) _size[kv.Key] = kv.Value;
            if (!output.IsBound) throw new InvalidOperationException("The output was not bound.");
            nint[] outLengths = output.LengthsArray(), outStrides = output.StridesArray();
            if (IsOneElementForRankZero(outLengths))
            {
                // A '...' output that comes out rank 0: a one-element view holds it, as EvaluateInto's output does.
                outLengths = Array.Empty<nint>();
                outStrides = Array.Empty<nint>();
            }
            CheckScalarEllipsis(outLengths, lengths);
            CheckOutput(outLengths);
            CheckDeclaredSizes();
            Steps = program.Steps;
            if (!program.IsOrderFinal)
            {
                var planSizes = new Dictionary<char, long>(sizes) { [EinsumProgram.EllipsisLabel] = _ellipsis.Aggregate(1L, (a, b) => a * b) };
                Steps = program.StepsFor(planSizes);
            }
            _tensorStrides = LayOutTensors(lengths, strides, outStrides, out _intermediateLengths);
            _leafGradientStrides = new long[n][];
            _leafGradientReduced = new bool[n][];
            bool anyGradient = LayOutGradients(lengths, gradients);

            _forward = new StepCall[Steps.Count];
            _leftGradient = new StepCall?[Steps.Count];
            _rightGradient = new StepCall?[Steps.Count];
            for (int k = 0; k < Steps.Count; k++)
            {
                _forward[k] = ForwardCall(k);
                if (!anyGradient) continue;
                _leftGradient[k] = GradientCall(k, left: true);
                if (Steps[k].Right >= 0) _rightGradient[k] = GradientCall(k, left: false);
            }
            SliceKey = StepSlicing.Choose(_forward, _leftGradient, _rightGradient);
        }

        /// <summary>The call's key in the program's cache (see <see cref="EinsumBinding"/>); set once, before the layout is shared.</summary>
        public nint[] Key { get; set; } = Array.Empty<nint>();

        public int Hash { get; set; }

        public IReadOnlyList<ProgramStep> Steps { get; }

        /// <summary>The key of the label the large steps are sliced along over the cores (<see cref="StepSlicing"/>); -1 for none.</summary>
        public int SliceKey { get; }

        public long Size(int label) => _size[label];

        private SweepCache? _forwardSweep, _backwardSweep;

        /// <summary>
        /// Whether the sweep's schedule for <paramref name="threads"/> threads (and the current parts option) is kept; it is
        /// then <paramref name="schedule"/> (null: the sweep runs step by step).
        /// </summary>
        public bool TryGetSweep(bool forward, int threads, out SweepSchedule? schedule)
        {
            var cache = forward ? _forwardSweep : _backwardSweep;
            schedule = cache?.Schedule;
            return cache is not null && cache.Threads == threads && cache.Parts == Kernels.KernelOptions.Current.SliceParts;
        }

        /// <summary>Keeps a sweep's schedule (built for the current parts option); returns it.</summary>
        public SweepSchedule? KeepSweep(bool forward, int threads, SweepSchedule? schedule)
        {
            var cache = new SweepCache(threads, Kernels.KernelOptions.Current.SliceParts, schedule);
            if (forward) _forwardSweep = cache;
            else _backwardSweep = cache;
            return schedule;
        }

        private sealed record SweepCache(int Threads, int? Parts, SweepSchedule? Schedule);

        public long Stride(int tensor, int label) => _tensorStrides[tensor][label];

        public long IntermediateLength(int step) => _intermediateLengths[step];

        public StepCall Forward(int step) => _forward[step];

        /// <summary>The backward call into step <paramref name="step"/>'s left or right input; null for an operand whose gradient was not requested.</summary>
        public StepCall? Gradient(int step, bool left) => left ? _leftGradient[step] : _rightGradient[step];

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

        /// <summary>Whether the output term has '...', this call makes it rank 0, and the view given holds one element.</summary>
        private bool IsOneElementForRankZero(nint[] outLengths)
        {
            var term = _program.Expression.Output;
            return term.HasEllipsis && term.Labels.Count == 0 && _ellipsis.Length == 0 && outLengths.Length == 1 && outLengths[0] == 1;
        }

        /// <summary>
        /// A rank-0 result for a '...' output with no label of its own (a method that returns T, NumPy's
        /// np.einsum('...i,...i', a, b) on vectors) binds '...' to no dimension: an operand whose '...' covers some is the
        /// one at fault, and the message names it.
        /// </summary>
        private void CheckScalarEllipsis(nint[] outLengths, nint[][] lengths)
        {
            var output = _program.Expression.Output;
            if (!output.HasEllipsis || output.Labels.Count != 0 || outLengths.Length != 0 || _ellipsis.Length == 0) return;
            for (int i = 0; i < _program.OperandCount; i++)
            {
                var term = _program.Expression.Inputs[i];
                int covered = term.HasEllipsis ? lengths[i].Length - term.Labels.Count : 0;
                if (covered <= 0) continue;
                throw new ArgumentException(
                    $"Operand '{Name(i)}' has rank {lengths[i].Length}, so '...' in its term '{term}' covers {covered} dimension(s) " +
                    $"[{string.Join(", ", lengths[i].Take(term.EllipsisIndex + covered).Skip(term.EllipsisIndex))}]; but the result " +
                    $"'{_program.OutputName}' of '{SpecQuote.Of(_program.Spec)}' is a scalar, so '...' must cover none: pass rank {term.Labels.Count}.", Name(i));
            }
        }

        private void CheckOutput(nint[] outLengths)
        {
            var term = _program.Expression.Output;
            string name = _program.OutputName;
            int rank = outLengths.Length;
            ShapeResolver.CheckOutputEllipsis(_program.Expression, _ellipsis.Length, name);
            int expected = term.Labels.Count + (term.HasEllipsis ? _ellipsis.Length : 0);
            if (rank != expected)
            {
                throw new ArgumentException($"Output '{name}' has rank {rank}, but '{SpecQuote.Of(_program.Spec)}' produces rank {expected}.", name);
            }
            for (int k = 0; k < term.Labels.Count; k++)
            {
                char c = term.Labels[k];
                long len = outLengths[OutputDim(term, k)];
                if (len != _size[c])
                {
                    throw new ArgumentException($"Output '{name}': index '{c}' has size {len}, but the operands give it size {_size[c]}.", name);
                }
            }
            for (int j = 0; term.HasEllipsis && j < _ellipsis.Length; j++)
            {
                long len = outLengths[term.EllipsisIndex + j];
                if (len != _ellipsis[j])
                {
                    throw new ArgumentException($"Output '{name}': dimension {term.EllipsisIndex + j} under '...' has size {len}, but the operands broadcast it to {_ellipsis[j]}.", name);
                }
            }
        }

        private long[][] LayOutTensors(nint[][] lengths, nint[][] strides, nint[] outStrides, out long[] intermediateLengths)
        {
            int n = _program.OperandCount, keys = EllipsisKey + _ellipsis.Length;
            var tensorStrides = new long[n + Steps.Count][];
            for (int i = 0; i < n; i++)
            {
                tensorStrides[i] = new long[keys];
                OperandStrides(i, lengths[i], strides[i], tensorStrides[i], reduced: null);
            }
            intermediateLengths = new long[Steps.Count];
            for (int k = 0; k < Steps.Count; k++)
            {
                var result = tensorStrides[n + k] = new long[keys];
                if (k == Steps.Count - 1)
                {
                    LayOutOutput(result, outStrides);
                    continue;
                }
                var dims = Keys(Steps[k].ResultLabels);
                long stride = 1;
                for (int d = dims.Count - 1; d >= 0; d--)
                {
                    result[dims[d]] = stride;
                    stride = Saturating.Mul(stride, SizeOf(dims[d]));
                }
                if (stride > Array.MaxLength) throw TooLarge(k, dims, stride);
                intermediateLengths[k] = stride;
            }
            return tensorStrides;
        }

        /// <summary>
        /// The error for an intermediate no array can hold, thrown before anything is allocated: it names the step, its
        /// labels and their sizes, so that a user can see which contraction to split or declare differently.
        /// </summary>
        private ArgumentException TooLarge(int step, List<int> dims, long elements)
        {
            var sizes = string.Join(", ", dims.Select(key => (key < EllipsisKey ? ((char)key).ToString() : "...") + "=" + SizeOf(key).ToString(CultureInfo.InvariantCulture)));
            string count = elements == long.MaxValue ? "more than 2^63" : elements.ToString("N0", CultureInfo.InvariantCulture);
            return new ArgumentException(
                $"'{SpecQuote.Of(_program.Spec)}': step {step + 1} of the plan makes an intermediate of {count} elements ({sizes}), more than an array can hold " +
                $"({Array.MaxLength.ToString("N0", CultureInfo.InvariantCulture)}); these sizes need a smaller contraction.", _program.OperandNames.Length > 0 ? _program.OperandNames[0] : _program.OutputName);
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

        /// <summary>Checks and lays out the requested gradient buffers; returns whether any was requested.</summary>
        private bool LayOutGradients(nint[][] lengths, ShapeSlot[] gradients)
        {
            bool any = false;
            for (int i = 0; i < _program.OperandCount; i++)
            {
                if (!gradients[i].IsBound) continue;
                any = true;
                var gradientLengths = gradients[i].LengthsArray();
                if (!gradientLengths.AsSpan().SequenceEqual(lengths[i]))
                {
                    throw new ArgumentException(
                        $"The gradient buffer of '{Name(i)}' has shape [{string.Join(", ", gradientLengths)}], but the operand has shape [{string.Join(", ", lengths[i])}]; they must match.",
                        Name(i));
                }
                _leafGradientStrides[i] = new long[EllipsisKey + _ellipsis.Length];
                _leafGradientReduced[i] = new bool[EllipsisKey + _ellipsis.Length];
                OperandStrides(i, gradientLengths, gradients[i].StridesArray(), _leafGradientStrides[i]!, _leafGradientReduced[i]);
            }
            return any;
        }

        private void LayOutOutput(long[] strides, nint[] outStrides)
        {
            var term = _program.Expression.Output;
            for (int k = 0; k < term.Labels.Count; k++) strides[term.Labels[k]] = outStrides[OutputDim(term, k)];
            for (int j = 0; term.HasEllipsis && j < _ellipsis.Length; j++) strides[EllipsisKey + j] = outStrides[term.EllipsisIndex + j];
        }

        /// <summary>Step <paramref name="step"/> forward: its result from its inputs.</summary>
        private StepCall ForwardCall(int step)
        {
            var s = Steps[step];
            int resultId = _program.OperandCount + step;
            return Call(Keys(s.ResultLabels), Keys(s.SummedLabels), s.Left, s.Right, _tensorStrides[resultId]);
        }

        /// <summary>
        /// Backward through step <paramref name="step"/>: the gradient of its left (or right) input from the gradient of its
        /// result — the step's einsum with that input's labels as output and the other input as the second factor. An
        /// operand's gradient goes to its buffer (summed over broadcast dimensions, on the diagonal of a repeated label);
        /// an intermediate's gets the intermediate's own layout. Null for an operand whose gradient was not requested.
        /// </summary>
        private StepCall? GradientCall(int step, bool left)
        {
            var s = Steps[step];
            int resultId = _program.OperandCount + step;
            int targetId = left ? s.Left : s.Right, otherId = left ? s.Right : s.Left;
            bool leaf = targetId < _program.OperandCount;
            if (leaf && _leafGradientStrides[targetId] is null) return null;
            var kept = Keys(LabelsOf(targetId));
            var reduced = leaf ? _leafGradientReduced[targetId]! : null;
            if (reduced is not null) kept.RemoveAll(key => reduced[key]); // broadcast dimensions: summed into the one element
            var sources = otherId < 0 ? new[] { resultId } : new[] { resultId, otherId };
            var summed = Summed(kept, sources);
            if (reduced is not null)
            {
                foreach (int key in Keys(LabelsOf(targetId)))
                {
                    if (reduced[key] && !summed.Contains(key)) summed.Add(key);
                }
            }
            var targetStrides = leaf ? _leafGradientStrides[targetId]! : _tensorStrides[targetId];
            return Call(kept, summed, resultId, otherId, targetStrides);
        }

        /// <summary>The keys of <paramref name="sources"/> that are not <paramref name="kept"/>, in order of appearance.</summary>
        private List<int> Summed(List<int> kept, int[] sources)
        {
            var summed = new List<int>();
            foreach (int id in sources)
            {
                foreach (int key in Keys(LabelsOf(id)))
                {
                    if (!kept.Contains(key) && !summed.Contains(key)) summed.Add(key);
                }
            }
            return summed;
        }

        /// <summary>result[kept] = Σ_summed first · second, with every tensor's strides by key (second absent when its id is -1).</summary>
        private StepCall Call(List<int> kept, List<int> summed, int firstId, int secondId, long[] resultStrides)
        {
            int n = kept.Count + summed.Count;
            var keys = new int[n];
            var sizes = new nint[n];
            var s1 = new nint[n];
            var s2 = new nint[n];
            var so = new nint[n];
            for (int d = 0; d < n; d++)
            {
                int key = keys[d] = d < kept.Count ? kept[d] : summed[d - kept.Count];
                sizes[d] = (nint)SizeOf(key);
                s1[d] = (nint)_tensorStrides[firstId][key];
                s2[d] = secondId < 0 ? 0 : (nint)_tensorStrides[secondId][key];
                so[d] = d < kept.Count ? (nint)resultStrides[key] : 0;
            }
            return new StepCall(kept.Count, keys, sizes, s1, s2, secondId >= 0, so);
        }

        private int OutputDim(EinsumTerm term, int k) => term.HasEllipsis && k >= term.EllipsisIndex ? k + _ellipsis.Length : k;

        private long SizeOf(int key) => key < EllipsisKey ? _size[key] : _ellipsis[key - EllipsisKey];

        private string LabelsOf(int tensor)
        {
            int n = _program.OperandCount;
            if (tensor >= n) return Steps[tensor - n].ResultLabels;
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
