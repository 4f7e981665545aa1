using System;
using System.Collections.Generic;
using System.Linq;
using EinsumGen.Notation;
using Xunit;

namespace EinsumGen.Tests.Notation;

/// <summary>The shared notation parser against NumPy's einsum rules: implicit/explicit output, spaces, ellipsis, errors.</summary>
public class EinsumParserTests
{
    private const string Lower = "abcdefghijklmnopqrstuvwxyz";
    private const string Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

    private static EinsumExpression Ok(string spec)
    {
        bool ok = EinsumParser.TryParse(spec, out var e, out var error);
        Assert.True(ok, $"'{spec}' should parse, got: {error}");
        Assert.Null(error);
        Assert.NotNull(e);
        return e!;
    }

    private static EinsumSyntaxError Fails(string spec)
    {
        bool ok = EinsumParser.TryParse(spec, out var e, out var error);
        Assert.False(ok, $"'{spec}' should be rejected, parsed as '{e?.Canonical}'");
        Assert.Null(e);
        Assert.NotNull(error);
        return error!;
    }

    private static string Labels(EinsumTerm t) => new string(t.Labels.ToArray());

    // ---- implicit output ----------------------------------------------------------------------------------------

    [Theory]
    [InlineData("ba", "ab")]
    [InlineData("ab", "ab")]
    [InlineData("Ab,bC", "AC")]
    [InlineData("aB", "Ba")]                 // ordinal: capitals before lowercase
    [InlineData("zA", "Az")]
    [InlineData("ii", "")]                   // trace
    [InlineData("iij", "j")]
    [InlineData("ij,jk", "ik")]
    [InlineData("ij,ij", "")]
    [InlineData("ab,ab,c", "c")]
    [InlineData("a,b,c", "abc")]
    [InlineData("c,b,a", "abc")]
    [InlineData("ij,jk,kl", "il")]
    [InlineData("", "")]
    [InlineData(",", "")]
    [InlineData("i,", "i")]
    public void ImplicitOutputIsLabelsSeenOnceInOrdinalOrder(string spec, string output)
    {
        var e = Ok(spec);
        Assert.False(e.IsExplicit);
        Assert.Equal(output, Labels(e.Output));
        Assert.False(e.Output.HasEllipsis);
        Assert.Equal(-1, e.Output.EllipsisIndex);
        Assert.All(e.Output.LabelPositions, p => Assert.Equal(-1, p));
        Assert.Equal(-1, e.Output.Start);
        Assert.Equal(output.Length == 0, e.Output.IsScalar);
    }

    [Theory]
    [InlineData("...ij,...jk", "...ik")]
    [InlineData("i...,j", "...ij")]
    [InlineData("...", "...")]
    [InlineData("...,...", "...")]
    [InlineData("a...a", "...")]
    [InlineData("ba...,c", "...abc")]
    [InlineData("...ii", "...")]
    public void ImplicitOutputPutsTheEllipsisFirst(string spec, string output)
    {
        var e = Ok(spec);
        Assert.False(e.IsExplicit);
        Assert.True(e.Output.HasEllipsis);
        Assert.Equal(0, e.Output.EllipsisIndex);
        Assert.Equal(-1, e.Output.EllipsisPosition);
        Assert.False(e.Output.IsScalar);
        Assert.Equal(output, e.Output.ToString());
        Assert.True(e.AnyEllipsis);
    }

    [Fact]
    public void ImplicitOutputOfBatchedMatMulIsEllipsisIk()
    {
        var e = Ok("...ij,...jk");
        Assert.Equal("...ij,...jk->...ik", e.Canonical);
        Assert.Equal("ik", Labels(e.Output));
    }

    // ---- explicit output ----------------------------------------------------------------------------------------

