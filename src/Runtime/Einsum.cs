using System;
using System.Collections.Generic;
using System.Linq;
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
            var program = Plan(expression, sizes, ellipsisShape, OperandNames(operands.Length), "result", isGradient: false);
            var binding = new EinsumBinding(program);
            BindOperands(binding, expression, operands);
            var output = CreateOutput<T>(expression.Output, sizes, ellipsisShape, out bool scalar);
            if (scalar) binding.ScalarOutput();
            else binding.Output(output.Lengths, output.Strides);
            binding.Complete();
            T one = T.One;
            Run(program, binding, operands, ref one, output, scalar);
            return output;
        }

        /// <summary>
        /// Reverse mode: the gradient of a scalar loss with respect to every operand, given the gradient
        /// <paramref name="outputGradient"/> with respect to the result of <c>Evaluate(spec, operands)</c> (shape of that
        /// result; a one-element tensor for a scalar result). Each gradient is itself an einsum, planned on its own; it sums
        /// over dimensions the operand broadcast along and lands on the diagonal for a repeated label. Returns one tensor per
        /// operand with the operand's shape (a one-element tensor for a scalar operand).
        /// </summary>
        public static Tensor<T>[] Backward<T>(string spec, Tensor<T> outputGradient, params Tensor<T>[] operands) where T : unmanaged, INumberBase<T>
        {
            ArgumentNullException.ThrowIfNull(outputGradient);
            var forward = Prepare<T>(spec, operands, out var sizes, out var ellipsisShape);
            var expected = OutputLengths(forward.Output, sizes, ellipsisShape);
            bool scalarResult = expected.Length == 0;
            if (scalarResult ? outputGradient.FlattenedLength != 1 : !outputGradient.Lengths.SequenceEqual(expected))
            {
                throw new ArgumentException(
                    $"The output gradient has shape [{string.Join(", ", outputGradient.Lengths.ToArray())}], but '{spec}' produces [{string.Join(", ", expected)}] for these operands.",
                    nameof(outputGradient));
            }
            var gradients = new Tensor<T>[operands.Length];
            for (int i = 0; i < operands.Length; i++)
            {
                var gradient = GradientSpec.For(forward, i);
                var expression = EinsumParser.Parse(gradient.Spec, allowRepeatedOutputLabels: true);
                var names = new string[gradient.Sources.Count];
                var sources = new Tensor<T>[gradient.Sources.Count];
                for (int k = 0; k < names.Length; k++)
                {
                    int source = gradient.Sources[k];
                    names[k] = source == GradientSpec.OutputGradient ? nameof(outputGradient) : source == GradientSpec.Ones ? "ones" : $"operands[{source}]";
                    sources[k] = source == GradientSpec.OutputGradient ? outputGradient : source == GradientSpec.Ones ? null! : operands[source];
                }
                var program = Plan(expression, sizes, ellipsisShape, names, $"gradient[{i}]", isGradient: true);
                var binding = new EinsumBinding(program);
                for (int k = 0; k < names.Length; k++)
                {
                    if (gradient.Sources[k] == GradientSpec.Ones) binding.OnesOperand(k);
                    else if (IsScalarArgument(expression.Inputs[k], sources[k])) binding.ScalarOperand(k);
                    else binding.Operand(k, sources[k].Lengths, sources[k].Strides);
                }
                bool scalar = IsScalarArgument(forward.Inputs[i], operands[i]);
                gradients[i] = Tensor.CreateFromShape<T>(scalar ? new nint[] { 1 } : operands[i].Lengths.ToArray());
                if (scalar) binding.ScalarOutput();
                else binding.Output(gradients[i].Lengths, gradients[i].Strides);
                binding.Complete();
                T one = T.One;
                Run(program, binding, sources, ref one, gradients[i], scalar);
            }
            return gradients;
        }

        /// <summary>Plans <paramref name="expression"/> on actual sizes and wraps it as a program.</summary>
        private static EinsumProgram Plan(EinsumExpression expression, Dictionary<char, long> sizes, long[] ellipsisShape, string[] names, string outputName, bool isGradient)
        {
            var planSizes = PlannerSizes(sizes, ellipsisShape);
            foreach (char c in expression.Output.Labels)
            {
                if (!planSizes.ContainsKey(c)) planSizes[c] = 1;
            }
            var path = ContractionPlanner.Plan(expression.PlannerInputs(), expression.PlannerOutput(), planSizes);
            var steps = new List<ProgramStep>();
            foreach (var s in path.Steps) steps.Add(new ProgramStep(s.Left, s.Right, s.ResultLabels));
            return EinsumProgram.Create(expression, steps, names, outputName, isGradient);
        }

        /// <summary>Runs a bound program's steps: operands by tensor (null = the ones operand), intermediates in fresh arrays.</summary>
        private static void Run<T>(EinsumProgram program, EinsumBinding binding, Tensor<T>[] operands, ref T one, Tensor<T> output, bool scalar) where T : unmanaged, INumberBase<T>
        {
            var steps = program.Steps;
            var buffers = new T[steps.Count][];
            T scalarResult = T.Zero;
            for (int k = 0; k < steps.Count; k++)
            {
                bool last = k == steps.Count - 1;
                if (!last) buffers[k] = new T[binding.IntermediateLength(k)];
                ref T result = ref last ? ref (scalar ? ref scalarResult : ref First(output)) : ref MemoryMarshal.GetArrayDataReference(buffers[k]);
                ref T right = ref steps[k].Right < 0 ? ref System.Runtime.CompilerServices.Unsafe.NullRef<T>() : ref RefOf(steps[k].Right, ref one);
                binding.ExecuteStep(k, ref RefOf(steps[k].Left, ref one), ref right, ref result);
            }
            if (scalar) output[0] = scalarResult;

            ref T RefOf(int id, ref T ones)
            {
                if (id >= operands.Length) return ref MemoryMarshal.GetArrayDataReference(buffers[id - operands.Length]);
                if (operands[id] is null) return ref ones;
                return ref First(operands[id]);
            }
        }

        /// <summary>
        /// The reference evaluator: one loop over every label at once, products and sums accumulated in double, elements
        /// read through the tensors' own indexers. Slow by design; the oracle of EinsumGen's tests.
        /// </summary>
        public static Tensor<T> EvaluateNaive<T>(string spec, params Tensor<T>[] operands) where T : unmanaged, INumberBase<T>
        {
            var expression = Prepare<T>(spec, operands, out var sizes, out var ellipsisShape);
            var output = CreateOutput<T>(expression.Output, sizes, ellipsisShape, out _);
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
            var shapes = new List<long[]?>();
            for (int i = 0; i < operands.Length; i++)
            {
                ArgumentNullException.ThrowIfNull(operands[i], $"operands[{i}]");
                shapes.Add(IsScalarArgument(expression.Inputs[i], operands[i]) ? Array.Empty<long>() : ToLongs(operands[i].Lengths));
            }
            sizes = ShapeResolver.Resolve(expression, shapes, OperandNames(operands.Length), out _, out ellipsisShape);
            if (ellipsisShape.Length > 0 && !expression.Output.HasEllipsis)
            {
                throw new ArgumentException(
                    $"The operands' '...' covers {ellipsisShape.Length} dimension(s), but the output of '{spec}' has no '...' to receive them.", nameof(operands));
            }
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

        private static Tensor<T> CreateOutput<T>(EinsumTerm term, Dictionary<char, long> sizes, long[] ellipsisShape, out bool scalar)
        {
            var lengths = OutputLengths(term, sizes, ellipsisShape);
            scalar = lengths.Length == 0;
            return Tensor.CreateFromShape<T>(scalar ? new nint[] { 1 } : lengths);
        }

        private static nint[] OutputLengths(EinsumTerm term, Dictionary<char, long> sizes, long[] ellipsisShape)
        {
            var lengths = new List<nint>();
            for (int k = 0; k <= term.Labels.Count; k++)
            {
                if (k == term.EllipsisIndex)
                {
                    foreach (long e in ellipsisShape) lengths.Add((nint)e);
                }
                if (k < term.Labels.Count) lengths.Add((nint)sizes[term.Labels[k]]);
            }
            return lengths.ToArray();
        }

        private static T Read<T>(Tensor<T> t, EinsumTerm term, string labels, long[] value, int rank)
        {
            if (term.IsScalar && t.Rank <= 1 && t.FlattenedLength == 1) return First(t);
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

        /// <summary>The view's first element. (Tensor.GetPinnableReference gives the start of the backing array, not of the view.)</summary>
        private static ref T First<T>(Tensor<T> t) => ref t.AsTensorSpan().GetPinnableReference();

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
