#!/usr/bin/env python3
"""Writes tests/EinsumGen.Tests/Corpus/Corpus.Methods.cs: one [Einsum] method per (spec, element type) of the
corpus below, plus the table that the corpus tests run against the oracle. Run it after editing CASES:
    python3 tests/tools/make_corpus.py
"""
import os, re

# (name, spec, shapes); a shape of None is a rank-0 operand passed as a plain T.
CASES = [
    # seed 000 section 1
    ("SumAll", "n->", [[5]]),
    ("SumRows", "nm->m", [[5, 3]]),
    ("Inner", "n,n->", [[5], [5]]),
    ("Outer", "n,m->nm", [[5], [3]]),
    ("MatVec", "mn,n->m", [[3, 5], [5]]),
    ("MatMul", "mn,nk->mk", [[3, 5], [5, 4]]),
    ("Contraction", "mnk,mkr->nr", [[5, 10, 7], [5, 7, 2]]),
    # seed 000 section 2
    ("Layer", "NM,M->N", [[3, 5], [5]]),
    ("TensorTrain", "aei, bfij, cgjk, dhk, nabcd -> nefgh", [[3, 2, 2], [3, 2, 2, 2], [3, 2, 2, 2], [3, 2, 2], [4, 3, 3, 3, 3]]),
    # traces and diagonals
    ("Trace", "ii", [[4, 4]]),
    ("Diagonal", "ii->i", [[4, 4]]),
    ("Diagonal3", "iii->i", [[3, 3, 3]]),
    ("DiagonalBatch", "jii->ij", [[2, 3, 3]]),
    ("TraceThenMatVec", "iij,jk->ik", [[3, 3, 4], [4, 2]]),
    ("DiagonalTimesMatrix", "ij,jj->i", [[3, 4], [4, 4]]),
    ("TraceOfProduct", "ab,ba->", [[3, 4], [4, 3]]),
    # transpositions and implicit output
    ("Transpose", "ij->ji", [[3, 4]]),
    ("Reverse3", "ijk->kji", [[2, 3, 4]]),
    ("Swap01", "ijk->jik", [[2, 3, 4]]),
    ("ImplicitTranspose", "ba", [[3, 4]]),
    ("ImplicitMatMul", "ij,jk", [[3, 4], [4, 5]]),
    ("ImplicitInner", "i,i", [[6], [6]]),
    ("ImplicitCase", "Ab,bC", [[2, 3], [3, 4]]),
    ("ImplicitShared", "ij,ik", [[3, 4], [3, 5]]),
    ("Copy", "ij", [[3, 4]]),
    # ellipsis and broadcasting
    ("SumLast", "...i->...", [[2, 3, 4]]),
    ("SumFirst", "i...->...", [[3, 2]]),
    ("BroadcastMul", "...,...", [[3, 4], [2, 3, 4]]),
    ("BatchedInner", "...i,...i", [[2, 3, 5], [5]]),
    ("LeadingInner", "i...,i...", [[4, 3, 2], [4]]),
    ("BatchDiagonal", "...ii->...i", [[2, 3, 3]]),
    ("DiagonalLeading", "ii...->...i", [[3, 3, 2]]),
    ("BatchedMatMul", "...ij,...jk->...ik", [[2, 3, 4], [1, 4, 5]]),
    ("EllipsisCopy", "...->...", [[2, 3]]),
    ("EllipsisMiddle", "i...j->ji...", [[2, 3, 4, 5]]),
    ("SizeOneBroadcast", "ij,ij->ij", [[1, 3], [2, 3]]),
    ("SizeOneContracted", "ij,jk->ik", [[3, 1], [4, 5]]),
    # '...' covering no dimension, the result a scalar the method returns (issue 18; see SCALAR_ELLIPSIS)
    ("ScalarEllipsisInner", "...i,...i", [[5], [5]]),
    ("ScalarEllipsisValues", "...,...", [None, None]),
    ("ScalarEllipsisSum", "...i->...", [[4]]),
    ("ScalarEllipsisScaledSum", "...,i...->...", [None, [4]]),
    # scalars
    ("Scale", "a,->a", [[4], None]),
    ("ScalarProduct", ",->", [None, None]),
    ("ScaleLeft", ",i->i", [None, [5]]),
    ("ScaledSum", "i,->", [[5], None]),
    # more operands
    ("Chain3", "ij,jk,kl->il", [[3, 4], [4, 5], [5, 2]]),
    ("Chain3Implicit", "ij,jk,kl", [[3, 4], [4, 5], [5, 2]]),
    ("Outer3", "a,b,c->abc", [[2], [3], [4]]),
    ("Chain5", "ab,bc,cd,de,ef->af", [[2, 3], [3, 4], [4, 2], [2, 3], [3, 2]]),
    ("Chain8", "ab,bc,cd,de,ef,fg,gh,hi->ai", [[2, 3], [3, 2], [2, 3], [3, 2], [2, 3], [3, 2], [2, 3], [3, 2]]),
    ("Chain11", "ab,bc,cd,de,ef,fg,gh,hi,ij,jk,kl->al", [[2, 2]] * 11),
    ("Hadamard12", "i,i,i,i,i,i,i,i,i,i,i,i->i", [[3]] * 12),
    ("Star6", "ia,ib,ic,id,ie,if->abcdef", [[2, 2]] * 6),
    ("TensorDot", "ijk,jil->kl", [[3, 4, 5], [4, 3, 2]]),
    ("BatchMatMul", "bij,bjk->bik", [[2, 3, 4], [2, 4, 5]]),
    ("Frobenius", "ij,ij->", [[3, 4], [3, 4]]),
    ("Triple", "ij,ij,ij->ij", [[2, 3], [2, 3], [2, 3]]),
    ("OuterSum", "ab,cd->", [[2, 3], [4, 2]]),
    ("Outer4", "ab,cd->abcd", [[2, 3], [2, 2]]),
    ("Contract3D", "abc,cd->abd", [[2, 3, 4], [4, 5]]),
    ("Bilinear", "i,ij,j->", [[3], [3, 4], [4]]),
    # labels of one operand summed first, by a unary step (issue 18)
    ("SumFirstChain", "abc,cd,de->ae", [[2, 6, 2], [2, 2], [2, 2]]),
    ("TraceFirstChain", "iijk,kl,lm->jm", [[4, 4, 2, 2], [2, 2], [2, 2]]),
    ("SumFirstPair", "abc,cd->d", [[3, 4, 2], [2, 5]]),
    ("SumToScalarFirst", "ab,c->c", [[3, 4], [5]]),
    ("SumBothFirst", "abx,xcd->", [[3, 4, 2], [2, 3, 5]]),
    ("EmptyDim", "ij,jk->ik", [[2, 0], [0, 3]]),
    ("EmptyOutput", "ij,jk->ik", [[0, 2], [2, 3]]),
]

