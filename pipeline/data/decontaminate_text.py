"""Decontamination's text side: normalised tokens, their n-gram hashes and a bit-parallel LCS.

    .venv/bin/python -c "from pipeline.data.decontaminate_text import tokenize; print(tokenize('Ｌｅｔ $\\\\dfrac{x}{2}$ ＝ ３。'))"

Used by pipeline.data.decontaminate (the index and the filter) and by the synthesis post-filters. Tokens are LaTeX
command names (spacing and sizing commands dropped, a few aliases merged), single CJK characters and runs of letters
and digits (inner apostrophes dropped: `Mary's`, `Mary’s` and `Marys` are one token). Case and width are folded before anything is hashed: full-width ASCII forms and the ideographic space are
mapped to half-width one-to-one (character offsets stay valid for span removal), then every token is case-folded
(and NFKC-normalised when it is not ASCII). Punctuation of any width (`，。：；？！（）「」…` as well as ASCII), whitespace,
Markdown emphasis and math operators only separate tokens, so a copy that changes them has the same tokens.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import xxhash

# CJK ideographs, kana and hangul are one token per character; the kana block's two punctuation marks (゠ U+30A0 and
# the middle dot ・ U+30FB) are left out so that they separate tokens like every other punctuation mark.
CJK = "\u2e80-\u2fdf\u3040-\u309f\u30a1-\u30fa\u30fc-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
WORD = rf"[^\W_{CJK}]+"
# A word keeps its inner apostrophes (Mary's, don’t), which are then dropped: a copy that strips them keeps its tokens.
TOKEN = re.compile(rf"\\[A-Za-z]+|[{CJK}]|{WORD}(?:['’ʼ]{WORD})*")
APOSTROPHES = str.maketrans("", "", "'’ʼ")
# LaTeX that only changes spacing, sizing or style: it carries no content, so it never counts as a token.
DROPPED_COMMANDS = frozenset(
    "left right big bigl bigr Big Bigl Bigr bigg biggl biggr Bigg Biggl Biggr middle displaystyle textstyle "
    "scriptstyle quad qquad enspace thinspace medspace thickspace negthinspace hspace vspace limits nolimits "
    "mathrm mathit mathbf mathsf mathtt textrm textit textbf text mbox boldsymbol bm rm it bf".lower().split()
)
COMMAND_ALIASES = {
    "dfrac": "frac",
    "tfrac": "frac",
    "le": "leq",
    "ge": "geq",
    "ne": "neq",
    "leqslant": "leq",
    "geqslant": "geq",
    "to": "rightarrow",
    "gets": "leftarrow",
}
_MULT = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit multiplier of the rolling n-gram hash
# Full-width ASCII forms (U+FF01..U+FF5E) and the ideographic space, mapped one-to-one to half-width before the token
# regex runs, so `\ｆｒａｃ` is still a command, `３．５` is `3.5`, and character offsets stay valid for span removal.
HALF_WIDTH = {0xFF01 + i: 0x21 + i for i in range(0x5E)} | {0x3000: 0x20}


def _normalize_token(raw: str) -> str | None:
    if raw[0] == "\\":
        name = raw[1:].lower()  # like words: \Delta and \delta (or an upper-cased copy) compare equal
        if name in DROPPED_COMMANDS:
            return None
        return COMMAND_ALIASES.get(name, name)
    token = raw.lower() if raw.isascii() else unicodedata.normalize("NFKC", raw).casefold()
    return token.translate(APOSTROPHES) if "'" in token or "’" in token or "ʼ" in token else token


def tokenize(text: str) -> list[str]:
    """Normalised tokens of a text (see module docstring)."""
    return [t for t in map(_normalize_token, TOKEN.findall(text.translate(HALF_WIDTH))) if t]


def tokenize_with_spans(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Tokens and their character spans in the original text (same tokens as `tokenize`)."""
    tokens, spans = [], []
    for m in TOKEN.finditer(text.translate(HALF_WIDTH)):
        t = _normalize_token(m.group())
        if t:
            tokens.append(t)
            spans.append(m.span())
    return tokens, spans


def token_hashes(tokens: list[str]) -> np.ndarray:
    """64-bit hash per token, the same in every process (Python's `hash` is salted per process, and the index is
    built in one task and read in others)."""
    return np.fromiter(map(xxhash.xxh3_64_intdigest, tokens), dtype=np.uint64, count=len(tokens))


# Single letters that copies of a multiple-choice item put before its options ("A.", "(B)", "C)" all tokenize to one
# letter): n-grams skip them, in items and documents alike, so that a lettered copy shares n-grams with the item. They
# still count in the LCS confirmation, which compares every token.
OPTION_LETTERS = frozenset("abcde")
_LETTER_HASHES = np.fromiter(map(xxhash.xxh3_64_intdigest, sorted(OPTION_LETTERS)), dtype=np.uint64)


def gram_stream(tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the tokens n-grams are made of (all but OPTION_LETTERS) and their positions in `tokens`."""
    h = token_hashes(tokens)
    keep = h != _LETTER_HASHES[0]
    for letter in _LETTER_HASHES[1:]:
        keep &= h != letter
    kept = np.flatnonzero(keep)
    return h[kept], kept


def ngram_hashes(h: np.ndarray, n: int) -> np.ndarray:
    """Rolling hash of every n-gram: Σ h[i+k]·M^(n-1-k) mod 2^64, vectorised over positions."""
    if len(h) < n:
        return np.empty(0, dtype=np.uint64)
    out = np.zeros(len(h) - n + 1, dtype=np.uint64)
    for k in range(n):
        out = out * _MULT + h[k : len(h) - n + 1 + k]
    return out


def ngram_hashes_by_size(h: np.ndarray, sizes: list[int]) -> dict[int, np.ndarray]:
    """`ngram_hashes(h, n)` for every n in `sizes`, each size grown from the one below with one multiply-add (the
    index holds n-grams of several lengths: a document pays max(sizes) vector operations, not their sum)."""
    out: dict[int, np.ndarray] = {}
    if not sizes:
        return out
    wanted, acc = set(sizes), np.zeros(len(h), dtype=np.uint64)
    for n in range(1, max(sizes) + 1):
        if len(h) < n:
            acc = np.empty(0, dtype=np.uint64)
        else:
            acc = acc[: len(h) - n + 1] * _MULT + h[n - 1 :]
        if n in wanted:
            out[n] = acc
    return out


def lcs_length(a, b) -> int:
    """Length of the longest common subsequence, bit-parallel over `a` (Hyyrö 2004): O(len(b)) big-int steps."""
    masks: dict[str, int] = {}
    for i, t in enumerate(a):
        masks[t] = masks.get(t, 0) | (1 << i)
    full = (1 << len(a)) - 1
    v = full
    for t in b:
        u = v & masks.get(t, 0)
        v = ((v + u) | (v - u)) & full
    return len(a) - bin(v).count("1")
