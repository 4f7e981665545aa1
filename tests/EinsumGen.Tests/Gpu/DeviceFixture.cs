using System;
using Xunit;

namespace EinsumGen.Tests.Gpu;

/// <summary>
/// One CPU-accelerator device for every GPU test: opening one starts 256 simulated threads, and a device is not
/// thread-safe, so the GPU tests share it in one collection, one test at a time.
/// </summary>
public sealed class DeviceFixture : IDisposable
{
    public EinsumDevice Device { get; } = EinsumDevice.Create(EinsumDeviceKind.Cpu);

    public void Dispose() => Device.Dispose();
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DeviceCollection : ICollectionFixture<DeviceFixture>
{
    public const string Name = "Device (ILGPU CPU accelerator)";
}
