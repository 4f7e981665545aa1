using System;

namespace EinsumGen.Runtime
{
    internal sealed partial class EinsumBinding
    {
        /// <summary>Free bindings kept per thread: one per einsum call that may be in progress at once on a thread (nested calls).</summary>
        private const int MaxFreePerThread = 8;

        [ThreadStatic] private static EinsumBinding?[]? t_free;
        [ThreadStatic] private static int t_freeCount;

        // True while this binding sits in a thread's free list: guards against returning it twice.
        private bool _isFree;

        /// <summary>
        /// A binding for a call to <paramref name="program"/>, taken from this thread's free bindings (its buffers sized by
        /// earlier calls) or new. A binding in use is out of the list, so a call nested in another (a second einsum from the
        /// same thread) gets its own, and other threads have lists of their own. Give it back with <see cref="Return{T}"/>;
        /// one that is never given back (a call that threw) is simply collected.
        /// </summary>
        public static EinsumBinding Rent(EinsumProgram program)
        {
            var free = t_free;
            if (free is null || t_freeCount == 0) return new EinsumBinding(program);
            var binding = free[--t_freeCount]!;
            free[t_freeCount] = null;
            binding._isFree = false;
            binding.Reset(program);
            return binding;
        }

        /// <summary>
        /// Ends the call: hands the intermediates back to the pool (<see cref="Release{T}"/>) and this binding back to the
        /// current thread's free list, for the next <see cref="Rent"/>. Do not use the binding afterwards.
        /// </summary>
        public void Return<T>()
        {
            Release<T>();
            if (_isFree) return;
            var free = t_free ??= new EinsumBinding?[MaxFreePerThread];
            if (t_freeCount == free.Length) return;
            _isFree = true;
            free[t_freeCount++] = this;
        }

        /// <summary>Forgets the previous call's shapes and layout; keeps (and grows) the buffers.</summary>
        private void Reset(EinsumProgram program)
        {
            _program = program;
            _layout = null;
            int n = program.OperandCount;
            if (_operands.Length < n)
            {
                int old = _operands.Length;
                Array.Resize(ref _operands, n);
                Array.Resize(ref _gradients, n);
                for (int i = old; i < n; i++)
                {
                    _operands[i] = new ShapeSlot();
                    _gradients[i] = new ShapeSlot();
                }
            }
            for (int i = 0; i < n; i++)
            {
                _operands[i].Clear();
                _gradients[i].Clear();
            }
            _output.Clear();
        }
    }
}
