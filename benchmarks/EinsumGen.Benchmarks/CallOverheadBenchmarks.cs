using System;
using System.Globalization;
using System.Numerics.Tensors;

namespace EinsumGen.Benchmarks
{
    /// <summary>A tiny product with every size declared: what a call costs when the arithmetic is only 4,096 multiply-adds.</summary>
    public static partial class TinyOps
    {
        public const int N = 16;

        [Einsum("mn,nk->mk", Sizes = "m=16,n=16,k=16")]
        public static partial void MatMul16(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);

        /// <summary>The same product taking its views by reference (<c>in</c>): three 120-byte structs are not copied per call.</summary>
        [Einsum("mn,nk->mk", Sizes = "m=16,n=16,k=16")]
        public static partial void MatMul16In(in ReadOnlyTensorSpan<float> a, in ReadOnlyTensorSpan<float> b, in TensorSpan<float> c);

        /// <summary>The baseline: a plain triple loop over dense arrays with constant bounds, no checks beyond the arrays'.</summary>
        public static void NaiveMatMul16(float[] a, float[] b, float[] c)
        {
            for (int m = 0; m < N; m++)
            {
                for (int k = 0; k < N; k++)
                {
                    float acc = 0;
                    for (int n = 0; n < N; n++) acc += a[m * N + n] * b[n * N + k];
                    c[m * N + k] = acc;
                }
            }
        }
    }

    /// <summary>
    /// The per-call cost of generated methods: ns per call of the 16×16×16 product next to the naive triple loop (same run),
    /// and bytes allocated per call by the tensor-train layer's forward and backward.
    /// </summary>
    public static class CallOverhead
    {
        private const int CallsPerSample = 10_000;

        public static void Print()
        {
            var a = Filled(TinyOps.N * TinyOps.N, 1);
            var b = Filled(TinyOps.N * TinyOps.N, 2);
            var c = new float[TinyOps.N * TinyOps.N];
            var shape = new nint[] { TinyOps.N, TinyOps.N };
            double generated = NsPerCall(() =>
            {
                var sa = new ReadOnlyTensorSpan<float>(a, shape);
                var sb = new ReadOnlyTensorSpan<float>(b, shape);
                var sc = new TensorSpan<float>(c, shape);
                for (int i = 0; i < CallsPerSample; i++) TinyOps.MatMul16(sa, sb, sc);
            });
            double byReference = NsPerCall(() =>
            {
                var sa = new ReadOnlyTensorSpan<float>(a, shape);
                var sb = new ReadOnlyTensorSpan<float>(b, shape);
                var sc = new TensorSpan<float>(c, shape);
                for (int i = 0; i < CallsPerSample; i++) TinyOps.MatMul16In(in sa, in sb, in sc);
            });
            double naive = NsPerCall(() =>
            {
                for (int i = 0; i < CallsPerSample; i++) TinyOps.NaiveMatMul16(a, b, c);
            });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"mn,nk->mk 16x16x16 float (Sizes declared): generated {generated:0.0} ns/call, views passed by reference (in) {byReference:0.0} ns/call, naive triple loop {naive:0.0} ns/call ({generated / naive:0.00}x, {byReference / naive:0.00}x)"));

            var state = new TensorTrainState();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"tensor-train layer: forward {BytesPerCall(state.Forward):0.0} B/call, backward {BytesPerCall(state.Backward):0.0} B/call allocated (all threads)"));
        }

        /// <summary>Median ns per call over 31 samples of <see cref="CallsPerSample"/> calls, after 2 s of warm-up (tiered JIT).</summary>
        private static double NsPerCall(Action batch) => Timing.MedianSeconds(batch, 31) * 1e9 / CallsPerSample;

        /// <summary>Bytes allocated per call on every thread, over 20 calls after warm-up (kernels may use a second thread).</summary>
        private static double BytesPerCall(Action call)
        {
            for (int i = 0; i < 20; i++) call();
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < 20; i++) call();
            return (GC.GetTotalAllocatedBytes(precise: true) - before) / 20.0;
        }

        private static float[] Filled(int length, int seed)
        {
            var random = new Random(seed);
            var values = new float[length];
            for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() - 0.5);
            return values;
        }
    }
}
