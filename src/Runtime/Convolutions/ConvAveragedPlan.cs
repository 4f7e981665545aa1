using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// KFAC-reduce with pre-averaged patterns for fixed sizes: Π̄_d[k, i] = mean_o Π_d[k, o, i] per spatial dimension, the
    /// mean unfolded input M = x ×_d Π̄_d, and the factor (1/N) Σ_n M_n M_nᵀ per group. The matrices (per element type) and
    /// the two einsums are fixed once; a call runs them (through the runtime planner, which sums each
    /// spatial leg against its small matrix in turn).
    /// </summary>
    internal sealed class ConvAveragedPlan
    {
        private readonly ConvGeometry[] _geometries;
        private readonly int _batch, _groups, _side;
        private readonly string _meanSpec;
        private readonly int[] _meanShape;
        private readonly ConcurrentDictionary<Type, object> _constants = new ConcurrentDictionary<Type, object>();

        public ConvAveragedPlan(ConvGeometry[] geometries, int batch, int channels, int groups)
        {
            _geometries = geometries;
            _batch = batch;
            _groups = groups;
            int n = geometries.Length, perGroup = channels / groups;
            _side = perGroup * geometries.Aggregate(1, (a, g) => checked(a * g.KernelSize));
            const string letters = "abcdefghijklmopqrstuvwxyz"; // 'n' is the batch
            string spatialLetters = letters.Substring(0, n), tapLetters = letters.Substring(n, n);
            _meanSpec = "nGC" + spatialLetters + string.Concat(Enumerable.Range(0, n).Select(d => "," + tapLetters[d] + spatialLetters[d])) + "->nGC" + tapLetters;
            _meanShape = new[] { batch, groups, perGroup }.Concat(geometries.Select(g => g.KernelSize)).ToArray();
        }

        /// <summary>The factor [G, side, side] of <paramref name="grouped"/> x [N, G, C/G, I…].</summary>
        public Tensor<T> Run<T>(Tensor<T> grouped) where T : unmanaged, INumberBase<T>
        {
            var constants = (Tensor<T>[])_constants.GetOrAdd(typeof(T), _ =>
                _geometries.Select(g => ConvTensors.Matrix<T>(g.AveragedPattern(), g.KernelSize, g.InputSize))
                    .Append(ConvTensors.Scalar<T>(1.0 / _batch)).ToArray());
            var operands = new Tensor<T>[_geometries.Length + 1];
            operands[0] = grouped;
            for (int d = 0; d < _geometries.Length; d++) operands[d + 1] = constants[d];
            var mean = ConvTensors.Uninitialized<T>(_meanShape);
            Einsum.EvaluateInto(_meanSpec, mean, operands);
            var flat = ConvTensors.Reshape(mean, _batch, _groups, _side);
            var factor = ConvTensors.Uninitialized<T>(new[] { _groups, _side, _side });
            Einsum.EvaluateInto("nga,ngb,s->gab", factor, flat, flat, constants[_geometries.Length]);
            return factor;
        }
    }
}
