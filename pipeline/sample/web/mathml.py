"""LaTeX to bare MathML for simple formulas (letters, numbers, + - = ( ) , ^ and \\frac only)."""

from __future__ import annotations

import html


def _mml_parse(latex: str):
    """Parse a simple formula into nodes, or None when it uses anything else."""
    pos = 0
    s = latex

    def group() -> list | None:
        nonlocal pos
        if pos < len(s) and s[pos] == "{":
            pos += 1
            nodes = seq("}")
            if nodes is None or pos >= len(s) or s[pos] != "}":
                return None
            pos += 1
            return nodes
        if pos < len(s) and (s[pos].isalnum()):
            pos += 1
            return [("mn" if s[pos - 1].isdigit() else "mi", s[pos - 1])]
        return None

    def seq(stop: str | None) -> list | None:
        nonlocal pos
        nodes: list = []
        while pos < len(s):
            c = s[pos]
            if stop and c == stop:
                return nodes
            if c == " ":
                pos += 1
            elif c.isdigit():
                j = pos
                while j < len(s) and s[j].isdigit():
                    j += 1
                nodes.append(("mn", s[pos:j]))
                pos = j
            elif c.isalpha():
                nodes.append(("mi", c))
                pos += 1
            elif c in "+-=(),":
                nodes.append(("mo", c))
                pos += 1
            elif c == "^":
                pos += 1
                if not nodes:
                    return None
                base = nodes.pop()
                if base == ("mo", ")"):
                    depth, k = 1, len(nodes) - 1
                    while k >= 0:
                        if nodes[k] == ("mo", ")"):
                            depth += 1
                        elif nodes[k] == ("mo", "("):
                            depth -= 1
                            if depth == 0:
                                break
                        k -= 1
                    if k < 0:
                        return None
                    base = ("mrow", nodes[k:] + [("mo", ")")])
                    del nodes[k:]
                elif base[0] == "mo":
                    return None
                exp = group()
                if not exp:
                    return None
                nodes.append(("msup", base, exp))
            elif s.startswith("\\frac", pos):
                pos += 5
                num = group()
                den = group()
                if not num or not den:
                    return None
                nodes.append(("mfrac", num, den))
            else:
                return None
        return None if stop else nodes

    nodes = seq(None)
    return nodes or None


def _mml_xml(node) -> str:
    kind = node[0]
    if kind in ("mi", "mn", "mo"):
        return f"<{kind}>{html.escape(node[1], quote=False)}</{kind}>"
    if kind == "mrow":
        return "<mrow>" + "".join(_mml_xml(n) for n in node[1]) + "</mrow>"
    if kind == "msup":
        exp = node[2]
        exp_xml = _mml_xml(exp[0]) if len(exp) == 1 else "<mrow>" + "".join(_mml_xml(n) for n in exp) + "</mrow>"
        return f"<msup>{_mml_xml(node[1])}{exp_xml}</msup>"
    if kind == "mfrac":
        num = "".join(_mml_xml(n) for n in node[1])
        den = "".join(_mml_xml(n) for n in node[2])
        return f"<mfrac><mrow>{num}</mrow><mrow>{den}</mrow></mfrac>"
    raise ValueError(kind)


def _mml_tex(node) -> str:
    """The LaTeX a straightforward MathML converter produces (no spaces, exponents braced)."""
    kind = node[0]
    if kind in ("mi", "mn", "mo"):
        return node[1]
    if kind == "mrow":
        return "".join(_mml_tex(n) for n in node[1])
    if kind == "msup":
        return _mml_tex(node[1]) + "^{" + "".join(_mml_tex(n) for n in node[2]) + "}"
    if kind == "mfrac":
        return "\\frac{" + "".join(_mml_tex(n) for n in node[1]) + "}{" + "".join(_mml_tex(n) for n in node[2]) + "}"
    raise ValueError(kind)


def simple_mathml(latex: str, display: bool = False) -> tuple[str, str] | None:
    """(MathML markup, converter LaTeX) for a simple formula, else None."""
    nodes = _mml_parse(latex)
    if not nodes:
        return None
    attr = ' display="block"' if display else ""
    body = "".join(_mml_xml(n) for n in nodes)
    return f"<math{attr}><mrow>{body}</mrow></math>", "".join(_mml_tex(n) for n in nodes)
