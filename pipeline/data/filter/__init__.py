"""The filter pass after reading: math-aware extraction, then the language, math and quality filters.

    mathcpt data data_recipes/demo.yaml          # stages.extraction / language / math / quality

* `extract`       HTML → text that keeps every formula as LaTeX (`mathcpt extract`);
* `language`      language ID with lid.176, offline, on the prose lines;
* `math_score`    the rule-based math score and the math filters (rule or trained classifier);
* `classifier`    the fastText math classifier (`mathcpt classifier train/score`); `recall` the DeepSeekMath loop;
* `quality`       length, repetition and word-length rules computed on prose only;
* `scoped`        the base of filters that judge only some document kinds.

Every statistic that would punish math is computed with formulas removed (pipeline.data.mathtext).
"""
