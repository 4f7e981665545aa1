using System;
using System.Collections.Generic;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using EinsumGen.Notation;
using EinsumGen.Planning;
using EinsumGen.Runtime;

namespace EinsumGen
{
    /// <summary>
    /// Einsum for specs known only at run time, with the same notation, semantics and errors as <see cref="EinsumAttribute"/>.
    /// System.Numerics.Tensors has no rank-0 tensor: a scalar operand is a one-element tensor of rank 1, and a scalar
    /// result comes back as a tensor of shape [1].
    /// </summary>
    public static class Einsum
    {
        /// <summary>
        /// Evaluates <paramref name="spec"/> over <paramref name="operands"/> (any strided views), contracting pairwise in the
        /// order the planner picks for these shapes, and returns a new dense tensor.
        /// </summary>
        public static Tensor<T> Evaluate<T>(string spec, params Tensor<T>[] operands) where T : unmanaged, INumberBase<T>
        {
            var expression = Prepare<T>(spec, operands, out var sizes, out var ellipsisShape);
            var path = ContractionPlanner.Plan(expression.PlannerInputs(), expression.PlannerOutput(), PlannerSizes(sizes, ellipsisShape));
            var steps = new List<ProgramStep>();
            foreach (var s in path.Steps) steps.Add(new ProgramStep(s.Left, s.Right, s.ResultLabels));
            var program = EinsumProgram.Create(expression, steps, OperandNames(operands.Length), "result");

            var binding = new EinsumBinding(program);
            BindOperands(binding, expression, operands);
            var output = CreateOutput<T>(expression, sizes, ellipsisShape, out bool scalar);
            if (scalar) binding.ScalarOutput();
            else binding.Output(output.Lengths, output.Strides);
            binding.Complete();

            var buffers = new T[steps.Count][];
            T scalarResult = T.Zero;
            for (int k = 0; k < steps.Count; k++)
            {
                bool last = k == steps.Count - 1;
                if (!last) buffers[k] = new T[binding.IntermediateLength(k)];
                ref T result = ref last ? ref (scalar ? ref scalarResult : ref output.GetPinnableReference()) : ref MemoryMarshal.GetArrayDataReference(buffers[k]);
                ref T right = ref steps[k].Right < 0 ? ref System.Runtime.CompilerServices.Unsafe.NullRef<T>() : ref RefOf(steps[k].Right);
                binding.ExecuteStep(k, ref RefOf(steps[k].Left), ref right, ref result);
            }
            if (scalar) output[0] = scalarResult;
            return output;

            ref T RefOf(int id) => ref id < operands.Length ? ref operands[id].GetPinnableReference() : ref MemoryMarshal.GetArrayDataReference(buffers[id - operands.Length]);
        }

        /// <summary>
        /// The reference evaluator: one loop over every label at once, products and sums accumulated in double, elements
        /// read through the tensors' own indexers. Slow by design; the oracle of EinsumGen's tests.
        /// </summary>
        public static Tensor<T> EvaluateNaive<T>(string spec, params Tensor<T>[] operands) where T : unmanaged, INumberBase<T>
        {
            var expression = Prepare<T>(spec, operands, out var sizes, out var ellipsisShape);
            var output = CreateOutput<T>(expression, sizes, ellipsisShape, out _);
            var labels = expression.AllLabels();
            int rank = ellipsisShape.Length, dims = labels.Length + rank;
            var extent = new long[dims];
            for (int d = 0; d < labels.Length; d++) extent[d] = sizes[labels[d]];
            for (int j = 0; j < rank; j++) extent[labels.Length + j] = ellipsisShape[j];

            var sums = new double[output.FlattenedLength];
            var value = new long[dims];
            bool empty = Array.IndexOf(extent, 0L) >= 0;
            var outIndex = new nint[Math.Max(1, output.Rank)];
            while (!empty)
            {
                double product = 1;
                for (int i = 0; i < operands.Length; i++)
                {
                    product *= double.CreateChecked(Read(operands[i], expression.Inputs[i], labels, value, rank));
                }
                sums[FlatOutputIndex(expression.Output, labels, value, rank, extent, outIndex, output)] += product;
                int d = dims - 1;
                for (; d >= 0; d--)
                {
                    if (++value[d] < extent[d]) break;
                    value[d] = 0;
                }
                if (d < 0) break;
            }

            // Write the sums in output order (row-major over the output's own dimensions).
            var index = new nint[output.Rank];
            for (long f = 0; f < sums.Length; f++)
            {
                long rest = f;
                for (int d = output.Rank - 1; d >= 0; d--)
                {
                    index[d] = (nint)(rest % output.Lengths[d]);
                    rest /= output.Lengths[d];
                }
                output[index] = T.CreateChecked(sums[f]);
            }
            return output;
        }

