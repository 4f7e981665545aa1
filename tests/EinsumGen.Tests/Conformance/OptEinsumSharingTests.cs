using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using Xunit;

namespace EinsumGen.Tests.Conformance;

/// <summary>
/// The workloads of opt_einsum/tests/test_sharing.py. opt_einsum's <c>shared_intermediates</c> caches intermediates across
/// calls; EinsumGen keeps plans and layouts per shape but no values, so what is ported is what the cache must not change:
/// a result computed again is bit for bit the same (test_sharing_value), the operands in any order give the same result
/// and the same planned cost (test_sharing_modulo_commutativity), and the marginals of a chain (test_chain, test_chain_2,
/// test_sharing_with_constants) agree with the oracle.
/// </summary>
public class OptEinsumSharingTests
{
    public static TheoryData<string> Equations() => new()
    {
        "ab,bc->ca", "abc,bcd,dea", "abc,def->fedcba", "abc,bcd,df->fa", "ijk,ikj", "i,j->ij", "ijk,k->ij", "AB,BC->CA",
    };

    [Theory]
    [MemberData(nameof(Equations))]
    public void AgainAndInAnyOrderTheSameResult(string spec)
    {
        var shapes = ConformanceData.BuildShapes(spec);
        var x = ConformanceData.RandomOperands<double>(shapes, spec.Length);
        var first = Einsum.Evaluate(spec, x);
        Assert.Equal(TestData.Flatten(first), TestData.Flatten(Einsum.Evaluate(spec, x)));
        long terms = ConformanceData.Terms(spec, shapes);
        TestData.AssertClose(Einsum.EvaluateNaive(spec, x), first, terms, spec);

        var plan = EinsumPlan.Create(spec, shapes);
        string[] inputs = plan.Spec.Split("->")[0].Split(',');
        string output = plan.Spec.Split("->")[1];
        foreach (var order in Permutations(Enumerable.Range(0, x.Length).ToArray()))
        {
            string permuted = string.Join(",", order.Select(k => inputs[k])) + "->" + output;
            var ops = order.Select(k => x[k]).ToArray();
            Assert.Equal(plan.TotalFlops, EinsumPlan.Create(permuted, order.Select(k => shapes[k]).ToArray()).TotalFlops);
            TestData.AssertClose(first, Einsum.Evaluate(permuted, ops), terms, permuted);
        }
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(10)]
    public void MarginalsOfAChain(int size)
    {
        // test_chain and test_chain_2: 2×2 matrices 'ab,bc,cd,...', each single label and each adjacent pair kept.
        var x = Enumerable.Range(0, size).Select(k => ConformanceData.Random<double>(new[] { 2, 2 }, 40 + k)).ToArray();
        string alphabet = "abcdefghijk";
        string inputs = string.Join(",", Enumerable.Range(0, size).Select(i => alphabet.Substring(i, 2)));
        var targets = Enumerable.Range(0, size + 1).Select(i => alphabet[i].ToString())
            .Concat(Enumerable.Range(0, size).Select(i => alphabet.Substring(i, 2)));
        foreach (string target in targets)
        {
            string spec = inputs + "->" + target;
            TestData.AssertClose(Einsum.EvaluateNaive(spec, x), Einsum.Evaluate(spec, x), 4L << size, spec);
        }
    }

    [Fact]
    public void MarginalsWithConstantOperands()
    {
        // test_sharing_with_constants: 'ij,jk,kl->{i,j,k,l}', the first and last operands fixed, the middle one varied.
        var shapes = ConformanceData.Shapes("2,3;3,4;4,5");
        var x = ConformanceData.RandomOperands<double>(shapes, 3);
        foreach (char output in "ijkl")
        {
            string spec = "ij,jk,kl->" + output;
            var varied = new[] { x[0], ConformanceData.Random<double>(shapes[1], output), x[2] };
            TestData.AssertClose(Einsum.EvaluateNaive(spec, varied), Einsum.Evaluate(spec, varied), 60, spec);
        }
    }

    private static IEnumerable<int[]> Permutations(int[] items)
    {
        if (items.Length <= 1)
        {
            yield return items;
            yield break;
        }
        for (int i = 0; i < items.Length; i++)
        {
            var rest = items.Where((_, j) => j != i).ToArray();
            foreach (var tail in Permutations(rest)) yield return new[] { items[i] }.Concat(tail).ToArray();
        }
    }
}
