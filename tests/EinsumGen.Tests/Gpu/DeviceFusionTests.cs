using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using EinsumGen.Gpu;
using EinsumGen.Tests.Corpus;
using Xunit;

namespace EinsumGen.Tests.Gpu;

/// <summary>
/// Fused launches of small steps (<see cref="DeviceQueue{T}"/>): chosen by size (the device's fusion limit), they agree
/// with the unfused path and the naive oracle, and they cut the tensor-train layer's launches. Every kernel forced
/// fused over the whole corpus is <see cref="DeviceCorpusTests"/>' <c>Fused</c> case.
/// </summary>
[Collection(DeviceCollection.Name)]
public sealed class DeviceFusionTests
{
    // A tensor train planned as the seed's is (rank 4 makes the weight chain W first the cheapest order): its last step
    // (x·W, 32·16·16 = 8,192 multiply-adds) is larger than the others (at most 1,024 a step, forward and backward), so
    // with the limit between, W's chain fuses and x·W does not.
    private static readonly int[][] Shapes = { new[] { 2, 2, 4 }, new[] { 2, 2, 4, 4 }, new[] { 2, 2, 4, 4 }, new[] { 2, 2, 4 }, new[] { 32, 2, 2, 2, 2 } };
    private static readonly int[] Output = { 32, 2, 2, 2, 2 };
    private const long Limit = 2048;
    private const string Spec = "aei, bfij, cgjk, dhk, nabcd -> nefgh";

    private readonly EinsumDevice _device;

    public DeviceFusionTests(DeviceFixture fixture) => _device = fixture.Device;

    [Fact]
    public void TensorTrainForwardTakesTwoLaunchesAndBackwardFew()
    {
        var disposables = new List<IDisposable>();
        try
        {
            var x = Shapes.Select((s, i) => Upload(TestData.Random<float>(s, 900 + i), false, disposables)).ToArray();
            var y = Track(_device.Allocate<float>(Output), disposables);
            var dy = Upload(TestData.Random<float>(Output, 950), false, disposables);
            var g = Shapes.Take(4).Select(s => (DeviceTensor<float>?)Track(_device.Allocate<float>(s), disposables)).Append(null).ToArray();
            long Count(long limit, Action call) => WithLimit(limit, () =>
            {
                call(); // the first call compiles kernels and uploads tables
                long before = _device.Launches;
                call();
                return _device.Launches - before;
            });
            Action forward = () => CorpusMethods.TensorTrainF(x[0], x[1], x[2], x[3], x[4], y);
            Action backward = () => CorpusMethods.TensorTrainFBackward(x[0], x[1], x[2], x[3], x[4], dy, g[0], g[1], g[2], g[3], g[4]);
            Assert.Equal(4, Count(0, forward));
            Assert.Equal(2, Count(Limit, forward));       // W's chain in one launch, then x·W
            Assert.Equal(1, Count(long.MaxValue, forward));
            Assert.True(Count(0, backward) >= 9);
            // W's gradient first (it reads none of the run's results), then one run: W's chain recomputed, every core's gradient.
            Assert.Equal(2, Count(Limit, backward));
            Assert.Equal(1, Count(long.MaxValue, backward));

            // The step tables are built once per run: repeated calls find them (the runtime keeps one layout per shape).
            int tables = _device.FusedTableCount;
            Count(Limit, forward);
            Count(Limit, backward);
            Count(long.MaxValue, backward);
            Assert.Equal(tables, _device.FusedTableCount);
        }
        finally
        {
            foreach (var d in disposables) d.Dispose();
        }
    }

    public static IEnumerable<object[]> Limits() => new[] { new object[] { Limit }, new object[] { long.MaxValue } };

    [Theory]
    [MemberData(nameof(Limits))]
    public void FusedTensorTrainMatchesUnfusedAndOracle(long limit)
    {
        bool partly = limit == Limit;
        Check<float>(limit, strided: partly, seed: 1);
        Check<double>(limit, strided: !partly, seed: 2);
    }

