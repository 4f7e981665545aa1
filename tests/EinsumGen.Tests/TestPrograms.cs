using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using EinsumGen.Notation;
using EinsumGen.Runtime;

namespace EinsumGen.Tests;

/// <summary>
/// Builds a program as generated code does, from a spec, a Sizes text and an order written "left,right>labels;..." (tests
/// only: generated code writes the typed program directly).
/// </summary>
internal static class TestPrograms
{
    public static EinsumProgram Create(string spec, string? sizes, string order, string[] operandNames, string outputName)
    {
        var expression = EinsumParser.Parse(spec);
        var terms = expression.Inputs.Select((t, i) => ProgramTerm.From(operandNames[i], t)).ToArray();
        var labels = new List<string>(expression.PlannerInputs());
        var steps = new List<ProgramStep>();
        foreach (var part in order.Split(';'))
        {
            int gt = part.IndexOf('>');
            var ids = part.Substring(0, gt).Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            string result = part.Substring(gt + 1);
            string inputs = labels[ids[0]] + (ids[1] < 0 ? string.Empty : labels[ids[1]]);
            string summed = new string(inputs.Distinct().Where(c => result.IndexOf(c) < 0).ToArray());
            steps.Add(new ProgramStep(ids[0], ids[1], result, summed));
            labels.Add(result);
        }
        var declared = SizesParser.Parse(sizes).OrderBy(kv => kv.Key).Select(kv => new DeclaredSize(kv.Key, kv.Value)).ToArray();
        return new EinsumProgram(spec, terms, ProgramTerm.From(outputName, expression.Output), declared, steps.ToArray());
    }
}
