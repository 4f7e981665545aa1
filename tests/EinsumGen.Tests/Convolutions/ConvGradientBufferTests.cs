using System;
using System.Buffers;
using System.Linq;
using System.Numerics.Tensors;
using EinsumGen.Convolutions;
using EinsumGen.Tests.Runtime;
using Xunit;

namespace EinsumGen.Tests.Convolutions;

/// <summary>
/// The derivatives that write into caller-provided buffers (run-time <c>Conv</c> and the generated companions): Overwrite and
/// Accumulate against the allocating versions and central differences, strided buffers, skipped gradients, and every check
/// made before anything is written.
/// </summary>
public class ConvGradientBufferTests
{
    private static readonly ConvSpec LayerSpec = new(new[] { 3, 2 }, stride: new[] { 2, 1 },
        padding: new[] { ConvPadding.PerSide(1, 0), ConvPadding.PerSide(0, 1) }, dilation: new[] { 1, 2 }, groups: 2);

    private static readonly int[] XShape = { 2, 4, 7, 6 }, WShape = { 6, 2, 3, 2 }, BShape = { 6 }, YShape = { 2, 6, 3, 5 };

    private static Tensor<double> D(double[] v, int[] shape) => ConvOracle.ToTensor<double>(v, shape);

    private static double Dot(double[] a, double[] b) => a.Zip(b, (p, q) => p * q).Sum();

    private static double[] Axpy(double[] x, double a, double[] d) => x.Zip(d, (p, q) => p + a * q).ToArray();

    /// <summary>A strided view of <paramref name="shape"/> inside a larger tensor filled with <paramref name="fill"/> (its last dimension padded by 3).</summary>
    private static (Tensor<T> View, Tensor<T> Whole) Strided<T>(int[] shape, T fill)
    {
        var padded = shape.Select(d => (nint)d).ToArray();
        padded[^1] += 3;
        var whole = Tensor.Create(Enumerable.Repeat(fill, padded.Aggregate(1, (a, b) => a * (int)b)).ToArray(), padded);
        var ranges = shape.Select(d => NRange.All).ToArray();
        ranges[^1] = new NRange(0, shape[^1]);
        return (whole.Slice(ranges), whole);
    }

    /// <summary>The padding that <see cref="Strided"/> adds: the last 3 positions of the last dimension.</summary>
    private static Tensor<T> Padding<T>(Tensor<T> whole)
    {
        var ranges = Enumerable.Repeat(NRange.All, whole.Rank).ToArray();
        ranges[^1] = new NRange((int)whole.Lengths[^1] - 3, (int)whole.Lengths[^1]);
        return whole.Slice(ranges);
    }

    private static Tensor<double> Filled(int[] shape, double value) =>
        Tensor.Create(Enumerable.Repeat(value, shape.Aggregate(1, (a, b) => a * b)).ToArray(), shape.Select(d => (nint)d).ToArray());

    [Fact]
    public void ForwardBackwardIntoBuffersOverwritesAndAccumulates()
    {
        var x = D(ConvOracle.Random(XShape, 1), XShape);
        var w = D(ConvOracle.Random(WShape, 2), WShape);
        var b = D(ConvOracle.Random(BShape, 3), BShape);
        var v = D(ConvOracle.Random(YShape, 4), YShape);
        var (ex, ew, eb) = Conv.ForwardBackward(x, w, v, LayerSpec, b);

        var gx = Filled(XShape, 7);
        var gw = Filled(WShape, 7);
        var gb = Filled(BShape, 7);
        Conv.ForwardBackward(x, w, v, LayerSpec, gx, gw, gb, GradientMode.Overwrite, b);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(ex!), gx, XShape, 1, "∂x overwritten");
        ConvOracle.AssertClose(ConvOracle.ToDoubles(ew!), gw, WShape, 1, "∂W overwritten");
        ConvOracle.AssertClose(ConvOracle.ToDoubles(eb!), gb, BShape, 1, "∂b overwritten");

