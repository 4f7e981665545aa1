using System;
using System.Collections.Generic;
using System.Globalization;
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
    /// result comes back as a tensor of shape [1]. Any numeric element type works, as in NumPy: float and double run on the
    /// SIMD kernels; integers (which wrap on overflow, as NumPy's fixed-width integers do), Complex and decimal run
    /// the same plan on scalar loops in the type's own arithmetic; Half is computed in float and rounded once, as NumPy does.
    /// </summary>
    public static partial class Einsum
    {
        /// <summary>
        /// Evaluates <paramref name="spec"/> over <paramref name="operands"/> (any strided views), contracting pairwise in the
        /// order the planner picks for these shapes, and returns a new dense tensor.
        /// </summary>
        public static Tensor<T> Evaluate<T>(string spec, params Tensor<T>[] operands) where T : unmanaged, INumberBase<T>
        {
            if (HalfInSingle.Applies<T>()) return HalfInSingle.Evaluate(spec, operands);
            var expression = Prepare<T>(spec, operands, out var sizes, out var ellipsisShape);
            var program = Plan(expression, sizes, ellipsisShape, OperandNames(operands.Length), "result");
            var output = CreateOutput<T>(spec, expression.Output, sizes, ellipsisShape, out bool scalar);
            var views = new TensorViews<T>(expression, operands, output, scalar, extras: null);
            ProgramRunner.Forward<T, TensorViews<T>>(program, ref views);
            return output;
        }

        /// <summary>
        /// Evaluates <paramref name="spec"/> as <see cref="Evaluate{T}(string, Tensor{T}[])"/> does, planned with
        /// <paramref name="options"/> (as <see cref="EinsumPlan.Create(string, EinsumPlanOptions?, int[][])"/> plans it): NumPy's
        /// <c>optimize=(strategy, memory_limit)</c> and opt_einsum's <c>memory_limit</c>. When no pairwise order keeps the
        /// intermediates within <see cref="EinsumPlanOptions.MemoryLimit"/>, the last step contracts all remaining tensors in
        /// one loop nest, without intermediates, as opt_einsum does. With <see cref="EinsumPlanOptions.Path"/>, the steps
        /// are the ones given (NumPy's <c>optimize=['einsum_path', ...]</c>, opt_einsum's <c>optimize=path</c>).
        /// </summary>
        public static Tensor<T> Evaluate<T>(string spec, EinsumPlanOptions? options, params Tensor<T>[] operands) where T : unmanaged, INumberBase<T>
        {
            if (options is null) return Evaluate(spec, operands);
            if (HalfInSingle.Applies<T>()) return HalfInSingle.Evaluate(spec, options, operands);
            var expression = Prepare<T>(spec, operands, out var sizes, out var ellipsisShape);
            var path = PlanPath(expression, sizes, ellipsisShape, options);
            var output = CreateOutput<T>(spec, expression.Output, sizes, ellipsisShape, out bool scalar);
            if (HasMultiway(path))
            {
                StepwiseEvaluation.Forward(expression, path, operands, output, ellipsisShape);
                return output;
            }
            var views = new TensorViews<T>(expression, operands, output, scalar, extras: null);
            ProgramRunner.Forward<T, TensorViews<T>>(Program(expression, path, "result"), ref views);
            return output;
        }

        /// <summary>
        /// NumPy's <c>einsum(..., out=output)</c>: evaluates <paramref name="spec"/> into <paramref name="output"/> (any strided
        /// view of the result's shape, a one-element tensor for a scalar result), overwriting it. Its shape is checked before
        /// anything is written. As in NumPy, the output may share memory with an operand (<c>out=b</c>): the result is then
        /// computed into a new tensor first and copied into <paramref name="output"/> when complete.
        /// </summary>
        public static void EvaluateInto<T>(string spec, Tensor<T> output, params Tensor<T>[] operands) where T : unmanaged, INumberBase<T>
        {
            ArgumentNullException.ThrowIfNull(output);
            if (HalfInSingle.Applies<T>()) HalfInSingle.EvaluateInto(spec, output, operands);
            else EvaluateIntoInT(spec, output, operands);
        }

        /// <summary>
        /// <see cref="EvaluateInto{T}(string, Tensor{T}, Tensor{T}[])"/> planned with <paramref name="options"/> (see
        /// <see cref="Evaluate{T}(string, EinsumPlanOptions?, Tensor{T}[])"/>): NumPy's <c>einsum(..., out=output,
        /// optimize=(strategy, memory_limit))</c>. The output's shape is checked before anything is computed or written; the
        /// result is computed into a new tensor and then copied.
        /// </summary>
        public static void EvaluateInto<T>(string spec, EinsumPlanOptions? options, Tensor<T> output, params Tensor<T>[] operands)
            where T : unmanaged, INumberBase<T>
        {
            if (options is null)
            {
                EvaluateInto(spec, output, operands);
                return;
            }
            ArgumentNullException.ThrowIfNull(output);
            var expression = Prepare<T>(spec, operands, out var sizes, out var ellipsisShape);
            bool scalar = CheckResultShape(output, OutputLengths(expression.Output, sizes, ellipsisShape), spec, "output", nameof(output));
            var result = Evaluate(spec, options, operands);
            if (scalar) First(output) = First(result);
            else EvaluateInto("...->...", output, result);
        }

        /// <summary><see cref="EvaluateInto{T}(string, Tensor{T}, Tensor{T}[])"/> in T's own arithmetic (Half included).</summary>
        internal static void EvaluateIntoInT<T>(string spec, Tensor<T> output, Tensor<T>[] operands) where T : unmanaged, INumberBase<T>
        {
            var program = PlanWithResult(spec, operands, output, "output", nameof(output), out var expression, out bool scalar);
            var target = SharesMemoryWithAnOperand(output, operands) ? Tensor.CreateFromShape<T>(output.Lengths) : output;
            var views = new TensorViews<T>(expression, operands, target, scalar, extras: null);
            ProgramRunner.Forward<T, TensorViews<T>>(program, ref views);
            if (!ReferenceEquals(target, output)) EvaluateInto("...->...", output, target);
        }

        /// <summary>
        /// Whether <paramref name="output"/>, a view whose elements are distinct, spans memory that an operand also spans.
        /// A view that repeats an element (stride 0) is left to the runner, which rejects it.
        /// </summary>
        private static bool SharesMemoryWithAnOperand<T>(Tensor<T> output, Tensor<T>[] operands)
        {
            var lengths = output.Lengths;
            var strides = output.Strides;
            for (int d = 0; d < lengths.Length; d++)
            {
                if (strides[d] == 0 && lengths[d] > 1) return false;
            }
            long extent = Overlap.Extent(lengths, strides);
            foreach (var operand in operands)
            {
                if (Overlap.Overlaps(in First(output), extent, in First(operand), Overlap.Extent(operand.Lengths, operand.Strides))) return true;
            }
            return false;
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
            if (HalfInSingle.Applies<T>()) return HalfInSingle.Backward(spec, outputGradient, operands);
            var program = PlanWithResult(spec, operands, outputGradient, "output gradient", nameof(outputGradient), out var expression, out bool scalarResult);
            return Backward(program, expression, spec, outputGradient, scalarResult, operands);
        }

        private static Tensor<T>[] Backward<T>(EinsumProgram program, EinsumExpression expression, string spec, Tensor<T> outputGradient, bool scalarResult,
            Tensor<T>[] operands) where T : unmanaged, INumberBase<T>
        {
            var gradients = new Tensor<T>[operands.Length];
            var shapes = GradientShapes(expression, spec, operands);
            for (int i = 0; i < operands.Length; i++) gradients[i] = Tensor.CreateFromShape<T>(shapes[i]);
            var views = new TensorViews<T>(expression, operands, outputGradient, scalarResult, gradients);
            ProgramRunner.Backward<T, TensorViews<T>>(program, ref views, GradientMode.Overwrite);
            return gradients;
        }

        /// <summary>
        /// <see cref="Backward{T}(string, Tensor{T}, Tensor{T}[])"/> through the plan <paramref name="options"/> choose (see
        /// <see cref="Evaluate{T}(string, EinsumPlanOptions?, Tensor{T}[])"/>): each gradient of a step over all remaining
        /// tensors is one loop nest of its own, so the memory limit holds for the backward pass too.
        /// </summary>
        public static Tensor<T>[] Backward<T>(string spec, EinsumPlanOptions? options, Tensor<T> outputGradient, params Tensor<T>[] operands)
            where T : unmanaged, INumberBase<T>
        {
            if (options is null) return Backward(spec, outputGradient, operands);
            ArgumentNullException.ThrowIfNull(outputGradient);
            if (HalfInSingle.Applies<T>()) return HalfInSingle.Backward(spec, options, outputGradient, operands);
            var expression = Prepare<T>(spec, operands, out var sizes, out var ellipsisShape);
            bool scalarResult = CheckResultShape(outputGradient, OutputLengths(expression.Output, sizes, ellipsisShape), spec, "output gradient", nameof(outputGradient));
            var path = PlanPath(expression, sizes, ellipsisShape, options);
            if (!HasMultiway(path)) return Backward(Program(expression, path, nameof(outputGradient)), expression, spec, outputGradient, scalarResult, operands);
            var shapes = GradientShapes(expression, spec, operands);
            return StepwiseEvaluation.Backward(expression, path, operands, outputGradient, shapes, ellipsisShape);
        }

        /// <summary>Each operand's shape (one element for a scalar), every one checked before any gradient is allocated (a broadcast operand may be larger than any array).</summary>
        private static nint[][] GradientShapes<T>(EinsumExpression expression, string spec, Tensor<T>[] operands)
        {
            var shapes = new nint[operands.Length][];
            for (int i = 0; i < operands.Length; i++)
            {
                shapes[i] = IsScalarArgument(expression.Inputs[i], operands[i]) ? new nint[] { 1 } : operands[i].Lengths.ToArray();
                CheckArraySize(spec, shapes[i], $"a gradient for operand {i}", nameof(operands));
            }
            return shapes;
        }

        /// <summary>Plans <paramref name="expression"/> on actual sizes and wraps it as a program.</summary>
        private static EinsumProgram Plan(EinsumExpression expression, Dictionary<char, long> sizes, long[] ellipsisShape, string[] names, string outputName)
        {
            var planSizes = PlannerSizes(sizes, ellipsisShape);
            var path = ContractionPlanner.Plan(expression.PlannerInputs(), expression.PlannerOutput(), planSizes);
            var steps = new List<ProgramStep>();
            foreach (var s in path.Steps) steps.Add(ProgramStep.From(s));
            return EinsumProgram.Create(expression, steps, names, outputName);
        }

        /// <summary>Plans <paramref name="expression"/> on actual sizes with <paramref name="options"/>.</summary>
        private static ContractionPath PlanPath(EinsumExpression expression, Dictionary<char, long> sizes, long[] ellipsisShape, EinsumPlanOptions options) =>
            options.Path is { } path
                ? ExplicitPath.Plan(expression.PlannerInputs(), expression.PlannerOutput(), PlannerSizes(sizes, ellipsisShape), path, nameof(options))
                : ContractionPlanner.Plan(expression.PlannerInputs(), expression.PlannerOutput(), PlannerSizes(sizes, ellipsisShape),
                    new PlannerOptions { Strategy = (PlanStrategy)(int)options.Strategy, MemoryLimit = options.MemoryLimit });

        private static bool HasMultiway(ContractionPath path)
        {
            foreach (var s in path.Steps) if (s.IsMultiway) return true;
            return false;
        }

        /// <summary>A pairwise (or unary) plan as a program.</summary>
        private static EinsumProgram Program(EinsumExpression expression, ContractionPath path, string outputName)
        {
            var steps = new List<ProgramStep>();
            foreach (var s in path.Steps) steps.Add(ProgramStep.From(s));
            return EinsumProgram.Create(expression, steps, OperandNames(expression.Inputs.Count), outputName);
        }

        /// <summary>
        /// The reference evaluator: one loop over every label at once, elements read through the tensors' own indexers,
        /// products and sums accumulated in double for float, double and Half (so that it is more accurate than what it
        /// checks) and in T's own arithmetic for every other numeric type (integers wrap as NumPy's do; Complex keeps its
        /// imaginary part). Slow by design; the oracle of EinsumGen's tests.
        /// </summary>
        public static Tensor<T> EvaluateNaive<T>(string spec, params Tensor<T>[] operands) where T : unmanaged, INumberBase<T>
        {
            var expression = Prepare<T>(spec, operands, out var sizes, out var ellipsisShape);
            var output = CreateOutput<T>(spec, expression.Output, sizes, ellipsisShape, out _);
            var labels = expression.AllLabels();
            int rank = ellipsisShape.Length, dims = labels.Length + rank;
            var extent = new long[dims];
            for (int d = 0; d < labels.Length; d++) extent[d] = sizes[labels[d]];
            for (int j = 0; j < rank; j++) extent[labels.Length + j] = ellipsisShape[j];

            bool inDouble = typeof(T) == typeof(float) || typeof(T) == typeof(double) || typeof(T) == typeof(Half);
            var wide = inDouble ? new double[output.FlattenedLength] : null;
            var exact = inDouble ? null : new T[output.FlattenedLength];
            if (exact is not null) Array.Fill(exact, T.Zero);
            var value = new long[dims];
            bool empty = Array.IndexOf(extent, 0L) >= 0;
            var outIndex = new nint[Math.Max(1, output.Rank)];
            while (!empty)
            {
                long at = FlatOutputIndex(expression.Output, labels, value, rank, extent, outIndex, output);
                if (wide is not null)
                {
                    double product = 1;
                    for (int i = 0; i < operands.Length; i++) product *= double.CreateChecked(Read(operands[i], expression.Inputs[i], labels, value, rank));
                    wide[at] += product;
                }
                else
                {
                    T product = T.One;
                    for (int i = 0; i < operands.Length; i++) product *= Read(operands[i], expression.Inputs[i], labels, value, rank);
                    exact![at] += product;
                }
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
            for (long f = 0; f < output.FlattenedLength; f++)
            {
                long rest = f;
                for (int d = output.Rank - 1; d >= 0; d--)
                {
                    index[d] = (nint)(rest % output.Lengths[d]);
                    rest /= output.Lengths[d];
                }
                output[index] = wide is not null ? T.CreateChecked(wide[f]) : exact![f];
            }
            return output;
        }

        private static EinsumExpression Prepare<T>(string spec, Tensor<T>[] operands, out Dictionary<char, long> sizes, out long[] ellipsisShape)
        {
            ArgumentNullException.ThrowIfNull(spec);
            ArgumentNullException.ThrowIfNull(operands);
            var expression = EinsumParser.Parse(spec);
            if (operands.Length != expression.Inputs.Count)
            {
                throw new ArgumentException($"'{SpecQuote.Of(spec)}' has {expression.Inputs.Count} operand term(s), but {operands.Length} operand(s) were given.", nameof(operands));
            }
            var shapes = new List<long[]?>();
            for (int i = 0; i < operands.Length; i++)
            {
                ArgumentNullException.ThrowIfNull(operands[i], $"operands[{i}]");
                shapes.Add(IsScalarArgument(expression.Inputs[i], operands[i]) ? Array.Empty<long>() : ToLongs(operands[i].Lengths));
            }
            sizes = ShapeResolver.Resolve(expression, shapes, OperandNames(operands.Length), out _, out ellipsisShape);
            if (EllipsisSum.Applies(expression, ellipsisShape.Length))
            {
                // An explicit output without '...' sums what '...' covers, as NumPy's optimized path, opt_einsum and PyTorch do.
                expression = EllipsisSum.Expand(expression, shapes.ConvertAll(s => s!.Length), ellipsisShape.Length, nameof(operands));
                sizes = ShapeResolver.Resolve(expression, shapes, OperandNames(operands.Length), out _, out ellipsisShape);
            }
            return expression;
        }

        /// <summary>
        /// Parses and checks <paramref name="spec"/> against <paramref name="operands"/>, checks that <paramref name="result"/>
        /// (the <paramref name="what"/>) has the result's shape, and plans for these shapes.
        /// </summary>
        internal static EinsumProgram PlanWithResult<T>(string spec, Tensor<T>[] operands, Tensor<T> result, string what, string parameter,
            out EinsumExpression expression, out bool scalar) where T : unmanaged, INumberBase<T>
        {
            expression = Prepare<T>(spec, operands, out var sizes, out var ellipsisShape);
            scalar = CheckResultShape(result, OutputLengths(expression.Output, sizes, ellipsisShape), spec, what, parameter);
            return Plan(expression, sizes, ellipsisShape, OperandNames(operands.Length), parameter);
        }

        /// <summary>
        /// Throws unless <paramref name="given"/> (the <paramref name="what"/>) has the result's shape, one element for a
        /// scalar result; returns whether the result is a scalar.
        /// </summary>
        private static bool CheckResultShape<T>(Tensor<T> given, nint[] expected, string spec, string what, string parameter)
        {
            bool scalar = expected.Length == 0;
            if (scalar ? given.FlattenedLength != 1 : !given.Lengths.SequenceEqual(expected))
            {
                throw new ArgumentException(
                    $"The {what} has shape [{string.Join(", ", given.Lengths.ToArray())}], but '{SpecQuote.Of(spec)}' produces [{string.Join(", ", expected)}] for these operands.",
                    parameter);
            }
            return scalar;
        }

        /// <summary>A one-element tensor stands for a scalar where the term names nothing.</summary>
        internal static bool IsScalarArgument<T>(EinsumTerm term, Tensor<T> t) => term.IsScalar && t.Rank <= 1 && t.FlattenedLength == 1;

        /// <summary>
        /// A new dense result; one no array can hold is an <see cref="ArgumentException"/> before anything is allocated (the
        /// tensor's own constructor would overflow, or try to allocate, instead).
        /// </summary>
        private static Tensor<T> CreateOutput<T>(string spec, EinsumTerm term, Dictionary<char, long> sizes, long[] ellipsisShape, out bool scalar)
        {
            var lengths = OutputLengths(term, sizes, ellipsisShape);
            scalar = lengths.Length == 0;
            CheckArraySize(spec, lengths, "a result", "operands");
            return Tensor.CreateFromShape<T>(scalar ? new nint[] { 1 } : lengths);
        }

        /// <summary>Throws when a dense tensor of <paramref name="lengths"/> has more elements than an array can hold.</summary>
        private static void CheckArraySize(string spec, nint[] lengths, string what, string parameter)
        {
            long count = 1;
            foreach (nint length in lengths) count = Saturating.Mul(count, length);
            if (count <= Array.MaxLength) return;
            string elements = count == long.MaxValue ? "more than 2^63" : count.ToString("N0", CultureInfo.InvariantCulture);
            throw new ArgumentException(
                $"'{SpecQuote.Of(spec)}' needs {what} of shape [{string.Join(", ", lengths)}], {elements} elements, more than an array can hold " +
                $"({Array.MaxLength.ToString("N0", CultureInfo.InvariantCulture)}).", parameter);
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
        internal static ref T First<T>(Tensor<T> t) => ref t.AsTensorSpan().GetPinnableReference();

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
