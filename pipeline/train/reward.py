"""A math reward model on the ZeRO-3 trainer: a scalar head on Qwen2, trained listwise on groups of graded responses.

    mathcpt rm train configs/instruct/rm_toy.yaml
    torchrun --standalone --nproc_per_node 2 -m pipeline.cli rm train configs/instruct/rm_toy.yaml

The model is transformers' `Qwen2ForSequenceClassification` with one label (it loads without remote code),
initialised from an HF checkpoint (`model.init: pretrained`: the backbone's weights, a new head) or built from a
shape. The loss is Qwen2.5-Math-RM's listwise form over the responses of one problem,

    L = -1/(n⁺·n⁻) Σ_{i correct} Σ_{j wrong} log σ(r_i − r_j),

averaged over the problems of the global batch (problems whose responses are all correct or all wrong carry no
pair and are left out when the data is built; a chosen/rejected pair is a group of two). The trainer's machinery is
the CPT trainer's (pipeline.train.trainer): ZeRO-3 partitioning, the batch plan (`batch` counts problems),
checkpoints with exact resume, SIGTERM saves, metrics.jsonl and wandb. Scores are read at each sequence's last real
token (pipeline.shared.reward_model.last_token_scores), so padding never decides a score.

Held out (`train.eval_every`, and at the end): pairwise accuracy over every correct×wrong pair of the held-out
problems, and best-of-k accuracy (RM@k: the highest-scored response is correct) beside random-of-k (the expected
accuracy of a random pick, n⁺/k) and maj@k (the majority answer, computed when the data was built).
"""

from __future__ import annotations

import json
import math
import shutil
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from loguru import logger

from pipeline.config.instruct import RewardModelConfig
from pipeline.errors import ConfigError
from pipeline.shared.preference import GroupData
from pipeline.shared.reward_model import last_token_scores
from pipeline.train.data_loader import FeistelPermutation, global_indices
from pipeline.train.trainer import Trainer, drive, new_loss_totals

RM_DATA = "rm_data"


