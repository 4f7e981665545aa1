using System;
using System.Linq;
using System.Numerics;
using EinsumGen.Training;
using Xunit;

namespace EinsumGen.Tests.Gpu;

/// <summary><see cref="DeviceOps"/> against the Training sample's host loss and optimizers, and its checks before any kernel.</summary>
[Collection(DeviceCollection.Name)]
public sealed class DeviceOpsTests
{
    private readonly EinsumDevice _device;

    public DeviceOpsTests(DeviceFixture fixture) => _device = fixture.Device;

    [Fact]
    public void MeanSquaredErrorMatchesTheHostLoss()
    {
        MeanSquaredError<float>(1, 1e-6);
        MeanSquaredError<double>(2, 1e-14);
    }

    private void MeanSquaredError<T>(int seed, double lossTolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // 1,000 elements: not a multiple of the group, so the threads' last strides are ragged.
        var prediction = Random<T>(1000, seed);
        var target = Random<T>(1000, seed + 10);
        var expectedGradient = new T[1000];
        T expectedLoss = Losses.MeanSquaredErrorWithGradient<T>(prediction, target, expectedGradient);

        using var p = _device.Upload<T>(prediction, 10, 100);
        using var t = _device.Upload<T>(target, 10, 100);
        using var g = _device.Allocate<T>(10, 100);
        using var loss = _device.Allocate<T>();
        DeviceOps.MeanSquaredErrorWithGradient(p, t, g, loss);
        Assert.Equal(expectedGradient, g.ToArray()); // the same expression in T, element by element
        double actualLoss = double.CreateChecked(loss.ToArray()[0]), reference = double.CreateChecked(expectedLoss);
        Assert.True(Math.Abs(actualLoss - reference) <= lossTolerance * reference, $"{typeof(T).Name} loss {actualLoss}, expected {reference}");

        // Without a loss tensor, and in place (the gradient overwriting the prediction).
        DeviceOps.MeanSquaredErrorWithGradient(p, t, p);
        Assert.Equal(expectedGradient, p.ToArray());
    }

    [Fact]
    public void AdamMatchesTheHostOptimizer()
    {
        Adam<float>(3, weightDecay: 0);
        Adam<float>(4, weightDecay: 1e-2);
        Adam<double>(5, weightDecay: 0);
        Adam<double>(6, weightDecay: 1e-2);
    }

