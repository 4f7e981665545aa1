using System;
using System.Runtime.InteropServices;
using System.Threading;
using EinsumGen.Runtime.Kernels;
using Xunit;

namespace EinsumGen.Tests.Kernels
{
    /// <summary>
    /// The checked build (docs/testing.md): the region registry itself (every build), and kernel calls with a deliberately
    /// wrong offset, which the checked build must stop with the address, width and nearest region, and a normal build runs
    /// unchecked (the stray access stays inside padding the test owns, so that it is safe and its effect is visible).
    /// </summary>
    public sealed unsafe class CheckedKernelTests
    {
        /// <summary>Whether the runtime under test checks its kernels' accesses.</summary>
        private static readonly bool CheckedBuild = MemoryRegions.Enabled;

        /// <summary>
        /// The checked pass must really run a checked runtime: <c>dotnet test -c Checked</c> compiles these tests with the
        /// switch, and CI's pass, which runs the normal tests against the checked runtime, says so in
        /// EINSUMGEN_CHECKED_KERNELS=1. Otherwise the runtime must be the normal one.
        /// </summary>
        [Fact]
        public void The_runtime_under_test_is_the_build_that_was_asked_for()
        {
#if EINSUMGEN_CHECKED_KERNELS
            bool asked = true;
#else
            bool asked = Environment.GetEnvironmentVariable("EINSUMGEN_CHECKED_KERNELS") is "1" or "true";
#endif
            Assert.Equal(asked, MemoryRegions.Enabled);
        }

        [Fact]
        public void A_region_admits_accesses_inside_it_only()
        {
            byte* block = stackalloc byte[64];
            using (MemoryRegions.Push(block + 16, 32, writable: true, "middle"))
            {
                MemoryRegions.Check(block + 16, 32, write: true);
                MemoryRegions.Check(block + 40, 8, write: false);
                var past = Assert.Throws<KernelAccessViolationException>(() => MemoryRegions.Check(block + 44, 8, write: false));
                Assert.Equal((nuint)(block + 44), past.Address);
                Assert.Equal(8, past.Width);
                Assert.False(past.IsWrite);
                Assert.Equal("middle", past.NearestRegion);
                Assert.Contains($"0x{(nuint)(block + 44):X}", past.Message);
                Assert.Contains("ending 4 bytes past it", past.Message);
                var before = Assert.Throws<KernelAccessViolationException>(() => MemoryRegions.Check(block + 8, 4, write: true));
                Assert.Contains("4 bytes before its start", before.Message);
                Assert.True(before.IsWrite);
            }
            // Gone with its scope.
            var gone = Assert.Throws<KernelAccessViolationException>(() => MemoryRegions.Check(block + 16, 4, write: false));
            Assert.NotEqual("middle", gone.NearestRegion);
        }

        [Fact]
        public void A_read_only_region_refuses_writes()
        {
            long* value = stackalloc long[2];
            using var scope = MemoryRegions.Push(value, 16, writable: false, "operand");
            MemoryRegions.Check(value + 1, 8, write: false);
            var e = Assert.Throws<KernelAccessViolationException>(() => MemoryRegions.Check(value + 1, 8, write: true));
            Assert.Contains("writes a read-only region", e.Message);
            Assert.Contains("'operand'", e.Message);
        }

        [Fact]
        public void Disposing_a_scope_drops_later_regions_too()
        {
            int* a = stackalloc int[4];
            int* b = stackalloc int[4];
            var outer = MemoryRegions.Push(a, 16, true, "outer");
            _ = MemoryRegions.Push(b, 16, true, "leaked"); // as when an exception skipped its Dispose
            MemoryRegions.Check(b, 16, false);
            outer.Dispose();
            Assert.Throws<KernelAccessViolationException>(() => MemoryRegions.Check(a, 4, false));
            Assert.Throws<KernelAccessViolationException>(() => MemoryRegions.Check(b, 4, false));
        }

        [Fact]
        public void A_strided_view_registers_the_elements_it_reaches()
        {
            double* buffer = stackalloc double[32];
            // Sizes 3 × 4 with strides -8 and 2 from element 16: it reaches 0 (16 - 2·8) to 22 (16 + 3·2).
            using (MemoryRegions.PushStrided(buffer + 16, new nint[] { 3, 4 }, new nint[] { -8, 2 }, true, "view"))
            {
                MemoryRegions.Check(buffer, 23 * sizeof(double), true);
                Assert.Throws<KernelAccessViolationException>(() => MemoryRegions.Check(buffer + 23, 8, false));
            }
            // A view with a zero-size dimension reaches nothing.
            using (MemoryRegions.PushStrided(buffer, new nint[] { 3, 0 }, new nint[] { 1, 3 }, true, "empty"))
                Assert.Throws<KernelAccessViolationException>(() => MemoryRegions.Check(buffer, 8, false));
        }

