using System.Numerics;
using System.Numerics.Tensors;
using Xunit;

namespace EinsumGen.Tests.Runtime;

/// <summary>
/// Steps whose free or contracted groups interleave in an operand or the result, so that a group's offsets come in short
/// contiguous runs (the tensor train's t3[a,b,c,d,e,f,g,h] = Σ_j t1[j,a,b,e,f]·t2[j,c,d,g,h] and its gradients): the
/// kernels move those runs a vector at a time when packing and writing tiles. Run lengths of 4, 2 and 3 (no vector run),
/// float and double, against the naive oracle.
/// </summary>
public class InterleavedGroupTests
{
    public static TheoryData<string, int[], int[]> Cases => new()
    {
        // equation, first shape, second shape
        { "jabef,jcdgh->abcdefgh", new[] { 8, 8, 8, 2, 2 }, new[] { 8, 8, 8, 2, 2 } },    // the seed's sizes
        { "jabef,jcdgh->abcdefgh", new[] { 3, 5, 4, 2, 2 }, new[] { 3, 6, 3, 2, 2 } },    // C written in runs of g,h = 4
        { "jabef,jcdgh->abcdefgh", new[] { 5, 3, 4, 1, 2 }, new[] { 5, 4, 3, 3, 1 } },    // runs of 2 and 3
        { "abcdefgh,jabef->jcdgh", new[] { 3, 5, 6, 3, 2, 2, 2, 2 }, new[] { 7, 3, 5, 2, 2 } }, // B packed in runs of 4
        { "abcdefgh,jcdgh->jabef", new[] { 3, 5, 6, 3, 2, 2, 2, 2 }, new[] { 7, 6, 3, 2, 2 } }, // A packed along runs of K
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Float_matches_the_oracle(string equation, int[] first, int[] second) => Check<float>(equation, first, second);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Double_matches_the_oracle(string equation, int[] first, int[] second) => Check<double>(equation, first, second);

    private static void Check<T>(string equation, int[] first, int[] second) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Tensor<T> a = TestData.Random<T>(first, 1), b = TestData.Random<T>(second, 2);
        Tensor<T> expected = Einsum.EvaluateNaive(equation, a, b);
        Tensor<T> actual = Einsum.Evaluate(equation, a, b);
        long terms = 1;
        foreach (int d in first) terms *= d;
        TestData.AssertClose(expected, actual, terms, equation);
    }
}
