using System;
using System.Linq;
using System.Numerics;
using System.Runtime.CompilerServices;
using EinsumGen.Runtime.Kernels;
using Xunit;

namespace EinsumGen.Tests.Kernels
{
    /// <summary>
    /// The streaming tier's bits do not depend on where its tensors lie. A managed array moves when the GC compacts the
    /// heap, so two calls on the same values can see them at different offsets from a cache line; a kernel that summed a
    /// head up to the first line on its own, or computed the head's elements otherwise than its vector lanes do, gave the
    /// same sum in other last bits from one call to the next (seen as a sweep region "differing" from step by step).
    /// Each step here runs with its values at every element offset from a 64-byte line, tensor by tensor, on every
    /// vector path, and must give the bits it gives on the line.
    /// </summary>
    public class StreamKernelAddressTests
    {
        /// <summary>Sizes, strides of the first, second and result tensor, the kept count, whether there is a second factor.</summary>
        private static readonly (long[] Sizes, long[] A, long[] B, long[] R, int Kept, bool HasB, string Name)[] Steps =
        {
            (new long[] { 3, 4 }, new long[] { 4, 1 }, new long[] { 0, 0 }, new long[] { 0, 0 }, 0, false, "ab-> (the flake's sum)"),
            (new long[] { 77 }, new long[] { 1 }, new long[] { 0 }, new long[] { 0 }, 0, false, "a short sum"),
            (new long[] { 40000 }, new long[] { 1 }, new long[] { 0 }, new long[] { 0 }, 0, false, "a two-stream sum"),
            (new long[] { 40001 }, new long[] { 1 }, new long[] { 1 }, new long[] { 0 }, 0, true, "a two-stream dot product"),
            (new long[] { 13, 300 }, new long[] { 300, 1 }, new long[] { 0, 0 }, new long[] { 1, 0 }, 1, false, "row sums (four at once)"),
            (new long[] { 13, 300 }, new long[] { 300, 1 }, new long[] { 0, 1 }, new long[] { 1, 0 }, 1, true, "a matrix-vector product"),
            (new long[] { 13, 300 }, new long[] { 300, 1 }, new long[] { 300, 1 }, new long[] { 1, 0 }, 1, true, "row dot products"),
            (new long[] { 1100, 13 }, new long[] { 1, 1100 }, new long[] { 0, 0 }, new long[] { 1, 0 }, 1, false, "column sums (four rows at once)"),
            (new long[] { 1100, 13 }, new long[] { 1, 1100 }, new long[] { 1, 1100 }, new long[] { 1, 0 }, 1, true, "column dot products"),
            (new long[] { 1100, 13 }, new long[] { 1, 1100 }, new long[] { 0, 1 }, new long[] { 1, 0 }, 1, true, "a vector-matrix product"),
            (new long[] { 13, 300 }, new long[] { 300, 1 }, new long[] { 300, 1 }, new long[] { 301, 1 }, 2, true, "a Hadamard product"),
            (new long[] { 13, 300 }, new long[] { 300, 1 }, new long[] { 1, 0 }, new long[] { 300, 1 }, 2, true, "a broadcasting scale"),
        };

        [Theory]
        [InlineData(512)]
        [InlineData(256)]
        [InlineData(128)]
        [InlineData(0)]
        public void EveryOffsetFromALineGivesTheSameBits(int width)
        {
            var path = width switch { 512 => KernelPath.Vector512, 256 => KernelPath.Vector256, 128 => KernelPath.Vector128, _ => KernelPath.Scalar };
            foreach (var step in Steps)
            {
                foreach (bool accumulate in new[] { false, true })
                {
                    AssertSameBitsAtEveryOffset<float>(step, path, accumulate);
                    AssertSameBitsAtEveryOffset<double>(step, path, accumulate);
                }
            }
        }

        private static void AssertSameBitsAtEveryOffset<T>((long[] Sizes, long[] A, long[] B, long[] R, int Kept, bool HasB, string Name) s, KernelPath path,
            bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
        {
            int lanes = 64 / Unsafe.SizeOf<T>();
            int na = Extent(s.Sizes, s.A), nb = Extent(s.Sizes, s.B), nr = Extent(s.Sizes.Take(s.Kept).ToArray(), s.R);
            var rng = new Random(41);
            T[] a = Values<T>(na, rng), b = Values<T>(nb, rng), r = Values<T>(nr, rng);
            T[] Run(int oa, int ob, int or)
            {
                T[] bufferA = Placed(a, oa), bufferB = Placed(b, ob), bufferR = Placed(r, or);
                int fa = First(bufferA) + oa, fb = First(bufferB) + ob, fr = First(bufferR) + or;
                using (TestRegions.Read(bufferA, bufferB).AndWrite(bufferR))
                {
                    StreamKernel.Run(s.Kept, N(s.Sizes), ref bufferA[fa], N(s.A), ref bufferB[fb], N(s.B), s.HasB, ref bufferR[fr], N(s.R), accumulate,
                        onlyIfTaken: false, path, maxThreads: 1);
                }
                return bufferR.AsSpan(fr, nr).ToArray();
            }

            var expected = Run(0, 0, 0);
            for (int o = 1; o < lanes; o++)
            {
                foreach (var (oa, ob, or) in new[] { (o, 0, 0), (0, o, 0), (0, 0, o), (o, o, o), (o, lanes - o, 0) })
                {
                    var actual = Run(oa, ob, or);
                    for (int i = 0; i < nr; i++)
                    {
                        Assert.True(expected[i].Equals(actual[i]) && T.IsNegative(expected[i]) == T.IsNegative(actual[i]),
                            $"{s.Name} {typeof(T).Name} {path} accumulate {accumulate}: element {i} is {actual[i]} with the tensors {oa}, {ob}, {or} "
                            + $"elements off a line, {expected[i]} on it");
                    }
                }
            }
        }

        /// <summary>A pinned buffer holding <paramref name="values"/> from <paramref name="offset"/> elements past its first line.</summary>
        private static T[] Placed<T>(T[] values, int offset) where T : unmanaged
        {
            var buffer = GC.AllocateArray<T>(values.Length + 2 * 64 / Unsafe.SizeOf<T>() + 1, pinned: true);
            values.CopyTo(buffer, First(buffer) + offset);
            return buffer;
        }

        /// <summary>The first element of a pinned buffer that starts a 64-byte line.</summary>
        private static unsafe int First<T>(T[] buffer) where T : unmanaged
        {
            long address = (long)Unsafe.AsPointer(ref buffer[0]);
            return (int)(((64 - (address & 63)) & 63) / Unsafe.SizeOf<T>());
        }

        private static int Extent(long[] sizes, long[] strides)
        {
            long extent = 1;
            for (int d = 0; d < sizes.Length; d++) extent += (sizes[d] - 1) * strides[d];
            return (int)extent;
        }

        private static nint[] N(long[] values) => values.Select(v => (nint)v).ToArray();

        private static T[] Values<T>(int count, Random rng) where T : unmanaged, IFloatingPointIeee754<T> =>
            Enumerable.Range(0, count).Select(_ => T.CreateChecked(rng.NextDouble() * 2 - 1)).ToArray();
    }
}
