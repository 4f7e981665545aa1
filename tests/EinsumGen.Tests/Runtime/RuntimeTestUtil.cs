using System;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using Xunit;

namespace EinsumGen.Tests.Runtime;

public delegate void Unary<T>(ReadOnlyTensorSpan<T> a, TensorSpan<T> y);

public delegate void Binary<T>(ReadOnlyTensorSpan<T> a, ReadOnlyTensorSpan<T> b, TensorSpan<T> y);

public delegate T UnaryScalar<T>(ReadOnlyTensorSpan<T> a);

public delegate T BinaryScalar<T>(ReadOnlyTensorSpan<T> a, ReadOnlyTensorSpan<T> b);

/// <summary>Strided views, dense copies and sentinels for the runtime tests.</summary>
internal static class RuntimeTestUtil
{
    /// <summary>A distinctive value that no computation here produces.</summary>
    public static T Sentinel<T>() where T : INumberBase<T> => T.CreateChecked(-12345.5);

    /// <summary>Deterministic values in [-1, 1) from <paramref name="seed"/>.</summary>
    public static T[] Values<T>(int count, int seed) where T : INumberBase<T>
    {
        var rng = new Random(seed);
        var data = new T[count];
        for (int i = 0; i < count; i++) data[i] = T.CreateChecked(rng.NextDouble() * 2 - 1);
        return data;
    }

    /// <summary>0, 1, 2, … as T.</summary>
    public static T[] Arange<T>(int count) where T : INumberBase<T> =>
        Enumerable.Range(0, count).Select(i => T.CreateChecked(i)).ToArray();

    public static T[] Filled<T>(int count, T value)
    {
        var data = new T[count];
        Array.Fill(data, value);
        return data;
    }

    /// <summary>A strided view over <paramref name="data"/> (shares the memory).</summary>
    public static Tensor<T> View<T>(T[] data, int start, nint[] lengths, nint[] strides) => Tensor.Create(data, start, lengths, strides);

    /// <summary>A dense row-major copy of any view, read element by element through the indexer.</summary>
    public static Tensor<T> Dense<T>(Tensor<T> view) where T : INumberBase<T>
    {
        var lengths = view.Lengths.ToArray();
        var result = Tensor.CreateFromShape<T>(lengths);
        var index = new nint[lengths.Length];
        long count = view.FlattenedLength;
        for (long f = 0; f < count; f++)
        {
            long rest = f;
            for (int d = lengths.Length - 1; d >= 0; d--)
            {
                index[d] = (nint)(rest % lengths[d]);
                rest /= lengths[d];
            }
            result[index] = view[index];
        }
        return result;
    }

    /// <summary>Reads the elements of a strided output view (row-major order) straight from its backing array.</summary>
    public static Tensor<T> ReadStrided<T>(T[] data, int start, nint[] lengths, nint[] strides) where T : INumberBase<T> =>
        Dense(View(data, start, lengths, strides));

    /// <summary>The backing-array positions a strided view touches.</summary>
    public static bool[] Touched(int arrayLength, int start, nint[] lengths, nint[] strides)
    {
        var touched = new bool[arrayLength];
        long count = lengths.Aggregate(1L, (a, b) => a * b);
        var index = new long[lengths.Length];
        for (long f = 0; f < count; f++)
        {
            long rest = f, offset = start;
            for (int d = lengths.Length - 1; d >= 0; d--)
            {
                index[d] = rest % lengths[d];
                rest /= lengths[d];
                offset += index[d] * strides[d];
            }
            touched[offset] = true;
        }
        return touched;
    }

    /// <summary>Asserts every array element outside the view still holds the sentinel.</summary>
    public static void AssertUntouchedOutside<T>(T[] data, int start, nint[] lengths, nint[] strides) where T : INumberBase<T>
    {
        var touched = Touched(data.Length, start, lengths, strides);
        for (int i = 0; i < data.Length; i++)
        {
            if (!touched[i]) Assert.True(data[i] == Sentinel<T>(), $"element {i} outside the output view was overwritten with {data[i]}");
        }
    }

    public static void AssertAllSentinel<T>(T[] data) where T : INumberBase<T>
    {
        for (int i = 0; i < data.Length; i++) Assert.True(data[i] == Sentinel<T>(), $"element {i} was written ({data[i]}) before the error");
    }
}
