using EinsumGen.Planning;
using EinsumGen.Runtime;

namespace EinsumGen.Generator.Models
{
    /// <summary>
    /// A method with its contraction order, fixed at build time: the value the emitter reads, equal when neither the
    /// method nor its plan changed. <see cref="PlanSizes"/> holds every label's size as planned (declared or assumed) and
    /// '.' for the ellipsis dimensions.
    /// </summary>
    internal sealed record PlannedMethod(
        EinsumMethod Method,
        EquatableArray<DeclaredSize> PlanSizes,
        EquatableArray<PlannedStep> Steps,
        long NaiveFlops,
        long TotalFlops,
        long LargestIntermediate,
        string Strategy);

    /// <summary>One planned step: what the runtime program carries, plus its cost for the remarks.</summary>
    internal sealed record PlannedStep(ProgramStep Step, long Flops, long ResultSize, EinsumStepKind Kind)
    {
        public int Left => Step.Left;

        public int Right => Step.Right;

        public string ResultLabels => Step.ResultLabels;

        public string SummedLabels => Step.SummedLabels;
    }
}
