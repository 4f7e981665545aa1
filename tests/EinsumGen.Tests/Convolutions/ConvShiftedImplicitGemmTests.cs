using System.Linq;
using EinsumGen.Convolutions;
using Xunit;
using Layer = EinsumGen.Tests.Convolutions.ConvImplicitGemmTests.Layer;

namespace EinsumGen.Tests.Convolutions;

/// <summary>
/// The stride-1 implicit GEMM read in place from a zero-padded window (<see cref="ImplicitGemmShift"/>) and the gathered
/// form, each forced, against direct loops in double, float and double: every stride-1 layer of
/// <see cref="ConvImplicitGemmTests"/>, and layers where the shifted form has something of its own to get wrong: runs of
/// panels that split an image over threads (windows that start mid-image), windows wholly in the padding (the input VJP's
/// geometry then skips host positions: a negative left padding), 3-d with most virtual positions dropped, groups, 1-d,
/// images longer than one weight-VJP run.
/// </summary>
public class ConvShiftedImplicitGemmTests
{
    private static ConvSpec Square(int dims, int kernel, int padding = 0, int dilation = 1, int groups = 1) =>
        ConvSpec.Uniform(dims, kernel, 1, padding, dilation, groups);

    public static TheoryData<Layer> Layers
    {
        get
        {
            var data = new TheoryData<Layer>
            {
                new Layer("3x3 p1, 16 -> 20, 40x40, batch 1 (runs of panels split the image)", 1, 16, 20, new[] { 40, 40 }, Square(2, 3, padding: 1)),
                new Layer("4x4 p6, 4 -> 5, 11x11 (windows wholly in the padding)", 2, 4, 5, new[] { 11, 11 }, Square(2, 4, padding: 6)),
                new Layer("3x2 dilation (2, 1), per-side padding (3, 0) / (1, 2), 6 -> 9, 10x7", 2, 6, 9, new[] { 10, 7 },
                    new ConvSpec(new[] { 3, 2 }, padding: new[] { ConvPadding.PerSide(3, 0), ConvPadding.PerSide(1, 2) }, dilation: new[] { 2, 1 })),
                new Layer("1-d K=3 p1 groups 2, 10 -> 14, length 100", 2, 10, 14, new[] { 100 }, Square(1, 3, padding: 1, groups: 2)),
                new Layer("3-d 3x3x3 p1, 5 -> 7, 4x5x6", 2, 5, 7, new[] { 4, 5, 6 }, Square(3, 3, padding: 1)),
                new Layer("3x3 p1, 8 -> 64, 50x50, batch 3 (runs of at most 2,048 positions; several parts)", 3, 8, 64, new[] { 50, 50 }, Square(2, 3, padding: 1)),
            };
            foreach (var l in ConvImplicitGemmTests.Layers)
            {
                if (l.Spec.Stride.All(s => s == 1)) data.Add(l);
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void ForwardInEitherFormMatchesTheOracle(Layer l)
    {
        var (x, xs, w, ws, _, _) = ConvImplicitGemmTests.Inputs(l);
        var geometries = l.Spec.Geometries(l.Size, "x");
        Assert.NotNull(ImplicitGemmGeometryCache.Forward(geometries).Shift);
        var expected = ConvOracle.Forward(x, xs, w, ws, l.Spec, out var ys);
        long terms = ws.Skip(1).Aggregate(1L, (a, b) => a * b);
        foreach (var form in new[] { ImplicitGemmForm.Shifted, ImplicitGemmForm.Gathered })
        {
            ConvOracle.AssertClose(expected, ImplicitGemmConv.Forward(ConvOracle.ToTensor<float>(x, xs), ConvOracle.ToTensor<float>(w, ws), geometries,
                l.Spec.Groups, l.Out, form), ys, terms, $"{l.Name} {form} float");
            ConvOracle.AssertClose(expected, ImplicitGemmConv.Forward(ConvOracle.ToTensor<double>(x, xs), ConvOracle.ToTensor<double>(w, ws), geometries,
                l.Spec.Groups, l.Out, form), ys, terms, $"{l.Name} {form} double");
        }
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void InputVjpInEitherFormMatchesTheOracle(Layer l)
    {
        var (x, xs, w, ws, dy, ys) = ConvImplicitGemmTests.Inputs(l);
        var geometries = l.Spec.Geometries(l.Size, "x");
        Assert.NotNull(ImplicitGemmGeometryCache.InputVjp(geometries).Shift);
        ConvImplicitGemmTests.Adjoints(x, xs, w, ws, dy, ys, l.Spec, out var dx, out _);
        long terms = (long)ys[1] * l.Spec.KernelSize.Aggregate(1, (a, b) => a * b);
        foreach (var form in new[] { ImplicitGemmForm.Shifted, ImplicitGemmForm.Gathered })
        {
            ConvOracle.AssertClose(dx, ImplicitGemmConv.InputVjp(ConvOracle.ToTensor<float>(dy, ys), ConvOracle.ToTensor<float>(w, ws), geometries,
                l.Spec.Groups, l.In, form), xs, terms, $"{l.Name} {form} float");
            ConvOracle.AssertClose(dx, ImplicitGemmConv.InputVjp(ConvOracle.ToTensor<double>(dy, ys), ConvOracle.ToTensor<double>(w, ws), geometries,
                l.Spec.Groups, l.In, form), xs, terms, $"{l.Name} {form} double");
        }
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void WeightVjpInEitherFormMatchesTheOracle(Layer l)
    {
        var (x, xs, w, ws, dy, ys) = ConvImplicitGemmTests.Inputs(l);
        var geometries = l.Spec.Geometries(l.Size, "x");
        ConvImplicitGemmTests.Adjoints(x, xs, w, ws, dy, ys, l.Spec, out _, out var dw);
        long terms = ys.Where((_, d) => d != 1).Aggregate(1L, (a, b) => a * b);
        foreach (var form in new[] { ImplicitGemmForm.Shifted, ImplicitGemmForm.Gathered })
        {
            ConvOracle.AssertClose(dw, ImplicitGemmConv.WeightVjp(ConvOracle.ToTensor<float>(x, xs), ConvOracle.ToTensor<float>(dy, ys), geometries,
                l.Spec.Groups, l.Spec.KernelSize, form), ws, terms, $"{l.Name} {form} float");
            ConvOracle.AssertClose(dw, ImplicitGemmConv.WeightVjp(ConvOracle.ToTensor<double>(x, xs), ConvOracle.ToTensor<double>(dy, ys), geometries,
                l.Spec.Groups, l.Spec.KernelSize, form), ws, terms, $"{l.Name} {form} double");
        }
    }

    [Fact]
    public void TheShiftedFormServesStrideOneLayersWithFewDroppedPositions()
    {
        var benchmark = ImplicitGemmGeometryCache.Forward(Square(2, 3, padding: 1).Geometries(new[] { 32, 32 }, "x")).Shift;
        Assert.NotNull(benchmark);
        Assert.Equal(31 * 34 + 32, benchmark!.Virtual);
        Assert.True(benchmark.Serves(ImplicitGemmForm.Auto));
        Assert.False(benchmark.Serves(ImplicitGemmForm.Gathered));
        // 3-d 4x5x6 with 3x3x3 p1: 6·7·8 padded positions for 120 outputs; gathered unless forced.
        var small = ImplicitGemmGeometryCache.Forward(Square(3, 3, padding: 1).Geometries(new[] { 4, 5, 6 }, "x")).Shift!;
        Assert.False(small.Serves(ImplicitGemmForm.Auto));
        Assert.True(small.Serves(ImplicitGemmForm.Shifted));
        Assert.Null(ImplicitGemmGeometryCache.Forward(ConvSpec.Uniform(2, 3, 2, 1).Geometries(new[] { 32, 32 }, "x")).Shift); // stride 2
    }

    [Fact]
    public void GeometriesAreMadeOncePerShape()
    {
        var spec = Square(2, 3, padding: 1);
        var first = ImplicitGemmGeometryCache.Forward(spec.Geometries(new[] { 23, 29 }, "x"));
        Assert.Same(first, ImplicitGemmGeometryCache.Forward(spec.Geometries(new[] { 23, 29 }, "x")));
        Assert.NotSame(first, ImplicitGemmGeometryCache.InputVjp(spec.Geometries(new[] { 23, 29 }, "x")));
        Assert.NotSame(first, ImplicitGemmGeometryCache.Forward(spec.Geometries(new[] { 23, 30 }, "x")));
    }
}
