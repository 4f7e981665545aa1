using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace EinsumGen.Tests.Generator;

/// <summary>
/// Snapshot files in Verify's convention without Verify: <c>Snapshots/{Class}.{Test}#{hint}.verified.cs</c> is committed;
/// a mismatch writes <c>.received.cs</c> beside it (git-ignored) and fails with a diff. Set
/// <c>EINSUMGEN_ACCEPT_SNAPSHOTS=1</c> to accept the received output; a missing snapshot always fails.
/// </summary>
public static class Snapshot
{
    public static void Verify(string actual, string className, string testName, string hintName, [CallerFilePath] string callerPath = "")
    {
        string directory = Path.Combine(Path.GetDirectoryName(callerPath)!, "..", "Snapshots");
        string stem = Path.Combine(directory, $"{className}.{testName}#{hintName.Replace(".g.cs", "")}");
        string verified = stem + ".verified.cs", received = stem + ".received.cs";
        string normalized = Normalize(actual);
        bool accept = Environment.GetEnvironmentVariable("EINSUMGEN_ACCEPT_SNAPSHOTS") == "1";
        string? expected = File.Exists(verified) ? Normalize(File.ReadAllText(verified)) : null;
        if (expected == normalized)
        {
            if (File.Exists(received)) File.Delete(received);
            return;
        }
        Directory.CreateDirectory(directory);
        if (accept)
        {
            File.WriteAllText(verified, normalized);
            if (File.Exists(received)) File.Delete(received);
            return;
        }
        File.WriteAllText(received, normalized);
        Xunit.Assert.Fail(expected is null
            ? $"No snapshot {Path.GetFileName(verified)}; review {received} and accept with EINSUMGEN_ACCEPT_SNAPSHOTS=1."
            : $"Snapshot {Path.GetFileName(verified)} differs (received file written):\n{Diff(expected, normalized)}");
    }

    /// <summary>Line endings to \n and the generator version to a fixed token, so that snapshots survive releases.</summary>
    public static string Normalize(string text) =>
        Regex.Replace(text.Replace("\r\n", "\n"), "GeneratedCode\\(\"EinsumGen\", \"[^\"]*\"\\)", "GeneratedCode(\"EinsumGen\", \"{version}\")");

    private static string Diff(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        int first = Enumerable.Range(0, Math.Min(e.Length, a.Length)).FirstOrDefault(i => e[i] != a[i], Math.Min(e.Length, a.Length));
        return $"first difference at line {first + 1}:\n- {(first < e.Length ? e[first] : "<end>")}\n+ {(first < a.Length ? a[first] : "<end>")}";
    }
}
