using System;
using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using EinsumGen.Gpu;
using EinsumGen.Gpu.Kernels;
using EinsumGen.Runtime;

namespace EinsumGen
{
    /// <summary>
    /// Element-wise training operations on an <see cref="EinsumDevice"/>, so that a training loop around generated
    /// einsum methods keeps its tensors on the device and reads back only what it reports: the mean squared error and
    /// its gradient, an Adam step and a plain SGD step, with PyTorch's conventions (<c>torch.nn.MSELoss()</c>,
    /// <c>torch.optim.Adam</c>, <c>torch.optim.SGD</c>). Tensors are dense (row-major, contiguous) float or double
    /// tensors of one device; shapes, density, devices and arguments are checked before any kernel is queued
    /// (<see cref="ArgumentException"/> naming the tensor). Each call queues its kernel on the device's stream and returns.
    /// </summary>
    /// <example>
    /// <code>
    /// using var loss = device.Allocate&lt;float&gt;(1);
    /// DeviceOps.MeanSquaredErrorWithGradient(yHat, y, dy, loss);      // dy = 2 (yHat - y) / N; loss[0] = mean (yHat - y)²
    /// Layer.ForwardBackward(w, x, dy, dw);                             // a generated device overload
    /// DeviceOps.AdamStep(w, dw, m, v, step: epoch + 1, learningRate: 5e-2);
    /// float value = loss.ToArray()[0];                                 // only when it is printed: this waits
    /// </code>
    /// </example>
    public static class DeviceOps
    {
        /// <summary>
        /// Writes the gradient of the mean squared error with respect to the prediction, (prediction - target) · (2 / N)
        /// in <typeparamref name="T"/>, and, when <paramref name="loss"/> is given, the loss itself, the mean over all N
        /// elements of (prediction - target)² (summed in double, rounded to <typeparamref name="T"/>), into its one element:
        /// it stays on the device until read. <paramref name="gradient"/> may be the same tensor as
        /// <paramref name="prediction"/> or <paramref name="target"/>. Runs as one group (one launch): meant for a layer's
        /// outputs, not for hundreds of millions of elements.
        /// </summary>
        /// <typeparam name="T">float or double.</typeparam>
        /// <param name="prediction">The model's output.</param>
        /// <param name="target">The targets, of the same shape.</param>
        /// <param name="gradient">Overwritten with the gradient; same shape.</param>
        /// <param name="loss">A one-element tensor that receives the loss (NaN when N is 0), or null.</param>
        /// <exception cref="ArgumentException">Shapes differ, a tensor is not dense, lives on another device, or overlaps another
        /// without being the same tensor; <paramref name="loss"/> does not hold exactly one element.</exception>
        public static void MeanSquaredErrorWithGradient<T>(DeviceTensor<T> prediction, DeviceTensor<T> target, DeviceTensor<T> gradient, DeviceTensor<T>? loss = null)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ElementType<T>();
            var device = SameDevice(prediction, nameof(prediction), target, nameof(target), gradient, nameof(gradient), loss, nameof(loss));
            SameShape(target, nameof(target), prediction, nameof(prediction));
            SameShape(gradient, nameof(gradient), prediction, nameof(prediction));
            Dense(prediction, nameof(prediction));
            Dense(target, nameof(target));
            Dense(gradient, nameof(gradient));
            if (loss is not null)
            {
                if (loss.FlattenedLength != 1) throw new ArgumentException($"'{nameof(loss)}' holds {loss.FlattenedLength} elements; the loss needs exactly one.", nameof(loss));
                Apart(loss, nameof(loss), prediction, nameof(prediction));
                Apart(loss, nameof(loss), target, nameof(target));
                Apart(loss, nameof(loss), gradient, nameof(gradient));
            }
            ApartOrSame(gradient, nameof(gradient), prediction, nameof(prediction));
            ApartOrSame(gradient, nameof(gradient), target, nameof(target));

