using System;
using System.Linq;
using System.Numerics.Tensors;
using EinsumGen.Runtime;
using EinsumGen.Tests.Corpus;
using Xunit;

namespace EinsumGen.Tests.Planning;

/// <summary>
/// A spec whose sizes are not all declared is re-planned for the sizes of each call when that is cheaper than the
/// build-time order, once per distinct shape; the result stays right either way.
/// </summary>
public class RuntimeReplanTests
{
    // Build-time order for the chain: (x0·x1) then ·x2, as the planner picks it for equal sizes.
    private static EinsumProgram Chain() => TestPrograms.Create("ij,jk,kl->il", null, "0,1>ik;3,2>il", new[] { "a", "b", "c" }, "out");

    private static EinsumBinding Bind(EinsumProgram program, int i, int j, int k, int l)
    {
        var binding = new EinsumBinding(program);
        binding.Operand(0, new nint[] { i, j }, new nint[] { j, 1 });
        binding.Operand(1, new nint[] { j, k }, new nint[] { k, 1 });
        binding.Operand(2, new nint[] { k, l }, new nint[] { l, 1 });
        binding.Output(new nint[] { i, l }, new nint[] { l, 1 });
        binding.Complete();
        return binding;
    }

    [Fact]
    public void KeepsTheBuildTimeOrderWhenItIsBest()
    {
        var binding = Bind(Chain(), 2, 100, 2, 100);   // (ab)c: 2·100·2 + 2·2·100 terms; a(bc) would build 100×100
        Assert.True(binding.UsesBuildTimePlan);
        Assert.Equal(3, binding.LeftOf(1));
    }

    [Fact]
    public void ReplansWhenAnotherOrderIsCheaperAndCachesIt()
    {
        var program = Chain();
        var binding = Bind(program, 100, 2, 100, 2);   // (ab) would build 100×100; a(bc) keeps 2×2
        Assert.False(binding.UsesBuildTimePlan);
        Assert.Equal(new[] { 1, 2 }, new[] { binding.LeftOf(0), binding.RightOf(0) }.OrderBy(id => id)); // b·c first
        Assert.Contains(0, new[] { binding.LeftOf(1), binding.RightOf(1) });                            // then a
        var again = Bind(program, 100, 2, 100, 2);
        Assert.False(again.UsesBuildTimePlan);
    }

    // Two operands, 'a' and 'b' only in the first: summing them first pays unless they are tiny against the product.
    private static EinsumProgram SumFirstPair(string order) => TestPrograms.Create("abc,cd->d", null, order, new[] { "x", "y" }, "out");

    private static EinsumBinding BindPair(EinsumProgram program, int a, int b, int c, int d)
    {
        var binding = new EinsumBinding(program);
        binding.Operand(0, new nint[] { a, b, c }, new nint[] { b * c, c, 1 });
        binding.Operand(1, new nint[] { c, d }, new nint[] { d, 1 });
        binding.Output(new nint[] { d }, new nint[] { 1 });
        binding.Complete();
        return binding;
    }

    [Fact]
    public void ATwoOperandSpecWithLabelsOfItsOwnIsReplanned()
    {
        // Planned as one pairwise step; with a·b large, summing them out of x first is cheaper, and the call does so.
        var pairwise = SumFirstPair("0,1>d");
        var binding = BindPair(pairwise, 30, 30, 4, 4);
        Assert.False(binding.UsesBuildTimePlan);
        Assert.Equal(2, binding.StepCount);
        Assert.Equal(-1, binding.RightOf(0));
        // Planned with the sum first; with a = b = 1 the sum costs more than it saves, and the call runs one step.
        var summed = SumFirstPair("0,-1>c;2,1>d");
        binding = BindPair(summed, 1, 1, 40, 40);
        Assert.False(binding.UsesBuildTimePlan);
        Assert.Equal(1, binding.StepCount);
        Assert.True(BindPair(summed, 30, 30, 4, 4).UsesBuildTimePlan);
    }

    [Theory]
    [InlineData(1, 1, 40, 40)]
    [InlineData(30, 30, 4, 4)]
    public void GeneratedPairIsRightWhateverTheOrder(int a, int b, int c, int d)
    {
        var x = new[] { TestData.Random<double>(new[] { a, b, c }, 1), TestData.Random<double>(new[] { c, d }, 2) };
        var expected = Einsum.EvaluateNaive("abc,cd->d", x);
        var output = TestData.Garbage<double>(expected.Lengths);
        CorpusMethods.SumFirstPairD(x[0], x[1], output);
        TestData.AssertClose(expected, output, a * b * c, $"pair {a}x{b}x{c}x{d}");
    }

    [Theory]
    [InlineData(100, 2, 100, 2)]
    [InlineData(2, 100, 2, 100)]
    [InlineData(7, 3, 11, 5)]
    public void GeneratedChainIsRightWhateverTheOrder(int i, int j, int k, int l)
    {
        var x = new[] { TestData.Random<double>(new[] { i, j }, 1), TestData.Random<double>(new[] { j, k }, 2), TestData.Random<double>(new[] { k, l }, 3) };
        var expected = Einsum.EvaluateNaive("ij,jk,kl->il", x);
        var output = TestData.Garbage<double>(expected.Lengths);
        CorpusMethods.Chain3D(x[0], x[1], x[2], output);
        TestData.AssertClose(expected, output, j * k, $"chain {i}x{j}x{k}x{l}");

        var gradient = Einsum.Backward("ij,jk,kl->il", expected, x);
        var grads = x.Select(t => TestData.Garbage<double>(t.Lengths)).ToArray();
        CorpusMethods.Chain3DBackward(x[0], x[1], x[2], expected, grads[0], grads[1], grads[2]);
        for (int n = 0; n < 3; n++) TestData.AssertClose(gradient[n], grads[n], i * j * k * l, $"gradient {n}");
    }
}
