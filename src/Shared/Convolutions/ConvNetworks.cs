using System;
using System.Collections.Generic;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// Builds each <see cref="ConvOperation"/>'s tensor network for given sizes, leg for leg as the reference implementation
    /// writes it (groups as a leg g; one pattern per spatial dimension; scales as a one-element operand with leg s).
    /// </summary>
#if EINSUMGEN_RUNTIME
    public
#else
    internal
#endif
    static class ConvNetworks
    {
        /// <summary>
        /// The network of <paramref name="operation"/>. Channels: <paramref name="inChannels"/> is the channel count of the
        /// tensor the operation reads (x, or the transpose convolution's input), <paramref name="outChannels"/> that of the
        /// result where it has one (forward, VJPs, transpose forward). Unfold, fold and transpose-unfold take groups 1.
        /// </summary>
        public static ConvNetwork Build(ConvOperation operation, int batch, int inChannels, int outChannels, int groups,
            IReadOnlyList<ConvGeometry> geometries)
        {
            if (geometries.Count == 0) throw new ArgumentException("A convolution needs at least one spatial dimension.", nameof(geometries));
            operation = NetworkOf(operation);
            int n = geometries.Count;
            var sizes = new Dictionary<string, int> { ["n"] = batch, ["g"] = groups };
            var terms = new List<ConvTerm>();
            for (int d = 0; d < n; d++)
            {
                sizes[I(d)] = geometries[d].InputSize;
                sizes[K(d)] = geometries[d].KernelSize;
                sizes[O(d)] = geometries[d].OutputSize;
            }
            switch (operation)
            {
                case ConvOperation.Forward:
                    Channels(sizes, inChannels, outChannels, groups);
                    terms.Add(Operand("x", L("n", "g", "c_in"), Range(I, n)));
                    AddPatterns(terms, geometries, "");
                    terms.Add(Operand("weight", L("g", "c_out", "c_in"), Range(K, n)));
                    return Make(terms, Join(L("n", "g", "c_out"), Range(O, n)), sizes);
                case ConvOperation.InputVjp:
                    Channels(sizes, inChannels, outChannels, groups);
                    terms.Add(Operand("v", L("n", "g", "c_out"), Range(O, n)));
                    AddPatterns(terms, geometries, "");
                    terms.Add(Operand("weight", L("g", "c_out", "c_in"), Range(K, n)));
                    return Make(terms, Join(L("n", "g", "c_in"), Range(I, n)), sizes);
                case ConvOperation.WeightVjp:
                    Channels(sizes, inChannels, outChannels, groups);
                    terms.Add(Operand("x", L("n", "g", "c_in"), Range(I, n)));
                    AddPatterns(terms, geometries, "");
                    terms.Add(Operand("v", L("n", "g", "c_out"), Range(O, n)));
                    return Make(terms, Join(L("g", "c_out", "c_in"), Range(K, n)), sizes);
                case ConvOperation.Unfold:
                    sizes.Remove("g");
                    sizes["c_in"] = inChannels;
                    terms.Add(Operand("x", L("n", "c_in"), Range(I, n)));
                    AddPatterns(terms, geometries, "");
                    return Make(terms, Join(Join(L("n", "c_in"), Range(K, n)), Range(O, n)), sizes);
                case ConvOperation.Fold:
                    sizes.Remove("g");
                    sizes["c_in"] = inChannels;
                    terms.Add(Operand("u", Join(L("n", "c_in"), Range(K, n)), Range(O, n)));
                    AddPatterns(terms, geometries, "");
                    return Make(terms, Join(L("n", "c_in"), Range(I, n)), sizes);
                case ConvOperation.TransposeUnfold:
                    sizes.Remove("g");
                    sizes["c_out"] = inChannels;
                    terms.Add(Operand("x", L("n", "c_out"), Range(O, n)));
                    AddPatterns(terms, geometries, "");
                    return Make(terms, Join(Join(L("n", "c_out"), Range(K, n)), Range(I, n)), sizes);
                case ConvOperation.TransposeForward:
                    Channels(sizes, inChannels, outChannels, groups);
                    terms.Add(Operand("x", L("n", "g", "c_in"), Range(O, n)));
                    AddPatterns(terms, geometries, "");
                    terms.Add(Operand("weight", L("g", "c_in", "c_out"), Range(K, n)));
                    return Make(terms, Join(L("n", "g", "c_out"), Range(I, n)), sizes);
                case ConvOperation.Kfc:
                case ConvOperation.KfacReduce:
                {
                    bool reduce = operation == ConvOperation.KfacReduce;
                    Channels(sizes, inChannels, inChannels, groups);
                    sizes.Remove("c_out");
                    sizes["c_in_"] = sizes["c_in"];
                    for (int d = 0; d < n; d++)
                    {
                        sizes[I(d) + "_"] = geometries[d].InputSize;
                        sizes[K(d) + "_"] = geometries[d].KernelSize;
                        if (reduce) sizes[O(d) + "_"] = geometries[d].OutputSize;
                    }
                    terms.Add(Operand("x", L("n", "g", "c_in"), Range(I, n)));
                    AddPatterns(terms, geometries, "");
                    for (int d = 0; d < n; d++) terms.Add(Pattern(d, geometries[d], K(d) + "_", O(d) + (reduce ? "_" : ""), I(d) + "_"));
                    terms.Add(Operand("x", L("n", "g", "c_in_"), Range(d => I(d) + "_", n)));
                    long outputs = 1;
                    foreach (var g in geometries) outputs *= g.OutputSize;
                    terms.Add(Scale(reduce ? 1.0 / batch / outputs / outputs : 1.0 / batch, sizes));
                    var output = Join(Join(Join(L("g", "c_in"), Range(K, n)), L("c_in_")), Range(d => K(d) + "_", n));
                    return Make(terms, output, sizes);
                }
                case ConvOperation.TransposeKfacReduce:
                {
                    sizes.Remove("g");
                    sizes["g"] = groups;
                    if (inChannels % groups != 0) throw new ArgumentException($"x: {inChannels} channels do not split into {groups} groups.");
                    sizes["c_out"] = sizes["c_out_"] = inChannels / groups;
                    for (int d = 0; d < n; d++)
                    {
                        sizes[I(d) + "_"] = geometries[d].InputSize;
                        sizes[K(d) + "_"] = geometries[d].KernelSize;
                        sizes[O(d) + "_"] = geometries[d].OutputSize;
                    }
                    terms.Add(Operand("x", L("n", "g", "c_out"), Range(O, n)));
                    AddPatterns(terms, geometries, "");
                    AddPatterns(terms, geometries, "_");
                    terms.Add(Operand("x", L("n", "g", "c_out_"), Range(d => O(d) + "_", n)));
                    long inputs = 1;
                    foreach (var g in geometries) inputs *= g.InputSize;
                    terms.Add(Scale(1.0 / batch / inputs / inputs, sizes));
                    var output = Join(Join(Join(L("g", "c_out"), Range(K, n)), L("c_out_")), Range(d => K(d) + "_", n));
                    return Make(terms, output, sizes);
                }
                default:
                    throw new ArgumentOutOfRangeException(nameof(operation));
            }
        }

        /// <summary>
        /// The operation whose network <paramref name="operation"/> runs: the JVPs are forward passes on a tangent, the
        /// pre-averaged KFAC-reduce is KFAC-reduce's network, and the randomized weight VJP the weight VJP's on slices.
        /// </summary>
        public static ConvOperation NetworkOf(ConvOperation operation) => operation switch
        {
            ConvOperation.InputJvp or ConvOperation.WeightJvp => ConvOperation.Forward,
            ConvOperation.KfacReduceAveraged => ConvOperation.KfacReduce,
            ConvOperation.WeightVjpRandomized => ConvOperation.WeightVjp,
            _ => operation,
        };

        /// <summary>The leg of spatial dimension d's input (1-based in the name, as in the reference: i1, i2, ...).</summary>
        internal static string I(int d) => "i" + (d + 1);

        /// <summary>The leg of spatial dimension d's kernel.</summary>
        internal static string K(int d) => "k" + (d + 1);

        /// <summary>The leg of spatial dimension d's output.</summary>
        internal static string O(int d) => "o" + (d + 1);

        private static void Channels(Dictionary<string, int> sizes, int inChannels, int outChannels, int groups)
        {
            sizes["c_in"] = inChannels / groups;
            sizes["c_out"] = outChannels / groups;
        }

        private static void AddPatterns(List<ConvTerm> terms, IReadOnlyList<ConvGeometry> geometries, string suffix)
        {
            for (int d = 0; d < geometries.Count; d++) terms.Add(Pattern(d, geometries[d], K(d) + suffix, O(d) + suffix, I(d) + suffix));
        }

        internal static ConvTerm Pattern(int dimension, ConvGeometry geometry, string k, string o, string i) =>
            new ConvTerm(ConvTermKind.Pattern, "Π" + (dimension + 1), new[] { k, o, i }) { Dimension = dimension, Geometry = geometry };

        private static ConvTerm Operand(string name, List<string> head, List<string> tail) => new ConvTerm(ConvTermKind.Operand, name, Join(head, tail));

        private static ConvTerm Scale(double value, Dictionary<string, int> sizes)
        {
            sizes["s"] = 1;
            return new ConvTerm(ConvTermKind.Constant, "scale", new[] { "s" }) { Value = value };
        }

        private static ConvNetwork Make(List<ConvTerm> terms, List<string> output, Dictionary<string, int> sizes) =>
            new ConvNetwork(terms, output, sizes);

        private static List<string> L(params string[] labels) => new List<string>(labels);

        private static List<string> Range(Func<int, string> name, int n)
        {
            var list = new List<string>();
            for (int d = 0; d < n; d++) list.Add(name(d));
            return list;
        }

        private static List<string> Join(List<string> a, List<string> b)
        {
            var list = new List<string>(a);
            list.AddRange(b);
            return list;
        }
    }
}
