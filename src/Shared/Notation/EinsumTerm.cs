using System.Collections.Generic;
using System.Text;

namespace EinsumGen.Notation
{
    /// <summary>One operand's (or the output's) subscripts: labels in order, with an optional ellipsis.</summary>
    internal sealed class EinsumTerm
    {
        public EinsumTerm(IReadOnlyList<char> labels, IReadOnlyList<int> labelPositions, int ellipsisIndex, int ellipsisPosition, int start, int length)
        {
            Labels = labels;
            LabelPositions = labelPositions;
            EllipsisIndex = ellipsisIndex;
            EllipsisPosition = ellipsisPosition;
            Start = start;
            Length = length;
        }

        /// <summary>The labels in order of appearance, repeats included, the ellipsis excluded.</summary>
        public IReadOnlyList<char> Labels { get; }

        /// <summary>For each label, its index in the spec text (-1 where the term was implied).</summary>
        public IReadOnlyList<int> LabelPositions { get; }

        /// <summary>How many labels stand before the ellipsis; -1 when the term has none.</summary>
        public int EllipsisIndex { get; }

        /// <summary>Index of the first '.' of the ellipsis in the spec text; -1 when absent or implied.</summary>
        public int EllipsisPosition { get; }

        /// <summary>Start of the term in the spec text (spaces trimmed); -1 for an implied output.</summary>
        public int Start { get; }

        /// <summary>Length of the term in the spec text.</summary>
        public int Length { get; }

        public bool HasEllipsis => EllipsisIndex >= 0;

        /// <summary>True when the term names no label and has no ellipsis: a scalar.</summary>
        public bool IsScalar => Labels.Count == 0 && !HasEllipsis;

        /// <summary>The term as written without spaces, e.g. "...ij".</summary>
        public override string ToString()
        {
            var sb = new StringBuilder(Labels.Count + 3);
            for (int i = 0; i <= Labels.Count; i++)
            {
                if (i == EllipsisIndex) sb.Append("...");
                if (i < Labels.Count) sb.Append(Labels[i]);
            }
            return sb.ToString();
        }

        /// <summary>The distinct labels in order of first appearance.</summary>
        public string DistinctLabels()
        {
            var sb = new StringBuilder(Labels.Count);
            foreach (char c in Labels)
            {
                if (sb.ToString().IndexOf(c) < 0) sb.Append(c);
            }
            return sb.ToString();
        }
    }
}
