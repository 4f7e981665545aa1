using System;
using System.Collections.Generic;

namespace EinsumGen.Planning
{
    /// <summary>
    /// opt_einsum's greedy: contract identical operands first, then repeatedly the pair sharing a summed label whose
    /// contraction removes the most memory (size(result) - size(a) - size(b)), then outer products smallest first. With a
    /// random source it becomes opt_einsum's RandomGreedy trial: the memory term is weighted by <c>costMod</c> and the
    /// pair is drawn from the best few by a Boltzmann law at <c>temperature</c>.
    /// </summary>
    internal static class GreedyOptimizer
    {
        private const int Branches = 8;

        /// <returns>The plan, or null when every remaining move breaks the memory limit.</returns>
        public static MaskPlan? Run(ulong[] operands, ulong output, LabelSpace space, long limit, SplitMix? random = null, double costMod = 1.0, double temperature = 0.0)
        {
            int n = operands.Length;
            var plan = new MaskPlan(n);
            var masks = new List<ulong>(operands);
            var alive = new List<int>();
            var counts = new int[64];
            for (int i = 0; i < n; i++)
            {
                alive.Add(i);
                for (ulong m = operands[i]; m != 0; m &= m - 1) counts[Bits.Lowest(m)]++;
            }

            // Identical operands first: a Hadamard product never grows anything.
            for (int i = 0; i < alive.Count; i++)
            {
                for (int j = i + 1; j < alive.Count; j++)
                {
                    if (masks[alive[i]] != masks[alive[j]]) continue;
                    if (alive.Count > 2 && space.Size(Result(masks[alive[i]], masks[alive[j]], output, counts)) > limit) continue;
                    alive[i] = Contract(alive[i], alive[j], plan, masks, output, counts, space);
                    alive.RemoveAt(j);
                    j = i;
                }
            }

            var pairs = new List<long>();   // candidate pairs (a << 32 | b) sharing a summed label
            for (int i = 0; i < alive.Count; i++)
            {
                for (int j = i + 1; j < alive.Count; j++) AddIfLinked(pairs, alive[i], alive[j], masks, output);
            }

            var scores = new List<double>();
            var choice = new List<int>();
            while (pairs.Count > 0)
            {
                scores.Clear();
                choice.Clear();
                for (int p = 0; p < pairs.Count; p++)
                {
                    int a = (int)(pairs[p] >> 32), b = (int)(pairs[p] & 0xFFFFFFFF);
                    ulong r = Result(masks[a], masks[b], output, counts);
                    double size = space.Size(r);
                    if (alive.Count > 2 && size > limit) continue;
                    scores.Add(size - costMod * ((double)space.Size(masks[a]) + space.Size(masks[b])));
                    choice.Add(p);
                }
                if (choice.Count == 0) break;
                int pick = random == null ? Best(scores, choice, pairs) : Thermal(scores, choice, random, temperature);
                int x = (int)(pairs[pick] >> 32), y = (int)(pairs[pick] & 0xFFFFFFFF);
                int z = Contract(x, y, plan, masks, output, counts, space);
                alive.Remove(x);
                alive.Remove(y);
                pairs.RemoveAll(q => (int)(q >> 32) == x || (int)(q >> 32) == y || (int)(q & 0xFFFFFFFF) == x || (int)(q & 0xFFFFFFFF) == y);
                foreach (int w in alive) AddIfLinked(pairs, w, z, masks, output);
                alive.Add(z);
            }

            // Whatever is left shares no summed label: outer products, smallest first.
            while (alive.Count > 1)
            {
                alive.Sort((p, q) => { int c = space.Size(masks[p]).CompareTo(space.Size(masks[q])); return c != 0 ? c : p.CompareTo(q); });
                int x = alive[0], y = alive[1];
                if (alive.Count > 2 && space.Size(Result(masks[x], masks[y], output, counts)) > limit) return null;
                alive.RemoveRange(0, 2);
                alive.Add(Contract(x, y, plan, masks, output, counts, space));
            }
            return plan;
        }

        /// <summary>Labels of a ∪ b still needed: in the output or in some other live tensor.</summary>
        internal static ulong Result(ulong a, ulong b, ulong output, int[] counts)
        {
            ulong union = a | b, keep = union & output;
            for (ulong rest = union & ~output; rest != 0; rest &= rest - 1)
            {
                int g = Bits.Lowest(rest);
                ulong bit = 1UL << g;
                int mine = ((a & bit) != 0 ? 1 : 0) + ((b & bit) != 0 ? 1 : 0);
                if (counts[g] > mine) keep |= bit;
            }
            return keep;
        }

        private static int Contract(int x, int y, MaskPlan plan, List<ulong> masks, ulong output, int[] counts, LabelSpace space)
        {
            ulong a = masks[x], b = masks[y];
            ulong r = Result(a, b, output, counts);
            for (ulong m = a; m != 0; m &= m - 1) counts[Bits.Lowest(m)]--;
            for (ulong m = b; m != 0; m &= m - 1) counts[Bits.Lowest(m)]--;
            for (ulong m = r; m != 0; m &= m - 1) counts[Bits.Lowest(m)]++;
            masks.Add(r);
            return plan.Add(Math.Min(x, y), Math.Max(x, y), r, space.Size(r), space.PairFlops(a, b, r));
        }

        private static void AddIfLinked(List<long> pairs, int a, int b, List<ulong> masks, ulong output)
        {
            if ((masks[a] & masks[b] & ~output) == 0) return;
            if (a > b) { int t = a; a = b; b = t; }
            pairs.Add(((long)a << 32) | (uint)b);
        }

        /// <summary>Lowest score; ties go to the pair with the smaller ids (opt_einsum's determinism rule).</summary>
        private static int Best(List<double> scores, List<int> choice, List<long> pairs)
        {
            int best = 0;
            for (int k = 1; k < choice.Count; k++)
            {
                if (scores[k] < scores[best]) best = k;
                else if (scores[k] == scores[best] && Later(pairs[choice[best]], pairs[choice[k]])) best = k;
            }
            return choice[best];
        }

        private static bool Later(long current, long candidate)
        {
            int ca = (int)(current >> 32), cb = (int)(current & 0xFFFFFFFF);
            int na = (int)(candidate >> 32), nb = (int)(candidate & 0xFFFFFFFF);
            return nb < cb || (nb == cb && na < ca);
        }

        /// <summary>opt_einsum's thermal chooser: Boltzmann draw among the best few, temperature relative to the best score.</summary>
        private static int Thermal(List<double> scores, List<int> choice, SplitMix random, double temperature)
        {
            var order = new List<int>();
            for (int k = 0; k < choice.Count; k++) order.Add(k);
            order.Sort((p, q) => { int c = scores[p].CompareTo(scores[q]); return c != 0 ? c : choice[p].CompareTo(choice[q]); });
            int count = Math.Min(Branches, order.Count);
            double min = scores[order[0]];
            double t = temperature * Math.Max(1.0, Math.Abs(min));
            var weights = new double[count];
            double sum = 0;
            for (int k = 0; k < count; k++)
            {
                weights[k] = t <= 0 ? (scores[order[k]] == min ? 1 : 0) : Math.Exp(-(scores[order[k]] - min) / t);
                sum += weights[k];
            }
            double r = random.NextDouble() * sum;
            for (int k = 0; k < count; k++)
            {
                r -= weights[k];
                if (r < 0) return choice[order[k]];
            }
            return choice[order[0]];
        }
    }
}