    [Theory]
    [InlineData("ij,jk->ik", "ik")]
    [InlineData("ij,jk->ki", "ki")]
    [InlineData("ba->ba", "ba")]             // explicit output keeps the written order
    [InlineData("ii->i", "i")]
    [InlineData("ij->", "")]
    [InlineData("ij,ij->ij", "ij")]
    [InlineData("abc->cba", "cba")]
    [InlineData("a,b->ba", "ba")]
    public void ExplicitOutputIsAsWritten(string spec, string output)
    {
        var e = Ok(spec);
        Assert.True(e.IsExplicit);
        Assert.Equal(output, Labels(e.Output));
        Assert.Equal(output.Length == 0, e.Output.IsScalar);
        int arrow = spec.IndexOf("->", StringComparison.Ordinal);
        for (int k = 0; k < e.Output.Labels.Count; k++)
        {
            Assert.Equal(arrow + 2 + k, e.Output.LabelPositions[k]);
        }
    }

    [Fact]
    public void ExplicitOutputMayHaveAnEllipsisNoInputHas()
    {
        // NumPy accepts this: the ellipsis then stands for zero dimensions.
        var e = Ok("ij->...ij");
        Assert.True(e.Output.HasEllipsis);
        Assert.Equal(0, e.Output.EllipsisIndex);
        Assert.Equal(4, e.Output.EllipsisPosition);
        Assert.False(e.Inputs[0].HasEllipsis);
    }

    [Fact]
    public void ExplicitOutputMayDropTheInputsEllipsis()
    {
        // The spec is valid; NumPy only objects at run time when '...' covers one or more dimensions.
        var e = Ok("...i->i");
        Assert.True(e.Inputs[0].HasEllipsis);
        Assert.False(e.Output.HasEllipsis);
        Assert.Equal("...i->i", e.Canonical);
    }

    // ---- spaces, positions, canonical form ----------------------------------------------------------------------

    [Fact]
    public void SpacesAnywhereBetweenTokens()
    {
        const string spec = "aei, bfij, cgjk, dhk, nabcd -> nefgh";
        var e = Ok(spec);
        Assert.True(e.IsExplicit);
        Assert.Equal(spec, e.Text);
        Assert.Equal("aei,bfij,cgjk,dhk,nabcd->nefgh", e.Canonical);
        Assert.Equal(new[] { "aei", "bfij", "cgjk", "dhk", "nabcd" }, e.Inputs.Select(Labels));
        Assert.Equal("nefgh", Labels(e.Output));

        // Term starts and lengths are on the text with the spaces trimmed.
        Assert.Equal(new[] { 0, 5, 11, 17, 22 }, e.Inputs.Select(t => t.Start));
        Assert.Equal(new[] { 3, 4, 4, 3, 5 }, e.Inputs.Select(t => t.Length));
        Assert.Equal(31, e.Output.Start);
        Assert.Equal(5, e.Output.Length);

        Assert.Equal(new[] { 5, 6, 7, 8 }, e.Inputs[1].LabelPositions);
        Assert.Equal(new[] { 22, 23, 24, 25, 26 }, e.Inputs[4].LabelPositions);
        Assert.Equal(new[] { 31, 32, 33, 34, 35 }, e.Output.LabelPositions);
        foreach (var term in e.Inputs.Append(e.Output))
        {
            for (int k = 0; k < term.Labels.Count; k++) Assert.Equal(term.Labels[k], spec[term.LabelPositions[k]]);
        }
    }

    [Theory]
    [InlineData(" ij , jk -> ik ")]
    [InlineData("i j,j k->i k")]
    [InlineData("ij,jk->ik")]
    [InlineData("  ij,jk  ->  ik")]
    [InlineData("ij,jk")]
    [InlineData(" i j , j k ")]
    public void SpacesDoNotChangeTheMeaning(string spec)
    {
        var e = Ok(spec);
        Assert.Equal("ij,jk->ik", e.Canonical);
        foreach (var term in e.Inputs.Concat(e.IsExplicit ? new[] { e.Output } : Array.Empty<EinsumTerm>()))
        {
            for (int k = 0; k < term.Labels.Count; k++) Assert.Equal(term.Labels[k], spec[term.LabelPositions[k]]);
            Assert.NotEqual(' ', spec[term.Start]);
            Assert.NotEqual(' ', spec[term.Start + term.Length - 1]);
        }
    }

