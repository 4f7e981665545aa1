using System;

namespace EinsumGen.Runtime.Kernels
{
    /// <summary>
    /// Offset tables of one batched GEMM-like step (TBLIS's scatter vectors): A[b,m,k] lives at BatchA[b] + RowA[m] + KA[k],
    /// B[b,k,n] at BatchB[b] + KB[k] + ColB[n], C[b,m,n] at BatchC[b] + RowC[m] + ColC[n]. Every dimension falls in a
    /// group — batch (in both factors, or broadcast in neither), M (first factor only), N (second only) or K (summed). Arrays
    /// only grow: one instance per thread serves every call without allocating; a caller that runs the same step again keeps
    /// instances of its own, filled once and made read-only with <see cref="Keep"/>, since the tables depend on sizes and
    /// strides alone.
    /// </summary>
    internal sealed class GemmTables
    {
        private enum Group { Batch, M, N, K, None }

        [ThreadStatic] private static GemmTables? t_current;

        public nint[] BatchA = Array.Empty<nint>(), BatchB = Array.Empty<nint>(), BatchC = Array.Empty<nint>();
        public nint[] RowA = Array.Empty<nint>(), RowC = Array.Empty<nint>();
        public nint[] ColB = Array.Empty<nint>(), ColC = Array.Empty<nint>();
        public nint[] KA = Array.Empty<nint>(), KB = Array.Empty<nint>();
        private int _batch, _m, _n, _k;
        private TableFacts? _facts;

        // The step's dimensions as last filled, for the lane-block tier's plan (made on demand per element size).
        private nint[] _sizes = Array.Empty<nint>(), _firstStrides = Array.Empty<nint>(), _secondStrides = Array.Empty<nint>(), _resultStrides = Array.Empty<nint>();
        private int _rank, _kept;
        private LaneBlockPlan? _floatLanes, _doubleLanes;
        private bool _lanesKept, _floatLanesFilled, _doubleLanesFilled;

        public static GemmTables ForCurrentThread => t_current ??= new GemmTables();

        /// <summary>The tables as the kernel reads them (the lengths in use), with their affine facts when <see cref="Keep"/> computed them.</summary>
        public GemmProblem Problem => new(
            BatchA.AsSpan(0, _batch), BatchB.AsSpan(0, _batch), BatchC.AsSpan(0, _batch),
            RowA.AsSpan(0, _m), RowC.AsSpan(0, _m), ColB.AsSpan(0, _n), ColC.AsSpan(0, _n),
            KA.AsSpan(0, _k), KB.AsSpan(0, _k)) { Facts = _facts };

        /// <summary>Computes the tables' affine facts once, for tables a caller keeps and shares between threads; returns this instance.</summary>
        public GemmTables Keep()
        {
            _facts = new TableFacts(Problem);
            // Kept tables are shared by every thread: plan the lane-block tier now, for both element types, so that
            // readers only ever see finished plans.
            _floatLanes = FillLanes(new LaneBlockPlan(), sizeof(float));
            _doubleLanes = FillLanes(new LaneBlockPlan(), sizeof(double));
            _lanesKept = true;
            return this;
        }

        /// <summary>
        /// The lane-block tier's plan for elements of <paramref name="elementSize"/> bytes on the widest vector path, or
        /// null when the step does not run on it (<see cref="LaneBlockPlan"/>).
        /// </summary>
        public LaneBlockPlan? LanePlan(int elementSize)
        {
            bool single = elementSize == sizeof(float);
            if (!_lanesKept && !(single ? _floatLanesFilled : _doubleLanesFilled))
            {
                // This thread's tables: fill the plan it reuses for every call.
                if (single) { FillLanes(_floatLanes ??= new LaneBlockPlan(), elementSize); _floatLanesFilled = true; }
                else { FillLanes(_doubleLanes ??= new LaneBlockPlan(), elementSize); _doubleLanesFilled = true; }
            }
            var plan = single ? _floatLanes : _doubleLanes;
            return plan is { Applies: true } ? plan : null;
        }

