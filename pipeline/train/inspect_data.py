"""`mathcpt data inspect RUN_DIR`: what the model will see from a data run.

    mathcpt data inspect runs/data/demo --samples 3 --seq-len 96

Token and document counts per source (train and validation), a histogram of document lengths in tokens, and a few
samples of the training sequence decoded with their source and document boundaries (`⟦doc⟧` where a new document
starts, that is after each EOS), drawn by the same loader the trainer uses.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.shared.shards import SourceShards, read_manifest

BAR = 40


def histogram(lengths: np.ndarray) -> list[str]:
    """Document lengths in power-of-two buckets, one text bar per bucket."""
    if not len(lengths):
        return ["(no documents)"]
    edges = 2 ** np.arange(0, int(np.ceil(np.log2(max(int(lengths.max()), 2)))) + 1)
    counts = np.histogram(lengths, bins=np.append(edges, edges[-1] * 2))[0]
    top = max(int(counts.max()), 1)
    return [
        f"{int(lo):>8,}–{int(lo) * 2 - 1:<8,} {'█' * max(1, c * BAR // top) if c else '':<{BAR}} {c:,}"
        for lo, c in zip(edges, counts)
        if c or lo >= lengths.min()
    ]


def inspect_text(run_dir: str, samples: int = 3, seq_len: int = 96, seed: int = 0) -> str:
    from pipeline.shared.tokenizer import load_tokenizer
    from pipeline.train.data_loader import PackedMixture

    manifest = read_manifest(run_dir)
    tok = manifest["tokenizer"]
    lines = [
        f"# {run_dir}: recipe {manifest['recipe']}, vocabulary {tok['vocab_size']:,}, "
        f"{tok['token_size'] * 8}-bit tokens, EOS {tok['eos_token']!r} = {tok['eos_id']}",
        "",
        "| source | documents | tokens | share | planned | epochs | validation docs | validation tokens |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lengths = []
    for name, s in sorted(manifest["sources"].items()):
        val = s.get("validation") or {"documents": 0, "tokens": 0}
        lines.append(
            f"| {name} | {s['documents']:,} | {s['tokens']:,} | {s['share']:.1%} | {s['planned_tokens']:,} | "
            f"{s['epochs']:.2f} | {val['documents']:,} | {val['tokens']:,} |"
        )
        shards = SourceShards(Path(run_dir) / s["path"], tok["token_size"])
        lengths.append(np.diff(np.concatenate([[0], shards.doc_ends])))
    lines += ["", "Document length (tokens, all sources):", "```", *histogram(np.concatenate(lengths)), "```"]
    tokenizer = load_tokenizer(Path(run_dir) / manifest["tokenizer"]["path"])
    mixture = PackedMixture(run_dir, seq_len, seed)
    for i in range(samples):
        s, start = mixture.locate(i)
        sample = mixture.sample(i)
        ids = sample["input_ids"].tolist()
        cuts = [0, *np.nonzero(sample["position_ids"].numpy() == 0)[0][1:].tolist(), len(ids)]
        pieces = [tokenizer.decode(ids[a:b]) for a, b in zip(cuts, cuts[1:])]
        lines += [
            "",
            f"## sample {i}: source {mixture.names[s]}, tokens {start:,}–{start + seq_len:,}",
            "```",
            " ⟦doc⟧ ".join(pieces),
            "```",
        ]
    return "\n".join(lines) + "\n"
