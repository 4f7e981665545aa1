using System;
using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Threading;
using EinsumGen;
using EinsumGen.Training;

namespace TensorTrain;

/// <summary>What one run measured.</summary>
public sealed record ExperimentResult(
    double TtMse, double TtR2, double FullMse, double FullR2, long TtParameters, long FullParameters,
    float[] Losses, TimeSpan TrainingTime, TimeSpan FullFitTime)
{
    /// <summary>Where the training loop's time went, by phase of an epoch.</summary>
    public LoopPhases Phases { get; init; } = new(0);
}

/// <summary>
/// The training loop's time by phase, epoch by epoch (stopwatch ticks; a timestamp per phase and epoch, a few tens of
/// nanoseconds against an epoch's ~250 µs), so that a profile can take medians on a busy machine.
/// </summary>
public sealed class LoopPhases(int epochs)
{
    public long[] Forward { get; } = new long[epochs];
    public long[] Loss { get; } = new long[epochs];
    public long[] Backward { get; } = new long[epochs];
    public long[] Optimizer { get; } = new long[epochs];

    /// <summary>Each epoch whole, from the end of the previous one (the loop's own work included).</summary>
    public long[] Epoch { get; } = new long[epochs];

    /// <summary>Bytes the loop allocated, on every thread.</summary>
    public long AllocatedBytes { get; set; }

    public static double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;
}