        [Fact]
        public void Another_thread_sees_a_callers_regions_only_once_it_adopts_them()
        {
            float* data = stackalloc float[8];
            using var scope = MemoryRegions.Push(data, 32, true, "caller's");
            var captured = MemoryRegions.Capture();
            Exception? before = null, after = null, afterRelease = null;
            var t = new Thread(() =>
            {
                before = Record(() => MemoryRegions.Check(data, 4, false));
                using (MemoryRegions.Adopt(captured)) after = Record(() => MemoryRegions.Check(data, 32, true));
                afterRelease = Record(() => MemoryRegions.Check(data, 4, false));
            });
            t.Start();
            t.Join();
            Assert.IsType<KernelAccessViolationException>(before);
            Assert.Null(after);
            Assert.IsType<KernelAccessViolationException>(afterRelease);
        }

        [Fact]
        public void Permanent_regions_stay_until_removed()
        {
            byte* b = stackalloc byte[8];
            MemoryRegions.AddPermanent(b, 8, "workspace");
            using (MemoryRegions.Push(b, 0, true, "unrelated")) { } // scopes do not drop permanent regions
            MemoryRegions.Check(b, 8, true);
            MemoryRegions.RemovePermanent(b);
            Assert.Throws<KernelAccessViolationException>(() => MemoryRegions.Check(b, 1, false));
        }

        /// <summary>Readers on other threads never miss a stable region while the owner pushes and pops others (the version check).</summary>
        [Fact]
        public void Readers_on_other_threads_see_stable_regions_while_the_owner_writes()
        {
            var memory = new long[64];
            var handle = GCHandle.Alloc(memory, GCHandleType.Pinned);
            try
            {
                long* p = (long*)handle.AddrOfPinnedObject();
                using var stable = MemoryRegions.Push(p, 8 * 8, true, "stable");
                var captured = MemoryRegions.Capture();
                int misses = 0;
                using var stop = new CancellationTokenSource();
                var reader = new Thread(() =>
                {
                    using var adopted = MemoryRegions.Adopt(captured);
                    while (!stop.IsCancellationRequested)
                    {
                        if (Record(() => MemoryRegions.Check(p + 3, 8, true)) is not null) Interlocked.Increment(ref misses);
                    }
                });
                reader.Start();
                for (int i = 0; i < 20000; i++)
                {
                    using var a = MemoryRegions.Push(p + 8 + i % 32, 8, i % 2 == 0, "churn");
                    using var b = MemoryRegions.Push(p + 40, 64, true, "churn 2");
                }
                stop.Cancel();
                reader.Join();
                Assert.Equal(0, misses);
            }
            finally
            {
                handle.Free();
            }
        }

        /// <summary>
        /// C[i, j] = Σ_k A[i, k]·B[k, j] with A registered as elements 8..15 of a padded buffer (2 × 4 at offset 8), and
        /// a K table whose last entry is one element too far: A[1, 3] is read at element 16, just past the region.
        /// </summary>
        [Theory]
        [InlineData("Direct", "Scalar")]
        [InlineData("Packed", "Vector256")]
        public void A_read_past_an_operand_is_stopped_in_the_checked_build(string modeName, string pathName)
        {
            var mode = Enum.Parse<GemmMode>(modeName);
            var path = Enum.Parse<KernelPath>(pathName);
            var padded = new float[32];
            for (int i = 0; i < padded.Length; i++) padded[i] = i < 8 || i >= 16 ? 1000 : i - 7; // A = [[1 2 3 4] [5 6 7 8]]
            var b = new float[] { 1, 1, 1, 1 }; // 4 × 1
            var c = new float[2];
            nint[] zero = { 0 }, rows = { 0, 4 }, wrongK = { 0, 1, 2, 4 }, kB = { 0, 1, 2, 3 }, col = { 0 }, rowC = { 0, 1 };
            var problem = new GemmProblem(zero, zero, zero, rows, rowC, col, col, wrongK, kB);
            var handle = GCHandle.Alloc(padded, GCHandleType.Pinned);
            try
            {
                float* a = (float*)handle.AddrOfPinnedObject() + 8;
                Exception? error;
                using (MemoryRegions.Push(a, 8 * sizeof(float), false, "A"))
                using (TestRegions.Read(b).AndWrite(c))
                {
                    try { ContractionKernel.Gemm(problem, ref *a, ref b[0], ref c[0], path, mode, 1); error = null; }
                    catch (Exception e) { error = e; }
                }
                if (CheckedBuild)
                {
                    var e = Assert.IsType<KernelAccessViolationException>(error);
                    Assert.False(e.IsWrite);
                    Assert.Equal("A", e.NearestRegion);
                    // The scalar loop reads one element; packing may read a vector's worth: either way it starts inside
                    // A's buffer and runs past element 16.
                    Assert.InRange((long)e.Address, (long)a, (long)(a + 8));
                    Assert.True((long)e.Address + e.Width > (long)(a + 8), e.Message);
                }
                else
                {
                    // Unchecked, the kernel reads the padding: row 0 sums 1 + 2 + 3 + 5, row 1 sums 5 + 6 + 7 + 1000.
                    Assert.Null(error);
                    Assert.Equal(new float[] { 11, 1018 }, c);
                }
            }
            finally
            {
                handle.Free();
            }
        }

