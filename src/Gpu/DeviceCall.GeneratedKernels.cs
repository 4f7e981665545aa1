using EinsumGen.Runtime;

namespace EinsumGen.Gpu
{
    internal sealed partial class DeviceCall<T>
    {
        /// <summary>The kernels the generator wrote for this method (declared sizes), or null: every step runs a generic kernel.</summary>
        public DeviceKernelSet<T>? Generated { get; init; }

        /// <summary>Queues one step: on its generated kernel when the bound layout is the one it was written for, else generically.</summary>
        private void RunStep(StepCall call, DeviceRef<T> first, DeviceRef<T> second, DeviceRef<T> result, bool accumulate)
        {
            if (Generated is { } set)
            {
                if (GeneratedSteps.TryRun(_device, set, call, first, second, result, accumulate)) return;
                _device.GenericFallbacks++;
            }
            DeviceSteps.Run(_device, call, first, second, result, accumulate);
        }
    }
}
