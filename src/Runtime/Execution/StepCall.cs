using System;
using System.Threading;
using EinsumGen.Runtime.Kernels;

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
        private GemmTables[]? _parts;

        /// <summary>
        /// The offset tables of the whole call, filled on first use and kept: they depend on sizes and strides alone (for
        /// the tensor train, filling them on every call cost ~20 µs of each training step). Thread-safe.
        /// </summary>
        public GemmTables Tables
        {
            get
            {
                if (_whole is { } tables) return tables;
                tables = new GemmTables().Fill(Kept, Sizes, FirstStrides, SecondStrides, ResultStrides).Keep();
                return Interlocked.CompareExchange(ref _whole, tables, null) ?? tables;
            }
        }

        /// <summary>
        /// The tables of each part of a run sliced <paramref name="parts"/> ways along <see cref="SliceDim"/>: the part's range
        /// of the label, and for parts 1.. of a summed label a dense partial result (<see cref="StridedAdd.DenseStrides"/>).
        /// Filled on first use and kept for that number of parts. Thread-safe.
        /// </summary>
        public GemmTables[] PartTables(int parts)
        {
            var tables = _parts;
            if (tables is not null && tables.Length == parts) return tables;
            tables = new GemmTables[parts];
            Span<nint> sizes = stackalloc nint[Sizes.Length], partial = stackalloc nint[Sizes.Length];
            StridedAdd.DenseStrides(Sizes, Kept, partial);
            for (int p = 0; p < parts; p++)
            {
                Sizes.CopyTo(sizes);
                var (lo, hi) = PartRange(Sizes[SliceDim], p, parts);
                sizes[SliceDim] = hi - lo;
                tables[p] = new GemmTables().Fill(Kept, sizes, FirstStrides, SecondStrides, SliceDim >= Kept && p > 0 ? partial : ResultStrides).Keep();
            }
            return _parts = tables;
        }

        /// <summary>The range of a label of size <paramref name="total"/> that part <paramref name="part"/> of <paramref name="parts"/> covers.</summary>
        public static (nint Lo, nint Hi) PartRange(nint total, int part, int parts) => (total * part / parts, total * (part + 1) / parts);

        /// <summary>This call sliced along dimension <paramref name="dim"/>.</summary>
        public StepCall WithSlice(int dim) => new(Kept, Keys, Sizes, FirstStrides, SecondStrides, HasSecond, ResultStrides, dim);
    }
}
