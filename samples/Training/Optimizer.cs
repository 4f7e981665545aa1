using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace EinsumGen.Training
{
    /// <summary>
    /// A first-order optimizer over a fixed list of parameter buffers, updated in place. Register the parameters once
    /// (as <see cref="Memory{T}"/> or dense <see cref="Tensor{T}"/>), then after each backward pass call
    /// <see cref="Step(ReadOnlySpan{ReadOnlyMemory{T}})"/> with one gradient per parameter, in the same order and of the
    /// same length, or <see cref="Update"/> per parameter. Like PyTorch, every parameter keeps its own step count
    /// (<see cref="StepCount"/>). Steps allocate nothing.
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    public abstract class Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Memory<T>[] _memories;
        private readonly Tensor<T>?[] _tensors;
        private readonly long[] _steps;

        /// <summary>Registers parameter buffers given as memory.</summary>
        /// <param name="parameters">The buffers to update in place; at least one.</param>
        /// <exception cref="ArgumentException">No parameter was given.</exception>
        protected Optimizer(Memory<T>[] parameters)
        {
            ArgumentNullException.ThrowIfNull(parameters);
            if (parameters.Length == 0) throw new ArgumentException("At least one parameter is needed.", nameof(parameters));
            _memories = (Memory<T>[])parameters.Clone();
            _tensors = new Tensor<T>?[_memories.Length];
            _steps = new long[_memories.Length];
        }

        /// <summary>Registers parameter tensors, which must be dense (e.g. from <see cref="Tensor.Create{T}(T[], ReadOnlySpan{nint})"/> or <see cref="Tensor.CreateFromShape{T}(ReadOnlySpan{nint}, bool)"/>).</summary>
        /// <param name="parameters">The tensors to update in place; at least one.</param>
        /// <exception cref="ArgumentException">No parameter was given, or one is not dense.</exception>
        protected Optimizer(Tensor<T>[] parameters)
        {
            ArgumentNullException.ThrowIfNull(parameters);
            if (parameters.Length == 0) throw new ArgumentException("At least one parameter is needed.", nameof(parameters));
            _memories = new Memory<T>[parameters.Length];
            _tensors = new Tensor<T>?[parameters.Length];
            _steps = new long[parameters.Length];
            for (int i = 0; i < parameters.Length; i++)
            {
                ArgumentNullException.ThrowIfNull(parameters[i], nameof(parameters));
                _tensors[i] = parameters[i];
                _ = DenseSpan(parameters[i], $"parameters[{i}]");
            }
        }

        /// <summary>The number of registered parameters.</summary>
        public int ParameterCount => _steps.Length;

        /// <summary>The number of elements of parameter <paramref name="index"/>.</summary>
        /// <param name="index">The parameter's position in the constructor's list.</param>
        public int ParameterLength(int index) => Parameter(index).Length;

        /// <summary>How many updates parameter <paramref name="index"/> has had (PyTorch's <c>state['step']</c>).</summary>
        /// <param name="index">The parameter's position in the constructor's list.</param>
        public long StepCount(int index) => _steps[index];

        /// <summary>Updates every parameter with its gradient, in registration order.</summary>
        /// <param name="gradients">One gradient per parameter, each of the parameter's length.</param>
        /// <exception cref="ArgumentException">The count or a length does not match.</exception>
        public void Step(params ReadOnlySpan<ReadOnlyMemory<T>> gradients)
        {
            CheckCount(gradients.Length);
            for (int i = 0; i < gradients.Length; i++) Update(i, gradients[i].Span);
        }

        /// <summary>Updates every parameter with its gradient given as a dense tensor, in registration order.</summary>
        /// <param name="gradients">One dense gradient tensor per parameter, each with the parameter's number of elements.</param>
        /// <exception cref="ArgumentException">The count or a length does not match, or a gradient is not dense.</exception>
        public void Step(ReadOnlySpan<Tensor<T>> gradients)
        {
            CheckCount(gradients.Length);
            for (int i = 0; i < gradients.Length; i++) Update(i, DenseSpan(gradients[i], nameof(gradients)));
        }

        /// <summary>Updates parameter <paramref name="index"/> with <paramref name="gradient"/> and advances its step count.</summary>
        /// <param name="index">The parameter's position in the constructor's list.</param>
        /// <param name="gradient">The loss's gradient with respect to that parameter, of the parameter's length.</param>
        /// <exception cref="ArgumentException">The gradient's length differs from the parameter's.</exception>
        public void Update(int index, ReadOnlySpan<T> gradient)
        {
            Span<T> parameter = Parameter(index);
            if (gradient.Length != parameter.Length)
                throw new ArgumentException($"Gradient {index} has {gradient.Length} elements; parameter {index} has {parameter.Length}.", nameof(gradient));
            long step = ++_steps[index];
            Apply(index, step, parameter, gradient);
        }

        /// <summary>Forgets the optimizer's state (moments, momentum buffers, step counts); the parameters are untouched.</summary>
        public virtual void Reset() => Array.Clear(_steps);

        /// <summary>Applies one update to parameter <paramref name="index"/>.</summary>
        /// <param name="index">The parameter's position.</param>
        /// <param name="step">Its step count, 1 on the first update.</param>
        /// <param name="parameter">Its values, to update in place.</param>
        /// <param name="gradient">Its gradient, of the same length.</param>
        protected abstract void Apply(int index, long step, Span<T> parameter, ReadOnlySpan<T> gradient);

        /// <summary>The values of parameter <paramref name="index"/>.</summary>
        /// <param name="index">The parameter's position in the constructor's list.</param>
        protected Span<T> Parameter(int index)
        {
            var tensor = _tensors[index];
            return tensor is null ? _memories[index].Span : DenseSpan(tensor, "parameters");
        }

        private void CheckCount(int count)
        {
            if (count != _steps.Length)
                throw new ArgumentException($"Expected {_steps.Length} gradients (one per parameter), got {count}.", "gradients");
        }

        internal static Span<T> DenseSpan(Tensor<T> tensor, string name)
        {
            ArgumentNullException.ThrowIfNull(tensor, name);
            int length = checked((int)tensor.FlattenedLength);
            Span<nint> start = stackalloc nint[Math.Max(tensor.Rank, 1)];
            start.Clear();
            if (!tensor.IsDense || !tensor.TryGetSpan(start[..tensor.Rank], length, out Span<T> span))
                throw new ArgumentException("The tensor must be dense (contiguous, row-major, no broadcast strides).", name);
            return span;
        }
    }
}
