"""What the LaTeX converter knows about commands and environments it meets in book prose (data, not logic).

    mathcpt books book/main.tex -o book.jsonl       # pipeline.data.books.latex reads these tables

Argument specs are strings of `o` (an optional `[...]` argument) and `m` (a mandatory argument: a group or one
token), as in xparse. Anything not listed here, and not defined in the book's own sources, is *unknown*: it passes
through verbatim with its arguments (`\\circled{1}` stays `\\circled{1}`), because guessing would lose text.
"""

from __future__ import annotations

# Sectioning: level (1 = chapter) and whether `split: chapter` / `split: section` starts a new document there.
SECTIONS = {"part": 0, "chapter": 1, "section": 2, "subsection": 3, "subsubsection": 4, "paragraph": 5,
            "subparagraph": 6}  # fmt: skip

# Math environments: kept verbatim (after user-macro expansion). Non-starred ones number their lines, so a
# `\label` inside becomes `\tag{N}` and `\eqref` to it reads "(N)".
MATH_ENVS = {"equation", "align", "alignat", "flalign", "gather", "multline", "eqnarray", "displaymath", "math",
             "dmath", "dgroup", "darray", "xalignat", "xxalignat", "tikzcd"}  # fmt: skip
NUMBERED_MATH_ENVS = {"equation", "align", "alignat", "flalign", "gather", "multline", "eqnarray", "dmath"}

# Drawing code is not text: dropped (also inside math, where a display holding only a picture is dropped whole).
PICTURE_ENVS = {"tikzpicture", "circuitikz", "pgfpicture", "picture", "pspicture", "asy", "overpic", "axis"}
# Floats: the wrapper goes, the caption stays as "Figure N: ..." and tables keep their rows.
FLOAT_ENVS = {"figure": "Figure", "figure*": "Figure", "table": "Table", "table*": "Table", "wrapfigure": "Figure",
              "wraptable": "Table", "sidewaysfigure": "Figure", "sidewaystable": "Table", "marginfigure": "Figure",
              "margintable": "Table", "subfigure": None, "subtable": None}  # fmt: skip
TABLE_ENVS = {"tabular": "om", "tabular*": "mom", "tabularx": "mm", "tabulary": "mm", "longtable": "om",
              "tabu": "om", "array": "om", "supertabular": "m", "xtabular": "m"}  # fmt: skip
LIST_ENVS = {"itemize": "-", "itemize*": "-", "compactitem": "-", "enumerate": "1", "enumerate*": "1",
             "compactenum": "1", "asparaenum": "1", "inparaenum": "1", "description": "desc",
             "compactdesc": "desc"}  # fmt: skip
VERBATIM_CODE_ENVS = {"verbatim", "verbatim*", "Verbatim", "lstlisting", "minted", "alltt"}
DROPPED_ENVS = {"thebibliography", "comment", "titlepage"} | PICTURE_ENVS
# Layout wrappers whose content is plain text; their own arguments are dropped.
WRAPPER_ENVS = {"center": "", "center*": "", "flushleft": "", "flushright": "", "minipage": "oom",
                "samepage": "", "multicols": "m", "multicols*": "m", "quote": "", "quotation": "", "verse": "",
                "small": "", "footnotesize": "", "scriptsize": "", "large": "", "spacing": "m", "singlespace": "",
                "onehalfspace": "", "doublespace": "", "adjustwidth": "mm", "landscape": "", "mdframed": "o",
                "tcolorbox": "o", "framed": "", "shaded": "", "document": "", "raggedright": "",
                "raggedleft": ""}  # fmt: skip

