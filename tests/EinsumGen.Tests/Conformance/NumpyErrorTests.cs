using System;
using System.Linq;
using System.Numerics.Tensors;
using Xunit;

namespace EinsumGen.Tests.Conformance;

/// <summary>
/// Every error NumPy's einsum raises, ported from numpy/_core/tests/test_einsum.py (test_einsum_errors,
/// test_einsum_specific_errors) and opt_einsum/tests/test_input.py (test_type_errors, test_value_errors): each is an
/// <see cref="ArgumentException"/> (never another exception, never a result) from <see cref="Einsum.Evaluate{T}"/>,
/// <see cref="Einsum.EvaluateNaive{T}"/> and <see cref="EinsumPlan.Create(string, int[][])"/> (NumPy's einsum_path), whose
/// message names what is wrong. The generator's diagnostics for the same specs: Generator/DiagnosticsTests.
/// </summary>
public class NumpyErrorTests
{
    /// <summary>spec; operand shapes ("()" rank 0, "" no operand); a fragment the message must contain.</summary>
    public static TheoryData<string, string, string> Cases() => new()
    {
        // Need enough arguments; the number of operands must match the terms.
        { "", "", "1 operand term" },
        { "", "();()", "1 operand term" },
        { ",", "();();()", "2 operand term" },
        { ",", "()", "2 operand term" },
        // More subscripts than dimensions.
        { "i", "()", "'i'" },
        { "ij", "2", "'ij'" },
        { "...i", "()", "'...i'" },
        { "i...j", "2", "'i...j'" },
        { "i...", "()", "'i...'" },
        { "ij...", "2", "'ij...'" },
        // Invalid ellipses.
        { "i..", "2", "three dots" },
        { ".i...", "2", "three dots" },
        { "j->..j", "2", "three dots" },
        { "j->.j...", "2", "three dots" },
        { "...i...", "2", "only one ellipsis" },
        // Invalid subscript characters (NumPy's labels are a-z and A-Z only).
        { "i%...", "2", "'%'" },
        { "...j$", "2", "'$'" },
        { "i->&", "2", "'&'" },
        { "&,a->", "();1", "'&'" },
        { "a,a->&", "1;1", "'&'" },
        { "i1->i", "2", "'1'" },
        { "\u00e9->", "2", "'\u00e9'" },
        { "i- >i", "2", "'-'" },
        // Two arrows.
        { "->,->", "();()", "'->'" },
        { "i->i->i", "2", "'->'" },
        // Output subscripts must appear in the input, and only once.
        { "i->ij", "2", "'j'" },
        { "ij->jij", "2,2", "'j'" },
        { "i->ii", "2", "'i'" },
        { "i,j->i,j", "2;2", "','" },
        // Dimensions must match when collapsed (a diagonal), and gh-11221: the message names 'b', not 'c'.
        { "ii", "2,3", "'i'" },
        { "ii->i", "2,3", "'i'" },
        { "aabcb,abc", "3,3,4,5,6;3,4,5", "'b'" },
        // Broadcasting to new dimensions must be enabled explicitly (with '...').
        { "i", "2,3", "rank 2" },
        { "i->i", "2,2", "rank 2" },
        // Sizes of one label that disagree (neither is 1), across operands and across ellipses.
        { "ij,jk->ik", "2,3;4,5", "'j'" },
        { "ij,ij->ij", "2,3;3,3", "'i'" },
        { "...,...", "2,3;4,3", "..." },
        { "...i,...i->...", "2,5;3,5", "..." },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EinsumPathRejectsWithAnArgumentException(string spec, string shapes, string mention)
    {
        var error = Record.Exception(() => EinsumPlan.Create(spec, ConformanceData.Shapes(shapes)));
        AssertArgumentError(error, mention, spec);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EvaluateRejectsWithAnArgumentException(string spec, string shapes, string mention)
    {
        var dims = ConformanceData.Shapes(shapes);
        // System.Numerics.Tensors has no rank-0 tensor: a scalar is a one-element tensor of rank 1, which is a valid
        // vector for a term with one label. Those rank errors are checked through EinsumPlan (above) only.
        var terms = spec.Split("->")[0].Split(',');
        if (dims.Select((d, k) => d.Length == 0 && k < terms.Length && terms[k].Trim().Length > 0).Any(x => x)) return;
        var operands = dims.Select(d => ConformanceData.Tensor(d, i => (double)i)).ToArray();
        AssertArgumentError(Record.Exception(() => Einsum.Evaluate(spec, operands)), mention, spec);
        AssertArgumentError(Record.Exception(() => Einsum.EvaluateNaive(spec, operands)), mention, spec);
        var floats = dims.Select(d => ConformanceData.Tensor(d, i => (float)i)).ToArray();
        AssertArgumentError(Record.Exception(() => Einsum.Evaluate(spec, floats)), mention, spec);
    }

    [Fact]
    public void AnOutputOfTheWrongShapeIsRejectedBeforeAnythingIsWritten()
    {
        // np.einsum("i->i", [[0, 1], [0, 1]], out=np.arange(4).reshape(2, 2)) and the 'ij,jk' kind with a wrong out.
        var a = ConformanceData.Tensor(new[] { 2, 3 }, i => (double)i);
        var b = ConformanceData.Tensor(new[] { 3, 4 }, i => (double)i);
        var output = ConformanceData.Tensor(new[] { 2, 5 }, _ => double.NaN);
        var error = Record.Exception(() => Einsum.EvaluateInto("ij,jk->ik", output, a, b));
        AssertArgumentError(error, "[2, 4]", "ij,jk->ik into [2, 5]");
        Assert.All(TestData.Flatten(output), v => Assert.True(double.IsNaN(v)));
        error = Record.Exception(() => Einsum.Backward("ij,jk->ik", output, a, b));
        AssertArgumentError(error, "[2, 4]", "backward of ij,jk->ik from [2, 5]");
    }

    private static void AssertArgumentError(Exception? error, string mention, string spec)
    {
        Assert.True(error is not null, $"'{spec}' was accepted; NumPy raises");
        Assert.True(error!.GetType() == typeof(ArgumentException), $"'{spec}': {error.GetType().Name}: {error.Message}");
        Assert.Contains(mention, error.Message, StringComparison.Ordinal);
    }
}
