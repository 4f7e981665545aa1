using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using EinsumGen.Runtime.Kernels;
using Xunit;

namespace EinsumGen.Tests.Kernels
{
    /// <summary>How an operand is laid out in memory.</summary>
    public enum Layout { Contiguous, Transposed, Strided, Sliced, Broadcast, Mixed }

    /// <summary>One operand: a buffer and, per group it has, an offset table built from (possibly several) labels.</summary>
    internal sealed class OperandData
    {
        public nint[][] Tables = Array.Empty<nint[]>();
        public int Length;
    }

    /// <summary>A random GEMM step over offset tables, its buffers, and the naive oracle.</summary>
    internal sealed class GemmCase
    {
        public int Batch, M, N, K;
        public OperandData A = new(), B = new(), C = new();
        public string Description = "";

        public nint[] BatchA => A.Tables[0]; public nint[] RowA => A.Tables[1]; public nint[] KA => A.Tables[2];
        public nint[] BatchB => B.Tables[0]; public nint[] KB => B.Tables[1]; public nint[] ColB => B.Tables[2];
        public nint[] BatchC => C.Tables[0]; public nint[] RowC => C.Tables[1]; public nint[] ColC => C.Tables[2];

        public GemmProblem Problem => new(BatchA, BatchB, BatchC, RowA, RowC, ColB, ColC, KA, KB);

        /// <summary>Builds a case; groups are given in the operand's canonical order (A: b,m,k; B: b,k,n; C: b,m,n).</summary>
        public static GemmCase Create(Random rng, int batch, int m, int n, int k, Layout la, Layout lb, Layout lc)
        {
            var g = new GemmCase { Batch = batch, M = m, N = n, K = k };
            g.A = Build(rng, new[] { batch, m, k }, la, isOutput: false);
            g.B = Build(rng, new[] { batch, k, n }, lb, isOutput: false);
            g.C = Build(rng, new[] { batch, m, n }, lc, isOutput: true);
            g.Description = $"batch={batch} m={m} n={n} k={k} A={la} B={lb} C={lc}";
            return g;
        }

        /// <summary>
        /// Lays out an operand with three groups. Each group of size > 3 may be split into two labels; the labels are
        /// ordered in memory by the layout (reversed for Transposed, shuffled for Mixed), padded for Strided/Sliced, and a
        /// Broadcast input gets stride 0 on one group.
        /// </summary>
        private static OperandData Build(Random rng, int[] groupSizes, Layout layout, bool isOutput)
        {
            // labels: (group, size)
            var labels = new List<(int group, int size)>();
            for (int gi = 0; gi < groupSizes.Length; gi++)
            {
                int s = groupSizes[gi];
                if ((layout == Layout.Mixed || layout == Layout.Sliced) && s > 3 && rng.Next(2) == 0)
                {
                    int f = Enumerable.Range(2, s - 2).FirstOrDefault(d => s % d == 0);
                    if (f > 0) { labels.Add((gi, s / f)); labels.Add((gi, f)); continue; }
                }
                labels.Add((gi, s));
            }
            // memory order of labels (last = fastest)
            int[] order = Enumerable.Range(0, labels.Count).ToArray();
            if (layout == Layout.Transposed) Array.Reverse(order);
            else if (layout == Layout.Mixed) order = order.OrderBy(_ => rng.Next()).ToArray();
            else if (layout == Layout.Strided && order.Length >= 2) (order[^1], order[^2]) = (order[^2], order[^1]);

            var strides = new nint[labels.Count];
            nint stride = layout == Layout.Strided ? 1 + 2 * rng.Next(1, 3) : 1; // odd element stride
            for (int o = order.Length - 1; o >= 0; o--)
            {
                int li = order[o];
                strides[li] = stride;
                int extent = labels[li].size + (layout is Layout.Sliced or Layout.Strided ? rng.Next(0, 3) : 0);
                stride *= Math.Max(extent, 1);
            }
            nint start = layout is Layout.Sliced or Layout.Strided ? rng.Next(1, 7) : 0;
            if (!isOutput && layout == Layout.Broadcast)
            {
                int gi = rng.Next(groupSizes.Length);
                for (int li = 0; li < labels.Count; li++) if (labels[li].group == gi) strides[li] = 0;
            }
            // a transposed/mixed layout with a negative stride somewhere (reversed view)
            if (layout == Layout.Mixed && rng.Next(3) == 0)
            {
                int li = rng.Next(labels.Count);
                start += strides[li] * Math.Max(labels[li].size - 1, 0);
                strides[li] = -strides[li];
            }

            var data = new OperandData { Tables = new nint[groupSizes.Length][] };
            nint maxOffset = start;
            for (int gi = 0; gi < groupSizes.Length; gi++)
            {
                var ls = Enumerable.Range(0, labels.Count).Where(li => labels[li].group == gi).ToArray();
                nint[] sizes = ls.Select(li => (nint)labels[li].size).ToArray();
                nint[] st = ls.Select(li => strides[li]).ToArray();
                var table = new nint[groupSizes[gi]];
                OffsetTable.Fill(sizes, st, table, out _);
                if (gi == 0) for (int i = 0; i < table.Length; i++) table[i] += start; // fold the slice start into the batch group
                data.Tables[gi] = table;
                if (table.Length > 0) maxOffset += table.Max() - (gi == 0 ? start : 0);
            }
            data.Length = (int)maxOffset + 1 + rng.Next(0, 3);
            return data;
        }

