using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using Xunit;

namespace EinsumGen.Tests.Corpus;

/// <summary>
/// Every corpus spec, compiled by the real generator into this assembly, run in float and double and compared with the
/// naive oracle (<see cref="Einsum.EvaluateNaive{T}"/>); the runtime's planned evaluator is checked the same way.
/// </summary>
public class CorpusTests
{
    public static IEnumerable<object[]> Cases() => CorpusMethods.Cases.Select(c => new object[] { c });

    [Theory]
    [MemberData(nameof(Cases))]
    public void GeneratedFloatMatchesOracle(CorpusCase c) => Check(c, c.RunFloat);

    [Theory]
    [MemberData(nameof(Cases))]
    public void GeneratedDoubleMatchesOracle(CorpusCase c) => Check(c, c.RunDouble);

    [Theory]
    [MemberData(nameof(Cases))]
    public void RuntimeEvaluateMatchesOracle(CorpusCase c)
    {
        var operands = Operands<double>(c);
        var expected = Einsum.EvaluateNaive(c.Spec, operands);
        var actual = Einsum.Evaluate(c.Spec, operands);
        TestData.AssertClose(expected, actual, ContractionLength(c), c.ToString());
    }

    private static void Check<T>(CorpusCase c, CorpusRunner<T> run) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var operands = Operands<T>(c);
        var expected = Einsum.EvaluateNaive(c.Spec, operands);
        var output = TestData.Garbage<T>(expected.Lengths);
        T scalar = run(operands, output);
        if (IsScalarResult(c)) output[0] = scalar;
        TestData.AssertClose(expected, output, ContractionLength(c), c.ToString());
    }

    internal static Tensor<T>[] Operands<T>(CorpusCase c) where T : INumberBase<T> =>
        c.Shapes.Select((s, i) => TestData.Random<T>(s, 1000 + 17 * i)).ToArray();

    internal static bool IsScalarResult(CorpusCase c)
    {
        if (c.ReturnsScalar) return true;
        var spec = c.Spec.Replace(" ", "");
        if (spec.Contains("->")) return spec.EndsWith("->");
        return !spec.Contains("...") && spec.Replace(",", "").GroupBy(ch => ch).All(g => g.Count() > 1);
    }

    /// <summary>Terms summed into one result element: the product of the sizes of the labels absent from the output.</summary>
    internal static long ContractionLength(CorpusCase c)
    {
        var e = EinsumGen.Notation.EinsumParser.Parse(c.Spec);
        var sizes = new Dictionary<char, long>();
        for (int i = 0; i < e.Inputs.Count; i++)
        {
            var term = e.Inputs[i];
            var shape = c.Shapes[i] ?? System.Array.Empty<int>();
            int extra = shape.Length - term.Labels.Count;
            for (int k = 0; k < term.Labels.Count; k++)
            {
                int dim = term.HasEllipsis && k >= term.EllipsisIndex ? k + extra : k;
                sizes[term.Labels[k]] = System.Math.Max(sizes.GetValueOrDefault(term.Labels[k], 1), shape[dim]);
            }
        }
        return sizes.Where(kv => !e.Output.Labels.Contains(kv.Key)).Aggregate(1L, (acc, kv) => acc * System.Math.Max(1, kv.Value));
    }

    /// <summary>Products in a full expansion: the product of every label's size and every ellipsis dimension's size.</summary>
    internal static long TermCount(CorpusCase c)
    {
        var e = EinsumGen.Notation.EinsumParser.Parse(c.Spec);
        var shapes = c.Shapes.Select(s => (s ?? System.Array.Empty<int>()).Select(d => (long)d).ToArray()).ToList();
        var sizes = EinsumGen.Notation.ShapeResolver.Resolve(e, shapes, out _, out var ellipsis);
        return sizes.Values.Concat(ellipsis).Aggregate(1L, (acc, v) => acc * System.Math.Max(1, v));
    }
}
