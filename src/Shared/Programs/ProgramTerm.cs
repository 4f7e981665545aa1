using System.Collections.Generic;
using EinsumGen.Notation;

namespace EinsumGen.Runtime
{
    /// <summary>
    /// One tensor of a compiled program: the parameter that holds it and its term's labels (repeats included, in order),
    /// with the ellipsis, if any, standing before label <see cref="EllipsisIndex"/>. The generator writes these as data;
    /// the runtime reads them as they are, with nothing to parse.
    /// </summary>
    /// <param name="Name">The parameter's name, for error messages.</param>
    /// <param name="Labels">The labels in order of appearance, repeats included, the ellipsis excluded.</param>
    /// <param name="EllipsisIndex">How many labels stand before the ellipsis; -1 when the term has none.</param>
    readonly partial record struct ProgramTerm(string Name, string Labels, int EllipsisIndex = -1)
    {
        /// <summary>The term of a parsed spec, under <paramref name="name"/>.</summary>
        internal static ProgramTerm From(string name, EinsumTerm term) => new ProgramTerm(name, new string(ToArray(term.Labels)), term.EllipsisIndex);

        /// <summary>The term for the runtime's shape rules (no positions in a spec text: it was never parsed here).</summary>
        internal EinsumTerm ToTerm()
        {
            var positions = new int[Labels.Length];
            for (int i = 0; i < positions.Length; i++) positions[i] = -1;
            return new EinsumTerm(Labels.ToCharArray(), positions, EllipsisIndex, -1, -1, 0);
        }

        /// <summary>The expression a program's terms stand for; <paramref name="spec"/> is kept for messages only.</summary>
        internal static EinsumExpression ToExpression(string spec, IReadOnlyList<ProgramTerm> operands, ProgramTerm output)
        {
            var inputs = new EinsumTerm[operands.Count];
            for (int i = 0; i < inputs.Length; i++) inputs[i] = operands[i].ToTerm();
            return new EinsumExpression(spec, inputs, output.ToTerm(), isExplicit: true);
        }

        private static char[] ToArray(IReadOnlyList<char> labels)
        {
            var array = new char[labels.Count];
            for (int i = 0; i < array.Length; i++) array[i] = labels[i];
            return array;
        }
    }

    /// <summary>A label whose size is fixed at build time (the attribute's <c>Sizes</c>).</summary>
    /// <param name="Label">The label.</param>
    /// <param name="Size">Its size; every call is checked against it.</param>
    readonly partial record struct DeclaredSize(char Label, long Size);
}
