using System;
using System.Threading.Tasks;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// How the direct KFAC-reduce means (<see cref="ConvBinnedMean"/>, <see cref="ConvWindowMean"/>) split their rows (batch ·
    /// channels, each a whole input image) over the cores: in a few parts per core when the input is large enough to pay for
    /// the hand-off, else on the calling thread.
    /// </summary>
    internal static class ConvRowSplit
    {
        /// <summary>Input elements from which the rows are split over the cores.</summary>
        private const long ParallelThreshold = 1L << 18;

        /// <summary>Runs <paramref name="rows"/>(first, end) over rows 0..count-1, each row <paramref name="inner"/> input elements.</summary>
        public static void Run(long count, long inner, Action<long, long> rows)
        {
            if (count * inner >= ParallelThreshold && count > 1 && Environment.ProcessorCount > 1)
            {
                int parts = (int)Math.Min(count, 4L * Environment.ProcessorCount);
                Parallel.For(0, parts, p => rows(count * p / parts, count * (p + 1) / parts));
            }
            else
            {
                rows(0, count);
            }
        }
    }
}
