"""Scoring an ablation's proxy models on one common set of held-out texts, per document, and comparing them.

    mathcpt ablate configs/ablations/demo.yaml       # scores every run after training it

* **Texts** (`evaluation_texts`): the reference variant's held-out documents per source (its data run's
  validation shards, decoded: the split is by content hash, so a document held out there is held out of every
  variant that keeps it), and the worked solutions of the benchmarks' train/dev split (question and solution; never
  a test item), as the source `bench/<name>`.
* **Per document** (`score_model`): the model's summed negative log-likelihood (nats) of the document's tokens,
  each predicted from the end-of-text token and the tokens before it, in windows of the training seq_len; its token
  count and its UTF-8 bytes. Bits per byte = Σ NLL / (Σ bytes · ln 2) is comparable across tokenizers; token
  perplexity exp(Σ NLL / Σ tokens) only when the variants share one (the ablation's default).
* **Comparison** (`compare`): per variant and source, the mean over seeds, the seed spread (sample std over seeds),
  and a 95% interval from a bootstrap over documents (the same resampled documents for every seed and variant, so
  the intervals of differences are paired); per pair of variants, the difference, its interval, and whether it is
  larger than the seed spread (|difference| > the larger of the two variants' seed std, and the interval excludes 0).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from pipeline.shared.benchmarks.registry import load_benchmark
from pipeline.shared.shards import SourceShards, read_manifest
from pipeline.shared.tokenizer import load_tokenizer


def evaluation_texts(reference_run: Path, max_documents: int, benchmarks: list[str], split: str,
                     benchmarks_dir: str | None) -> dict[str, list[str]]:  # fmt: skip
    manifest = read_manifest(reference_run)
    tokenizer = load_tokenizer(reference_run / manifest["tokenizer"]["path"])
    token_size, eos = manifest["tokenizer"]["token_size"], manifest["tokenizer"]["eos_id"]
    texts: dict[str, list[str]] = {}
    for name, entry in sorted(manifest["sources"].items()):
        held = entry.get("validation") or {}
        if not held.get("tokens"):
            continue
        shards = SourceShards(reference_run / held["path"], token_size)
        docs = []
        for i in range(min(max_documents, shards.num_documents)):
            ids = shards.document(i).tolist()
            docs.append(tokenizer.decode([t for t in ids if t != eos]))
        texts[name] = [d for d in docs if d.strip()]
    for bench in benchmarks:
        items = load_benchmark(bench, benchmarks_dir, split)
        texts[f"bench/{bench}"] = [f"{it.question}\n{it.solution or it.answer}" for it in items][:max_documents]
    return texts


@torch.no_grad()
def score_model(model_dir: Path, texts: dict[str, list[str]], seq_len: int, batch: int = 8) -> dict[str, dict]:
    """Per source: arrays of per-document NLL (nats), tokens and bytes under the model at model_dir."""
    from transformers import AutoModelForCausalLM

    device = "cuda" if torch.cuda.is_available() else "cpu"
    tokenizer = load_tokenizer(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, torch_dtype=torch.float32).to(device).eval()
    eos = tokenizer.eos_token_id
    out = {}
    for source, docs in texts.items():
        nll, tokens = np.zeros(len(docs)), np.zeros(len(docs), dtype=np.int64)
        windows = []  # (document, input ids of one window)
        for d, text in enumerate(docs):
            ids = [eos, *tokenizer(text, add_special_tokens=False)["input_ids"]]
            tokens[d] = len(ids) - 1
            for start in range(0, len(ids) - 1, seq_len):
                windows.append((d, ids[start : start + seq_len + 1]))
        windows.sort(key=lambda w: len(w[1]))  # similar lengths together: little padding
        for b in range(0, len(windows), batch):
            part = windows[b : b + batch]
            width = max(len(w) for _, w in part)
            ids = torch.full((len(part), width), eos, dtype=torch.long)
            mask = torch.zeros((len(part), width), dtype=torch.long)
            for i, (_, w) in enumerate(part):
                ids[i, : len(w)], mask[i, : len(w)] = torch.tensor(w), 1
            ids, mask = ids.to(device), mask.to(device)
            logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1].float()
            losses = (
                torch.nn.functional.cross_entropy(
                    logits.reshape(-1, logits.size(-1)), ids[:, 1:].reshape(-1), reduction="none"
                ).view(len(part), -1)
                * mask[:, 1:]
            )
            for i, (d, _) in enumerate(part):
                nll[d] += float(losses[i].sum())
        out[source] = {"nll": nll, "tokens": tokens, "bytes": np.array([len(t.encode()) for t in docs])}
    return out


def bits_per_byte(nll: np.ndarray, nbytes: np.ndarray) -> float:
    return float(nll.sum() / (nbytes.sum() * math.log(2)))


def compare(scores: dict[str, dict[int, dict[str, dict]]], resamples: int, seed: int = 0) -> dict:
    """scores[variant][seed][source] = score_model output → per variant/source statistics and pairwise differences."""
    variants = list(scores)
    sources = sorted(next(iter(next(iter(scores.values())).values())))
    rng = np.random.default_rng(seed)
    table, pairs = {}, []
    for source in sources:
        n = len(next(iter(next(iter(scores.values())).values()))[source]["nll"])
        if n == 0:
            continue
        picks = rng.integers(0, n, size=(resamples, n))  # shared by every variant and seed: paired intervals
        boot, seeds_bpb = {}, {}
        for v in variants:
            per_seed = [scores[v][s][source] for s in sorted(scores[v])]
            seeds_bpb[v] = [bits_per_byte(x["nll"], x["bytes"]) for x in per_seed]
            nll = np.mean([x["nll"] for x in per_seed], axis=0)  # mean over seeds, per document
            nbytes = per_seed[0]["bytes"]
            boot[v] = nll[picks].sum(1) / (nbytes[picks].sum(1) * math.log(2))
            tokens = per_seed[0]["tokens"].sum()
            table.setdefault(v, {})[source] = {
                "bpb": round(float(np.mean(seeds_bpb[v])), 5),
                "bpb_ci95": [round(float(np.percentile(boot[v], 2.5)), 5), round(float(np.percentile(boot[v], 97.5)), 5)],
                "seed_std": round(float(np.std(seeds_bpb[v], ddof=1)) if len(per_seed) > 1 else 0.0, 5),
                "per_seed": [round(x, 5) for x in seeds_bpb[v]],
                "token_ppl": round(float(math.exp(np.mean([x["nll"].sum() for x in per_seed]) / max(tokens, 1))), 4),
                "documents": n,
            }  # fmt: skip
        for i, a in enumerate(variants):
            for b in variants[i + 1 :]:
                diff = boot[b] - boot[a]
                d = table[b][source]["bpb"] - table[a][source]["bpb"]
                lo, hi = float(np.percentile(diff, 2.5)), float(np.percentile(diff, 97.5))
                spread = max(table[a][source]["seed_std"], table[b][source]["seed_std"])
                pairs.append({"source": source, "a": a, "b": b, "bpb_b_minus_a": round(d, 5),
                              "ci95": [round(lo, 5), round(hi, 5)], "seed_spread": spread,
                              "beyond_seed_spread": bool(abs(d) > spread and (lo > 0 or hi < 0))})  # fmt: skip
    return {"variants": table, "differences": pairs}
