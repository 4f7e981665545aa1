using System;
using System.Collections.Generic;
using System.Numerics;

namespace EinsumGen.Runtime
{
    public sealed partial class EinsumBinding
    {
        /// <summary>Runs step <paramref name="step"/> with the generic strided kernel (used where no specialized loop nest is emitted).</summary>
        public void ExecuteStep<T>(int step, ref T left, ref T right, ref T result) where T : unmanaged, INumberBase<T>
        {
            EnsureComplete();
            var s = _steps[step];
            int resultId = _program.OperandCount + step;
            var kept = Keys(s.ResultLabels);
            var operands = s.Right < 0 ? new[] { s.Left } : new[] { s.Left, s.Right };
            Run(kept, Summed(kept, operands), s.Left, ref left, s.Right, ref right, _tensorStrides[resultId], ref result, accumulate: false);
        }

        /// <summary>
        /// Backward through step <paramref name="step"/>: from the gradient of its result, the gradient of its left
        /// (<paramref name="left"/> true) or right input — the step's einsum with that input's labels as output and the
        /// other input as the second factor (for a unary step, the result gradient broadcast back). An operand's gradient
        /// goes to its registered buffer (summed over broadcast dimensions, on the diagonal of a repeated label, added when
        /// <paramref name="accumulate"/>); an intermediate's gets the intermediate's own layout and is overwritten.
        /// </summary>
        public void ExecuteStepGradient<T>(int step, bool left, ref T resultGradient, ref T other, ref T target, bool accumulate) where T : unmanaged, INumberBase<T>
        {
            EnsureComplete();
            var s = _steps[step];
            int resultId = _program.OperandCount + step;
            int targetId = left ? s.Left : s.Right, otherId = left ? s.Right : s.Left;
            bool leaf = targetId < _program.OperandCount;
            var kept = Keys(LabelsOf(targetId));
            var reduced = leaf ? _leafGradientReduced[targetId]! : null;
            if (reduced is not null) kept.RemoveAll(key => reduced[key]); // broadcast dimensions: summed into the one element
            var sources = otherId < 0 ? new[] { resultId } : new[] { resultId, otherId };
            var summed = Summed(kept, sources);
            if (reduced is not null)
            {
                foreach (int key in Keys(LabelsOf(targetId)))
                {
                    if (reduced[key] && !summed.Contains(key)) summed.Add(key);
                }
            }
            var targetStrides = leaf ? _leafGradientStrides[targetId]! : _tensorStrides[targetId];
            Run(kept, summed, resultId, ref resultGradient, otherId, ref other, targetStrides, ref target, leaf && accumulate);
        }

        private void EnsureComplete()
        {
            if (!_complete) throw new InvalidOperationException("Complete() must run before a step.");
        }

        /// <summary>The keys of <paramref name="sources"/> that are not <paramref name="kept"/>, in order of appearance.</summary>
        private List<int> Summed(List<int> kept, int[] sources)
        {
            var summed = new List<int>();
            foreach (int id in sources)
            {
                foreach (int key in Keys(LabelsOf(id)))
                {
                    if (!kept.Contains(key) && !summed.Contains(key)) summed.Add(key);
                }
            }
            return summed;
        }

        /// <summary>result[kept] (=|+=) Σ_summed first · second, with every tensor's strides by key (second absent when its id is -1).</summary>
        private void Run<T>(List<int> kept, List<int> summed, int firstId, ref T first, int secondId, ref T second, long[] resultStrides, ref T result, bool accumulate)
            where T : unmanaged, INumberBase<T>
        {
            int n = kept.Count + summed.Count;
            var sizes = new nint[n];
            var s1 = new nint[n];
            var s2 = new nint[n];
            var so = new nint[n];
            for (int d = 0; d < n; d++)
            {
                int key = d < kept.Count ? kept[d] : summed[d - kept.Count];
                sizes[d] = (nint)SizeOf(key);
                s1[d] = (nint)_tensorStrides[firstId][key];
                s2[d] = secondId < 0 ? 0 : (nint)_tensorStrides[secondId][key];
                so[d] = d < kept.Count ? (nint)resultStrides[key] : 0;
            }
            StepKernel.Contract(kept.Count, sizes, ref first, s1, ref second, s2, secondId >= 0, ref result, so, accumulate);
        }
    }
}
