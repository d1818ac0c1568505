"""Code every stage uses, and that imports no stage: the lower floor under data, train and eval.

* `atomic`       write-then-rename for files and folders (no half-written output that looks complete);
* `jsonl`        strict JSON-lines reading with file:line errors;
* `logs`         rank-0 console logging that still lets warnings through from every rank;
* `shards`       the token-shard format: data writes it, train reads it;
* `generation`   the generation backends (transformers, vLLM) behind one `generate(prompts, settings)`;
* `answers`, `grading`, `answer_sets`   final-answer extraction and equivalence grading, answers in parts compared
  as sets or tuples (eval, synthesis post-filters, `mathcpt grade`);
* `benchmarks/`  the benchmark registry (decontamination and evaluation) and the built-in mini_gsm set.
"""
