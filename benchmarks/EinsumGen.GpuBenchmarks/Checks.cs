using System;
using System.Linq;
using System.Numerics.Tensors;
using EinsumGen;

namespace EinsumGen.GpuBenchmarks;

/// <summary>
/// <c>--check</c>: the device overloads against this project's CPU path at sizes that take every kernel on a GPU (the
/// tiled GEMM with ragged edges, the reduction, the strided kernel), forward, backward and JVP. The xunit suite runs the
/// same overloads on ILGPU's CPU accelerator on every build; this is its packed form for a machine with a GPU and no SDK.
/// </summary>
public static class Checks
{
    public static int Run(EinsumDevice device)
    {
        int failures = 0;
        // mn,nk->mk with edges that are not multiples of the 64×64 block.
        {
            int m = 300, n = 200, k = 130;
            var (a, ah) = Random(device, 1, m, n);
            var (b, bh) = Random(device, 2, n, k);
            using var c = device.Allocate<float>(m, k);
            GpuOps.MatMul(a, b, c);
            var expected = new float[m * k];
            GpuOps.MatMul(new ReadOnlyTensorSpan<float>(ah, [m, n]), new ReadOnlyTensorSpan<float>(bh, [n, k]), new TensorSpan<float>(expected, [m, k]));
            failures += Compare("mn,nk->mk 300×200×130 forward", expected, c.ToArray(), n);

            // A transposed view: the permutation folded into the GEMM's loads.
            using var stored = device.Upload<float>(Transpose(ah, m, n), n, m);
            GpuOps.MatMul(stored.Transpose(), b, c);
            failures += Compare("mn,nk->mk transposed view", expected, c.ToArray(), n);
            if (device.Kind == EinsumDeviceKind.Cuda)
            {
                // The same two through cuBLAS (EinsumDevice.UseCuBlas): row-major and a transposed A.
                device.UseCuBlas = true;
                GpuOps.MatMul(a, b, c);
                failures += Compare("mn,nk->mk through cuBLAS", expected, c.ToArray(), n);
                GpuOps.MatMul(stored.Transpose(), b, c);
                failures += Compare("mn,nk->mk transposed, cuBLAS", expected, c.ToArray(), n);
                device.UseCuBlas = false;
            }

            var (g, gh) = Random(device, 3, m, k);
            using var da = device.Allocate<float>(m, n);
            using var db = device.Allocate<float>(n, k);
            GpuOps.MatMulBackward(a, b, g, da, db);
            var ea = new float[m * n];
            var eb = new float[n * k];
            GpuOps.MatMulBackward(new ReadOnlyTensorSpan<float>(ah, [m, n]), new ReadOnlyTensorSpan<float>(bh, [n, k]), new ReadOnlyTensorSpan<float>(gh, [m, k]),
                new TensorSpan<float>(ea, [m, n]), new TensorSpan<float>(eb, [n, k]));
            failures += Compare("mn,nk->mk backward ∂a", ea, da.ToArray(), k);
            failures += Compare("mn,nk->mk backward ∂b", eb, db.ToArray(), m);

            GpuOps.MatMulJvp(a, b, null, b, c); // only b's tangent (b itself): the result is a·b again
            var ej = new float[m * k];
            GpuOps.MatMulJvp(new ReadOnlyTensorSpan<float>(ah, [m, n]), new ReadOnlyTensorSpan<float>(bh, [n, k]), default, new ReadOnlyTensorSpan<float>(bh, [n, k]),
                new TensorSpan<float>(ej, [m, k]));
            failures += Compare("mn,nk->mk jvp", ej, c.ToArray(), n);
            foreach (var t in new[] { a, b, g }) t.Dispose();
        }
        // mnk,mkr->nr
        {
            int m = 4, n = 100, k = 60, r = 70;
            var (a, ah) = Random(device, 4, m, n, k);
            var (b, bh) = Random(device, 5, m, k, r);
            using var c = device.Allocate<float>(n, r);
            GpuOps.Contraction(a, b, c);
            var expected = new float[n * r];
            GpuOps.Contraction(new ReadOnlyTensorSpan<float>(ah, [m, n, k]), new ReadOnlyTensorSpan<float>(bh, [m, k, r]), new TensorSpan<float>(expected, [n, r]));
            failures += Compare("mnk,mkr->nr forward", expected, c.ToArray(), m * k);
            a.Dispose();
            b.Dispose();
        }
        // mn->m with long rows: the reduction kernel.
        {
            int m = 100, n = 5000;
            var (a, ah) = Random(device, 6, m, n);
            using var s = device.Allocate<float>(m);
            GpuOps.RowSums(a, s);
            var expected = new float[m];
            GpuOps.RowSums(new ReadOnlyTensorSpan<float>(ah, [m, n]), new TensorSpan<float>(expected, [m]));
            failures += Compare("mn->m 100×5000 (reduction)", expected, s.ToArray(), n);
            a.Dispose();
        }
        // The tensor train at the seed's sizes, forward and the weights' gradients.
        {
            int s = 256, m = 8, n = 2, r = 8;
            var (w1, h1) = Random(device, 7, m, n, r);
            var (w2, h2) = Random(device, 8, m, n, r, r);
            var (w3, h3) = Random(device, 9, m, n, r, r);
            var (w4, h4) = Random(device, 10, m, n, r);
            var (x, hx) = Random(device, 11, s, m, m, m, m);
            var (dy, hdy) = Random(device, 12, s, n, n, n, n);
            using var y = device.Allocate<float>(s, n, n, n, n);
            using var d2 = device.Allocate<float>(m, n, r, r);
            GpuOps.TensorTrain(w1, w2, w3, w4, x, y);
            GpuOps.TensorTrainBackward(w1, w2, w3, w4, x, dy, null, d2, null, null, null);
            nint[] s1 = [m, n, r], s2 = [m, n, r, r], sx = [s, m, m, m, m], sy = [s, n, n, n, n];
            var ey = new float[s * 16];
            var e2 = new float[h2.Length];
            GpuOps.TensorTrain(new(h1, s1), new(h2, s2), new(h3, s2), new(h4, s1), new(hx, sx), new TensorSpan<float>(ey, sy));
            GpuOps.TensorTrainBackward(new(h1, s1), new(h2, s2), new(h3, s2), new(h4, s1), new(hx, sx), new ReadOnlyTensorSpan<float>(hdy, sy),
                default, new TensorSpan<float>(e2, s2), default, default, default);
            failures += Compare("tensor train forward", ey, y.ToArray(), 4096 * 64);
            failures += Compare("tensor train ∂w2", e2, d2.ToArray(), 4096 * 256);

            // Its sizes declared: the steps that are neither GEMM- nor reduction-shaped run the generated kernels.
            using var d1 = device.Allocate<float>(m, n, r);
            using var d4 = device.Allocate<float>(m, n, r);
            GpuOps.TensorTrainSized(w1, w2, w3, w4, x, y);
            failures += Compare("tensor train, declared sizes, forward", ey, y.ToArray(), 4096 * 64);
            GpuOps.TensorTrainSizedBackward(w1, w2, w3, w4, x, dy, d1, d2, null, d4, null);
            var e1 = new float[h1.Length];
            var e4 = new float[h4.Length];
            GpuOps.TensorTrainBackward(new(h1, s1), new(h2, s2), new(h3, s2), new(h4, s1), new(hx, sx), new ReadOnlyTensorSpan<float>(hdy, sy),
                new TensorSpan<float>(e1, s1), default, default, new TensorSpan<float>(e4, s1), default);
            failures += Compare("tensor train, declared sizes, ∂w1", e1, d1.ToArray(), 4096 * 256);
            failures += Compare("tensor train, declared sizes, ∂w2", e2, d2.ToArray(), 4096 * 256);
            failures += Compare("tensor train, declared sizes, ∂w4", e4, d4.ToArray(), 4096 * 256);

            // Every small step fused: the weight chain, and the cores' gradients, one launch each.
            long limit = device.FusionLimit;
            device.FusionLimit = 1L << 20;
            GpuOps.TensorTrain(w1, w2, w3, w4, x, y);
            GpuOps.TensorTrainBackward(w1, w2, w3, w4, x, dy, null, d2, null, null, null);
            device.FusionLimit = limit;
            failures += Compare("tensor train forward, chain fused", ey, y.ToArray(), 4096 * 64);
            failures += Compare("tensor train ∂w2, chain fused", e2, d2.ToArray(), 4096 * 256);

            // The sample's loss and optimizer on the device (DeviceOps) against the same formulas on the host.
            using var loss = device.Allocate<float>(1);
            using var grad = device.Allocate<float>(s, n, n, n, n);
            DeviceOps.MeanSquaredErrorWithGradient(y, dy, grad, loss);
            var eg = new float[ey.Length];
            double sum = 0;
            for (int i = 0; i < ey.Length; i++)
            {
                double d = (double)ey[i] - hdy[i];
                sum += d * d;
                eg[i] = (ey[i] - hdy[i]) * (float)(2.0 / ey.Length);
            }
            failures += Compare("MSE gradient (DeviceOps)", eg, grad.ToArray(), 4096 * 64);
            failures += Compare("MSE loss (DeviceOps)", [(float)(sum / ey.Length)], loss.ToArray(), ey.Length);
            using var mo = device.Allocate<float>(m, n, r, r);
            using var ve = device.Allocate<float>(m, n, r, r);
            var dg = d2.ToArray();
            DeviceOps.AdamStep(w2, d2, mo, ve, 1, 1e-2);
            var ew = (float[])h2.Clone();
            for (int i = 0; i < ew.Length; i++)
            {
                // Step 1 from zero moments: m = 0.1 g, v = 0.001 g², step size lr / 0.1, √(1 - β2) as the bias correction.
                float g = dg[i], mi = (float)(1 - 0.9) * g, vi = (float)(1 - 0.999) * g * g;
                ew[i] -= (float)(1e-2 / (1 - 0.9)) * mi / (MathF.Sqrt(vi) / (float)Math.Sqrt(1 - 0.999) + 1e-8f);
            }
            failures += Compare("Adam step (DeviceOps)", ew, w2.ToArray(), 4);
            foreach (var t in new[] { w1, w2, w3, w4, x, dy }) t.Dispose();
        }
        Console.WriteLine(failures == 0 ? "checks: all passed" : $"checks: {failures} FAILED");
        return failures == 0 ? 0 : 1;
    }

    private static int Compare(string name, float[] expected, float[] actual, long terms)
    {
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(expected[i] - actual[i]) / Math.Max(1, Math.Abs(expected[i]));
            if (!(error <= worst)) worst = double.IsNaN(error) ? double.PositiveInfinity : Math.Max(worst, error);
        }
        double tolerance = 4 * 1.2e-7 * Math.Max(1, terms);
        bool ok = worst <= tolerance;
        Console.WriteLine($"{(ok ? "pass" : "FAIL")}  {name,-36} worst relative error {worst:E2} (tolerance {tolerance:E2})");
        return ok ? 0 : 1;
    }

    private static (DeviceTensor<float> Device, float[] Host) Random(EinsumDevice device, int seed, params int[] shape)
    {
        var rng = new Random(seed);
        var data = new float[shape.Aggregate(1L, (p, d) => p * d)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        return (device.Upload<float>(data, shape), data);
    }

    private static float[] Transpose(float[] a, int rows, int cols)
    {
        var t = new float[a.Length];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
        return t;
    }
}
