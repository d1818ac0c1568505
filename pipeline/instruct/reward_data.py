"""The reward model's training data: sampling runs (groups of k graded responses) and chosen/rejected pairs,
tokenized into the group format pipeline.train.reward reads (pipeline.shared.preference).

    mathcpt rm train configs/instruct/rm_toy.yaml      # rank 0 builds OUTPUT_DIR/rm_data/ once, then trains

* From a sampling run (`data.samples`): each problem's first `max_responses` responses, labelled by their grade,
  as the reward model will read them (the prompt the policy saw, then the response and its end of turn: the same
  text `mathcpt sft-data` and RM@k scoring give it). Problems are held out by id hash (`validation_fraction`).
  A training problem whose responses are all correct or all wrong has no pair to learn from: left out and
  counted; held-out problems are all kept (RM@k, random-of-k and maj@k are measured over every one of them), with
  `maj_correct` from the majority answer (equivalence by our grader).
* From pairs (`data.pairs`, JSONL of `{"prompt": question, "chosen": response, "rejected": response}` and an
  optional `id`): a group of two, rendered with the default instruct prompt (pipeline.config.instruct).

The reward model reads the policy's text with the policy's tokenizer: a tokenizer whose vocabulary is not the
sampling policy's (fingerprint in the run's sampling.json) is an error. Sequences longer than `data.seq_len` keep
their last tokens (the response's end is where the score is read) and are counted.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from loguru import logger

from pipeline.config.instruct import BOXED_INSTRUCTION, DEFAULT_SYSTEM, RewardModelConfig
from pipeline.errors import ConfigError, DataError
from pipeline.instruct.sampling import read_samples
from pipeline.instruct.sft_data import held_out
from pipeline.shared.atomic import atomic_path, atomic_write_text
from pipeline.shared.chat import ChatFormat, tokenizer_fingerprint
from pipeline.shared.grading import answers_match
from pipeline.shared.jsonl import read_jsonl
from pipeline.shared.preference import write_groups
from pipeline.shared.reward_model import reward_text
from pipeline.shared.tokenizer import load_tokenizer


def majority_correct(responses: list[dict], answer_type: str) -> bool:
    """Whether the answer most responses agree on (equivalence by the grader, ties to the earliest) is right."""
    groups: list[list[dict]] = []
    for r in responses:
        if r.get("answer") is None:
            continue
        for g in groups:
            if answers_match(r["answer"], g[0]["answer"], answer_type):
                g.append(r)
                break
        else:
            groups.append([r])
    return bool(groups) and bool(max(groups, key=len)[0]["correct"])


def reward_tokenizer(cfg: RewardModelConfig):
    path = cfg.tokenizer or (cfg.model.name_or_path if cfg.model.init == "pretrained" else None)
    if path is None:
        raise ConfigError("tokenizer: a reward model built from a shape needs the tokenizer to read text with")
    tokenizer = load_tokenizer(path, cfg.model.trust_remote_code)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def build_reward_data(cfg: RewardModelConfig, folder: Path) -> dict:
    """Write `folder/{train,validation}/`, `folder/tokenizer/` and `folder/meta.json` (the folder appears whole)."""
    d, tokenizer = cfg.data, reward_tokenizer(cfg)
    fingerprint = tokenizer_fingerprint(tokenizer)
    counts: Counter = Counter()
    splits: dict[str, list] = {"train": [], "validation": []}

    def encode(text: str) -> list[int]:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        if len(ids) > d.seq_len:
            counts["truncated_sequences"] += 1
            ids = ids[-d.seq_len :]
        return ids

    def add(info: dict, texts: list[str], labels: list[int]) -> None:
        split = "validation" if held_out(info["id"], d.validation_fraction) else "train"
        if split == "train" and len(set(labels)) < 2:
            counts["train_groups_all_correct" if labels[0] else "train_groups_all_wrong"] += 1
            return
        splits[split].append((info, [(encode(t), y) for t, y in zip(texts, labels)]))

    for run in d.samples:
        meta, rows = read_samples(run)
        if meta["tokenizer_fingerprint"] != fingerprint:
            raise ConfigError(
                f"tokenizer: its vocabulary is not the one of the policy that sampled {run}; a reward model must read "
                "the policy's text with the policy's tokenizer"
            )
        prompt = meta["prompt"]
        chat = ChatFormat(tokenizer, prompt["system"], prompt["instruction"], meta["chat_template"])
        for row in rows:
            responses = row["responses"][: d.max_responses]
            if len(responses) < 2:
                counts["problems_with_fewer_than_2_responses"] += 1
                continue
            texts = [reward_text(row["prompt"], chat.completion(row["question"], r["text"])[1]) for r in responses]
            info = {"id": row["id"], "maj_correct": majority_correct(responses, row["answer_type"])}
            add(info, texts, [int(r["correct"]) for r in responses])
    chat = ChatFormat(tokenizer, DEFAULT_SYSTEM, BOXED_INSTRUCTION)
    for path in d.pairs:
        for line_no, r in read_jsonl(path, required={"prompt": str, "chosen": str, "rejected": str}):
            prompt = chat.prompt(r["prompt"])
            texts = [reward_text(prompt, chat.completion(r["prompt"], r[k])[1]) for k in ("chosen", "rejected")]
            add({"id": str(r.get("id") or f"{Path(path).name}:{line_no}")}, texts, [1, 0])
    if not splits["train"]:
        raise DataError(f"no training group has both a correct and a wrong response ({dict(counts)})")
    with atomic_path(folder) as tmp:
        for split, groups in splits.items():
            if groups:
                write_groups(tmp / split, groups)
        tokenizer.save_pretrained(str(tmp / "tokenizer"))
        meta = {
            "vocab_size": len(tokenizer),
            "pad_id": tokenizer.pad_token_id,
            "tokenizer_fingerprint": fingerprint,
            "groups": {k: len(v) for k, v in splits.items()},
            "left_out": dict(sorted(counts.items())),
        }
        atomic_write_text(tmp / "meta.json", json.dumps(meta, indent=2))
    logger.info(f"reward data: {meta['groups']} groups; left out {meta['left_out']}")
    return meta
