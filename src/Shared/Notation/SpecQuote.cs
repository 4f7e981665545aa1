using System.Globalization;

namespace EinsumGen.Notation
{
    /// <summary>
    /// A spec as error messages quote it: whole when short, else a window (around a fault, when there is one) with its
    /// length, so that a message about a 100,000-character spec stays a line long.
    /// </summary>
    internal static class SpecQuote
    {
        /// <summary>Specs up to this many characters are quoted whole.</summary>
        public const int Whole = 100;

        private const int Context = 40;

        /// <summary>The spec, or its start and end with the length between.</summary>
        public static string Of(string spec) =>
            spec.Length <= Whole
                ? spec
                : spec.Substring(0, 60) + " … " + spec.Substring(spec.Length - 20) + " (" + Length(spec) + ")";

        /// <summary>The spec, or a window around character <paramref name="at"/>.</summary>
        public static string Around(string spec, int at)
        {
            if (spec.Length <= Whole) return spec;
            int start = at - Context < 0 ? 0 : at - Context;
            int end = at + Context > spec.Length ? spec.Length : at + Context;
            return (start > 0 ? "… " : string.Empty) + spec.Substring(start, end - start) + (end < spec.Length ? " …" : string.Empty) +
                " (" + Length(spec) + ")";
        }

        private static string Length(string spec) => spec.Length.ToString("N0", CultureInfo.InvariantCulture) + " characters";
    }
}
