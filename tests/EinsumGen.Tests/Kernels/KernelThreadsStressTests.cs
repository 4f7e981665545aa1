using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Numerics.Tensors;
using System.Threading;
using EinsumGen.Runtime;
using EinsumGen.Runtime.Kernels;
using Xunit;

namespace EinsumGen.Tests.Kernels
{
    public static partial class StressMethods
    {
        [Einsum("mk,kn->mn")]
        public static partial void MatMul(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);

        [Einsum("mn,nk->mk", Sizes = "m=16,n=16,k=16")]
        public static partial void MatMul16(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b, TensorSpan<float> c);

        [Einsum("aei,bfij,cgjk,dhk,nabcd->nefgh")]
        public static partial void TensorTrain(ReadOnlyTensorSpan<double> w1, ReadOnlyTensorSpan<double> w2, ReadOnlyTensorSpan<double> w3,
            ReadOnlyTensorSpan<double> w4, ReadOnlyTensorSpan<double> x, TensorSpan<double> y);

        [Einsum("n,n->")]
        public static partial float Inner(ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<float> b);
    }

    /// <summary>
    /// Many threads at once through the public API — generated methods and <see cref="Einsum.Evaluate{T}"/>, forward and
    /// backward — with problems large enough to split over the kernel pool (GEMM split along M or N, batch entries, the
    /// contracted index; steps sliced over the cores) and small ones that never split, every result checked. Only one
    /// call at a time holds the pool; the others run whole, so this checks the hand-offs between calls of every kind.
    /// </summary>
    [Collection(nameof(ThreadPoolCollection))]
    public class KernelThreadsStressTests
    {
        /// <summary>One kind of call: runs it and checks the result against a reference computed before the threads start.</summary>
        private sealed record Case(string Name, Action RunAndCheck);

        private static readonly Lazy<Case[]> s_cases = new(CreateCases);

        /// <summary>
        /// The cases and their references. The large ones' references come from the same calls made on an xunit thread (a
        /// thread-pool thread, where kernels never split: the single-threaded paths, checked against the naive oracle by
        /// the kernel and runtime tests); the small ones' from <see cref="Einsum.EvaluateNaive{T}"/>.
        /// </summary>
        private static Case[] CreateCases()
        {
            Assert.True(Thread.CurrentThread.IsThreadPoolThread);
            var cases = new List<Case>();

            // 256³ through a generated method: a packed GEMM split along M or N.
            var a = TestData.Random<float>(new[] { 256, 256 }, 1);
            var b = TestData.Random<float>(new[] { 256, 256 }, 2);
            var matMul = Run(c => StressMethods.MatMul(a, b, c), 256, 256);
            cases.Add(new("generated 256³ matmul", () => TestData.AssertClose(matMul, Run(c => StressMethods.MatMul(a, b, c), 256, 256), 256, "generated 256³ matmul")));

            // 16 batch entries of 64³: split into 16 parts (8 per thread on two cores), more than a pinned call's table holds.
            var ba = TestData.Random<double>(new[] { 16, 64, 64 }, 3);
            var bb = TestData.Random<double>(new[] { 16, 64, 64 }, 4);
            var batched = Einsum.Evaluate("bij,bjk->bik", ba, bb);
            cases.Add(new("evaluated batched matmul", () => TestData.AssertClose(batched, Einsum.Evaluate("bij,bjk->bik", ba, bb), 64, "evaluated batched matmul")));

            // A long contracted index against small free ones: split along K, partial results added afterwards.
            var ka = TestData.Random<float>(new[] { 64, 4096 }, 5);
            var kb = TestData.Random<float>(new[] { 4096, 64 }, 6);
            var kSplit = Einsum.Evaluate("mk,kn->mn", ka, kb);
            cases.Add(new("evaluated K-split matmul", () => TestData.AssertClose(kSplit, Einsum.Evaluate("mk,kn->mn", ka, kb), 4096, "evaluated K-split matmul")));

            // The tensor train: steps sliced over the cores (pinned calls), forward through a generated method and backward.
            const string Tt = "aei,bfij,cgjk,dhk,nabcd->nefgh";
            int[][] ttShapes = { new[] { 8, 2, 8 }, new[] { 8, 2, 8, 8 }, new[] { 8, 2, 8, 8 }, new[] { 8, 2, 8 }, new[] { 256, 8, 8, 8, 8 } };
            var tt = ttShapes.Select((s, i) => TestData.Random<double>(s, 10 + i)).ToArray();
            nint[] ttOut = { 256, 2, 2, 2, 2 };
            var ttForward = Einsum.Evaluate(Tt, tt);
            cases.Add(new("generated tensor train", () =>
            {
                var y = Tensor.CreateFromShape<double>(ttOut);
                StressMethods.TensorTrain(tt[0], tt[1], tt[2], tt[3], tt[4], y);
                TestData.AssertClose(ttForward, y, 8 * 8 * 8 * 8 * 8, "generated tensor train");
            }));
            // Backward on a smaller batch (its gradients are as large as its inputs, and each check reads them all).
            var ttSmall = tt.Take(4).Append(TestData.Random<double>(new[] { 32, 8, 8, 8, 8 }, 14)).ToArray();
            var dy = TestData.Random<double>(new[] { 32, 2, 2, 2, 2 }, 20);
            var ttBackward = Einsum.Backward(Tt, dy, ttSmall);
            cases.Add(new("evaluated tensor train backward", () =>
            {
                var gradients = Einsum.Backward(Tt, dy, ttSmall);
                for (int i = 0; i < gradients.Length; i++) TestData.AssertClose(ttBackward[i], gradients[i], 32 * 8 * 8 * 8 * 8, $"tensor train gradient {i}");
            }));

            // Small calls: never split, interleaved with the large ones.
            var sa = TestData.Random<float>(new[] { 16, 16 }, 30);
            var sb = TestData.Random<float>(new[] { 16, 16 }, 31);
            var small = Einsum.EvaluateNaive("mn,nk->mk", sa, sb);
            cases.Add(new("generated 16³ matmul", () => TestData.AssertClose(small, Run(c => StressMethods.MatMul16(sa, sb, c), 16, 16), 16, "generated 16³ matmul")));
            var va = TestData.Random<float>(new[] { 1000 }, 32);
            var vb = TestData.Random<float>(new[] { 1000 }, 33);
            double inner = TestData.Flatten(Einsum.EvaluateNaive("n,n->", va, vb)).Single();
            cases.Add(new("generated inner product", () =>
            {
                float y = StressMethods.Inner(va, vb);
                Assert.True(Math.Abs(y - inner) <= 4 * 1.2e-7 * 1000 * Math.Max(1, Math.Abs(inner)), $"generated inner product: {y}, expected {inner}");
            }));
            var oa = TestData.Random<double>(new[] { 7, 5 }, 34);
            var ob = TestData.Random<double>(new[] { 5, 3 }, 35);
            var odd = Einsum.EvaluateNaive("ij,jk->ik", oa, ob);
            cases.Add(new("evaluated 7×5×3 matmul", () => TestData.AssertClose(odd, Einsum.Evaluate("ij,jk->ik", oa, ob), 5, "evaluated 7×5×3 matmul")));
            return cases.ToArray();
        }

