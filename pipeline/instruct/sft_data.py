"""`mathcpt sft-data`: rejection-sampled SFT data from sampling runs, as loss-masked token shards the trainer reads.

    mathcpt sft-data configs/instruct/sft_data_toy.yaml
    torchrun --nproc_per_node 2 -m pipeline.cli train configs/sft/tiny_cpu.yaml --set data.path=runs/sft_data/toy

Per problem of the sampling runs (`mathcpt sample` outputs, pipeline.instruct.sampling): keep the responses graded
correct, drop those cut at max_new_tokens (`require_finished`) and those longer than `max_response_tokens`, rank
the rest by a reward model when one is given (pipeline.shared.reward_model; else in sampling order), walk them in
that order dropping any response whose MinHash similarity to one already kept reaches `near_duplicate_threshold`
(pipeline.data.dedup's MinHasher), and keep the first `top_n`. Every response left out is counted by reason.

Each kept response is rendered with the sampling run's chat format (pipeline.shared.chat: the prompt the policy
saw, then the response and the end of turn) and tokenized: prompt tokens get loss mask 0, response tokens 1, so
only the response trains (pipeline.shared.shards' `.ds.loss`). Examples are packed into bins of exactly
`seq_len + 1` tokens, first-fit in order of decreasing length (ties in a seeded order), padded with EOS of mask
0; an example longer than a bin is dropped and counted. The loader reads such a source bin by bin
(`bin_tokens` in the manifest), so no example is ever split from its prompt, and position ids restart at every
example. `validation_fraction` holds problems out by id hash (`validation/`).

The output is a data run like `mathcpt data`'s (manifest.json last, tokens/sft/, tokenizer/ with the chat template
saved in it), so `mathcpt train` reads it with `train.objective: sft`. The reward model's and the rendering
tokenizer's vocabularies must be the sampling policy's (fingerprints in sampling.json): scores and masks over
another tokenization would be silently wrong, so a mismatch is an error.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from pathlib import Path

import numpy as np
from loguru import logger

from pipeline.config.instruct import SFTDataConfig
from pipeline.errors import ConfigError, DataError
from pipeline.instruct.sampling import read_samples
from pipeline.shared.atomic import atomic_path, atomic_write_text
from pipeline.shared.chat import ChatFormat, tokenizer_fingerprint
from pipeline.shared.shards import MANIFEST, write_shard

SOURCE = "sft"


def held_out(problem_id: str, fraction: float) -> bool:
    digest = hashlib.blake2b(problem_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") < fraction * 2**64


def load_runs(folders: list[str]) -> tuple[dict, list[dict]]:
    """The rows of every sampling run, which must share one policy tokenizer and one prompt format."""
    metas, rows = [], []
    for folder in folders:
        meta, part = read_samples(folder)
        metas.append(meta)
        rows += part
    for key in ("tokenizer_fingerprint", "prompt", "chat_template"):
        if any(m[key] != metas[0][key] for m in metas[1:]):
            raise ConfigError(f"samples: the sampling runs differ in {key}; build SFT data from runs of one policy")
    return metas[0], rows


def select(rows: list[dict], cfg: SFTDataConfig, chat: ChatFormat, scorer) -> tuple[list[tuple[dict, str]], Counter]:
    """(problem row, response text) of every kept response, and the counts of what was left out."""
    from pipeline.data.dedup import MinHasher

    s, counts, kept = cfg.selection, Counter(), []
    hasher = MinHasher(ngram=3, num_perm=64)
    for row in rows:
        candidates = []
        for r in row["responses"]:
            if not r["correct"]:
                counts["wrong"] += 1
            elif s.require_finished and not r["finished"]:
                counts["unfinished"] += 1
            elif len(chat.tokenizer(r["text"], add_special_tokens=False)["input_ids"]) > s.max_response_tokens:
                counts["too_long"] += 1
            else:
                candidates.append(r["text"])
        if not candidates:
            counts["problems_without_a_correct_response"] += 1
            continue
        if scorer is not None:
            targets = [chat.completion(row["question"], t)[1] for t in candidates]
            scores = scorer.score([row["prompt"]] * len(candidates), targets)
            candidates = [candidates[i] for i in sorted(range(len(candidates)), key=lambda i: -scores[i])]
        chosen, signatures = [], []
        for text in candidates:
            if len(chosen) == s.top_n:
                counts["beyond_top_n"] += 1
                continue
            sig = hasher.signature(text)
            if any(float(np.mean(sig == other)) >= s.near_duplicate_threshold for other in signatures):
                counts["near_duplicate"] += 1
                continue
            chosen.append(text)
            signatures.append(sig)
        kept += [(row, text) for text in chosen]
    return kept, counts


def pack(examples: list[tuple[list[int], list[int]]], bin_tokens: int, seed: int) -> list[list[int]]:
    """Bins (lists of example indexes) by first-fit decreasing; examples in a seeded order, then by length."""
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    order.sort(key=lambda i: -len(examples[i][0]))  # stable: the seeded order breaks ties
    bins, room = [], []
    for i in order:
        n = len(examples[i][0])
        for b, free in enumerate(room):
            if free >= n:
                bins[b].append(i)
                room[b] -= n
                break
        else:
            bins.append([i])
            room.append(bin_tokens - n)
    return bins


def write_split(folder: Path, examples, bins, bin_tokens: int, pad_id: int, token_size: int) -> dict:
    tokens, mask, ends, position = [], [], [], 0
    for b in bins:
        for i in b:
            ids, m = examples[i]
            tokens += ids
            mask += m
            position += len(ids)
            ends.append(position)
        pad = bin_tokens - sum(len(examples[i][0]) for i in b)
        if pad:
            tokens += [pad_id] * pad
            mask += [0] * pad
            position += pad
            ends.append(position)  # padding is a document of its own: positions restart after it
    folder.mkdir(parents=True, exist_ok=True)
    write_shard(folder / f"00000_{SOURCE}.ds", np.asarray(tokens), np.asarray(ends), token_size, np.asarray(mask))
    return {
        "tokens": len(tokens),
        "documents": sum(len(b) for b in bins),
        "target_tokens": int(sum(mask)),
        "bins": len(bins),
        "fill": round(sum(len(examples[i][0]) for b in bins for i in b) / max(len(tokens), 1), 4),
    }


def build_sft_data(cfg: SFTDataConfig, overwrite: bool = False) -> dict:
    out = Path(cfg.output_dir)
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise DataError(f"output_dir {out} is not empty; choose a new folder or pass --overwrite")
    meta, rows = load_runs(cfg.samples)
    tokenizer_path = cfg.tokenizer or meta["policy"]
    prompt = meta["prompt"]
    chat = ChatFormat.load(tokenizer_path, prompt["system"], prompt["instruction"])
    if tokenizer_fingerprint(chat.tokenizer) != meta["tokenizer_fingerprint"]:
        raise ConfigError(
            f"tokenizer: {tokenizer_path}'s vocabulary is not the sampling policy's; render with the policy's tokenizer"
        )
    scorer = None
    if cfg.reward_model:
        from pipeline.shared.reward_model import RewardScorer

        scorer = RewardScorer(cfg.reward_model)
        if tokenizer_fingerprint(scorer.tokenizer) != meta["tokenizer_fingerprint"]:
            raise ConfigError(
                f"reward_model: {cfg.reward_model}'s tokenizer differs from the sampling policy's; its scores would be "
                "of text tokenized another way than it was trained on"
            )
    kept, counts = select(rows, cfg, chat, scorer)
    bin_tokens, eos = cfg.seq_len + 1, chat.tokenizer.eos_token_id
    splits: dict[str, list] = {"train": [], "validation": []}
    for row, text in kept:
        prompt_text, target = chat.completion(row["question"], text)
        if prompt_text != row["prompt"]:
            raise DataError(f"{row['id']}: the chat format renders another prompt than the one sampled")
        p = chat.tokenizer(prompt_text, add_special_tokens=False)["input_ids"]
        t = chat.tokenizer(target, add_special_tokens=False)["input_ids"]
        if len(p) + len(t) > bin_tokens:
            counts["longer_than_seq_len"] += 1
            continue
        split = "validation" if held_out(row["id"], cfg.validation_fraction) else "train"
        splits[split].append((p + t, [0] * len(p) + [1] * len(t)))
    if not splits["train"]:
        raise DataError(f"no SFT example left (left out: {dict(counts)})")
    token_size = 4 if len(chat.tokenizer) > 65536 else 2
    with atomic_path(out) as tmp:
        stats = {}
        for split, folder in (("train", "tokens"), ("validation", "validation")):
            if splits[split]:
                bins = pack(splits[split], bin_tokens, cfg.seed)
                stats[split] = write_split(tmp / folder / SOURCE, splits[split], bins, bin_tokens, eos, token_size)
        chat.tokenizer.chat_template = chat.template  # the trained model keeps the format it was trained in
        chat.tokenizer.save_pretrained(str(tmp / "tokenizer"))
        source = {"path": f"tokens/{SOURCE}", "share": 1.0, "bin_tokens": bin_tokens, **stats["train"]}
        if "validation" in stats:
            source["validation"] = {"path": f"validation/{SOURCE}", **stats["validation"]}
        manifest = {
            "recipe": "sft",
            "seed": cfg.seed,
            "tokenizer": {
                "path": "tokenizer",
                "vocab_size": len(chat.tokenizer),
                "eos_token": chat.tokenizer.eos_token,
                "eos_id": eos,
                "token_size": token_size,
            },
            "sources": {SOURCE: source},
        }
        report = {
            "problems": len(rows),
            "examples": {k: len(v) for k, v in splits.items()},
            "left_out": dict(sorted(counts.items())),
            "splits": stats,
            "ranked_by": cfg.reward_model or "sampling order",
        }
        atomic_write_text(tmp / "report.json", json.dumps(report, indent=2))
        atomic_write_text(tmp / MANIFEST, json.dumps(manifest, indent=2))
    logger.info(f"SFT data: {len(splits['train'])} training examples in {stats['train']['bins']} bins → {out}")
    return report
