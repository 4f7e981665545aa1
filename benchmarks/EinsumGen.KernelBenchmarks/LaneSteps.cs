using System;
using System.Linq;
using EinsumGen.Runtime;
using EinsumGen.Runtime.Kernels;

namespace EinsumGen.KernelBenchmarks
{
    /// <summary>
    /// A pairwise step as a layout's call describes it (result labels first, then summed ones; dense row-major tensors),
    /// run through the runtime's step kernel with its tables kept, so that the lane-block tier and the GEMM kernel can be
    /// timed on the same step by switching <see cref="KernelOptions.LaneBlocks"/>.
    /// </summary>
    internal sealed class LaneStep
    {
        private int _kept;
        private nint[] _sizes = Array.Empty<nint>();
        private readonly nint[][] _strides = new nint[3][];
        private readonly float[][] _data = new float[3][];
        private readonly int[] _offset = new int[3];
        private static readonly int s_offsetBytes = int.Parse(Environment.GetEnvironmentVariable("LANESTEP_OFFSET") ?? "0");
        private static readonly bool s_hugePages = Environment.GetEnvironmentVariable("LANESTEP_HUGEPAGES") == "1";
        private const int HugePage = 2 << 20;
        private static readonly int s_rowPad = int.Parse(Environment.GetEnvironmentVariable("LANESTEP_XPAD") ?? "0");

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "madvise")]
        private static extern int Madvise(nint address, nint length, int advice);
        private GemmTables _tables = new();

        public string Name { get; private init; } = "";

        /// <summary>2 · the product of all sizes.</summary>
        public double Flops { get; private set; }

        /// <summary>The tensor train's W = t1·t2 and its two gradients at the seed's sizes (n = 256, rank 8).</summary>
        public static LaneStep[] TensorTrain() =>
        [
            Create("tt W = t1·t2 (jabef,jcdgh)", "jabef,jcdgh->abcdefgh"),
            Create("tt ∂t1 (abcdefgh,jcdgh)", "abcdefgh,jcdgh->jabef"),
            Create("tt ∂t2 (abcdefgh,jabef)", "abcdefgh,jabef->jcdgh"),
        ];

        /// <summary>The tensor train's six small steps: t1, t2 and the four weight gradients (one core).</summary>
        public static LaneStep[] TensorTrainSmall() =>
        [
            Create("tt t1 (aei,bfij)", "aei,bfij->jabef"),
            Create("tt t2 (cgjk,dhk)", "cgjk,dhk->jcdgh"),
            Create("tt ∂w1 (jabef,bfij)", "jabef,bfij->aei"),
            Create("tt ∂w2 (jabef,aei)", "jabef,aei->bfij"),
            Create("tt ∂w3 (jcdgh,dhk)", "jcdgh,dhk->cgjk"),
            Create("tt ∂w4 (jcdgh,cgjk)", "jcdgh,cgjk->dhk"),
        ];

        /// <summary>The tensor train's two large steps: y = Σ t3·x and ∂t3 = Σ_n ∂y·x (one core; x is 4 MiB, streamed).</summary>
        public static LaneStep[] TensorTrainLarge() =>
        [
            Create("tt y (abcdefgh,nabcd)", "abcdefgh,nabcd->nefgh"),
            Create("tt ∂t3 (nefgh,nabcd)", "nefgh,nabcd->abcdefgh"),
            // x stored n-innermost ([abcd][n]: xᵀ), as a caller may keep it.
            Create("tt y xT (abcdefgh,nabcd)", "abcdefgh,nabcd->nefgh", xStorage: "abcdn"),
            Create("tt ∂t3 xT (nefgh,nabcd)", "nefgh,nabcd->abcdefgh", xStorage: "abcdn"),
        ];

        /// <summary>The step on the GEMM kernel with its tier forced, on one core.</summary>
        public void RunGemm(GemmMode mode)
        {
            var problem = _tables.Problem;
            ContractionKernel.Gemm(in problem, ref _data[0][_offset[0]], ref _data[1][_offset[1]], ref _data[2][_offset[2]], KernelPath.Auto, mode, 1);
        }

        private static LaneStep Create(string name, string spec, string? xStorage = null)
        {
            nint SizeOf(char label) => label is 'e' or 'f' or 'g' or 'h' ? 2 : label == 'n' ? 256 : 8;
            var parts = spec.Split("->");
            var operands = parts[0].Split(',');
            string[] tensors = { operands[0], operands[1], parts[1] };
            string labels = new(parts[1].Concat(parts[0].Where(char.IsLetter)).Distinct().ToArray());
            var step = new LaneStep { Name = name, _kept = parts[1].Length, _sizes = labels.Select(SizeOf).ToArray() };
            step.Flops = 2 * step._sizes.Aggregate(1.0, (p, s) => p * s);
            var random = new Random(5);
            for (int t = 0; t < 3; t++)
            {
                string own = tensors[t];
                var strides = new nint[own.Length];
                nint stride = 1;
                string storage = own == "nabcd" && xStorage != null ? xStorage : own;
                for (int i = storage.Length - 1; i >= 0; i--) { strides[own.IndexOf(storage[i])] = stride; stride *= SizeOf(storage[i]); }
                if (own == "nabcd" && s_rowPad > 0)
                {
                    // LANESTEP_XPAD=floats: x's rows that far apart beyond their 4096 elements.
                    strides[0] += s_rowPad;
                    stride = strides[0] * SizeOf('n');
                }
                // Pinned, and each tensor's first element placed at the alignment asked for (64 bytes unless LANESTEP_OFFSET says
                // how many bytes past it): the runtime's pooled intermediates start wherever the array's data does.
                // With LANESTEP_HUGEPAGES=1, a tensor of 2 MiB or more (x) starts a 2 MiB page advised to huge pages, as the
                // sample places its x.
                int align = s_hugePages && stride * sizeof(float) >= HugePage ? HugePage : 64;
                var data = GC.AllocateUninitializedArray<float>((int)stride + 32 + align / sizeof(float), pinned: true);
                unsafe
                {
                    fixed (float* p = data)
                    {
                        int skip = (int)((align - ((nint)p & (align - 1))) & (align - 1)) / sizeof(float) + s_offsetBytes / sizeof(float);
                        step._offset[t] = skip;
                        if (align == HugePage) _ = Madvise((nint)(p + skip), (nint)(stride * sizeof(float)) & ~(nint)(HugePage - 1), 14);
                    }
                }
                for (int i = 0; i < (int)stride; i++) data[step._offset[t] + i] = (float)(random.NextDouble() * 2 - 1);
                step._data[t] = data;
                step._strides[t] = labels.Select(l => own.IndexOf(l) is var i and >= 0 ? strides[i] : 0).ToArray();
            }
            step._tables = new GemmTables().Fill(step._kept, step._sizes, step._strides[0], step._strides[1], step._strides[2]).Keep();
            return step;
        }

        public void Run() => StepKernel.Contract(_kept, _sizes, ref _data[0][_offset[0]], _strides[0], ref _data[1][_offset[1]], _strides[1], hasSecond: true,
            ref _data[2][_offset[2]], _strides[2], accumulate: false, tables: _tables);
    }
}
