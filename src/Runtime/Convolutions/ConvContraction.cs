using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using EinsumGen.Notation;
using EinsumGen.Runtime;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// One einsum of a convolution network's executor, planned once for fixed shapes: legs that stand together in every
    /// operand and the output are merged (so the kernels see a plain, batched matrix product), the operands are ordered
    /// smaller first, and the program is planned and kept with its binding layouts. A call reshapes and runs.
    /// </summary>
    internal sealed class ConvContraction
    {
        private readonly int _passThrough = -1;
        private readonly int[] _order = Array.Empty<int>();
        private readonly nint[]?[] _lengths = Array.Empty<nint[]?>();
        private readonly EinsumProgram? _program;
        private readonly EinsumExpression? _expression;
        private readonly nint[] _resultLengths = Array.Empty<nint>();
        private readonly nint[]? _final;
        private readonly bool _scalar;

        private ConvContraction(int passThrough) => _passThrough = passThrough;

        private ConvContraction(int[] order, nint[]?[] lengths, EinsumProgram program, EinsumExpression expression, nint[] resultLengths, nint[]? final, bool scalar)
        {
            _order = order;
            _lengths = lengths;
            _program = program;
            _expression = expression;
            _resultLengths = resultLengths;
            _final = final;
            _scalar = scalar;
        }

        /// <summary>The einsum's order of operations (the spec with merged legs), for tests and explanations.</summary>
        public string Spec => _expression?.Text ?? "(no contraction)";

        /// <summary>
        /// Plans the einsum of <paramref name="tensors"/> (legs <paramref name="labels"/>) into <paramref name="output"/>'s legs for
        /// these shapes and densities. With <paramref name="arrange"/> off, the operands keep their order and legs, as written.
        /// </summary>
        public static ConvContraction Create<T>(IReadOnlyList<Tensor<T>> tensors, IReadOnlyList<List<string>> labels, List<string> output,
            Dictionary<string, int> netSizes, bool arrange = true) where T : unmanaged, INumberBase<T>
        {
            var sizes = new Dictionary<string, int>(netSizes);
            for (int s = 0; s < tensors.Count; s++) for (int d = 0; d < labels[s].Count; d++) sizes[labels[s][d]] = (int)tensors[s].Lengths[d];
            var shape = output.Select(l => (nint)sizes[l]).ToArray();
            if (tensors.Count == 1 && labels[0].SequenceEqual(output)) return new ConvContraction(0);

            // Smaller operands first: the planner and kernels take a broadcast weight before the batched columns better
            // (23 vs 68 ms for nko,dk->ndo against dk,nko->ndo at 7×576×1024, measured on this project's kernels).
            var order = arrange ? Enumerable.Range(0, tensors.Count).OrderBy(s => tensors[s].FlattenedLength).ToArray() : Enumerable.Range(0, tensors.Count).ToArray();
            var work = order.Select(s => new List<string>(labels[s])).ToList();
            var dense = order.Select(s => tensors[s].IsDense).ToArray();
            var outLabels = new List<string>(output);
            if (arrange) ConvMerge.Merge(work, dense, outLabels, sizes);
            var lengths = new nint[]?[order.Length];
            var operands = new Tensor<T>[order.Length];
            for (int j = 0; j < order.Length; j++)
            {
                var t = tensors[order[j]];
                var target = work[j].Select(l => (nint)sizes[l]).ToArray();
                bool same = t.Lengths.SequenceEqual(target);
                lengths[j] = same ? null : target;
                operands[j] = same ? t : ConvTensors.Reshape(t, target);
            }
            var letters = Letters(work.Append(outLabels));
            string spec = string.Join(",", work.Select(l => Word(l, letters))) + "->" + Word(outLabels, letters);
            var resultLengths = outLabels.Count == 0 ? new nint[] { 1 } : outLabels.Select(l => (nint)sizes[l]).ToArray();
            var probe = ConvTensors.Uninitialized<T>(resultLengths.Select(d => (int)d));
            var program = Einsum.PlanWithResult(spec, operands, probe, "output", "output", out var expression, out bool scalar);
            return new ConvContraction(order, lengths, program, expression, resultLengths, shape.Length == outLabels.Count ? null : shape, scalar);
        }

        /// <summary>Runs the planned einsum over <paramref name="tensors"/> (the same slots, shapes and densities as planned).</summary>
        public Tensor<T> Run<T>(IReadOnlyList<Tensor<T>> tensors) where T : unmanaged, INumberBase<T> => Run(tensors, null);

        /// <summary>
        /// Runs the planned einsum into <paramref name="into"/>, a dense tensor with as many elements as the result (it is
        /// overwritten and returned reshaped to the result's shape), or into a new tensor when it is null.
        /// </summary>
        public Tensor<T> Run<T>(IReadOnlyList<Tensor<T>> tensors, Tensor<T>? into) where T : unmanaged, INumberBase<T>
        {
            if (_passThrough >= 0)
            {
                var dense = ConvTensors.Dense(tensors[_passThrough]);
                if (into is null) return dense;
                dense.FlattenTo(System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref Einsum.First(into), checked((int)into.FlattenedLength)));
                return into;
            }
            var operands = new Tensor<T>[_order.Length];
            for (int j = 0; j < operands.Length; j++)
            {
                var t = tensors[_order[j]];
                operands[j] = _lengths[j] is { } target ? ConvTensors.Reshape(t, target) : t;
            }
            var result = into is null ? ConvTensors.Uninitialized<T>(_resultLengths) // overwritten
                : into.Lengths.SequenceEqual(_resultLengths) ? into : ConvTensors.Reshape(into, _resultLengths);
            var views = new TensorViews<T>(_expression!, operands, result, _scalar, extras: null);
            ProgramRunner.Forward<T, TensorViews<T>>(_program!, ref views);
            return _final is null ? result : ConvTensors.Reshape(result, _final);
        }

        private static Dictionary<string, char> Letters(IEnumerable<List<string>> terms)
        {
            const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
            var letters = new Dictionary<string, char>();
            foreach (var labels in terms)
            {
                foreach (var l in labels)
                {
                    if (letters.ContainsKey(l)) continue;
                    if (letters.Count == alphabet.Length) throw new NotSupportedException($"A convolution step with more than {alphabet.Length} legs.");
                    letters[l] = alphabet[letters.Count];
                }
            }
            return letters;
        }

        private static string Word(List<string> labels, Dictionary<string, char> letters) => new string(labels.Select(l => letters[l]).ToArray());
    }
}
