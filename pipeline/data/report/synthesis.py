"""The synthesis section of a data run's report: throughput, outputs kept and dropped per reason, tokens per template.

    mathcpt report runs/data/synthetic_cpu        # report.md of a finished run, with this section when it has one

Read from the run folder, so it is right after any number of resumes: the chunk files and their `.stats.json`
(every output generated, generated tokens and generation seconds per chunk), `dropped/synthesis/` (post-filter
drops with their reason), the synthesize pass's stats (seeds skipped for a missing field) and `kept/<source>/`
(what survived the whole recipe), whose texts are counted in tokens of the run's tokenizer (EOS included, so a
source's kept tokens per template add up to its tokens in the manifest). Outputs that were blank are counted as
`empty` like the post-filter's short ones: the reader skips blank documents before the post-filter sees them.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

from pipeline.config.recipe import Recipe
from pipeline.data.synthesis.generate import SYNTHETIC_DIR, pass_name, synthesized
from pipeline.shared.jsonl import iter_folder


def _skipped(out: Path, name: str) -> dict[str, int]:
    stats = out / "logs" / pass_name(name) / "stats.json"
    if not stats.is_file():
        return {}
    counts: Counter = Counter()
    for step in json.loads(stats.read_text()):
        for key, value in step["stats"].items():
            if key.startswith("skipped_"):
                counts[key.removeprefix("skipped_")] += int(value["total"] if isinstance(value, dict) else value)
    return dict(counts)


def synthesis_summary(out: Path, recipe: Recipe) -> dict:
    """Per synthetic source: generator, throughput, per-template outputs/tokens/kept/dropped; {} without any."""
    tokenizer = None
    tok_file = out / "tokenizer" / "tokenizer.json"
    if tok_file.is_file():
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(tok_file))
    summary = {}
    for s in synthesized(recipe):
        folder = out / SYNTHETIC_DIR / s.name
        chunk_stats = [
            json.loads(p.read_text())
            for p in sorted(folder.glob("*.stats.json"))
            if p.with_name(p.name.replace(".stats.json", ".jsonl")).is_file()
        ]
        tokens = sum(c["generated_tokens"] for c in chunk_stats)
        seconds = sum(c["seconds"] for c in chunk_stats)
        per: dict[str, dict] = defaultdict(
            lambda: {
                "outputs": 0,
                "generated_tokens": 0,
                "dropped": Counter(),
                "kept_after_postfilters": 0,
                "kept": 0,
                "kept_tokens": 0,
            }
        )
        for d in iter_folder(folder):
            t = per[d["metadata"]["synthesis"]["template"]]
            t["outputs"] += 1
            t["generated_tokens"] += d["metadata"]["synthesis"]["completion_tokens"]
            if not d["text"].strip():
                t["dropped"]["empty"] += 1
        for d in iter_folder(out / "dropped" / "synthesis"):
            if d["metadata"].get("source") == s.name:
                per[d["metadata"]["synthesis"]["template"]]["dropped"][d["metadata"].get("filter_reason")] += 1
        kept = list(iter_folder(out / "kept" / s.name))
        encoded = tokenizer.encode_batch([d["text"] for d in kept]) if tokenizer and kept else []
        for i, d in enumerate(kept):
            t = per[d["metadata"]["synthesis"]["template"]]
            t["kept"] += 1
            t["kept_tokens"] += len(encoded[i].ids) + 1 if encoded else 0  # + EOS, as in the shards
        for t in per.values():
            t["kept_after_postfilters"] = t["outputs"] - sum(t["dropped"].values())
            t["dropped_by_later_stages"] = t["kept_after_postfilters"] - t["kept"]
            t["dropped"] = dict(sorted(t["dropped"].items()))
        g = s.synthesis.generation
        dropped = Counter()
        for t in per.values():
            dropped.update(t["dropped"])
        summary[s.name] = {
            "generator": {"backend": g.backend, "model": g.model},
            "chunks": len(chunk_stats),
            "prompts": sum(c["prompts"] for c in chunk_stats),
            "outputs": sum(t["outputs"] for t in per.values()),
            "generated_tokens": tokens,
            "generation_seconds": round(seconds, 3),
            "tokens_per_second": round(tokens / seconds, 2) if seconds else None,
            "dropped": dict(sorted(dropped.items())),
            "kept": sum(t["kept"] for t in per.values()),
            "skipped_seeds": _skipped(out, s.name),
            "templates": dict(sorted(per.items())),
        }
    return summary


def render_markdown(summary: dict) -> list[str]:
    """report.md lines of the synthesis section (none without synthetic sources)."""
    if not summary:
        return []
    lines = ["", "## Synthetic data"]
    for name, s in summary.items():
        tps = f"{s['tokens_per_second']:,.1f} tokens/s" if s["tokens_per_second"] else "–"
        dropped = ", ".join(f"{k}: {v}" for k, v in s["dropped"].items()) or "none"
        lines += [
            "",
            f"**{name}** — {s['generator']['model']} ({s['generator']['backend']}): {s['chunks']} chunks, "
            f"{s['prompts']:,} prompts, {s['outputs']:,} outputs, {s['generated_tokens']:,} tokens in "
            f"{s['generation_seconds']:,.1f} s ({tps}); post-filter drops: {dropped}; kept {s['kept']:,}.",
            "",
        ]
        lines += [
            "| template | outputs | generated tokens | dropped (reason: n) | after post-filters | dropped later "
            "| kept | kept tokens |",
            "|---|---:|---:|---|---:|---:|---:|---:|",
        ]
        for tid, t in s["templates"].items():
            reasons = ", ".join(f"{k}: {v}" for k, v in t["dropped"].items()) or "–"
            lines.append(
                f"| {tid} | {t['outputs']:,} | {t['generated_tokens']:,} | {reasons} | "
                f"{t['kept_after_postfilters']:,} | {t['dropped_by_later_stages']:,} | {t['kept']:,} | "
                f"{t['kept_tokens']:,} |"
            )
        if s["skipped_seeds"]:
            lines += [
                "",
                "Seeds skipped for a template (empty field): "
                + ", ".join(f"{k}: {v}" for k, v in sorted(s["skipped_seeds"].items())),
            ]
    return lines
