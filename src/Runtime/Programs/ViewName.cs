namespace EinsumGen.Runtime
{
    /// <summary>Which argument of a compiled call a view is.</summary>
    internal enum ViewRole { Operand, Output, Gradient, Tangent }

    /// <summary>
    /// The name of a view in error messages, built only when one is thrown: an operand's or the output's parameter name,
    /// or "gradient of …" / "tangent of …" (operand -1 is the result's).
    /// </summary>
    internal readonly struct ViewName
    {
        private readonly EinsumProgram _program;
        private readonly ViewRole _role;
        private readonly int _operand;

        public ViewName(EinsumProgram program, ViewRole role, int operand)
        {
            _program = program;
            _role = role;
            _operand = operand;
        }

        public override string ToString()
        {
            string of = _operand < 0 ? _program.OutputName : _program.OperandNames[_operand];
            return _role switch
            {
                ViewRole.Gradient => "gradient of " + of,
                ViewRole.Tangent => "tangent of " + of,
                _ => of,
            };
        }

        public static implicit operator string(ViewName name) => name.ToString();
    }
}
