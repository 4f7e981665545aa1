using System;
using System.Threading;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// One kernel call, resolved for a layout: result[kept] (=|+=) Σ_summed first · second over <see cref="Sizes"/>, with
    /// every tensor's strides per dimension (the first <see cref="Kept"/> dimensions index the result). Immutable; shared
    /// by every call with the same shapes.
    /// </summary>
    internal sealed class StepCall
    {
        public StepCall(int kept, int[] keys, nint[] sizes, nint[] firstStrides, nint[] secondStrides, bool hasSecond, nint[] resultStrides, int sliceDim = -1)
        {
            Kept = kept;
            Keys = keys;
            Sizes = sizes;
            FirstStrides = firstStrides;
            SecondStrides = secondStrides;
            HasSecond = hasSecond;
            ResultStrides = resultStrides;
            SliceDim = sliceDim;
        }

        public int Kept { get; }

        /// <summary>Each dimension's key in the layout (a label's char code, or an ellipsis dimension's key).</summary>
        public int[] Keys { get; }

        public nint[] Sizes { get; }

        public nint[] FirstStrides { get; }

        public nint[] SecondStrides { get; }

        public bool HasSecond { get; }

        public nint[] ResultStrides { get; }

        /// <summary>
        /// The dimension this call is sliced along over the cores (<see cref="SlicedStep"/>), the same label in every sliced
        /// step of the layout; -1 when the call runs whole (its kernel may still split it on its own).
        /// </summary>
        public int SliceDim { get; }

        /// <summary>Multiply-adds of the call: the product of its sizes.</summary>
        public double MultiplyAdds => StepKernel.MultiplyAdds(Sizes);

        private GemmTables? _whole;
        private GemmTables?[]? _parts;

        /// <summary>
        /// The offset tables of part <paramref name="part"/> of <paramref name="parts"/> (1: the whole call), with the part's
        /// <paramref name="sizes"/> and the result written through <paramref name="resultStrides"/> — filled on first use and
        /// kept, since they depend on sizes and strides alone (for the tensor train: ~20 µs of each training step). Thread-safe.
        /// </summary>
        public GemmTables Tables(int part, int parts, ReadOnlySpan<nint> sizes, ReadOnlySpan<nint> resultStrides)
        {
            if (parts <= 1) return _whole ?? Publish(ref _whole, sizes, resultStrides);
            var array = _parts;
            if (array is null || array.Length != parts) _parts = array = new GemmTables?[parts];
            return array[part] ?? Publish(ref array[part], sizes, resultStrides);
        }

        private GemmTables Publish(ref GemmTables? slot, ReadOnlySpan<nint> sizes, ReadOnlySpan<nint> resultStrides)
        {
            var tables = new GemmTables().Fill(Kept, sizes, FirstStrides, SecondStrides, resultStrides);
            return Interlocked.CompareExchange(ref slot, tables, null) ?? tables;
        }

        /// <summary>This call sliced along dimension <paramref name="dim"/>.</summary>
        public StepCall WithSlice(int dim) => new(Kept, Keys, Sizes, FirstStrides, SecondStrides, HasSecond, ResultStrides, dim);
    }
}
