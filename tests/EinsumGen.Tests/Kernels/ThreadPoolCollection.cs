using Xunit;

namespace EinsumGen.Tests.Kernels
{
    /// <summary>
    /// Tests that hammer the kernels' thread pool from many threads run alone: they would otherwise split calls while a
    /// test elsewhere counts the pool's split calls (and their own timing-sensitive races would see less contention).
    /// </summary>
    [CollectionDefinition(nameof(ThreadPoolCollection), DisableParallelization = true)]
    public sealed class ThreadPoolCollection
    {
    }
}
