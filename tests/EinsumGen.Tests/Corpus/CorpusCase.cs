using System;
using System.Numerics.Tensors;

namespace EinsumGen.Tests.Corpus;

/// <summary>Calls one generated method: operands in spec order, the output to overwrite; returns a scalar result or default.</summary>
public delegate T CorpusRunner<T>(Tensor<T>[] operands, Tensor<T> output);

/// <summary>Calls a generated double Backward: operands, output gradient, one gradient buffer per operand (null: skipped), mode.</summary>
public delegate void BackwardRunner(Tensor<double>[] operands, Tensor<double> outputGradient, Tensor<double>?[] gradients, GradientMode mode);

/// <summary>Calls a generated double Jvp: operands, tangents, the output tangent to overwrite; returns a scalar result or default.</summary>
public delegate double JvpRunner(Tensor<double>[] operands, Tensor<double>[] tangents, Tensor<double> outputTangent);

/// <summary>
/// One corpus entry: a spec, its operand shapes (null for a rank-0 operand) and its generated methods;
/// <see cref="ReturnsScalar"/> marks a '...' output declared as a returned T (the ellipsis covering no dimension).
/// </summary>
public sealed record CorpusCase(string Name, string Spec, int[]?[] Shapes, CorpusRunner<float> RunFloat, CorpusRunner<double> RunDouble,
    BackwardRunner Backward, JvpRunner Jvp, bool ReturnsScalar = false)
{
    public override string ToString() => Name + " '" + Spec + "'";
}

public static partial class CorpusMethods
{
    /// <summary>A rank-0 operand is a one-element tensor in the tests; generated methods take it as a plain T.</summary>
    public static T Scalar<T>(Tensor<T> t) => t.AsReadOnlyTensorSpan().GetPinnableReference();

    /// <summary>A gradient buffer, or <c>default</c> (skipped) for null.</summary>
    public static TensorSpan<T> Span<T>(Tensor<T>? t) => t is null ? default : t.AsTensorSpan();
}
