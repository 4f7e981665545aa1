using System;
using System.Collections.Generic;
using System.Text;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// A convolution's operation as a tensor network: typed terms (operands, index patterns, identities, constants) with
    /// named legs, the output's legs, and every leg's size. <see cref="ToEinsum"/> prints it as an einsum string, the way
    /// the reference implementation names letters; <see cref="ConvSimplifier"/> rewrites it.
    /// </summary>
#if EINSUMGEN_RUNTIME
    public
#else
    internal
#endif
    sealed class ConvNetwork
    {
        internal ConvNetwork(List<ConvTerm> terms, List<string> output, Dictionary<string, int> sizes, Dictionary<string, char>? letters = null)
        {
            Terms = terms;
            Output = output;
            Sizes = sizes;
            Letters = letters ?? AssignLetters();
        }

        /// <summary>
        /// Each leg's letter, fixed when the network is built, so that a simplified network prints with the letters of the
        /// original (as the reference, which rewrites the einsum string itself); legs the simplifier creates take the first
        /// letter no operand uses at that moment.
        /// </summary>
        internal Dictionary<string, char> Letters { get; }

        /// <summary>The terms, in einsum operand order.</summary>
        public List<ConvTerm> Terms { get; }

        /// <summary>The output's legs; the result is these legs' sizes, reshaped to the operation's shape (memory order is kept).</summary>
        public List<string> Output { get; }

        /// <summary>Every leg's size.</summary>
        public Dictionary<string, int> Sizes { get; }

        /// <summary>The number of pattern terms left.</summary>
        public int PatternCount
        {
            get
            {
                int count = 0;
                foreach (var t in Terms) if (t.Kind == ConvTermKind.Pattern) count++;
                return count;
            }
        }

        /// <summary>The output's shape as this network computes it (before the final reshape).</summary>
        public int[] OutputShape()
        {
            var shape = new int[Output.Count];
            for (int d = 0; d < shape.Length; d++) shape[d] = Sizes[Output[d]];
            return shape;
        }

        /// <summary>The shape of term <paramref name="index"/>.</summary>
        public int[] TermShape(int index)
        {
            var labels = Terms[index].Labels;
            var shape = new int[labels.Count];
            for (int d = 0; d < shape.Length; d++) shape[d] = Sizes[labels[d]];
            return shape;
        }

        /// <summary>
        /// The einsum string: legs named by one lowercase letter keep it; the others take the first free letters a..z, then
        /// A..Z, in order of first appearance (the reference implementation's renaming, which stops at 26).
        /// </summary>
        public string ToEinsum() => ToEinsumWith(Letters);

        /// <summary>The einsum string with a given leg → letter map.</summary>
        internal string ToEinsumWith(Dictionary<string, char> letters)
        {
            var text = new StringBuilder();
            for (int t = 0; t < Terms.Count; t++)
            {
                if (t > 0) text.Append(',');
                foreach (var label in Terms[t].Labels) text.Append(letters[label]);
            }
            text.Append("->");
            foreach (var label in Output) text.Append(letters[label]);
            return text.ToString();
        }

        /// <summary>A copy of each leg's letter.</summary>
        public Dictionary<string, char> LetterMap() => new Dictionary<string, char>(Letters);

        /// <summary>A letter for a new leg: the first one no operand's legs use.</summary>
        internal char FreshLetter()
        {
            var used = new HashSet<char>();
            foreach (var t in Terms) foreach (var l in t.Labels) if (Letters.TryGetValue(l, out char c)) used.Add(c);
            foreach (char c in Alphabet) if (!used.Contains(c)) return c;
            throw new InvalidOperationException($"The network has more than {Alphabet.Length} legs.");
        }

        private const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

        private Dictionary<string, char> AssignLetters()
        {
            var order = new List<string>();
            var seen = new HashSet<string>();
            foreach (var t in Terms) foreach (var l in t.Labels) if (seen.Add(l)) order.Add(l);
            foreach (var l in Output) if (seen.Add(l)) order.Add(l);
            var letters = new Dictionary<string, char>();
            var used = new HashSet<char>();
            foreach (var l in order)
            {
                if (l.Length == 1 && l[0] >= 'a' && l[0] <= 'z')
                {
                    letters[l] = l[0];
                    used.Add(l[0]);
                }
            }
            const string alphabet = Alphabet;
            int next = 0;
            foreach (var l in order)
            {
                if (letters.ContainsKey(l)) continue;
                while (next < alphabet.Length && used.Contains(alphabet[next])) next++;
                if (next == alphabet.Length) throw new InvalidOperationException($"The network has more than {alphabet.Length} legs.");
                letters[l] = alphabet[next];
                used.Add(alphabet[next]);
            }
            return letters;
        }

        /// <summary>A deep copy (the simplifier rewrites its own copy).</summary>
        public ConvNetwork Clone()
        {
            var terms = new List<ConvTerm>();
            foreach (var t in Terms) terms.Add(t.Clone());
            return new ConvNetwork(terms, new List<string>(Output), new Dictionary<string, int>(Sizes), new Dictionary<string, char>(Letters));
        }

        /// <summary>The einsum string followed by the shapes of the terms.</summary>
        public override string ToString()
        {
            var text = new StringBuilder(ToEinsum());
            for (int t = 0; t < Terms.Count; t++)
            {
                text.Append(t == 0 ? "  with " : ", ");
                var term = Terms[t];
                text.Append(term.Kind == ConvTermKind.Pattern ? $"Π{term.Dimension + 1}" : term.Name);
                text.Append('[').Append(string.Join(",", TermShape(t))).Append(']');
            }
            return text.ToString();
        }
    }
}