TYPES = [("F", "float"), ("D", "double")]

# Cases whose '...' output covers no dimension: their methods return T, as a scalar spec's do.
SCALAR_ELLIPSIS = {"ScalarEllipsisInner", "ScalarEllipsisValues", "ScalarEllipsisSum", "ScalarEllipsisScaledSum"}


def declared_sizes(spec, shapes):
    """Sizes = "..." for a case without ellipsis: each label's size (the largest where size-1 dimensions broadcast)."""
    s = spec.replace(" ", "")
    if "..." in s:
        return None
    sizes = {}
    for term, shape in zip(s.split("->")[0].split(","), shapes):
        for label, size in zip(term, shape or []):
            sizes[label] = size if sizes.get(label, 1) == 1 else sizes[label]
    if not sizes or 0 in sizes.values():
        return None
    return ",".join("%s=%d" % (k, v) for k, v in sorted(sizes.items()))


def with_sized_variants(cases):
    """Every case again with all sizes declared, so that the constant-bound loop nests are checked too."""
    extra = []
    for name, spec, shapes in cases:
        sizes = declared_sizes(spec, shapes)
        if sizes is not None:
            extra.append((name + "Sized", spec, shapes, sizes))
    return [(n, sp, sh, None) for n, sp, sh in cases] + extra


def term_of(spec, i):
    inputs = spec.replace(" ", "").split("->")[0].split(",")
    return inputs[i]


def is_scalar_output(spec, name=""):
    if name in SCALAR_ELLIPSIS:
        return True
    s = spec.replace(" ", "")
    if "->" in s:
        return s.split("->")[1] == ""
    labels = s.replace(",", "").replace("...", "")
    has_ellipsis = "..." in s
    once = [c for c in set(labels) if labels.count(c) == 1]
    return not once and not has_ellipsis