/// <summary>
/// Seed 000 §2.2 end to end: a make_regression task (256 samples, 4096 features of which 128 informative, 16 targets),
/// standardized; the full least-squares fit as the baseline; then the tensor-train layer trained with Adam on the MSE.
/// </summary>
public static class Experiment
{
    public static ExperimentResult Run(Options o, Action<int, float>? progress = null)
    {
        int s = o.Samples, m = o.InputFactor, n = o.OutputFactor, r = o.Rank;
        // The first call of each kernel compiles it (~0.1 s of JIT in all): a second thread makes those first calls on
        // scratch buffers while this one prepares the data, so the compiling overlaps work the experiment does anyway.
        var warmUp = new Thread(() => WarmUp(o)) { IsBackground = true, Name = "EinsumGen warm-up" };
        warmUp.Start();
        var data = Datasets.MakeRegression<float>(s, o.Inputs, o.Informative, o.Outputs, seed: o.Seed);
        Preprocessing.StandardizeColumns<float>(data.X, o.Inputs);
        Preprocessing.StandardizeColumns<float>(data.Y, o.Outputs);

        // The full linear model fits the training data exactly (more features than samples).
        var clock = Stopwatch.StartNew();
        var full = LeastSquares.MinimumNorm<float>(data.X, data.Y, s, o.Inputs, o.Outputs);
        var fullPrediction = full.Predict<float>(data.X);
        var fullFit = clock.Elapsed;

        // The cores, each drawn standard normal and scaled to unit Frobenius norm, as the seed does.
        var random = new SeededRandom(o.Seed ^ 0x5EED);
        float[] w1 = Core(random, m * n * r), w2 = Core(random, m * n * r * r), w3 = Core(random, m * n * r * r), w4 = Core(random, m * n * r);
        float[] g1 = new float[w1.Length], g2 = new float[w2.Length], g3 = new float[w3.Length], g4 = new float[w4.Length];
        // x's rows are read a whole 512-bit vector at a time (∂t3 = Σ_n x·∂y): a copy that starts a 64-byte line keeps every
        // such load within one cache line (∂t3 alone on one core, thread CPU time: 186–188 µs against 197–214 µs).
        var x = Tensor.Create(AlignedCopy(data.X, out int xStart), xStart, [s, m, m, m, m], DenseStrides(s, m));
        var y = Tensor.Create(data.Y, [s, n, n, n, n]);
        // The prediction tensor wraps the array the loss reads: no copy per epoch (FlattenTo cost 27 µs, 7% of an epoch).
        var predicted = new float[(long)s * o.Outputs];
        var yHat = Tensor.Create(predicted, [s, n, n, n, n]);
        var yGradient = new float[yHat.FlattenedLength];
        var dy = Tensor.Create(yGradient, [s, n, n, n, n]);
        nint[] shape1 = [m, n, r], shape2 = [m, n, r, r], shape4 = [m, n, r];
        Optimizer<float> optimizer = o.Optimizer == "sgd"
            ? new Sgd<float>(o.LearningRate, w1, w2, w3, w4)
            : new Adam<float>(o.LearningRate, w1, w2, w3, w4);

        var losses = new float[o.Epochs];
        var phases = new LoopPhases(o.Epochs);
        warmUp.Join();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        clock.Restart();
        long t0 = Stopwatch.GetTimestamp();
        for (int epoch = 0; epoch < o.Epochs; epoch++)
        {
            long start = t0;
            var c1 = new ReadOnlyTensorSpan<float>(w1, shape1);
            var c2 = new ReadOnlyTensorSpan<float>(w2, shape2);
            var c3 = new ReadOnlyTensorSpan<float>(w3, shape2);
            var c4 = new ReadOnlyTensorSpan<float>(w4, shape4);
            Forward(o, c1, c2, c3, c4, x, yHat);
            long t1 = Stopwatch.GetTimestamp();
            float loss = Losses.MeanSquaredErrorWithGradient<float>(predicted, data.Y, yGradient);
            long t2 = Stopwatch.GetTimestamp();
            var d1 = new TensorSpan<float>(g1, shape1);
            var d2 = new TensorSpan<float>(g2, shape2);
            var d3 = new TensorSpan<float>(g3, shape2);
            var d4 = new TensorSpan<float>(g4, shape4);
            if (o.IsSeedShape) TtLayer.SeedForwardBackward(c1, c2, c3, c4, x, dy, d1, d2, d3, d4, default);
            else TtLayer.ForwardBackward(c1, c2, c3, c4, x, dy, d1, d2, d3, d4, default);
            long t3 = Stopwatch.GetTimestamp();
            optimizer.Step(g1, g2, g3, g4);
            long t4 = Stopwatch.GetTimestamp();
            phases.Forward[epoch] = t1 - start;
            phases.Loss[epoch] = t2 - t1;
            phases.Backward[epoch] = t3 - t2;
            phases.Optimizer[epoch] = t4 - t3;
            losses[epoch] = loss;
            progress?.Invoke(epoch, loss);
            t0 = Stopwatch.GetTimestamp();
            phases.Epoch[epoch] = t0 - start;
        }
        var training = clock.Elapsed;
        phases.AllocatedBytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;

        Forward(o, new ReadOnlyTensorSpan<float>(w1, shape1), new ReadOnlyTensorSpan<float>(w2, shape2),
            new ReadOnlyTensorSpan<float>(w3, shape2), new ReadOnlyTensorSpan<float>(w4, shape4), x, yHat);
        return new ExperimentResult(
            Metrics.MeanSquaredError<float>(data.Y, predicted), Metrics.R2Score<float>(data.Y, predicted),
            Metrics.MeanSquaredError<float>(data.Y, fullPrediction), Metrics.R2Score<float>(data.Y, fullPrediction),
            w1.Length + w2.Length + w3.Length + w4.Length, (long)o.Inputs * o.Outputs, losses, training, fullFit)
        {
            Phases = phases,
        };
    }

