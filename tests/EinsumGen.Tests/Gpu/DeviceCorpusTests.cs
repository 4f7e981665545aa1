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
/// Every device overload of the representative corpus (<see cref="DeviceCases"/>), forward, backward (overwrite, then
/// accumulate) and forward mode, in float and double, with dense and with transposed/sliced views, once per kernel
/// (strided, tiled GEMM, reduction), on ILGPU's CPU accelerator, against the naive oracle and the CPU path's backward.
/// </summary>
[Collection(DeviceCollection.Name)]
public sealed class DeviceCorpusTests
{
    private readonly EinsumDevice _device;

    public DeviceCorpusTests(DeviceFixture fixture) => _device = fixture.Device;

    public static IEnumerable<object[]> Cases() =>
        from c in DeviceCases.All
        from kernel in new[] { DeviceKernel.Strided, DeviceKernel.Gemm, DeviceKernel.Reduce, DeviceKernel.Fused }
        // The reduction runs one group per result element: the tensor train's large gradients would take ~40 s on the
        // CPU accelerator; its steps meet the reduction in the other cases' shapes.
        where !(c.Name == "TensorTrain" && kernel == DeviceKernel.Reduce)
        select new object[] { c.Name, kernel };

    [Theory]
    [MemberData(nameof(Cases))]
    internal void MatchesOracle(string name, DeviceKernel kernel)
    {
        var c = DeviceCases.All.Single(x => x.Name == name);
        _device.ForcedKernel = kernel;
        try
        {
            Check(c, c.F, strided: false, seed: 1);
            Check(c, c.F, strided: true, seed: 2);
            Check(c, c.D, strided: false, seed: 3);
            Check(c, c.D, strided: true, seed: 4);
        }
        finally
        {
            _device.ForcedKernel = DeviceKernel.Auto;
        }
    }

    internal void Check<T>(DeviceCase c, DeviceMethods<T> m, bool strided, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string context = $"{c} {typeof(T).Name} {_device.ForcedKernel} {(strided ? "strided" : "dense")}";
        var spec = c.Corpus.Spec;
        var shapes = c.Corpus.Shapes;
        bool scalarResult = IsScalarResult(spec);
        long terms = CorpusTests.TermCount(c.Corpus);
        var host = shapes.Select((s, i) => TestData.Random<T>(s, seed * 100 + i)).ToArray();
        var oracle = host.Select(ToDouble).ToArray();
        var disposables = new List<IDisposable>();
        try
        {
            var operands = shapes.Select((s, i) => Slot(host[i], s, strided, disposables)).ToArray();

            // Forward.
            var expected = Einsum.EvaluateNaive(spec, oracle);
            var output = scalarResult ? null : Output<T>(expected.Lengths, strided, disposables);
            T value = m.Forward(operands, output);
            AssertClose(TestData.Flatten(expected), scalarResult ? new[] { double.CreateChecked(value) } : Values(output!), terms, context + " forward");

            // Reverse mode: overwrite buffers full of NaN, then add into them.
            var gradientHost = TestData.Random<T>(scalarResult ? null : expected.Lengths.ToArray().Select(d => (int)d).ToArray(), seed * 100 + 50);
            var gradientSlot = scalarResult ? new DeviceSlot<T>(First(gradientHost)) : new DeviceSlot<T>(Upload(gradientHost, strided, disposables));
            var gradients = shapes.Select(s => Output<T>(s is null ? Array.Empty<nint>() : s.Select(d => (nint)d).ToArray(), strided, disposables)).ToArray();
            m.Backward(operands, gradientSlot, gradients, GradientMode.Overwrite);
            var expectedGradients = Einsum.Backward(spec, ToDouble(gradientHost), oracle);
            for (int i = 0; i < shapes.Length; i++)
            {
                AssertClose(TestData.Flatten(expectedGradients[i]), Values(gradients[i]!), terms, context + $" gradient {i}");
            }
            m.Backward(operands, gradientSlot, gradients, GradientMode.Accumulate);
            for (int i = 0; i < shapes.Length; i++)
            {
                AssertClose(TestData.Flatten(expectedGradients[i]).Select(v => 2 * v).ToArray(), Values(gradients[i]!), 2 * terms, context + $" accumulated gradient {i}");
            }

            // Forward mode.
            var tangentHost = shapes.Select((s, i) => TestData.Random<T>(s, seed * 100 + 70 + i)).ToArray();
            var tangents = shapes.Select((s, i) => Slot(tangentHost[i], s, strided, disposables)).ToArray();
            var expectedTangent = new double[expected.FlattenedLength];
            for (int i = 0; i < shapes.Length; i++)
            {
                var substituted = (Tensor<double>[])oracle.Clone();
                substituted[i] = ToDouble(tangentHost[i]);
                var part = TestData.Flatten(Einsum.EvaluateNaive(spec, substituted));
                for (int e = 0; e < part.Length; e++) expectedTangent[e] += part[e];
            }
            var outputTangent = scalarResult ? null : Output<T>(expected.Lengths, strided, disposables);
            T tangent = m.Jvp(operands, tangents, outputTangent);
            AssertClose(expectedTangent, scalarResult ? new[] { double.CreateChecked(tangent) } : Values(outputTangent!), shapes.Length * terms, context + " jvp");
        }
        finally
        {
            foreach (var d in disposables) d.Dispose();
        }
    }

