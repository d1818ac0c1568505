"""The book's own definitions: `\\newcommand`/`\\def`/`\\DeclareMathOperator` expansion, `\\newtheorem`, conditionals.

    mathcpt books book/main.tex -o book.jsonl       # a mixin of pipeline.data.sources.books.latex.LatexBook

A macro is expanded when it is "simple": up to nine undelimited parameters (`#1`..`#9`, `\\newcommand`'s optional
first argument with its default included) and a body that defines nothing itself (`\\def`, `##`, `@` internals).
Definitions are local to the group or environment they are made in, as in TeX (`\\gdef`/`\\xdef` are global).
Expansion is by token substitution, so an expanded macro is read again like source text (macros in its body
expand too, up to a depth of 32, which stops `\\def\\a{\\a}`). Redefinitions of the commands the converter gives
meaning to (`\\section`, `\\label`, `\\emph`, ...) are ignored: they restyle, they do not change the text.

Conditionals: `\\iftrue`/`\\iffalse` and switches made with `\\newif` (set by `\\footrue`/`\\foofalse`) are
decided; `\\ifthenelse{cond}{A}{B}` takes B (its conditions test `\\jobname` build variants, whose else branch is
the ordinary book); other TeX conditionals cannot be decided without TeX, so both branches are kept.
"""

from __future__ import annotations

import re

from pipeline.data.sources.books import commands as C
from pipeline.data.sources.books.markup import (
    MAX_EXPANSION_DEPTH,
    MAX_EXPANSIONS,
    PARAM,
    SIMPLE_BODY_BREAKERS,
    STOP,
    Macro,
)
from pipeline.data.sources.books.scan import BGROUP, CS, EOF, TEXT, raw, tokenize


