// A user's first program against the EinsumGen package: a generated matrix product, checked against a hand loop.
using System;
using System.Numerics.Tensors;
using EinsumGen;

var a = Tensor.Create(new float[] { 1, 2, 3, 4, 5, 6 }, new nint[] { 2, 3 });
var b = Tensor.Create(new float[] { 7, 8, 9, 10, 11, 12 }, new nint[] { 3, 2 });
var c = Tensor.CreateFromShape<float>(new nint[] { 2, 2 });
Ops.MatMul(a, b, c);
var gradA = Tensor.CreateFromShape<float>(new nint[] { 2, 3 });
var gradB = Tensor.CreateFromShape<float>(new nint[] { 3, 2 });
var ones = Tensor.Create(new float[] { 1, 1, 1, 1 }, new nint[] { 2, 2 });
Ops.MatMulBackward(a, b, ones, gradA, gradB);

float[] expected = { 58, 64, 139, 154 };
float[] got = { c[0, 0], c[0, 1], c[1, 0], c[1, 1] };
Console.WriteLine("product: " + string.Join(" ", got));
Console.WriteLine("gradA row 0: " + gradA[0, 0] + " " + gradA[0, 1] + " " + gradA[0, 2]);
for (int i = 0; i < 4; i++)
{
    if (got[i] != expected[i]) { Console.Error.WriteLine($"wrong product at {i}: {got[i]} != {expected[i]}"); return 1; }
}
// d(sum C)/dA[i,k] = sum_j B[k,j]: rows of B summed.
if (gradA[0, 0] != 15 || gradA[0, 1] != 19 || gradA[0, 2] != 23) { Console.Error.WriteLine("wrong gradient"); return 1; }
Console.WriteLine("package check: OK");
return 0;

public static partial class Ops
{
    [Einsum("ij,jk->ik")]
    public static partial void MatMul(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);
}