        /// <summary>A result registered read-only: the checked build stops the first store into it.</summary>
        [Fact]
        public void A_write_into_a_read_only_region_is_stopped_in_the_checked_build()
        {
            float[] a = { 1, 2 }, b = { 3, 4 }, c = { 0 };
            nint[] zero = { 0 }, k = { 0, 1 };
            var problem = new GemmProblem(zero, zero, zero, zero, zero, zero, zero, k, k);
            Exception? error;
            using (TestRegions.Read(a, b, c))
            {
                try { ContractionKernel.Gemm(problem, ref a[0], ref b[0], ref c[0], KernelPath.Scalar, GemmMode.Direct, 1); error = null; }
                catch (Exception e) { error = e; }
            }
            if (CheckedBuild)
            {
                var e = Assert.IsType<KernelAccessViolationException>(error);
                Assert.True(e.IsWrite);
                Assert.Contains("read-only", e.Message);
            }
            else
            {
                Assert.Null(error);
                Assert.Equal(11f, c[0]);
            }
        }

        /// <summary>
        /// A split call: the stray read happens in a part that may run on a kernel worker, which sees the caller's
        /// regions (adopted) and whose violation the caller rethrows. Every batch entry but the last is right.
        /// </summary>
        [Fact]
        public void A_violation_on_a_kernel_worker_reaches_the_caller() => ContractionKernelTests.OnPlainThread(() =>
        {
            const int batch = 64, m = 32, n = 32, k = 32;
            var a = new float[batch * m * k + 64];
            var b = new float[k * n];
            var c = new float[batch * m * n];
            a.AsSpan().Fill(1);
            b.AsSpan().Fill(1);
            nint[] batchA = new nint[batch], batchB = new nint[batch], batchC = new nint[batch];
            for (int i = 0; i < batch; i++) { batchA[i] = i * m * k; batchC[i] = i * m * n; }
            batchA[batch - 1] += 16; // the last entry reads 16 elements past A's registered part
            nint[] Affine(int len, int stride) { var t = new nint[len]; for (int i = 0; i < len; i++) t[i] = i * stride; return t; }
            var problem = new GemmProblem(batchA, batchB, batchC, Affine(m, k), Affine(m, n), Affine(n, 1), Affine(n, 1), Affine(k, 1), Affine(k, n));
            var handle = GCHandle.Alloc(a, GCHandleType.Pinned);
            try
            {
                float* pa = (float*)handle.AddrOfPinnedObject();
                Exception? error;
                using (MemoryRegions.Push(pa, (nint)batch * m * k * sizeof(float), false, "A"))
                using (TestRegions.Read(b).AndWrite(c))
                {
                    try { ContractionKernel.Gemm(problem, ref a[0], ref b[0], ref c[0], KernelPath.Auto, GemmMode.Auto, 2); error = null; }
                    catch (Exception e) { error = e; }
                }
                if (CheckedBuild)
                {
                    var e = Assert.IsType<KernelAccessViolationException>(error);
                    Assert.Equal("A", e.NearestRegion);
                }
                else
                {
                    Assert.Null(error);
                    Assert.All(c, x => Assert.Equal(k, x));
                }
            }
            finally
            {
                handle.Free();
            }
        });

        private static Exception? Record(Action action)
        {
            try
            {
                action();
                return null;
            }
            catch (Exception e)
            {
                return e;
            }
        }
    }
}
