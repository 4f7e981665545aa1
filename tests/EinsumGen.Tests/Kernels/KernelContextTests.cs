using System.Runtime.Intrinsics;
using EinsumGen.Runtime.Kernels;
using Xunit;

namespace EinsumGen.Tests.Kernels
{
    /// <summary>The per-instruction-set contexts agree with the code shapes they describe.</summary>
    public class KernelContextTests
    {
        [Fact]
        public void CurrentIsTheContextOfTheWidestAcceleratedPath()
        {
            Assert.Same(KernelContext.For(ContractionKernel.BestPath), KernelContext.Current);
            Assert.Same(KernelContext.Current, KernelContext.For(KernelPath.Auto));
            foreach (var path in new[] { KernelPath.Vector512, KernelPath.Vector256, KernelPath.Vector128, KernelPath.Scalar })
                Assert.Equal(path, KernelContext.For(path).Path);
        }

        [Fact]
        public void MicroKernelRowsMatchTheKernelEachPathRuns()
        {
            // ContractionKernel runs Kernel12x2 on Vector512 and Kernel6x2 on the other paths.
            Assert.Equal(Kernel12x2<float, Vector512<float>, Simd512<float>>.MR, KernelContext.Vector512.MicroKernelRows);
            Assert.Equal(Kernel6x2<float, Vector256<float>, Simd256<float>>.MR, KernelContext.Vector256.MicroKernelRows);
            Assert.Equal(Kernel6x2<float, Vector128<float>, Simd128<float>>.MR, KernelContext.Vector128.MicroKernelRows);
            Assert.Equal(Kernel6x2<float, float, SimdScalar<float>>.MR, KernelContext.Scalar.MicroKernelRows);
        }

        [Fact]
        public void SplitUnitsAreWholeMicroTiles()
        {
            foreach (var context in new[] { KernelContext.Vector512, KernelContext.Vector256, KernelContext.Vector128, KernelContext.Scalar })
            {
                Assert.Equal(0, context.Dispatch.PackedMSplitUnit % context.MicroKernelRows);
                int floatLanes = LaneBlockPlan.LanesOf(context.Path, sizeof(float));
                Assert.Equal(0, context.Dispatch.PackedNSplitUnit % (2 * System.Math.Max(floatLanes, 1)));
                Assert.InRange(context.KSplitMaxParts, 1, ContractionKernel.KPartsCapacity);
            }
        }

        [Fact]
        public void LaneTilesUseTwoRowsOnlyWithThirtyTwoRegisters()
        {
            Assert.Equal(3, KernelContext.Vector512.LaneTileRows);
            Assert.Equal(1, KernelContext.Vector256.LaneTileRows);
            Assert.Equal(1, KernelContext.Vector128.LaneTileRows);
        }
    }
}
