using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Numerics.Tensors;
using EinsumGen;
using EinsumGen.GpuBenchmarks;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

// EinsumGen on an ILGPU device: the generated device overloads timed against same-run probes (FMA peak, copy bandwidth)
// and, on CUDA, cuBLAS SGEMM. Usage: [--cpu] [--small] [--epochs N] | --check. The CPU accelerator always runs tiny
// sizes: there it only shows that everything runs. --check compares the device with the CPU path instead (Checks.cs).
var kind = args.Contains("--cpu") ? EinsumDeviceKind.Cpu : EinsumDeviceKind.Auto;
using var device = EinsumDevice.Create(kind);
bool small = args.Contains("--small") || device.Kind == EinsumDeviceKind.Cpu;
int epochs = small ? 3 : 10_000;
int at = Array.IndexOf(args, "--epochs");
if (at >= 0 && at + 1 < args.Length) epochs = int.Parse(args[at + 1], CultureInfo.InvariantCulture);

Console.WriteLine($"device: {device.Name} ({device.Kind}), {device.Multiprocessors} multiprocessors, warp {device.WarpSize}, {device.MemorySize / (1L << 20)} MiB");
Console.WriteLine($"host: {Environment.ProcessorCount} logical CPUs, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
Console.WriteLine($"sizes: {(small ? "tiny (CPU accelerator or --small): figures only show that it runs" : "full")}");
if (args.Contains("--check")) return Checks.Run(device);
var acc = device.Accelerator;

// Probes.
int fmaThreads = small ? 1024 : device.Multiprocessors * 2048 * 8;
using var fmaOut = acc.Allocate1D<float>(fmaThreads);
var fma = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float>(Probes.Fma);
double fmaSeconds = Time(() => fma(fmaThreads, fmaOut.View, 1f), small ? 2 : 20);
double peak = (double)fmaThreads * Probes.FmaIterations * 8 * 2 / fmaSeconds;
long copyLength = small ? 1 << 16 : 1 << 26;
using var copyIn = acc.Allocate1D<float>(copyLength);
using var copyOut = acc.Allocate1D<float>(copyLength);
var copy = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(Probes.Copy);
double copySeconds = Time(() => copy((int)copyLength, copyIn.View, copyOut.View), small ? 2 : 20);
double bandwidth = 2.0 * copyLength * sizeof(float) / copySeconds;
Console.WriteLine($"probe FMA peak: {peak / 1e9:F1} GFLOP/s FP32; probe copy bandwidth: {bandwidth / 1e9:F1} GB/s");
Console.WriteLine();
Console.WriteLine($"{"workload",-44} {"time",12} {"rate",16} {"of probe",9} {"vs cuBLAS",10}");

// mn,nk->mk
int g = small ? 64 : 4096;
using (var a = Random(device, 1, g, g))
using (var b = Random(device, 2, g, g))
using (var c = device.Allocate<float>(g, g))
{
    double t = Time(() => GpuOps.MatMul(a, b, c), small ? 2 : 10);
    double flops = 2.0 * g * g * g;
    string blas = "";
    if (device.Kind == EinsumDeviceKind.Cuda)
    {
        double tb = CuBlasSgemm(device, g, small ? 2 : 10);
        blas = tb > 0 ? $"{tb / t * 100,8:F0} %" : "n/a";
    }
    Report($"mn,nk->mk {g}³", t, flops / t / 1e9, "GFLOP/s", flops / t / peak, blas);
    if (device.Kind == EinsumDeviceKind.Cuda)
    {
        // The runner's cuBLAS step choice (EinsumDevice.UseCuBlas), against the tiled kernel measured again beside it.
        device.UseCuBlas = true;
        double tc = Time(() => GpuOps.MatMul(a, b, c), small ? 2 : 10);
        device.UseCuBlas = false;
        double tt = Time(() => GpuOps.MatMul(a, b, c), small ? 2 : 10);
        Report($"mn,nk->mk {g}³ with UseCuBlas", tc, flops / tc / 1e9, "GFLOP/s", flops / tc / peak, $"{tt / tc,7:F2}x tiled");
    }
}

// mnk,mkr->nr
(int m, int n, int k, int r) = small ? (2, 16, 16, 16) : (16, 1024, 1024, 1024);
using (var a = Random(device, 3, m, n, k))
using (var b = Random(device, 4, m, k, r))
using (var c = device.Allocate<float>(n, r))
{
    double t = Time(() => GpuOps.Contraction(a, b, c), small ? 2 : 10);
    double flops = 2.0 * m * n * k * r;
    Report($"mnk,mkr->nr m={m} n={n} k={k} r={r}", t, flops / t / 1e9, "GFLOP/s", flops / t / peak, "");
}

// mn->m, memory-bound
(int rows, int cols) = small ? (256, 256) : (8192, 16384);
using (var a = Random(device, 5, rows, cols))
using (var s = device.Allocate<float>(rows))
{
    double t = Time(() => GpuOps.RowSums(a, s), small ? 2 : 10);
    double bytes = (double)rows * cols * sizeof(float);
    Report($"mn->m {rows}×{cols} (reduction)", t, bytes / t / 1e9, "GB/s", bytes / t / bandwidth, "");
}

// The tensor-train layer (seed 000 §2.2: 256 samples, 8⁴ → 2⁴, rank 8).
(int ts, int tm, int tn, int tr) = small ? (8, 2, 2, 2) : (256, 8, 2, 8);
using var w1 = Random(device, 6, tm, tn, tr);
using var w2 = Random(device, 7, tm, tn, tr, tr);
using var w3 = Random(device, 8, tm, tn, tr, tr);
using var w4 = Random(device, 9, tm, tn, tr);
using var x = Random(device, 10, ts, tm, tm, tm, tm);
using var y = device.Allocate<float>(ts, tn, tn, tn, tn);
using var dy = Random(device, 11, ts, tn, tn, tn, tn);
using var d1 = device.Allocate<float>(tm, tn, tr);
using var d2 = device.Allocate<float>(tm, tn, tr, tr);
using var d3 = device.Allocate<float>(tm, tn, tr, tr);
using var d4 = device.Allocate<float>(tm, tn, tr);
double ttFlops = 2.0 * ts * Math.Pow(tm * tn, 4) + 2.0 * Math.Pow(tm * tn, 4) * tr; // the two large steps
double forward = Time(() => GpuOps.TensorTrain(w1, w2, w3, w4, x, y), small ? 2 : 100);
Report("tensor train forward", forward, ttFlops / forward / 1e9, "GFLOP/s", ttFlops / forward / peak, "");
void Step()
{
    GpuOps.TensorTrain(w1, w2, w3, w4, x, y);
    GpuOps.TensorTrainBackward(w1, w2, w3, w4, x, dy, d1, d2, d3, d4, null);
}
double step = Time(Step, small ? 2 : 100);
Report("tensor train training step (fwd + bwd)", step, 3 * ttFlops / step / 1e9, "GFLOP/s", 3 * ttFlops / step / peak, "");
// The fusion limit decides which small steps share one launch (docs/gpu.md): off, the default, and every step up to 2²⁰
// multiply-adds (the seed's whole weight chain, its cores' gradients), each against the default in the same run.
long defaultLimit = device.FusionLimit;
foreach (long limit in new[] { 0L, 1L << 20 })
{
    device.FusionLimit = limit;
    double other = Time(Step, small ? 2 : 100);
    device.FusionLimit = defaultLimit;
    double again = Time(Step, small ? 2 : 100);
    Console.WriteLine($"  fusion limit {limit} instead of {defaultLimit}: {Seconds(other)} per step ({other / again:F2}x the default's {Seconds(again)})");
}
double cpuStep = CpuTrainingStep(ts, tm, tn, tr, small ? 2 : 200);
Console.WriteLine($"  this project's CPU path, same step, same machine: {cpuStep * 1e3:F3} ms ({cpuStep / step:F2}x the device's time)");
// A whole epoch as the sample runs it: forward, the loss and its gradient, backward, Adam on each core, all on the device.
using var target = Random(device, 12, ts, tn, tn, tn, tn);
using var loss = device.Allocate<float>(1);
var cores = new[] { w1, w2, w3, w4 };
var grads = new[] { d1, d2, d3, d4 };
var moments = cores.SelectMany(w => new[] { device.Allocate<float>(w.Lengths.ToArray().Select(l => (int)l).ToArray()), device.Allocate<float>(w.Lengths.ToArray().Select(l => (int)l).ToArray()) }).ToArray();
long adamStep = 0;
void Epoch()
{
    GpuOps.TensorTrain(w1, w2, w3, w4, x, y);
    DeviceOps.MeanSquaredErrorWithGradient(y, target, dy, loss);
    GpuOps.TensorTrainBackward(w1, w2, w3, w4, x, dy, d1, d2, d3, d4, null);
    adamStep++;
    for (int i = 0; i < 4; i++) DeviceOps.AdamStep(cores[i], grads[i], moments[2 * i], moments[2 * i + 1], adamStep, 1e-3);
}
Epoch();
device.Synchronize();
var clock = Stopwatch.StartNew();
for (int e = 0; e < epochs; e++) Epoch();
device.Synchronize();
Report($"tensor train {epochs} training epochs", clock.Elapsed.TotalSeconds, epochs * 3 * ttFlops / clock.Elapsed.TotalSeconds / 1e9, "GFLOP/s",
    epochs * 3 * ttFlops / clock.Elapsed.TotalSeconds / peak, "");
Console.WriteLine("  (forward, MSE loss and gradient, backward and Adam, all on the device, as samples/TensorTrain --device gpu runs them)");
foreach (var moment in moments) moment.Dispose();
return 0;

double Time(Action run, int repetitions)
{
    run();
    device.Synchronize();
    var watch = Stopwatch.StartNew();
    for (int i = 0; i < repetitions; i++) run();
    device.Synchronize();
    return watch.Elapsed.TotalSeconds / repetitions;
}

static void Report(string name, double seconds, double rate, string unit, double fraction, string blas) =>
    Console.WriteLine($"{name,-44} {Seconds(seconds),12} {rate,10:F1} {unit,-7} {fraction * 100,7:F1} % {blas,10}");

static string Seconds(double s) => s >= 1 ? $"{s:F2} s" : s >= 1e-3 ? $"{s * 1e3:F3} ms" : $"{s * 1e6:F1} µs";

static DeviceTensor<float> Random(EinsumDevice device, int seed, params int[] shape)
{
    var rng = new Random(seed);
    var data = new float[shape.Aggregate(1L, (p, d) => p * d)];
    for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
    return device.Upload<float>(data, shape);
}

// cuBLAS SGEMM on the same sizes: row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ. Seconds per call, or 0 when cuBLAS is missing.
static double CuBlasSgemm(EinsumDevice device, int size, int repetitions)
{
    try
    {
        var accelerator = (CudaAccelerator)device.Accelerator;
        using var blas = new CuBlas<CuBlasPointerModeHandlers.AutomaticMode>(accelerator);
        using var a = accelerator.Allocate1D<float>((long)size * size);
        using var b = accelerator.Allocate1D<float>((long)size * size);
        using var c = accelerator.Allocate1D<float>((long)size * size);
        a.MemSetToZero();
        b.MemSetToZero();
        void Run() => blas.Gemm(CuBlasOperation.NonTranspose, CuBlasOperation.NonTranspose, size, size, size, 1f, b.View, size, a.View, size, 0f, c.View, size);
        Run();
        accelerator.Synchronize();
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < repetitions; i++) Run();
        accelerator.Synchronize();
        return watch.Elapsed.TotalSeconds / repetitions;
    }
    catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or InvalidOperationException or NotSupportedException)
    {
        Console.WriteLine($"  cuBLAS unavailable: {ex.GetType().Name}: {ex.Message}");
        return 0;
    }
}

