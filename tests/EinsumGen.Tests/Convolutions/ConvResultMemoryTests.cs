using System.Linq;
using EinsumGen.Convolutions;
using Xunit;

namespace EinsumGen.Tests.Convolutions;

/// <summary>Large implicit-GEMM results (<see cref="ResultMemory"/>: advised to huge pages on Linux) hold what the kernels write.</summary>
public class ConvResultMemoryTests
{
    [Fact]
    public void ALargeResultHasItsShapeAndEveryElementWritable()
    {
        var t = ResultMemory.Uninitialized<float>(new nint[] { 2, 3, 512, 400 });
        Assert.True(t.FlattenedLength * sizeof(float) >= ResultMemory.AdviseFrom);
        Assert.Equal(new nint[] { 2, 3, 512, 400 }, t.Lengths.ToArray());
        Assert.True(t.IsDense);
        var span = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref Einsum.First(t), (int)t.FlattenedLength);
        for (int i = 0; i < span.Length; i++) span[i] = i;
        Assert.Equal(span.Length - 1, span[^1]);
        Assert.Equal(12345f, span[12345]);
    }

    [Fact]
    public void AForwardWithAnAdvisedResultMatchesTheOracle()
    {
        var spec = ConvSpec.Uniform(2, 3, 1, 1);
        int[] xs = { 1, 3, 256, 260 }, ws = { 16, 3, 3, 3 };
        var x = ConvOracle.Random(xs, 41);
        var w = ConvOracle.Random(ws, 42);
        var expected = ConvOracle.Forward(x, xs, w, ws, spec, out var ys);
        var y = Conv.Forward(ConvOracle.ToTensor<float>(x, xs), ConvOracle.ToTensor<float>(w, ws), spec);
        Assert.True(y.FlattenedLength * sizeof(float) >= ResultMemory.AdviseFrom);
        ConvOracle.AssertClose(expected, y, ys, 27, "4 MiB result");
    }
}
