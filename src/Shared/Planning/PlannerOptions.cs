namespace EinsumGen.Planning
{
    /// <summary>Knobs of <see cref="ContractionPlanner.Plan"/>.</summary>
    internal sealed class PlannerOptions
    {
        public PlanStrategy Strategy { get; set; } = PlanStrategy.Auto;

        /// <summary>
        /// Most elements any intermediate may hold; null means unlimited. The final result (the einsum's output) is exempt:
        /// it must exist anyway. When no order fits, the planner returns the best unconstrained order instead.
        /// </summary>
        public long? MemoryLimit { get; set; }
    }
}
