using System;
using EinsumGen.Runtime;
using Xunit;

namespace EinsumGen.Tests.Runtime;

/// <summary>
/// The aligned pool's bound and trim: a thread keeps no more free bytes than the bound (the rest is dropped, counted), and a
/// full collection releases the free buffers no call rented since the previous one. In the allocation collection, which runs
/// alone: the bound is process-wide and other tests' threads would otherwise pool and trim meanwhile.
/// </summary>
[Collection(nameof(AllocationCollection))]
public class AlignedPoolTests
{
    [Fact]
    public void AThreadKeepsNoMoreThanTheBound()
    {
        long saved = AlignedPoolTrim.MaxFreeBytesPerThread;
        try
        {
            AlignedPoolTrim.Trim(all: true);
            var budget = AlignedPoolTrim.CurrentBudget;
            Assert.Equal(0, budget.Bytes);
            AlignedPoolTrim.MaxFreeBytesPerThread = 1 << 20;
            // Eight float buffers of 2^16 elements (256 KiB each, plus the alignment pad) and two double ones: 2.5 MiB returned.
            var floats = new AlignedBuffer<float>[8];
            for (int i = 0; i < floats.Length; i++) floats[i] = AlignedPool<float>.Rent(1 << 16);
            var doubles = new[] { AlignedPool<double>.Rent(1 << 15), AlignedPool<double>.Rent(1 << 15) };
            long dropped = AlignedPoolTrim.Dropped;
            foreach (var b in floats) AlignedPool<float>.Return(b);
            foreach (var b in doubles) AlignedPool<double>.Return(b);
            Assert.True(budget.Bytes <= 1 << 20, $"{budget.Bytes} free bytes kept, above the bound");
            Assert.True(budget.Bytes >= 3 * (1 << 18), $"{budget.Bytes} free bytes kept: the bound should hold three buffers");
            Assert.Equal(10 - budget.Bytes / ((1 << 18) + 64), AlignedPoolTrim.Dropped - dropped);
            // A kept buffer is handed out again; one past the bound is a new one.
            var again = AlignedPool<float>.Rent(1 << 16);
            Assert.Contains(again, floats);
            AlignedPool<float>.Return(again);
        }
        finally
        {
            AlignedPoolTrim.MaxFreeBytesPerThread = saved;
            AlignedPoolTrim.Trim(all: true);
        }
    }

    [Fact]
    public void AFullCollectionReleasesIdleBuffers()
    {
        AlignedPoolTrim.Trim(all: true);
        var budget = AlignedPoolTrim.CurrentBudget;
        var small = AlignedPool<float>.Rent(1 << 12);
        var large = AlignedPool<float>.Rent(1 << 14);
        var ints = AlignedPool<int>.Rent(1 << 10);
        AlignedPool<float>.Return(small);
        AlignedPool<float>.Return(large);
        AlignedPool<int>.Return(ints);
        Assert.True(budget.Bytes > 0);
        long released = AlignedPoolTrim.Released;
        // The first full collection may find them returned in its own epoch; by the second they sat idle a whole interval.
        for (int round = 0; round < 3 && budget.Bytes > 0; round++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true);
            GC.WaitForPendingFinalizers();
        }
        Assert.Equal(0, budget.Bytes);
        Assert.True(AlignedPoolTrim.Released - released >= 3, $"{AlignedPoolTrim.Released - released} buffers released");
        // The pool still works after a trim: a new buffer, aligned.
        var fresh = AlignedPool<float>.Rent(1 << 12);
        unsafe
        {
            fixed (float* p = &fresh.Start) Assert.Equal(0, (long)p % AlignedPool<float>.Alignment);
        }
        AlignedPool<float>.Return(fresh);
    }

    [Fact]
    public void ABufferInUseIsKeptByTheTrim()
    {
        AlignedPoolTrim.Trim(all: true);
        var budget = AlignedPoolTrim.CurrentBudget;
        var idle = AlignedPool<double>.Rent(1 << 12);
        AlignedPool<double>.Return(idle);
        // Rented and returned between trims: it was in use this interval, so the next trim keeps it.
        AlignedPoolTrim.Trim(all: false);
        var used = AlignedPool<double>.Rent(1 << 12);
        Assert.Same(idle, used);
        AlignedPool<double>.Return(used);
        AlignedPoolTrim.Trim(all: false);
        Assert.True(budget.Bytes > 0, "a buffer returned in this interval was released");
        AlignedPoolTrim.Trim(all: false);
        Assert.Equal(0, budget.Bytes);
    }
}
