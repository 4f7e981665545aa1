using System;
using System.Collections.Generic;
using System.Numerics;
using System.Numerics.Tensors;
using EinsumGen.Notation;
using EinsumGen.Planning;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// Runs a plan that ends in a <see cref="EinsumStepKind.Multiway"/> step, one step at a time: each pairwise or unary
    /// step is an einsum of its own on the runtime's kernels, and the multiway step is <see cref="MultiwayContraction"/>.
    /// The backward pass walks the steps back: a pairwise step's gradients come from <see cref="Einsum.Backward{T}(string, Tensor{T}, Tensor{T}[])"/>
    /// on that step, and each gradient of the multiway step is another multiway loop nest over the result's gradient and
    /// the other tensors, which writes onto a repeated label's diagonal and sums over the dimensions an operand broadcast.
    /// </summary>
    internal static class StepwiseEvaluation
    {
        /// <summary>The forward pass into <paramref name="output"/> (a new dense tensor of the result's shape).</summary>
        public static void Forward<T>(EinsumExpression e, ContractionPath path, Tensor<T>[] operands, Tensor<T> output, long[] ellipsisShape)
            where T : unmanaged, INumberBase<T>
        {
            var tensors = new List<Tensor<T>>(operands);
            var terms = Terms(e, path, ellipsisShape.Length);
            for (int k = 0; k < path.Steps.Count; k++)
            {
                bool last = k == path.Steps.Count - 1;
                var step = path.Steps[k];
                var inputs = Array.ConvertAll(step.Inputs, id => tensors[id]);
                string spec = Spec(step, terms, operands.Length + k);
                if (!step.IsMultiway)
                {
                    if (last) Einsum.EvaluateInto(spec, output, inputs);
                    else tensors.Add(Einsum.Evaluate(spec, inputs));
                    continue;
                }
                var target = last ? output : Tensor.CreateFromShape<T>(ShapeOf(spec, inputs));
                Multiway(spec, inputs, target);
                tensors.Add(target);
            }
        }

        /// <summary>The gradient of every operand from the result's gradient <paramref name="resultGradient"/>, each a new tensor.</summary>
        public static Tensor<T>[] Backward<T>(EinsumExpression e, ContractionPath path, Tensor<T>[] operands, Tensor<T> resultGradient,
            nint[][] gradientShapes, long[] ellipsisShape) where T : unmanaged, INumberBase<T>
        {
            int n = operands.Length;
            var tensors = new List<Tensor<T>>(operands);
            var terms = Terms(e, path, ellipsisShape.Length);
            int steps = path.Steps.Count;
            for (int k = 0; k < steps - 1; k++)
            {
                // Every intermediate is read by a later step, so every one is recomputed (none is the multiway step's).
                var step = path.Steps[k];
                tensors.Add(Einsum.Evaluate(Spec(step, terms, n + k), Array.ConvertAll(step.Inputs, id => tensors[id])));
            }
            var gradients = new Tensor<T>?[n + steps];
            gradients[n + steps - 1] = resultGradient;
            for (int k = steps - 1; k >= 0; k--)
            {
                var step = path.Steps[k];
                var ids = step.Inputs;
                var inputs = Array.ConvertAll(ids, id => tensors[id]);
                string spec = Spec(step, terms, n + k);
                var g = gradients[n + k]!;
                if (!step.IsMultiway)
                {
                    var stepGradients = Einsum.Backward(spec, g, inputs);
                    for (int j = 0; j < ids.Length; j++) gradients[ids[j]] = stepGradients[j];
                    continue;
                }
                for (int j = 0; j < ids.Length; j++)
                {
                    nint[] shape = ids[j] < n ? gradientShapes[ids[j]] : inputs[j].Lengths.ToArray();
                    gradients[ids[j]] = MultiwayGradient(spec, inputs, g, j, shape);
                }
            }
            var result = new Tensor<T>[n];
            for (int i = 0; i < n; i++) result[i] = gradients[i]!;
            return result;
        }

        /// <summary>
        /// Each tensor's term: the operands' as written, an intermediate's from its labels ('...' for the ellipsis
        /// pseudo-label, dropped when '...' covers no dimension), the last step's the output's as written.
        /// </summary>
        private static string[] Terms(EinsumExpression e, ContractionPath path, int ellipsisRank)
        {
            int n = e.Inputs.Count;
            var terms = new string[n + path.Steps.Count];
            for (int i = 0; i < n; i++) terms[i] = e.Inputs[i].ToString();
            for (int k = 0; k < path.Steps.Count; k++)
            {
                string labels = path.Steps[k].ResultLabels;
                terms[n + k] = k == path.Steps.Count - 1 ? e.Output.ToString()
                    : labels.Replace(EinsumExpression.EllipsisLabel.ToString(), ellipsisRank > 0 ? "..." : string.Empty);
            }
            return terms;
        }

        private static string Spec(ContractionStep step, string[] terms, int resultId) =>
            string.Join(",", Array.ConvertAll(step.Inputs, id => terms[id])) + "->" + terms[resultId];

        private static nint[] ShapeOf<T>(string spec, Tensor<T>[] inputs) where T : unmanaged, INumberBase<T>
        {
            var e = Resolve(spec, inputs, out var sizes, out var ellipsisShape, out _);
            var shape = new List<nint>();
            for (int k = 0; k <= e.Output.Labels.Count; k++)
            {
                if (k == e.Output.EllipsisIndex) foreach (long d in ellipsisShape) shape.Add((nint)d);
                if (k < e.Output.Labels.Count) shape.Add((nint)sizes[e.Output.Labels[k]]);
            }
            return shape.ToArray();
        }

        private static EinsumExpression Resolve<T>(string spec, Tensor<T>[] inputs, out Dictionary<char, long> sizes, out long[] ellipsisShape, out bool[] scalar)
        {
            var e = EinsumParser.Parse(spec);
            var shapes = new List<long[]?>();
            scalar = new bool[inputs.Length];
            for (int i = 0; i < inputs.Length; i++)
            {
                scalar[i] = Einsum.IsScalarArgument(e.Inputs[i], inputs[i]);
                shapes.Add(scalar[i] ? Array.Empty<long>() : Array.ConvertAll(inputs[i].Lengths.ToArray(), d => (long)d));
            }
            sizes = ShapeResolver.Resolve(e, shapes, null, out _, out ellipsisShape);
            return e;
        }

        /// <summary>The multiway step <paramref name="spec"/> over <paramref name="inputs"/> into <paramref name="target"/>.</summary>
        private static void Multiway<T>(string spec, Tensor<T>[] inputs, Tensor<T> target) where T : unmanaged, INumberBase<T>
        {
            var e = Resolve(spec, inputs, out var sizes, out var ellipsisShape, out var scalar);
            var extents = MultiwayContraction.Extents(e, sizes, ellipsisShape, out string labels);
            var operands = new MultiwayContraction.Operand<T>[inputs.Length];
            for (int i = 0; i < inputs.Length; i++) operands[i] = MultiwayContraction.Read(inputs[i], e.Inputs[i], scalar[i], labels, ellipsisShape.Length);
            var data = new T[target.FlattenedLength];
            var result = new MultiwayContraction.Operand<T>(data, MultiwayContraction.Strides(e.Output, target.Lengths, DenseStrides(target.Lengths),
                e.Output.IsScalar, labels, ellipsisShape.Length));
            MultiwayContraction.Run(extents, operands, result, accumulate: false);
            Tensor.Create(data, target.Lengths).CopyTo(target.AsTensorSpan());
        }

        /// <summary>
        /// The gradient of input <paramref name="j"/> of the multiway step: Σ over everything else of the result's gradient
        /// times the other inputs, written through input <paramref name="j"/>'s own term into a zeroed tensor of
        /// <paramref name="shape"/> (its diagonal only, for a repeated label; summed along a dimension it broadcast).
        /// </summary>
        private static Tensor<T> MultiwayGradient<T>(string spec, Tensor<T>[] inputs, Tensor<T> resultGradient, int j, nint[] shape)
            where T : unmanaged, INumberBase<T>
        {
            var e = Resolve(spec, inputs, out var sizes, out var ellipsisShape, out var scalar);
            var extents = MultiwayContraction.Extents(e, sizes, ellipsisShape, out string labels);
            int rank = ellipsisShape.Length;
            var reads = new List<MultiwayContraction.Operand<T>>
            {
                MultiwayContraction.Read(resultGradient, e.Output, e.Output.IsScalar && resultGradient.FlattenedLength == 1, labels, rank),
            };
            for (int i = 0; i < inputs.Length; i++)
            {
                if (i != j) reads.Add(MultiwayContraction.Read(inputs[i], e.Inputs[i], scalar[i], labels, rank));
            }
            long count = 1;
            foreach (nint d in shape) count *= d;
            var data = new T[count];
            // The gradient has the operand's shape, so its strides follow the operand's term (a rank-0 operand: one element).
            var written = new MultiwayContraction.Operand<T>(data, MultiwayContraction.Strides(e.Inputs[j], inputs[j].Lengths, DenseStrides(shape),
                scalar[j], labels, rank));
            MultiwayContraction.Run(extents, reads.ToArray(), written, accumulate: false);
            return Tensor.Create(data, shape);
        }

        private static nint[] DenseStrides(ReadOnlySpan<nint> lengths)
        {
            var strides = new nint[lengths.Length];
            nint stride = 1;
            for (int d = lengths.Length - 1; d >= 0; d--)
            {
                strides[d] = stride;
                stride *= lengths[d];
            }
            return strides;
        }
    }
}