    private void Check<T>(long limit, bool strided, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string context = $"limit {limit} {typeof(T).Name} {(strided ? "strided" : "dense")}";
        var host = Shapes.Select((s, i) => TestData.Random<T>(s, seed * 100 + i)).ToArray();
        var oracle = host.Select(ToDouble).ToArray();
        var dyHost = TestData.Random<T>(Output, seed * 100 + 50);
        var tangentHost = Shapes.Select((s, i) => TestData.Random<T>(s, seed * 100 + 70 + i)).ToArray();
        var disposables = new List<IDisposable>();
        try
        {
            var x = host.Select(h => Upload(h, strided, disposables)).ToArray();
            var dy = Upload(dyHost, strided, disposables);
            var t = tangentHost.Select(h => Upload(h, strided, disposables)).ToArray();
            var results = new Dictionary<string, double[][]>();
            foreach (var mode in new[] { "fused", "unfused" })
            {
                var y = Track(_device.Allocate<T>(Output), disposables);
                var yt = Track(_device.Allocate<T>(Output), disposables);
                var g = Shapes.Select(s => Track(_device.Allocate<T>(s), disposables)).ToArray();
                WithLimit(mode == "fused" ? limit : 0, () =>
                {
                    Forward(x, y);
                    Backward(x, dy, g, GradientMode.Overwrite);
                    var overwritten = g.Select(Values).ToArray();
                    Backward(x, dy, g, GradientMode.Accumulate);
                    Jvp(x, t, yt);
                    results[mode] = new[] { Values(y), Values(yt) }.Concat(overwritten).Concat(g.Select(Values)).ToArray();
                    return 0;
                });
            }
            // Against the unfused path (same sums in the same order per element: equal up to a few roundings) ...
            for (int r = 0; r < results["fused"].Length; r++) AssertClose(results["unfused"][r], results["fused"][r], 4, context + $" vs unfused, result {r}");
            // ... and the oracle.
            long terms = 16 * 64;
            AssertClose(TestData.Flatten(Einsum.EvaluateNaive(Spec, oracle)), results["fused"][0], terms, context + " forward");
            var expectedTangent = new double[results["fused"][1].Length];
            for (int i = 0; i < Shapes.Length; i++)
            {
                var substituted = (Tensor<double>[])oracle.Clone();
                substituted[i] = ToDouble(tangentHost[i]);
                // The runtime's CPU path (itself checked against the naive oracle): five naive sums of 2¹⁹ terms took seconds.
                var part = TestData.Flatten(Einsum.Evaluate(Spec, substituted));
                for (int e = 0; e < part.Length; e++) expectedTangent[e] += part[e];
            }
            AssertClose(expectedTangent, results["fused"][1], 5 * terms, context + " jvp");
            var gradients = Einsum.Backward(Spec, ToDouble(dyHost), oracle);
            for (int i = 0; i < Shapes.Length; i++)
            {
                var expected = TestData.Flatten(gradients[i]);
                AssertClose(expected, results["fused"][2 + i], terms, context + $" gradient {i}");
                AssertClose(expected.Select(v => 2 * v).ToArray(), results["fused"][2 + Shapes.Length + i], 2 * terms, context + $" accumulated gradient {i}");
            }
        }
        finally
        {
            foreach (var d in disposables) d.Dispose();
        }
    }

    [Fact]
    public void RunsSplitPastTheViewCapacityAndStayCorrect()
    {
        // Forward mode sweeps once per tangent into one run: five sweeps of the tensor train touch more tensors than one
        // launch holds, so the run is split; the result still matches the unfused path.
        var host = Shapes.Select((s, i) => TestData.Random<double>(s, 40 + i)).ToArray();
        var tangentHost = Shapes.Select((s, i) => TestData.Random<double>(s, 60 + i)).ToArray();
        var disposables = new List<IDisposable>();
        try
        {
            var x = host.Select(h => Upload(h, false, disposables)).ToArray();
            var t = tangentHost.Select(h => Upload(h, false, disposables)).ToArray();
            var fused = Track(_device.Allocate<double>(Output), disposables);
            var unfused = Track(_device.Allocate<double>(Output), disposables);
            long launches = WithLimit(long.MaxValue, () =>
            {
                Jvp(x, t, fused);
                long before = _device.Launches;
                Jvp(x, t, fused);
                return _device.Launches - before;
            });
            WithLimit(0, () => { Jvp(x, t, unfused); return 0; });
            Assert.InRange(launches, 2, 4);
            AssertClose(Values(unfused), Values(fused), 4, "jvp");
        }
        finally
        {
            foreach (var d in disposables) d.Dispose();
        }
    }