            long count = prediction.FlattenedLength;
            var kernels = device.OpKernels;
            var config = new KernelConfig(new Index1D(1), new Index1D(kernels.LossThreads));
            var p = Dense(prediction);
            var lossView = loss is null ? Dense(gradient) : loss.Storage.View.SubView(loss.Offset, 1);
            // 2 / N rounded to T once, as the host's loss does; a NaN when N is 0 (no element is written then).
            double scale = 2.0 / count;
            if (typeof(T) == typeof(float))
            {
                kernels.MseFloat(device.Stream, config, p.Cast<float>(), Dense(target).Cast<float>(), Dense(gradient).Cast<float>(), lossView.Cast<float>(),
                    (float)scale, count, loss is null ? 0 : 1);
            }
            else
            {
                kernels.MseDouble(device.Stream, config, p.Cast<double>(), Dense(target).Cast<double>(), Dense(gradient).Cast<double>(), lossView.Cast<double>(),
                    scale, count, loss is null ? 0 : 1);
            }
            device.CountLaunch();
        }

        /// <summary>
        /// One Adam update (Kingma and Ba; <c>torch.optim.Adam</c> with <c>amsgrad=False</c>) of <paramref name="parameter"/>
        /// with the caller's moments, at step <paramref name="step"/> (1 on the first update):
        /// g = gradient (+ weightDecay · p); m = m + (1 - β1)(g - m); v = β2 v + (1 - β2) g²;
        /// p = p - lr / (1 - β1^t) · m / (√v / √(1 - β2^t) + ε), the per-step scalars computed in double and rounded to
        /// <typeparamref name="T"/> once.
        /// </summary>
        /// <typeparam name="T">float or double.</typeparam>
        /// <param name="parameter">The values, updated in place.</param>
        /// <param name="gradient">Their gradient, of the same shape.</param>
        /// <param name="firstMoment">m, updated in place; zeros before the first step (<see cref="EinsumDevice.Allocate{T}"/> zeroes).</param>
        /// <param name="secondMoment">v, updated in place; zeros before the first step.</param>
        /// <param name="step">This update's number t, from 1.</param>
        /// <param name="learningRate">lr, finite and not negative.</param>
        /// <param name="beta1">β1, in [0, 1).</param>
        /// <param name="beta2">β2, in [0, 1).</param>
        /// <param name="epsilon">ε, finite and not negative.</param>
        /// <param name="weightDecay">An L2 penalty added to the gradient (torch's <c>weight_decay</c>); 0 for none.</param>
        /// <exception cref="ArgumentException">Shapes differ, a tensor is not dense, lives on another device, or two of them
        /// overlap.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A scalar is out of its range.</exception>
        public static void AdamStep<T>(DeviceTensor<T> parameter, DeviceTensor<T> gradient, DeviceTensor<T> firstMoment, DeviceTensor<T> secondMoment, long step,
            double learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ElementType<T>();
            var device = SameDevice(parameter, nameof(parameter), gradient, nameof(gradient), firstMoment, nameof(firstMoment), secondMoment, nameof(secondMoment));
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(step);
            NonNegative(learningRate, nameof(learningRate));
            NonNegative(epsilon, nameof(epsilon));
            NonNegative(weightDecay, nameof(weightDecay));
            Beta(beta1, nameof(beta1));
            Beta(beta2, nameof(beta2));
            SameShape(gradient, nameof(gradient), parameter, nameof(parameter));
            SameShape(firstMoment, nameof(firstMoment), parameter, nameof(parameter));
            SameShape(secondMoment, nameof(secondMoment), parameter, nameof(parameter));
            Dense(parameter, nameof(parameter));
            Dense(gradient, nameof(gradient));
            Dense(firstMoment, nameof(firstMoment));
            Dense(secondMoment, nameof(secondMoment));
            Apart(parameter, nameof(parameter), gradient, nameof(gradient));
            Apart(firstMoment, nameof(firstMoment), parameter, nameof(parameter));
            Apart(firstMoment, nameof(firstMoment), gradient, nameof(gradient));
            Apart(secondMoment, nameof(secondMoment), parameter, nameof(parameter));
            Apart(secondMoment, nameof(secondMoment), gradient, nameof(gradient));
            Apart(secondMoment, nameof(secondMoment), firstMoment, nameof(firstMoment));
            long count = parameter.FlattenedLength;
            if (count == 0) return;
            if (count > int.MaxValue) throw new NotSupportedException($"'{nameof(parameter)}' holds {count} elements; one launch covers at most {int.MaxValue}.");

            var s = new AdamScalars<T>
            {
                StepSize = T.CreateTruncating(learningRate / (1 - Math.Pow(beta1, step))),
                BiasCorrection2Sqrt = T.CreateTruncating(Math.Sqrt(1 - Math.Pow(beta2, step))),
                OneMinusBeta1 = T.CreateTruncating(1 - beta1),
                Beta2 = T.CreateTruncating(beta2),
                OneMinusBeta2 = T.CreateTruncating(1 - beta2),
                Epsilon = T.CreateTruncating(epsilon),
                WeightDecay = T.CreateTruncating(weightDecay),
                Decay = weightDecay != 0 ? 1 : 0,
            };
            var kernels = device.OpKernels;
            var index = new Index1D((int)count);
            if (typeof(T) == typeof(float))
            {
                kernels.AdamFloat(device.Stream, index, Dense(parameter).Cast<float>(), Dense(gradient).Cast<float>(), Dense(firstMoment).Cast<float>(),
                    Dense(secondMoment).Cast<float>(), (AdamScalars<float>)(object)s);
            }
            else
            {
                kernels.AdamDouble(device.Stream, index, Dense(parameter).Cast<double>(), Dense(gradient).Cast<double>(), Dense(firstMoment).Cast<double>(),
                    Dense(secondMoment).Cast<double>(), (AdamScalars<double>)(object)s);
            }
            device.CountLaunch();
        }