        public T[] Fill<T>(Random rng, OperandData d) where T : INumberBase<T>
        {
            var x = new T[d.Length];
            for (int i = 0; i < x.Length; i++) x[i] = T.CreateChecked(rng.NextDouble() * 2 - 1);
            return x;
        }

        /// <summary>The naive triple loop in double over the same tables.</summary>
        public double[] Reference<T>(T[] a, T[] b, int cLength, double[] initial) where T : INumberBase<T>
        {
            var c = (double[])initial.Clone();
            for (int bi = 0; bi < Batch; bi++)
                for (int i = 0; i < M; i++)
                    for (int j = 0; j < N; j++)
                    {
                        double s = 0;
                        for (int p = 0; p < K; p++)
                            s += double.CreateChecked(a[BatchA[bi] + RowA[i] + KA[p]]) * double.CreateChecked(b[BatchB[bi] + KB[p] + ColB[j]]);
                        c[BatchC[bi] + RowC[i] + ColC[j]] = s;
                    }
            return c;
        }

        /// <summary>Runs the kernel on fresh random data and checks every element of C's buffer (untouched ones too).</summary>
        public void Check<T>(Random rng, KernelPath path, GemmMode mode, int threads) where T : unmanaged, INumberBase<T>
        {
            T[] a = Fill<T>(rng, A), b = Fill<T>(rng, B);
            var c = new T[C.Length];
            var initial = new double[C.Length];
            for (int i = 0; i < c.Length; i++) { c[i] = T.CreateChecked(double.NaN); initial[i] = double.NaN; }
            double[] expected = Reference(a, b, c.Length, initial);
            var problem = Problem;
            using (TestRegions.Read(a, b).AndWrite(c)) ContractionKernel.Gemm(problem, ref a[0], ref b[0], ref c[0], path, mode, threads);
            double eps = typeof(T) == typeof(float) ? 1.2e-7 : 2.3e-16;
            double tol = 8 * eps * (K + 1);
            for (int i = 0; i < c.Length; i++)
            {
                double got = double.CreateChecked(c[i]);
                if (double.IsNaN(expected[i]))
                {
                    Assert.True(double.IsNaN(got), $"{Description} {typeof(T).Name} {path} {mode}: C[{i}] outside the view was written ({got}).");
                    continue;
                }
                if (!(Math.Abs(got - expected[i]) <= tol))
                    Assert.Fail($"{Description} {typeof(T).Name} {path} {mode} threads={threads}: C[{i}] = {got}, expected {expected[i]} (tol {tol}).");
            }
        }
    }
}
