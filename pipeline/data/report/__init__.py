"""A data run's report, in one place: the counts, the markdown, the HTML page and its plots.

    mathcpt report runs/data/demo [--html]

* `markdown`    per-stage counts from datatrove's stats → `report.json` and `report.md`;
* `synthesis`   the generated sources' section (throughput, drops per reason, tokens per template);
* `html`        `report/index.html`: funnel, drop reasons, histograms, duplicates, kept and dropped examples;
* `plots`       its PNG plots (matplotlib, Agg).
"""