    [Fact]
    public void SpacesAroundAndInsideTermsWithEllipsis()
    {
        const string spec = " ... i j , ...jk -> ... ik";
        var e = Ok(spec);
        Assert.Equal("...ij,...jk->...ik", e.Canonical);
        Assert.Equal(1, e.Inputs[0].Start);
        Assert.Equal(1, e.Inputs[0].EllipsisPosition);
        Assert.Equal(new[] { 5, 7 }, e.Inputs[0].LabelPositions);
        Assert.Equal(7, e.Inputs[0].Length);       // "... i j"
        Assert.Equal(11, e.Inputs[1].Start);
        Assert.Equal(11, e.Inputs[1].EllipsisPosition);
        Assert.Equal(new[] { 14, 15 }, e.Inputs[1].LabelPositions);
        Assert.Equal(20, e.Output.Start);
        Assert.Equal(20, e.Output.EllipsisPosition);
        Assert.Equal(new[] { 24, 25 }, e.Output.LabelPositions);
    }

    [Theory]
    [InlineData("...ij", 0, 0)]
    [InlineData("i...j", 1, 1)]
    [InlineData("ij...", 2, 2)]
    [InlineData("ab,ij...", 2, 5)]
    [InlineData("i ... j", 1, 2)]
    public void EllipsisIndexCountsLabelsBeforeIt(string spec, int index, int position)
    {
        var e = Ok(spec);
        var term = e.Inputs[^1];
        Assert.True(term.HasEllipsis);
        Assert.False(term.IsScalar);
        Assert.Equal(index, term.EllipsisIndex);
        Assert.Equal(position, term.EllipsisPosition);
        Assert.Equal(spec.Replace(" ", "").Split(',')[^1], term.ToString());
    }

    [Fact]
    public void EllipsisPositionsInEveryTerm()
    {
        var e = Ok("a...b,...c->b...ca");
        Assert.Equal(1, e.Inputs[0].EllipsisIndex);
        Assert.Equal(1, e.Inputs[0].EllipsisPosition);
        Assert.Equal(0, e.Inputs[1].EllipsisIndex);
        Assert.Equal(6, e.Inputs[1].EllipsisPosition);
        Assert.Equal(1, e.Output.EllipsisIndex);
        Assert.Equal(13, e.Output.EllipsisPosition);
        Assert.Equal(new[] { 12, 16, 17 }, e.Output.LabelPositions);
        Assert.Equal("a...b,...c->b...ca", e.Canonical);
        Assert.Equal(new List<string> { ".ab", ".c" }, e.PlannerInputs());
        Assert.Equal(".bca", e.PlannerOutput());
    }

    [Fact]
    public void TermWithoutEllipsisHasMinusOnePositions()
    {
        var e = Ok("ij->ji");
        Assert.False(e.Inputs[0].HasEllipsis);
        Assert.Equal(-1, e.Inputs[0].EllipsisIndex);
        Assert.Equal(-1, e.Inputs[0].EllipsisPosition);
        Assert.False(e.AnyEllipsis);
        Assert.Equal(new[] { 0, 1 }, e.Inputs[0].LabelPositions);
        Assert.Equal(new[] { 4, 5 }, e.Output.LabelPositions);
    }

    [Fact]
    public void RepeatedLabelsAreKeptInTheTerm()
    {
        var e = Ok("iij,jk->ik");
        Assert.Equal("iij", Labels(e.Inputs[0]));
        Assert.Equal("ij", e.Inputs[0].DistinctLabels());
        Assert.Equal("ijk", e.AllLabels());
    }

