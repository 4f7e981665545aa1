using ILGPU;
using ILGPU.Runtime;

namespace EinsumGen.GpuBenchmarks;

/// <summary>Same-run yardsticks: the device's FP32 FMA rate and its copy bandwidth, measured by plain kernels.</summary>
public static class Probes
{
    public const int FmaIterations = 1024;

    /// <summary>8 independent FMA chains per thread, 2 FLOPs each per iteration; the result is stored so none is dropped.</summary>
    public static void Fma(Index1D i, ArrayView<float> output, float seed)
    {
        float b = 0.999f, c = 0.001f;
        float x0 = seed + i, x1 = x0 + 1, x2 = x0 + 2, x3 = x0 + 3, x4 = x0 + 4, x5 = x0 + 5, x6 = x0 + 6, x7 = x0 + 7;
        for (int k = 0; k < FmaIterations; k++)
        {
            x0 = x0 * b + c; x1 = x1 * b + c; x2 = x2 * b + c; x3 = x3 * b + c;
            x4 = x4 * b + c; x5 = x5 * b + c; x6 = x6 * b + c; x7 = x7 * b + c;
        }
        output[i] = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
    }

    public static void Copy(Index1D i, ArrayView<float> source, ArrayView<float> target) => target[i] = source[i];
}