class Definitions:
    """Mixin of LatexBook (pipeline.data.sources.books.latex); uses its stream, sinks and counters."""

    def expand(self, t) -> bool:
        """Replace the macro token t by its expansion in the stream; False (the caller keeps t as written) past the
        depth or count limits that stop a self-referencing definition."""
        name = t[1][1:]
        if t[3] >= MAX_EXPANSION_DEPTH or self.expansions >= MAX_EXPANSIONS + 2 * self.source_tokens:
            self.count("macros_not_expanded")
            return False
        m = self.macros[name]
        args: list[str] = []
        if m.default is not None:
            opt = self.read_optional()
            args.append(m.default if opt is None else raw(opt))
        while len(args) < m.nargs:
            args.append(raw(self.read_arg()))
        body = PARAM.sub(lambda g: args[int(g.group(1)) - 1] if int(g.group(1)) <= len(args) else g.group(), m.body)
        self.stream.push(tokenize(body, t[2], t[3] + 1))
        self.expansions += 1
        self.count("macros_expanded")
        return True

    def define(self, name: str) -> None:
        base = name.rstrip("*")
        if base in ("newcommand", "renewcommand", "providecommand", "DeclareRobustCommand"):
            target = self.read_arg()
            n = self.read_optional()
            default = self.read_optional()
            body = raw(self.read_arg())
            if len(target) == 1 and target[0][0] == CS:
                try:
                    nargs = int(raw(n).strip()) if n is not None else 0
                except ValueError:
                    return
                if base == "providecommand" and target[0][1][1:] in self.macros:
                    return
                self.register(target[0][1][1:], nargs, None if default is None else raw(default), body)
        elif base in ("def", "gdef", "edef", "xdef"):
            target = self._next_nonspace()
            params = []
            while True:
                u = self.stream.next()
                if u is None or u[0] in (EOF, STOP, BGROUP):
                    break
                params.append(u)
            if u is None or u[0] != BGROUP:
                if u is not None:
                    self.stream.push([u])
                return
            body = raw(self._group_tokens())
            spec = raw(params).lstrip()  # TeX skips the space after the macro's name
            if target is not None and target[0] == CS and re.fullmatch(r"(#[1-9])*", spec):
                nargs = len(spec) // 2
                if spec == "".join(f"#{i}" for i in range(1, nargs + 1)):
                    self.register(target[1][1:], nargs, None, body, is_global=base in ("gdef", "xdef"))
        elif base == "let":  # `\let\a\b`, `\let\a=\b`, `\let\a = b`: consumed, not followed
            self._next_nonspace()
            t = self._next_nonspace()
            if t is not None and t[0] == TEXT:
                s = t[1].lstrip()
                if s.startswith("="):
                    s = s[1:].lstrip()
                    if not s:
                        self._next_nonspace()
                        return
                if len(s) > 1:
                    self.stream.push([(TEXT, s[1:], t[2], t[3])])
        elif base == "DeclareMathOperator":
            target, body = self.read_arg(), raw(self.read_arg())
            if len(target) == 1 and target[0][0] == CS:
                op = "\\operatorname*" if name.endswith("*") else "\\operatorname"
                self.register(target[0][1][1:], 0, None, f"{op}{{{body}}}")
        elif base in ("newenvironment", "renewenvironment"):
            self.skip_args("moomm")
        elif base == "newtheorem":
            env = raw(self.read_arg()).strip()
            self.read_optional()
            title = self.render_inline(self.capture_tokens(self.read_arg()))
            self.read_optional()
            if env and title:
                self.blocks[env] = (title, not name.endswith("*"))
                self.declared_blocks.add(env)
        elif base == "newif":
            t = self.stream.next()
            if t is not None and t[0] == CS and t[1].startswith("\\if"):
                self.newifs[t[1][3:]] = False
        else:  # \NewDocumentCommand and friends: xparse specs are not "simple"
            self.skip_args("mmm" if "Environment" not in name else "mmmm")

    def register(self, name: str, nargs: int, default: str | None, body: str, is_global: bool = False) -> None:
        structural = (
            name in C.SECTIONS
            or name in C.DROP
            or name in C.TEXT_ARG
            or name in C.REFS
            or name in ("begin", "end", "item", "label", "caption", "input", "include", "par")
        )
        if structural or not 0 <= nargs <= 9 or SIMPLE_BODY_BREAKERS.search(body) or name.startswith("if"):
            self.count("macros_not_simple")
            return
        if not is_global and len(self.scopes) > 1:
            self.scopes[-1].append((name, self.macros.get(name)))
        self.macros[name] = self.all_macros[name] = Macro(nargs, default, body)

    def end_scope(self) -> None:
        """Definitions made inside a group or environment end with it, as in TeX (`\\gdef` excepted)."""
        for name, old in reversed(self.scopes.pop()):
            if old is None:
                self.macros.pop(name, None)
            else:
                self.macros[name] = old

    def conditional(self, name: str) -> bool:
        """\\iftrue, \\iffalse and \\newif switches are decided; other TeX conditionals are dropped (both branches
        kept). Returns False when the name is not a conditional at all (\\iff is a math symbol)."""
        if name == "iftrue" or name[2:] in self.newifs and self.newifs[name[2:]]:
            self.conds.append("decided")
            return True
        if name == "iffalse" or name[2:] in self.newifs:
            if self._skip_branch() == "else":
                self.conds.append("decided")
            return True
        if name in C.PRIMITIVE_IFS:
            self.conds.append("kept")
            return True
        return False

    def _set_newif(self, name: str) -> bool:
        for suffix, value in (("true", True), ("false", False)):
            if name.endswith(suffix) and name[: -len(suffix)] in self.newifs:
                self.newifs[name[: -len(suffix)]] = value
                return True
        return False

    def _skip_branch(self) -> str | None:
        """Skip tokens up to the matching \\else or \\fi (nested conditionals counted); returns which ended it."""
        nest = 0
        while True:
            t = self.stream.next()
            if t is None or t[0] == EOF:
                if t is not None:
                    self.stream.push([t])
                self.fix("conditional without \\fi")
                return None
            if t[0] != CS:
                continue
            n = t[1][1:]
            if n in C.PRIMITIVE_IFS or (n.startswith("if") and n[2:] in self.newifs):
                nest += 1
            elif n == "fi":
                if nest == 0:
                    return "fi"
                nest -= 1
            elif n == "else" and nest == 0:
                return "else"

    def expand_formula(self, formula: str) -> str:
        """`formula` with the book's macros expanded as the converter does inside math (for measuring); every
        definition met counts, whatever group it was local to."""
        self.macros = dict(self.all_macros)
        self.stream.push([*tokenize(formula), (STOP, "", 0, 0)])
        parts = []
        while True:
            t = self.stream.next()
            if t is None or t[0] == STOP:
                return "".join(parts)
            if t[0] == CS and t[1][1:] in self.macros and self.expand(t):
                continue
            parts.append(t[1])
