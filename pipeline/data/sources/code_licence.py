"""Licence of a source file: an SPDX header in the file, else its repository's LICENSE/COPYING file by key phrases.

    mathcpt code-select repos/ -o code.jsonl      # every kept file carries metadata.licence (SPDX id or None)

A guess, not legal advice: the phrases below identify the common licence texts (the GPL family by version, Apache
2.0, MIT, BSD 2/3-clause, MPL, EPL, CeCILL, CC, Unlicense, ISC, PSF); a licence file that matches none is
"unknown", a repository without one None. An `SPDX-License-Identifier:` line in the file's first 4 KB wins, then a
licence named in the file's header: files inside one repository can carry their own licences.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

HEADER_CHARS = 1500  # a licence named further down is more likely quoted or discussed than declared
SPDX_HEADER = re.compile(r"SPDX-License-Identifier:\s*([A-Za-z0-9.+\-]+(?:\s+(?:OR|AND|WITH)\s+[A-Za-z0-9.+\-]+)*)")

LICENCE_FILE = re.compile(r"^(?:licen[cs]e|copying|unlicense)(?:[-_.][\w.-]*)?$", re.I)
# Checked in order: the more specific text first (LGPL's text mentions the GPL, BSD-3 contains BSD-2's sentence).
LICENCE_PHRASES = [
    ("AGPL-3.0", ("GNU AFFERO GENERAL PUBLIC LICENSE",)),
    ("LGPL-3.0", ("GNU LESSER GENERAL PUBLIC LICENSE", "Version 3")),
    ("LGPL-2.1", ("GNU LESSER GENERAL PUBLIC LICENSE", "Version 2.1")),
    ("LGPL-2.1", ("GNU LIBRARY GENERAL PUBLIC LICENSE",)),
    ("GPL-3.0", ("GNU GENERAL PUBLIC LICENSE", "Version 3")),
    ("GPL-2.0", ("GNU GENERAL PUBLIC LICENSE", "Version 2")),
    ("Apache-2.0", ("Apache License", "Version 2.0")),
    ("MPL-2.0", ("Mozilla Public License", "2.0")),
    ("EPL-2.0", ("Eclipse Public License", "2.0")),
    ("EPL-1.0", ("Eclipse Public License",)),
    ("CECILL-B", ("CeCILL-B",)),
    ("CECILL-2.1", ("CeCILL",)),
    ("BSL-1.0", ("Boost Software License",)),
    ("Unlicense", ("This is free and unencumbered software released into the public domain",)),
    ("CC0-1.0", ("CC0 1.0 Universal",)),
    ("CC-BY-SA-4.0", ("Attribution-ShareAlike 4.0 International",)),
    ("CC-BY-4.0", ("Attribution 4.0 International",)),
    ("BSD-3-Clause", ("Redistribution and use in source and binary forms", "Neither the name")),
    ("BSD-2-Clause", ("Redistribution and use in source and binary forms",)),
    ("ISC", ("Permission to use, copy, modify, and/or distribute this software for any purpose",)),
    ("MIT", ("Permission is hereby granted, free of charge",)),
    ("PSF-2.0", ("PYTHON SOFTWARE FOUNDATION LICENSE",)),
]


def guess_spdx(licence_text: str) -> str | None:
    """SPDX id of a licence text by its key phrases (case and line breaks ignored); None if unrecognised."""
    flat = " ".join(licence_text.split()).lower()
    for spdx, phrases in LICENCE_PHRASES:
        if all(p.lower() in flat for p in phrases):
            return spdx
    return None


@lru_cache(maxsize=4096)
def repo_licence(repo_root: str) -> tuple[str | None, str | None]:
    """(SPDX id or "unknown", licence file name) of a repository from its top-level licence file; (None, None) if
    it has none. Cached per process: every file of a repository asks."""
    try:
        names = sorted(n for n in os.listdir(repo_root) if LICENCE_FILE.match(n))
    except OSError:
        return None, None
    for name in names:
        try:
            with open(os.path.join(repo_root, name), "rb") as f:
                text = f.read(64_000).decode("utf-8", "replace")
        except OSError:
            continue
        return guess_spdx(text) or "unknown", name
    return None, None


def file_licence(text: str, repo_root: str | None) -> tuple[str | None, str | None]:
    """(licence, where it came from: "spdx_header", "file_header", the licence file's name, or None).

    Without an SPDX line, a header that names its licence in words ("distributed under the terms of the GNU Lesser
    General Public License Version 2.1", as Coq's standard library does) counts before the repository's file.
    """
    if m := SPDX_HEADER.search(text[:4096]):
        return m.group(1), "spdx_header"
    if spdx := guess_spdx(text[:HEADER_CHARS]):
        return spdx, "file_header"
    return repo_licence(repo_root) if repo_root else (None, None)
