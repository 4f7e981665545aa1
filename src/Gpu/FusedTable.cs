using System;
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using EinsumGen.Gpu.Kernels;
using EinsumGen.Runtime;

namespace EinsumGen.Gpu
{
    /// <summary>One step of a run waiting to be fused: its layout, the indices of its views in the run, and its mode.</summary>
    internal readonly record struct FusedEntry(StepCall Call, int First, int Second, int Result, bool Accumulate)
    {
        public bool Equals(FusedEntry other) =>
            ReferenceEquals(Call, other.Call) && First == other.First && Second == other.Second && Result == other.Result && Accumulate == other.Accumulate;

        public override int GetHashCode() => HashCode.Combine(RuntimeHelpers.GetHashCode(Call), First, Second, Result, Accumulate);
    }

    /// <summary>
    /// What a fused launch's step table depends on: the steps' layouts (the runtime keeps one <see cref="StepCall"/> per
    /// shape, so the same call shapes give the same objects), which of the run's views each reads and writes (numbered in
    /// order of first use, so the same sweep gives the same numbers on every call) and whether it adds.
    /// </summary>
    internal sealed class FusedKey : IEquatable<FusedKey>
    {
        private readonly FusedEntry[] _entries;
        private readonly int _hash;

        public FusedKey(FusedEntry[] entries)
        {
            _entries = entries;
            var hash = new HashCode();
            foreach (var e in entries) hash.Add(e);
            _hash = hash.ToHashCode();
        }

        public ReadOnlySpan<FusedEntry> Entries => _entries;

        public bool Equals(FusedKey? other) => other is not null && _hash == other._hash && _entries.AsSpan().SequenceEqual(other._entries);

        public override bool Equals(object? obj) => Equals(obj as FusedKey);

        public override int GetHashCode() => _hash;
    }

    /// <summary>
    /// A run's step table on the device: one <see cref="FusedStep"/> per step and their sizes and strides, uploaded once
    /// and kept by the device (<see cref="EinsumDevice.FusedTable"/>).
    /// </summary>
    internal sealed class FusedTable : IDisposable
    {
        private FusedTable(MemoryBuffer1D<FusedStep, Stride1D.Dense> steps, MemoryBuffer1D<long, Stride1D.Dense> shapes, int count)
        {
            Steps = steps;
            Shapes = shapes;
            Count = count;
        }

        public MemoryBuffer1D<FusedStep, Stride1D.Dense> Steps { get; }

        public MemoryBuffer1D<long, Stride1D.Dense> Shapes { get; }

        public int Count { get; }

        /// <summary>Builds and uploads the table of <paramref name="key"/>'s steps for a group of <paramref name="threads"/> threads.</summary>
        public static FusedTable Build(EinsumDevice device, FusedKey key, int threads, int warp)
        {
            var entries = key.Entries;
            var steps = new FusedStep[entries.Length];
            int length = 0;
            foreach (var e in entries) length += 4 * e.Call.Sizes.Length;
            var shapes = new long[Math.Max(length, 1)];
            int at = 0;
            for (int s = 0; s < entries.Length; s++)
            {
                var call = entries[s].Call;
                int rank = call.Sizes.Length;
                long count = 1, summed = 1;
                for (int d = 0; d < rank; d++)
                {
                    shapes[at + d] = call.Sizes[d];
                    shapes[at + rank + d] = call.FirstStrides[d];
                    shapes[at + 2 * rank + d] = call.SecondStrides[d];
                    shapes[at + 3 * rank + d] = call.ResultStrides[d];
                    if (d < call.Kept) count *= call.Sizes[d];
                    else summed *= call.Sizes[d];
                }
                steps[s] = new FusedStep
                {
                    Rank = rank, Kept = call.Kept, Shape = at,
                    First = entries[s].First, Second = entries[s].Second, Result = entries[s].Result,
                    Lanes = Lanes(count, summed, threads, warp), HasSecond = call.HasSecond ? 1 : 0, Accumulate = entries[s].Accumulate ? 1 : 0,
                    Count = count, SummedCount = summed,
                };
                at += 4 * rank;
            }
            return new FusedTable(device.Upload(steps), device.Upload(shapes), steps.Length);
        }

        /// <summary>
        /// Threads per result element: when the step has fewer elements than the group has threads, idle threads join in
        /// its sums (a power of two up to a warp, so the partial sums combine by shuffles within the warp).
        /// </summary>
        internal static int Lanes(long count, long summed, int threads, int warp)
        {
            int lanes = 1;
            while (2 * lanes <= warp && count * 2 * lanes <= threads && 2 * lanes <= summed) lanes *= 2;
            return lanes;
        }

        public void Dispose()
        {
            Steps.Dispose();
            Shapes.Dispose();
        }
    }
}
