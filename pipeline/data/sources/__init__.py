"""Reading every kind of source into documents: the first step of the filter pass.

    mathcpt data RECIPE.yaml        # every source of the recipe is read through readers.SourceReader

* `readers`       the recipe's reader step (every format) and the whole-corpus checks before a run;
* `html_input`    crawled pages: charset decoding, binary and size checks, pages from files, folders and WARC;
* `exams`         exam Q&A records → worked solutions or problem sets (EN/ZH);
* `code_select`, `code_licence`   math code from repositories, with its licence (`mathcpt code-select`);
* `books/`        LaTeX and Markdown/PDF-text books → chapters or sections (`mathcpt books`).
"""
