using System;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// One spatial dimension of a convolution: input size I, kernel size K, stride S, padding per side and dilation D, with
    /// the output size O = 1 + ⌊(I + P_left + P_right − (D(K−1) + 1)) / S⌋. Its index pattern is
    /// Π[k, o, i] = 1 iff i = o·S + k·D − P_left and 0 ≤ i &lt; I (0-based), read through <see cref="InputIndex"/>.
    /// </summary>
#if EINSUMGEN_RUNTIME
    public
#else
    internal
#endif
    sealed class ConvGeometry : IEquatable<ConvGeometry>
    {
        private ConvGeometry(int input, int kernel, int stride, int padLeft, int padRight, int dilation, int output)
        {
            InputSize = input;
            KernelSize = kernel;
            Stride = stride;
            PadLeft = padLeft;
            PadRight = padRight;
            Dilation = dilation;
            OutputSize = output;
        }

        /// <summary>I.</summary>
        public int InputSize { get; }

        /// <summary>K.</summary>
        public int KernelSize { get; }

        /// <summary>S.</summary>
        public int Stride { get; }

        /// <summary>Zeros before the input.</summary>
        public int PadLeft { get; }

        /// <summary>Zeros after the input.</summary>
        public int PadRight { get; }

        /// <summary>D.</summary>
        public int Dilation { get; }

        /// <summary>O.</summary>
        public int OutputSize { get; }

        /// <summary>The dilated kernel's extent, D(K−1) + 1.</summary>
        public int EffectiveKernel => Dilation * (KernelSize - 1) + 1;

        /// <summary>The geometry, or an <see cref="ArgumentException"/> naming <paramref name="what"/> and the sizes.</summary>
        public static ConvGeometry Create(int input, int kernel, int stride, ConvPadding padding, int dilation, string what = "input")
        {
            string? error = TryCreate(input, kernel, stride, padding, dilation, out var geometry);
            if (error is not null) throw new ArgumentException($"{what}: {error}.", what);
            return geometry!;
        }

        /// <summary>
        /// The geometry and null, or null and why these hyperparameters are invalid (the generator reports the text as a
        /// diagnostic, the runtime throws it).
        /// </summary>
        public static string? TryCreate(int input, int kernel, int stride, ConvPadding padding, int dilation, out ConvGeometry? geometry)
        {
            geometry = null;
            if (kernel < 1) return $"the kernel size is {kernel}, but it must be at least 1";
            if (stride < 1) return $"the stride is {stride}, but it must be at least 1";
            if (dilation < 1) return $"the dilation is {dilation}, but it must be at least 1";
            if (input < 0) return $"the input size is {input}, but it must not be negative";
            string? error = padding.Resolve(kernel, stride, dilation, out int left, out int right);
            if (error is not null) return error;
            long padded = (long)input + left + right;
            long extent = (long)dilation * (kernel - 1) + 1;
            if (extent > padded)
            {
                return $"the kernel's extent {extent} (size {kernel}, dilation {dilation}) is larger than the padded input size {padded} "
                    + $"(input {input}, padding {left}+{right})";
            }
            geometry = new ConvGeometry(input, kernel, stride, left, right, dilation, (int)(1 + (padded - extent) / stride));
            return null;
        }

        /// <summary>PyTorch's output size of a convolution, 1 + ⌊(I + P_l + P_r − (D(K−1)+1)) / S⌋.</summary>
        public static int OutputSizeOf(int input, int kernel, int stride, int padLeft, int padRight, int dilation) =>
            1 + (input + padLeft + padRight - (dilation * (kernel - 1) + 1)) / stride;

        /// <summary>
        /// The input size of the convolution a transpose convolution inverts: (O−1)S − P_l − P_r + D(K−1) + 1 + output_padding;
        /// null and the reason when recomputing the output size from it does not give back <paramref name="output"/>.
        /// </summary>
        public static string? TryTransposeInputSize(int output, int kernel, int stride, int padLeft, int padRight, int dilation,
            int outputPadding, out int input)
        {
            input = (output - 1) * stride - padLeft - padRight + dilation * (kernel - 1) + 1 + outputPadding;
            if (outputPadding < 0) return $"the output padding is {outputPadding}, but it must not be negative";
            if (outputPadding >= Math.Max(stride, dilation))
            {
                return $"the output padding {outputPadding} must be smaller than the stride {stride} or the dilation {dilation}";
            }
            if (input < 1 || input + padLeft + padRight < dilation * (kernel - 1) + 1
                || OutputSizeOf(input, kernel, stride, padLeft, padRight, dilation) != output)
            {
                return $"no input size gives back the output size {output} (kernel {kernel}, stride {stride}, padding {padLeft}+{padRight}, "
                    + $"dilation {dilation}, output padding {outputPadding})";
            }
            return null;
        }

        /// <summary>The input index that kernel tap <paramref name="k"/> of output <paramref name="o"/> reads, or −1 for padding.</summary>
        public int InputIndex(int k, int o)
        {
            int i = o * Stride + k * Dilation - PadLeft;
            return i >= 0 && i < InputSize ? i : -1;
        }

        /// <summary>The output index that tap <paramref name="k"/> of input <paramref name="i"/> contributes to, or −1 for none.</summary>
        public int OutputIndex(int k, int i)
        {
            int shifted = i - k * Dilation + PadLeft;
            if (shifted < 0 || shifted % Stride != 0) return -1;
            int o = shifted / Stride;
            return o < OutputSize ? o : -1;
        }

        /// <summary>Π[k, o, i] as a truth value.</summary>
        public bool Contains(int k, int o, int i) =>
            k >= 0 && k < KernelSize && o >= 0 && o < OutputSize && i >= 0 && InputIndex(k, o) == i;

        /// <summary>Both sides pad alike (the simplifications apply only then).</summary>
        public bool IsSymmetric => PadLeft == PadRight;

        /// <summary>
        /// The dense rule's condition: K = S, no padding, no dilation, and the windows tile the input exactly; then
        /// Π[k, o, (ĩ, k̃)] = δ(o, ĩ)·δ(k, k̃).
        /// </summary>
        public bool IsDense => IsSymmetric && KernelSize == Stride && PadLeft == 0 && Dilation == 1
            && (InputSize + 2 * PadLeft - EffectiveKernel) % Stride == 0;

        /// <summary>The down-sampling rule's condition: S &gt; K, no padding, no dilation, and S divides I.</summary>
        public bool IsDownsampling => IsSymmetric && Stride > KernelSize && PadLeft == 0 && Dilation == 1 && InputSize % Stride == 0;

        /// <summary>A table of <see cref="InputIndex"/> for every (k, o), row-major [K, O].</summary>
        public int[] GatherTable()
        {
            var table = new int[KernelSize * OutputSize];
            for (int k = 0; k < KernelSize; k++)
            {
                for (int o = 0; o < OutputSize; o++) table[k * OutputSize + o] = InputIndex(k, o);
            }
            return table;
        }

        /// <summary>A table of <see cref="OutputIndex"/> for every (k, i), row-major [K, I]: transpose-unfold reads through it.</summary>
        public int[] TransposeGatherTable()
        {
            var table = new int[KernelSize * InputSize];
            for (int k = 0; k < KernelSize; k++)
            {
                for (int i = 0; i < InputSize; i++) table[k * InputSize + i] = OutputIndex(k, i);
            }
            return table;
        }

        /// <summary>Π as a dense row-major [K, O, I] array of 0/1 (for tests and users, never inside a kernel).</summary>
        public byte[] DensePattern()
        {
            var dense = new byte[KernelSize * OutputSize * InputSize];
            for (int k = 0; k < KernelSize; k++)
            {
                for (int o = 0; o < OutputSize; o++)
                {
                    int i = InputIndex(k, o);
                    if (i >= 0) dense[(k * OutputSize + o) * InputSize + i] = 1;
                }
            }
            return dense;
        }

        /// <summary>The pre-averaged pattern Π̄[k, i] = mean over o of Π[k, o, i], row-major [K, I] (KFAC-reduce's fast path).</summary>
        public double[] AveragedPattern()
        {
            var mean = new double[KernelSize * InputSize];
            for (int k = 0; k < KernelSize; k++)
            {
                for (int o = 0; o < OutputSize; o++)
                {
                    int i = InputIndex(k, o);
                    if (i >= 0) mean[k * InputSize + i] += 1.0 / OutputSize;
                }
            }
            return mean;
        }

        /// <summary>The same hyperparameters over another input size (the simplifier's replacement pattern).</summary>
        internal ConvGeometry WithInput(int input, int kernel, int stride) =>
            Create(input, kernel, stride, ConvPadding.PerSide(PadLeft, PadRight), Dilation);

        /// <inheritdoc/>
        public bool Equals(ConvGeometry? other) => other is not null && InputSize == other.InputSize && KernelSize == other.KernelSize
            && Stride == other.Stride && PadLeft == other.PadLeft && PadRight == other.PadRight && Dilation == other.Dilation;

        /// <inheritdoc/>
        public override bool Equals(object? obj) => Equals(obj as ConvGeometry);

        /// <inheritdoc/>
        public override int GetHashCode() => ((((InputSize * 31 + KernelSize) * 31 + Stride) * 31 + PadLeft) * 31 + PadRight) * 31 + Dilation;

        /// <summary>For example <c>Π(I=5, K=3, S=2, P=1, D=1 → O=3)</c>.</summary>
        public override string ToString()
        {
            string pad = PadLeft == PadRight ? PadLeft.ToString() : $"({PadLeft},{PadRight})";
            return $"Π(I={InputSize}, K={KernelSize}, S={Stride}, P={pad}, D={Dilation} → O={OutputSize})";
        }
    }
}
