using System;

namespace EinsumGen.Tests.Kernels
{
    /// <summary>
    /// The long variants of the concurrency tests run only when asked for, so the suite stays fast:
    /// <c>EINSUMGEN_SOAK=1 dotnet test tests/EinsumGen.Tests -c Release --filter "FullyQualifiedName~Soak"</c>
    /// (ten minutes per test; EINSUMGEN_SOAK_SECONDS sets another length). They return at once otherwise — a runtime
    /// check rather than a skip, so that the same test runs both ways.
    /// </summary>
    internal static class Soak
    {
        /// <summary>How long a soak test runs, or null when soaking is off.</summary>
        public static double? Seconds =>
            Environment.GetEnvironmentVariable("EINSUMGEN_SOAK") != "1" ? null
            : double.TryParse(Environment.GetEnvironmentVariable("EINSUMGEN_SOAK_SECONDS"), System.Globalization.NumberStyles.Float,
                System.Globalization.CultureInfo.InvariantCulture, out double s) ? s : 600;
    }
}