# Theorem-like blocks: env name → display name, and whether it is numbered. \newtheorem in the sources adds more.
BLOCKS = {
    "theorem": ("Theorem", True), "lemma": ("Lemma", True), "proposition": ("Proposition", True),
    "corollary": ("Corollary", True), "definition": ("Definition", True), "example": ("Example", True),
    "exercise": ("Exercise", True), "problem": ("Problem", True), "conjecture": ("Conjecture", True),
    "claim": ("Claim", True), "algorithm": ("Algorithm", True), "procedure": ("Procedure", True),
    "axiom": ("Axiom", True), "property": ("Property", True), "fact": ("Fact", True),
    "observation": ("Observation", True), "question": ("Question", True), "hypothesis": ("Hypothesis", True),
    "assumption": ("Assumption", True), "remark": ("Remark", False), "note": ("Note", False),
    "notation": ("Notation", False), "proof": ("Proof", False), "solution": ("Solution", False),
    "answer": ("Answer", False), "hint": ("Hint", False), "summary": ("Summary", False),
    "outcome": ("Outcomes", False), "outcomes": ("Outcomes", False), "abstract": ("Abstract", False),
    "case": ("Case", False), "keypoint": ("Key point", False), "warning": ("Warning", False),
    # the abbreviations books use for the same environments
    "thm": ("Theorem", True), "lem": ("Lemma", True), "prop": ("Proposition", True), "cor": ("Corollary", True),
    "defn": ("Definition", True), "dfn": ("Definition", True), "defi": ("Definition", True),
    "exa": ("Example", True), "eg": ("Example", True), "ex": ("Exercise", True), "exer": ("Exercise", True),
    "prob": ("Problem", True), "conj": ("Conjecture", True), "obs": ("Observation", True),
    "rem": ("Remark", False), "rmk": ("Remark", False), "sol": ("Solution", False), "soln": ("Solution", False),
    "ans": ("Answer", False), "pf": ("Proof", False), "proofof": ("Proof", False),
}
# Blocks numbered with the exercise counter instead of the theorem counter (books number them separately).
EXERCISE_BLOCKS = {"Exercise", "Problem", "Question"}
# Blocks whose first `{...}` after \begin is body text, not a title (their standard form takes `[title]` only).
NO_BRACE_TITLE = {"proof", "pf", "solution", "sol", "soln", "answer", "ans", "hint", "outcome", "outcomes",
                  "abstract", "summary", "case"}  # fmt: skip
# Short names of \ref prefixes, for books whose style prepends them to a block's label argument (`exa:key`).
LABEL_PREFIXES = {"Theorem": ("thm", "theorem", "th"), "Lemma": ("lem", "lemma"), "Proposition": ("prop", "pro"),
                  "Corollary": ("cor", "coro"), "Definition": ("def", "defn", "dfn"),
                  "Example": ("exa", "ex", "eg", "example"), "Exercise": ("ex", "exer", "exercise"),
                  "Problem": ("prob", "problem"), "Algorithm": ("algo", "alg"), "Procedure": ("proc",),
                  "Conjecture": ("conj",), "Remark": ("rem", "rmk")}  # fmt: skip

