"""Synthetic math data as a recipe source: seeds × prompt templates → a generator model → post-filters.

    mathcpt data data_recipes/synthetic_cpu.yaml --out runs/data/synthetic_cpu

* `templates`   our prompt template library (EN and ZH) and the config-time check of the fields they need;
* `seeds`       seed records: another source's documents, or a problem-set file;
* `generate`    the `synthesize_<source>` pass (a datatrove step, resumable chunk by chunk) that runs before the
                recipe's filter pass, and the reader paths that feed its chunks into that pass;
* `postfilters` checks on generated text (empty, truncated, repetitive, prompt echo, wrong final answer);
* `report`      generation throughput, outputs kept and dropped per reason, tokens per template;
* `tiny_model`  a tiny randomly initialised Qwen2 to run a synthetic recipe on CPU (tests, benchmark, smoke runs).
"""
