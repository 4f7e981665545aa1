namespace EinsumGen
{
    /// <summary>How a generated backward method writes the gradients it computes.</summary>
    public enum GradientMode
    {
        /// <summary>Each requested gradient buffer is overwritten.</summary>
        Overwrite,

        /// <summary>Each gradient is added to what its buffer holds (training loops that sum gradients).</summary>
        Accumulate,
    }
}
