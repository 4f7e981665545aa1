using System;
using EinsumGen.Gpu;
using EinsumGen.Gpu.Kernels;
using ILGPU.Runtime.Cuda;
using Xunit;

namespace EinsumGen.Tests.Gpu;

/// <summary>
/// The cuBLAS step's mapping of a strided GEMM onto column-major calls (<see cref="CuBlasSteps.TryPlan"/>), checked by
/// emulating cuBLAS's documented semantics on the host: there is no GPU here to call cuBLAS itself.
/// </summary>
[Collection(DeviceCollection.Name)]
public sealed class CuBlasPlanTests
{
    private readonly EinsumDevice _device;

    public CuBlasPlanTests(DeviceFixture fixture) => _device = fixture.Device;

    [Fact]
    public void EveryUnitStrideLayoutMapsToAnEquivalentCall()
    {
        const int m = 5, n = 3, k = 4;
        foreach (bool aRows in new[] { true, false })
        foreach (bool bRows in new[] { true, false })
        foreach (bool cRows in new[] { true, false })
        foreach (bool accumulate in new[] { false, true })
        {
            // Row-major matrices padded to 7 columns (or column-major to 6 rows), each at an offset of its own.
            var g = new GemmArgs
            {
                M = m, N = n, K = k, Batch = 1,
                AOffset = 2, AM = aRows ? 7 : 1, AK = aRows ? 1 : 6,
                BOffset = 3, BK = bRows ? 7 : 1, BN = bRows ? 1 : 6,
                COffset = 1, CM = cRows ? 7 : 1, CN = cRows ? 1 : 6,
                Accumulate = accumulate ? 1 : 0,
            };
            string context = $"A {(aRows ? "rows" : "cols")}, B {(bRows ? "rows" : "cols")}, C {(cRows ? "rows" : "cols")}, accumulate {accumulate}";
            Assert.True(CuBlasSteps.TryPlan(g, out var plan), context);
            var a = Random(64, 1);
            var b = Random(64, 2);
            var c = Random(64, 3);
            var expected = (double[])c.Clone();
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double sum = 0;
                    for (int q = 0; q < k; q++) sum += a[g.AOffset + i * g.AM + q * g.AK] * b[g.BOffset + q * g.BK + j * g.BN];
                    long at = g.COffset + i * g.CM + j * g.CN;
                    expected[at] = (accumulate ? expected[at] : 0) + sum;
                }
            }
            Emulate(plan, g, a, b, c);
            Assert.True(expected.AsSpan().SequenceEqual(c), context);
        }
    }

    [Fact]
    public void MatricesWithoutAUnitStrideTakeTheTiledKernel()
    {
        var g = new GemmArgs { M = 4, N = 4, K = 4, Batch = 1, AM = 4, AK = 1, BK = 4, BN = 1, CM = 8, CN = 2 };
        Assert.False(CuBlasSteps.TryPlan(g, out _));
        g = new GemmArgs { M = 4, N = 4, K = 4, Batch = 1, AM = 8, AK = 2, BK = 4, BN = 1, CM = 4, CN = 1 };
        Assert.False(CuBlasSteps.TryPlan(g, out _));
    }

    [Fact]
    public void CuBlasIsRefusedOnTheCpuAccelerator()
    {
        Assert.Throws<NotSupportedException>(() => _device.UseCuBlas = true);
        Assert.False(_device.UseCuBlas);
        _device.UseCuBlas = false;
    }

    /// <summary>cuBLAS's gemm: C = op(X)·op(Y) (+ C when adding), column-major, leading dimensions as given.</summary>
    private static void Emulate(CuBlasSteps.Plan p, GemmArgs g, double[] a, double[] b, double[] c)
    {
        var (x, xo) = p.Swapped ? (b, g.BOffset) : (a, g.AOffset);
        var (y, yo) = p.Swapped ? (a, g.AOffset) : (b, g.BOffset);
        for (int r = 0; r < p.Rows; r++)
        {
            for (int col = 0; col < p.Cols; col++)
            {
                double sum = 0;
                for (int q = 0; q < g.K; q++)
                {
                    double xv = p.OpX == CuBlasOperation.NonTranspose ? x[xo + r + q * p.Ldx] : x[xo + q + r * p.Ldx];
                    double yv = p.OpY == CuBlasOperation.NonTranspose ? y[yo + q + col * p.Ldy] : y[yo + col + q * p.Ldy];
                    sum += xv * yv;
                }
                long at = g.COffset + r + col * p.Ldc;
                c[at] = (g.Accumulate != 0 ? c[at] : 0) + sum;
            }
        }
    }

    private static double[] Random(int count, int seed)
    {
        var rng = new Random(seed);
        var data = new double[count];
        for (int i = 0; i < count; i++) data[i] = rng.Next(-8, 9);
        return data;
    }
}