    [Fact]
    public void FusionLimitRejectsNegativeValues()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _device.FusionLimit = -1);
        Assert.Equal(EinsumDevice.DefaultCpuFusionLimit, _device.FusionLimit);
    }

    [Fact]
    public void LanesShareSumsOnlyWhenElementsAreFewerThanThreads()
    {
        Assert.Equal(1, FusedTable.Lanes(count: 64, summed: 1000, threads: 16, warp: 4));
        Assert.Equal(4, FusedTable.Lanes(count: 2, summed: 1000, threads: 16, warp: 4));
        Assert.Equal(2, FusedTable.Lanes(count: 8, summed: 1000, threads: 16, warp: 4));
        Assert.Equal(2, FusedTable.Lanes(count: 1, summed: 2, threads: 256, warp: 32));
        Assert.Equal(32, FusedTable.Lanes(count: 3, summed: 4096, threads: 256, warp: 32));
        Assert.Equal(1, FusedTable.Lanes(count: 1, summed: 1, threads: 256, warp: 32));
    }

    private static void Forward<T>(DeviceTensor<T>[] x, DeviceTensor<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) CorpusMethods.TensorTrainF(F(x[0]), F(x[1]), F(x[2]), F(x[3]), F(x[4]), F(y));
        else CorpusMethods.TensorTrainD(D(x[0]), D(x[1]), D(x[2]), D(x[3]), D(x[4]), D(y));
    }

    private static void Backward<T>(DeviceTensor<T>[] x, DeviceTensor<T> dy, DeviceTensor<T>[] g, GradientMode mode) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) CorpusMethods.TensorTrainFBackward(F(x[0]), F(x[1]), F(x[2]), F(x[3]), F(x[4]), F(dy), F(g[0]), F(g[1]), F(g[2]), F(g[3]), F(g[4]), mode);
        else CorpusMethods.TensorTrainDBackward(D(x[0]), D(x[1]), D(x[2]), D(x[3]), D(x[4]), D(dy), D(g[0]), D(g[1]), D(g[2]), D(g[3]), D(g[4]), mode);
    }

    private static void Jvp<T>(DeviceTensor<T>[] x, DeviceTensor<T>[] t, DeviceTensor<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) CorpusMethods.TensorTrainFJvp(F(x[0]), F(x[1]), F(x[2]), F(x[3]), F(x[4]), F(t[0]), F(t[1]), F(t[2]), F(t[3]), F(t[4]), F(y));
        else CorpusMethods.TensorTrainDJvp(D(x[0]), D(x[1]), D(x[2]), D(x[3]), D(x[4]), D(t[0]), D(t[1]), D(t[2]), D(t[3]), D(t[4]), D(y));
    }

    private static DeviceTensor<float> F<T>(DeviceTensor<T> t) where T : unmanaged, INumber<T> => (DeviceTensor<float>)(object)t;

    private static DeviceTensor<double> D<T>(DeviceTensor<T> t) where T : unmanaged, INumber<T> => (DeviceTensor<double>)(object)t;

    private TResult WithLimit<TResult>(long limit, Func<TResult> run)
    {
        long saved = _device.FusionLimit;
        _device.FusionLimit = limit;
        try
        {
            return run();
        }
        finally
        {
            _device.FusionLimit = saved;
        }
    }

    private static TTensor Track<TTensor>(TTensor tensor, List<IDisposable> disposables) where TTensor : IDisposable
    {
        disposables.Add(tensor);
        return tensor;
    }

    /// <summary>Dense, or (strided) stored with its axes reversed and read through a transposed view.</summary>
    private DeviceTensor<T> Upload<T>(Tensor<T> host, bool strided, List<IDisposable> disposables) where T : unmanaged, INumber<T>
    {
        var shape = host.Lengths.ToArray().Select(d => (int)d).ToArray();
        if (!strided) return Track(_device.Upload<T>(TestData.Elements(host), shape), disposables);
        var reversed = Tensor.PermuteDimensions(host, Enumerable.Range(0, shape.Length).Reverse().ToArray());
        return Track(_device.Upload<T>(TestData.Elements(reversed), shape.Reverse().ToArray()), disposables).Transpose();
    }

    private static double[] Values<T>(DeviceTensor<T> tensor) where T : unmanaged, INumber<T> => tensor.ToArray().Select(v => double.CreateChecked(v)).ToArray();

    private static Tensor<double> ToDouble<T>(Tensor<T> t) where T : INumberBase<T> =>
        Tensor.Create(TestData.Elements(t).Select(v => double.CreateChecked(v)).ToArray(), t.Lengths);

    private static void AssertClose(double[] expected, double[] actual, long terms, string context)
    {
        Assert.True(expected.Length == actual.Length, $"{context}: {actual.Length} elements, expected {expected.Length}");
        double eps = context.Contains("Single") ? 1.2e-7 : 2.3e-16;
        for (int i = 0; i < expected.Length; i++)
        {
            double tol = 4 * eps * Math.Max(1, terms) * Math.Max(1, Math.Abs(expected[i]));
            if (!(Math.Abs(expected[i] - actual[i]) <= tol)) Assert.Fail($"{context}: element {i} is {actual[i]}, expected {expected[i]} (tolerance {tol:g3})");
        }
    }
}
