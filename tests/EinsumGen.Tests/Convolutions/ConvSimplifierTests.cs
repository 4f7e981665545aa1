using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using EinsumGen.Convolutions;
using Xunit;

namespace EinsumGen.Tests.Convolutions;

/// <summary>The simplifier's rules (the reference's unit tests) and its worked results, printed as einsum strings.</summary>
public class ConvSimplifierTests
{
    private static ConvNetwork Net(string spec, Dictionary<char, int> sizes, params ConvTerm[] terms)
    {
        var parts = spec.Split("->");
        var list = terms.ToList();
        var inputs = parts[0].Split(',');
        for (int t = list.Count; t < inputs.Length; t++) list.Add(new ConvTerm(ConvTermKind.Operand, "t" + t, inputs[t].Select(c => c.ToString())));
        return new ConvNetwork(list, parts[1].Select(c => c.ToString()).ToList(), sizes.ToDictionary(p => p.Key.ToString(), p => p.Value));
    }

    private static ConvTerm Pattern(ConvGeometry g, string legs) => ConvNetworks.Pattern(0, g, legs[0].ToString(), legs[1].ToString(), legs[2].ToString());

    [Fact]
    public void DensePatternBecomesTwoIdentities()
    {
        var g = ConvGeometry.Create(10, 2, 2, 0, 1);
        var net = Net("koi,ni->nko", new() { ['k'] = 2, ['o'] = 5, ['i'] = 10, ['n'] = 3 }, Pattern(g, "koi"));
        ConvSimplifier.SimplifyDense(net);
        Assert.Equal(2, net.Terms.Count(t => t.Kind == ConvTermKind.Identity));
        Assert.Equal(0, net.PatternCount);
        Assert.Equal(new[] { 5, 2 }, net.Terms.Where(t => t.Kind == ConvTermKind.Identity).Select(t => t.IdentitySize));
    }

    [Fact]
    public void DownsamplingThenDenseAndPruneLeavesOneOperand()
    {
        var g = ConvGeometry.Create(9, 2, 3, 0, 1);
        var net = Net("koi,i->ko", new() { ['k'] = 2, ['o'] = 3, ['i'] = 9 }, Pattern(g, "koi"));
        var simplified = ConvSimplifier.Simplify(net);
        Assert.Single(simplified.Terms);
        Assert.Equal(ConvTermKind.Operand, simplified.Terms[0].Kind);

        // Same numbers: out[k, o] = x[3o + k].
        var x = Tensor.Create(Enumerable.Range(0, 9).Select(i => (double)i * i).ToArray(), new nint[] { 9 });
        foreach (var network in new[] { net, simplified })
        {
            var result = TestData.Flatten(ConvExecutor.Run(network, _ => x));
            var expected = new List<double>();
            foreach (int order in new[] { 0, 1 })
            {
                if (network != simplified && order == 1) break;
            }
            var shape = network.OutputShape();
            var values = new double[2 * 3];
            for (int k = 0; k < 2; k++)
            for (int o = 0; o < 3; o++) values[k * 3 + o] = (3 * o + k) * (3 * o + k);
            Assert.Equal(values, result); // the output keeps [k, o] memory order in both
            Assert.Equal(6, shape.Aggregate(1, (a, b) => a * b));
        }
    }

    [Fact]
    public void MergeParallelLegs()
    {
        var net = Net("ijk,i,ijk->i", new() { ['i'] = 2, ['j'] = 3, ['k'] = 4 });
        ConvSimplifier.MergeParallel(net);
        Assert.Equal("ij,i,ij->i", net.ToEinsum());
        Assert.Equal(12, net.Sizes["j"]);
    }

    [Fact]
    public void SqueezeDropsSizeOneLegs()
    {
        var net = Net("ij,jk,k->i", new() { ['i'] = 1, ['j'] = 1, ['k'] = 4 });
        ConvSimplifier.Squeeze(net);
        Assert.Equal("j,k,k->", net.ToEinsum());
    }

    [Fact]
    public void MergedAndSqueezedNetworksComputeTheSameNumbers()
    {
        var sizes = new Dictionary<char, int> { ['i'] = 2, ['j'] = 3, ['k'] = 4 };
        var a = TestData.Random<double>(new[] { 2, 3, 4 }, 1);
        var b = TestData.Random<double>(new[] { 2 }, 2);
        var c = TestData.Random<double>(new[] { 2, 3, 4 }, 3);
        var net = Net("ijk,i,ijk->i", sizes);
        var merged = net.Clone();
        ConvSimplifier.MergeParallel(merged);
        Tensor<double> Operand(string name) => name == "t0" ? a : name == "t1" ? b : c;
        Assert.Equal(TestData.Flatten(ConvExecutor.Run(net, Operand)), TestData.Flatten(ConvExecutor.Run(merged, Operand)), new ToleranceComparer(1e-12));
    }

