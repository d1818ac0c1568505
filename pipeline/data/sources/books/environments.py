"""Environments: math, theorem-like blocks, lists, tables, floats, code, pictures, unknown ones.

    mathcpt books book/main.tex -o book.jsonl       # a mixin of pipeline.data.sources.books.latex.LatexBook

`\\end` matching is strict but forgiving: an `\\end{x}` that closes an outer environment first closes what is
still open inside it, and an `\\end` with no `\\begin` is dropped; both are counted as repaired
(`unbalanced_fixed`). What each kind becomes is listed in pipeline.data.sources.books.latex's docstring.
"""

from __future__ import annotations

import re

from pipeline.data.sources.books import commands as C
from pipeline.data.sources.books.markup import LABEL_LIKE, LAYOUT_MARKERS, STOP, ListState, alph, roman
from pipeline.data.sources.books.scan import BGROUP, CS, EGROUP, EOF, raw


class Environments:
    """Mixin of LatexBook (pipeline.data.sources.books.latex); uses its stream, sinks and counters."""

    def begin(self) -> None:
        name, seen = self._env_name()
        if name is None:
            self.emit("\\begin")
            return
        base = name.rstrip("*")
        if name == "document":
            self.preamble = False
            self.sinks[0] = self.unit.parts
            self.env_body(name)
        elif base in C.MATH_ENVS:
            self.math_env(name, seen)
        elif name in C.DROPPED_ENVS:
            self.skip_env(name)
            if name in C.PICTURE_ENVS:
                self.count("pictures_dropped")
        elif name in C.VERBATIM_CODE_ENVS:
            self.code_env(name)
        elif name in C.LIST_ENVS:
            self.list_env(name)
        elif name in C.TABLE_ENVS:
            self.table_env(name)
        elif name in C.FLOAT_ENVS:
            self.float_env(name)
        elif base in self.blocks:
            self.block(name)
        elif name in C.WRAPPER_ENVS:
            self.skip_args(C.WRAPPER_ENVS[name])
            self.env_body(name)
        else:
            self.unknown_env(name)

    def end(self, stop: str | None) -> bool | None:
        name, seen = self._env_name()
        if name is None:
            self.emit("\\end")
            return True
        if name == "document" and self.stream.depth > 1:
            self.stream.drop_current_file()  # a subfile's own \end{document}
            return False
        if stop == "env" and self.env_stack and self.env_stack[-1] == name:
            if name == "document":
                self.stream.frames.clear()  # nothing after \end{document} is read
                self.stream.pending.clear()
            return None
        if name in self.env_stack and stop in ("env", "}"):
            # an environment (or group) inside it was not closed: close it here, let the outer level end `name`
            self.stream.push([(CS, "\\end", 0, 0), *seen])
            self.fix(f"\\end{{{name}}} closes an unclosed {self.env_stack[-1]}")
            return None
        self.fix(f"stray \\end{{{name}}}")
        return False

    def env_body(self, name: str) -> None:
        self.env_stack.append(name)
        self.scopes.append([])
        self.parse("env")
        self.end_scope()
        self.env_stack.pop()

    def skip_env(self, name: str) -> list:
        """Read up to the matching \\end{name} without converting; returns the tokens."""
        out, nest = [], 0
        while True:
            t = self.stream.next()
            if t is None or t[0] in (EOF, STOP):
                if t is not None:
                    self.stream.push([t])
                self.fix(f"{name} open at end of file")
                return out
            if t[0] == CS and t[1] in ("\\begin", "\\end"):
                env, seen = self._env_name()
                if env == name:
                    if t[1] == "\\end" and nest == 0:
                        return out
                    nest += 1 if t[1] == "\\begin" else -1
                out.append(t)
                out.extend(seen)
                continue
            out.append(t)

    def code_env(self, name: str) -> None:
        lang = ""
        if name == "lstlisting":
            opts = self.read_optional(same_line=True)
            m = re.search(r"language\s*=\s*\{?([\w+#-]+)", raw(opts or []))
            lang = m.group(1).lower() if m else ""
        elif name == "minted":
            self.read_optional(same_line=True)
            lang = raw(self.read_arg()).strip().lower()
        code = raw(self.skip_env(name)).strip("\n")
        self.emit("\x02" + self.protect(f"```{lang}\n{code}\n```") + "\x02")

    def list_env(self, name: str) -> None:
        opts = self.read_optional(same_line=True)
        fmt = None
        if opts is not None:
            m = re.search(r"label\s*=\s*\{?([^,}]*)", raw(opts))
            fmt = m.group(1) if m else None
        state = ListState(C.LIST_ENVS[name], len(self.lists) + 1, fmt)
        self.lists.append(state)
        saved = self.current_label
        self.emit("\x02" if state.depth == 1 else "\x01")
        self.env_body(name)
        self.lists.pop()
        self.current_label = saved
        self.emit("\x02" if state.depth == 1 else "\x01")

    def item(self) -> None:
        opt = self.read_optional(same_line=True)
        label = self.inline(self.capture_tokens(opt)) if opt is not None else None
        if not self.lists:
            self.emit("\x01- " if label is None else f"\x01{label} ")
            return
        ls = self.lists[-1]
        ls.n += 1
        indent = "\x03\x03" * (ls.depth - 1)
        if ls.style == "desc":
            bullet = f"- **{label}** " if label else "- "
        elif label is not None:
            bullet = f"{label} "
        elif ls.style == "1":
            number = self._enum_label(ls)
            bullet = number + " "
            self.current_label = (number.rstrip(".").strip("()"), "Item", "")
        else:
            bullet = "- "
        self.emit(f"\x01{indent}{bullet}")

    def _enum_label(self, ls: ListState) -> str:
        n = ls.n
        if ls.label_format:
            f = ls.label_format
            for pat, value in (
                ("\\alph*", alph(n)),
                ("\\Alph*", alph(n).upper()),
                ("\\roman*", roman(n)),
                ("\\Roman*", roman(n).upper()),
                ("\\arabic*", str(n)),
            ):
                f = f.replace(pat, value)
            return f.strip()
        return [f"{n}.", f"({alph(n)})", f"{roman(n)}.", f"{alph(n).upper()}."][min(ls.depth, 4) - 1]

    def table_env(self, name: str) -> None:
        self.skip_args(C.TABLE_ENVS[name])
        self.table_depth += 1
        self.sinks.append([])
        self.env_body(name)
        body = "".join(self.sinks.pop())
        self.table_depth -= 1
        rows = []
        for row in body.split("\x06"):
            cells = [LAYOUT_MARKERS.sub(" ", c).strip() for c in row.split("\x05")]
            if any(cells):
                rows.append(" | ".join(cells))
        self.emit("\x02" + "\x01".join(rows) + "\x02")

    def float_env(self, name: str) -> None:
        self.skip_args("omom" if name.startswith("wrap") else "om" if name.startswith("sub") else "o")
        kind = C.FLOAT_ENVS[name]
        number = None
        if kind:
            self.float_n[kind] += 1
            number = self._numbered(self.float_n[kind])
        saved = self.current_label
        self.current_label = (number or "", kind or "", "")
        self.floats.append((kind, number))
        self.emit("\x02")
        self.env_body(name)
        self.floats.pop()
        self.current_label = saved
        self.emit("\x02")

    def caption(self, name: str) -> None:
        kind = None
        if name == "captionof":
            kind = raw(self.read_arg()).strip().rstrip("*").capitalize() or None
        self.read_optional()
        text = self.capture_tokens(self.read_arg())
        if name == "caption" and self.floats:
            kind, number = self.floats[-1]
        else:
            number = None
            if kind:
                self.float_n[kind] += 1
                number = self._numbered(self.float_n[kind])
                self.current_label = (number, kind, "")
        head = f"{kind} {number}: " if kind and number else ""
        self.emit(f"\x02{head}{text}\x02")

    def block(self, name: str) -> None:
        base = name.rstrip("*")
        title, numbered = self.blocks[base]
        numbered = numbered and not name.endswith("*")
        heading_tokens = self.read_optional(same_line=True)
        label_key = None
        if heading_tokens is None and base not in self.declared_blocks and base not in C.NO_BRACE_TITLE:
            heading_tokens, label_key = self._brace_title()
        self._open_block(name, title, numbered, heading_tokens, label_key)

    def _brace_title(self) -> tuple[list | None, str | None]:
        """`\\begin{definition}{Title}{label}`: a style-file idiom; the groups must follow on the same line."""
        t = self._peek_skip_space(same_line=True)
        if t is None or t[0] != BGROUP:
            return None, None
        self._next_nonspace()
        title = self._group_tokens()
        label_key = None
        t = self._peek_skip_space(same_line=True)
        if t is not None and t[0] == BGROUP:
            self._next_nonspace()
            tokens = self._group_tokens()
            key = raw(tokens).strip()
            if LABEL_LIKE.match(key):
                label_key = key
            else:
                self.stream.push([(BGROUP, "{", t[2], t[3]), *tokens, (EGROUP, "}", t[2], t[3])])
        return title, label_key

    def _open_block(
        self, name: str, title: str, numbered: bool, heading_tokens: list | None, label_key: str | None
    ) -> None:
        heading = self.inline(self.capture_tokens(heading_tokens)) if heading_tokens else ""
        number = ""
        if numbered:
            if title in C.EXERCISE_BLOCKS:
                self.exercise_n += 1
                number = self._numbered(self.exercise_n)
            else:
                self.block_n += 1
                number = self._numbered(self.block_n)
        head = title + (f" {number}" if number else "") + (f" ({heading})" if heading else "")
        self.emit(f"\x02**{head}.** ")
        saved = self.current_label
        self.current_label = (number, title, heading)
        if label_key:
            base = name.rstrip("*")
            for prefix in ("", base, *C.LABEL_PREFIXES.get(title, ())):
                self.guessed_labels.setdefault(f"{prefix}:{label_key}" if prefix else label_key, self.current_label)
        self.env_body(name)
        self.current_label = saved
        self.emit("\x02")

    def unknown_env(self, name: str) -> None:
        """Content passes through without the wrapper; `{Title}{label}` after it reads as a titled block."""
        self.count("unknown_environments")
        opt = self.read_optional(same_line=True)
        if opt is None:
            t = self._peek_skip_space(same_line=True)
            if t is not None and t[0] == BGROUP:
                title, key = self._brace_title()
                if key is not None:
                    self._open_block(name, name.rstrip("*").capitalize(), False, title, key)
                    return
                if title is not None:
                    self.stream.push([(BGROUP, "{", t[2], t[3]), *title, (EGROUP, "}", t[2], t[3])])
        self.emit("\x02")
        self.env_body(name)
        self.emit("\x02")
