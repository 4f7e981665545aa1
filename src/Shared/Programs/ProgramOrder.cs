using System;
using System.Linq;
using EinsumGen.Notation;

namespace EinsumGen.Runtime
{
    /// <summary>When the order planned at build time is the order of every call: one rule for the generator and the runtime.</summary>
    internal static class ProgramOrder
    {
        /// <summary>
        /// Two operands or fewer (one order exists), or every size declared and no ellipsis. Otherwise the runtime may
        /// re-plan for the sizes of a call.
        /// </summary>
        public static bool IsFinal(EinsumExpression expression, Func<char, bool> isDeclared) =>
            expression.Inputs.Count < 3 || (!expression.AnyEllipsis && expression.AllLabels().All(isDeclared));
    }
}
