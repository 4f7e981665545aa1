namespace EinsumGen.Generator
{
    /// <summary>
    /// The namespace aliases every generated file declares, so that its code reads <c>Tensors::TensorSpan&lt;float&gt;</c>
    /// instead of a full <c>global::</c> name. An alias qualifier (<c>::</c>) looks up aliases only, so a user's type of
    /// the same name cannot capture these.
    /// </summary>
    internal static class Aliases
    {
        public const string Tensors = "Tensors::";
        public const string Runtime = "Runtime::";
        public const string Generated = "Generated::";
        public const string EinsumGen = "EinsumGen::";
        public const string CompilerServices = "CompilerServices::";
        public const string InteropServices = "InteropServices::";
        public const string Intrinsics = "Intrinsics::";
        public const string Unsafe = CompilerServices + "Unsafe";

        /// <summary>The using directives at the top of a generated file.</summary>
        public static readonly string[] Directives =
        {
            "using CodeDom = global::System.CodeDom.Compiler;",
            "using CompilerServices = global::System.Runtime.CompilerServices;",
            "using EinsumGen = global::EinsumGen;",
            "using Generated = global::EinsumGen.Generated;",
            "using InteropServices = global::System.Runtime.InteropServices;",
            "using Intrinsics = global::System.Runtime.Intrinsics;",
            "using Runtime = global::EinsumGen.Runtime;",
            "using Tensors = global::System.Numerics.Tensors;",
        };

        /// <summary>A parameter declaration as the user wrote it, with its tensor type through the alias.</summary>
        public static string Declaration(string declaration) => declaration.Replace("global::System.Numerics.Tensors.", Tensors);
    }
}
