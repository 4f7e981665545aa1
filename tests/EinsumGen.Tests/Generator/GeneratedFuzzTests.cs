using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics.Tensors;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using EinsumGen.Notation;
using EinsumGen.Tests.Runtime;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;

namespace EinsumGen.Tests.Generator;

/// <summary>
/// A seeded differential fuzzer through the real generator: random valid specs and shapes (the cases of
/// <see cref="RandomSpecTests"/>, with 1–8 operands: repeated labels, '...' with broadcasting, size-1 and size-0
/// dimensions, rank-0 operands, implicit and explicit outputs, strided and broadcast views), each declared as an
/// <c>[Einsum]</c> method (sometimes with its <c>Sizes</c>), generated, compiled, loaded and run. The forward result must
/// equal <see cref="Einsum.EvaluateNaive{T}"/> exactly (small integers in double), and each gradient of the generated
/// <c>…Backward</c> must equal the exact change of ⟨G, result⟩ when one operand element grows by 1; a case the oracle
/// rejects must be an <see cref="ArgumentException"/> from the generated method too.
/// </summary>
/// <remarks>
/// CI runs <see cref="DefaultCases"/> cases from <see cref="DefaultSeed"/>. A soak:
/// <c>EINSUMGEN_FUZZ_CASES=100000 EINSUMGEN_FUZZ_SEED=7 dotnet test tests/EinsumGen.Tests -c Release --filter GeneratedFuzzTests</c>
/// (the seed is printed; a failure names the case's seed, which reproduces it alone with EINSUMGEN_FUZZ_CASES=1).
/// </remarks>
public class GeneratedFuzzTests(ITestOutputHelper output)
{
    private const int DefaultCases = 160;
    private const int DefaultSeed = 2126;
    private const int BatchSize = 80;

    [Fact]
    public void GeneratedMethodsMatchTheOracle()
    {
        int seed = Environment.GetEnvironmentVariable("EINSUMGEN_FUZZ_SEED") is { Length: > 0 } s ? int.Parse(s, CultureInfo.InvariantCulture) : DefaultSeed;
        int cases = Environment.GetEnvironmentVariable("EINSUMGEN_FUZZ_CASES") is { Length: > 0 } c ? int.Parse(c, CultureInfo.InvariantCulture) : DefaultCases;
        output.WriteLine($"generated-code fuzzer: seed {seed}, {cases} cases (EINSUMGEN_FUZZ_SEED, EINSUMGEN_FUZZ_CASES)");
        int evaluated = 0, rejected = 0, maxOperands = 0;
        for (int first = 0; first < cases; first += BatchSize)
        {
            var batch = Enumerable.Range(first, Math.Min(BatchSize, cases - first)).Select(i => FuzzCase.Create(seed + i)).ToList();
            var type = CompileBatch(batch);
            foreach (var fuzz in batch)
            {
                if (fuzz.Run(type)) evaluated++;
                else rejected++;
                maxOperands = Math.Max(maxOperands, fuzz.Operands.Length);
            }
        }
        output.WriteLine($"{evaluated} evaluated against the oracle, {rejected} rejected by both; up to {maxOperands} operands");
        Assert.True(evaluated >= cases * 6 / 10, $"only {evaluated} of {cases} cases were valid");
    }