        // Accumulate adds to what the buffers hold; strided buffers leave their padding alone.
        var (sx, wholeX) = Strided(XShape, 0.5);
        var (sw, wholeW) = Strided(WShape, 0.5);
        var (sb, _) = Strided(BShape, 0.5);
        Conv.ForwardBackward(x, w, v, LayerSpec, sx, sw, sb, GradientMode.Accumulate);
        Conv.ForwardBackward(x, w, v, LayerSpec, sx, sw, sb, GradientMode.Accumulate);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(ex!).Select(g => 0.5 + 2 * g).ToArray(), sx, XShape, 2, "∂x accumulated twice");
        ConvOracle.AssertClose(ConvOracle.ToDoubles(ew!).Select(g => 0.5 + 2 * g).ToArray(), sw, WShape, 2, "∂W accumulated twice");
        ConvOracle.AssertClose(ConvOracle.ToDoubles(eb!).Select(g => 0.5 + 2 * g).ToArray(), sb, BShape, 2, "∂b accumulated twice");
        Assert.All(ConvOracle.ToDoubles(Padding(wholeX)).Concat(ConvOracle.ToDoubles(Padding(wholeW))), value => Assert.Equal(0.5, value));

        // A null buffer skips its gradient; the others are written as before.
        var onlyW = Filled(WShape, 3);
        Conv.ForwardBackward(x, w, v, LayerSpec, null, onlyW);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(ew!), onlyW, WShape, 1, "only ∂W");
    }

    [Fact]
    public void NetworkPathGradientsAreCopiedOrAddedIntoDenseAndStridedBuffers()
    {
        // Without simplification no kernel takes the layer: each gradient is computed and then written by ConvBuffers.
        var spec = LayerSpec.WithSimplify(false);
        var x = D(ConvOracle.Random(XShape, 21), XShape);
        var w = D(ConvOracle.Random(WShape, 22), WShape);
        var v = D(ConvOracle.Random(YShape, 23), YShape);
        var (ex, ew, _) = Conv.ForwardBackward(x, w, v, spec);

        var (sx, wholeX) = Strided(XShape, 0.25);
        var gw = Filled(WShape, 0.25);
        Conv.ForwardBackward(x, w, v, spec, sx, gw, null, GradientMode.Overwrite);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(ex!), sx, XShape, 1, "∂x overwritten into a strided view");
        ConvOracle.AssertClose(ConvOracle.ToDoubles(ew!), gw, WShape, 1, "∂W overwritten");
        Conv.ForwardBackward(x, w, v, spec, sx, gw, null, GradientMode.Accumulate);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(ex!).Select(g => 2 * g).ToArray(), sx, XShape, 2, "∂x accumulated into a strided view");
        ConvOracle.AssertClose(ConvOracle.ToDoubles(ew!).Select(g => 2 * g).ToArray(), gw, WShape, 2, "∂W accumulated");
        Assert.All(ConvOracle.ToDoubles(Padding(wholeX)), value => Assert.Equal(0.25, value));
    }

    [Fact]
    public void FloatAndTransposeBackwardIntoBuffersMatchTheAllocatingVersions()
    {
        int[] xs = { 2, 3, 6, 5 }, ws = { 4, 3, 3, 3 }, ys = { 2, 4, 6, 5 };
        var spec = ConvSpec.Uniform(2, 3, padding: 1);
        var x = ConvOracle.ToTensor<float>(ConvOracle.Random(xs, 10), xs);
        var w = ConvOracle.ToTensor<float>(ConvOracle.Random(ws, 11), ws);
        var v = ConvOracle.ToTensor<float>(ConvOracle.Random(ys, 12), ys);
        var (ex, ew, eb) = Conv.ForwardBackward(x, w, v, spec);
        var gx = Tensor.CreateFromShape<float>(x.Lengths);
        var gw = Tensor.CreateFromShape<float>(w.Lengths);
        var gb = Tensor.CreateFromShape<float>(new nint[] { 4 });
        Conv.ForwardBackward(x, w, v, spec, gx, gw, gb);
        Assert.Equal(ConvOracle.ToDoubles(ex!), ConvOracle.ToDoubles(gx));
        Assert.Equal(ConvOracle.ToDoubles(ew!), ConvOracle.ToDoubles(gw));
        Assert.Equal(ConvOracle.ToDoubles(eb!), ConvOracle.ToDoubles(gb));

        // A transpose convolution, as the generated Up layer: x [2, 4, 4, 5], weight [4, 3, 3, 2], result [2, 6, 9, 5].
        var t = new ConvSpec(new[] { 3, 2 }, stride: new[] { 2, 1 }, padding: new[] { ConvPadding.PerSide(1, 0), ConvPadding.PerSide(0, 1) },
            groups: 2, outputPadding: new[] { 1, 0 });
        int[] txs = { 2, 4, 4, 5 }, tws = { 4, 3, 3, 2 }, tys = { 2, 6, 9, 5 };
        var tx = D(ConvOracle.Random(txs, 13), txs);
        var tw = D(ConvOracle.Random(tws, 14), tws);
        var tv = D(ConvOracle.Random(tys, 15), tys);
        var (tex, tew, teb) = Conv.TransposeForwardBackward(tx, tw, tv, t);
        var (sx, _) = Strided(txs, 1.0);
        var tgw = Filled(tws, 1);
        var tgb = Filled(new[] { 6 }, 1);
        Conv.TransposeForwardBackward(tx, tw, tv, t, sx, tgw, tgb, GradientMode.Accumulate);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(tex!).Select(g => g + 1).ToArray(), sx, txs, 1, "transpose ∂x accumulated");
        ConvOracle.AssertClose(ConvOracle.ToDoubles(tew!).Select(g => g + 1).ToArray(), tgw, tws, 1, "transpose ∂W accumulated");
        ConvOracle.AssertClose(ConvOracle.ToDoubles(teb!).Select(g => g + 1).ToArray(), tgb, new[] { 6 }, 1, "transpose ∂b accumulated");
    }

    [Fact]
    public void JvpsIntoBuffersMatchTheAllocatingVersions()
    {
        var x = D(ConvOracle.Random(XShape, 20), XShape);
        var w = D(ConvOracle.Random(WShape, 21), WShape);
        var dx = D(ConvOracle.Random(XShape, 22), XShape);
        var dw = D(ConvOracle.Random(WShape, 23), WShape);
        var db = D(ConvOracle.Random(BShape, 24), BShape);
        var expected = Conv.ForwardJvp(x, w, LayerSpec, dx, dw, db);
        var (into, _) = Strided(YShape, 9.0);
        Conv.ForwardJvp(x, w, LayerSpec, dx, dw, db, into);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(expected), into, YShape, 1, "forward JVP into a strided buffer");
        var cleared = Filled(YShape, 9);
        Conv.ForwardJvp(x, w, LayerSpec, null, null, null, cleared);
        Assert.All(ConvOracle.ToDoubles(cleared), value => Assert.Equal(0.0, value));

        var t = new ConvSpec(new[] { 3, 2 }, stride: new[] { 2, 1 }, padding: new[] { ConvPadding.PerSide(1, 0), ConvPadding.PerSide(0, 1) },
            groups: 2, outputPadding: new[] { 1, 0 });
        int[] txs = { 2, 4, 4, 5 }, tws = { 4, 3, 3, 2 }, tys = { 2, 6, 9, 5 };
        var tx = D(ConvOracle.Random(txs, 25), txs);
        var tw = D(ConvOracle.Random(tws, 26), tws);
        var tdx = D(ConvOracle.Random(txs, 27), txs);
        var tExpected = Conv.TransposeForwardJvp(tx, tw, t, tdx, null);
        var tInto = Filled(tys, 9);
        Conv.TransposeForwardJvp(tx, tw, t, tdx, null, null, tInto);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(tExpected), tInto, tys, 1, "transpose JVP into a buffer");

        int[] us = { 2, 4 * 6, 3 * 5 };
        var columns = Filled(us, 9);
        Conv.UnfoldJvp(x, dx, LayerSpec, columns);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(Conv.Unfold(dx, LayerSpec)), columns, us, 1, "unfold JVP into a buffer");
        var g = D(ConvOracle.Random(us, 28), us);
        var gx = Filled(XShape, 1);
        Conv.UnfoldBackward(x, g, LayerSpec, gx, GradientMode.Accumulate);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(Conv.UnfoldBackward(x, g, LayerSpec)).Select(e => e + 1).ToArray(), gx, XShape, 1, "unfold backward accumulated");
    }

    [Fact]
    public void GeneratedBufferOverloadsMatchCentralDifferences()
    {
        var x = ConvOracle.Random(XShape, 30);
        var w = ConvOracle.Random(WShape, 31);
        var b = ConvOracle.Random(BShape, 32);
        var v = ConvOracle.Random(YShape, 33);
        double[] F(double[] xs, double[] ws, double[] bs) => ConvOracle.ToDoubles(CompanionLayers.Layer(D(xs, XShape), D(ws, WShape), D(bs, BShape)));
        double Difference(Func<double[], double[]> f, double[] at, double[] direction, double h = 1e-3) =>
            (Dot(v, f(Axpy(at, h, direction))) - Dot(v, f(Axpy(at, -h, direction)))) / (2 * h);
        void Close(double expected, double actual, string what) =>
            Assert.True(Math.Abs(expected - actual) <= 1e-7 * Math.Max(1, Math.Abs(expected)), $"{what}: {actual} vs {expected}");

        var gx = Filled(XShape, 5);
        var gw = Filled(WShape, 5);
        var gb = Filled(BShape, 5);
        CompanionLayers.LayerBackward(D(x, XShape), D(w, WShape), D(b, BShape), D(v, YShape), gx, gw, gb);
        var dx = ConvOracle.Random(XShape, 34);
        var dw = ConvOracle.Random(WShape, 35);
        var db = ConvOracle.Random(BShape, 36);
        Close(Difference(p => F(p, w, b), x, dx), Dot(ConvOracle.ToDoubles(gx), dx), "∂x");
        Close(Difference(p => F(x, p, b), w, dw), Dot(ConvOracle.ToDoubles(gw), dw), "∂W");
        Close(Difference(p => F(x, w, p), b, db), Dot(ConvOracle.ToDoubles(gb), db), "∂b");

        // Accumulate into the same buffers: twice the gradient; a null buffer is skipped.
        CompanionLayers.LayerBackward(D(x, XShape), D(w, WShape), D(b, BShape), D(v, YShape), gx, null, gb, GradientMode.Accumulate);
        Close(2 * Difference(p => F(p, w, b), x, dx), Dot(ConvOracle.ToDoubles(gx), dx), "∂x accumulated");
        Close(Difference(p => F(x, p, b), w, dw), Dot(ConvOracle.ToDoubles(gw), dw), "∂W skipped");

        const double h = 1e-3;
        var plus = F(Axpy(x, h, dx), Axpy(w, h, dw), Axpy(b, h, db));
        var minus = F(Axpy(x, -h, dx), Axpy(w, -h, dw), Axpy(b, -h, db));
        var jvp = Filled(YShape, 5);
        CompanionLayers.LayerJvp(D(x, XShape), D(w, WShape), D(b, BShape), D(dx, XShape), D(dw, WShape), D(db, BShape), jvp);
        ConvOracle.AssertClose(plus.Zip(minus, (p, m) => (p - m) / (2 * h)).ToArray(), ConvOracle.ToDoubles(jvp), 100000, false, "JVP into a buffer");

        // The float layer without bias, the transpose layer and the unfold layer: against their allocating companions.
        int[] fxs = { 2, 3, 6, 5 }, fws = { 4, 3, 3, 3 }, fys = { 2, 4, 6, 5 };
        var fx = ConvOracle.ToTensor<float>(ConvOracle.Random(fxs, 37), fxs);
        var fw = ConvOracle.ToTensor<float>(ConvOracle.Random(fws, 38), fws);
        var fv = ConvOracle.ToTensor<float>(ConvOracle.Random(fys, 39), fys);
        var (efx, efw) = CompanionLayers.LayerFloatBackward(fx, fw, fv);
        var ffx = Tensor.CreateFromShape<float>(fx.Lengths);
        var ffw = Tensor.CreateFromShape<float>(fw.Lengths);
        CompanionLayers.LayerFloatBackward(fx, fw, fv, ffx, ffw);
        Assert.Equal(ConvOracle.ToDoubles(efx!), ConvOracle.ToDoubles(ffx));
        Assert.Equal(ConvOracle.ToDoubles(efw!), ConvOracle.ToDoubles(ffw));
        var fjvp = Tensor.CreateFromShape<float>(fv.Lengths);
        CompanionLayers.LayerFloatJvp(fx, fw, null, fw, fjvp);
        Assert.Equal(ConvOracle.ToDoubles(CompanionLayers.LayerFloatJvp(fx, fw, null, fw)), ConvOracle.ToDoubles(fjvp));

        int[] txs = { 2, 4, 4, 5 }, tws = { 4, 3, 3, 2 }, tys = { 2, 6, 9, 5 };
        var tx = D(ConvOracle.Random(txs, 40), txs);
        var tw = D(ConvOracle.Random(tws, 41), tws);
        var tb = D(ConvOracle.Random(BShape, 42), BShape);
        var tv = D(ConvOracle.Random(tys, 43), tys);
        var (etx, etw, etb) = CompanionLayers.UpBackward(tx, tw, tb, tv);
        var (stx, _) = Strided(txs, 0.0);
        var stw = Filled(tws, 0);
        var stb = Filled(BShape, 0);
        CompanionLayers.UpBackward(tx, tw, tb, tv, stx, stw, stb, GradientMode.Accumulate);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(etx!), stx, txs, 1, "transpose ∂x");
        ConvOracle.AssertClose(ConvOracle.ToDoubles(etw!), stw, tws, 1, "transpose ∂W");
        ConvOracle.AssertClose(ConvOracle.ToDoubles(etb!), stb, BShape, 1, "transpose ∂b");
        var tj = Filled(tys, 3);
        CompanionLayers.UpJvp(tx, tw, tb, tx, null, tb, tj);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(CompanionLayers.UpJvp(tx, tw, tb, tx, null, tb)), tj, tys, 1, "transpose JVP");

        int[] cxs = { 2, 3, 7, 8 };
        var cx = D(ConvOracle.Random(cxs, 44), cxs);
        var cu = CompanionLayers.Columns(cx);
        var cus = cu.Lengths.ToArray().Select(d => (int)d).ToArray();
        var cg = D(ConvOracle.Random(cus, 45), cus);
        var cgx = Filled(cxs, 2);
        CompanionLayers.ColumnsBackward(cx, cg, cgx);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(CompanionLayers.ColumnsBackward(cx, cg)), cgx, cxs, 1, "unfold layer backward");
        var cj = Filled(cus, 2);
        CompanionLayers.ColumnsJvp(cx, cx, cj);
        ConvOracle.AssertClose(ConvOracle.ToDoubles(cu), cj, cus, 1, "unfold layer JVP");
    }

    [Fact]
    public void ChecksComeBeforeAnyWrite()
    {
        var x = D(ConvOracle.Random(XShape, 50), XShape);
        var w = D(ConvOracle.Random(WShape, 51), WShape);
        var v = D(ConvOracle.Random(YShape, 52), YShape);
        var gx = Filled(XShape, 4);
        var badW = Filled(new[] { 6, 2, 2, 2 }, 4);
        var e = Assert.Throws<ArgumentException>(() => Conv.ForwardBackward(x, w, v, LayerSpec, gx, badW));
        Assert.Equal("weightGradient", e.ParamName);
        Assert.Contains("dimension 2", e.Message);
        Assert.Contains("has size 2, but 3 is expected", e.Message);
        Assert.All(ConvOracle.ToDoubles(gx), value => Assert.Equal(4.0, value));

        var badB = Filled(new[] { 5 }, 4);
        e = Assert.Throws<ArgumentException>(() => Conv.ForwardBackward(x, w, v, LayerSpec, gx, null, badB));
        Assert.Equal("biasGradient", e.ParamName);
        Assert.Contains("has size 5, but 6 is expected", e.Message);
        Assert.All(ConvOracle.ToDoubles(gx), value => Assert.Equal(4.0, value));

        // A buffer over an operand's memory, two buffers over one block, a stride-0 buffer: refused before writing.
        e = Assert.Throws<ArgumentException>(() => Conv.ForwardBackward(x, w, v, LayerSpec, x, null));
        Assert.Equal("inputGradient", e.ParamName);
        Assert.Contains("overlaps x", e.Message);
        var block = new double[72];
        var weightBuffer = Tensor.Create(block, WShape.Select(d => (nint)d).ToArray());
        var biasOverWeight = Tensor.Create(block, 60, new nint[] { 6 }, new nint[] { 1 });
        e = Assert.Throws<ArgumentException>(() => Conv.ForwardBackward(x, w, v, LayerSpec, null, weightBuffer, biasOverWeight));
        Assert.Equal("biasGradient", e.ParamName);
        var broadcast = Tensor.Create(new double[1], 0, new nint[] { 6 }, new nint[] { 0 });
        e = Assert.Throws<ArgumentException>(() => Conv.BiasVjp(v, broadcast));
        Assert.Contains("stride 0", e.Message);

        var jvp = Filled(new[] { 2, 6, 3, 4 }, 4);
        e = Assert.Throws<ArgumentException>(() => Conv.ForwardJvp(x, w, LayerSpec, x, null, null, jvp));
        Assert.Equal("outputTangent", e.ParamName);
        Assert.Contains("dimension 3", e.Message);
        Assert.Contains("size 4, but 5 is expected", e.Message);
        Assert.All(ConvOracle.ToDoubles(jvp), value => Assert.Equal(4.0, value));
        Assert.Throws<ArgumentOutOfRangeException>(() => Conv.BiasVjp(v, Filled(BShape, 0), (GradientMode)7));
    }
}

/// <summary>The bias gradient into a dense buffer allocates nothing (the other gradients still compute into fresh tensors; see docs).</summary>
[Collection(nameof(AllocationCollection))]
public class ConvGradientBufferAllocationTests
{
    [Fact]
    public void BiasGradientIntoADenseBufferAllocatesNothing()
    {
        var v = ConvOracle.ToTensor<float>(ConvOracle.Random(new[] { 4, 8, 5, 5 }, 60), new[] { 4, 8, 5, 5 });
        var gb = Tensor.CreateFromShape<float>(new nint[] { 8 });
        for (int i = 0; i < 3; i++) Conv.BiasVjp(v, gb, GradientMode.Accumulate);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) Conv.BiasVjp(v, gb, GradientMode.Accumulate);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        var expected = ConvOracle.ToDoubles(Conv.BiasVjp(v)).Select(g => 23 * g).ToArray();
        ConvOracle.AssertClose(expected, gb, new[] { 8 }, 100 * 23, "23 accumulated bias gradients");
    }
}
