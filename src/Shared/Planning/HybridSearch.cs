using System;
using System.Collections.Generic;

namespace EinsumGen.Planning
{
    /// <summary>
    /// The search for networks too large for the exact subset DP: opt_einsum's greedy (so never worse than it), a fixed
    /// number of randomized greedy trials from a fixed seed, the exact connected-subset DP when the network is sparse enough,
    /// then subtree refinement of the best few. Deterministic: same input, same plan, on every runtime.
    /// </summary>
    internal static class HybridSearch
    {
        private const ulong Seed = 0x45494E53554DUL;   // "EINSUM"
        private const int MaxConnectedPairs = 400000;
        private const int Refined = 3;

        /// <param name="space">The label sizes.</param>
        /// <param name="ops">The leaves' masks: the operands, or the operands with their single labels summed.</param>
        /// <param name="limit">Largest intermediate allowed.</param>
        /// <param name="source">Which candidate won, for reports.</param>
        public static MaskPlan? Run(LabelSpace space, ulong[] ops, long limit, out string source)
        {
            ulong output = space.Output;
            int n = ops.Length;
            var pool = new List<KeyValuePair<string, MaskPlan>>();

            Offer(pool, "greedy", GreedyOptimizer.Run(ops, output, space, limit));
            var random = new SplitMix(Seed);
            int trials = n <= 64 ? 128 : Math.Max(8, 8192 / n);
            for (int t = 0; t < trials; t++)
            {
                double costMod = 0.5 + 1.5 * random.NextDouble();
                double temperature = Math.Exp(Math.Log(0.05) * (1 - random.NextDouble()));   // log-uniform in [0.05, 1)
                Offer(pool, "random-greedy", GreedyOptimizer.Run(ops, output, space, limit, random, costMod, temperature));
            }
            Offer(pool, "dp-connected", ConnectedOptimizer.Solve(ops, output, space, limit, MaxConnectedPairs));
            if (pool.Count == 0)
            {
                source = "hybrid";
                return null;
            }

            pool.Sort((a, b) => a.Value.IsBetterThan(b.Value) ? -1 : b.Value.IsBetterThan(a.Value) ? 1 : 0);
            int window = n <= 32 ? 10 : n <= 96 ? 9 : 8;
            MaskPlan? best = null;
            source = pool[0].Key;
            long seenFlops = -1;
            for (int k = 0, done = 0; k < pool.Count && done < Refined; k++)
            {
                if (pool[k].Value.TotalFlops == seenFlops) continue;   // identical costs are usually identical trees
                seenFlops = pool[k].Value.TotalFlops;
                done++;
                var refined = SubtreeRefiner.Refine(pool[k].Value, ops, output, space, limit, window, maxPasses: 8);
                if (refined.IsBetterThan(best))
                {
                    best = refined;
                    source = pool[k].Key + (refined.IsBetterThan(pool[k].Value) ? "+refine" : "");
                }
            }
            return best;
        }

        private static void Offer(List<KeyValuePair<string, MaskPlan>> pool, string name, MaskPlan? plan)
        {
            if (plan != null) pool.Add(new KeyValuePair<string, MaskPlan>(name, plan));
        }
    }
}