def listwise_loss(scores: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """-1/(n⁺·n⁻) Σ log σ(r⁺ − r⁻) over one group's correct×wrong pairs (0 for a group without a pair)."""
    pos, neg = scores[labels == 1], scores[labels == 0]
    if not len(pos) or not len(neg):
        return scores.sum() * 0.0
    return -F.logsigmoid(pos[:, None] - neg[None, :]).mean()


def group_metrics(scores: list[float], labels: list[int]) -> dict:
    """Pairwise wins and pairs, best-of-k correct, random-of-k expectation of one held-out group."""
    pos = [s for s, y in zip(scores, labels) if y == 1]
    neg = [s for s, y in zip(scores, labels) if y == 0]
    best = max(range(len(scores)), key=scores.__getitem__)
    return {
        "pair_wins": sum(p > n for p in pos for n in neg) + 0.5 * sum(p == n for p in pos for n in neg),
        "pairs": len(pos) * len(neg),
        "rm_correct": labels[best] == 1,
        "random_correct": len(pos) / len(labels),
    }


class RewardTrainer(Trainer):
    """The CPT trainer with a scalar head, group batches and the listwise loss (module docstring)."""

    def __init__(self, cfg: RewardModelConfig, config_path: str | Path, prepare_data: Callable[[Path], None]):
        super().__init__(cfg, config_path)
        self.prepare_data = prepare_data

    # ------------------------------------------------------------------ data
    def build_dataloader(self) -> None:
        folder = self.data_path = self.out / RM_DATA
        if self.is_main and not (folder / "train" / "groups.json").is_file():
            self.prepare_data(folder)  # rank 0 builds it once (atomically); the others wait at the barrier
        torch.distributed.barrier()
        self.data = GroupData(folder / "train")
        self.validation = (
            GroupData(folder / "validation") if (folder / "validation" / "groups.json").is_file() else None
        )
        if not self.data.n:
            raise ConfigError(f"{folder}: no training group holds both a correct and a wrong response")
        meta = json.loads((folder / "meta.json").read_text())
        self.vocab_size, self.pad_id = meta["vocab_size"], meta["pad_id"]
        t = self.cfg.train
        self.max_steps = t.max_steps or math.ceil(t.epochs * self.data.n / self.plan.global_batch_size)
        if self.is_main:
            held = self.validation.n if self.validation else 0
            logger.info(f"reward data: {self.data.n} training groups, {held} held out; {self.max_steps} steps")

    def group_index(self, i: int) -> int:
        """Global sample i → group: a keyed permutation of the groups per epoch (resumable at any i)."""
        n = self.data.n
        return FeistelPermutation(n, (self.cfg.train.seed, "rm", i // n))(i % n)

    def batch(self, data: GroupData, groups: list[int]) -> tuple[dict, list[int]]:
        """Right-padded (sequences, tokens) tensors of these groups' responses, and each group's sequence count."""
        seqs = [item for g in groups for item in data.group(g)]
        width = max(len(ids) for ids, _ in seqs)
        input_ids = torch.full((len(seqs), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(seqs), width), dtype=torch.long)
        for row, (ids, _) in enumerate(seqs):
            input_ids[row, : len(ids)] = torch.from_numpy(ids.astype(np.int64))
            mask[row, : len(ids)] = 1
        labels = torch.tensor([y for _, y in seqs], dtype=torch.long)
        sizes = [int(data.group_offsets[g + 1] - data.group_offsets[g]) for g in groups]
        return {"input_ids": input_ids, "attention_mask": mask, "labels": labels}, sizes

    # ------------------------------------------------------------------ model
    def model_architecture(self):
        from transformers import AutoConfig, Qwen2Config

        m = self.cfg.model
        if m.init == "scratch":
            config = Qwen2Config(vocab_size=self.vocab_size, **m.shape.model_dump())
        else:
            config = AutoConfig.from_pretrained(m.name_or_path, trust_remote_code=m.trust_remote_code)
            if config.vocab_size < self.vocab_size:
                raise ConfigError(
                    f"model.name_or_path: {m.name_or_path} has {config.vocab_size} embeddings, the reward data was "
                    f"tokenized with a {self.vocab_size}-token tokenizer"
                )
        config.num_labels, config.pad_token_id, config.use_cache = 1, self.pad_id, False
        config.architectures = ["Qwen2ForSequenceClassification"]
        return config

    def create_model(self, config, dtype: torch.dtype):
        from transformers import AutoModelForSequenceClassification

        from pipeline.train.model import attention_implementation

        m = self.cfg.model
        attn = attention_implementation(m.attn_implementation)
        if m.init == "scratch":
            model = AutoModelForSequenceClassification.from_config(config, dtype=dtype, attn_implementation=attn)
        else:  # the backbone's weights; the head is new (transformers initialises it and says so)
            model = AutoModelForSequenceClassification.from_pretrained(
                m.name_or_path, config=config, dtype=dtype, attn_implementation=attn,
                trust_remote_code=m.trust_remote_code,
            )  # fmt: skip
        if m.gradient_checkpointing:
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        return model

    def scores(self, batch: dict) -> torch.Tensor:
        """One score per sequence, at its last real token. Through the engine's own forward (ZeRO-3's hooks on the
        whole model run as they expect), then the head once more on the final hidden states: HF's pooling finds
        the last token from the pad id, which our texts may contain (pad is often EOS)."""
        device = self.engine.device
        mask = batch["attention_mask"].to(device)
        out = self.engine(input_ids=batch["input_ids"].to(device), attention_mask=mask, output_hidden_states=True)
        return last_token_scores(self.engine.module.score(out.hidden_states[-1]).float(), mask)

    # ------------------------------------------------------------------ training
    def train_step(self) -> tuple[float, dict[str, float]]:
        """One optimizer step: every rank's micro batches of `micro_batch_size` groups, the listwise loss averaged
        over the groups (every group counts the same, so the mean over micro batches is the global batch's)."""
        p, totals = self.plan, new_loss_totals(1, self.engine.device)
        wins = torch.zeros(2, dtype=torch.float64, device=self.engine.device)
        self.step_tokens = 0
        for micro in range(p.grad_accum):
            idx = global_indices(self.step, micro, self.rank, p.world_size, p.micro_batch_size, p.grad_accum)
            batch, sizes = self.batch(self.data, [self.group_index(i) for i in idx])
            scores = self.scores(batch)
            labels = batch["labels"].to(scores.device)
            losses = torch.stack([listwise_loss(s, y) for s, y in zip(scores.split(sizes), labels.split(sizes))])
            self.engine.backward(losses.mean())
            self.engine.step()
            totals[0] += losses.detach().double().sum()
            totals[1] += len(sizes)
            for s, y in zip(scores.detach().split(sizes), labels.split(sizes)):
                m = group_metrics(s.tolist(), y.tolist())
                wins += torch.tensor([m["pair_wins"], m["pairs"]], dtype=torch.float64, device=wins.device)
            self.step_tokens += int(batch["attention_mask"].sum())
        torch.distributed.all_reduce(totals)
        torch.distributed.all_reduce(wins)
        self.step += 1
        self.samples_consumed += p.global_batch_size
        self.train_pairwise = float(wins[0] / max(float(wins[1]), 1.0))
        return float(totals[0] / totals[1]), {}

    def step_metrics(self, loss, per_source, lr, dt, started, start_step) -> dict:
        row = {
            "step": self.step,
            "loss": round(loss, 6),
            "pairwise_accuracy": round(self.train_pairwise, 4),
            "lr": lr,
            "groups": self.samples_consumed,
            "tokens_per_s": round(self.step_tokens * self.world_size / dt, 1),
            "eta_s": round((time.time() - started) / (self.step - start_step) * (self.max_steps - self.step), 1),
        }
        grad_norm = self.engine.get_global_grad_norm()
        if grad_norm is not None:
            row["grad_norm"] = round(float(grad_norm), 6)
        return row

    @torch.no_grad()
    def held_out_metrics(self) -> dict:
        """Pairwise accuracy, RM@k, random-of-k and maj@k over every held-out group; ranks take interleaved groups,
        and every rank runs the same number of forwards (ZeRO-3 gathers each layer from all ranks)."""
        data = self.validation
        if data is None or not data.n:
            return {}
        self.engine.eval()
        mine = list(range(self.rank, data.n, self.world_size))
        rounds = -(-data.n // self.world_size)
        sums = torch.zeros(5, dtype=torch.float64, device=self.engine.device)
        for r in range(rounds):
            g = mine[r] if r < len(mine) else 0  # a rank without a group left repeats one, uncounted
            batch, sizes = self.batch(data, [g])
            scores = self.scores(batch).tolist()
            if r < len(mine):
                m = group_metrics(scores, batch["labels"].tolist())
                maj = float(data.info[g].get("maj_correct", float("nan")))
                sums += torch.tensor([m["pair_wins"], m["pairs"], m["rm_correct"], m["random_correct"], maj],
                                     dtype=torch.float64, device=sums.device)  # fmt: skip
        torch.distributed.all_reduce(sums)
        self.engine.train()
        k = self.cfg.eval_k
        row = {
            "val_pairwise_accuracy": round(float(sums[0] / max(float(sums[1]), 1.0)), 4),
            f"val_rm@{k}": round(float(sums[2]) / data.n, 4),
            f"val_random@{k}": round(float(sums[3]) / data.n, 4),
            "val_groups": data.n,
        }
        if not math.isnan(float(sums[4])):
            row[f"val_maj@{k}"] = round(float(sums[4]) / data.n, 4)
        return row

    def validation_metrics(self) -> dict:
        return {"step": self.step, **self.held_out_metrics()}

    def final_metrics(self) -> dict:
        return {"step": self.step, **self.held_out_metrics()}

    def write_export_files(self, folder: Path) -> None:
        """The architecture and the reward data's tokenizer (what `mathcpt export` rebuilds the HF folder from)."""
        self.model_config.save_pretrained(str(folder))
        shutil.copytree(self.out / RM_DATA / "tokenizer", folder / "tokenizer", dirs_exist_ok=True)


def run_reward_training(cfg: RewardModelConfig, config_path: str | Path, prepare_data: Callable[[Path], None]) -> None:
    """parse → build → train → close, as `run_training`; `prepare_data(folder)` builds the group data (rank 0)."""
    drive(RewardTrainer(cfg, config_path, prepare_data))