    public static TheoryData<ConvOperation, int[], int, ConvSpec, string, string> WorkedResults() => new()
    {
        // 1×1 conv, x [8,64,56,56] → a channel matmul.
        { ConvOperation.Forward, new[] { 8, 64, 56, 56 }, 128, ConvSpec.Uniform(2, 1), "ngabc,deb,fhc,giadf->ngieh", "nabc,ia->nibc" },
        // 1×1 stride 2 (ResNet shortcut): the same, on x[..., ::2, ::2].
        { ConvOperation.Forward, new[] { 8, 64, 56, 56 }, 128, ConvSpec.Uniform(2, 1, 2), "ngabc,deb,fhc,giadf->ngieh", "nabc,ia->nibc" },
        // 4×4/4 patchify: x viewed as [8,3,56,4,56,4].
        { ConvOperation.Forward, new[] { 8, 3, 224, 224 }, 96, ConvSpec.Uniform(2, 4, 4), "ngabc,deb,fhc,giadf->ngieh", "nabjck,iajk->nibc" },
        { ConvOperation.WeightVjp, new[] { 8, 3, 224, 224 }, 96, ConvSpec.Uniform(2, 4, 4), "ngabc,deb,fhc,ngieh->giadf", "nabjck,nibc->iajk" },
        { ConvOperation.KfacReduce, new[] { 8, 3, 224, 224 }, 3, ConvSpec.Uniform(2, 4, 4), "ngabc,deb,fhc,ijk,lmo,ngpko,s->gadfpil", "nabqcr,npktou,s->aqrptu" },
        { ConvOperation.KfacReduce, new[] { 8, 64, 56, 56 }, 64, ConvSpec.Uniform(2, 1, 2), "ngabc,deb,fhc,ijk,lmo,ngpko,s->gadfpil", "nabc,npko,s->ap" },
        { ConvOperation.Kfc, new[] { 8, 64, 56, 56 }, 64, ConvSpec.Uniform(2, 3, 1, 1), "ngabc,deb,fhc,iej,khl,ngmjl,s->gadfmik", null! },
        // General 3×3 p1: only g is squeezed.
        { ConvOperation.Forward, new[] { 8, 64, 56, 56 }, 64, ConvSpec.Uniform(2, 3, 1, 1), "ngabc,deb,fhc,giadf->ngieh", "nabc,deb,fhc,iadf->nieh" },
        { ConvOperation.InputVjp, new[] { 8, 64, 56, 56 }, 64, ConvSpec.Uniform(2, 3, 1, 1), "ngabc,dbe,fch,gaidf->ngieh", null! },
        { ConvOperation.Unfold, new[] { 8, 64, 56, 56 }, 64, ConvSpec.Uniform(2, 3, 1, 1), "nabc,deb,fgc->nadfeg", null! },
        { ConvOperation.TransposeUnfold, new[] { 8, 64, 56, 56 }, 64, ConvSpec.Uniform(2, 3, 1, 1), "nabc,dbe,fcg->nadfeg", null! },
        { ConvOperation.TransposeForward, new[] { 8, 64, 56, 56 }, 64, ConvSpec.Uniform(2, 3, 1, 1), "ngabc,dbe,fch,gaidf->ngieh", null! },
        { ConvOperation.TransposeKfacReduce, new[] { 8, 64, 56, 56 }, 64, ConvSpec.Uniform(2, 3, 1, 1), "ngabc,dbe,fch,ijk,lmo,ngpjm,s->gadfpil", null! },
        { ConvOperation.Forward, new[] { 8, 64, 56 }, 64, ConvSpec.Uniform(1, 3, 1, 1), "ngab,cdb,geac->nged", null! },
    };

    [Theory]
    [MemberData(nameof(WorkedResults))]
    public void NetworksPrintAsTheReferenceAndSimplifyToItsWorkedResults(ConvOperation op, int[] xs, int outChannels, ConvSpec spec, string before, string? after)
    {
        var net = Conv.Network(op, spec, xs[0], xs[1], outChannels, xs.Skip(2).ToArray());
        Assert.Equal(before, net.ToEinsum());
        if (after is not null) Assert.Equal(after, ConvSimplifier.Simplify(net).ToEinsum());
    }

    [Theory]
    [InlineData(ConvOperation.Forward, "unfold", "fold", true)]
    [InlineData(ConvOperation.InputVjp, "fold", "unfold", true)]
    [InlineData(ConvOperation.WeightVjp, "unfold", "fold", true)]
    [InlineData(ConvOperation.Unfold, "unfold", "fold", false)]
    [InlineData(ConvOperation.Fold, "fold", "unfold", false)]
    [InlineData(ConvOperation.TransposeUnfold, "transpose-unfold", "fold", false)]
    [InlineData(ConvOperation.TransposeForward, "fold", "unfold", true)]
    [InlineData(ConvOperation.Kfc, "unfold", "fold", true)]
    [InlineData(ConvOperation.KfacReduce, "Σ_o Π1", "unfold", true)]
    [InlineData(ConvOperation.TransposeKfacReduce, "Σ_i Π1", "unfold", true)]
    public void ExplainNamesHowEachOperationRuns(ConvOperation op, string present, string absent, bool grouped)
    {
        var spec = new ConvSpec(new[] { 3, 2 }, stride: new[] { 2, 1 }, padding: new ConvPadding[] { 1, 0 }, groups: grouped ? 2 : 1);
        foreach (bool simplify in new[] { false, true })
        {
            var net = Conv.Network(op, spec, 2, 4, 6, new[] { 9, 7 });
            if (simplify) net = ConvSimplifier.Simplify(net);
            string text = Conv.Explain(net);
            var lines = text.Split('\n');
            Assert.Contains(lines, l => l.StartsWith(present, System.StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l.StartsWith(absent + " ", System.StringComparison.Ordinal));
            Assert.Contains("Complete contraction", text);
        }
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => System.Math.Abs(a - b) <= tolerance;

        public int GetHashCode(double v) => 0;
    }
}
