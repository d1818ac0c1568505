"""Formulas: read verbatim from the token stream, with user macros expanded, labels turned into tags.

    mathcpt books book/main.tex -o book.jsonl       # a mixin of pipeline.data.sources.books.latex.LatexBook

A formula's text is the concatenation of its tokens' source text, so it comes out exactly as written (comments
removed). Inside it: the book's own macros are expanded (not the name right after a `\\def`), `\\index` goes,
a `\\label` becomes `\\tag{N}` in a numbered environment (and is dropped elsewhere), and a picture environment
makes the whole display drawing code, dropped and counted (`pictures_dropped`). Inline math ends at its closing
`$` at brace depth 0 (so `\\text{$x$}` stays inside), or, repaired and counted, at a blank line or the end of
its file.
"""

from __future__ import annotations

from pipeline.data.sources.books import commands as C
from pipeline.data.sources.books.markup import PARA, STOP
from pipeline.data.sources.books.scan import BGROUP, CS, DMATH, EGROUP, EOF, MATH, TEXT, raw


class Formulas:
    """Mixin of LatexBook (pipeline.data.sources.books.latex); uses its stream, sinks and counters."""

    def inline_math(self, t) -> None:
        closer = t[0]
        parts = [t[1]]
        if self._collect_math(parts, closer_kind=closer, numbered=False):
            return
        self.emit(self.protect("".join(parts)) if closer == MATH else "\x01" + self.protect("".join(parts)) + "\x01")

    def delimited_math(self, name: str) -> None:
        closer = "\\]" if name == "[" else "\\)"
        parts = ["\\" + name]
        picture = self._collect_math(parts, closer_cs=closer, numbered=False)
        if picture:
            return
        text = self.protect("".join(parts))
        self.emit("\x01" + text + "\x01" if name == "[" else text)

    def math_env(self, name: str, begin_tokens: list) -> None:
        parts = ["\\begin" + raw(begin_tokens)]
        picture = self._collect_math(parts, end_env=name, numbered=name in C.NUMBERED_MATH_ENVS)
        if picture:
            return
        self.emit("\x01" + self.protect("".join(parts)) + "\x01")

    def _collect_math(
        self,
        parts: list[str],
        closer_kind: str | None = None,
        closer_cs: str | None = None,
        end_env: str | None = None,
        numbered: bool = False,
    ) -> bool:
        """Append a formula's source to `parts` up to its closing delimiter; True when it was a picture (dropped)."""
        depth, nest, picture, defining = 0, 0, False, False
        closing = closer_cs or (f"\\end{{{end_env}}}" if end_env else (closer_kind or "$"))
        while True:
            t = self.stream.next()
            if t is None or t[0] in (EOF, STOP):
                if t is not None:
                    self.stream.push([t])
                self.fix("formula open at end of file")
                parts.append(closing)
                break
            k = t[0]
            if closer_kind and depth <= 0:
                if k == closer_kind:
                    parts.append(t[1])
                    break
                if k == DMATH and closer_kind == MATH:  # `$a$$b$`: one formula closes, the next opens
                    parts.append("$")
                    self.stream.push([(MATH, "$", t[2], t[3])])
                    break
            if k == TEXT and closer_kind == MATH and "\n" in t[1] and PARA.search(t[1]):
                m = PARA.search(t[1])
                parts.append(t[1][: m.start()] + "$")
                self.stream.push([(TEXT, t[1][m.start() :], t[2], t[3])])
                self.fix("inline formula cut by a blank line")
                break
            if k == BGROUP:
                depth += 1
            elif k == EGROUP:
                depth -= 1
            elif k == CS:
                name = t[1][1:]
                if closer_cs and t[1] == closer_cs:
                    parts.append(t[1])
                    break
                if name in ("begin", "end"):
                    env, seen = self._env_name()
                    if env in C.PICTURE_ENVS and name == "begin":
                        self.skip_env(env)
                        picture = True
                        continue
                    if end_env and env == end_env:
                        nest += 1 if name == "begin" else -1
                        if nest < 0:
                            parts.append(t[1] + raw(seen))
                            break
                    elif name == "end" and env is not None and env in self.env_stack:
                        # `\end{theorem}` while the formula is still open: close the formula, end the theorem
                        self.stream.push([t, *seen])
                        self.fix(f"formula open at \\end{{{env}}}")
                        parts.append(closing)
                        break
                    parts.append(t[1] + raw(seen))
                    continue
                if name in self.macros and self.expand_macros and not defining and self.expand(t):
                    continue
                if defining:
                    defining = False  # `$\\def\\arraystretch{1.3}..$`: the name being defined stays as written
                elif name in C.DEFINITIONS:
                    defining = True
                if name == "label":
                    key = raw(self.read_arg()).strip()
                    if numbered:
                        self.equation_n += 1
                        number = self._numbered(self.equation_n)
                        self.labels.setdefault(key, (number, "Equation", ""))
                        parts.append(f"\\tag{{{number}}}")
                    continue
                if name == "index" or (name.endswith("index") and name not in self.macros):
                    self.skip_args("om")
                    continue
            parts.append(t[1])
        if picture:
            self.count("pictures_dropped")
        return picture
