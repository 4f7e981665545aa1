using System;
using System.Collections.Generic;
using EinsumGen.Notation;
using Xunit;

namespace EinsumGen.Tests.Planning
{
    public class ShapeResolverTests
    {
        private static Dictionary<char, long> Resolve(string spec, out int rank, out long[] ellipsis, params long[][] shapes) =>
            ShapeResolver.Resolve(EinsumParser.Parse(spec), shapes, out rank, out ellipsis);

        [Fact]
        public void SizesComeFromEachLabelsDimension()
        {
            var sizes = Resolve("ij,jk->ik", out int rank, out var ellipsis, new long[] { 2, 3 }, new long[] { 3, 4 });
            Assert.Equal(2, sizes['i']);
            Assert.Equal(3, sizes['j']);
            Assert.Equal(4, sizes['k']);
            Assert.Equal(0, rank);
            Assert.Empty(ellipsis);
        }

        [Fact]
        public void SizeOneBroadcastsAgainstALabelInEitherOrder()
        {
            Assert.Equal(3, Resolve("ij,ij->ij", out _, out _, new long[] { 1, 5 }, new long[] { 3, 5 })['i']);
            Assert.Equal(3, Resolve("ij,ij->ij", out _, out _, new long[] { 3, 5 }, new long[] { 1, 5 })['i']);
            Assert.Equal(1, Resolve("i,i->i", out _, out _, new long[] { 1 }, new long[] { 1 })['i']);
            Assert.Equal(0, Resolve("i,i->i", out _, out _, new long[] { 1 }, new long[] { 0 })['i']);
        }

        [Fact]
        public void MismatchedLabelSizesNameOperandLabelAndSizes()
        {
            var ex = Assert.Throws<ArgumentException>(() => Resolve("ij,jk->ik", out _, out _, new long[] { 2, 3 }, new long[] { 4, 5 }));
            Assert.Contains("Operand 1", ex.Message);
            Assert.Contains("'j'", ex.Message);
            Assert.Contains("4", ex.Message);
            Assert.Contains("3", ex.Message);
            Assert.Contains("operand 0", ex.Message);
        }

        [Fact]
        public void RepeatedLabelInOneOperandNeedsEqualSizes()
        {
            Assert.Equal(3, Resolve("ii->i", out _, out _, new long[] { 3, 3 })['i']);
            var ex = Assert.Throws<ArgumentException>(() => Resolve("ii->i", out _, out _, new long[] { 3, 1 }));
            Assert.Contains("Operand 0", ex.Message);
            Assert.Contains("'i'", ex.Message);
            Assert.Contains("3 and 1", ex.Message);
        }

        [Fact]
        public void RankMustMatchTheSubscripts()
        {
            var ex = Assert.Throws<ArgumentException>(() => Resolve("ij->i", out _, out _, new long[] { 2, 3, 4 }));
            Assert.Contains("Operand 0", ex.Message);
            Assert.Contains("rank 3", ex.Message);
            Assert.Throws<ArgumentException>(() => Resolve("...ij->i", out _, out _, new long[] { 2 }));
            Assert.Throws<ArgumentException>(() => Resolve("ij,jk->ik", out _, out _, new long[] { 2, 3 }));
            Assert.Throws<ArgumentException>(() => Resolve("i->i", out _, out _, new long[] { -1 }));
        }

        [Fact]
        public void EllipsisDimensionsBroadcastRightAligned()
        {
            var sizes = Resolve("...ij,j...->...i", out int rank, out var ellipsis,
                new long[] { 7, 1, 5, 2, 3 }, new long[] { 3, 4, 1 });
            Assert.Equal(3, rank);
            Assert.Equal(new long[] { 7, 4, 5 }, ellipsis);
            Assert.Equal(2, sizes['i']);
            Assert.Equal(3, sizes['j']);
        }

        [Fact]
        public void EllipsisMayCoverNothing()
        {
            Resolve("...ij->ij", out int rank, out var ellipsis, new long[] { 2, 3 });
            Assert.Equal(0, rank);
            Assert.Empty(ellipsis);
        }

        [Fact]
        public void EllipsisMismatchNamesTheOperand()
        {
            var ex = Assert.Throws<ArgumentException>(() => Resolve("...i,...i->...i", out _, out _, new long[] { 2, 3 }, new long[] { 4, 3 }));
            Assert.Contains("Operand 1", ex.Message);
            Assert.Contains("4", ex.Message);
            Assert.Contains("2", ex.Message);
        }

        [Fact]
        public void OperandCountMustMatch()
        {
            var ex = Assert.Throws<ArgumentException>(() => Resolve("ij,jk->ik", out _, out _, new long[] { 2, 3 }));
            Assert.Contains("2 operand", ex.Message);
        }
    }
}
