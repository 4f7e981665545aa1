using System;
using System.Numerics;
using System.Numerics.Tensors;
using EinsumGen.Runtime;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// The input VJP of a strided convolution (and the strided transpose convolution) without columns, split by stride
    /// phase. Input position i = S·m + r (phase r) receives dy[o]·W[k] exactly from the taps k with r + P − k·D ≡ 0 (mod S),
    /// at o = m + (r + P − k·D)/S. Those taps are every (S/gcd(S, D))-th one, so per phase the VJP is a stride-1 convolution of
    /// dy over m with the phase's taps flipped, dilation D/gcd(S, D) and a phase-own padding: an implicit-GEMM forward
    /// (<see cref="ImplicitGemmForward"/>) with a small rearranged weight. Each phase's result lands on the sub-lattice
    /// S·m + r of dx (written or added there, into any strided view); a phase that no tap reaches is zero. The phases together
    /// do the stride-1 VJP's multiply-adds over the reachable positions only, never the S^N times more of a zero-stuffed dy.
    /// Built once per geometry and kept in the spec's plan cache; immutable, shared between threads.
    /// </summary>
    internal sealed class ImplicitGemmPhases
    {
        /// <summary>One phase: residue r per dimension, the positions it covers and the stride-1 geometry that computes them.</summary>
        internal sealed class Phase
        {
            public int[] Residue = null!;
            /// <summary>M_d: input positions ≡ r_d (mod S_d).</summary>
            public int[] Count = null!;
            /// <summary>Per dimension, the kernel tap k that the phase's tap t reads (t = 0 is the largest k: the flip).</summary>
            public int[][] Taps = null!;
            public int TapCount;
            public long Positions;
            /// <summary>Null where no tap reaches the phase (its positions are zero) or it covers no position.</summary>
            public ImplicitGemmGeometry? Geometry;
        }

        public ImplicitGemmPhases(ConvGeometry[] geometries)
        {
            int n = geometries.Length;
            Dims = n;
            Stride = new int[n];
            Kernel = new int[n];
            KernelTaps = 1;
            var perDim = new (int[] Taps, int Count, int Pad)[n][];
            var dilation = new int[n];
            var host = new int[n];
            for (int d = 0; d < n; d++)
            {
                var g = geometries[d];
                int s = g.Stride, k = g.KernelSize;
                Stride[d] = s;
                Kernel[d] = k;
                host[d] = g.OutputSize;
                KernelTaps *= k;
                dilation[d] = g.Dilation / Gcd(s, g.Dilation);
                perDim[d] = new (int[], int, int)[s];
                for (int r = 0; r < s; r++)
                {
                    int count = r < g.InputSize ? (g.InputSize - r + s - 1) / s : 0;
                    int found = 0;
                    for (int t = 0; t < k; t++) if (Mod(r + g.PadLeft - t * g.Dilation, s) == 0) found++;
                    var taps = new int[found];
                    for (int t = k - 1, j = 0; t >= 0; t--)
                    {
                        if (Mod(r + g.PadLeft - t * g.Dilation, s) == 0) taps[j++] = t;
                    }
                    // Tap j (kernel index taps[j], descending) reads dy at m + j·D' − P' with −P' = (r + P − taps[0]·D)/S.
                    int pad = found == 0 ? 0 : -((r + g.PadLeft - taps[0] * g.Dilation) / s);
                    perDim[d][r] = (taps, count, pad);
                }
            }
            int phases = 1;
            foreach (int s in Stride) phases *= s;
            Phases = new Phase[phases];
            var residue = new int[n];
            for (int p = 0; p < phases; p++)
            {
                var phase = new Phase { Residue = (int[])residue.Clone(), Count = new int[n], Taps = new int[n][], TapCount = 1, Positions = 1 };
                var pad = new int[n];
                var kernel = new int[n];
                for (int d = 0; d < n; d++)
                {
                    var (taps, count, padding) = perDim[d][residue[d]];
                    phase.Count[d] = count;
                    phase.Taps[d] = taps;
                    phase.TapCount *= taps.Length;
                    phase.Positions *= count;
                    pad[d] = padding;
                    kernel[d] = taps.Length;
                }
                if (phase.TapCount > 0 && phase.Positions > 0)
                {
                    var ones = new int[n];
                    Array.Fill(ones, 1);
                    phase.Geometry = new ImplicitGemmGeometry(host, kernel, (int[])phase.Count.Clone(), ones, dilation, pad);
                    MaxTaps = Math.Max(MaxTaps, phase.TapCount);
                }
                MaxPositions = Math.Max(MaxPositions, phase.Positions);
                Phases[p] = phase;
                for (int d = n - 1; d >= 0; d--)
                {
                    if (++residue[d] < Stride[d]) break;
                    residue[d] = 0;
                }
            }
        }

        public int Dims { get; }
        public int[] Stride { get; }
        public int[] Kernel { get; }
        public int KernelTaps { get; }
        public Phase[] Phases { get; }
        public long MaxPositions { get; }
        public int MaxTaps { get; }

        /// <summary>
        /// dx [N, G·Cin, I…] (<paramref name="target"/>, any strided view; written or added as <paramref name="mode"/> says) of a
        /// convolution with output gradient dy [N, G·Cout, O…] and weight [G·Cout, Cin, K…]. Everything is checked by the caller.
        /// Takes its scratch (one phase's result and weight) from this thread's pool.
        /// </summary>
        public unsafe void Run<T>(Tensor<T> dy, Tensor<T> weight, int groups, int inChannels, Tensor<T> target, GradientMode mode)
            where T : unmanaged, INumberBase<T>
        {
            int batch = (int)dy.Lengths[0], outPerGroup = (int)dy.Lengths[1] / groups, inPerGroup = inChannels / groups;
            var gradient = ConvTensors.Dense(dy);
            var w = ConvTensors.Dense(weight);
            long rows = (long)batch * inChannels;
            var scratch = AlignedPool<T>.Rent(checked((int)Math.Max(1, rows * MaxPositions)));
            var packed = AlignedPool<T>.Rent(checked(Math.Max(1, groups * inPerGroup * outPerGroup * MaxTaps)));
            try
            {
                fixed (T* vp = &Einsum.First(gradient))
                fixed (T* wp = &Einsum.First(w))
                fixed (T* xp = &Einsum.First(target))
                fixed (T* scratchArray = scratch.Array)
                fixed (T* packedArray = packed.Array)
                {
#if EINSUMGEN_CHECKED_KERNELS
                    using var vRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(vp, gradient.Lengths, gradient.Strides, false, "outputGradient");
                    using var wRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(wp, w.Lengths, w.Strides, false, "weight");
                    using var xRegion = EinsumGen.Runtime.Kernels.MemoryRegions.PushStrided(xp, target.Lengths, target.Strides, true, "inputGradient");
#endif
                    T* result = scratchArray + scratch.Offset;
                    T* sub = packedArray + packed.Offset;
                    Span<nint> strides = stackalloc nint[target.Rank];
                    target.Strides.CopyTo(strides);
                    foreach (var phase in Phases)
                    {
                        if (phase.Positions == 0) continue;
                        if (phase.Geometry is not { } geometry)
                        {
                            if (mode == GradientMode.Overwrite) Place(phase, null, xp, strides, batch, inChannels, false);
                            continue;
                        }
                        Rearrange(phase, wp, sub, groups, inPerGroup, outPerGroup);
                        int taps = phase.TapCount;
                        var layout = new ImplicitGemmWeight((long)inPerGroup * outPerGroup * taps, (long)outPerGroup * taps, taps, false);
                        ImplicitGemmForward.Run(geometry, vp, sub, layout, result, batch, groups, outPerGroup, inPerGroup);
                        Place(phase, result, xp, strides, batch, inChannels, mode == GradientMode.Accumulate);
                    }
                }
            }
            finally
            {
                AlignedPool<T>.Return(packed);
                AlignedPool<T>.Return(scratch);
            }
        }

        /// <summary>sub[g, c, o, t] = W[g·Cout + o, c, k(t)…]: the phase's taps, flipped, as the forward's weight layout.</summary>
        private unsafe void Rearrange<T>(Phase phase, T* w, T* sub, int groups, int inPerGroup, int outPerGroup) where T : unmanaged
        {
            int taps = phase.TapCount, dims = Dims;
            int* offsets = stackalloc int[taps];
            int* digits = stackalloc int[dims];
            for (int d = 0; d < dims; d++) digits[d] = 0;
            for (int t = 0; t < taps; t++)
            {
                // The kernel's row-major offset of this tap (the weight's K… are row-major, the last fastest).
                int offset = 0;
                for (int d = 0; d < dims; d++) offset = offset * Kernel[d] + phase.Taps[d][digits[d]];
                offsets[t] = offset;
                for (int d = dims - 1; d >= 0; d--)
                {
                    if (++digits[d] < phase.Taps[d].Length) break;
                    digits[d] = 0;
                }
            }
            long kernelTaps = KernelTaps;
            T* to = sub;
            for (int g = 0; g < groups; g++)
            {
                for (int c = 0; c < inPerGroup; c++)
                {
                    for (int o = 0; o < outPerGroup; o++)
                    {
                        T* from = w + (((long)g * outPerGroup + o) * inPerGroup + c) * kernelTaps;
                        for (int t = 0; t < taps; t++) to[t] = from[offsets[t]];
                        to += taps;
                    }
                }
            }
        }

        /// <summary>
        /// dx[n, c, S·m + r] = (or +=) result[n, c, m] for every position m of the phase (zeros where <paramref name="result"/> is
        /// null); <paramref name="strides"/> are dx's [N, C, I…] strides in elements.
        /// </summary>
        private unsafe void Place<T>(Phase phase, T* result, T* dx, ReadOnlySpan<nint> strides, int batch, int channels, bool add)
            where T : unmanaged, INumberBase<T>
        {
            int dims = Dims, last = dims - 1;
            int lastCount = phase.Count[last];
            nint lastStep = Stride[last] * strides[last + 2];
            int* m = stackalloc int[dims];
            T* src = result;
            for (int n = 0; n < batch; n++)
            {
                for (int c = 0; c < channels; c++)
                {
                    T* plane = dx + n * strides[0] + c * strides[1];
                    for (int d = 0; d < dims; d++) m[d] = 0;
                    for (long lines = phase.Positions / lastCount; lines > 0; lines--)
                    {
                        nint offset = phase.Residue[last] * strides[last + 2];
                        for (int d = 0; d < last; d++) offset += ((nint)Stride[d] * m[d] + phase.Residue[d]) * strides[d + 2];
                        T* to = plane + offset;
                        if (src is null)
                        {
                            for (int j = 0; j < lastCount; j++) to[j * lastStep] = T.Zero;
                        }
                        else if (add)
                        {
                            for (int j = 0; j < lastCount; j++) to[j * lastStep] += src[j];
                            src += lastCount;
                        }
                        else
                        {
                            for (int j = 0; j < lastCount; j++) to[j * lastStep] = src[j];
                            src += lastCount;
                        }
                        for (int d = last - 1; d >= 0; d--)
                        {
                            if (++m[d] < phase.Count[d]) break;
                            m[d] = 0;
                        }
                    }
                }
            }
        }

        private static int Mod(int a, int s) => ((a % s) + s) % s;

        private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);
    }
}