        private static Tensor<float> Run(Action<Tensor<float>> call, int m, int n)
        {
            var c = Tensor.CreateFromShape<float>(new nint[] { m, n });
            call(c);
            return c;
        }

        /// <summary>
        /// <paramref name="threads"/> plain threads (kernels split only off the thread pool) run random cases for
        /// <paramref name="seconds"/>; the first failure of any thread fails the test.
        /// </summary>
        private static void Stress(int threads, double seconds)
        {
            Case[] cases = s_cases.Value;
            long splitBefore = KernelThreads.SplitCalls, slicedBefore = SlicedStep.Calls, kSplitBefore = ContractionKernel.KSplitCalls;
            long until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
            var failures = new Exception?[threads];
            var runs = new int[threads];
            var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                var rng = new Random(100 + t);
                try
                {
                    // Every case at least once per thread, then at random until time is up.
                    for (int i = 0; i < cases.Length || Stopwatch.GetTimestamp() < until; i++)
                    {
                        cases[i < cases.Length ? (i + t) % cases.Length : rng.Next(cases.Length)].RunAndCheck();
                        runs[t]++;
                    }
                }
                catch (Exception e)
                {
                    failures[t] = e;
                }
            })).ToArray();
            foreach (var w in workers) w.Start();
            foreach (var w in workers) w.Join();
            foreach (var failure in failures)
            {
                if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
            }
            Assert.All(runs, r => Assert.True(r >= cases.Length));
            if (KernelThreads.WorkerCount < 1) return;
            // The large cases reached every kind of split (other tests may split too; these at least did).
            Assert.True(KernelThreads.SplitCalls > splitBefore);
            Assert.True(SlicedStep.Calls > slicedBefore);
            Assert.True(ContractionKernel.KSplitCalls > kSplitBefore);
        }

        [Fact]
        public void ManyThreadsMixingGeneratedMethodsAndEvaluateGetCorrectResults() => Stress(threads: 12, seconds: 2);

        /// <summary>The same with 16 threads for as long as <see cref="Soak.Seconds"/> says; returns at once unless soaking.</summary>
        [Fact]
        public void SoakManyThreadsMixingGeneratedMethodsAndEvaluate()
        {
            if (Soak.Seconds is not { } seconds) return;
            Stress(threads: 16, seconds);
        }
    }
}