        private LaneBlockPlan FillLanes(LaneBlockPlan plan, int elementSize) => plan.Fill(_kept,
            _sizes.AsSpan(0, _rank), _firstStrides.AsSpan(0, _rank), _secondStrides.AsSpan(0, _rank), _resultStrides.AsSpan(0, _rank),
            elementSize, ContractionKernel.BestPath);

        /// <summary>Fills every table of the step result[kept] = Σ first · second over <paramref name="sizes"/>; returns this instance.</summary>
        public GemmTables Fill(int kept, ReadOnlySpan<nint> sizes, ReadOnlySpan<nint> firstStrides, ReadOnlySpan<nint> secondStrides, ReadOnlySpan<nint> resultStrides)
        {
            int n = sizes.Length;
            Span<Group> group = stackalloc Group[n];
            for (int d = 0; d < n; d++)
            {
                bool a = firstStrides[d] != 0, b = secondStrides[d] != 0;
                group[d] = sizes[d] == 1 ? Group.None : d >= kept ? Group.K : a == b ? Group.Batch : a ? Group.M : Group.N;
            }
            Span<nint> scratch = stackalloc nint[2 * n];
            _batch = Build(group, sizes, scratch, ref BatchA, Group.Batch, firstStrides);
            Build(group, sizes, scratch, ref BatchB, Group.Batch, secondStrides);
            Build(group, sizes, scratch, ref BatchC, Group.Batch, resultStrides);
            _m = Build(group, sizes, scratch, ref RowA, Group.M, firstStrides);
            Build(group, sizes, scratch, ref RowC, Group.M, resultStrides);
            _n = Build(group, sizes, scratch, ref ColB, Group.N, secondStrides);
            Build(group, sizes, scratch, ref ColC, Group.N, resultStrides);
            _k = Build(group, sizes, scratch, ref KA, Group.K, firstStrides);
            Build(group, sizes, scratch, ref KB, Group.K, secondStrides);
            _facts = null;
            Remember(kept, sizes, firstStrides, secondStrides, resultStrides);
            return this;
        }

        private void Remember(int kept, ReadOnlySpan<nint> sizes, ReadOnlySpan<nint> firstStrides, ReadOnlySpan<nint> secondStrides, ReadOnlySpan<nint> resultStrides)
        {
            int n = sizes.Length;
            if (_sizes.Length < n)
            {
                _sizes = new nint[n]; _firstStrides = new nint[n]; _secondStrides = new nint[n]; _resultStrides = new nint[n];
            }
            sizes.CopyTo(_sizes); firstStrides.CopyTo(_firstStrides); secondStrides.CopyTo(_secondStrides); resultStrides.CopyTo(_resultStrides);
            _rank = n;
            _kept = kept;
            _floatLanesFilled = _doubleLanesFilled = _lanesKept = false;
        }

        /// <summary>Fills one offset table from the dimensions in group <paramref name="g"/>; returns its length.</summary>
        private static int Build(ReadOnlySpan<Group> group, ReadOnlySpan<nint> sizes, Span<nint> scratch, ref nint[] table, Group g, ReadOnlySpan<nint> strides)
        {
            int n = sizes.Length, count = 0;
            var groupSizes = scratch.Slice(0, n);
            var groupStrides = scratch.Slice(n, n);
            for (int d = 0; d < n; d++)
            {
                if (group[d] != g) continue;
                groupSizes[count] = sizes[d];
                groupStrides[count++] = strides[d];
            }
            return Fill(ref table, groupSizes.Slice(0, count), groupStrides.Slice(0, count));
        }

        /// <summary>Fills <paramref name="table"/> (grown if needed) with a group's offsets (see <see cref="OffsetTable"/>); returns the length.</summary>
        public static int Fill(ref nint[] table, ReadOnlySpan<nint> sizes, ReadOnlySpan<nint> strides)
        {
            long count = 1;
            foreach (nint size in sizes) count *= size;
            if (table.Length < count) table = new nint[Math.Max(count, 2L * table.Length)];
            OffsetTable.Fill(sizes, strides, table.AsSpan(0, (int)count), out _);
            return (int)count;
        }
    }
}
