using System;
using System.Collections.Generic;
using EinsumGen.Gpu;
using EinsumGen.Tests.Corpus;
using M = EinsumGen.Tests.Corpus.CorpusMethods;

namespace EinsumGen.Tests.Gpu;

/// <summary>The device overloads of one generated method, called with operands (tensor or rank-0 value) by slot.</summary>
public sealed record DeviceMethods<T>(
    Func<DeviceSlot<T>[], DeviceTensor<T>?, T> Forward,
    Action<DeviceSlot<T>[], DeviceSlot<T>, DeviceTensor<T>?[], GradientMode> Backward,
    Func<DeviceSlot<T>[], DeviceSlot<T>[], DeviceTensor<T>?, T> Jvp) where T : unmanaged, System.Numerics.INumber<T>;

/// <summary>A corpus method (see <see cref="CorpusMethods"/>) with its device overloads for float and double.</summary>
public sealed record DeviceCase(string Name, DeviceMethods<float> F, DeviceMethods<double> D)
{
    public CorpusCase Corpus { get; } = System.Linq.Enumerable.FirstOrDefault(CorpusMethods.Cases, c => c.Name == Name) ?? throw new ArgumentException("No corpus case " + Name);

    public override string ToString() => Corpus.ToString();
}

/// <summary>
/// The representative corpus the device runs on every build: matmul, a contraction, batched with ellipsis broadcasting,
/// trace and diagonal, a row sum, rank-0 operands and scalar results, single-operand sums planned as unary steps, and
/// the tensor-train layer's forward.
/// </summary>
public static class DeviceCases
{
    public static readonly List<DeviceCase> All = new()
    {
        new("MatMul",
            new((o, y) => { M.MatMulF(o[0].Tensor!, o[1].Tensor!, y!); return 0; },
                (o, g, d, m) => M.MatMulFBackward(o[0].Tensor!, o[1].Tensor!, g.Tensor!, d[0], d[1], m),
                (o, t, y) => { M.MatMulFJvp(o[0].Tensor!, o[1].Tensor!, t[0].Tensor, t[1].Tensor, y!); return 0; }),
            new((o, y) => { M.MatMulD(o[0].Tensor!, o[1].Tensor!, y!); return 0; },
                (o, g, d, m) => M.MatMulDBackward(o[0].Tensor!, o[1].Tensor!, g.Tensor!, d[0], d[1], m),
                (o, t, y) => { M.MatMulDJvp(o[0].Tensor!, o[1].Tensor!, t[0].Tensor, t[1].Tensor, y!); return 0; })),
        new("Contraction",
            new((o, y) => { M.ContractionF(o[0].Tensor!, o[1].Tensor!, y!); return 0; },
                (o, g, d, m) => M.ContractionFBackward(o[0].Tensor!, o[1].Tensor!, g.Tensor!, d[0], d[1], m),
                (o, t, y) => { M.ContractionFJvp(o[0].Tensor!, o[1].Tensor!, t[0].Tensor, t[1].Tensor, y!); return 0; }),
            new((o, y) => { M.ContractionD(o[0].Tensor!, o[1].Tensor!, y!); return 0; },
                (o, g, d, m) => M.ContractionDBackward(o[0].Tensor!, o[1].Tensor!, g.Tensor!, d[0], d[1], m),
                (o, t, y) => { M.ContractionDJvp(o[0].Tensor!, o[1].Tensor!, t[0].Tensor, t[1].Tensor, y!); return 0; })),
        new("BatchedMatMul",
            new((o, y) => { M.BatchedMatMulF(o[0].Tensor!, o[1].Tensor!, y!); return 0; },
                (o, g, d, m) => M.BatchedMatMulFBackward(o[0].Tensor!, o[1].Tensor!, g.Tensor!, d[0], d[1], m),
                (o, t, y) => { M.BatchedMatMulFJvp(o[0].Tensor!, o[1].Tensor!, t[0].Tensor, t[1].Tensor, y!); return 0; }),
            new((o, y) => { M.BatchedMatMulD(o[0].Tensor!, o[1].Tensor!, y!); return 0; },
                (o, g, d, m) => M.BatchedMatMulDBackward(o[0].Tensor!, o[1].Tensor!, g.Tensor!, d[0], d[1], m),
                (o, t, y) => { M.BatchedMatMulDJvp(o[0].Tensor!, o[1].Tensor!, t[0].Tensor, t[1].Tensor, y!); return 0; })),
        new("Trace",
            new((o, _) => M.TraceF(o[0].Tensor!),
                (o, g, d, m) => M.TraceFBackward(o[0].Tensor!, g.Value, d[0], m),
                (o, t, _) => M.TraceFJvp(o[0].Tensor!, t[0].Tensor)),
            new((o, _) => M.TraceD(o[0].Tensor!),
                (o, g, d, m) => M.TraceDBackward(o[0].Tensor!, g.Value, d[0], m),
                (o, t, _) => M.TraceDJvp(o[0].Tensor!, t[0].Tensor))),
        new("Diagonal",
            new((o, y) => { M.DiagonalF(o[0].Tensor!, y!); return 0; },
                (o, g, d, m) => M.DiagonalFBackward(o[0].Tensor!, g.Tensor!, d[0], m),
                (o, t, y) => { M.DiagonalFJvp(o[0].Tensor!, t[0].Tensor, y!); return 0; }),
            new((o, y) => { M.DiagonalD(o[0].Tensor!, y!); return 0; },
                (o, g, d, m) => M.DiagonalDBackward(o[0].Tensor!, g.Tensor!, d[0], m),
                (o, t, y) => { M.DiagonalDJvp(o[0].Tensor!, t[0].Tensor, y!); return 0; })),
        new("SumRows",
            new((o, y) => { M.SumRowsF(o[0].Tensor!, y!); return 0; },
                (o, g, d, m) => M.SumRowsFBackward(o[0].Tensor!, g.Tensor!, d[0], m),
                (o, t, y) => { M.SumRowsFJvp(o[0].Tensor!, t[0].Tensor, y!); return 0; }),
            new((o, y) => { M.SumRowsD(o[0].Tensor!, y!); return 0; },
                (o, g, d, m) => M.SumRowsDBackward(o[0].Tensor!, g.Tensor!, d[0], m),
                (o, t, y) => { M.SumRowsDJvp(o[0].Tensor!, t[0].Tensor, y!); return 0; })),
        new("Inner",
            new((o, _) => M.InnerF(o[0].Tensor!, o[1].Tensor!),
                (o, g, d, m) => M.InnerFBackward(o[0].Tensor!, o[1].Tensor!, g.Value, d[0], d[1], m),
                (o, t, _) => M.InnerFJvp(o[0].Tensor!, o[1].Tensor!, t[0].Tensor, t[1].Tensor)),
            new((o, _) => M.InnerD(o[0].Tensor!, o[1].Tensor!),
                (o, g, d, m) => M.InnerDBackward(o[0].Tensor!, o[1].Tensor!, g.Value, d[0], d[1], m),
                (o, t, _) => M.InnerDJvp(o[0].Tensor!, o[1].Tensor!, t[0].Tensor, t[1].Tensor))),
        new("Scale",
            new((o, y) => { M.ScaleF(o[0].Tensor!, o[1].Value, y!); return 0; },
                (o, g, d, m) => M.ScaleFBackward(o[0].Tensor!, o[1].Value, g.Tensor!, d[0], d[1], m),
                (o, t, y) => { M.ScaleFJvp(o[0].Tensor!, o[1].Value, t[0].Tensor, t[1].Value, y!); return 0; }),
            new((o, y) => { M.ScaleD(o[0].Tensor!, o[1].Value, y!); return 0; },
                (o, g, d, m) => M.ScaleDBackward(o[0].Tensor!, o[1].Value, g.Tensor!, d[0], d[1], m),
                (o, t, y) => { M.ScaleDJvp(o[0].Tensor!, o[1].Value, t[0].Tensor, t[1].Value, y!); return 0; })),
        new("ScaledSum",
            new((o, _) => M.ScaledSumF(o[0].Tensor!, o[1].Value),
                (o, g, d, m) => M.ScaledSumFBackward(o[0].Tensor!, o[1].Value, g.Value, d[0], d[1], m),
                (o, t, _) => M.ScaledSumFJvp(o[0].Tensor!, o[1].Value, t[0].Tensor, t[1].Value)),
            new((o, _) => M.ScaledSumD(o[0].Tensor!, o[1].Value),
                (o, g, d, m) => M.ScaledSumDBackward(o[0].Tensor!, o[1].Value, g.Value, d[0], d[1], m),
                (o, t, _) => M.ScaledSumDJvp(o[0].Tensor!, o[1].Value, t[0].Tensor, t[1].Value))),
        // A unary step first: labels of one operand summed (or its diagonal traced) before the pairwise steps.
        new("SumFirstChain",
            new((o, y) => { M.SumFirstChainF(o[0].Tensor!, o[1].Tensor!, o[2].Tensor!, y!); return 0; },
                (o, g, d, m) => M.SumFirstChainFBackward(o[0].Tensor!, o[1].Tensor!, o[2].Tensor!, g.Tensor!, d[0], d[1], d[2], m),
                (o, t, y) => { M.SumFirstChainFJvp(o[0].Tensor!, o[1].Tensor!, o[2].Tensor!, t[0].Tensor, t[1].Tensor, t[2].Tensor, y!); return 0; }),
            new((o, y) => { M.SumFirstChainD(o[0].Tensor!, o[1].Tensor!, o[2].Tensor!, y!); return 0; },
                (o, g, d, m) => M.SumFirstChainDBackward(o[0].Tensor!, o[1].Tensor!, o[2].Tensor!, g.Tensor!, d[0], d[1], d[2], m),
                (o, t, y) => { M.SumFirstChainDJvp(o[0].Tensor!, o[1].Tensor!, o[2].Tensor!, t[0].Tensor, t[1].Tensor, t[2].Tensor, y!); return 0; })),
        // A unary step first: labels of one operand summed (or its diagonal traced) before the pairwise steps.
        new("TraceFirstChain",
            new((o, y) => { M.TraceFirstChainF(o[0].Tensor!, o[1].Tensor!, o[2].Tensor!, y!); return 0; },
                (o, g, d, m) => M.TraceFirstChainFBackward(o[0].Tensor!, o[1].Tensor!, o[2].Tensor!, g.Tensor!, d[0], d[1], d[2], m),
                (o, t, y) => { M.TraceFirstChainFJvp(o[0].Tensor!, o[1].Tensor!, o[2].Tensor!, t[0].Tensor, t[1].Tensor, t[2].Tensor, y!); return 0; }),
            new((o, y) => { M.TraceFirstChainD(o[0].Tensor!, o[1].Tensor!, o[2].Tensor!, y!); return 0; },
                (o, g, d, m) => M.TraceFirstChainDBackward(o[0].Tensor!, o[1].Tensor!, o[2].Tensor!, g.Tensor!, d[0], d[1], d[2], m),
                (o, t, y) => { M.TraceFirstChainDJvp(o[0].Tensor!, o[1].Tensor!, o[2].Tensor!, t[0].Tensor, t[1].Tensor, t[2].Tensor, y!); return 0; })),
        new("TensorTrain",
            new((o, y) => { M.TensorTrainF(o[0].Tensor!, o[1].Tensor!, o[2].Tensor!, o[3].Tensor!, o[4].Tensor!, y!); return 0; },
                (o, g, d, m) => M.TensorTrainFBackward(o[0].Tensor!, o[1].Tensor!, o[2].Tensor!, o[3].Tensor!, o[4].Tensor!, g.Tensor!, d[0], d[1], d[2], d[3], d[4], m),
                (o, t, y) =>
                {
                    M.TensorTrainFJvp(o[0].Tensor!, o[1].Tensor!, o[2].Tensor!, o[3].Tensor!, o[4].Tensor!, t[0].Tensor, t[1].Tensor, t[2].Tensor, t[3].Tensor, t[4].Tensor, y!);
                    return 0;
                }),
            new((o, y) => { M.TensorTrainD(o[0].Tensor!, o[1].Tensor!, o[2].Tensor!, o[3].Tensor!, o[4].Tensor!, y!); return 0; },
                (o, g, d, m) => M.TensorTrainDBackward(o[0].Tensor!, o[1].Tensor!, o[2].Tensor!, o[3].Tensor!, o[4].Tensor!, g.Tensor!, d[0], d[1], d[2], d[3], d[4], m),
                (o, t, y) =>
                {
                    M.TensorTrainDJvp(o[0].Tensor!, o[1].Tensor!, o[2].Tensor!, o[3].Tensor!, o[4].Tensor!, t[0].Tensor, t[1].Tensor, t[2].Tensor, t[3].Tensor, t[4].Tensor, y!);
                    return 0;
                })),
    };
}
