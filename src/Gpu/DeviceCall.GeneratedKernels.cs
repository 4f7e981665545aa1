namespace EinsumGen.Gpu
{
    internal sealed partial class DeviceCall<T>
    {
        /// <summary>
        /// The kernels the generator wrote for this method (declared sizes), or null: every step runs a generic kernel.
        /// The queue takes them for the steps it launches on their own (a step fused into a run uses the fused kernel).
        /// </summary>
        public DeviceKernelSet<T>? Generated { get => _queue.Generated; init => _queue.Generated = value; }
    }
}
