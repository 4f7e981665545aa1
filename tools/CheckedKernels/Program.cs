using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace EinsumGen.Tools.CheckedKernels
{
    /// <summary>
    /// Writes the checked build's copies of the runtime's kernel sources: every access through a pointer (or a reference
    /// from Unsafe.Add), every vector load and store, every span made from a pointer goes through EinsumGen's Mem hooks,
    /// which look the bytes up in MemoryRegions; pinned tables and stackalloc buffers are registered for their scope.
    /// Lines stay where they were (and a #line directive names the original file), so stack traces point at the source.
    /// Arguments (usually from a response file): -o:dir, -d:constants (;-separated), -r:reference, -s:source (compiled for
    /// the semantic model), -w:source|output (rewritten).
    /// </summary>
    internal static class Program
    {
        private static int Main(string[] args)
        {
            var expanded = new List<string>();
            foreach (var arg in args)
            {
                if (arg.StartsWith('@')) expanded.AddRange(File.ReadAllLines(arg[1..]).Where(l => l.Length > 0));
                else expanded.Add(arg);
            }
            string Values(string key) => string.Join(";", expanded.Where(a => a.StartsWith(key, StringComparison.Ordinal)).Select(a => a[key.Length..]));
            IEnumerable<string> All(string key) => expanded.Where(a => a.StartsWith(key, StringComparison.Ordinal)).Select(a => a[key.Length..]);

            var symbols = Values("-d:").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var options = new CSharpParseOptions(LanguageVersion.Preview, preprocessorSymbols: symbols);
            var rewrite = All("-w:").Select(w => w.Split('|')).ToDictionary(p => Path.GetFullPath(p[0]), p => p[1]);
            var trees = All("-s:").Select(Path.GetFullPath).Distinct()
                .Select(path => CSharpSyntaxTree.ParseText(File.ReadAllText(path), options, path)).ToList();
            var references = All("-r:").Select(r => MetadataReference.CreateFromFile(r));
            var compilation = CSharpCompilation.Create("EinsumGen.Runtime", trees, references,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
            var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Take(10).ToList();
            if (errors.Count > 0)
            {
                foreach (var e in errors) Console.Error.WriteLine($"CheckedKernels: the sources do not compile as given: {e}");
                return 1;
            }
            int failures = 0;
            foreach (var tree in trees)
            {
                if (!rewrite.TryGetValue(tree.FilePath, out var output)) continue;
                var rewriter = new AccessRewriter(compilation.GetSemanticModel(tree), tree.FilePath);
                var root = rewriter.Visit(tree.GetRoot());
                foreach (var problem in rewriter.Problems)
                {
                    Console.Error.WriteLine($"{problem}: error CK0001: the checked build has no rule for this raw memory access; add one to tools/CheckedKernels.");
                    failures++;
                }
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
                string text = $"#line 1 \"{tree.FilePath}\"\n" + root.ToFullString();
                if (!File.Exists(output) || File.ReadAllText(output) != text) File.WriteAllText(output, text);
            }
            return failures == 0 ? 0 : 1;
        }
    }
}
