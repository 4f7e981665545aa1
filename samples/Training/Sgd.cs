using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace EinsumGen.Training
{
    /// <summary>
    /// Stochastic gradient descent with the semantics of <c>torch.optim.SGD</c> (single-tensor path, <c>maximize=False</c>):
    /// for each parameter p with gradient g,
    /// <code>
    /// g = g + weight_decay * p                         (only when WeightDecay != 0)
    /// if momentum != 0:
    ///     b = g                                        (first step: the buffer is a copy of g)
    ///     b = momentum * b + (1 - dampening) * g       (later steps)
    ///     g = nesterov ? g + momentum * b : b
    /// p = p - lr * g
    /// </code>
    /// With the defaults (momentum 0) this is plain <c>p -= lr * g</c>. Arithmetic is in <typeparamref name="T"/>, with
    /// the hyperparameters rounded to <typeparamref name="T"/> once per step.
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    public sealed class Sgd<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private T[][]? _buffers;

        /// <summary>Creates SGD over parameter buffers given as memory (arrays convert implicitly).</summary>
        /// <param name="learningRate">The learning rate (torch's <c>lr</c>); not negative.</param>
        /// <param name="parameters">The buffers to update in place; at least one.</param>
        public Sgd(double learningRate, params Memory<T>[] parameters) : base(parameters) => LearningRate = learningRate;

        /// <summary>Creates SGD over dense parameter tensors.</summary>
        /// <param name="learningRate">The learning rate (torch's <c>lr</c>); not negative.</param>
        /// <param name="parameters">The dense tensors to update in place; at least one.</param>
        public Sgd(double learningRate, Tensor<T>[] parameters) : base(parameters) => LearningRate = learningRate;

        /// <summary>The learning rate; may be changed between steps.</summary>
        public double LearningRate
        {
            get;
            set
            {
                if (!(value >= 0) || double.IsInfinity(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "The learning rate must be finite and not negative.");
                field = value;
            }
        }

        /// <summary>The momentum factor; default 0 (no momentum buffer).</summary>
        public double Momentum
        {
            get;
            init => field = value >= 0 && !double.IsInfinity(value) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Momentum must be finite and not negative.");
        }

        /// <summary>Dampening of the momentum (torch's <c>dampening</c>); default 0.</summary>
        public double Dampening { get; init; }

        /// <summary>Whether to use Nesterov momentum (needs Momentum &gt; 0 and Dampening = 0, as in torch); default false.</summary>
        public bool Nesterov { get; init; }

        /// <summary>L2 penalty added to the gradient (torch's <c>weight_decay</c>); default 0.</summary>
        public double WeightDecay { get; init; }

        /// <summary>The momentum buffer of parameter <paramref name="index"/>; empty before its first step or without momentum.</summary>
        /// <param name="index">The parameter's position in the constructor's list.</param>
        public ReadOnlySpan<T> MomentumBuffer(int index) =>
            _buffers is not null && StepCount(index) > 0 ? _buffers[index] : ReadOnlySpan<T>.Empty;

        /// <inheritdoc/>
        public override void Reset()
        {
            base.Reset();
            if (_buffers is not null) foreach (var b in _buffers) Array.Clear(b);
        }

        /// <inheritdoc/>
        protected override void Apply(int index, long step, Span<T> parameter, ReadOnlySpan<T> gradient)
        {
            T lr = T.CreateTruncating(LearningRate);
            T wd = T.CreateTruncating(WeightDecay);
            bool decay = WeightDecay != 0;
            if (Momentum == 0)
            {
                for (int i = 0; i < parameter.Length; i++)
                {
                    T g = decay ? gradient[i] + wd * parameter[i] : gradient[i];
                    parameter[i] -= lr * g;
                }
                return;
            }
            if (Nesterov && Dampening != 0) throw new InvalidOperationException("Nesterov momentum requires zero dampening.");
            _buffers ??= CreateBuffers();
            Span<T> buffer = _buffers[index];
            T mu = T.CreateTruncating(Momentum);
            T oneMinusDampening = T.CreateTruncating(1 - Dampening);
            bool first = step == 1;
            for (int i = 0; i < parameter.Length; i++)
            {
                T g = decay ? gradient[i] + wd * parameter[i] : gradient[i];
                T b = first ? g : mu * buffer[i] + oneMinusDampening * g;
                buffer[i] = b;
                parameter[i] -= lr * (Nesterov ? g + mu * b : b);
            }
        }

        private T[][] CreateBuffers()
        {
            var buffers = new T[ParameterCount][];
            for (int i = 0; i < ParameterCount; i++) buffers[i] = new T[ParameterLength(i)];
            return buffers;
        }
    }
}
