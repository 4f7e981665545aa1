using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace EinsumGen.Convolutions
{
    public static partial class Conv
    {
        /// <summary>
        /// How <paramref name="network"/> (simplified or not) runs: which patterns are gathers (unfold of an operand through
        /// the index map), scatters (fold), or summed into small count matrices, and the plan of the einsum that remains,
        /// with the legs that stand together everywhere merged (as the executor merges them), as <see cref="EinsumPlan"/>
        /// prints it for the network's sizes.
        /// </summary>
        public static string Explain(ConvNetwork network)
        {
            System.ArgumentNullException.ThrowIfNull(network);
            var sketch = ConvRunSketch.Of(network);
            var text = new StringBuilder();
            foreach (var step in sketch.Steps) text.AppendLine(step);
            string merged = sketch.Merged(out var shapes);
            text.AppendLine(merged == sketch.Spec ? $"einsum {merged}:" : $"einsum {sketch.Spec}, legs merged: {merged}:");
            text.Append(EinsumPlan.Create(merged, shapes).ToString().TrimEnd());
            if (sketch.After is not null)
            {
                text.AppendLine();
                text.Append(sketch.After);
            }
            return text.ToString();
        }
    }
}