    /// <summary>Generates, compiles and loads one class holding every case's method and its call wrappers.</summary>
    private static Type CompileBatch(IReadOnlyList<FuzzCase> batch)
    {
        var source = new StringBuilder("using System.Numerics.Tensors;\nusing EinsumGen;\npublic static partial class Fuzz\n{\n");
        foreach (var fuzz in batch) fuzz.Declare(source);
        source.Append("}\n");
        var compilation = GeneratorHarness.Compile(source.ToString())
            .WithOptions(new Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary,
                optimizationLevel: OptimizationLevel.Release, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var generated, out var diagnostics);
        var errors = diagnostics.Concat(generated.GetDiagnostics()).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "seeds " + batch[0].Seed + "…: " + string.Join("\n", errors.Take(10)));
        using var stream = new MemoryStream();
        var emitted = generated.Emit(stream);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Take(10)));
        stream.Position = 0;
        var context = new AssemblyLoadContext("fuzz" + batch[0].Seed, isCollectible: true);
        return context.LoadFromStream(stream).GetType("Fuzz")!;
    }

    private sealed class FuzzCase
    {
        public int Seed { get; private init; }
        public string Spec { get; private init; } = "";
        public Tensor<double>[] Operands { get; private init; } = Array.Empty<Tensor<double>>();
        private bool[] _scalar = Array.Empty<bool>();
        private bool _scalarOutput;
        private string? _sizes;
        private Random _rng = new(0);

        public static FuzzCase Create(int seed)
        {
            var rng = new Random(seed);
            int maxOperands = rng.Next(4) == 0 ? 8 : 4;
            var (spec, operands) = RandomSpecTests.RandomCase(rng, maxOperands, maxOperands > 4 ? 2 : 3);
            Assert.True(EinsumParser.TryParse(spec, out var expression, out _), $"seed {seed}: '{spec}' does not parse");
            var fuzz = new FuzzCase
            {
                Seed = seed, Spec = spec, Operands = operands, _rng = rng,
                _scalar = expression!.Inputs.Select(t => t.IsScalar).ToArray(),
                _scalarOutput = expression.Output.IsScalar,
            };
            fuzz._sizes = rng.Next(2) == 0 ? DeclaredSizes(spec, operands) : null;
            return fuzz;
        }

        /// <summary>Every label's size, when the spec has no '...' and each label has one positive size throughout.</summary>
        private static string? DeclaredSizes(string spec, Tensor<double>[] operands)
        {
            if (spec.Contains("...")) return null;
            var terms = spec.Split("->")[0].Split(',');
            var sizes = new SortedDictionary<char, nint>();
            for (int i = 0; i < terms.Length; i++)
            {
                for (int j = 0; j < terms[i].Length; j++)
                {
                    nint n = operands[i].Lengths[j];
                    if (n <= 0 || sizes.TryGetValue(terms[i][j], out var seen) && seen != n) return null;
                    sizes[terms[i][j]] = n;
                }
            }
            return sizes.Count == 0 ? null : string.Join(",", sizes.Select(kv => kv.Key + "=" + kv.Value));
        }

        private string Name => "F" + Seed;

        public void Declare(StringBuilder s)
        {
            var parameters = _scalar.Select((scalar, i) => (scalar ? "double" : "ReadOnlyTensorSpan<double>") + " a" + i).ToList();
            if (!_scalarOutput) parameters.Add("TensorSpan<double> y");
            string sizes = _sizes is null ? "" : ", Sizes = \"" + _sizes + "\"";
            s.Append($"    [Einsum(\"{Spec}\"{sizes})]\n    public static partial {(_scalarOutput ? "double" : "void")} {Name}({string.Join(", ", parameters)});\n");
            var args = _scalar.Select((scalar, i) => scalar ? $"((Tensor<double>)x[{i}])[0]" : $"(Tensor<double>)x[{i}]").ToList();
            string call = $"{Name}({string.Join(", ", _scalarOutput ? args : args.Append("(Tensor<double>)y!"))})";
            s.Append($"    public static object? Run{Seed}(object[] x, object? y) {{ {(_scalarOutput ? "return " + call : call + "; return null")}; }}\n");
            var gradients = _scalar.Select((_, i) => $"(Tensor<double>)g[{i}]");
            string dy = _scalarOutput ? "((Tensor<double>)dy)[0]" : "(Tensor<double>)dy";
            s.Append($"    public static void Back{Seed}(object[] x, object dy, object[] g) => {Name}Backward({string.Join(", ", args.Append(dy).Concat(gradients))});\n");
        }

        /// <summary>Whether the explicit output lacks '...' while some operand's '...' covers a dimension.</summary>
        private bool SumsTheEllipsisOutsideTheOutput()
        {
            var e = EinsumParser.Parse(Spec);
            if (e.Output.HasEllipsis) return false;
            for (int i = 0; i < Operands.Length; i++)
            {
                if (e.Inputs[i].HasEllipsis && Operands[i].Rank > e.Inputs[i].Labels.Count) return true;
            }
            return false;
        }

        /// <summary>Runs the case; false when the oracle and the generated method both rejected it.</summary>
        public bool Run(Type type)
        {
            string context = $"seed {Seed}: '{Spec}'{(_sizes is null ? "" : " Sizes=" + _sizes)} on " +
                string.Join(" ", Operands.Select(t => "[" + string.Join(",", t.Lengths.ToArray()) + "]"));
            Tensor<double> expected;
            if (SumsTheEllipsisOutsideTheOutput())
            {
                // The oracle sums what '...' covers (NumPy since gh-30349); generated methods keep rejecting it (docs/notation.md).
                var rejected = Record(() => Forward(type, Tensor.Create(new double[64], [64])));
                Assert.True(rejected is ArgumentException, $"{context}: an output without '...'; the generated method {(rejected is null ? "ran" : "threw " + rejected)}");
                return false;
            }
            try
            {
                expected = Einsum.EvaluateNaive(Spec, Operands);
            }
            catch (ArgumentException)
            {
                var thrown = Record(() => Forward(type, Tensor.Create(new double[64], [64])));
                Assert.True(thrown is ArgumentException, $"{context}: the oracle rejects it; the generated method {(thrown is null ? "ran" : "threw " + thrown)}");
                return false;
            }

            var result = _scalarOutput ? null : Tensor.Create(new double[Math.Max(1, (int)expected.FlattenedLength)], ResultShape(expected));
            object? returned = Forward(type, result);
            var actual = _scalarOutput ? new[] { (double)returned! } : TestData.Flatten(result!);
            Assert.True(TestData.Flatten(expected).SequenceEqual(actual),
                $"{context}: forward\nexpected {string.Join(",", TestData.Flatten(expected))}\nactual   {string.Join(",", actual)}");

            var weights = Enumerable.Range(0, Math.Max(1, (int)expected.FlattenedLength)).Select(i => (double)(i * 7 % 5 - 2)).ToArray();
            var g = Tensor.Create(weights, ResultShape(expected));
            var gradients = Operands.Select(o => Tensor.Create(new double[Math.Max(1, (int)o.FlattenedLength)], o.Rank == 0 ? [1] : o.Lengths.ToArray())).ToArray();
            Invoke(type.GetMethod("Back" + Seed)!, Operands, g, gradients);
            double baseline = Pairing(expected, weights);
            for (int i = 0; i < Operands.Length; i++)
            {
                var values = TestData.Flatten(Operands[i]);
                var gradient = TestData.Flatten(gradients[i]);
                // A few elements each (the naive oracle is the cost): exact, since the result is linear in each operand.
                foreach (int j in Enumerable.Range(0, values.Length).OrderBy(_ => _rng.Next()).Take(3))
                {
                    var bumped = (double[])values.Clone();
                    bumped[j] += 1;
                    var perturbed = (Tensor<double>[])Operands.Clone();
                    perturbed[i] = Tensor.Create(bumped, Operands[i].Lengths.ToArray());
                    double change = Pairing(Einsum.EvaluateNaive(Spec, perturbed), weights) - baseline;
                    Assert.True(change == gradient[j], $"{context}: ∂/∂operand {i} element {j} is {gradient[j]}, expected {change}");
                }
            }
            return true;
        }

        private static nint[] ResultShape(Tensor<double> expected) => expected.Rank == 0 || expected.Lengths.Length == 0 ? [1] : expected.Lengths.ToArray();

        private object? Forward(Type type, Tensor<double>? result) => Invoke(type.GetMethod("Run" + Seed)!, Operands, result, null);

        private static object? Invoke(MethodInfo method, Tensor<double>[] operands, object? second, Tensor<double>[]? third)
        {
            object[] x = operands.Cast<object>().ToArray();
            try
            {
                return method.Invoke(null, third is null ? new[] { x, second } : new object?[] { x, second, third.Cast<object>().ToArray() });
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
        }

        private static Exception? Record(Action action)
        {
            try { action(); return null; }
            catch (Exception e) { return e; }
        }

        private static double Pairing(Tensor<double> t, double[] weights)
        {
            var values = TestData.Flatten(t);
            double sum = 0;
            for (int i = 0; i < values.Length; i++) sum += values[i] * weights[i];
            return sum;
        }
    }
}
