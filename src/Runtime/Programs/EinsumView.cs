using System;
using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// One argument of a compiled call as the runtime reads it: a reference to its first element, its lengths and its
    /// strides. A rank-0 operand (or a scalar result) is a reference to the value itself; a <c>default</c> view is absent
    /// (a gradient or tangent that was not asked for).
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public readonly ref struct EinsumView<T>
    {
        internal readonly ref T Data;
        internal readonly ReadOnlySpan<nint> Lengths;
        internal readonly ReadOnlySpan<nint> Strides;

        /// <summary>Whether the argument was given: a view of rank 1 or more, or a value.</summary>
        internal readonly bool IsPresent;

        /// <summary>A view that is read.</summary>
        /// <param name="view">The caller's view; absent when it is <c>default</c>.</param>
        public EinsumView(ref readonly ReadOnlyTensorSpan<T> view)
        {
            Data = ref Unsafe.AsRef(in view.GetPinnableReference());
            Lengths = view.Lengths;
            Strides = view.Strides;
            IsPresent = view.Rank != 0;
        }

        /// <summary>A view that is written.</summary>
        /// <param name="view">The caller's view; absent when it is <c>default</c>.</param>
        public EinsumView(ref readonly TensorSpan<T> view)
        {
            Data = ref view.GetPinnableReference();
            Lengths = view.Lengths;
            Strides = view.Strides;
            IsPresent = view.Rank != 0;
        }

        /// <summary>
        /// A rank-0 value: a scalar operand (generated code passes its parameter with <c>in</c>), or the local a scalar
        /// result is written to (passed with <c>ref</c>).
        /// </summary>
        /// <param name="value">The value.</param>
        public EinsumView(ref readonly T value)
        {
            Data = ref Unsafe.AsRef(in value);
            IsPresent = true;
        }

        internal EinsumView(ref T data, ReadOnlySpan<nint> lengths, ReadOnlySpan<nint> strides)
        {
            Data = ref data;
            Lengths = lengths;
            Strides = strides;
            IsPresent = true;
        }

        /// <summary>Elements from the first to one past the last (1 for a value, 0 for an empty view).</summary>
        internal long Extent => Overlap.Extent(Lengths, Strides);
    }

    /// <summary>
    /// The arguments of one compiled call, by slot: operands 0..n-1, the result n (the output, its gradient in a backward
    /// pass, its tangent in forward mode), then n+1+i the gradient or tangent of operand i. Generated code implements it
    /// with a <c>ref struct</c> of views; the runtime's sweeps take it as a generic argument, so each call is specialized.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public interface IEinsumViews<T>
    {
        /// <summary>The argument in <paramref name="slot"/>; <c>default</c> (absent) for a slot the call does not use.</summary>
        /// <param name="slot">The slot.</param>
        EinsumView<T> this[int slot] { get; }
    }
}
