using System;
using System.Linq;
using EinsumGen.Notation;

namespace EinsumGen.Runtime
{
    /// <summary>When the order planned at build time is the order of every call: one rule for the generator and the runtime.</summary>
    internal static class ProgramOrder
    {
        /// <summary>
        /// One operand; two operands neither of which has a label of its own to sum (one order exists then; with such a
        /// label, whether to sum it first depends on the sizes); or every size declared and no ellipsis. Otherwise the
        /// runtime may re-plan for the sizes of a call.
        /// </summary>
        public static bool IsFinal(EinsumExpression expression, Func<char, bool> isDeclared) =>
            expression.Inputs.Count < 2
            || (expression.Inputs.Count == 2 && !HasSingleOperandLabel(expression))
            || (!expression.AnyEllipsis && expression.AllLabels().All(isDeclared));

        /// <summary>Whether some operand has a label (the ellipsis counting as one) that no other operand nor the output has.</summary>
        public static bool HasSingleOperandLabel(EinsumExpression expression)
        {
            var inputs = expression.PlannerInputs();
            string output = expression.PlannerOutput();
            for (int i = 0; i < inputs.Count; i++)
            {
                foreach (char c in inputs[i])
                {
                    if (output.IndexOf(c) >= 0) continue;
                    bool elsewhere = false;
                    for (int j = 0; j < inputs.Count && !elsewhere; j++) elsewhere = j != i && inputs[j].IndexOf(c) >= 0;
                    if (!elsewhere) return true;
                }
            }
            return false;
        }
    }
}
