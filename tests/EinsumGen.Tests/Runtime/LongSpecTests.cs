using System;
using System.Numerics.Tensors;
using Xunit;

namespace EinsumGen.Tests.Runtime;

/// <summary>Messages about a long spec quote a window of it, not the whole text.</summary>
public class LongSpecTests
{
    [Fact]
    public void ASyntaxErrorQuotesAWindowAroundTheFault()
    {
        string spec = new string('a', 50_000) + "%" + new string('b', 50_000);
        var ex = Assert.ThrowsAny<ArgumentException>(() => Einsum.Evaluate(spec, Tensor.Create(new float[1], [1])));
        Assert.True(ex.Message.Length < 400, ex.Message.Length.ToString());
        Assert.Contains("a%b", ex.Message, StringComparison.Ordinal);
        Assert.Contains("100,001 characters", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AShapeErrorQuotesTheStartAndEnd()
    {
        string spec = string.Join(",", Labels(2000)); // 2,000 operand terms, one operand given
        var ex = Assert.ThrowsAny<ArgumentException>(() => Einsum.Evaluate(spec, Tensor.Create(new float[1], [1])));
        Assert.True(ex.Message.Length < 400, ex.Message.Length.ToString());
        Assert.Contains("characters", ex.Message, StringComparison.Ordinal);
    }

    private static string[] Labels(int n)
    {
        var terms = new string[n];
        for (int i = 0; i < n; i++) terms[i] = "a";
        return terms;
    }
}
