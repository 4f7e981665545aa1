using System;
using System.Numerics.Tensors;

namespace EinsumGen.Tests.Corpus;

/// <summary>Calls one generated method: operands in spec order, the output to overwrite; returns a scalar result or default.</summary>
public delegate T CorpusRunner<T>(Tensor<T>[] operands, Tensor<T> output);

/// <summary>One corpus entry: a spec, its operand shapes (null for a rank-0 operand) and its generated methods.</summary>
public sealed record CorpusCase(string Name, string Spec, int[]?[] Shapes, CorpusRunner<float> RunFloat, CorpusRunner<double> RunDouble)
{
    public override string ToString() => Name + " '" + Spec + "'";
}

public static partial class CorpusMethods
{
    /// <summary>A rank-0 operand is a one-element tensor in the tests; generated methods take it as a plain T.</summary>
    public static T Scalar<T>(Tensor<T> t) => t.GetPinnableReference();
}
