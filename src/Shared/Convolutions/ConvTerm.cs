using System.Collections.Generic;

namespace EinsumGen.Convolutions
{
    /// <summary>What a term of a convolution's tensor network stands for.</summary>
#if EINSUMGEN_RUNTIME
    public
#else
    internal
#endif
    enum ConvTermKind
    {
        /// <summary>A tensor the caller passes (input, weight, output gradient), possibly reshaped and sliced by the simplifier.</summary>
        Operand,

        /// <summary>The index pattern Π of one spatial dimension, legs (k, o, i); never materialized when executed.</summary>
        Pattern,

        /// <summary>A Kronecker delta of two legs, from the dense rule.</summary>
        Identity,

        /// <summary>A one-element tensor: a scale (1/N) or the trace of a self-contracting identity.</summary>
        Constant,
    }

    /// <summary>How the simplifier reshaped or sliced an operand, as a view of the caller's tensor.</summary>
#if EINSUMGEN_RUNTIME
    public
#else
    internal
#endif
    enum ConvViewStepKind
    {
        /// <summary>Axis <see cref="ConvViewStep.Axis"/> splits into sizes (outer, inner).</summary>
        Split,

        /// <summary>Axis <see cref="ConvViewStep.Axis"/> keeps [Start, Start + Length).</summary>
        Narrow,

        /// <summary>Axes Axis and Axis + 1 merge into one.</summary>
        Merge,

        /// <summary>Axis <see cref="ConvViewStep.Axis"/> (of size 1) goes.</summary>
        Squeeze,
    }

    /// <summary>One reshape or slice of an operand.</summary>
    /// <param name="Kind">What it does.</param>
    /// <param name="Axis">The axis it acts on.</param>
    /// <param name="A">Split: the outer size; Narrow: the start.</param>
    /// <param name="B">Split: the inner size; Narrow: the length.</param>
#if EINSUMGEN_RUNTIME
    public
#else
    internal
#endif
    readonly record struct ConvViewStep(ConvViewStepKind Kind, int Axis, int A = 0, int B = 0);

    /// <summary>One term of a convolution's tensor network: its kind, its legs (named labels) and what it needs to run.</summary>
#if EINSUMGEN_RUNTIME
    public
#else
    internal
#endif
    sealed class ConvTerm
    {
        internal ConvTerm(ConvTermKind kind, string name, IEnumerable<string> labels)
        {
            Kind = kind;
            Name = name;
            Labels = new List<string>(labels);
        }

        /// <summary>What the term stands for.</summary>
        public ConvTermKind Kind { get; }

        /// <summary>The operand's name ("x", "weight", ...), "Π1".. for patterns, "δ" for identities, "scale"/"trace" for constants.</summary>
        public string Name { get; }

        /// <summary>The legs, named (einops style: "n", "c_in", "k1"); <see cref="ConvNetwork.ToEinsum"/> turns them into letters.</summary>
        public List<string> Labels { get; }

        /// <summary>Patterns: the spatial dimension (0-based) and its geometry.</summary>
        public int Dimension { get; internal set; } = -1;

        /// <summary>Patterns: the hyperparameters of this dimension.</summary>
        public ConvGeometry? Geometry { get; internal set; }

        /// <summary>Constants: the value.</summary>
        public double Value { get; internal set; }

        /// <summary>Identities: the size of both legs.</summary>
        public int IdentitySize { get; internal set; }

        /// <summary>Operands: the reshapes and slices, in order, that turn the caller's tensor into this term.</summary>
        public List<ConvViewStep> ViewSteps { get; } = new List<ConvViewStep>();

        internal ConvTerm Clone()
        {
            var copy = new ConvTerm(Kind, Name, Labels)
            {
                Dimension = Dimension,
                Geometry = Geometry,
                Value = Value,
                IdentitySize = IdentitySize,
            };
            copy.ViewSteps.AddRange(ViewSteps);
            return copy;
        }

        /// <summary>For example <c>x[n,g,c_in,i1]</c>.</summary>
        public override string ToString() => $"{Name}[{string.Join(",", Labels)}]";
    }
}
