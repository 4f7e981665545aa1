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
    }
}
