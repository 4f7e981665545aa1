using Xunit;

namespace EinsumGen.Tests.Kernels
{
    /// <summary>
    /// Tests that switch on <c>KernelOptions.Current.RecordChoices</c> (one process-wide switch) and read back the choice
    /// a kernel recorded run one after another: one test's <c>finally</c> switching it off while another test's call runs
    /// would leave that call's choice unrecorded. They still run beside every other test.
    /// </summary>
    [CollectionDefinition(nameof(KernelChoicesCollection))]
    public sealed class KernelChoicesCollection
    {
    }
}