    /// <summary>A rank-0 operand's value, or the tensor on the device (transposed storage when <paramref name="strided"/>).</summary>
    private DeviceSlot<T> Slot<T>(Tensor<T> host, int[]? shape, bool strided, List<IDisposable> disposables) where T : unmanaged, IFloatingPointIeee754<T> =>
        shape is null ? new DeviceSlot<T>(First(host)) : new DeviceSlot<T>(Upload(host, strided, disposables));

    /// <summary>
    /// The host tensor on the device: dense, or (strided, rank ≥ 2) stored with its axes reversed and read through a
    /// transposed view, so that every kernel meets non-row-major strides.
    /// </summary>
    private DeviceTensor<T> Upload<T>(Tensor<T> host, bool strided, List<IDisposable> disposables) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = host.Lengths.ToArray().Select(d => (int)d).ToArray();
        if (!strided || shape.Length < 2)
        {
            var dense = _device.Upload<T>(TestData.Elements(host), shape);
            disposables.Add(dense);
            return dense;
        }
        var axes = Enumerable.Range(0, shape.Length).Reverse().ToArray();
        var reversed = Tensor.PermuteDimensions(host, axes);
        var stored = _device.Upload<T>(TestData.Elements(reversed), shape.Reverse().ToArray());
        disposables.Add(stored);
        return stored.Transpose();
    }

    /// <summary>A written tensor full of NaN: dense, or (strided, rank ≥ 1) a slice of a wider one, so rows are not adjacent.</summary>
    private DeviceTensor<T> Output<T>(ReadOnlySpan<nint> lengths, bool strided, List<IDisposable> disposables) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = lengths.ToArray().Select(d => (int)d).ToArray();
        if (strided && shape.Length > 0) shape[^1] += 3;
        var data = new T[DeviceTensor<T>.CountOf(shape)];
        Array.Fill(data, T.NaN);
        var tensor = _device.Upload<T>(data, shape);
        disposables.Add(tensor);
        return strided && shape.Length > 0 ? tensor.Slice(shape.Length - 1, 1, shape[^1] - 3) : tensor;
    }

    private static double[] Values<T>(DeviceTensor<T> tensor) where T : unmanaged, INumber<T> =>
        tensor.ToArray().Select(v => double.CreateChecked(v)).ToArray();

    private static T First<T>(Tensor<T> t) => TestData.Elements(t)[0];

    private static Tensor<double> ToDouble<T>(Tensor<T> t) where T : INumberBase<T> =>
        Tensor.Create(TestData.Elements(t).Select(v => double.CreateChecked(v)).ToArray(), t.Lengths);

    private static bool IsScalarResult(string spec)
    {
        var e = EinsumGen.Notation.EinsumParser.Parse(spec);
        return e.Output.Labels.Count == 0 && !e.Output.HasEllipsis;
    }

    /// <summary>Closeness in T's precision, the tolerance growing with the terms summed (as <see cref="TestData.AssertClose{T}"/>).</summary>
    private static void AssertClose(double[] expected, double[] actual, long terms, string context)
    {
        Assert.True(expected.Length == actual.Length, $"{context}: {actual.Length} elements, expected {expected.Length}");
        bool isFloat = context.Contains(" Single ");
        double eps = isFloat ? 1.2e-7 : 2.3e-16;
        for (int i = 0; i < expected.Length; i++)
        {
            double tol = 4 * eps * Math.Max(1, terms) * Math.Max(1, Math.Abs(expected[i]));
            if (!(Math.Abs(expected[i] - actual[i]) <= tol)) Assert.Fail($"{context}: element {i} is {actual[i]}, expected {expected[i]} (tolerance {tol:g3})");
        }
    }
}
