using System.Collections.Generic;

namespace EinsumGen.Planning
{
    /// <summary>
    /// Greedy on plain label strings, for the exotic inputs whose labels do not fit <see cref="LabelSpace"/>'s 64 groups
    /// (never the case for NumPy specs). Same rule as <see cref="GreedyOptimizer"/>, without the memory limit.
    /// </summary>
    internal static class GenericGreedy
    {
        public static void Run(IReadOnlyList<string> inputs, string output, IReadOnlyDictionary<char, long> sizes, List<int> left, List<int> right)
        {
            var tensors = new List<string>(inputs);
            var alive = new List<int>();
            var live = new Dictionary<char, int>();
            for (int i = 0; i < inputs.Count; i++)
            {
                alive.Add(i);
                foreach (char c in inputs[i]) { live.TryGetValue(c, out int n); live[c] = n + 1; }
            }
            while (alive.Count > 1)
            {
                int bi = -1, bj = -1;
                double best = double.MaxValue;
                for (int i = 0; i < alive.Count; i++)
                {
                    for (int j = i + 1; j < alive.Count; j++)
                    {
                        string a = tensors[alive[i]], b = tensors[alive[j]];
                        if (!SharesSummed(a, b, output)) continue;
                        double score = (double)PathBuilder.Product(Result(a, b, output, live), sizes)
                            - PathBuilder.Product(a, sizes) - PathBuilder.Product(b, sizes);
                        if (score < best) { best = score; bi = i; bj = j; }
                    }
                }
                if (bi < 0)
                {
                    alive.Sort((p, q) => PathBuilder.Product(tensors[p], sizes).CompareTo(PathBuilder.Product(tensors[q], sizes)));
                    bi = 0;
                    bj = 1;
                }
                int x = alive[bi], y = alive[bj];
                string r = Result(tensors[x], tensors[y], output, live);
                foreach (char c in tensors[x]) live[c]--;
                foreach (char c in tensors[y]) live[c]--;
                foreach (char c in r) live[c]++;
                left.Add(x);
                right.Add(y);
                tensors.Add(r);
                alive.RemoveAt(bj);
                alive.RemoveAt(bi);
                alive.Add(tensors.Count - 1);
            }
        }

        private static bool SharesSummed(string a, string b, string output)
        {
            foreach (char c in a) if (output.IndexOf(c) < 0 && b.IndexOf(c) >= 0) return true;
            return false;
        }

        private static string Result(string a, string b, string output, Dictionary<char, int> live)
        {
            var sb = new System.Text.StringBuilder();
            foreach (char c in a + PathBuilder.Without(b, a))
            {
                int mine = (a.IndexOf(c) >= 0 ? 1 : 0) + (b.IndexOf(c) >= 0 ? 1 : 0);
                if (output.IndexOf(c) >= 0 || live[c] > mine) sb.Append(c);
            }
            return sb.ToString();
        }
    }
}