# Commands dropped with their arguments (cross-reference noise, layout, page furniture, preamble settings).
DROP = {
    "label": "m", "index": "om", "glossary": "m", "cite": "oom", "citep": "oom", "citet": "oom", "citeauthor": "om",
    "citeyear": "om", "parencite": "oom", "textcite": "oom", "autocite": "oom", "nocite": "m", "footcite": "oom",
    "vspace": "m", "vspace*": "m", "hspace": "m", "hspace*": "m", "pagestyle": "m", "thispagestyle": "m",
    "bibliographystyle": "m", "bibliography": "m", "addbibresource": "om", "printbibliography": "o",
    "includegraphics": "om", "includegraphics*": "om", "pdfbookmark": "omm", "setlength": "mm",
    "addtolength": "mm", "setcounter": "mm", "addtocounter": "mm", "stepcounter": "m", "refstepcounter": "m",
    "addcontentsline": "mmm", "addtocontents": "mm", "markboth": "mm", "markright": "m", "fontsize": "mm",
    "rule": "omm", "color": "om", "pagenumbering": "m", "enlargethispage": "m", "Opensolutionfile": "mo",
    "Closesolutionfile": "m", "tcbuselibrary": "m", "mdfsetup": "m", "tikzset": "m", "usetikzlibrary": "m",
    "pgfplotsset": "m", "captionsetup": "om", "graphicspath": "m", "newcounter": "mo", "newlength": "m",
    "theoremstyle": "m", "numberwithin": "omm", "hypersetup": "m", "usepackage": "om", "RequirePackage": "om",
    "ProvidesPackage": "mo", "ProvidesFile": "mo", "NeedsTeXFormat": "mo", "geometry": "m", "author": "om",
    "date": "m", "thanks": "m", "includeonly": "m", "excludecomment": "m", "includecomment": "m",
    "definecolor": "omm", "colorlet": "mm", "titleformat": "omommo", "titlespacing": "mmmmo", "setstretch": "m",
    "linespread": "m", "selectlanguage": "m", "hyphenation": "m", "phantom": "m", "hphantom": "m",
    "vphantom": "m", "pagebreak": "o", "nopagebreak": "o", "linebreak": "o", "nolinebreak": "o",
    "twocolumn": "o", "cline": "m", "footnotemark": "o", "newpage": "", "clearpage": "", "cleardoublepage": "",
    "noindent": "", "indent": "", "centering": "", "raggedright": "", "raggedleft": "", "smallskip": "",
    "medskip": "", "bigskip": "", "vfill": "", "hfill": "", "hfil": "", "vfil": "", "null": "", "relax": "",
    "protect": "", "tableofcontents": "", "listoffigures": "", "listoftables": "", "printindex": "",
    "frontmatter": "", "mainmatter": "", "backmatter": "", "phantomsection": "", "selectfont": "",
    "makeatletter": "", "makeatother": "", "allowdisplaybreaks": "", "raggedbottom": "", "flushbottom": "",
    "sloppy": "", "fussy": "", "onecolumn": "", "FloatBarrier": "", "makeindex": "", "nobreak": "", "break": "",
    "hline": "", "toprule": "", "midrule": "", "bottomrule": "", "strut": "", "ignorespaces": "", "unskip": "",
    "leavevmode": "", "hrulefill": "", "dotfill": "", "em": "", "bf": "", "it": "", "rm": "", "sf": "", "tt": "",
    "sc": "", "sl": "", "bfseries": "", "itshape": "", "mdseries": "", "upshape": "", "slshape": "",
    "scshape": "", "normalfont": "", "rmfamily": "", "sffamily": "", "ttfamily": "", "tiny": "",
    "scriptsize": "", "footnotesize": "", "small": "", "normalsize": "", "large": "", "Large": "", "LARGE": "",
    "huge": "", "Huge": "", "displaystyle": "", "textstyle": "", "else": "", "fi": "", "BgThispage": "",
    "backgroundsetup": "m", "nonumber": "", "notag": "",
    "endinput": "", "listfiles": "", "frenchspacing": "", "nonfrenchspacing": "", "tabularnewline": "",
    "hbadness": "", "vbadness": "", "today": "",
}
# Commands replaced by the text of their last mandatory argument (the others are dropped).
TEXT_ARG = {
    "textrm": "m", "textsf": "m", "textup": "m", "textnormal": "m", "textmd": "m", "textsc": "m", "mbox": "m",
    "hbox": "m", "text": "m", "textsuperscript": "m", "textsubscript": "m", "underline": "m", "uline": "m",
    "sout": "m", "fbox": "m", "parbox": "om", "makebox": "oom", "framebox": "oom", "raisebox": "moom",
    "scalebox": "mom", "resizebox": "mmm", "rotatebox": "omm", "textcolor": "omm", "colorbox": "omm",
    "fcolorbox": "mmm", "hyperlink": "mm", "hypertarget": "mm", "href": "omm", "smash": "om",
    "centerline": "m", "leftline": "m", "rightline": "m", "MakeUppercase": "m", "MakeLowercase": "m",
    "uppercase": "m", "lowercase": "m", "foreignlanguage": "omm", "textls": "om", "emph": "m", "textit": "m",
    "textsl": "m", "textbf": "m", "texttt": "m", "footnote": "om", "footnotetext": "om", "marginpar": "om",
    "texorpdfstring": "mm", "ensuremath": "m", "multicolumn": "mmm", "multirow": "omomom",
}
# How a TEXT_ARG command marks its text up (Markdown emphasis, code, a parenthesised footnote).
TEXT_MARKUP = {"emph": ("*", "*"), "textit": ("*", "*"), "textsl": ("*", "*"), "textbf": ("**", "**"),
               "texttt": ("`", "`"), "footnote": (" (", ")"), "footnotetext": (" (", ")"),
               "marginpar": (" (", ")")}  # fmt: skip