    private void Adam<T>(int seed, double weightDecay) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int n = 77;
        var parameter = Random<T>(n, seed);
        var m = new T[n];
        var v = new T[n];
        using var p = _device.Upload<T>(parameter, 7, 11);
        using var dm = _device.Allocate<T>(7, 11);
        using var dv = _device.Allocate<T>(7, 11);
        for (int step = 1; step <= 3; step++)
        {
            var gradient = Random<T>(n, seed * 10 + step);
            using var g = _device.Upload<T>(gradient, 7, 11);
            EinsumGen.Training.Adam<T>.UpdateInPlace(parameter, gradient, m, v, step, 5e-2, 0.9, 0.999, 1e-8, weightDecay);
            DeviceOps.AdamStep(p, g, dm, dv, step, 5e-2, 0.9, 0.999, 1e-8, weightDecay);
        }
        string context = $"{typeof(T).Name} decay {weightDecay}";
        AssertUlps(parameter, p.ToArray(), context + " parameter");
        AssertUlps(m, dm.ToArray(), context + " first moment");
        AssertUlps(v, dv.ToArray(), context + " second moment");
    }

    [Fact]
    public void SgdMatchesTheHostOptimizer()
    {
        var parameter = Random<float>(50, 7);
        var gradient = Random<float>(50, 8);
        using var p = _device.Upload<float>(parameter, 50);
        using var g = _device.Upload<float>(gradient, 50);
        new Sgd<float>(0.1, parameter) { WeightDecay = 1e-3 }.Step(gradient);
        DeviceOps.SgdStep(p, g, 0.1, 1e-3);
        AssertUlps(parameter, p.ToArray(), "sgd");
    }

    [Fact]
    public void BadArgumentsThrowBeforeAnyKernel()
    {
        using var a = _device.Upload<float>(Enumerable.Repeat(7f, 12).ToArray(), 3, 4);
        using var b = _device.Upload<float>(Enumerable.Repeat(7f, 12).ToArray(), 4, 3);
        using var c = _device.Upload<float>(Enumerable.Repeat(7f, 12).ToArray(), 3, 4);
        using var d = _device.Upload<float>(Enumerable.Repeat(7f, 12).ToArray(), 3, 4);
        using var e = _device.Upload<float>(Enumerable.Repeat(7f, 12).ToArray(), 3, 4);
        using var two = _device.Upload<float>(new[] { 7f, 7f }, 2);
        using var other = EinsumDevice.Create(EinsumDeviceKind.Cpu);
        using var elsewhere = other.Upload<float>(Enumerable.Repeat(7f, 12).ToArray(), 3, 4);
        long launches = _device.Launches;

        var shape = Assert.Throws<ArgumentException>(() => DeviceOps.MeanSquaredErrorWithGradient(a, b, c));
        Assert.Equal("target", shape.ParamName);
        Assert.Contains("dimension 0", shape.Message);
        Assert.Contains("4", shape.Message);
        Assert.Contains("3", shape.Message);
        Assert.Equal("loss", Assert.Throws<ArgumentException>(() => DeviceOps.MeanSquaredErrorWithGradient(a, c, d, two)).ParamName);
        Assert.Equal("target", Assert.Throws<ArgumentException>(() => DeviceOps.MeanSquaredErrorWithGradient(a, b.Transpose(), c)).ParamName); // strided
        Assert.Equal("target", Assert.Throws<ArgumentException>(() => DeviceOps.MeanSquaredErrorWithGradient(a, elsewhere, c)).ParamName);
        Assert.Contains("overlaps", Assert.Throws<ArgumentException>(() => DeviceOps.MeanSquaredErrorWithGradient(a, c, d, a.Slice(0, 1, 1).Slice(1, 0, 1))).Message);

        Assert.Equal("secondMoment", Assert.Throws<ArgumentException>(() => DeviceOps.AdamStep(a, c, d, b, 1, 0.1)).ParamName);
        Assert.Equal("firstMoment", Assert.Throws<ArgumentException>(() => DeviceOps.AdamStep(a, c, a, e, 1, 0.1)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => DeviceOps.AdamStep(a, c, d, e, 0, 0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => DeviceOps.AdamStep(a, c, d, e, 1, 0.1, beta1: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => DeviceOps.AdamStep(a, c, d, e, 1, double.NaN));
        Assert.Equal("gradient", Assert.Throws<ArgumentException>(() => DeviceOps.SgdStep(a, b, 0.1)).ParamName);

        Assert.Equal(launches, _device.Launches);
        foreach (var t in new[] { a, b, c, d, e }) Assert.All(t.ToArray(), x => Assert.Equal(7f, x));
    }

    private static T[] Random<T>(int count, int seed) where T : INumberBase<T> =>
        TestData.Elements(TestData.Random<T>(new[] { count }, seed));

    /// <summary>Within 4 units in the last place of T (the same formulas; a backend may contract a multiply and an add).</summary>
    private static void AssertUlps<T>(T[] expected, T[] actual, string context) where T : IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            T tolerance = T.CreateChecked(4) * T.Max(T.Abs(expected[i]), T.Epsilon) * T.CreateChecked(typeof(T) == typeof(float) ? 1.2e-7 : 2.3e-16);
            if (!(T.Abs(expected[i] - actual[i]) <= tolerance)) Assert.Fail($"{context}: element {i} is {actual[i]}, expected {expected[i]}");
        }
    }
}
