using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using EinsumGen.Generator;
using EinsumGen.Tests.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

// The generator's cost on varied [Einsum] methods (VariedMethods): its first run in a fresh process, a warm run, the
// re-run after an unrelated edit, and the lines it writes a method with and without Backward/Jvp and their remarks.
//   dotnet run -c Release --project tests/tools/GeneratorCost -- [--methods 200] [--runs 5]
// With GENERATORCOST_STEPS=1 and --child, one process also prints (to stderr) where a warm run's time goes: each tracked
// step's elapsed time, and the parse, plan and emit stages timed again on their own inputs.
// Each run is a child process (the first run pays for loading and JIT, as in a build without the compiler server); the
// figures are their medians. Each run of EinsumGen's generator alternates with one of a probe: a generator that matches
// the same attribute and writes one line a method, so Roslyn's own share (finding the methods, binding their symbols and
// attributes, the driver) is measured in the same conditions and "generator_only" is the difference.
int methods = Option("--methods", 200), runs = Option("--runs", 5);
if (args.Contains("--child")) return Child(methods, args.Contains("--probe"));

var results = new List<double[]>();
var probes = new List<double[]>();
for (int r = 0; r < runs; r++)
{
    foreach (bool probe in new[] { false, true })
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!, $"--child --methods {methods}" + (probe ? " --probe" : string.Empty)) { RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet") start.Arguments = $"\"{typeof(Measure).Assembly.Location}\" " + start.Arguments;
        using var child = Process.Start(start)!;
        string line = child.StandardOutput.ReadToEnd().Trim();
        child.WaitForExit();
        if (child.ExitCode != 0) { Console.Error.WriteLine(line); return 1; }
        Console.WriteLine($"run {r + 1}{(probe ? " (probe)" : string.Empty)}: {line}");
        (probe ? probes : results).Add(line.Split(' ').Select(p => double.Parse(p.Split('=')[1], CultureInfo.InvariantCulture)).ToArray());
    }
}
var names = Measure.Names;
Console.WriteLine($"median of {runs} fresh processes, {methods} methods: EinsumGen, probe, generator_only (the difference)");
for (int i = 0; i < names.Length; i++)
{
    double ours = Median(results, i), probe = Median(probes, i);
    Console.WriteLine($"  {names[i],-30} {F(ours),10} {F(probe),10} {F(ours - probe),10}");
}
return 0;

static double Median(List<double[]> rows, int i)
{
    var values = rows.Select(v => v[i]).OrderBy(v => v).ToArray();
    return values.Length % 2 == 1 ? values[values.Length / 2] : (values[values.Length / 2 - 1] + values[values.Length / 2]) / 2;
}

