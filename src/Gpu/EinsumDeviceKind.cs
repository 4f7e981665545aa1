namespace EinsumGen
{
    /// <summary>Which ILGPU accelerator an <see cref="EinsumDevice"/> runs on.</summary>
    public enum EinsumDeviceKind
    {
        /// <summary>The first CUDA GPU when there is one, else ILGPU's CPU accelerator.</summary>
        Auto,

        /// <summary>The first CUDA GPU; <see cref="EinsumDevice.Create"/> throws when there is none.</summary>
        Cuda,

        /// <summary>
        /// ILGPU's CPU accelerator: the same kernels (groups, shared memory, barriers, warp shuffles) simulated with one OS
        /// thread per GPU thread. For tests and machines without a GPU; milliseconds per launch.
        /// </summary>
        Cpu,
    }
}
