using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace EinsumGen.Training
{
    /// <summary>
    /// Adam (Kingma and Ba, 2015) with the semantics of <c>torch.optim.Adam</c> (single-tensor CPU path, <c>amsgrad=False</c>,
    /// <c>maximize=False</c>): for each parameter p with gradient g at its step t (1, 2, …),
    /// <code>
    /// g  = g + weight_decay * p                      (only when WeightDecay != 0)
    /// m  = m + (1 - β1) * (g - m)                    (torch: exp_avg.lerp_(g, 1 - β1))
    /// v  = β2 * v + (1 - β2) * g * g
    /// step_size = lr / (1 - β1^t)                    (in double)
    /// denom     = sqrt(v) / sqrt(1 - β2^t) + eps     (sqrt(1 - β2^t) in double)
    /// p  = p - step_size * m / denom
    /// </code>
    /// The moments m and v are kept in <typeparamref name="T"/>, as PyTorch keeps them in the parameter's dtype; the
    /// per-step scalars are computed in double and rounded to <typeparamref name="T"/> once, as PyTorch does with Python
    /// floats. Defaults are PyTorch's: β = (0.9, 0.999), ε = 1e-8, weight decay 0. Moments start at zero.
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <example>
    /// <code>
    /// var adam = new Adam&lt;float&gt;(5e-2, w1, w2, w3, w4);     // float[] (or Memory&lt;float&gt;) parameters
    /// // each epoch: compute g1..g4, then
    /// adam.Step(g1, g2, g3, g4);                            // no allocation
    /// </code>
    /// </example>
    public sealed class Adam<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly T[][] _m;
        private readonly T[][] _v;

        /// <summary>Creates Adam over parameter buffers given as memory (arrays convert implicitly).</summary>
        /// <param name="learningRate">The learning rate (torch's <c>lr</c>); positive.</param>
        /// <param name="parameters">The buffers to update in place; at least one.</param>
        public Adam(double learningRate, params Memory<T>[] parameters) : base(parameters)
        {
            LearningRate = learningRate;
            (_m, _v) = CreateState();
        }

        /// <summary>Creates Adam over dense parameter tensors.</summary>
        /// <param name="learningRate">The learning rate (torch's <c>lr</c>); positive.</param>
        /// <param name="parameters">The dense tensors to update in place; at least one.</param>
        public Adam(double learningRate, Tensor<T>[] parameters) : base(parameters)
        {
            LearningRate = learningRate;
            (_m, _v) = CreateState();
        }

        /// <summary>The learning rate; may be changed between steps (e.g. by a schedule).</summary>
        public double LearningRate
        {
            get;
            set
            {
                if (!(value >= 0) || double.IsInfinity(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "The learning rate must be finite and not negative.");
                field = value;
            }
        }

        /// <summary>β1, the decay of the first moment; default 0.9.</summary>
        public double Beta1 { get; init => field = CheckBeta(value); } = 0.9;

        /// <summary>β2, the decay of the second moment; default 0.999.</summary>
        public double Beta2 { get; init => field = CheckBeta(value); } = 0.999;

        /// <summary>ε, added to the bias-corrected denominator; default 1e-8.</summary>
        public double Epsilon
        {
            get;
            init => field = value >= 0 && !double.IsInfinity(value) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "ε must be finite and not negative.");
        } = 1e-8;

        /// <summary>L2 penalty added to the gradient (torch's <c>weight_decay</c>, not AdamW's decoupled decay); default 0.</summary>
        public double WeightDecay { get; init; }

        /// <summary>The first moment (torch's <c>exp_avg</c>) of parameter <paramref name="index"/>.</summary>
        /// <param name="index">The parameter's position in the constructor's list.</param>
        public ReadOnlySpan<T> FirstMoment(int index) => _m[index];

        /// <summary>The second moment (torch's <c>exp_avg_sq</c>) of parameter <paramref name="index"/>.</summary>
        /// <param name="index">The parameter's position in the constructor's list.</param>
        public ReadOnlySpan<T> SecondMoment(int index) => _v[index];

        /// <inheritdoc/>
        public override void Reset()
        {
            base.Reset();
            foreach (var m in _m) Array.Clear(m);
            foreach (var v in _v) Array.Clear(v);
        }

        /// <inheritdoc/>
        protected override void Apply(int index, long step, Span<T> parameter, ReadOnlySpan<T> gradient) =>
            UpdateInPlace(parameter, gradient, _m[index], _v[index], step, LearningRate, Beta1, Beta2, Epsilon, WeightDecay);

        /// <summary>
        /// One Adam update of a single buffer with caller-held state: the kernel <see cref="Adam{T}"/> runs for each
        /// parameter, for callers that manage their own moments. See the type's remarks for the formulas.
        /// </summary>
        /// <param name="parameter">The values to update in place.</param>
        /// <param name="gradient">Their gradient.</param>
        /// <param name="firstMoment">m, updated in place; zeros before the first step.</param>
        /// <param name="secondMoment">v, updated in place; zeros before the first step.</param>
        /// <param name="step">This update's step number t, 1 on the first update.</param>
        /// <param name="learningRate">lr.</param>
        /// <param name="beta1">β1.</param>
        /// <param name="beta2">β2.</param>
        /// <param name="epsilon">ε.</param>
        /// <param name="weightDecay">L2 penalty added to the gradient; 0 for none.</param>
        /// <exception cref="ArgumentException">The spans' lengths differ.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is not positive.</exception>
        // Compiled optimized at first call: as tier-0 code (a call per vector operation) it slowed a training run's first few hundred epochs.
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        public static void UpdateInPlace(Span<T> parameter, ReadOnlySpan<T> gradient, Span<T> firstMoment, Span<T> secondMoment,
            long step, double learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0)
        {
            int n = parameter.Length;
            if (gradient.Length != n || firstMoment.Length != n || secondMoment.Length != n)
                throw new ArgumentException($"parameter ({n}), gradient ({gradient.Length}), first moment ({firstMoment.Length}) and second moment ({secondMoment.Length}) must have the same length.");
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(step);

            double biasCorrection1 = 1 - Math.Pow(beta1, step);
            double biasCorrection2Sqrt = Math.Sqrt(1 - Math.Pow(beta2, step));
            T stepSize = T.CreateTruncating(learningRate / biasCorrection1);
            T bc2 = T.CreateTruncating(biasCorrection2Sqrt);
            T oneMinusBeta1 = T.CreateTruncating(1 - beta1);
            T b2 = T.CreateTruncating(beta2);
            T oneMinusBeta2 = T.CreateTruncating(1 - beta2);
            T eps = T.CreateTruncating(epsilon);
            T wd = T.CreateTruncating(weightDecay);
            bool decay = weightDecay != 0;

            int i = 0;
            if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && n >= Vector<T>.Count)
            {
                var p = MemoryMarshal.Cast<T, Vector<T>>(parameter);
                var g = MemoryMarshal.Cast<T, Vector<T>>(gradient);
                var m = MemoryMarshal.Cast<T, Vector<T>>(firstMoment);
                var v = MemoryMarshal.Cast<T, Vector<T>>(secondMoment);
                var vStep = new Vector<T>(stepSize);
                var vBc2 = new Vector<T>(bc2);
                var vOmb1 = new Vector<T>(oneMinusBeta1);
                var vB2 = new Vector<T>(b2);
                var vOmb2 = new Vector<T>(oneMinusBeta2);
                var vEps = new Vector<T>(eps);
                var vWd = new Vector<T>(wd);
                for (int k = 0; k < p.Length; k++)
                {
                    var gk = decay ? g[k] + vWd * p[k] : g[k];
                    var mk = m[k] + vOmb1 * (gk - m[k]);
                    var vk = v[k] * vB2 + vOmb2 * gk * gk;
                    m[k] = mk;
                    v[k] = vk;
                    p[k] -= vStep * mk / (Vector.SquareRoot(vk) / vBc2 + vEps);
                }
                i = p.Length * Vector<T>.Count;
            }
            for (; i < n; i++)
            {
                T gi = decay ? gradient[i] + wd * parameter[i] : gradient[i];
                T mi = firstMoment[i] + oneMinusBeta1 * (gi - firstMoment[i]);
                T vi = secondMoment[i] * b2 + oneMinusBeta2 * gi * gi;
                firstMoment[i] = mi;
                secondMoment[i] = vi;
                parameter[i] -= stepSize * mi / (T.Sqrt(vi) / bc2 + eps);
            }
        }

        private static double CheckBeta(double value) =>
            value >= 0 && value < 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "β must be in [0, 1).");

        private (T[][], T[][]) CreateState()
        {
            var m = new T[ParameterCount][];
            var v = new T[ParameterCount][];
            for (int i = 0; i < ParameterCount; i++)
            {
                m[i] = new T[ParameterLength(i)];
                v[i] = new T[ParameterLength(i)];
            }
            return (m, v);
        }
    }
}