    [Theory]
    [InlineData("ij,jk", "ij,jk->ik")]
    [InlineData("ij,jk->ik", "ij,jk->ik")]
    [InlineData("ba", "ba->ab")]
    [InlineData("ii", "ii->")]
    [InlineData("...ij,...jk", "...ij,...jk->...ik")]
    [InlineData("a,", "a,->a")]
    [InlineData(",a->a", ",a->a")]
    [InlineData("", "->")]
    [InlineData("->", "->")]
    [InlineData(" -> ", "->")]
    [InlineData(",", ",->")]
    [InlineData("..., ...", "...,...->...")]
    [InlineData("i...->...", "i...->...")]
    public void CanonicalForm(string spec, string canonical) => Assert.Equal(canonical, Ok(spec).Canonical);

    // ---- label alphabet, operand count, scalars -----------------------------------------------------------------

    [Fact]
    public void AllFiftyTwoLabels()
    {
        string reversed = new string((Lower + Upper).Reverse().ToArray());
        var e = Ok(reversed);
        Assert.Equal(52, e.Inputs[0].Labels.Count);
        Assert.Equal(Upper + Lower, Labels(e.Output));
        Assert.Equal(Upper + Lower, e.AllLabels());

        var explicitSpec = Ok(Lower + Upper + "->" + Upper + Lower);
        Assert.Equal(Upper + Lower, Labels(explicitSpec.Output));
        Assert.All((Lower + Upper).ToCharArray(), c => Assert.True(EinsumParser.IsLabel(c)));
    }

    [Theory]
    [InlineData('0')]
    [InlineData('_')]
    [InlineData('é')]
    [InlineData('@')]
    [InlineData('[')]
    [InlineData('`')]
    [InlineData('{')]
    public void NonLettersAreNotLabels(char c) => Assert.False(EinsumParser.IsLabel(c));

    [Fact]
    public void SixtyOperands()
    {
        string spec = string.Join(",", Enumerable.Repeat("i", 60)) + "->i";
        var e = Ok(spec);
        Assert.Equal(60, e.Inputs.Count);
        Assert.Equal("i", Labels(e.Output));
        for (int k = 0; k < 60; k++)
        {
            Assert.Equal(2 * k, e.Inputs[k].Start);
            Assert.Equal(new[] { 2 * k }, e.Inputs[k].LabelPositions);
        }

        // Implicit, with distinct labels on a chain of 60 matrices reusing the alphabet: every label is seen twice.
        string alphabet = Upper + Lower;
        var chain = Enumerable.Range(0, 60).Select(k => $"{alphabet[k % 52]}{alphabet[(k + 1) % 52]}");
        var implicitChain = Ok(string.Join(",", chain));
        Assert.Equal(60, implicitChain.Inputs.Count);
        Assert.Empty(implicitChain.Output.Labels);
    }

    [Fact]
    public void EmptySpecIsOneScalarInputAndAScalarOutput()
    {
        var e = Ok("");
        Assert.False(e.IsExplicit);
        Assert.Single(e.Inputs);
        Assert.True(e.Inputs[0].IsScalar);
        Assert.Equal(0, e.Inputs[0].Length);
        Assert.True(e.Output.IsScalar);
        Assert.Equal("->", e.Canonical);
    }

    [Fact]
    public void ArrowAloneIsOneScalarInputAndAScalarOutput()
    {
        var e = Ok("->");
        Assert.True(e.IsExplicit);
        Assert.Single(e.Inputs);
        Assert.True(e.Inputs[0].IsScalar);
        Assert.True(e.Output.IsScalar);
        Assert.False(e.Output.HasEllipsis);
        Assert.Equal("->", e.Canonical);
    }

    [Fact]
    public void EmptyTermsBetweenCommasAreScalars()
    {
        var e = Ok(",i,->i");
        Assert.Equal(3, e.Inputs.Count);
        Assert.True(e.Inputs[0].IsScalar);
        Assert.False(e.Inputs[1].IsScalar);
        Assert.True(e.Inputs[2].IsScalar);
        Assert.Equal(new[] { 0, 1, 3 }, e.Inputs.Select(t => t.Start));
    }

