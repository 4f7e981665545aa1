using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// KFAC-reduce with pre-averaged patterns for fixed sizes: Π̄_d[k, i] = mean_o Π_d[k, o, i] per spatial dimension, the
    /// mean unfolded input M = x ×_d Π̄_d, and the factor (1/N) Σ_n M_n M_nᵀ per group. The matrices (per element type) and
    /// both contractions are made once; a call runs them.
    /// </summary>
    internal sealed class ConvAveragedPlan
    {
        private readonly ConvGeometry[] _geometries;
        private readonly int _batch, _groups, _side;
        private readonly List<List<string>> _meanLabels;
        private readonly List<string> _meanOutput;
        private readonly Dictionary<string, int> _sizes = new Dictionary<string, int>();
        private readonly ConcurrentDictionary<Type, object> _constants = new ConcurrentDictionary<Type, object>();
        private readonly ConcurrentDictionary<Type, ConvBinnedMean?> _binned = new ConcurrentDictionary<Type, ConvBinnedMean?>();
        private readonly Lazy<ConvWindowMean?> _windows;
        private readonly ConcurrentDictionary<(int Site, bool Dense), ConvContraction> _contractions = new ConcurrentDictionary<(int, bool), ConvContraction>();

        private static readonly List<List<string>> FactorLabels = new List<List<string>>
        {
            new List<string> { "n", "g", "a" }, new List<string> { "n", "g", "b" }, new List<string> { "s" },
        };

        private static readonly List<string> FactorOutput = new List<string> { "g", "a", "b" };

        /// <summary>
        /// Whether dense x takes a direct pass for the mean (the binned mean, or the window sums where windows overlap) rather than
        /// the contraction with the matrices Π̄ (benchmarks switch it off for a same-run A/B).
        /// </summary>
        internal static bool BinnedMeans = true;

        public ConvAveragedPlan(ConvGeometry[] geometries, int batch, int channels, int groups)
        {
            _geometries = geometries;
            _windows = new Lazy<ConvWindowMean?>(() => ConvWindowMean.TryCreate(geometries));
            _batch = batch;
            _groups = groups;
            int n = geometries.Length, perGroup = channels / groups;
            var spatial = Enumerable.Range(0, n).Select(d => "i" + d).ToList();
            var taps = Enumerable.Range(0, n).Select(d => "k" + d).ToList();
            _meanLabels = new List<List<string>> { new List<string> { "n", "G", "C" }.Concat(spatial).ToList() };
            for (int d = 0; d < n; d++) _meanLabels.Add(new List<string> { taps[d], spatial[d] });
            _meanOutput = new List<string> { "n", "G", "C" }.Concat(taps).ToList();
            _side = perGroup * geometries.Aggregate(1, (a, g) => checked(a * g.KernelSize));
        }

        /// <summary>
        /// The factor [G, side, side] of <paramref name="grouped"/> x [N, G, C/G, I…], into <paramref name="into"/> (a dense tensor of
        /// that shape, overwritten) or a new tensor. The mean M lives in this thread's pooled memory for the call: a fresh block
        /// per call (128 KB on the ConvNeXt 2×2/2 downsample, on the large-object heap) is memory the GC hands back to the system
        /// between calls, and its pages fault again on the next call's first touch.
        /// </summary>
        public Tensor<T> Run<T>(Tensor<T> grouped, Tensor<T>? into = null) where T : unmanaged, INumberBase<T>
        {
            var constants = (Tensor<T>[])_constants.GetOrAdd(typeof(T), _ =>
                _geometries.Select(g => ConvTensors.Matrix<T>(g.AveragedPattern(), g.KernelSize, g.InputSize))
                    .Append(ConvTensors.Scalar<T>(1.0 / _batch)).ToArray());
            int count = checked(_batch * _groups * _side);
            var pooled = EinsumGen.Runtime.AlignedPool<T>.Rent(count);
            try
            {
                var flat = Tensor.Create(pooled.Array, pooled.Offset, new nint[] { _batch, _groups, _side }, default);
                // Non-overlapping windows (every Π̄_d a selection): the mean is a binned sum in one pass over x.
                var binned = grouped.IsDense && BinnedMeans ? _binned.GetOrAdd(typeof(T), _ => ConvBinnedMean.TryCreate<T>(_geometries)) : null;
                var windows = grouped.IsDense && BinnedMeans && binned is null ? _windows.Value : null;
                if (binned is not null)
                {
                    binned.Run(grouped, flat);
                }
                else if (windows is not null)
                {
                    // Overlapping windows: separable sums over each tap's positions, one row of x at a time.
                    windows.Run(grouped, flat);
                }
                else
                {
                    var operands = new Tensor<T>[_geometries.Length + 1];
                    operands[0] = grouped;
                    for (int d = 0; d < _geometries.Length; d++) operands[d + 1] = constants[d];
                    Contraction(0, grouped.IsDense, operands, _meanLabels, _meanOutput).Run(operands, flat);
                }
                var factorOperands = new[] { flat, flat, constants[_geometries.Length] };
                return Contraction(1, true, factorOperands, FactorLabels, FactorOutput).Run(factorOperands, into);
            }
            finally
            {
                EinsumGen.Runtime.AlignedPool<T>.Return(pooled);
            }
        }

        private ConvContraction Contraction<T>(int site, bool dense, Tensor<T>[] operands, List<List<string>> labels, List<string> output)
            where T : unmanaged, INumberBase<T> =>
            _contractions.TryGetValue((site, dense), out var found)
                ? found
                : _contractions.GetOrAdd((site, dense), ConvContraction.Create(operands, labels, output, _sizes, arrange: false));
    }
}