def method(name, spec, shapes, suffix, t, sizes=None):
    params = []
    for i, shape in enumerate(shapes):
        pname = "x%d" % i
        params.append(("%s %s" % (t, pname)) if shape is None else ("ReadOnlyTensorSpan<%s> %s" % (t, pname)))
    scalar = is_scalar_output(spec, name)
    if not scalar:
        params.append("TensorSpan<%s> y" % t)
    ret = t if scalar else "void"
    attribute = '[Einsum("%s")]' % spec if sizes is None else '[Einsum("%s", Sizes = "%s")]' % (spec, sizes)
    return '    %s\n    public static partial %s %s%s(%s);\n' % (attribute, ret, name, suffix, ", ".join(params))


def runner(name, spec, shapes, suffix, t):
    args = []
    for i, shape in enumerate(shapes):
        args.append("Scalar(x[%d])" % i if shape is None else "x[%d]" % i)
    if is_scalar_output(spec, name):
        return "(x, y) => %s%s(%s)" % (name, suffix, ", ".join(args))
    return "(x, y) => { %s%s(%s); return default; }" % (name, suffix, ", ".join(args + ["y"]))


def backward_runner(name, spec, shapes):
    """(operands, output gradient, gradient buffers, mode) -> calls the generated double Backward."""
    args = ["Scalar(x[%d])" % i if shape is None else "x[%d]" % i for i, shape in enumerate(shapes)]
    gy = "Scalar(gy)" if is_scalar_output(spec, name) else "gy"
    grads = ["Span(g[%d])" % i for i in range(len(shapes))]
    return "(x, gy, g, mode) => %sDBackward(%s)" % (name, ", ".join(args + [gy] + grads + ["mode"]))


def jvp_runner(name, spec, shapes):
    """(operands, tangents, output tangent) -> calls the generated double Jvp; returns the scalar result or default."""
    args = ["Scalar(x[%d])" % i if shape is None else "x[%d]" % i for i, shape in enumerate(shapes)]
    tangents = ["Scalar(t[%d])" % i if shape is None else "t[%d]" % i for i, shape in enumerate(shapes)]
    if is_scalar_output(spec, name):
        return "(x, t, y) => %sDJvp(%s)" % (name, ", ".join(args + tangents))
    return "(x, t, y) => { %sDJvp(%s); return default; }" % (name, ", ".join(args + tangents + ["y"]))


def shape_literal(shape):
    return "null" if shape is None else "new[] { %s }" % ", ".join(str(d) for d in shape)


def main():
    root = os.path.join(os.path.dirname(__file__), "..", "EinsumGen.Tests", "Corpus")
    out = []
    out.append("// Generated by tests/tools/make_corpus.py from its CASES table; edit that table, not this file.\n")
    out.append("using System.Collections.Generic;\nusing System.Numerics.Tensors;\nusing EinsumGen;\n\nnamespace EinsumGen.Tests.Corpus;\n\n")
    out.append("public static partial class CorpusMethods\n{\n")
    cases = with_sized_variants(CASES)
    for name, spec, shapes, sizes in cases:
        for suffix, t in TYPES:
            out.append(method(name, spec, shapes, suffix, t, sizes))
    out.append("\n    /// <summary>Every corpus case: its spec, operand shapes (null: rank 0) and how to call its float and double methods.</summary>\n")
    out.append("    public static IReadOnlyList<CorpusCase> Cases { get; } = new CorpusCase[]\n    {\n")
    for name, spec, shapes, _ in cases:
        out.append('        new("%s", "%s", new int[]?[] { %s },\n            %s,\n            %s,\n            %s,\n            %s%s),\n' % (
            name, spec, ", ".join(shape_literal(s) for s in shapes),
            runner(name, spec, shapes, "F", "float"), runner(name, spec, shapes, "D", "double"),
            backward_runner(name, spec, shapes), jvp_runner(name, spec, shapes),
            ",\n            ReturnsScalar: true" if name in SCALAR_ELLIPSIS else ""))
    out.append("    };\n}\n")
    with open(os.path.join(root, "Corpus.Methods.cs"), "w") as f:
        f.write("".join(out))


if __name__ == "__main__":
    main()
