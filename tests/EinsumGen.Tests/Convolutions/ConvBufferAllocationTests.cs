using System;
using System.Linq;
using System.Numerics.Tensors;
using EinsumGen.Convolutions;
using Xunit;
using Xunit.Abstractions;

namespace EinsumGen.Tests.Convolutions;

/// <summary>
/// The buffer overloads of the derivatives write their gradients straight from the kernels (a dense overwritten buffer in
/// place; accumulated and strided ones through one pooled scratch, or added by the scatter): a warm call allocates only
/// small objects (checks, views, cache keys) on the calling thread, far below one gradient, while the results stay those of
/// the allocating versions.
/// </summary>
public class ConvBufferAllocationTests
{
    private readonly ITestOutputHelper _output;

    public ConvBufferAllocationTests(ITestOutputHelper output) => _output = output;

    /// <summary>
    /// What a warm call may allocate on the calling thread: small objects only (checks, views, cache keys; each gradient below
    /// is 40 KB or more). The kernels' geometries, offset tables and scratch are kept, so nothing grows with the layer.
    /// </summary>
    private const long Bound = 4 * 1024;

    private static Tensor<float> F(int[] shape, int seed) => ConvOracle.ToTensor<float>(ConvOracle.Random(shape, seed), shape);

    private long PerCall(string what, Action call, long gradientBytes, long resultBytes = 0)
    {
        for (int i = 0; i < 3; i++) call();
        const int calls = 8;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < calls; i++) call();
        long perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / calls - resultBytes;
        _output.WriteLine($"{what}: {perCall} bytes per call besides its result of {resultBytes} (its gradients {gradientBytes} bytes)");
        Assert.True(perCall >= 0, $"{what}: {perCall} bytes per call besides the result: the result was not allocated here");
        Assert.True(perCall < Bound, $"{what}: {perCall} bytes per call besides the result");
        Assert.True(gradientBytes > 3 * Bound, $"{what}: the gradients ({gradientBytes} bytes) must dwarf the bound");
        return perCall;
    }

    public static TheoryData<string> Layers => new() { "implicit GEMM 3x3 p1", "stride phases 3x3/2 p1", "depthwise 3x3 p1" };

    private static (ConvSpec Spec, int[] X, int[] W) Layer(string name) => name switch
    {
        "implicit GEMM 3x3 p1" => (ConvSpec.Uniform(2, 3, padding: 1), new[] { 2, 16, 16, 16 }, new[] { 16, 16, 3, 3 }),
        "stride phases 3x3/2 p1" => (ConvSpec.Uniform(2, 3, stride: 2, padding: 1), new[] { 2, 16, 32, 32 }, new[] { 16, 16, 3, 3 }),
        _ => (ConvSpec.Uniform(2, 3, padding: 1, groups: 16), new[] { 2, 16, 18, 18 }, new[] { 16, 1, 3, 3 }),
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void ForwardBackwardAndJvpIntoBuffersAllocateLittle(string name)
    {
        var (spec, xs, ws) = Layer(name);
        var x = F(xs, 1);
        var w = F(ws, 2);
        var ys = new[] { xs[0], ws[0] }.Concat(ConvOracle.OutputSize(spec, xs.Skip(2).ToArray())).ToArray();
        var dy = F(ys, 3);
        var (ex, ew, eb) = Conv.ForwardBackward(x, w, dy, spec);
        var gx = Tensor.CreateFromShape<float>(xs.Select(d => (nint)d).ToArray());
        var gw = Tensor.CreateFromShape<float>(ws.Select(d => (nint)d).ToArray());
        var gb = Tensor.CreateFromShape<float>(new nint[] { ws[0] });
        long bytes = 4L * (gx.FlattenedLength + gw.FlattenedLength);
        PerCall(name + ", overwrite", () => Conv.ForwardBackward(x, w, dy, spec, gx, gw, gb), bytes);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(ex!), gx, xs, 200, "dx");
        ConvOracle.AssertClose(ConvOracle.ToDoubles(ew!), gw, ws, 2000, "dW");
        gx.AsTensorSpan().Clear();
        gw.AsTensorSpan().Clear();
        PerCall(name + ", accumulate", () => Conv.ForwardBackward(x, w, dy, spec, gx, gw, gb, GradientMode.Accumulate), bytes);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(ex!).Select(v => 11 * v).ToArray(), gx, xs, 2200, "11 accumulated dx");
        ConvOracle.AssertClose(ConvOracle.ToDoubles(ew!).Select(v => 11 * v).ToArray(), gw, ws, 22000, "11 accumulated dW");

        var tx = F(xs, 4);
        var tw = F(ws, 5);
        var expected = Conv.ForwardJvp(x, w, spec, tx, tw);
        var ty = Tensor.CreateFromShape<float>(ys.Select(d => (nint)d).ToArray());
        PerCall(name + ", JVP", () => Conv.ForwardJvp(x, w, spec, tx, tw, null, ty), 4L * ty.FlattenedLength * 2);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(expected), ty, ys, 400, "JVP");
    }

    /// <summary>
    /// A warm allocating call (<see cref="Conv.Forward{T}"/>, <see cref="Conv.WeightVjp{T}"/>, <see cref="Conv.InputVjp{T}"/>) allocates
    /// its result and small objects only: the implicit GEMM in its shifted (stride 1) and gathered (stride 2) forms, and the thin kernel.
    /// </summary>
    [Theory]
    [InlineData("implicit GEMM 3x3 p1")]
    [InlineData("implicit GEMM 3x3/2 p1, gathered")]
    [InlineData("depthwise 3x3 p1")]
    [InlineData("thin 3x3 16->3 p1")]
    public void AWarmCallAllocatesItsResultAndSmallObjects(string name)
    {
        var (spec, xs, ws) = name switch
        {
            "implicit GEMM 3x3/2 p1, gathered" => (ConvSpec.Uniform(2, 3, stride: 2, padding: 1), new[] { 2, 16, 32, 32 }, new[] { 16, 16, 3, 3 }),
            "thin 3x3 16->3 p1" => (ConvSpec.Uniform(2, 3, padding: 1), new[] { 2, 16, 16, 16 }, new[] { 3, 16, 3, 3 }),
            _ => Layer(name),
        };
        var x = F(xs, 8);
        var w = F(ws, 9);
        var ys = new[] { xs[0], ws[0] }.Concat(ConvOracle.OutputSize(spec, xs.Skip(2).ToArray())).ToArray();
        var dy = F(ys, 10);
        // Tensor<T>'s own object and its shape's arrays come with every result: a few hundred bytes over its elements.
        long Array(int[] shape) => 4L * shape.Aggregate(1L, (a, b) => a * b);
        var expected = ConvOracle.Forward(ConvOracle.ToDoubles(x), xs, ConvOracle.ToDoubles(w), ws, spec, out _);
        var y = Conv.Forward(x, w, spec);
        ConvOracle.AssertClose(expected, y, ys, ws[1] * 9, name + " forward");
        PerCall(name + ", Conv.Forward", () => Conv.Forward(x, w, spec), Array(xs), Array(ys));
        PerCall(name + ", Conv.WeightVjp", () => Conv.WeightVjp(x, dy, spec), Array(xs), Array(ws));
        if (spec.Stride.All(s => s == 1)) PerCall(name + ", Conv.InputVjp", () => Conv.InputVjp(dy, w, spec, xs.Skip(2).ToArray()), Array(xs), Array(xs));
    }

    [Fact]
    public void UnfoldAndFoldDerivativesIntoBuffersAllocateLittle()
    {
        var spec = ConvSpec.Uniform(2, 3, stride: 2, padding: 1);
        int[] xs = { 2, 8, 32, 32 };
        var x = F(xs, 6);
        var columns = Conv.Unfold(x, spec);
        var cs = ConvBuffersShape(columns);
        var v = F(cs, 7);
        var gx = Tensor.CreateFromShape<float>(xs.Select(d => (nint)d).ToArray());
        var expectedFold = ConvOracle.ToDoubles(Conv.Fold(v, spec, new[] { 32, 32 }));
        PerCall("UnfoldBackward, accumulate", () => Conv.UnfoldBackward(x, v, spec, gx, GradientMode.Accumulate), 4L * gx.FlattenedLength);
        ConvOracle.AssertClose(expectedFold.Select(e => 11 * e).ToArray(), gx, xs, 100, "11 accumulated folds");
        var ct = Tensor.CreateFromShape<float>(cs.Select(d => (nint)d).ToArray());
        PerCall("UnfoldJvp", () => Conv.UnfoldJvp(x, x, spec, ct), 4L * ct.FlattenedLength);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(columns), ct, cs, 1, "unfold");
        PerCall("FoldBackward, overwrite", () => Conv.FoldBackward(columns, x, spec, new[] { 32, 32 }, ct), 4L * ct.FlattenedLength);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(columns), ct, cs, 1, "unfold of the fold's gradient");
        PerCall("FoldJvp", () => Conv.FoldJvp(columns, v, spec, new[] { 32, 32 }, gx), 4L * gx.FlattenedLength);
        ConvOracle.AssertClose(expectedFold, gx, xs, 10, "fold");
    }

    private static int[] ConvBuffersShape(Tensor<float> t) => t.Lengths.ToArray().Select(d => (int)d).ToArray();
}
