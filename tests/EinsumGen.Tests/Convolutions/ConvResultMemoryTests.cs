using System;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using EinsumGen.Convolutions;
using Xunit;

namespace EinsumGen.Tests.Convolutions;

/// <summary>
/// Large implicit-GEMM results (<see cref="ResultMemory"/>: on Linux placed on a 2 MiB boundary inside a larger array and
/// advised to huge pages) hold what the kernels write, and behave as any dense tensor for what reads them next.
/// </summary>
public class ConvResultMemoryTests
{
    private const long Huge = 2L << 20;

    [Theory]
    [InlineData(new[] { 2, 3, 512, 400 })]   // 4.7 MiB of float: a last huge page partly used
    [InlineData(new[] { 1, 16, 256, 260 })]  // batch 1: a leading dimension of length 1
    [InlineData(new[] { 4, 64, 32, 32 })]    // exactly 1 MiB of float: below the bound, a plain array
    public void ALargeResultStartsOnAHugePageAndEveryElementIsItsOwn(int[] shape)
    {
        Check<float>(shape);
        Check<double>(shape);
    }

    private static unsafe void Check<T>(int[] shape) where T : unmanaged, INumberBase<T>
    {
        var lengths = shape.Select(d => (nint)d).ToArray();
        bool advised = ResultMemory.HugePages; // off where madvise is missing (then plain arrays)
        var t = ResultMemory.Uninitialized<T>(lengths);
        Assert.Equal(lengths, t.Lengths.ToArray());
        Assert.True(t.IsDense);
        long count = t.FlattenedLength;
        fixed (T* p = &Einsum.First(t))
        {
            if (advised && OperatingSystem.IsLinux() && count * sizeof(T) >= ResultMemory.AdviseFrom)
            {
                Assert.Equal(0, (long)p % Huge);
            }
            for (long i = 0; i < count; i++) p[i] = T.CreateChecked(i % 1000003);
        }
        // The tensor's own indexer and spans see the elements written through the kernels' pointer.
        var index = new nint[shape.Length];
        var rng = new Random(shape.Sum());
        for (int probe = 0; probe < 200; probe++)
        {
            long flat = 0;
            for (int d = 0; d < shape.Length; d++)
            {
                index[d] = rng.Next(shape[d]);
                flat = flat * shape[d] + index[d];
            }
            Assert.Equal(T.CreateChecked(flat % 1000003), t[index]);
        }
        var copy = Tensor.CreateFromShape<T>(lengths);
        t.CopyTo(copy);
        Assert.Equal(T.CreateChecked((count - 1) % 1000003), copy[lengths.Select(l => l - 1).ToArray()]);
    }

    [Fact]
    public void AForwardWithAnAdvisedResultMatchesTheOracleAndFeedsTheNextOperations()
    {
        var spec = ConvSpec.Uniform(2, 3, 1, 1);
        int[] xs = { 1, 3, 256, 260 }, ws = { 16, 3, 3, 3 };
        var x = ConvOracle.Random(xs, 41);
        var w = ConvOracle.Random(ws, 42);
        var expected = ConvOracle.Forward(x, xs, w, ws, spec, out var ys);
        var y = Conv.Forward(ConvOracle.ToTensor<float>(x, xs), ConvOracle.ToTensor<float>(w, ws), spec);
        Assert.True(y.FlattenedLength * sizeof(float) >= ResultMemory.AdviseFrom);
        ConvOracle.AssertClose(expected, y, ys, 27, "4 MiB result");
        var yd = Conv.Forward(ConvOracle.ToTensor<double>(x, xs), ConvOracle.ToTensor<double>(w, ws), spec);
        ConvOracle.AssertClose(expected, yd, ys, 27, "8 MiB result");
        // The result as the next call's operand: the sum of squares through an einsum, and the weight VJP with it as dy.
        double squares = expected.Sum(v => v * v);
        var total = ConvOracle.ToDoubles(Einsum.Evaluate<double>("ncij,ncij->", yd, yd));
        Assert.Equal(squares, total.Single(), squares * 1e-12);
        var dw = Conv.WeightVjp(ConvOracle.ToTensor<double>(x, xs), yd, spec);
        var dwExpected = Conv.WeightVjp(ConvOracle.ToTensor<double>(x, xs), ConvOracle.ToTensor<double>(expected, ys), spec);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(dwExpected), dw, ws, 256 * 260, "weight VJP of the result");
    }
}
