using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using Xunit;
using static EinsumGen.Tests.Runtime.RuntimeTestUtil;

namespace EinsumGen.Tests.Runtime;

/// <summary>
/// Accumulated gradients of steps large enough for the GEMM kernel (which overwrites its result) go through dense scratch
/// that is then added in: into a transposed, padded view, the elements outside the view untouched.
/// </summary>
public class AccumulateTests
{
    [Theory]
    [InlineData(3, 5, 4)]    // the strided kernel, which adds as it goes
    [InlineData(40, 33, 37)] // 48,840 multiply-adds per gradient: GEMM into scratch, then added
    public void AccumulatedGradientsAddToStridedBuffers(int m, int n, int k)
    {
        Check<float>(m, n, k, (a, b, dy, da, db, mode) => StridedMethods.MatMulFBackward(a, b, dy, da, db, mode));
        Check<double>(m, n, k, (a, b, dy, da, db, mode) => StridedMethods.MatMulDBackward(a, b, dy, da, db, mode));
    }

    private delegate void Backward<T>(ReadOnlyTensorSpan<T> a, ReadOnlyTensorSpan<T> b, ReadOnlyTensorSpan<T> dy, TensorSpan<T> da, TensorSpan<T> db, GradientMode mode);

    private static void Check<T>(int m, int n, int k, Backward<T> backward) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = TestData.Random<T>(new[] { m, n }, 1);
        var b = TestData.Random<T>(new[] { n, k }, 2);
        var dy = TestData.Random<T>(new[] { m, k }, 3);
        var daFresh = Tensor.CreateFromShape<T>(new nint[] { m, n });
        var dbFresh = Tensor.CreateFromShape<T>(new nint[] { n, k });
        backward(a, b, dy, daFresh, dbFresh, GradientMode.Overwrite);

        // ∂a as a transposed view with padding: element (i, j) at 2 + j·(m + 3) + i.
        var start = Values<T>(2 + n * (m + 3) + 5, 4);
        var buffer = (T[])start.Clone();
        var da = View(buffer, 2, new nint[] { m, n }, new nint[] { 1, m + 3 });
        var initial = Dense(View(start, 2, new nint[] { m, n }, new nint[] { 1, m + 3 }));
        var db = TestData.Random<T>(new[] { n, k }, 5);
        var dbInitial = Tensor.Create(db.ToArray(), db.Lengths.ToArray());
        backward(a, b, dy, da, db, GradientMode.Accumulate);

        TestData.AssertClose(Tensor.Add<T>(initial, daFresh), Dense(da), k + 1, typeof(T).Name + " ∂a accumulated");
        TestData.AssertClose(Tensor.Add<T>(dbInitial, dbFresh), db, m + 1, typeof(T).Name + " ∂b accumulated");
        for (int j = 0; j < n; j++)
        {
            for (int pad = m; pad < m + 3; pad++) Assert.Equal(start[2 + j * (m + 3) + pad], buffer[2 + j * (m + 3) + pad]);
        }
        Assert.Equal(start.Take(2), buffer.Take(2));
    }
}