        /// <summary>
        /// One step of plain stochastic gradient descent (<c>torch.optim.SGD</c> without momentum):
        /// p = p - lr · (gradient + weightDecay · p), lr and the decay rounded to <typeparamref name="T"/>.
        /// </summary>
        /// <typeparam name="T">float or double.</typeparam>
        /// <param name="parameter">The values, updated in place.</param>
        /// <param name="gradient">Their gradient, of the same shape.</param>
        /// <param name="learningRate">lr, finite and not negative.</param>
        /// <param name="weightDecay">An L2 penalty added to the gradient; 0 for none.</param>
        /// <exception cref="ArgumentException">Shapes differ, a tensor is not dense, lives on another device, or they overlap.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A scalar is out of its range.</exception>
        public static void SgdStep<T>(DeviceTensor<T> parameter, DeviceTensor<T> gradient, double learningRate, double weightDecay = 0)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ElementType<T>();
            var device = SameDevice(parameter, nameof(parameter), gradient, nameof(gradient), null, null, null, null);
            NonNegative(learningRate, nameof(learningRate));
            NonNegative(weightDecay, nameof(weightDecay));
            SameShape(gradient, nameof(gradient), parameter, nameof(parameter));
            Dense(parameter, nameof(parameter));
            Dense(gradient, nameof(gradient));
            Apart(parameter, nameof(parameter), gradient, nameof(gradient));
            long count = parameter.FlattenedLength;
            if (count == 0) return;
            if (count > int.MaxValue) throw new NotSupportedException($"'{nameof(parameter)}' holds {count} elements; one launch covers at most {int.MaxValue}.");
            device.OpKernels.Sgd<T>()(device.Stream, new Index1D((int)count), Dense(parameter), Dense(gradient), T.CreateTruncating(learningRate),
                T.CreateTruncating(weightDecay), weightDecay != 0 ? 1 : 0);
            device.CountLaunch();
        }

        // ---- checks (all before any kernel) ----

        private static void ElementType<T>()
        {
            if (typeof(T) != typeof(float) && typeof(T) != typeof(double)) throw new NotSupportedException($"DeviceOps runs float and double tensors, not {typeof(T).Name}.");
        }

        private static EinsumDevice SameDevice<T>(DeviceTensor<T> a, string aName, DeviceTensor<T> b, string bName, DeviceTensor<T>? c, string? cName,
            DeviceTensor<T>? d, string? dName) where T : unmanaged, INumber<T>
        {
            ArgumentNullException.ThrowIfNull(a, aName);
            ArgumentNullException.ThrowIfNull(b, bName);
            var device = Live(a, aName);
            Check(b, bName);
            if (c is not null) Check(c, cName!);
            if (d is not null) Check(d, dName!);
            return device;

            void Check(DeviceTensor<T> t, string name)
            {
                Live(t, name);
                if (!ReferenceEquals(t.Device, device))
                {
                    throw new ArgumentException($"'{name}' lives on {t.Device.Name}, but '{aName}' on another device; all tensors of one call must be on one EinsumDevice.", name);
                }
            }
        }

        private static EinsumDevice Live<T>(DeviceTensor<T> t, string name) where T : unmanaged, INumber<T>
        {
            if (t.Storage.IsDisposed) throw new ObjectDisposedException(name, $"'{name}' was disposed (or the tensor it is a view of was).");
            return t.Device.Live();
        }

        private static void SameShape<T>(DeviceTensor<T> t, string name, DeviceTensor<T> reference, string referenceName) where T : unmanaged, INumber<T>
        {
            if (t.Rank != reference.Rank)
            {
                throw new ArgumentException($"'{name}' has rank {t.Rank}, but '{referenceName}' has rank {reference.Rank}; they must have the same shape.", name);
            }
            for (int d = 0; d < t.Rank; d++)
            {
                if (t.Lengths[d] == reference.Lengths[d]) continue;
                throw new ArgumentException(
                    $"'{name}' has length {t.Lengths[d]} in dimension {d}, but '{referenceName}' has {reference.Lengths[d]}; they must have the same shape.", name);
            }
        }

        private static void Dense<T>(DeviceTensor<T> t, string name) where T : unmanaged, INumber<T>
        {
            if (!t.IsDense) throw new ArgumentException($"'{name}' is a strided view; element-wise device operations take dense (row-major, contiguous) tensors.", name);
        }

        private static ArrayView<T> Dense<T>(DeviceTensor<T> t) where T : unmanaged, INumber<T> => t.Storage.View.SubView(t.Offset, Math.Max(t.FlattenedLength, 1));

        /// <summary>Throws when the written tensor <paramref name="w"/> shares elements with <paramref name="r"/>.</summary>
        private static void Apart<T>(DeviceTensor<T> w, string wName, DeviceTensor<T> r, string rName) where T : unmanaged, INumber<T>
        {
            if (!ReferenceEquals(w.Storage, r.Storage)) return;
            long wEnd = w.Offset + w.FlattenedLength, rEnd = r.Offset + r.FlattenedLength;
            if (w.FlattenedLength > 0 && r.FlattenedLength > 0 && w.Offset < rEnd && r.Offset < wEnd) throw Overlap.Error(wName, rName);
        }

        /// <summary>As <see cref="Apart{T}"/>, but the very same elements (an in-place element-wise write) are allowed.</summary>
        private static void ApartOrSame<T>(DeviceTensor<T> w, string wName, DeviceTensor<T> r, string rName) where T : unmanaged, INumber<T>
        {
            if (ReferenceEquals(w.Storage, r.Storage) && w.Offset == r.Offset) return;
            Apart(w, wName, r, rName);
        }

        private static void NonNegative(double value, string name)
        {
            if (!(value >= 0) || double.IsInfinity(value)) throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and not negative.");
        }

        private static void Beta(double value, string name)
        {
            if (!(value >= 0 && value < 1)) throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, 1).");
        }
    }
}
