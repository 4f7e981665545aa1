using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace EinsumGen.Runtime.Kernels
{
    internal static unsafe partial class StreamKernel
    {
        /// <summary>How many elements ahead a scattered read (one element per line) prefetches.</summary>
        private const int ScatteredAhead = 16;

        /// <summary>Runs shorter than this add into the result one row at a time (<see cref="Store4{T, TV, TS}"/>).</summary>
        private const int FourRowBytes = 4096;

        /// <summary>
        /// The loops over rows compile on their own, fully optimized: inlined into <see cref="Runs{T, TV, TS}"/> together,
        /// they outgrew the JIT's inlining budget, which then left the vector operations inside some of them as calls
        /// (an outer product ran 3–4× slower for it).
        /// </summary>
        private const MethodImplOptions Leaf = MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization;

        /// <summary>
        /// One inner run per index of the outer dimensions, in the streamed tensor's storage order. A kept unit-stride run
        /// that outer summed dimensions add into (column sums, a vector-matrix product) is cut into chunks that stay in L1
        /// while every outer index adds into them, and where the dimension just outside the run is summed, four of its rows
        /// add into the run at once (one load and store of the result per four rows read).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Runs<T, TV, TS>(Walk<T>* w, bool outerSum) where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int n = w->N, inner = n - 1, row = inner - 1;
            long length = w->Sizes[inner], sa = w->SA[inner], sb = w->SB[inner], sr = w->SR[inner];
            bool reduce = w->Summed[inner], hasB = w->HasB, add = w->Add, nt = w->NonTemporal;
            long chunk = length;
            if (outerSum && !reduce && sr == 1) chunk = Math.Max(KernelContext.Current.StreamChunkBytes / sizeof(T), 64);
            long rows = row >= 0 ? w->Sizes[row] : 1;
            long rowA = row >= 0 ? w->SA[row] : 0, rowB = row >= 0 ? w->SB[row] : 0, rowR = row >= 0 ? w->SR[row] : 0;
            // Only runs of a page or more: four shorter rows side by side (within a page or two) read slower than one by one.
            bool fourRows = row >= 0 && add && !reduce && w->Summed[row] && rowR == 0 && sr == 1 && Math.Min(chunk, length) * sizeof(T) >= FourRowBytes
                && (sa == 1 || (hasB && sa == 0 && sb == 1)) && (!hasB || (sb | 1) == 1);
            // Shorter rows summed into a run one after the other, in one call (a middle-axis sum).
            bool rowByRow = row >= 0 && add && !reduce && !fourRows && w->Summed[row] && rowR == 0 && sr == 1 && sa == 1 && !hasB;
            // Four runs summed at once (a matrix-vector product, row sums): four streams in flight instead of one.
            bool fourSums = row >= 0 && reduce && sa == 1 && (!hasB || (sb | 1) == 1) && (add || !w->Summed[row]);
            // Short kept rows one at a time (a batch of diagonals, a batch of short rows) read one stream: walk the rows in
            // four quarters side by side instead (rows k, k + q, k + 2q, k + 3q in turn), four streams in flight as the probe
            // has (one thread reads ~31 GB/s in one stream, ~48 in four). Each row is computed as before, and written once.
            bool quarters = row >= 0 && !w->Summed[row] && !fourSums && rows >= 64
                && Math.Max(Math.Abs(sa), Math.Max(Math.Abs(sb), Math.Abs(sr))) * length * sizeof(T) <= QuarterRowBytes;
            // A middle-axis sum (rows added one after another into a kept run) likewise takes four indices of the kept
            // dimension just outside at once (AddRows4): four blocks far apart read side by side.
            int quarterDim = rowByRow && outerSum && row >= 1 && !w->Summed[row - 1] && w->Sizes[row - 1] >= 8 ? row - 1 : -1;
            int outer = quarterDim >= 0 ? quarterDim : Math.Max(row, 0);
            long* sizes = w->Sizes;
            long* strideA = w->SA;
            long* strideB = w->SB;
            long* strideR = w->SR;
            long* index = stackalloc long[Math.Max(outer, 1)];
            for (long c0 = 0; c0 < length; c0 += chunk)
            {
                long count = Math.Min(chunk, length - c0);
                for (int d = 0; d < outer; d++) index[d] = 0;
                long oa = c0 * sa, ob = c0 * sb, or = c0 * sr;
                while (true)
                {
                    T* a = w->A + oa;
                    T* b = w->B + ob;
                    T* r = w->R + or;
                    long k = 0;
                    if (quarterDim >= 0)
                    {
                        long blocks = w->Sizes[quarterDim], q = blocks / 4, blockA = strideA[quarterDim], blockR = strideR[quarterDim];
                        for (long j = 0; j < q; j++)
                            AddRows4<T, TV, TS>(a + j * blockA, q * blockA, rowA, r + j * blockR, q * blockR, count, rows);
                        for (long j = 4 * q; j < blocks; j++) AddRows<T, TV, TS>(a + j * blockA, rowA, r + j * blockR, count, rows);
                        k = rows;
                    }
                    else if (rowByRow)
                    {
                        AddRows<T, TV, TS>(a, rowA, r, count, rows);
                        k = rows;
                    }
                    else if (fourRows)
                    {
                        for (; k + 4 <= rows; k += 4) Store4<T, TV, TS>(a + k * rowA, rowA, sa, b + k * rowB, rowB, sb, hasB, r, count);
                    }
                    else if (fourSums)
                    {
                        for (; k + 4 <= rows; k += 4)
                        {
                            Reduce4<T, TV, TS>(a + k * rowA, rowA, b + k * rowB, rowB, sb, hasB, count, out T s0, out T s1, out T s2, out T s3);
                            T* t0 = r + k * rowR;
                            T* t1 = t0 + rowR;
                            T* t2 = t1 + rowR;
                            T* t3 = t2 + rowR;
                            // Rows summed into one element (rowR = 0) add up in turn.
                            *t0 = add ? *t0 + s0 : s0;
                            *t1 = add || rowR == 0 ? *t1 + s1 : s1;
                            *t2 = add || rowR == 0 ? *t2 + s2 : s2;
                            *t3 = add || rowR == 0 ? *t3 + s3 : s3;
                        }
                    }
                    long q4 = quarters ? rows / 4 : 0;
                    for (long m = k; m < rows; m++)
                    {
                        // With quarters, m walks the rows k, k + q, k + 2q, k + 3q, k + 1, … (the rest after them in order).
                        long kr = m < 4 * q4 ? (m & 3) * q4 + (m >> 2) : m;
                        if (reduce)
                        {
                            T sum = Reduce<T, TV, TS>(a + kr * rowA, sa, b + kr * rowB, sb, hasB, count);
                            T* target = r + kr * rowR;
                            *target = add ? *target + sum : sum;
                        }
                        else
                        {
                            Store<T, TV, TS>(a + kr * rowA, sa, b + kr * rowB, sb, hasB, r + kr * rowR, sr, count, add, nt);
                        }
                    }
                    int d = outer - 1;
                    for (; d >= 0; d--)
                    {
                        oa += strideA[d];
                        ob += strideB[d];
                        or += strideR[d];
                        if (++index[d] < sizes[d]) break;
                        oa -= strideA[d] * sizes[d];
                        ob -= strideB[d] * sizes[d];
                        or -= strideR[d] * sizes[d];
                        index[d] = 0;
                    }
                    if (d < 0) break;
                }
            }
        }

        /// <summary>Runs of at most this many bytes (from first to last element) are walked in quarters (see <c>quarters</c> in Runs).</summary>
        private const long QuarterRowBytes = 4096;

        /// <summary>
        /// <see cref="AddRows{T, TV, TS}"/> for four blocks at once: r_t[i] += Σ_k a_t[k·rowA + i] with a_t = a + t·blockA,
        /// r_t = r + t·blockR, the rows of each block added in order (the same sums as four calls), the four blocks read
        /// side by side.
        /// </summary>
        [MethodImpl(Leaf)]
        private static void AddRows4<T, TV, TS>(T* a, long blockA, long rowA, T* r, long blockR, long length, long rows)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int w = TS.Count;
            T* r0 = r, r1 = r + blockR, r2 = r + 2 * blockR, r3 = r + 3 * blockR;
            // A head up to a cache line where the four blocks lie alike (a plain add gives the same bits either way).
            bool alike = ((blockA * sizeof(T)) & 63) == 0 && ((rowA * sizeof(T)) & 63) == 0;
            long head = alike ? Head<T, TV, TS>(a, length) : 0;
            for (long k = 0; k < rows; k++, a += rowA)
            {
                T* a0 = a, a1 = a + blockA, a2 = a + 2 * blockA, a3 = a + 3 * blockA;
                long i = 0;
                for (; i < head; i++)
                {
                    r0[i] += a0[i]; r1[i] += a1[i]; r2[i] += a2[i]; r3[i] += a3[i];
                }
                for (; i + w <= length; i += w)
                {
                    TS.Store(r0 + i, TS.Add(TS.Load(r0 + i), TS.Load(a0 + i)));
                    TS.Store(r1 + i, TS.Add(TS.Load(r1 + i), TS.Load(a1 + i)));
                    TS.Store(r2 + i, TS.Add(TS.Load(r2 + i), TS.Load(a2 + i)));
                    TS.Store(r3 + i, TS.Add(TS.Load(r3 + i), TS.Load(a3 + i)));
                }
                for (; i < length; i++)
                {
                    r0[i] += a0[i]; r1[i] += a1[i]; r2[i] += a2[i]; r3[i] += a3[i];
                }
            }
        }

        /// <summary>
        /// r[i] += Σ_q a_q(i)·b_q(i) over four rows q (a_q = a + q·rowA, b_q likewise; a unit-stride or broadcast along the
        /// run as <paramref name="sa"/> says, b likewise; b absent: Σ_q a_q(i)).
        /// </summary>
        [MethodImpl(Leaf)]
        private static void Store4<T, TV, TS>(T* a, long rowA, long sa, T* b, long rowB, long sb, bool hasB, T* r, long length)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            long head = Head<T, TV, TS>(sa == 1 ? a : b, length);
            if (head > 0)
            {
                // Up to the first cache line boundary one element at a time (a vector across two lines reads slower), each
                // element as a lane computes it: the head's length depends on where the tensor lies, the bits must not.
                Store4Elements<T, TV, TS>(a, rowA, sa, b, rowB, sb, hasB, r, 0, head);
                a += head * sa;
                b += head * sb;
                r += head;
                length -= head;
            }
            int w = TS.Count;
            T* a0 = a, a1 = a + rowA, a2 = a + 2 * rowA, a3 = a + 3 * rowA;
            T* b0 = b, b1 = b + rowB, b2 = b + 2 * rowB, b3 = b + 3 * rowB;
            long i = 0;
            if (!hasB)
            {
                for (; i + w <= length; i += w)
                    TS.Store(r + i, TS.Add(TS.Load(r + i), TS.Add(TS.Add(TS.Load(a0 + i), TS.Load(a1 + i)), TS.Add(TS.Load(a2 + i), TS.Load(a3 + i)))));
            }
            else if (sa == 1 && sb == 1)
            {
                for (; i + w <= length; i += w)
                {
                    TV acc = TS.Fma(TS.Load(a0 + i), TS.Load(b0 + i), TS.Load(r + i));
                    acc = TS.Fma(TS.Load(a1 + i), TS.Load(b1 + i), acc);
                    acc = TS.Fma(TS.Load(a2 + i), TS.Load(b2 + i), acc);
                    TS.Store(r + i, TS.Fma(TS.Load(a3 + i), TS.Load(b3 + i), acc));
                }
            }
            else
            {
                // One factor broadcast along the run: a scalar per row times the other's unit-stride row.
                T* x0 = sa == 1 ? a0 : b0, x1 = sa == 1 ? a1 : b1, x2 = sa == 1 ? a2 : b2, x3 = sa == 1 ? a3 : b3;
                T* y0 = sa == 1 ? b0 : a0, y1 = sa == 1 ? b1 : a1, y2 = sa == 1 ? b2 : a2, y3 = sa == 1 ? b3 : a3;
                TV s0 = TS.Broadcast(y0), s1 = TS.Broadcast(y1), s2 = TS.Broadcast(y2), s3 = TS.Broadcast(y3);
                for (; i + w <= length; i += w)
                {
                    TV acc = TS.Fma(TS.Load(x0 + i), s0, TS.Load(r + i));
                    acc = TS.Fma(TS.Load(x1 + i), s1, acc);
                    acc = TS.Fma(TS.Load(x2 + i), s2, acc);
                    TS.Store(r + i, TS.Fma(TS.Load(x3 + i), s3, acc));
                }
            }
            Store4Elements<T, TV, TS>(a, rowA, sa, b, rowB, sb, hasB, r, i, length);
        }

        /// <summary>Elements [from, to) of <see cref="Store4{T, TV, TS}"/>, each computed as a vector lane computes it.</summary>
        private static void Store4Elements<T, TV, TS>(T* a, long rowA, long sa, T* b, long rowB, long sb, bool hasB, T* r, long from, long to)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            for (long i = from; i < to; i++)
            {
                T* ai = a + i * sa;
                if (!hasB)
                {
                    r[i] += (ai[0] + ai[rowA]) + (ai[2 * rowA] + ai[3 * rowA]);
                    continue;
                }
                T* bi = b + i * sb;
                T acc = TS.MulAdd(ai[0], bi[0], r[i]);
                acc = TS.MulAdd(ai[rowA], bi[rowB], acc);
                acc = TS.MulAdd(ai[2 * rowA], bi[2 * rowB], acc);
                r[i] = TS.MulAdd(ai[3 * rowA], bi[3 * rowB], acc);
            }
        }

        /// <summary>r[i] += Σ_k a[k·rowA + i] over <paramref name="rows"/> unit-stride rows, one row after the other.</summary>
        [MethodImpl(Leaf)]
        private static void AddRows<T, TV, TS>(T* a, long rowA, T* r, long length, long rows)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int w = TS.Count;
            for (long k = 0; k < rows; k++, a += rowA)
            {
                long i = 0;
                for (long head = Head<T, TV, TS>(a, length); i < head; i++) r[i] += a[i];
                for (; i + 2 * w <= length; i += 2 * w)
                {
                    TS.Store(r + i, TS.Add(TS.Load(r + i), TS.Load(a + i)));
                    TS.Store(r + i + w, TS.Add(TS.Load(r + i + w), TS.Load(a + i + w)));
                }
                for (; i + w <= length; i += w) TS.Store(r + i, TS.Add(TS.Load(r + i), TS.Load(a + i)));
                for (; i < length; i++) r[i] += a[i];
            }
        }

        /// <summary>Four sums Σ a_q[i]·b_q[i] (b_q[0] where b is broadcast along the run; b absent: Σ a_q[i]) over unit-stride rows a_q = a + q·rowA.</summary>
        [MethodImpl(Leaf)]
        private static void Reduce4<T, TV, TS>(T* a, long rowA, T* b, long rowB, long sb, bool hasB, long length, out T s0, out T s1, out T s2, out T s3)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            // From the run's first element, with no head up to a cache line: which elements a vector lane sums together must
            // not depend on where the tensor lies (see Sum).
            int w = TS.Count;
            T* a0 = a, a1 = a + rowA, a2 = a + 2 * rowA, a3 = a + 3 * rowA;
            TV v0 = TS.Zero, v1 = TS.Zero, v2 = TS.Zero, v3 = TS.Zero;
            long i = 0;
            if (hasB && sb == 1 && rowB == 0)
            {
                // One vector for the four rows (a matrix-vector product): one load of it per four of the matrix.
                for (; i + w <= length; i += w)
                {
                    TV x = TS.Load(b + i);
                    v0 = TS.Fma(TS.Load(a0 + i), x, v0);
                    v1 = TS.Fma(TS.Load(a1 + i), x, v1);
                    v2 = TS.Fma(TS.Load(a2 + i), x, v2);
                    v3 = TS.Fma(TS.Load(a3 + i), x, v3);
                }
                s0 = TS.Sum(v0); s1 = TS.Sum(v1); s2 = TS.Sum(v2); s3 = TS.Sum(v3);
                for (; i < length; i++)
                {
                    s0 += a0[i] * b[i]; s1 += a1[i] * b[i]; s2 += a2[i] * b[i]; s3 += a3[i] * b[i];
                }
                return;
            }
            if (hasB && sb == 1)
            {
                T* b0 = b, b1 = b + rowB, b2 = b + 2 * rowB, b3 = b + 3 * rowB;
                for (; i + w <= length; i += w)
                {
                    v0 = TS.Fma(TS.Load(a0 + i), TS.Load(b0 + i), v0);
                    v1 = TS.Fma(TS.Load(a1 + i), TS.Load(b1 + i), v1);
                    v2 = TS.Fma(TS.Load(a2 + i), TS.Load(b2 + i), v2);
                    v3 = TS.Fma(TS.Load(a3 + i), TS.Load(b3 + i), v3);
                }
                s0 = TS.Sum(v0); s1 = TS.Sum(v1); s2 = TS.Sum(v2); s3 = TS.Sum(v3);
                for (; i < length; i++)
                {
                    s0 += a0[i] * b0[i]; s1 += a1[i] * b1[i]; s2 += a2[i] * b2[i]; s3 += a3[i] * b3[i];
                }
                return;
            }
            for (; i + w <= length; i += w)
            {
                v0 = TS.Add(TS.Load(a0 + i), v0);
                v1 = TS.Add(TS.Load(a1 + i), v1);
                v2 = TS.Add(TS.Load(a2 + i), v2);
                v3 = TS.Add(TS.Load(a3 + i), v3);
            }
            s0 = TS.Sum(v0); s1 = TS.Sum(v1); s2 = TS.Sum(v2); s3 = TS.Sum(v3);
            for (; i < length; i++)
            {
                s0 += a0[i]; s1 += a1[i]; s2 += a2[i]; s3 += a3[i];
            }
            if (hasB)
            {
                // b broadcast along the run: one factor per row.
                s0 *= *b; s1 *= b[rowB]; s2 *= b[2 * rowB]; s3 *= b[3 * rowB];
            }
        }

        /// <summary>Σ a[i·sa]·b[i·sb] over a run (b absent: Σ a); vectors where both strides are 0 or 1.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static T Reduce<T, TV, TS>(T* a, long sa, T* b, long sb, bool hasB, long length)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            if ((sa | 1) != 1 || (hasB && (sb | 1) != 1))
            {
                T sum = T.Zero;
                if (hasB) for (long i = 0; i < length; i++) sum += a[i * sa] * b[i * sb];
                else
                {
                    long i = 0;
                    if (Math.Abs(sa) * sizeof(T) >= 64 && Sse.IsSupported)
                    {
                        // A trace: each element on its own line, prefetched as in Store.
                        long far = ScatteredAhead * sa;
                        for (; i + ScatteredAhead < length; i++)
                        {
                            Sse.Prefetch0(a + i * sa + far);
                            sum += a[i * sa];
                        }
                    }
                    for (; i < length; i++) sum += a[i * sa];
                }
                return sum;
            }
            if (sa == 1 && hasB && sb == 1) return Dot<T, TV, TS>(a, b, length);
            if (sa == 1) return hasB ? Sum<T, TV, TS>(a, length) * *b : Sum<T, TV, TS>(a, length);
            if (hasB && sb == 1) return Sum<T, TV, TS>(b, length) * *a;
            T value = hasB ? *a * *b : *a, total = T.Zero;
            for (long i = 0; i < length; i++) total += value;
            return total;
        }

        /// <summary>r[i·sr] (=|+=) a[i·sa]·b[i·sb] over a run (b absent: a); vectors where every stride is 0 or 1 (r's 1).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store<T, TV, TS>(T* a, long sa, T* b, long sb, bool hasB, T* r, long sr, long length, bool add, bool nt)
            where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            if (sr != 1 || (sa | 1) != 1 || (hasB && (sb | 1) != 1))
            {
                if (hasB)
                {
                    if (add) for (long i = 0; i < length; i++) r[i * sr] += a[i * sa] * b[i * sb];
                    else for (long i = 0; i < length; i++) r[i * sr] = a[i * sa] * b[i * sb];
                }
                else
                {
                    long i = 0;
                    if (Math.Abs(sa) * sizeof(T) >= 64 && Sse.IsSupported)
                    {
                        // Each element on its own line (a diagonal): ask for the line ScatteredAhead elements on, so that its
                        // page walk and fetch overlap the ones before it.
                        long far = ScatteredAhead * sa;
                        for (; i + ScatteredAhead < length; i++)
                        {
                            Sse.Prefetch0(a + i * sa + far);
                            if (add) r[i * sr] += a[i * sa];
                            else r[i * sr] = a[i * sa];
                        }
                    }
                    if (add) for (; i < length; i++) r[i * sr] += a[i * sa];
                    else for (; i < length; i++) r[i * sr] = a[i * sa];
                }
                return;
            }
            long head = Head<T, TV, TS>(r, length);
            if (nt && !add && ((long)(r + head) & (TS.Count * sizeof(T) - 1)) == 0)
            {
                // A large written result: up to a line one element at a time, then whole vectors stored non-temporal.
                Store<T, T, SimdScalar<T>>(a, sa, b, sb, hasB, r, 1, head, add: false, nt: false);
                a += head * sa;
                b += head * sb;
                r += head;
                length -= head;
                if (!hasB)
                {
                    if (sa == 1) Copy<T, TV, TS>(a, r, length, add: false, nt: true);
                    else Fill<T, TV, TS>(*a, r, length, add: false, nt: true);
                }
                else if (sa == 1 && sb == 1) Multiply<T, TV, TS>(a, b, r, length, add: false, nt: true);
                else if (sa == 1) Scale<T, TV, TS>(a, *b, r, length, add: false, nt: true);
                else if (sb == 1) Scale<T, TV, TS>(b, *a, r, length, add: false, nt: true);
                else Fill<T, TV, TS>(*a * *b, r, length, add: false, nt: true);
                return;
            }
            if (!hasB)
            {
                if (sa == 1) Copy<T, TV, TS>(a, r, length, add, nt: false);
                else Fill<T, TV, TS>(*a, r, length, add, nt: false);
            }
            else if (sa == 1 && sb == 1) Multiply<T, TV, TS>(a, b, r, length, add, nt: false);
            else if (sa == 1) Scale<T, TV, TS>(a, *b, r, length, add, nt: false);
            else if (sb == 1) Scale<T, TV, TS>(b, *a, r, length, add, nt: false);
            else Fill<T, TV, TS>(*a * *b, r, length, add, nt: false);
        }

        /// <summary>Σ a[i]·b[i] over unit-stride runs; long runs as two halves side by side, as <see cref="Sum{T, TV, TS}"/>.</summary>
        [MethodImpl(Leaf)]
        private static T Dot<T, TV, TS>(T* a, T* b, long length) where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int w = TS.Count;
            TV s0 = TS.Zero, s1 = TS.Zero, s2 = TS.Zero, s3 = TS.Zero;
            long i = 0;
            long half = length >= TwoStreamElements ? length / (4 * w) * (2 * w) : 0;
            if (half > 0)
            {
                T* ha = a + half;
                T* hb = b + half;
                for (; i < half; i += 2 * w)
                {
                    s0 = TS.Fma(TS.Load(a + i), TS.Load(b + i), s0);
                    s1 = TS.Fma(TS.Load(a + i + w), TS.Load(b + i + w), s1);
                    s2 = TS.Fma(TS.Load(ha + i), TS.Load(hb + i), s2);
                    s3 = TS.Fma(TS.Load(ha + i + w), TS.Load(hb + i + w), s3);
                }
                i = 2 * half;
            }
            for (; i + 4 * w <= length; i += 4 * w)
            {
                s0 = TS.Fma(TS.Load(a + i), TS.Load(b + i), s0);
                s1 = TS.Fma(TS.Load(a + i + w), TS.Load(b + i + w), s1);
                s2 = TS.Fma(TS.Load(a + i + 2 * w), TS.Load(b + i + 2 * w), s2);
                s3 = TS.Fma(TS.Load(a + i + 3 * w), TS.Load(b + i + 3 * w), s3);
            }
            for (; i + w <= length; i += w) s0 = TS.Fma(TS.Load(a + i), TS.Load(b + i), s0);
            T sum = TS.Sum(TS.Add(TS.Add(s0, s1), TS.Add(s2, s3)));
            for (; i < length; i++) sum += a[i] * b[i];
            return sum;
        }

        /// <summary>
        /// Σ a[i] over a unit-stride run. A long run is read as two halves side by side: two streams in flight read faster
        /// than one here (4 KiB pages, where each stream's prefetch starts over at every page). The vectors start at the
        /// run's first element, aligned or not: a head summed up to the first cache line would make which elements each lane
        /// adds together depend on where the tensor lies, and the GC moves a managed array between two calls on the same
        /// data (the same sum then differed in its last bits from one call to the next).
        /// </summary>
        [MethodImpl(Leaf)]
        private static T Sum<T, TV, TS>(T* a, long length) where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int w = TS.Count;
            TV s0 = TS.Zero, s1 = TS.Zero, s2 = TS.Zero, s3 = TS.Zero;
            long i = 0;
            long half = length >= TwoStreamElements ? length / (4 * w) * (2 * w) : 0;
            if (half > 0)
            {
                T* h = a + half;
                for (; i < half; i += 2 * w)
                {
                    s0 = TS.Add(TS.Load(a + i), s0);
                    s1 = TS.Add(TS.Load(a + i + w), s1);
                    s2 = TS.Add(TS.Load(h + i), s2);
                    s3 = TS.Add(TS.Load(h + i + w), s3);
                }
                i = 2 * half;
            }
            for (; i + 4 * w <= length; i += 4 * w)
            {
                s0 = TS.Add(TS.Load(a + i), s0);
                s1 = TS.Add(TS.Load(a + i + w), s1);
                s2 = TS.Add(TS.Load(a + i + 2 * w), s2);
                s3 = TS.Add(TS.Load(a + i + 3 * w), s3);
            }
            for (; i + w <= length; i += w) s0 = TS.Add(TS.Load(a + i), s0);
            T sum = TS.Sum(TS.Add(TS.Add(s0, s1), TS.Add(s2, s3)));
            for (; i < length; i++) sum += a[i];
            return sum;
        }

        /// <summary>
        /// Elements before <paramref name="p"/> reaches a cache line boundary, at most <paramref name="length"/> (none on the
        /// scalar path). Only element-wise runs peel such a head, each element computed there as a vector lane computes it;
        /// sums do not (their grouping would then follow the address).
        /// </summary>
        private static long Head<T, TV, TS>(T* p, long length) where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
            => TS.Count == 1 ? 0 : Math.Min(length, LineStart(p));

        /// <summary>Runs from this many elements are summed as two streams (<see cref="Sum{T, TV, TS}"/>, <see cref="Dot{T, TV, TS}"/>).</summary>
        private const long TwoStreamElements = 16 * 1024;

        [MethodImpl(Leaf)]
        private static void Copy<T, TV, TS>(T* a, T* r, long length, bool add, bool nt) where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int w = TS.Count;
            long i = 0;
            if (nt)
            {
                for (; i + 2 * w <= length; i += 2 * w)
                {
                    StoreStream<T, TV, TS>(r + i, TS.Load(a + i));
                    StoreStream<T, TV, TS>(r + i + w, TS.Load(a + i + w));
                }
                for (; i + w <= length; i += w) StoreStream<T, TV, TS>(r + i, TS.Load(a + i));
                for (; i < length; i++) r[i] = a[i];
            }
            else if (add)
            {
                for (; i + 2 * w <= length; i += 2 * w)
                {
                    TS.Store(r + i, TS.Add(TS.Load(r + i), TS.Load(a + i)));
                    TS.Store(r + i + w, TS.Add(TS.Load(r + i + w), TS.Load(a + i + w)));
                }
                for (; i + w <= length; i += w) TS.Store(r + i, TS.Add(TS.Load(r + i), TS.Load(a + i)));
                for (; i < length; i++) r[i] += a[i];
            }
            else
            {
                for (; i + 2 * w <= length; i += 2 * w)
                {
                    TS.Store(r + i, TS.Load(a + i));
                    TS.Store(r + i + w, TS.Load(a + i + w));
                }
                for (; i + w <= length; i += w) TS.Store(r + i, TS.Load(a + i));
                for (; i < length; i++) r[i] = a[i];
            }
        }

        [MethodImpl(Leaf)]
        private static void Fill<T, TV, TS>(T value, T* r, long length, bool add, bool nt) where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            int w = TS.Count;
            TV v = TS.Splat(value);
            long i = 0;
            if (nt)
            {
                for (; i + w <= length; i += w) StoreStream<T, TV, TS>(r + i, v);
                for (; i < length; i++) r[i] = value;
            }
            else if (add)
            {
                for (; i + w <= length; i += w) TS.Store(r + i, TS.Add(TS.Load(r + i), v));
                for (; i < length; i++) r[i] += value;
            }
            else
            {
                for (; i + w <= length; i += w) TS.Store(r + i, v);
                for (; i < length; i++) r[i] = value;
            }
        }

        [MethodImpl(Leaf)]
        private static void Multiply<T, TV, TS>(T* a, T* b, T* r, long length, bool add, bool nt) where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            long head = Head<T, TV, TS>(r, length);
            if (head > 0)
            {
                // Each element as a lane computes it (fused where the lanes are): the head's length depends on where r lies.
                if (add) for (long k = 0; k < head; k++) r[k] = TS.MulAdd(a[k], b[k], r[k]);
                else for (long k = 0; k < head; k++) r[k] = a[k] * b[k];
                a += head;
                b += head;
                r += head;
                length -= head;
            }
            int w = TS.Count;
            long i = 0;
            if (add)
            {
                for (; i + 2 * w <= length; i += 2 * w)
                {
                    TS.Store(r + i, TS.Fma(TS.Load(a + i), TS.Load(b + i), TS.Load(r + i)));
                    TS.Store(r + i + w, TS.Fma(TS.Load(a + i + w), TS.Load(b + i + w), TS.Load(r + i + w)));
                }
                for (; i + w <= length; i += w) TS.Store(r + i, TS.Fma(TS.Load(a + i), TS.Load(b + i), TS.Load(r + i)));
                for (; i < length; i++) r[i] = TS.MulAdd(a[i], b[i], r[i]);
            }
            else if (nt)
            {
                for (; i + 2 * w <= length; i += 2 * w)
                {
                    StoreStream<T, TV, TS>(r + i, TS.Multiply(TS.Load(a + i), TS.Load(b + i)));
                    StoreStream<T, TV, TS>(r + i + w, TS.Multiply(TS.Load(a + i + w), TS.Load(b + i + w)));
                }
                for (; i + w <= length; i += w) StoreStream<T, TV, TS>(r + i, TS.Multiply(TS.Load(a + i), TS.Load(b + i)));
                for (; i < length; i++) r[i] = a[i] * b[i];
            }
            else
            {
                for (; i + 2 * w <= length; i += 2 * w)
                {
                    TS.Store(r + i, TS.Multiply(TS.Load(a + i), TS.Load(b + i)));
                    TS.Store(r + i + w, TS.Multiply(TS.Load(a + i + w), TS.Load(b + i + w)));
                }
                for (; i + w <= length; i += w) TS.Store(r + i, TS.Multiply(TS.Load(a + i), TS.Load(b + i)));
                for (; i < length; i++) r[i] = a[i] * b[i];
            }
        }

        [MethodImpl(Leaf)]
        private static void Scale<T, TV, TS>(T* a, T scale, T* r, long length, bool add, bool nt) where T : unmanaged, INumberBase<T> where TV : struct where TS : struct, ISimd<T, TV>
        {
            long head = Head<T, TV, TS>(r, length);
            if (head > 0)
            {
                if (add) for (long k = 0; k < head; k++) r[k] = TS.MulAdd(a[k], scale, r[k]);
                else for (long k = 0; k < head; k++) r[k] = a[k] * scale;
                a += head;
                r += head;
                length -= head;
            }
            int w = TS.Count;
            TV s = TS.Splat(scale);
            long i = 0;
            if (add)
            {
                for (; i + 2 * w <= length; i += 2 * w)
                {
                    TS.Store(r + i, TS.Fma(TS.Load(a + i), s, TS.Load(r + i)));
                    TS.Store(r + i + w, TS.Fma(TS.Load(a + i + w), s, TS.Load(r + i + w)));
                }
                for (; i + w <= length; i += w) TS.Store(r + i, TS.Fma(TS.Load(a + i), s, TS.Load(r + i)));
                for (; i < length; i++) r[i] = TS.MulAdd(a[i], scale, r[i]);
            }
            else if (nt)
            {
                for (; i + 2 * w <= length; i += 2 * w)
                {
                    StoreStream<T, TV, TS>(r + i, TS.Multiply(TS.Load(a + i), s));
                    StoreStream<T, TV, TS>(r + i + w, TS.Multiply(TS.Load(a + i + w), s));
                }
                for (; i + w <= length; i += w) StoreStream<T, TV, TS>(r + i, TS.Multiply(TS.Load(a + i), s));
                for (; i < length; i++) r[i] = a[i] * scale;
            }
            else
            {
                for (; i + 2 * w <= length; i += 2 * w)
                {
                    TS.Store(r + i, TS.Multiply(TS.Load(a + i), s));
                    TS.Store(r + i + w, TS.Multiply(TS.Load(a + i + w), s));
                }
                for (; i + w <= length; i += w) TS.Store(r + i, TS.Multiply(TS.Load(a + i), s));
                for (; i < length; i++) r[i] = a[i] * scale;
            }
        }
    }
}