    /// <summary>One training step (forward, loss, backward, optimizer) on zero-filled buffers of the experiment's shapes.</summary>
    private static void WarmUp(Options o)
    {
        int s = o.Samples, m = o.InputFactor, n = o.OutputFactor, r = o.Rank;
        nint[] shape1 = [m, n, r], shape2 = [m, n, r, r];
        float[] w1 = new float[m * n * r], w2 = new float[m * n * r * r], w3 = new float[w2.Length], w4 = new float[w1.Length];
        float[] g1 = new float[w1.Length], g2 = new float[w2.Length], g3 = new float[w3.Length], g4 = new float[w4.Length];
        float[] xs = new float[(long)s * o.Inputs], ys = new float[(long)s * o.Outputs], target = new float[ys.Length], dys = new float[ys.Length];
        var c1 = new ReadOnlyTensorSpan<float>(w1, shape1);
        var c2 = new ReadOnlyTensorSpan<float>(w2, shape2);
        var c3 = new ReadOnlyTensorSpan<float>(w3, shape2);
        var c4 = new ReadOnlyTensorSpan<float>(w4, shape1);
        var x = new ReadOnlyTensorSpan<float>(xs, [s, m, m, m, m]);
        var dy = new ReadOnlyTensorSpan<float>(dys, [s, n, n, n, n]);
        Forward(o, c1, c2, c3, c4, x, new TensorSpan<float>(ys, [s, n, n, n, n]));
        Losses.MeanSquaredErrorWithGradient<float>(ys, target, dys);
        var d1 = new TensorSpan<float>(g1, shape1);
        var d2 = new TensorSpan<float>(g2, shape2);
        var d3 = new TensorSpan<float>(g3, shape2);
        var d4 = new TensorSpan<float>(g4, shape1);
        if (o.IsSeedShape) TtLayer.SeedForwardBackward(c1, c2, c3, c4, x, dy, d1, d2, d3, d4, default);
        else TtLayer.ForwardBackward(c1, c2, c3, c4, x, dy, d1, d2, d3, d4, default);
        Optimizer<float> optimizer = o.Optimizer == "sgd" ? new Sgd<float>(o.LearningRate, w1, w2, w3, w4) : new Adam<float>(o.LearningRate, w1, w2, w3, w4);
        optimizer.Step(g1, g2, g3, g4);
    }

    private static void Forward(Options o, ReadOnlyTensorSpan<float> w1, ReadOnlyTensorSpan<float> w2, ReadOnlyTensorSpan<float> w3,
        ReadOnlyTensorSpan<float> w4, ReadOnlyTensorSpan<float> x, TensorSpan<float> y)
    {
        if (o.IsSeedShape) TtLayer.SeedForward(w1, w2, w3, w4, x, y);
        else TtLayer.Forward(w1, w2, w3, w4, x, y);
    }

    /// <summary>
    /// A pinned copy of <paramref name="values"/> whose element <paramref name="start"/> starts a 64-byte line. A copy of
    /// 2 MiB or more starts a 2 MiB page that the kernel is advised to back with huge pages (Linux, transparent huge pages
    /// in "madvise" or "always" mode): ∂t3 = Σ_n x·∂y walks x down its columns, a 4 KiB page a row, and y reads 16 rows
    /// at once, so with 4 KiB pages nearly every row's first load missed the first-level TLB.
    /// </summary>
    private static float[] AlignedCopy(float[] values, out int start)
    {
        long bytes = (long)values.Length * sizeof(float);
        int align = bytes >= HugePage && HugePages && OperatingSystem.IsLinux() ? HugePage : 64;
        // Uninitialized and pinned: a fresh large array is pages the process has not touched yet, so the advice below
        // applies when the copy first touches them; pinned, its address never changes.
        var array = GC.AllocateUninitializedArray<float>(values.Length + align / sizeof(float), pinned: true);
        var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        nint address = handle.AddrOfPinnedObject();
        handle.Free();
        start = (int)((align - (address & (align - 1))) & (align - 1)) / sizeof(float);
        if (align == HugePage)
        {
            nint from = address + start * sizeof(float), length = (nint)(bytes & ~(long)(HugePage - 1));
            try { _ = Madvise(from, length, MadvHugePage); }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException) { HugePages = false; }
        }
        values.CopyTo(array.AsSpan(start));
        return array;
    }

    private const int HugePage = 2 << 20, MadvHugePage = 14;

    /// <summary>Whether x is placed on huge pages where the OS offers them (a switch for same-run comparisons).</summary>
    public static bool HugePages { get; set; } = Environment.GetEnvironmentVariable("TT_HUGEPAGES") != "0";

    [DllImport("libc", EntryPoint = "madvise")]
    private static extern int Madvise(nint address, nint length, int advice);

    /// <summary>Row-major strides of [s, m, m, m, m].</summary>
    private static nint[] DenseStrides(int s, int m) => [(nint)m * m * m * m, m * m * m, m * m, m, 1];

    internal static float[] Core(SeededRandom random, int length)
    {
        var core = new float[length];
        random.FillNormal<float>(core);
        double norm = 0;
        foreach (float v in core) norm += (double)v * v;
        float scale = (float)(1 / Math.Sqrt(norm));
        for (int i = 0; i < core.Length; i++) core[i] *= scale;
        return core;
    }
}
