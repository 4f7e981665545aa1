using System.Collections.Generic;
using System.Linq;
using EinsumGen.Generator.Models;

namespace EinsumGen.Generator
{
    /// <summary>
    /// The names a method's generated code introduces: parameters of the backward and forward-mode methods, locals, and
    /// the file-local types, each kept clear of the user's parameter names.
    /// </summary>
    internal sealed class GeneratedNames
    {
        private readonly HashSet<string> _taken;

        public GeneratedNames(EinsumMethod method)
        {
            _taken = new HashSet<string>(method.Operands.Select(o => o.Name.TrimStart('@')));
            string output = method.Output?.Name.TrimStart('@') ?? "result";
            if (method.Output is not null) _taken.Add(output);
            OutputGradient = Fresh(output + "Gradient");
            Gradients = method.Operands.Select(o => Fresh(o.Name.TrimStart('@') + "Gradient")).ToList();
            Tangents = method.Operands.Select(o => Fresh(o.Name.TrimStart('@') + "Tangent")).ToList();
            OutputTangent = Fresh(output + "Tangent");
            Mode = Fresh("mode");
            Views = Fresh("views");
            Result = Fresh("result");
            var members = new HashSet<string>(method.MemberNames);
            Core = FreshMember(members, method.Name + "Core");
            Strided = FreshMember(members, method.Name + "Strided");
            ViewsType = method.Name + "Views";
            ProgramType = method.Name + "Program";
        }

        public string OutputGradient { get; }

        public IReadOnlyList<string> Gradients { get; }

        public IReadOnlyList<string> Tangents { get; }

        public string OutputTangent { get; }

        public string Mode { get; }

        /// <summary>The local that holds a call's views.</summary>
        public string Views { get; }

        /// <summary>The local a scalar result is written to.</summary>
        public string Result { get; }

        /// <summary>The method that takes every view by reference, behind an inlined forwarder.</summary>
        public string Core { get; }

        /// <summary>The method that runs a call with a binding-free path on the runtime when its views do not fit that path.</summary>
        public string Strided { get; }

        /// <summary>The file-local <c>ref struct</c> of a call's views (a method with more operands than <c>EinsumCall</c> takes).</summary>
        public string ViewsType { get; }

        /// <summary>The file-local class that holds the program.</summary>
        public string ProgramType { get; }

        /// <summary>Every name taken so far (locals of other writers avoid them).</summary>
        public IEnumerable<string> Taken => _taken;

        /// <summary>A private helper's name that no member of the containing type (nor another helper) has.</summary>
        private static string FreshMember(HashSet<string> members, string name)
        {
            while (!members.Add(name)) name += "_";
            return name;
        }

        private string Fresh(string name)
        {
            while (!_taken.Add(name)) name += "_";
            return name;
        }
    }
}