# texorpdfstring keeps the TeX argument (the first), not the PDF-bookmark string.
FIRST_ARG = {"texorpdfstring"}

SYMBOLS = {
    "\\\\": "\x01", "\\newline": "\x01", "\\par": "\x02", "\\&": "&", "\\%": "%", "\\#": "#", "\\_": "_",
    "\\{": "{", "\\}": "}", "\\$": "\\$", "\\,": " ", "\\;": " ", "\\:": " ", "\\!": "", "\\ ": " ", "\\/": "",
    "\\-": "", "\\@": "", "\\\n": " ", "\\ldots": "...", "\\dots": "...", "\\textellipsis": "...",
    "\\textbackslash": "\\", "\\LaTeX": "LaTeX", "\\TeX": "TeX", "\\LaTeXe": "LaTeX2e", "\\S": "§", "\\P": "¶",
    "\\copyright": "©", "\\textregistered": "®", "\\texttrademark": "™", "\\ss": "ß", "\\o": "ø", "\\O": "Ø",
    "\\ae": "æ", "\\AE": "Æ", "\\oe": "œ", "\\OE": "Œ", "\\aa": "å", "\\AA": "Å", "\\l": "ł", "\\L": "Ł",
    "\\i": "ı", "\\j": "ȷ", "\\textendash": "–", "\\textemdash": "—", "\\textquoteright": "’",
    "\\textquoteleft": "‘", "\\textquotedblleft": "“", "\\textquotedblright": "”", "\\textasciitilde": "~",
    "\\textasciicircum": "^", "\\textdegree": "°", "\\degree": "°", "\\quad": " ", "\\qquad": " ",
    "\\enspace": " ", "\\thinspace": " ", "\\enskip": " ", "\\textbar": "|", "\\textless": "<",
    "\\textgreater": ">", "\\textbullet": "•", "\\dag": "†", "\\ddag": "‡", "\\pounds": "£", "\\euro": "€",
}
# Accent commands → Unicode combining marks (then NFC): `\'e` → é, `\c{c}` → ç.
ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304", ".": "\u0307",
           "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328", "r": "\u030a", "d": "\u0323",
           "b": "\u0331"}  # fmt: skip

# Input commands and how their target is found.
INPUTS = {"input", "include", "subfile", "import", "subimport", "includefrom", "subincludefrom", "inputfrom"}
DEFINITIONS = {"newcommand", "renewcommand", "providecommand", "newcommand*", "renewcommand*", "providecommand*",
               "def", "gdef", "edef", "xdef", "let", "DeclareMathOperator", "DeclareMathOperator*",
               "DeclareRobustCommand", "DeclareRobustCommand*", "newenvironment", "renewenvironment",
               "newenvironment*", "renewenvironment*", "newtheorem", "newtheorem*", "newif", "NewDocumentCommand",
               "RenewDocumentCommand", "DeclareDocumentCommand", "NewDocumentEnvironment"}  # fmt: skip
REFS = {"ref", "eqref", "pageref", "autoref", "cref", "Cref", "vref", "nameref", "ref*", "autoref*"}
# TeX primitives that open a conditional (their \else/\fi nest); only \iftrue/\iffalse and \newif ones are decided.
PRIMITIVE_IFS = {"if", "ifx", "ifnum", "ifdim", "ifodd", "ifvmode", "ifhmode", "ifmmode", "ifcase", "ifdefined",
                 "ifcsname", "iftrue", "iffalse", "ifcat", "ifeof", "ifinner", "ifvoid", "ifhbox",
                 "ifvbox"}  # fmt: skip
