using System;
using System.Numerics;
using ILGPU;

namespace EinsumGen.Gpu.Kernels
{
    /// <summary>Adam's per-step scalars, computed on the host in double and rounded to the element type once (as the host optimizer does).</summary>
    internal struct AdamScalars<T> where T : unmanaged
    {
        public T StepSize, BiasCorrection2Sqrt, OneMinusBeta1, Beta2, OneMinusBeta2, Epsilon, WeightDecay;
        public int Decay;
    }

    /// <summary>
    /// The element-wise kernels of <see cref="DeviceOps"/> over dense views: the mean squared error's gradient and value,
    /// Adam and plain SGD. Adam has one kernel per element type, so that its square root is <c>MathF.Sqrt</c> or
    /// <c>Math.Sqrt</c> (which every ILGPU backend maps) rather than a generic call. Every expression is written in the
    /// order of the host's <c>Losses</c> and <c>Adam</c> in the Training sample, so the CPU accelerator rounds alike.
    /// </summary>
    internal static class ElementwiseKernels
    {
        /// <summary>Threads of the loss kernel's one group: a power of two (the partial sums halve), at most this many.</summary>
        public const int LossThreads = 256;

        /// <summary>
        /// One group: each thread writes gradient = (prediction - target) · scale for its elements and sums their squared
        /// differences in double; the group then adds the partial sums and thread 0 writes their mean into loss[0].
        /// </summary>
        public static void MeanSquaredErrorFloat(ArrayView<float> prediction, ArrayView<float> target, ArrayView<float> gradient, ArrayView<float> loss,
            float scale, long count, int hasLoss)
        {
            var partial = SharedMemory.Allocate<double>(LossThreads);
            int tid = Group.IdxX, threads = Group.DimX;
            double sum = 0;
            for (long i = tid; i < count; i += threads)
            {
                float p = prediction[i], t = target[i];
                double d = (double)p - t;
                sum += d * d;
                gradient[i] = (p - t) * scale;
            }
            double total = GroupSum(partial, sum, tid, threads);
            if (tid == 0 && hasLoss != 0) loss[0] = (float)(total / count);
        }

        /// <summary>The double version of <see cref="MeanSquaredErrorFloat"/>.</summary>
        public static void MeanSquaredErrorDouble(ArrayView<double> prediction, ArrayView<double> target, ArrayView<double> gradient, ArrayView<double> loss,
            double scale, long count, int hasLoss)
        {
            var partial = SharedMemory.Allocate<double>(LossThreads);
            int tid = Group.IdxX, threads = Group.DimX;
            double sum = 0;
            for (long i = tid; i < count; i += threads)
            {
                double p = prediction[i], t = target[i];
                double d = p - t;
                sum += d * d;
                gradient[i] = (p - t) * scale;
            }
            double total = GroupSum(partial, sum, tid, threads);
            if (tid == 0 && hasLoss != 0) loss[0] = total / count;
        }

        /// <summary>The sum over the group of each thread's <paramref name="value"/> (every thread gets it after the last barrier).</summary>
        private static double GroupSum(ArrayView<double> partial, double value, int tid, int threads)
        {
            partial[tid] = value;
            Group.Barrier();
            for (int half = threads / 2; half > 0; half /= 2)
            {
                if (tid < half) partial[tid] += partial[tid + half];
                Group.Barrier();
            }
            return partial[0];
        }

        /// <summary>One Adam update of element <paramref name="index"/> (formulas as the Training sample's <c>Adam.UpdateInPlace</c>).</summary>
        public static void AdamFloat(Index1D index, ArrayView<float> parameter, ArrayView<float> gradient, ArrayView<float> m, ArrayView<float> v, AdamScalars<float> s)
        {
            float g = s.Decay != 0 ? gradient[index] + s.WeightDecay * parameter[index] : gradient[index];
            float mi = m[index] + s.OneMinusBeta1 * (g - m[index]);
            float vi = v[index] * s.Beta2 + s.OneMinusBeta2 * g * g;
            m[index] = mi;
            v[index] = vi;
            parameter[index] -= s.StepSize * mi / (MathF.Sqrt(vi) / s.BiasCorrection2Sqrt + s.Epsilon);
        }

        /// <summary>The double version of <see cref="AdamFloat"/>.</summary>
        public static void AdamDouble(Index1D index, ArrayView<double> parameter, ArrayView<double> gradient, ArrayView<double> m, ArrayView<double> v, AdamScalars<double> s)
        {
            double g = s.Decay != 0 ? gradient[index] + s.WeightDecay * parameter[index] : gradient[index];
            double mi = m[index] + s.OneMinusBeta1 * (g - m[index]);
            double vi = v[index] * s.Beta2 + s.OneMinusBeta2 * g * g;
            m[index] = mi;
            v[index] = vi;
            parameter[index] -= s.StepSize * mi / (Math.Sqrt(vi) / s.BiasCorrection2Sqrt + s.Epsilon);
        }

        /// <summary>parameter -= learningRate · (gradient + weightDecay · parameter), as the Training sample's SGD without momentum.</summary>
        public static void Sgd<T>(Index1D index, ArrayView<T> parameter, ArrayView<T> gradient, T learningRate, T weightDecay, int decay) where T : unmanaged, INumber<T>
        {
            T g = decay != 0 ? gradient[index] + weightDecay * parameter[index] : gradient[index];
            parameter[index] -= learningRate * g;
        }
    }
}