        private static EinsumExpression Prepare<T>(string spec, Tensor<T>[] operands, out Dictionary<char, long> sizes, out long[] ellipsisShape)
        {
            if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            {
                throw new NotSupportedException($"Einsum supports float and double, not {typeof(T).Name}.");
            }
            ArgumentNullException.ThrowIfNull(spec);
            ArgumentNullException.ThrowIfNull(operands);
            var expression = EinsumParser.Parse(spec);
            if (operands.Length != expression.Inputs.Count)
            {
                throw new ArgumentException($"'{spec}' has {expression.Inputs.Count} operand term(s), but {operands.Length} operand(s) were given.", nameof(operands));
            }
            var shapes = new List<long[]>();
            for (int i = 0; i < operands.Length; i++)
            {
                ArgumentNullException.ThrowIfNull(operands[i], $"operands[{i}]");
                shapes.Add(IsScalarArgument(expression.Inputs[i], operands[i]) ? Array.Empty<long>() : ToLongs(operands[i].Lengths));
            }
            sizes = ShapeResolver.Resolve(expression, shapes, out _, out ellipsisShape);
            return expression;
        }

        private static void BindOperands<T>(EinsumBinding binding, EinsumExpression expression, Tensor<T>[] operands)
        {
            for (int i = 0; i < operands.Length; i++)
            {
                if (IsScalarArgument(expression.Inputs[i], operands[i])) binding.ScalarOperand(i);
                else binding.Operand(i, operands[i].Lengths, operands[i].Strides);
            }
        }

        /// <summary>A one-element tensor stands for a scalar where the term names nothing.</summary>
        private static bool IsScalarArgument<T>(EinsumTerm term, Tensor<T> t) => term.IsScalar && t.Rank <= 1 && t.FlattenedLength == 1;

        private static Tensor<T> CreateOutput<T>(EinsumExpression expression, Dictionary<char, long> sizes, long[] ellipsisShape, out bool scalar)
        {
            var term = expression.Output;
            var lengths = new List<nint>();
            for (int k = 0; k <= term.Labels.Count; k++)
            {
                if (k == term.EllipsisIndex)
                {
                    foreach (long e in ellipsisShape) lengths.Add((nint)e);
                }
                if (k < term.Labels.Count) lengths.Add((nint)sizes[term.Labels[k]]);
            }
            scalar = lengths.Count == 0;
            if (scalar) lengths.Add(1);
            return Tensor.CreateFromShape<T>(lengths.ToArray());
        }

        private static T Read<T>(Tensor<T> t, EinsumTerm term, string labels, long[] value, int rank)
        {
            if (term.IsScalar && t.Rank <= 1 && t.FlattenedLength == 1) return t.GetPinnableReference();
            var index = new nint[t.Rank];
            int ell = t.Rank - term.Labels.Count;
            for (int k = 0; k < term.Labels.Count; k++)
            {
                int dim = term.HasEllipsis && k >= term.EllipsisIndex ? k + ell : k;
                index[dim] = t.Lengths[dim] == 1 ? 0 : (nint)value[labels.IndexOf(term.Labels[k])];
            }
            for (int j = 0; term.HasEllipsis && j < ell; j++)
            {
                int dim = term.EllipsisIndex + j;
                index[dim] = t.Lengths[dim] == 1 ? 0 : (nint)value[labels.Length + rank - ell + j];
            }
            return t[index];
        }

        private static long FlatOutputIndex<T>(EinsumTerm term, string labels, long[] value, int rank, long[] extent, nint[] scratch, Tensor<T> output)
        {
            long flat = 0;
            int dim = 0;
            for (int k = 0; k <= term.Labels.Count; k++)
            {
                if (k == term.EllipsisIndex)
                {
                    for (int j = 0; j < rank; j++, dim++) flat = flat * output.Lengths[dim] + value[labels.Length + j];
                }
                if (k < term.Labels.Count)
                {
                    flat = flat * output.Lengths[dim] + value[labels.IndexOf(term.Labels[k])];
                    dim++;
                }
            }
            return flat;
        }

        private static Dictionary<char, long> PlannerSizes(Dictionary<char, long> sizes, long[] ellipsisShape)
        {
            var result = new Dictionary<char, long>(sizes);
            long e = 1;
            foreach (long d in ellipsisShape) e *= d;
            result[EinsumExpression.EllipsisLabel] = e;
            return result;
        }

        private static string[] OperandNames(int n)
        {
            var names = new string[n];
            for (int i = 0; i < n; i++) names[i] = $"operands[{i}]";
            return names;
        }

        private static long[] ToLongs(ReadOnlySpan<nint> lengths)
        {
            var result = new long[lengths.Length];
            for (int i = 0; i < lengths.Length; i++) result[i] = lengths[i];
            return result;
        }
    }
}
