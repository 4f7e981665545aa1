using System;
using System.Linq;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using EinsumGen.Runtime;
using Xunit;

namespace EinsumGen.Tests.Runtime;

/// <summary>
/// The runtime's intermediates and scratch come from <see cref="AlignedPool{T}"/>: every buffer starts on a 64-byte line
/// (the AVX-512 kernels' loads then never straddle two lines), is reused on its thread, and a call's intermediates are
/// the pool's buffers (so the kernels see the aligned start).
/// </summary>
public class AlignedIntermediateTests
{
    private static unsafe nuint Address<T>(ref T start) => (nuint)Unsafe.AsPointer(ref start);

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(1000)]
    [InlineData(65536)]
    [InlineData(300_001)]
    public void PooledBuffersStartOnALine(int length)
    {
        var f = AlignedPool<float>.Rent(length);
        var d = AlignedPool<double>.Rent(length);
        var h = AlignedPool<Half>.Rent(length);
        Assert.Equal(0u, Address(ref f.Start) % 64);
        Assert.Equal(0u, Address(ref d.Start) % 64);
        Assert.Equal(0u, Address(ref h.Start) % 64);
        Assert.True(f.Capacity >= length && d.Capacity >= length && h.Capacity >= length);
        Assert.True(f.Offset + f.Capacity <= f.Array.Length && d.Offset + d.Capacity <= d.Array.Length);
        f.AsSpan(length).Fill(1); // the whole requested length is usable
        AlignedPool<float>.Return(f);
        AlignedPool<double>.Return(d);
        AlignedPool<Half>.Return(h);
    }

    [Fact]
    public void AThreadReusesItsSmallestFittingBuffer()
    {
        Kernels.ContractionKernelTests.OnPlainThread(() =>
        {
            var small = AlignedPool<float>.Rent(100);
            var large = AlignedPool<float>.Rent(10_000);
            AlignedPool<float>.Return(large);
            AlignedPool<float>.Return(small);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var again = AlignedPool<float>.Rent(90);
            var again2 = AlignedPool<float>.Rent(5000);
            Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
            Assert.Same(small, again);
            Assert.Same(large, again2);
            Assert.NotSame(again, AlignedPool<float>.Rent(100)); // both taken: a new one
        });
    }

    [Fact]
    public void ABindingsIntermediatesStartOnALine()
    {
        // The tensor train of the main job: its intermediates (t3 = 256 KiB for n=256) and their gradients.
        var program = TestPrograms.Create("aei,bfij,cgjk,dhk,nabcd->nefgh", AllocationMethods.TtSizes, "4,0>nbcdei;5,1>ncdefj;6,2>ndefgk;7,3>nefgh", new[] { "w1", "w2", "w3", "w4", "x" }, "y");
        var binding = new EinsumBinding(program);
        nint[][] shapes = { new nint[] { 8, 2, 8 }, new nint[] { 8, 2, 8, 8 }, new nint[] { 8, 2, 8, 8 }, new nint[] { 8, 2, 8 }, new nint[] { 256, 8, 8, 8, 8 } };
        for (int i = 0; i < shapes.Length; i++)
        {
            var t = Tensor.CreateFromShape<float>(shapes[i]);
            binding.Operand(i, t.Lengths, t.Strides);
            binding.Gradient(i, t.Lengths, t.Strides);
        }
        var y = Tensor.CreateFromShape<float>(new nint[] { 256, 2, 2, 2, 2 });
        binding.Output(y.Lengths, y.Strides);
        binding.Complete();
        Assert.True(binding.StepCount >= 2);
        for (int k = 0; k < binding.StepCount - 1; k++)
        {
            foreach (bool gradient in new[] { false, true })
            {
                var buffer = binding.IntermediateBuffer<float>(k, gradient);
                Assert.Equal(0u, Address(ref binding.Intermediate<float>(k, gradient)) % 64);
                Assert.True(Unsafe.AreSame(ref buffer.Start, ref binding.Intermediate<float>(k, gradient)));
                Assert.True(buffer.Capacity >= binding.IntermediateLength(k));
            }
        }
        binding.Release<float>();
    }

    [Fact]
    public void AGeneratedCallsIntermediatesComeFromThePool()
    {
        Kernels.ContractionKernelTests.OnPlainThread(() =>
        {
            var w1 = RuntimeTestUtil.Values<float>(128, 1);
            var w2 = RuntimeTestUtil.Values<float>(1024, 2);
            var x = RuntimeTestUtil.Values<float>(256 * 4096, 5);
            var y = new float[256 * 16];
            nint[] core1 = { 8, 2, 8 }, core2 = { 8, 2, 8, 8 };
            AllocationMethods.TtDeclared(Tensor.Create(w1, core1), Tensor.Create(w2, core2), Tensor.Create(w2, core2), Tensor.Create(w1, core1),
                Tensor.Create(x, new nint[] { 256, 8, 8, 8, 8 }), Tensor.Create(y, new nint[] { 256, 2, 2, 2, 2 }));
            // The call handed its intermediates back to this thread's pool: the largest (t3, 256 x 8 x 2 x 2 x 2 x 8 floats
            // or so) is there, aligned, and renting it allocates nothing.
            long before = GC.GetAllocatedBytesForCurrentThread();
            var buffer = AlignedPool<float>.Rent(4096);
            Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
            Assert.Equal(0u, Address(ref buffer.Start) % 64);
            AlignedPool<float>.Return(buffer);
        });
    }
}
