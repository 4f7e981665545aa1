using BenchmarkDotNet.Running;

namespace EinsumGen.Benchmarks
{
    /// <summary>
    /// Runs the benchmarks chosen on the command line, e.g. <c>--filter *Planning*</c>; <c>ratio</c> prints the tensor-train
    /// layer's forward, backward and training-step times and their ratios, measured in one run; <c>calls</c> prints the
    /// per-call cost of a tiny declared product next to a naive loop, and bytes allocated per call; <c>loop [epochs] [ab [rounds]]</c>
    /// runs the main job's training loop against the same run's FMA limit, with its time by phase and by step.
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
            if (args.Length > 0 && args[0] == "loop")
            {
                LoopProfile.Print(args[1..]);
                return;
            }
            if (args.Length > 0 && args[0] == "calls")
            {
                CallOverhead.Print();
                return;
            }
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        }
    }
}
