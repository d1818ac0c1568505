"""The ground floor: every config schema, strict (an unknown key is an error naming the file and the key path).

    mathcpt data data_recipes/demo.yaml --dry-run         # a recipe, resolved and validated
    mathcpt train configs/tiny_cpu.yaml --dry-run
    mathcpt eval --config configs/eval/demo.yaml --dry-run

* `base`        the loader every schema uses: safe YAML, `--set` overrides, one-paragraph errors, dump;
* `recipe`      a data recipe: `sources` (sources.py; per-format settings in formats.py, generated sources in
                synthesis.py), `stages` and `mixture` (stages.py), `executor` (executor.py);
* `train`       a training config; `eval` an evaluation config; `classifier` fastText training settings and the
                recall loop's config;
* `files`       which schema a YAML file of the repository follows, by its folder.

This package imports no stage and nothing shared (only pipeline.errors): checks that need a stage's own tables
(benchmark names, template ids, eval task names) run where the run starts (pipeline.data.recipe_run.check_recipe,
and the CLI's `train` and `eval` before anything loads).
"""
