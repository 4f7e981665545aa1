using System;
using EinsumGen.Runtime.Kernels;
using Xunit;

namespace EinsumGen.Tests.Kernels
{
    public class OffsetTableTests
    {
        [Fact]
        public void Row_major_over_the_group_last_label_fastest()
        {
            var t = new nint[6];
            Assert.False(OffsetTable.Fill(new nint[] { 2, 3 }, new nint[] { 1, 10 }, t, out _));
            Assert.Equal(new nint[] { 0, 10, 20, 1, 11, 21 }, t);
        }

        [Fact]
        public void Contiguous_group_is_affine()
        {
            var t = new nint[24];
            Assert.True(OffsetTable.Fill(new nint[] { 2, 3, 4 }, new nint[] { 36, 12, 3 }, t, out nint s));
            Assert.Equal(3, s);
            for (int i = 0; i < 24; i++) Assert.Equal(3 * i, t[i]);
        }

        [Fact]
        public void Size_one_labels_and_broadcasts()
        {
            var t = new nint[5];
            Assert.True(OffsetTable.Fill(new nint[] { 1, 5, 1 }, new nint[] { 99, 7, 55 }, t, out nint s));
            Assert.Equal(7, s);
            Assert.True(OffsetTable.Fill(new nint[] { 5 }, new nint[] { 0 }, t, out s));
            Assert.Equal(0, s);
            Assert.Equal(new nint[5], t);
            Assert.False(OffsetTable.Fill(new nint[] { 5, 1 }, new nint[] { 0, 1 }, t, out _) && false);
        }

        [Fact]
        public void Empty_and_zero_size_groups()
        {
            var t = new nint[] { 42, 42 };
            Assert.True(OffsetTable.Fill(ReadOnlySpan<nint>.Empty, ReadOnlySpan<nint>.Empty, t, out nint s));
            Assert.Equal(0, t[0]);
            Assert.Equal(0, s);
            t[0] = 42;
            Assert.True(OffsetTable.Fill(new nint[] { 3, 0 }, new nint[] { 1, 1 }, t, out _));
            Assert.Equal(42, t[0]);
        }

        [Fact]
        public void Negative_strides_and_errors()
        {
            var t = new nint[4];
            Assert.True(OffsetTable.Fill(new nint[] { 4 }, new nint[] { -2 }, t, out nint s));
            Assert.Equal(-2, s);
            Assert.Equal(new nint[] { 0, -2, -4, -6 }, t);
            Assert.Throws<ArgumentException>(() => OffsetTable.Fill(new nint[] { 5 }, new nint[] { 1 }, t, out _));
            Assert.Throws<ArgumentException>(() => OffsetTable.Fill(new nint[] { 2 }, new nint[] { 1, 2 }, t, out _));
        }
    }
}