    [Fact]
    public void EllipsisOnlyTermIsNotAScalar()
    {
        var e = Ok("...");
        Assert.False(e.Inputs[0].IsScalar);
        Assert.Empty(e.Inputs[0].Labels);
        Assert.Equal(3, e.Inputs[0].Length);
    }

    [Fact]
    public void NullIsTheEmptySpec()
    {
        Assert.True(EinsumParser.TryParse(null!, out var e, out _));
        Assert.Equal("->", e!.Canonical);
    }

    // ---- errors: exact kind and location ------------------------------------------------------------------------

    [Theory]
    [InlineData("i%...", "InvalidCharacter", 1, 1)]
    [InlineData("...j$", "InvalidCharacter", 4, 1)]
    [InlineData("i->&", "InvalidCharacter", 3, 1)]
    [InlineData("i->ij", "OutputLabelNotInInputs", 4, 1)]
    [InlineData("ij->jij", "OutputLabelRepeated", 6, 1)]
    [InlineData("i..", "MalformedEllipsis", 1, 2)]
    [InlineData(".i...", "MalformedEllipsis", 0, 1)]
    [InlineData("j->..j", "MalformedEllipsis", 3, 2)]
    [InlineData("j->.j...", "MalformedEllipsis", 3, 1)]
    [InlineData("i->i->i", "MultipleArrows", 4, 2)]
    [InlineData("...i...", "MalformedEllipsis", 4, 3)]
    [InlineData("i-j", "InvalidCharacter", 1, 1)]
    [InlineData("i>j", "InvalidCharacter", 1, 1)]
    [InlineData("i,j->i,j", "InvalidCharacter", 6, 1)]
    public void NumPyRejectedSpecs(string spec, string kind, int start, int length)
    {
        var error = Fails(spec);
        Assert.Equal(Enum.Parse<EinsumErrorKind>(kind), error.Kind);
        Assert.Equal(start, error.Start);
        Assert.Equal(length, error.Length);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Theory]
    [InlineData("ij,jk->k l", "OutputLabelNotInInputs", 9, 1)]
    [InlineData("ab->ba a", "OutputLabelRepeated", 7, 1)]
    [InlineData("1", "InvalidCharacter", 0, 1)]
    [InlineData("a_b", "InvalidCharacter", 1, 1)]
    [InlineData("ij,jé", "InvalidCharacter", 4, 1)]
    [InlineData("a\tb", "InvalidCharacter", 1, 1)]
    public void MoreRejectedSpecs(string spec, string kind, int start, int length)
    {
        var error = Fails(spec);
        Assert.Equal(Enum.Parse<EinsumErrorKind>(kind), error.Kind);
        Assert.Equal(start, error.Start);
        Assert.Equal(length, error.Length);
    }

    [Theory]
    [InlineData("....", 0, 4)]
    [InlineData("a.b", 1, 1)]
    [InlineData(". ..", 0, 1)]
    [InlineData("a,..", 2, 2)]
    [InlineData("......", 0, 6)]
    public void DotsThatAreNotOneEllipsis(string spec, int start, int length)
    {
        var error = Fails(spec);
        Assert.Equal(EinsumErrorKind.MalformedEllipsis, error.Kind);
        Assert.Equal(start, error.Start);
        Assert.Equal(length, error.Length);
    }

    [Theory]
    [InlineData("i-")]
    [InlineData("-")]
    [InlineData(">")]
    [InlineData("i>")]
    [InlineData("i- >i")]
    [InlineData("i-->i")]
    public void StrayArrowPartsAreInvalid(string spec)
    {
        var error = Fails(spec);
        Assert.Equal(EinsumErrorKind.InvalidCharacter, error.Kind);
        Assert.Equal(1, error.Length);
        Assert.True(spec[error.Start] == '-' || spec[error.Start] == '>');
    }

