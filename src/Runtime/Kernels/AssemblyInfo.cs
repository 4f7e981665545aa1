using System.Runtime.CompilerServices;

// The kernel benchmarks call the internal per-path entry points (Vector512/256/128/scalar) to compare them.
[assembly: InternalsVisibleTo("EinsumGen.KernelBenchmarks")]
