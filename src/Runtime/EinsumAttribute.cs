using System;

namespace EinsumGen
{
    /// <summary>
    /// Marks a <c>static partial</c> method whose body EinsumGen generates from an einsum spec with NumPy's semantics,
    /// e.g. <c>[Einsum("mn,nk->mk")]</c>. Parameters are the operands in spec order (<c>ReadOnlyTensorSpan&lt;T&gt;</c>, or
    /// <c>T</c> for a rank-0 operand), then the output <c>TensorSpan&lt;T&gt;</c> last; a scalar output is returned as <c>T</c>.
    /// </summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
    public sealed class EinsumAttribute : Attribute
    {
        /// <summary>Creates the attribute with the einsum spec, e.g. <c>"aei,bfij,cgjk,dhk,nabcd->nefgh"</c>.</summary>
        public EinsumAttribute(string spec) => Spec = spec;

        /// <summary>The einsum spec as written.</summary>
        public string Spec { get; }

        /// <summary>
        /// Sizes fixed at compile time, e.g. <c>"a=8,e=2"</c>: the generated code plans and specializes on them and checks
        /// them on every call.
        /// </summary>
        public string? Sizes { get; set; }

        /// <summary>
        /// Whether EinsumGen also writes the method's reverse mode (<c>{Name}Backward</c>) and forward mode (<c>{Name}Jvp</c>).
        /// Left unset, the project's <c>EinsumGenDerivatives</c> MSBuild property decides, and that defaults to <c>true</c>;
        /// set <c>&lt;EinsumGenDerivatives&gt;false&lt;/EinsumGenDerivatives&gt;</c> to generate only what is asked for.
        /// </summary>
        public bool Derivatives { get; set; } = true;
    }
}
