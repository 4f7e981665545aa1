using BenchmarkDotNet.Running;

namespace EinsumGen.Benchmarks
{
    /// <summary>
    /// Runs the benchmarks chosen on the command line, e.g. <c>--filter *Planning*</c>; <c>ratio</c> prints the tensor-train
    /// layer's forward, backward and training-step times and their ratios, measured in one run.
    /// </summary>
    public static class Program
    {
        public static void Main(string[] args)
        {
            if (args.Length > 0 && args[0] == "ratio")
            {
                TensorTrainRatios.Print();
                return;
            }
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        }
    }
}
