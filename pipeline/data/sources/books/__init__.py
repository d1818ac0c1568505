"""Books as documents: LaTeX sources (`format: latex`) and Markdown / plain-text books (`format: book_text`).

    mathcpt books book/main.tex notes.md -o books.jsonl --split section
    mathcpt data RECIPE.yaml          # a source with `format: latex` or `book_text` reads through `convert_book`

`convert_book` turns one book into Document-shaped records (`{"id", "text", "metadata"}`), one per chapter,
section or book (`split`), and a Counter of what happened on the way: `skipped_<reason>` for every file or input
that was not read (missing_input, binary, too_large, undecodable, unreadable, input_cycle; too_deeply_nested: a whole book
whose groups or environments nest past 64 levels) and counters such as
`unbalanced_fixed`, `macros_expanded`, `pictures_dropped`, `furniture_lines_dropped`. Record ids are the
top-level file as given plus the section path (`book/main.tex#4/4.2`). The LaTeX converter is
pipeline.data.sources.books.latex, the text one pipeline.data.sources.books.text.
"""
