"""Reading LaTeX arguments off the token stream: `{groups}`, `[optional]` arguments, environment names.

    mathcpt books book/main.tex -o book.jsonl       # a mixin of pipeline.data.sources.books.latex.LatexBook

TeX's rules, simplified: a mandatory argument is a `{group}` or a single token (one character of a text run),
spaces before it are skipped; an optional argument is a `[...]` at bracket depth 0 outside braces. An argument
never runs past the end of its file: an unclosed one ends there and is counted as repaired.
"""

from __future__ import annotations

import re

from pipeline.data.sources.books.markup import STOP
from pipeline.data.sources.books.scan import BGROUP, CS, EGROUP, EOF, LBRACK, RBRACK, TEXT, raw


def out_envs(tokens: list) -> set[str]:
    """Environments begun inside an argument's tokens so far (their \\end belongs to the argument)."""
    names = set()
    for i, t in enumerate(tokens):
        if t[0] == CS and t[1] == "\\begin" and i + 2 < len(tokens) and tokens[i + 1][0] == BGROUP:
            names.add(tokens[i + 2][1].strip())
    return names


class ArgReader:
    """Mixin of LatexBook (pipeline.data.sources.books.latex); uses its stream, sinks and counters."""

    def _input_name(self) -> str:
        """`\\input{file}` or TeX's `\\input file.tex` (the name ends at a space)."""
        t = self._next_nonspace()
        if t is None:
            return ""
        if t[0] == BGROUP:
            return raw(self._group_tokens())
        if t[0] == TEXT:
            name, rest = re.match(r"\s*(\S*)(.*)", t[1], re.S).groups()
            if rest:
                self.stream.push([(TEXT, rest, t[2], t[3])])
            return name
        self.stream.push([t])
        return ""

    def _next_nonspace(self):
        while True:
            t = self.stream.next()
            if t is None or t[0] != TEXT or t[1].strip():
                return t

    def _peek_skip_space(self, same_line: bool = False):
        """The next non-space token, left unread; the skipped spaces stay unread too when it is not wanted."""
        skipped = []
        while True:
            t = self.stream.next()
            if t is not None and t[0] == TEXT and not t[1].strip() and not (same_line and "\n" in t[1]):
                skipped.append(t)
                continue
            if t is not None:
                skipped.append(t)
            self.stream.push(skipped)
            return t

    def _group_tokens(self) -> list:
        """Tokens up to the `}` matching an already-read `{` (exclusive). An unclosed group ends at its file's end,
        or at the `\\end` of an environment opened before it (`\\item \\textbf{x \\end{itemize}`)."""
        out, depth = [], 1
        while True:
            t = self.stream.next()
            if t is None or t[0] in (EOF, STOP):
                if t is not None:
                    self.stream.push([t])
                self.fix("unclosed argument")
                return out
            if t[0] == CS and t[1] == "\\end" and self.env_stack:
                env, seen = self._env_name()
                if env is not None and env in self.env_stack and env not in out_envs(out):
                    self.stream.push([t, *seen])
                    self.fix(f"argument open at \\end{{{env}}}")
                    return out
                out.append(t)
                out.extend(seen)
                continue
            if t[0] == BGROUP:
                depth += 1
            elif t[0] == EGROUP:
                depth -= 1
                if depth == 0:
                    return out
            out.append(t)

    def read_arg(self) -> list:
        """A mandatory argument: a group's tokens, or one token (one character of a text run)."""
        t = self._next_nonspace()
        if t is None or t[0] in (EOF, STOP):
            if t is not None:
                self.stream.push([t])
            return []
        if t[0] == BGROUP:
            return self._group_tokens()
        if t[0] == TEXT:
            s = t[1].lstrip()
            if len(s) > 1:
                self.stream.push([(TEXT, s[1:], t[2], t[3])])
            return [(TEXT, s[0], t[2], t[3])]
        if t[0] == EGROUP:
            self.stream.push([t])
            return []
        return [t]

    def read_optional(self, same_line: bool = False) -> list | None:
        """An optional `[...]` argument's tokens, or None when the next token is not `[`."""
        t = self._peek_skip_space(same_line)
        if t is None or t[0] != LBRACK:
            return None
        self._next_nonspace()
        out, depth, brackets = [], 0, 0
        while True:
            t = self.stream.next()
            if t is None or t[0] in (EOF, STOP):
                if t is not None:
                    self.stream.push([t])
                self.fix("unclosed optional argument")
                return out
            k = t[0]
            if k == BGROUP:
                depth += 1
            elif k == EGROUP:
                depth -= 1
            elif k == LBRACK and depth == 0:
                brackets += 1
            elif k == RBRACK and depth == 0:
                if brackets == 0:
                    return out
                brackets -= 1
            out.append(t)

    def skip_args(self, spec: str) -> list[list | None]:
        args = []
        for a in spec:
            args.append(self.read_optional() if a == "o" else self.read_arg())
        return args

    def _env_name(self) -> tuple[str | None, list]:
        """After \\begin or \\end: the environment's name and the tokens read (to put back or copy verbatim)."""
        seen = []
        t = self.stream.next()
        while t is not None and t[0] == TEXT and not t[1].strip():
            seen.append(t)
            t = self.stream.next()
        if t is None or t[0] != BGROUP:
            if t is not None:
                seen.append(t)
            self.stream.push(seen)
            return None, []
        seen.append(t)
        name = []
        while True:
            u = self.stream.next()
            if u is None or u[0] in (EOF, STOP):
                if u is not None:
                    self.stream.push([u])
                return None, seen + name
            if u[0] == EGROUP:
                seen.extend(name)
                seen.append(u)
                return raw(name).strip(), seen
            if u[0] not in (TEXT, CS):
                self.stream.push([u])
                return None, seen + name
            name.append(u)
