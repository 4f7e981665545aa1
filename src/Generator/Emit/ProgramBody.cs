using System.Collections.Generic;

namespace EinsumGen.Generator
{
    /// <summary>How a program operand is passed: a tensor span or a plain T.</summary>
    internal enum BodyOperandKind { Tensor, Scalar }

    /// <summary>One operand of a method body: the C# parameter that holds it and its kind.</summary>
    internal sealed class BodyOperand
    {
        public BodyOperand(string name, BodyOperandKind kind)
        {
            Name = name;
            Kind = kind;
        }

        public string Name { get; }

        public BodyOperandKind Kind { get; }
    }

    /// <summary>What one generated method body computes: a planned program, and where its operands and output come from.</summary>
    internal sealed class ProgramBody
    {
        public ProgramBody(MethodPlan plan, string elementType, IReadOnlyList<BodyOperand> operands, string? outputName, IEnumerable<string> reservedNames)
        {
            Plan = plan;
            ElementType = elementType;
            Operands = operands;
            OutputName = outputName;
            ReservedNames = reservedNames;
        }

        public MethodPlan Plan { get; }

        public string ElementType { get; }

        public IReadOnlyList<BodyOperand> Operands { get; }

        /// <summary>The output TensorSpan parameter, or null when the method returns the scalar result.</summary>
        public string? OutputName { get; }

        /// <summary>Names already taken in the method (its parameters): locals avoid them.</summary>
        public IEnumerable<string> ReservedNames { get; }
    }
}
