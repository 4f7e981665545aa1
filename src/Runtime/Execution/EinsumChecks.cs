using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace EinsumGen.Runtime
{
    /// <summary>Checks on buffers that mirror an operand, and the disjointness test of generated binding-free paths.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class EinsumChecks
    {
        /// <summary>Throws unless <paramref name="buffer"/> has exactly <paramref name="operand"/>'s shape.</summary>
        internal static void SameShape(scoped ReadOnlySpan<nint> buffer, scoped ReadOnlySpan<nint> operand, string bufferName, string operandName)
        {
            if (buffer.SequenceEqual(operand)) return;
            throw new ArgumentException(
                $"'{bufferName}' has shape [{string.Join(", ", buffer.ToArray())}], but operand '{operandName}' has shape [{string.Join(", ", operand.ToArray())}]; they must match.",
                bufferName);
        }

        /// <summary>True when the <paramref name="firstCount"/> elements from <paramref name="first"/> and the <paramref name="secondCount"/> from <paramref name="second"/> share none.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool Disjoint<T>(ref readonly T first, nint firstCount, ref readonly T second, nint secondCount) =>
            !Overlap.Overlaps(in first, firstCount, in second, secondCount);

        /// <summary>Throws unless a buffer for a rank-0 operand holds exactly one element.</summary>
        internal static void OneElement(nint flattenedLength, string bufferName)
        {
            if (flattenedLength == 1) return;
            throw new ArgumentException($"'{bufferName}' belongs to a rank-0 operand and must hold exactly one element, not {flattenedLength}.", bufferName);
        }
    }
}