static string F(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

int Option(string name, int fallback)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

static int Child(int methods, bool probe)
{
    var m = new Measure(VariedMethods.Source(methods), methods, probe);
    Console.WriteLine(string.Join(" ", Measure.Names.Zip(m.Run(), (n, v) => n + "=" + v.ToString("0.###", CultureInfo.InvariantCulture))));
    return 0;
}

/// <summary>One process's measurements.</summary>
sealed class Measure(string source, int methods, bool probe)
{
    public static readonly string[] Names =
    {
        "first_run_ms_per_method", "first_run_cpu_ms_per_method", "warm_run_ms_per_method", "warm_run_cpu_ms_per_method",
        "unrelated_edit_ms", "unrelated_edit_cpu_ms", "unrelated_edit_reruns",
        "lines_per_method", "lines_without_remarks", "forward_only_lines", "forward_only_without_remarks",
    };

    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Preview);

    public double[] Run()
    {
        var compilation = Compile();
        var driver = Driver(new Dictionary<string, string>());
        var clock = Stopwatch.StartNew();
        var cpu = Cpu();
        driver = driver.RunGenerators(compilation);
        double first = clock.Elapsed.TotalMilliseconds, firstCpu = Cpu() - cpu;
        var result = driver.GetRunResult();
        if (result.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error) || result.Results[0].Exception is not null)
            throw new InvalidOperationException(string.Join("\n", result.Diagnostics.Take(5)) + result.Results[0].Exception);
        if (result.GeneratedTrees.Length != methods && !probe) throw new InvalidOperationException($"{result.GeneratedTrees.Length} files for {methods} methods");
        var (all, allBare) = Lines(result);

        // Unrelated edits: a new file each time, timed on this driver (no step tracking, as in a build).
        var edits = new List<double>();
        var editsCpu = new List<double>();
        for (int e = 0; e < 7; e++)
        {
            compilation = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText($"public static class Unrelated{e} {{ public static int X = {e}; }}", Parse, $"U{e}.cs"));
            clock.Restart();
            cpu = Cpu();
            driver = driver.RunGenerators(compilation);
            edits.Add(clock.Elapsed.TotalMilliseconds);
            editsCpu.Add(Cpu() - cpu);
        }
        edits.Sort();
        editsCpu.Sort();

        // A warm run: a new driver over a new compilation of the same text, in this process.
        var warmCompilation = Compile();
        clock.Restart();
        cpu = Cpu();
        Driver(new Dictionary<string, string>()).RunGenerators(warmCompilation);
        double warm = clock.Elapsed.TotalMilliseconds, warmCpu = Cpu() - cpu;

        // What an unrelated edit runs again: every output of every step of the generator's that is not cached.
        var tracked = Driver(new Dictionary<string, string>(), track: true).RunGenerators(warmCompilation);
        tracked = tracked.RunGenerators(warmCompilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public static class Unrelated { }", Parse, "U.cs")));
        int reruns = tracked.GetRunResult().Results[0].TrackedSteps
            .Where(s => s.Key is not ("Compilation" or "CompilationOptions" or "ParseOptions" or "SyntaxTrees" or "AdditionalTexts"
                or "AnalyzerConfigOptions" or "MetadataReferences") && !s.Key.Contains("_ForAttribute"))
            .SelectMany(s => s.Value).SelectMany(s => s.Outputs)
            .Count(o => o.Reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));

        if (Environment.GetEnvironmentVariable("GENERATORCOST_STEPS") == "1")
        {
            // Where a warm run's time goes, by tracked step (a third run: a new driver and compilation).
            var steps = Driver(new Dictionary<string, string>(), track: true).RunGenerators(Compile()).GetRunResult().Results[0].TrackedSteps;
            foreach (var (name, list) in steps.OrderByDescending(kv => kv.Value.Sum(x => x.ElapsedTime.TotalMilliseconds)))
                Console.Error.WriteLine($"{name,-50} {list.Sum(x => x.ElapsedTime.TotalMilliseconds),10:0.0} ms over {list.Length} runs");
            // Each stage again on the step's own inputs, warm (internal methods, by reflection): µs a method.
            var asm = typeof(EinsumGenerator).Assembly;
            var declaredValues = steps["Methods"].SelectMany(x => x.Outputs).Select(o => o.Value).ToArray();
            var parse = asm.GetType("EinsumGen.Generator.MethodParser")!.GetMethods().First(m => m.Name == "Parse");
            var plan = asm.GetType("EinsumGen.Generator.MethodPlanner")!.GetMethods().First(m => m.Name == "Plan" && m.GetParameters().Length == 1);
            var emit = asm.GetType("EinsumGen.Generator.CpuEmitter")!.GetMethod("Emit")!;
            var accepted = steps["Accepted"].SelectMany(x => x.Outputs).Select(o => o.Value).ToArray();
            var planned = steps["Plans"].SelectMany(x => x.Outputs).Select(o => o.Value).ToArray();
            void Time(string what, object[] inputs, Func<object, object?> f)
            {
                for (int w = 0; w < 10; w++) foreach (var i in inputs) f(i);
                var c = Stopwatch.StartNew();
                for (int w = 0; w < 5; w++) foreach (var i in inputs) f(i);
                Console.Error.WriteLine($"{what,-10} {c.Elapsed.TotalMilliseconds * 1000 / 5 / inputs.Length,8:0.0} µs a method, warm");
            }
            Time("parse", declaredValues, d => parse.Invoke(null, new[] { d, (object)System.Threading.CancellationToken.None }));
            Time("plan", accepted, m => plan.Invoke(null, new[] { m }));
            Time("emit", planned, p => emit.Invoke(null, new[] { p }));
            var planType = asm.GetType("EinsumGen.Generator.MethodPlan")!;
            var remarks = asm.GetType("EinsumGen.Generator.RemarksWriter")!.GetMethod("Write")!;
            var methodOf = planned[0].GetType().GetProperty("Method")!;
            Time("methodplan", planned, p => Activator.CreateInstance(planType, p));
            Time("remarks", planned, p =>
            {
                var w = new System.CodeDom.Compiler.IndentedTextWriter(new StringWriter());
                return remarks.Invoke(null, new[] { w, methodOf.GetValue(p), Activator.CreateInstance(planType, p) });
            });
            var names = asm.GetType("EinsumGen.Generator.GeneratedNames")!;
            var backward = asm.GetType("EinsumGen.Generator.BackwardWriter")!.GetMethod("Write")!;
            var program = asm.GetType("EinsumGen.Generator.ProgramWriter")!.GetMethod("Write")!;
            Time("backward", planned, p =>
            {
                var w = new System.CodeDom.Compiler.IndentedTextWriter(new StringWriter());
                var method = methodOf.GetValue(p);
                return backward.Invoke(null, new[] { w, method, Activator.CreateInstance(names, method) });
            });
            Time("program", planned, p =>
            {
                var w = new System.CodeDom.Compiler.IndentedTextWriter(new StringWriter());
                var method = methodOf.GetValue(p);
                return program.Invoke(null, new[] { w, method, Activator.CreateInstance(planType, p), Activator.CreateInstance(names, method) });
            });
            var kernelOf = planType.GetMethod("KernelOf")!;
            var stepCount = planType.GetProperty("Steps")!;
            Time("kernels", planned, p =>
            {
                var plan = Activator.CreateInstance(planType, p)!;
                int count = ((System.Collections.ICollection)stepCount.GetValue(plan)!).Count;
                for (int k = 0; k < count; k++) kernelOf.Invoke(plan, new object[] { k });
                return null;
            });
            var runs = planType.GetProperty("RunsWithoutBinding")!;
            Time("nobinding", planned, p => runs.GetValue(Activator.CreateInstance(planType, p)));
        }

        var forward = Driver(new Dictionary<string, string> { ["build_property.EinsumGenDerivatives"] = "false" }).RunGenerators(Compile()).GetRunResult();
        var (fwd, fwdBare) = Lines(forward);
        return new[]
        {
            first / methods, firstCpu / methods, warm / methods, warmCpu / methods, edits[edits.Count / 2], editsCpu[editsCpu.Count / 2], reruns,
            all, allBare, fwd, fwdBare,
        };
    }

    /// <summary>This process's CPU time (all threads), in ms: on a loaded machine it drifts less than the wall clock.</summary>
    private static double Cpu() => Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;

    /// <summary>Lines a method (counted as newlines), and the same without the remarks block.</summary>
    private (double All, double Bare) Lines(GeneratorDriverRunResult result)
    {
        long all = 0, remarks = 0;
        foreach (var tree in result.GeneratedTrees)
        {
            var lines = tree.GetText().ToString().Split('\n');
            all += lines.Length - 1;
            bool inRemarks = false;
            foreach (var line in lines)
            {
                string t = line.Trim();
                if (t == "/// <remarks>") inRemarks = true;
                if (inRemarks) remarks++;
                if (t == "/// </remarks>") inRemarks = false;
            }
        }
        return ((double)all / methods, (double)(all - remarks) / methods);
    }

    /// <summary>The compilation, with its declarations and references loaded before the clock starts (a build has them).</summary>
    private CSharpCompilation Compile()
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).ToList();
        paths.Add(typeof(EinsumGen.EinsumAttribute).Assembly.Location);
        var compilation = CSharpCompilation.Create("Measured", new[] { CSharpSyntaxTree.ParseText(source, Parse, "Many.cs") },
            paths.Distinct().Where(File.Exists).Select(p => MetadataReference.CreateFromFile(p)),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        if (compilation.GetTypeByMetadataName(EinsumGenerator.AttributeName) is null) throw new InvalidOperationException("no EinsumGen.Runtime");
        return compilation;
    }

    private GeneratorDriver Driver(Dictionary<string, string> properties, bool track = false) =>
        CSharpGeneratorDriver.Create(new[] { probe ? new Probe().AsSourceGenerator() : new EinsumGenerator().AsSourceGenerator() }, parseOptions: Parse,
            optionsProvider: new Options(properties),
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: track));

    /// <summary>MSBuild properties as the compiler hands them to a generator.</summary>
    private sealed class Options(Dictionary<string, string> values) : AnalyzerConfigOptionsProvider
    {
        private readonly Values _global = new(values);

        public override AnalyzerConfigOptions GlobalOptions => _global;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Values.Empty;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Values.Empty;

        private sealed class Values(Dictionary<string, string> values) : AnalyzerConfigOptions
        {
            public static readonly Values Empty = new(new Dictionary<string, string>());

            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) =>
                values.TryGetValue(key, out value);
        }
    }
}

/// <summary>Roslyn's share: the same attribute matched, the symbol bound, one line written a method.</summary>
sealed class Probe : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var names = context.SyntaxProvider.ForAttributeWithMetadataName(EinsumGenerator.AttributeName,
            static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax,
            static (ctx, _) => ctx.TargetSymbol.Name + ":" + ctx.Attributes[0].ConstructorArguments.Length);
        context.RegisterSourceOutput(names, static (spc, name) => spc.AddSource(name.Replace(':', '_') + ".g.cs", "// " + name + "\n"));
    }
}