    [Fact]
    public void ParseThrowsArgumentExceptionNamingThePosition()
    {
        var ex = Assert.Throws<ArgumentException>(() => EinsumParser.Parse("i%..."));
        Assert.Equal("spec", ex.ParamName);
        Assert.Contains("i%...", ex.Message, StringComparison.Ordinal);
        Assert.Contains("character 1", ex.Message, StringComparison.Ordinal);
        Assert.Equal("ij,jk->ik", EinsumParser.Parse("ij,jk").Canonical);
    }

    // ---- SizesParser ------------------------------------------------------------------------------------------

    [Fact]
    public void SizesParsesLabelsAndPositiveIntegers()
    {
        Assert.True(SizesParser.TryParse("a=8,e=2,Z=1,b=1024", out var sizes, out var error, out _, out _));
        Assert.Null(error);
        Assert.Equal(new Dictionary<char, long> { ['a'] = 8, ['e'] = 2, ['Z'] = 1, ['b'] = 1024 }, sizes);
    }

    [Theory]
    [InlineData(" a = 8 , e=2 ")]
    [InlineData("a=8, e=2")]
    [InlineData("a =8,e= 2")]
    public void SizesAllowsSpaces(string text)
    {
        Assert.True(SizesParser.TryParse(text, out var sizes, out var error, out _, out _), error);
        Assert.Equal(new Dictionary<char, long> { ['a'] = 8, ['e'] = 2 }, sizes);
        Assert.Equal(sizes, SizesParser.Parse(text));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void EmptySizesMeansNone(string? text)
    {
        Assert.True(SizesParser.TryParse(text, out var sizes, out var error, out _, out _));
        Assert.Null(error);
        Assert.Empty(sizes);
    }

    [Theory]
    [InlineData("a8", 0, 2)]               // missing '='
    [InlineData("a=8,b", 4, 1)]            // missing '=' in the second entry
    [InlineData("a=0", 0, 3)]              // zero
    [InlineData("a=-1", 0, 4)]             // negative
    [InlineData("a=8,a=2", 4, 3)]          // duplicate label
    [InlineData("ab=3", 0, 4)]             // two-letter label
    [InlineData("1=3", 0, 3)]              // not a letter
    [InlineData("=3", 0, 2)]               // no label
    [InlineData("a=", 0, 2)]               // no size
    [InlineData("a=x", 0, 3)]
    [InlineData("a=2.5", 0, 5)]
    [InlineData("a=+3", 0, 4)]
    [InlineData("a=8,", 4, 0)]             // empty trailing entry
    [InlineData("a=99999999999999999999", 0, 22)]
    public void SizesErrors(string text, int start, int length)
    {
        Assert.False(SizesParser.TryParse(text, out _, out var error, out int errorStart, out int errorLength));
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.Equal(start, errorStart);
        Assert.Equal(length, errorLength);
        var ex = Assert.Throws<ArgumentException>(() => SizesParser.Parse(text));
        Assert.Equal("sizes", ex.ParamName);
    }

    [Fact]
    public void SizesErrorMessagesSayWhatIsWrong()
    {
        Assert.False(SizesParser.TryParse("a=8,a=2", out _, out var duplicate, out _, out _));
        Assert.Contains("'a'", duplicate!, StringComparison.Ordinal);
        Assert.Contains("twice", duplicate, StringComparison.Ordinal);

        Assert.False(SizesParser.TryParse("a=0", out _, out var zero, out _, out _));
        Assert.Contains("positive", zero!, StringComparison.Ordinal);

        Assert.False(SizesParser.TryParse("ab=3", out _, out var twoLetters, out _, out _));
        Assert.Contains("'ab'", twoLetters!, StringComparison.Ordinal);

        Assert.False(SizesParser.TryParse("a8", out _, out var noEquals, out _, out _));
        Assert.Contains("'='", noEquals!, StringComparison.Ordinal);
    }
}
