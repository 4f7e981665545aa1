using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// Convolutions and their derivatives and KFAC factors as einsum, for hyperparameters known at run time (float and
    /// double; any number of spatial dimensions). Each operation builds its tensor network (<see cref="ConvNetworks"/>),
    /// simplifies it unless <see cref="ConvSpec.Simplify"/> is off (<see cref="ConvSimplifier"/>), and runs it: pattern
    /// steps read through the pattern's index map, the rest on EinsumGen's einsum kernels. Layouts are PyTorch's:
    /// x [N, C_in, I…], weight [C_out, C_in/G, K…], result [N, C_out, O…]; cross-correlation with zero padding.
    /// Every shape is checked before memory is touched; an <see cref="ArgumentException"/> names the operand, the
    /// dimension and both sizes.
    /// </summary>
    public static partial class Conv
    {
        /// <summary>y = conv(x, weight) + bias, as torch.nn.functional.convNd.</summary>
        public static Tensor<T> Forward<T>(Tensor<T> x, Tensor<T> weight, ConvSpec spec, Tensor<T>? bias = null) where T : unmanaged, INumberBase<T>
        {
            var (batch, channels, geometries, outChannels) = CheckForward(x, weight, spec, bias);
            var shape = Concat(new[] { batch, outChannels }, geometries.Select(g => g.OutputSize));
            Tensor<T> result;
            if (ImplicitGemmConv.Applies<T>(spec, geometries, channels / spec.Groups, outChannels / spec.Groups))
            {
                result = ImplicitGemmConv.Forward(x, weight, geometries, spec.Groups, outChannels);
            }
            else if (ThinConv.Applies<T>(spec, geometries, channels / spec.Groups, outChannels / spec.Groups))
            {
                result = ResultMemory.Uninitialized<T>(shape); // every element is written
                ThinConv.Forward(x, weight, geometries, spec.Groups, result);
            }
            else
            {
                result = Run<T>(ConvOperation.Forward, spec, geometries, batch, channels, outChannels,
                    name => name == "x" ? Grouped(x, spec.Groups) : GroupedWeight(weight, spec.Groups), shape);
            }
            if (bias is not null) AddBias(result, bias);
            return result;
        }

        /// <summary>
        /// The VJP with respect to the input: the gradient of a loss with respect to x, given its gradient
        /// <paramref name="outputGradient"/> [N, C_out, O…] with respect to y (a transpose convolution of it).
        /// <paramref name="inputSize"/> is x's spatial size (several input sizes share an output size when S &gt; 1).
        /// </summary>
        public static Tensor<T> InputVjp<T>(Tensor<T> outputGradient, Tensor<T> weight, ConvSpec spec, IReadOnlyList<int> inputSize)
            where T : unmanaged, INumberBase<T>
        {
            ArgumentNullException.ThrowIfNull(spec);
            ConvChecks.Spatial(inputSize, spec.Dimensions, nameof(inputSize));
            var geometries = spec.Geometries(inputSize, nameof(inputSize));
            ConvChecks.NotNull(weight, nameof(weight));
            ConvChecks.Rank(weight, nameof(weight), spec.Dimensions + 2, "[C_out, C_in/G, K…]");
            ConvChecks.Weight(weight, spec, -1, weight.Lengths[1]);
            int outChannels = (int)weight.Lengths[0], channels = (int)weight.Lengths[1] * spec.Groups;
            int batch = CheckOutputGradient(outputGradient, outChannels, geometries);
            if (ImplicitGemmConv.AppliesToInputVjp<T>(spec, geometries, channels / spec.Groups, outChannels / spec.Groups))
            {
                return ImplicitGemmConv.InputVjp(outputGradient, weight, geometries, spec.Groups, channels);
            }
            if (KernelTakesInputVjp<T>(spec, geometries, channels, outChannels))
            {
                var dx = ResultMemory.Uninitialized<T>(Concat(new[] { batch, channels }, inputSize)); // every element is written
                InputVjpTo(outputGradient, weight, spec, geometries, channels, outChannels, dx, GradientMode.Overwrite, transpose: false);
                return dx;
            }
            return Run<T>(ConvOperation.InputVjp, spec, geometries, batch, channels, outChannels,
                name => name == "v" ? Grouped(outputGradient, spec.Groups) : GroupedWeight(weight, spec.Groups),
                Concat(new[] { batch, channels }, inputSize));
        }

        /// <summary>The VJP with respect to the weight: [C_out, C_in/G, K…], given x and the output's gradient.</summary>
        public static Tensor<T> WeightVjp<T>(Tensor<T> x, Tensor<T> outputGradient, ConvSpec spec) where T : unmanaged, INumberBase<T>
        {
            var (batch, channels, geometries) = CheckInput(x, spec, "x");
            ConvChecks.NotNull(outputGradient, nameof(outputGradient));
            ConvChecks.Rank(outputGradient, nameof(outputGradient), spec.Dimensions + 2, "[N, C_out, O…]");
            int outChannels = (int)outputGradient.Lengths[1];
            ConvChecks.Divides(outputGradient, nameof(outputGradient), 1, spec.Groups, "output channels");
            CheckOutputGradient(outputGradient, outChannels, geometries, batch);
            if (ImplicitGemmConv.Applies<T>(spec, geometries, channels / spec.Groups, outChannels / spec.Groups))
            {
                return ImplicitGemmConv.WeightVjp(x, outputGradient, geometries, spec.Groups, spec.KernelSize);
            }
            if (ThinConv.Applies<T>(spec, geometries, channels / spec.Groups, outChannels / spec.Groups))
            {
                var dw = ConvTensors.Uninitialized<T>(Concat(new[] { outChannels, channels / spec.Groups }, spec.KernelSize)); // every element is written
                ThinConv.WeightVjp(x, outputGradient, geometries, spec.Groups, dw);
                return dw;
            }
            return Run<T>(ConvOperation.WeightVjp, spec, geometries, batch, channels, outChannels,
                name => Grouped(name == "x" ? x : outputGradient, spec.Groups),
                Concat(new[] { outChannels, channels / spec.Groups }, spec.KernelSize));
        }

        /// <summary>The JVP with respect to the input: the forward pass of the tangent <paramref name="inputTangent"/>, without bias.</summary>
        public static Tensor<T> InputJvp<T>(Tensor<T> inputTangent, Tensor<T> weight, ConvSpec spec) where T : unmanaged, INumberBase<T> =>
            Forward(inputTangent, weight, spec);

        /// <summary>The JVP with respect to the weight: the forward pass with <paramref name="weightTangent"/> as the weight, without bias.</summary>
        public static Tensor<T> WeightJvp<T>(Tensor<T> x, Tensor<T> weightTangent, ConvSpec spec) where T : unmanaged, INumberBase<T> =>
            Forward(x, weightTangent, spec);

        /// <summary>im2col, as torch.nn.functional.unfold (any N): [N, C·ΠK, ΠO]. Groups play no part.</summary>
        public static Tensor<T> Unfold<T>(Tensor<T> x, ConvSpec spec) where T : unmanaged, INumberBase<T>
        {
            var (batch, channels, geometries) = CheckInput(x, spec, "x", checkGroups: false);
            return Run<T>(ConvOperation.Unfold, spec, geometries, batch, channels, channels, _ => x,
                new[] { batch, channels * Product(spec.KernelSize), Product(geometries.Select(g => g.OutputSize)) });
        }

        /// <summary>col2im, as torch.nn.functional.fold: the adjoint of <see cref="Unfold"/>; <paramref name="inputSize"/> is the spatial size.</summary>
        public static Tensor<T> Fold<T>(Tensor<T> columns, ConvSpec spec, IReadOnlyList<int> inputSize) where T : unmanaged, INumberBase<T>
        {
            ArgumentNullException.ThrowIfNull(spec);
            ConvChecks.NotNull(columns, nameof(columns));
            ConvChecks.Spatial(inputSize, spec.Dimensions, nameof(inputSize));
            var geometries = spec.Geometries(inputSize, nameof(inputSize));
            ConvChecks.Rank(columns, nameof(columns), 3, "[N, C·ΠK, ΠO]");
            int kernels = Product(spec.KernelSize), outputs = Product(geometries.Select(g => g.OutputSize));
            if (columns.Lengths[1] % kernels != 0)
            {
                throw new ArgumentException($"columns: dimension 1 (C·ΠK) has size {columns.Lengths[1]}, which the kernel's {kernels} taps do not divide.", nameof(columns));
            }
            ConvChecks.Size(columns, nameof(columns), 2, outputs, "output positions ΠO");
            int batch = (int)columns.Lengths[0], channels = (int)columns.Lengths[1] / kernels;
            var shaped = ConvTensors.Reshape(columns, Concat(new[] { batch, channels }, spec.KernelSize.Concat(geometries.Select(g => g.OutputSize))).Select(d => (nint)d).ToArray());
            return Run<T>(ConvOperation.Fold, spec, geometries, batch, channels, channels, _ => shaped, Concat(new[] { batch, channels }, inputSize));
        }

        /// <summary>
        /// A transpose convolution, as torch.nn.functional.conv_transposeNd: x [N, C_in, O…], weight [C_in, C_out/G, K…],
        /// result [N, C_out, I…] with I = (O−1)S − 2P + D(K−1) + 1 + output_padding.
        /// </summary>
        public static Tensor<T> TransposeForward<T>(Tensor<T> x, Tensor<T> weight, ConvSpec spec, Tensor<T>? bias = null) where T : unmanaged, INumberBase<T>
        {
            var (batch, channels, geometries) = CheckTransposeInput(x, spec);
            ConvChecks.NotNull(weight, nameof(weight));
            ConvChecks.Rank(weight, nameof(weight), spec.Dimensions + 2, "[C_in, C_out/G, K…]");
            ConvChecks.Size(weight, nameof(weight), 0, channels, "input channels");
            for (int d = 0; d < spec.Dimensions; d++) ConvChecks.Size(weight, nameof(weight), d + 2, spec.KernelSize[d], $"kernel size of spatial dimension {d}");
            int outChannels = (int)weight.Lengths[1] * spec.Groups;
            if (bias is not null)
            {
                ConvChecks.Rank(bias, nameof(bias), 1, "[C_out]");
                ConvChecks.Size(bias, nameof(bias), 0, outChannels, "output channels");
            }
            // A stride-1 transpose convolution is the input VJP of the convolution it transposes.
            var shape = Concat(new[] { batch, outChannels }, geometries.Select(g => g.InputSize));
            Tensor<T> result;
            if (ImplicitGemmConv.AppliesToInputVjp<T>(spec, geometries, outChannels / spec.Groups, channels / spec.Groups))
            {
                result = ImplicitGemmConv.InputVjp(x, weight, geometries, spec.Groups, outChannels);
            }
            else if (KernelTakesInputVjp<T>(spec, geometries, outChannels, channels))
            {
                result = ResultMemory.Uninitialized<T>(shape); // every element is written
                InputVjpTo(x, weight, spec, geometries, outChannels, channels, result, GradientMode.Overwrite, transpose: true);
            }
            else
            {
                result = Run<T>(ConvOperation.TransposeForward, spec, geometries, batch, channels, outChannels,
                    name => name == "x" ? Grouped(x, spec.Groups) : GroupedWeight(weight, spec.Groups), shape);
            }
            if (bias is not null) AddBias(result, bias);
            return result;
        }

        /// <summary>The unfold of a transpose convolution of x [N, C, O…]: [N, C·ΠK, ΠI].</summary>
        public static Tensor<T> TransposeUnfold<T>(Tensor<T> x, ConvSpec spec) where T : unmanaged, INumberBase<T>
        {
            var (batch, channels, geometries) = CheckTransposeInput(x, spec, checkGroups: false);
            return Run<T>(ConvOperation.TransposeUnfold, spec, geometries, batch, channels, channels, _ => x,
                new[] { batch, channels * Product(spec.KernelSize), Product(geometries.Select(g => g.InputSize)) });
        }

        /// <summary>KFC (KFAC-expand): (1/N) Σ_n [[X_n]][[X_n]]ᵀ per group, [G, C_in/G·ΠK, C_in/G·ΠK].</summary>
        public static Tensor<T> Kfc<T>(Tensor<T> x, ConvSpec spec) where T : unmanaged, INumberBase<T> => Factor(ConvOperation.Kfc, x, spec);

        /// <summary>
        /// KFAC-reduce: 1/(N(ΠO)²) Σ_n ([[X_n]]1)([[X_n]]1)ᵀ per group, [G, C_in/G·ΠK, C_in/G·ΠK]. Simplified (the default),
        /// it runs as <see cref="KfacReduceAveraged{T}(Tensor{T}, ConvSpec)"/> (the same numbers: the simplified network sums each pattern's output
        /// leg first, which is Π̄), the faster path on every measured layer; with <see cref="ConvSpec.Simplify"/> off, the
        /// network as built.
        /// </summary>
        public static Tensor<T> KfacReduce<T>(Tensor<T> x, ConvSpec spec) where T : unmanaged, INumberBase<T>
        {
            ArgumentNullException.ThrowIfNull(spec);
            // The simplified network sums each pattern's output leg first too (Σ_o Π), but leaves the contraction order of
            // the two x copies to the planner, and strided views where the simplifier slices x (1×1/2: 0.02× of
            // unfold-based); the pre-averaged contraction fixes that order and was faster on every benchmark layer.
            return spec.Simplify ? KfacReduceAveraged(x, spec) : Factor(ConvOperation.KfacReduce, x, spec);
        }

        /// <summary>KFAC-reduce through the simplified network itself (tests compare it with the routed path).</summary>
        internal static Tensor<T> KfacReduceNetwork<T>(Tensor<T> x, ConvSpec spec) where T : unmanaged, INumberBase<T> =>
            Factor(ConvOperation.KfacReduce, x, spec);

        /// <summary>KFAC-reduce of a transpose convolution of x [N, C, O…]: 1/(N(ΠI)²) per group.</summary>
        public static Tensor<T> TransposeKfacReduce<T>(Tensor<T> x, ConvSpec spec) where T : unmanaged, INumberBase<T>
        {
            var (batch, channels, geometries) = CheckTransposeInput(x, spec);
            int side = channels / spec.Groups * Product(spec.KernelSize);
            return Run<T>(ConvOperation.TransposeKfacReduce, spec, geometries, batch, channels, channels, _ => Grouped(x, spec.Groups),
                new[] { spec.Groups, side, side });
        }

        /// <summary>
        /// KFAC-reduce with pre-averaged patterns Π̄_d[k, i] = mean_o Π_d[k, o, i]: the mean unfolded input is
        /// M = x ×_d Π̄_d (one small matrix per spatial dimension), and the factor (1/N) Σ_n M_n M_nᵀ per group.
        /// </summary>
        public static Tensor<T> KfacReduceAveraged<T>(Tensor<T> x, ConvSpec spec) where T : unmanaged, INumberBase<T>
        {
            var (batch, channels, geometries) = CheckInput(x, spec, "x");
            var plan = spec.Plans.GetAveraged(geometries, batch, channels, spec.Groups);
            return plan.Run(Grouped(x, spec.Groups));
        }

        /// <summary>
        /// The tensor network of <paramref name="operation"/> as built (before simplification), for a convolution whose input
        /// has spatial sizes <paramref name="inputSize"/> (for the transpose operations too: the convolution they transpose).
        /// <paramref name="inChannels"/> and <paramref name="outChannels"/> are as in <see cref="ConvNetworks.Build"/>.
        /// </summary>
        public static ConvNetwork Network(ConvOperation operation, ConvSpec spec, int batch, int inChannels, int outChannels, IReadOnlyList<int> inputSize)
        {
            ArgumentNullException.ThrowIfNull(spec);
            ConvChecks.Spatial(inputSize, spec.Dimensions, nameof(inputSize));
            int groups = operation is ConvOperation.Unfold or ConvOperation.Fold or ConvOperation.TransposeUnfold ? 1 : spec.Groups;
            if (inChannels % groups != 0) throw new ArgumentException($"inChannels is {inChannels}, which {groups} groups do not divide.", nameof(inChannels));
            if (outChannels % groups != 0) throw new ArgumentException($"outChannels is {outChannels}, which {groups} groups do not divide.", nameof(outChannels));
            return ConvNetworks.Build(operation, batch, inChannels, outChannels, groups, spec.Geometries(inputSize, nameof(inputSize)));
        }

        private static Tensor<T> Factor<T>(ConvOperation operation, Tensor<T> x, ConvSpec spec) where T : unmanaged, INumberBase<T>
        {
            var (batch, channels, geometries) = CheckInput(x, spec, "x");
            int side = channels / spec.Groups * Product(spec.KernelSize);
            return Run<T>(operation, spec, geometries, batch, channels, channels, _ => Grouped(x, spec.Groups), new[] { spec.Groups, side, side });
        }

        /// <summary>Elements of unfolded columns one chunk of the batch may hold (128 MiB of float; 16 MiB chunks cost the batch-32
        /// 3×3 forward 2.5× on 2 cores against one im2col + GEMM). Tests lower it to run the chunked path.</summary>
        internal static long ChunkElements = 1L << 25;

        /// <summary>
        /// Builds, simplifies (unless switched off) and runs the network, reshaped to <paramref name="shape"/>. When pattern
        /// steps are left, the batch runs in chunks whose unfolded columns stay within <see cref="ChunkElements"/> (results
        /// that keep the batch are written chunk by chunk, factors and weight gradients summed over chunks), as im2col
        /// libraries do, so that memory stays bounded and the columns stay in cache.
        /// </summary>
        internal static Tensor<T> Run<T>(ConvOperation operation, ConvSpec spec, ConvGeometry[] geometries, int batch, int inChannels, int outChannels,
            Func<string, Tensor<T>> operands, int[] shape) where T : unmanaged, INumberBase<T>
        {
            var plan = Plan(operation, spec, geometries, batch, inChannels, outChannels);
            var lengths = shape.Select(d => (nint)d).ToArray();
            int chunk = plan.Chunk;
            if (chunk >= batch) return ConvTensors.Reshape(ConvExecutor.Run(plan.Full, operands), lengths);

            bool keepsBatch = operation is not (ConvOperation.WeightVjp or ConvOperation.Kfc or ConvOperation.KfacReduce or ConvOperation.TransposeKfacReduce);
            var result = Tensor.CreateFromShape<T>(lengths);
            var total = MemoryMarshal.CreateSpan(ref Einsum.First(result), checked((int)result.FlattenedLength));
            for (int start = 0; start < batch; start += chunk)
            {
                int count = Math.Min(chunk, batch - start);
                var net = count == chunk ? plan.Full : plan.Remainder(count);
                var part = ConvExecutor.Run(net, name => name == "weight" ? operands(name) : SliceBatch(operands(name), start, count));
                var values = MemoryMarshal.CreateSpan(ref Einsum.First(part), checked((int)part.FlattenedLength));
                if (keepsBatch)
                {
                    values.CopyTo(total.Slice(checked((int)(values.Length / count * (long)start)), values.Length));
                }
                else
                {
                    // A factor's network scales by 1/N of its own (chunk's) batch: weigh each chunk by its share.
                    bool averaged = operation is ConvOperation.Kfc or ConvOperation.KfacReduce or ConvOperation.TransposeKfacReduce;
                    T share = T.CreateChecked(averaged ? (double)count / batch : 1.0);
                    for (int i = 0; i < values.Length; i++) total[i] += values[i] * share;
                }
            }
            return result;
        }

        /// <summary>
        /// The plan of <paramref name="operation"/> for these sizes: from the spec's cache when a call of this shape ran before,
        /// else built (network, simplification, chunking, index tables) and kept.
        /// </summary>
        internal static ConvCallPlan Plan(ConvOperation operation, ConvSpec spec, ConvGeometry[] geometries, int batch, int inChannels, int outChannels)
        {
            var key = ConvPlanCache.KeyOf(operation, geometries, batch, inChannels, outChannels);
            if (spec.Plans.TryGet(key, out var plan)) return plan;
            int groups = operation is ConvOperation.Unfold or ConvOperation.Fold or ConvOperation.TransposeUnfold ? 1 : spec.Groups;
            ConvNetwork Network(int n)
            {
                var built = ConvNetworks.Build(operation, n, inChannels, outChannels, groups, geometries);
                return spec.Simplify ? ConvSimplifier.Simplify(built) : built;
            }
            return spec.Plans.Add(key, new ConvCallPlan(Network, batch,
                net => net.PatternCount == 0 ? batch : ChunkSize(operation, geometries, inChannels, outChannels, batch)));
        }

        private static int ChunkSize(ConvOperation operation, ConvGeometry[] geometries, int inChannels, int outChannels, int batch)
        {
            long taps = Product(geometries.Select(g => g.KernelSize));
            long positions = operation is ConvOperation.TransposeUnfold or ConvOperation.TransposeForward or ConvOperation.TransposeKfacReduce
                ? Product(geometries.Select(g => g.InputSize))
                : Product(geometries.Select(g => g.OutputSize));
            long perSample = Math.Max(1, (long)Math.Max(inChannels, outChannels) * taps * positions);
            return (int)Math.Clamp(ChunkElements / perSample, 1, Math.Max(1, batch));
        }

        private static Tensor<T> SliceBatch<T>(Tensor<T> t, int start, int count)
        {
            var ranges = new System.Buffers.NRange[t.Rank];
            for (int d = 0; d < ranges.Length; d++) ranges[d] = System.Buffers.NRange.All;
            ranges[0] = new System.Buffers.NRange(start, start + count);
            return t.Slice(ranges);
        }

        /// <summary>The checks of <see cref="Forward"/>: x, the weight against x's channels and groups, the bias.</summary>
        private static (int Batch, int Channels, ConvGeometry[] Geometries, int OutChannels) CheckForward<T>(Tensor<T> x, Tensor<T> weight,
            ConvSpec spec, Tensor<T>? bias)
        {
            var (batch, channels, geometries) = CheckInput(x, spec, "x");
            ConvChecks.NotNull(weight, nameof(weight));
            ConvChecks.Weight(weight, spec, -1, channels / spec.Groups);
            int outChannels = (int)weight.Lengths[0];
            if (bias is not null)
            {
                ConvChecks.Rank(bias, nameof(bias), 1, "[C_out]");
                ConvChecks.Size(bias, nameof(bias), 0, outChannels, "output channels");
            }
            return (batch, channels, geometries, outChannels);
        }

        private static (int Batch, int Channels, ConvGeometry[] Geometries) CheckInput<T>(Tensor<T> x, ConvSpec spec, string name, bool checkGroups = true)
        {
            ArgumentNullException.ThrowIfNull(spec);
            ConvChecks.NotNull(x, name);
            ConvChecks.Rank(x, name, spec.Dimensions + 2, "[N, C_in, I…]");
            if (checkGroups) ConvChecks.Divides(x, name, 1, spec.Groups, "input channels");
            return ((int)x.Lengths[0], (int)x.Lengths[1], spec.Geometries(ConvChecks.Spatial(x), name));
        }

        private static (int Batch, int Channels, ConvGeometry[] Geometries) CheckTransposeInput<T>(Tensor<T> x, ConvSpec spec, bool checkGroups = true)
        {
            ArgumentNullException.ThrowIfNull(spec);
            ConvChecks.NotNull(x, "x");
            ConvChecks.Rank(x, "x", spec.Dimensions + 2, "[N, C, O…]");
            if (checkGroups) ConvChecks.Divides(x, "x", 1, spec.Groups, "input channels");
            return ((int)x.Lengths[0], (int)x.Lengths[1], spec.TransposeGeometries(ConvChecks.Spatial(x), "x"));
        }

        private static int CheckOutputGradient<T>(Tensor<T> v, int outChannels, ConvGeometry[] geometries, int batch = -1)
        {
            const string name = "outputGradient";
            ConvChecks.NotNull(v, name);
            ConvChecks.Rank(v, name, geometries.Length + 2, "[N, C_out, O…]");
            if (batch >= 0) ConvChecks.Size(v, name, 0, batch, "batch, as x's");
            ConvChecks.Size(v, name, 1, outChannels, "output channels");
            for (int d = 0; d < geometries.Length; d++) ConvChecks.Size(v, name, d + 2, geometries[d].OutputSize, $"output size of spatial dimension {d}");
            return (int)v.Lengths[0];
        }

        /// <summary>[N, G·C, S…] viewed as [N, G, C, S…].</summary>
        internal static Tensor<T> Grouped<T>(Tensor<T> t, int groups)
        {
            var lengths = t.Lengths.ToArray().ToList();
            lengths[1] /= groups;
            lengths.Insert(1, groups);
            return ConvTensors.Reshape(t, lengths.ToArray());
        }

        /// <summary>[G·C_a, C_b, K…] viewed as [G, C_a, C_b, K…].</summary>
        internal static Tensor<T> GroupedWeight<T>(Tensor<T> w, int groups)
        {
            var lengths = w.Lengths.ToArray().ToList();
            lengths[0] /= groups;
            lengths.Insert(0, groups);
            return ConvTensors.Reshape(w, lengths.ToArray());
        }

        private static void AddBias<T>(Tensor<T> y, Tensor<T> bias) where T : unmanaged, INumberBase<T>
        {
            var values = new T[bias.FlattenedLength];
            bias.FlattenTo(values);
            var data = MemoryMarshal.CreateSpan(ref Einsum.First(y), checked((int)y.FlattenedLength));
            long inner = 1;
            for (int d = 2; d < y.Rank; d++) inner *= y.Lengths[d];
            int channels = values.Length;
            for (long b = 0, at = 0; b < y.Lengths[0]; b++)
            {
                for (int c = 0; c < channels; c++)
                {
                    var row = data.Slice((int)at, (int)inner);
                    for (int i = 0; i < row.Length; i++) row[i] += values[c];
                    at += inner;
                }
            }
        }

        internal static int Product(IEnumerable<int> sizes) => sizes.Aggregate(1, (a, b) => checked(a * b));

        private static int[] Concat(IEnumerable<int> head, IEnumerable<int> tail) => head.Concat(tail).ToArray();
    }
}
