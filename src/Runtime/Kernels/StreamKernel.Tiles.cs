using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace EinsumGen.Runtime.Kernels
{
    internal static unsafe partial class StreamKernel
    {
        /// <summary>Elements per side of a transpose tile: 32 × 32 of a double is 8 KiB, so both tensors' tiles stay in L1.</summary>
        private const int TileSide = 32;

        /// <summary>Bytes of the inner dimension one band of tiles covers (see <see cref="Tiles{T}"/>).</summary>
        private const int TileBandBytes = 256;

        /// <summary>
        /// Bytes of a source row (and of a result row) one square of <see cref="Blocks{T}"/> covers: 1 KiB, so a square of
        /// 256 floats (128 doubles) per side touches about 256 source and 256 result pages, which the second-level TLB holds
        /// while every block of the square goes through (8192² floats, one thread: 32–35 ms in squares of 1 KiB, 45–51 ms
        /// of 2 KiB, 45 ms of 4 KiB, 32–36 ms of 512 bytes).
        /// </summary>
        private const int SquareBytes = 1024;

        /// <summary>
        /// How many blocks ahead a transpose prefetches the source lines it reads down a strip (8192² floats, one thread:
        /// 32.1 ms two blocks ahead, 32.2–35.0 ms one; no worse).
        /// </summary>
        private const int PrefetchBlocks = 2;

        /// <summary>
        /// Whether the inner run is a transpose: some tensor steps over it with a stride other than 0 or 1 and runs
        /// unit-stride along another dimension (returned in <paramref name="j"/>). Then the step goes through tiles of
        /// those two dimensions, so that neither tensor is walked against its strides beyond a tile.
        /// </summary>
        private static bool TileDims<T>(Walk<T>* w, out int j) where T : unmanaged
        {
            j = -1;
            int n = w->N, inner = n - 1;
            if (n < 2 || w->Sizes[inner] < 8) return false;
            long* strides = !IsRun(w->SR[inner]) ? w->SR : !IsRun(w->SA[inner]) ? w->SA : w->HasB && !IsRun(w->SB[inner]) ? w->SB : null;
            if (strides == null) return false;
            for (int d = inner - 1; d >= 0; d--)
            {
                if (strides[d] == 1 && w->Sizes[d] >= 8)
                {
                    j = d;
                    return true;
                }
            }
            return false;
        }

        private static bool IsRun(long stride) => stride == 0 || stride == 1;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Block<T>(T* a, nint aRow, T* r, nint rRow, bool add, bool nt) where T : unmanaged
        {
            if (typeof(T) == typeof(float)) TileTranspose.Copy16((float*)a, aRow, (float*)r, rRow, add, nt);
            else TileTranspose.Copy8((double*)a, aRow, (double*)r, rRow, add, nt);
        }

        /// <summary>Rows j0..j1, columns i0..i1 of a tile, one element at a time.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Elements<T>(T* a, long aI, long aJ, T* b, long bI, long bJ, T* r, long rI, long rJ, long j0, long j1, long i0, long i1, bool hasB, bool add)
            where T : unmanaged, INumberBase<T>
        {
            for (long j = j0; j < j1; j++)
            {
                T* pa = a + j * aJ;
                T* pb = b + j * bJ;
                T* pr = r + j * rJ;
                if (hasB)
                {
                    if (add) for (long i = i0; i < i1; i++) pr[i * rI] += pa[i * aI] * pb[i * bI];
                    else for (long i = i0; i < i1; i++) pr[i * rI] = pa[i * aI] * pb[i * bI];
                }
                else
                {
                    if (add) for (long i = i0; i < i1; i++) pr[i * rI] += pa[i * aI];
                    else for (long i = i0; i < i1; i++) pr[i * rI] = pa[i * aI];
                }
            }
        }

        /// <summary>
        /// A plain transpose in whole vector blocks (<paramref name="block"/> rows of one cache line each way): source element
        /// (j, i) at a[j·aJ + i] goes to r[i·rI + j]. The blocks start where the source's and the result's rows start a cache
        /// line (a block across two lines costs twice the misses); squares of <see cref="SquareBytes"/> per side keep the
        /// pages they touch within the TLB; inside a square, strips of <paramref name="block"/> result rows are written in
        /// storage order (a few sequential write streams; non-temporal with <paramref name="nt"/> where every result row
        /// starts a line), while the source lines of the block two ahead, one per source row, are prefetched (scattered reads
        /// are what the hardware prefetchers miss). The edges go element by element.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Blocks<T>(T* a, long aJ, T* r, long rI, long ni, long nj, int block, bool add, bool nt) where T : unmanaged, INumberBase<T>
        {
            long il = Math.Min(ni, LineStart(a)), jl = Math.Min(nj, LineStart(r));
            // Non-temporal stores need every block's result rows on a line: rows a whole number of lines apart.
            nt &= !add && rI * sizeof(T) % 64 == 0 && ((long)(r + jl) & 63) == 0;
            long ih = il + (ni - il) / block * block, jh = jl + (nj - jl) / block * block, side = SquareBytes / sizeof(T);
            for (long j0 = jl; j0 < jh; j0 += side)
            {
                long j1 = Math.Min(jh, j0 + side);
                for (long i0 = il; i0 < ih; i0 += side)
                {
                    long i1 = Math.Min(ih, i0 + side);
                    for (long i = i0; i < i1; i += block)
                    {
                        T* source = a + i;
                        T* target = r + i * rI;
                        for (long j = j0; j < j1; j += block)
                        {
                            // Lines two blocks ahead: down this strip, or (near its end) the top of the next one.
                            T* next = j + PrefetchBlocks * block < j1 ? source + (j + PrefetchBlocks * block) * aJ : source + block + j0 * aJ;
                            if (Sse.IsSupported)
                            {
                                for (int q = 0; q < block; q++) Sse.Prefetch0(next + q * aJ);
                            }
                            Block(source + j * aJ, (nint)aJ, target + j, (nint)rI, add, nt);
                        }
                    }
                }
            }
            // The edges: the source rows above and below the blocks (result row by result row, so that each result page is
            // visited once), then the columns left and right of them (source row by source row).
            EdgeRows(a, aJ, r, rI, 0, jl, ni, add);
            EdgeRows(a, aJ, r, rI, jh, nj, ni, add);
            Elements(a, 1, aJ, a, 0, 0, r, rI, 1, jl, jh, 0, il, hasB: false, add);
            Elements(a, 1, aJ, a, 0, 0, r, rI, 1, jl, jh, ih, ni, hasB: false, add);
        }

        /// <summary>Source rows j0..j1 (fewer than a block) of a plain transpose, along the result's rows r[i·rI + j0..j1].</summary>
        private static void EdgeRows<T>(T* a, long aJ, T* r, long rI, long j0, long j1, long ni, bool add) where T : unmanaged, INumberBase<T>
        {
            if (j0 >= j1) return;
            for (long i = 0; i < ni; i++)
            {
                T* pa = a + i;
                T* pr = r + i * rI;
                if (add) for (long j = j0; j < j1; j++) pr[j] += pa[j * aJ];
                else for (long j = j0; j < j1; j++) pr[j] = pa[j * aJ];
            }
        }

        /// <summary>Elements from <paramref name="p"/> to the next 64-byte boundary (0 where elements do not tile lines).</summary>
        private static long LineStart<T>(T* p) where T : unmanaged
        {
            long bytes = (64 - ((long)p & 63)) & 63;
            return bytes % sizeof(T) == 0 ? bytes / sizeof(T) : 0;
        }

        /// <summary>
        /// The step in tiles of dimensions <paramref name="tj"/> and the inner one, every other dimension outside them in
        /// storage order: within a tile one tensor is read along its rows and the other written along its own.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Tiles<T>(Walk<T>* w, int tj, bool vectorBlocks) where T : unmanaged, INumberBase<T>
        {
            int n = w->N, inner = n - 1, outer = n - 2;
            long* sizes = stackalloc long[Math.Max(outer, 1)];
            long* sa = stackalloc long[Math.Max(outer, 1)];
            long* sb = stackalloc long[Math.Max(outer, 1)];
            long* sr = stackalloc long[Math.Max(outer, 1)];
            long* index = stackalloc long[Math.Max(outer, 1)];
            for (int d = 0, k = 0; d < inner; d++)
            {
                if (d == tj) continue;
                sizes[k] = w->Sizes[d];
                sa[k] = w->SA[d];
                sb[k] = w->SB[d];
                sr[k] = w->SR[d];
                index[k] = 0;
                k++;
            }
            long ni = w->Sizes[inner], nj = w->Sizes[tj];
            long aI = w->SA[inner], bI = w->SB[inner], rI = w->SR[inner];
            long aJ = w->SA[tj], bJ = w->SB[tj], rJ = w->SR[tj];
            long oa = 0, ob = 0, or = 0;
            bool hasB = w->HasB, add = w->Add;
            // A plain transpose of floats or doubles (unit stride along the run in the source, along the tile's other
            // dimension in the result) moves whole vectors through the AVX-512 permutes.
            int block = vectorBlocks && !hasB && aI == 1 && rJ == 1 && TileTranspose.IsSupported
                ? typeof(T) == typeof(float) ? 16 : typeof(T) == typeof(double) ? 8 : 0
                : 0;
            long band = Math.Max(TileSide, TileBandBytes / sizeof(T));
            while (true)
            {
                T* a = w->A + oa;
                T* b = w->B + ob;
                T* r = w->R + or;
                if (block > 0)
                {
                    Blocks(a, aJ, r, rI, ni, nj, block, add, w->NonTemporal);
                }
                else
                {
                    // Bands of the inner dimension a kilobyte wide: a band's rows of the transposed tensor (one page each,
                    // at most) stay in the TLB while the tiles walk down the other dimension.
                    for (long ib = 0; ib < ni; ib += band)
                    {
                        long ie = Math.Min(ni, ib + band);
                        for (long j0 = 0; j0 < nj; j0 += TileSide)
                        {
                            long j1 = Math.Min(nj, j0 + TileSide);
                            for (long i0 = ib; i0 < ie; i0 += TileSide)
                                Elements(a, aI, aJ, b, bI, bJ, r, rI, rJ, j0, j1, i0, Math.Min(ie, i0 + TileSide), hasB, add);
                        }
                    }
                }
                int d = outer - 1;
                for (; d >= 0; d--)
                {
                    oa += sa[d];
                    ob += sb[d];
                    or += sr[d];
                    if (++index[d] < sizes[d]) break;
                    oa -= sa[d] * sizes[d];
                    ob -= sb[d] * sizes[d];
                    or -= sr[d] * sizes[d];
                    index[d] = 0;
                }
                if (d < 0) return;
            }
        }
    }
}
