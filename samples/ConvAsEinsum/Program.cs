using System;
using System.Diagnostics;
using System.Linq;
using System.Numerics.Tensors;
using EinsumGen;
using EinsumGen.Convolutions;

// A small CNN layer's forward pass, VJPs and KFAC factors as einsum: each operation's tensor network before and after
// simplification, the plan of the simplified einsum, and its time against the unfold-based (im2col) counterpart.
// `dotnet run -c Release -- --batch 32` for larger sizes; the default run takes a few seconds.
int batch = args.Length >= 2 && args[0] == "--batch" ? int.Parse(args[1]) : 4;

var layers = new (string Name, int In, int Out, int Size, ConvSpec Spec)[]
{
    ("3x3, padding 1, 16 -> 32 channels, 32x32", 16, 32, 32, ConvSpec.Uniform(2, 3, 1, 1)),
    ("1x1, 32 -> 64 channels (a channel matmul)", 32, 64, 16, ConvSpec.Uniform(2, 1)),
    ("4x4 / 4 patchify, 3 -> 32 channels (reshape + GEMM)", 3, 32, 32, ConvSpec.Uniform(2, 4, 4)),
};

foreach (var (name, cin, cout, size, spec) in layers)
{
    Console.WriteLine($"== {name}, batch {batch} ==");
    var x = Random(new[] { batch, cin, size, size }, 1);
    var w = Random(new[] { cout, cin, spec.KernelSize[0], spec.KernelSize[1] }, 2);
    var y = Conv.Forward(x, w, spec);
    var v = Random(y.Lengths.ToArray().Select(d => (int)d).ToArray(), 3);
    int[] spatial = { size, size };

    Show(ConvOperation.Forward, spec, batch, cin, cout, spatial);
    Compare("forward", () => Conv.Forward(x, w, spec), () =>
    {
        var u = Conv.Unfold(x, spec);
        return Einsum.Evaluate("ok,nkl->nol", Flat(w, cout), u);
    });

    Show(ConvOperation.InputVjp, spec, batch, cin, cout, spatial);
    Compare("input VJP", () => Conv.InputVjp(v, w, spec, spatial), () =>
    {
        var columns = Einsum.Evaluate("ok,nol->nkl", Flat(w, cout), Flat(v, batch, cout));
        return Conv.Fold(columns, spec, spatial);
    });

    Show(ConvOperation.WeightVjp, spec, batch, cin, cout, spatial);
    Compare("weight VJP", () => Conv.WeightVjp(x, v, spec), () =>
        Einsum.Evaluate("nol,nkl->ok", Flat(v, batch, cout), Conv.Unfold(x, spec)));

    Show(ConvOperation.Kfc, spec, batch, cin, cin, spatial);
    Compare("KFC", () => Conv.Kfc(x, spec), () =>
    {
        var u = Conv.Unfold(x, spec);
        return Einsum.Evaluate("nil,njl,s->ij", u, u, Tensor.Create(new[] { 1f / batch }, new nint[] { 1 }));
    });

    Show(ConvOperation.KfacReduce, spec, batch, cin, cin, spatial);
    Compare("KFAC-reduce (pre-averaged)", () => Conv.KfacReduceAveraged(x, spec), () =>
    {
        var u = Conv.Unfold(x, spec);
        var mean = Einsum.Evaluate("nil,s->ni", u, Tensor.Create(new[] { 1f / u.Lengths[2] }, new nint[] { 1 }));
        return Einsum.Evaluate("ni,nj,s->ij", mean, mean, Tensor.Create(new[] { 1f / batch }, new nint[] { 1 }));
    });
    Console.WriteLine();
}

static void Show(ConvOperation operation, ConvSpec spec, int batch, int cin, int cout, int[] spatial)
{
    var network = Conv.Network(operation, spec, batch, cin, cout, spatial);
    var simplified = ConvSimplifier.Simplify(network);
    Console.WriteLine($"-- {operation}");
    Console.WriteLine($"   before: {network}");
    Console.WriteLine($"   after:  {simplified}");
    Console.WriteLine("   how it runs (patterns are read through their index map, never built):");
    foreach (var line in Conv.Explain(simplified).Split('\n')) Console.WriteLine("     " + line.TrimEnd());
}

static void Compare(string what, Func<Tensor<float>> einsum, Func<Tensor<float>> unfoldBased)
{
    var a = TestDense(einsum());
    var b = TestDense(unfoldBased());
    double error = a.Zip(b, (p, q) => Math.Abs(p - q)).Max() / Math.Max(1e-30, b.Max(Math.Abs));
    double te = Time(() => einsum()), tu = Time(() => unfoldBased());
    Console.WriteLine($"   {what}: einsum {te * 1e3:F2} ms, unfold-based {tu * 1e3:F2} ms ({tu / te:F2}x); max relative difference {error:E1}");
    // Both sum the same products in float; a difference beyond rounding means one of them is wrong: fail the run (CI runs it).
    if (!(error <= 1e-4)) throw new InvalidOperationException($"{what}: the einsum and the unfold-based result differ by {error:E1}");
}

// A dense copy with the trailing dimensions flattened (Tensor.Reshape refuses sources with length-1 dimensions).
static Tensor<float> Flat(Tensor<float> t, params int[] leading)
{
    var values = TestDense(t);
    long rest = values.Length / leading.Aggregate(1L, (a, b) => a * b);
    return Tensor.Create(values, leading.Select(d => (nint)d).Append((nint)rest).ToArray());
}

static float[] TestDense(Tensor<float> t)
{
    var values = new float[t.FlattenedLength];
    t.FlattenTo(values);
    return values;
}

static double Time(Action run)
{
    run();
    var times = new double[3];
    for (int i = 0; i < times.Length; i++)
    {
        var sw = Stopwatch.StartNew();
        run();
        times[i] = sw.Elapsed.TotalSeconds;
    }
    Array.Sort(times);
    return times[1];
}

static Tensor<float> Random(int[] shape, int seed)
{
    var rng = new Random(seed);
    var data = new float[shape.Aggregate(1L, (a, b) => a * b)];
    for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
    return Tensor.Create(data, shape.Select(d => (nint)d).ToArray());
}