// The same training step on this project's CPU path (spans), for the device's speed-up on this machine.
static double CpuTrainingStep(int s, int m, int n, int r, int repetitions)
{
    float[] w1 = new float[m * n * r], w2 = new float[m * n * r * r], w3 = new float[w2.Length], w4 = new float[w1.Length];
    float[] xs = new float[s * m * m * m * m], ys = new float[s * n * n * n * n], dys = new float[ys.Length];
    float[] g1 = new float[w1.Length], g2 = new float[w2.Length], g3 = new float[w3.Length], g4 = new float[w4.Length];
    var rng = new Random(1);
    foreach (var array in new[] { w1, w2, w3, w4, xs, dys }) for (int i = 0; i < array.Length; i++) array[i] = (float)rng.NextDouble();
    nint[] s1 = [m, n, r], s2 = [m, n, r, r], sx = [s, m, m, m, m], sy = [s, n, n, n, n];
    void Run()
    {
        GpuOps.TensorTrain(new ReadOnlyTensorSpan<float>(w1, s1), new ReadOnlyTensorSpan<float>(w2, s2), new ReadOnlyTensorSpan<float>(w3, s2),
            new ReadOnlyTensorSpan<float>(w4, s1), new ReadOnlyTensorSpan<float>(xs, sx), new TensorSpan<float>(ys, sy));
        GpuOps.TensorTrainBackward(new ReadOnlyTensorSpan<float>(w1, s1), new ReadOnlyTensorSpan<float>(w2, s2), new ReadOnlyTensorSpan<float>(w3, s2),
            new ReadOnlyTensorSpan<float>(w4, s1), new ReadOnlyTensorSpan<float>(xs, sx), new ReadOnlyTensorSpan<float>(dys, sy),
            new TensorSpan<float>(g1, s1), new TensorSpan<float>(g2, s2), new TensorSpan<float>(g3, s2), new TensorSpan<float>(g4, s1), default(TensorSpan<float>));
    }
    for (int i = 0; i < 3; i++) Run();
    var watch = Stopwatch.StartNew();
    for (int i = 0; i < repetitions; i++) Run();
    return watch.Elapsed.TotalSeconds / repetitions;
}
