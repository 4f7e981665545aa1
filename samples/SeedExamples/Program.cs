using System;
using System.Globalization;
using System.Linq;
using System.Numerics.Tensors;
using SeedExamples;

// Seed 000 §1: every einsum computed by generated code, printed beside the same quantity computed the plain way
// (the equivalent loop that the seed names: a.sum(), torch.inner, torch.outer, torch.matmul, the 4-loop contraction).
var rng = new Random(123);
Tensor<float> Randn(params int[] shape)
{
    int count = shape.Aggregate(1, (a, b) => a * b);
    var data = new float[count];
    for (int i = 0; i < count; i++)
    {
        // Box-Muller: standard normal values, as torch.randn draws (not the same stream as torch).
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        data[i] = (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
    return Tensor.Create(data, shape.Select(d => (nint)d).ToArray());
}
Tensor<float> Zeros(params int[] shape) => Tensor.CreateFromShape<float>(shape.Select(d => (nint)d).ToArray());
string Fmt(float v) => v.ToString("0.0000", CultureInfo.InvariantCulture).PadLeft(9);
string Row(Tensor<float> t) => string.Join(" ", Flat(t).Select(Fmt));
float[] Flat(Tensor<float> t) { var f = new float[t.FlattenedLength]; t.FlattenTo(f); return f; }
double worst = 0;
void Show(string title, string spec, Tensor<float> got, Tensor<float> expected)
{
    var g = Flat(got);
    var e = Flat(expected);
    double err = g.Zip(e, (x, y) => Math.Abs(x - y)).DefaultIfEmpty(0).Max();
    worst = Math.Max(worst, err);
    Console.WriteLine($"{title}  einsum('{spec}')");
    Console.WriteLine($"  einsum   : {Row(got)}");
    Console.WriteLine($"  expected : {Row(expected)}");
    Console.WriteLine($"  max |difference| = {err.ToString("g3", CultureInfo.InvariantCulture)}");
    Console.WriteLine();
}
Tensor<float> Scalar(float v) => Tensor.Create(new[] { v }, new nint[] { 1 });

{
    var a = Randn(5);
    Show("1.1 Summation over all elements", "n->", Scalar(SeedOps.SumAll(a)), Scalar(Flat(a).Sum()));
}
{
    var A = Randn(5, 3);
    var y = Zeros(3);
    SeedOps.SumRows(A, y);
    var expected = Zeros(3);
    for (int n = 0; n < 5; n++) for (int m = 0; m < 3; m++) expected[m] += A[n, m];
    Show("1.2 Summation over rows", "nm->m", y, expected);
}
{
    var a = Randn(5);
    var b = Randn(5);
    float inner = 0;
    for (int n = 0; n < 5; n++) inner += a[n] * b[n];
    Show("1.3 Inner product", "n,n->", Scalar(SeedOps.Inner(a, b)), Scalar(inner));
}
{
    var a = Randn(5);
    var b = Randn(3);
    var y = Zeros(5, 3);
    SeedOps.Outer(a, b, y);
    var expected = Zeros(5, 3);
    for (int n = 0; n < 5; n++) for (int m = 0; m < 3; m++) expected[n, m] = a[n] * b[m];
    Show("1.4 Outer product", "n,m->nm", y, expected);
}
{
    var A = Randn(3, 5);
    var b = Randn(5);
    var y = Zeros(3);
    SeedOps.MatVec(A, b, y);
    var expected = Zeros(3);
    for (int m = 0; m < 3; m++) for (int n = 0; n < 5; n++) expected[m] += A[m, n] * b[n];
    Show("1.5 Matrix vector product", "mn,n->m", y, expected);
}
{
    var A = Randn(3, 5);
    var B = Randn(5, 4);
    var y = Zeros(3, 4);
    SeedOps.MatMul(A, B, y);
    var expected = Zeros(3, 4);
    for (int m = 0; m < 3; m++) for (int k = 0; k < 4; k++) for (int n = 0; n < 5; n++) expected[m, k] += A[m, n] * B[n, k];
    Show("1.6 Matrix matrix product", "mn,nk->mk", y, expected);
}
{
    var A = Randn(5, 10, 7);
    var B = Randn(5, 7, 2);
    var C = Zeros(10, 2);
    SeedOps.Contraction(A, B, C);
    var expected = Zeros(10, 2);
    for (int m = 0; m < 5; m++) for (int n = 0; n < 10; n++) for (int k = 0; k < 7; k++) for (int r = 0; r < 2; r++)
        expected[n, r] += A[m, n, k] * B[m, k, r];
    Show("1.7 Tensor contraction", "mnk,mkr->nr", C, expected);
}
{
    var W = Randn(3, 5);
    var x = Randn(5);
    var y = Zeros(3);
    SeedOps.Layer(W, x, y);
    var expected = Zeros(3);
    for (int n = 0; n < 3; n++) for (int m = 0; m < 5; m++) expected[n] += W[n, m] * x[m];
    Show("2.1 Linear layer y_hat = W x", "NM,M->N", y, expected);
}

Console.WriteLine($"All seed 000 §1 einsums ran through generated code; largest difference {worst.ToString("g3", CultureInfo.InvariantCulture)}.");
return worst < 1e-4 ? 0 : 1;
