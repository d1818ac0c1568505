"""GRPO on our ZeRO-3 trainer: per step, G sampled responses per query, rewards, group advantages, the clipped-ratio
loss with a KL to a frozen reference, `mu` optimisation passes per rollout batch.

    mathcpt grpo configs/instruct/grpo_qwen2_7b.yaml
    torchrun --standalone --nproc_per_node 2 -m pipeline.cli grpo configs/instruct/grpo_tiny_cpu.yaml

A step, on every rank (pipeline.train.trainer's loop, checkpoints, SIGTERM and metrics around it):

1. **Queries**: the step's global batch of `batch.global_batch_size` queries, each rank its slice (the same tiling
   of global sample indices as CPT, so a run resumes on any number of ranks); query i of the sequence is a keyed
   permutation of the query file per epoch. Queries are loaded once: their gold is checked (`gradable_gold`; an
   ungradable one is skipped and counted, never rewarded), their prompt rendered in the policy's chat format
   (pipeline.shared.chat) and tokenized; a prompt longer than `data.seq_len` is skipped and counted.
2. **Rollouts** (pipeline.train.grpo_rollout, `rollout.backend`): HF `generate` on the ZeRO-3 weights gathered once
   per rollout, or (GPU) a vLLM engine in every rank's process with the policy's weights copied in after each update;
   G responses per query, stopping at the end of the assistant's turn; sampling seeded by (seed, step, rank), so a
   resumed run samples what the uninterrupted one did.
3. **Rewards** (pipeline.shared.rewards): rule, reward model, Qwen's shaping, a hook; **advantages** per group and
   zero-signal groups flagged (pipeline.train.grpo_loss).
4. **Loss**: token-level over the response tokens of the groups with signal, normalised by their number over all
   ranks (DeepSpeed's averaging over ranks and accumulation undone), with the k3 KL to the reference (a second
   ZeRO-3 engine without optimizer; none when `grpo.beta` is 0). With `grpo.mu` > 1 the log-probs of the rollout
   policy are kept and each pass is one optimizer step; the LR schedule counts optimizer steps.

Metrics per step (metrics.jsonl, wandb): reward mean and std (total, per reward function, per data source), accuracy
(rule reward), KL, entropy, clip fraction, response length, share of zero-signal groups, seconds in generation and
in training.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from loguru import logger

from pipeline.config.instruct import GRPOConfig
from pipeline.errors import ConfigError, DataError
from pipeline.shared.chat import ChatFormat, tokenizer_fingerprint
from pipeline.shared.grading import gradable_gold, to_quantity
from pipeline.shared.jsonl import read_jsonl
from pipeline.shared.rewards import Rewards, load_hook
from pipeline.shared.tokenizer import load_tokenizer
from pipeline.train.data_loader import FeistelPermutation, global_indices
from pipeline.train.grpo_loss import aggregate, group_advantages, token_losses
from pipeline.train.grpo_rollout import make_rollout
from pipeline.train.trainer import Trainer, drive


def load_queries(paths: list[str], chat: ChatFormat, max_prompt_tokens: int) -> tuple[list[dict], dict]:
    """Every usable query (id, source, gold, answer_type, prompt, prompt_ids) and the counts of those skipped."""
    queries, skipped = [], {"ungradable": 0, "prompt_too_long": 0}
    for path in paths:
        for line_no, r in read_jsonl(path, required={"question": str}):
            gold_field = r.get("gold", r.get("answer"))
            kind = r.get("answer_type") or ("number" if to_quantity(str(gold_field or "")) is not None else "latex")
            gold = gradable_gold(gold_field, kind)
            if gold is None:
                skipped["ungradable"] += 1
                continue
            prompt = chat.prompt(r["question"])
            ids = chat.tokenizer(prompt, add_special_tokens=False)["input_ids"]
            if len(ids) >= max_prompt_tokens:
                skipped["prompt_too_long"] += 1
                continue
            queries.append({"id": str(r.get("id") or f"{Path(path).name}:{line_no}"), "gold": gold,
                            "answer_type": kind, "source": str(r.get("source") or Path(path).stem),
                            "prompt": prompt, "prompt_ids": ids})  # fmt: skip
    return queries, skipped


class GRPOTrainer(Trainer):
    """The CPT trainer with rollouts, rewards and the GRPO loss (module docstring)."""

    cfg: GRPOConfig

    # ------------------------------------------------------------------ data
    def build_dataloader(self) -> None:
        m, t, g = self.cfg.model, self.cfg.train, self.cfg.grpo
        if m.init != "pretrained":
            raise ConfigError("model.init: GRPO starts from a trained policy (pretrained: an HF folder or hub id)")
        self.data_path = ",".join(self.cfg.data.queries)
        self.tokenizer = load_tokenizer(m.name_or_path, m.trust_remote_code)
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.tokenizer.padding_side = "left"  # generation: new tokens follow each prompt
        p = self.cfg.prompt
        self.chat = ChatFormat(self.tokenizer, p.system, p.instruction)
        self.queries, self.skipped = load_queries(self.cfg.data.queries, self.chat, self.cfg.data.seq_len)
        if not self.queries:
            raise DataError(f"no usable query in {self.cfg.data.queries} (skipped: {self.skipped})")
        self.end_ids = [self.tokenizer.eos_token_id]
        for stop in self.chat.stop:  # the end of the assistant's turn, when the tokenizer has it as one token
            ids = self.tokenizer(stop, add_special_tokens=False)["input_ids"]
            if len(ids) == 1:
                self.end_ids.append(ids[0])
        self.vocab_size = len(self.tokenizer)
        self.max_steps = t.max_steps or math.ceil(t.epochs * len(self.queries) / self.plan.global_batch_size)
        self.scheduler_steps = self.max_steps * g.mu  # every pass over a rollout batch is one optimizer step
        self.validation = None
        r = self.cfg.rewards
        scorer = None
        if r.reward_model:
            from pipeline.shared.reward_model import RewardScorer

            scorer = RewardScorer(r.reward_model)
            if tokenizer_fingerprint(scorer.tokenizer) != tokenizer_fingerprint(self.tokenizer):
                raise ConfigError(f"rewards.reward_model: {r.reward_model}'s tokenizer differs from the policy's")
        self.rewards = Rewards(r.rule, scorer, r.shaping, r.alpha, load_hook(r.hook), self.chat.end_of_turn())
        if self.is_main:
            logger.info(f"GRPO: {len(self.queries)} queries (skipped {self.skipped}); {self.max_steps} steps")

    def query_index(self, i: int) -> int:
        n = len(self.queries)
        return FeistelPermutation(n, (self.cfg.train.seed, "grpo", i // n))(i % n)

    # ------------------------------------------------------------------ model
    def model_architecture(self):
        from pipeline.train.model import model_config

        return model_config(self.cfg.model, self.vocab_size)

    def build_model(self) -> None:
        super().build_model()
        self.reference = None
        if self.cfg.grpo.beta > 0:
            import deepspeed

            from pipeline.train.model import build_model

            dtype = torch.bfloat16 if self.cfg.deepspeed.precision == "bf16" else torch.float32
            ref = build_model(self.cfg.model, self.model_config, dtype)  # loaded partitioned: HfDeepSpeedConfig lives
            ref_config = {k: v for k, v in self.ds_config.items() if k not in ("optimizer", "scheduler")}
            self.reference, *_ = deepspeed.initialize(model=ref, config=ref_config)
            self.reference.eval()
        self.build_rollout()

    # ------------------------------------------------------------------ rollouts
    def build_rollout(self) -> None:
        m, ro = self.cfg.model, self.cfg.rollout
        self.rollouts = make_rollout(
            ro.backend, self.engine, model_path=m.name_or_path, pad_token_id=self.tokenizer.pad_token_id,
            end_ids=self.end_ids, max_model_len=self.cfg.data.seq_len + ro.max_new_tokens,
            gpu_share=ro.vllm_gpu_memory_utilization, seed=self.cfg.train.seed + self.rank,
            trust_remote_code=m.trust_remote_code,
        )  # fmt: skip

    def rollout(self, query_ids: list[int]) -> list[dict]:
        """G sampled responses to each query from the current policy; one dict per response."""
        ro = self.cfg.rollout
        # Seeded by (seed, step, rank): a resumed run samples the responses the uninterrupted one did.
        seed = (self.cfg.train.seed * 1_000_003 + self.step) * 4099 + self.rank
        responses = self.rollouts.generate([self.queries[q]["prompt_ids"] for q in query_ids], ro.group_size, ro, seed)
        samples = []
        for row, ids in enumerate(responses):
            finished = bool(ids) and ids[-1] in self.end_ids
            text = self.tokenizer.decode(ids[:-1] if finished else ids, skip_special_tokens=True)
            samples.append({"query": self.queries[query_ids[row // ro.group_size]], "response_ids": ids,
                            "text": text, "finished": finished})  # fmt: skip
        return samples

    # ------------------------------------------------------------------ training
    def sequence_batch(self, samples: list[dict]) -> dict:
        """Right-padded prompt + response tensors and the mask of response tokens as targets."""
        seqs = [s["query"]["prompt_ids"] + s["response_ids"] for s in samples]
        width = max(len(x) for x in seqs)
        ids = torch.full((len(seqs), width), self.tokenizer.pad_token_id, dtype=torch.long)
        attention = torch.zeros((len(seqs), width), dtype=torch.long)
        targets = torch.zeros((len(seqs), width - 1), dtype=torch.float32)  # target t = token t + 1
        for i, (seq, s) in enumerate(zip(seqs, samples)):
            ids[i, : len(seq)] = torch.tensor(seq)
            attention[i, : len(seq)] = 1
            start = len(s["query"]["prompt_ids"]) - 1
            targets[i, start : start + len(s["response_ids"])] = 1.0
        return {"input_ids": ids, "attention_mask": attention, "targets": targets}

    def log_probs(self, engine, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """(per-token log-probs of the next tokens, per-token entropy) of a sequence batch, (sequences, tokens - 1)."""
        device = self.engine.device
        ids = batch["input_ids"].to(device)
        logits = engine(input_ids=ids, attention_mask=batch["attention_mask"].to(device), use_cache=False).logits
        logits = logits[:, :-1].float()
        logp = -F.cross_entropy(logits.reshape(-1, logits.size(-1)), ids[:, 1:].reshape(-1), reduction="none")
        with torch.no_grad():
            probs = logits.softmax(-1)
            entropy = -(probs * torch.log(probs.clamp_min(1e-12))).sum(-1)
        return logp.view(ids.size(0), -1), entropy

    def train_step(self) -> tuple[float, dict[str, float]]:
        p, g, G = self.plan, self.cfg.grpo, self.cfg.rollout.group_size
        started = time.time()
        micro_queries = [
            [self.query_index(i) for i in global_indices(self.step, m, self.rank, p.world_size, p.micro_batch_size,
                                                          p.grad_accum)]
            for m in range(p.grad_accum)
        ]  # fmt: skip
        samples = self.rollout([q for qs in micro_queries for q in qs])
        generation_s = time.time() - started

        totals, parts = self.rewards(
            [s["query"]["prompt"] for s in samples], [s["text"] for s in samples],
            [s["query"]["gold"] for s in samples], [s["query"]["answer_type"] for s in samples],
        )  # fmt: skip
        rewards = torch.tensor(totals, dtype=torch.float32).view(-1, G)
        advantages, zero = group_advantages(rewards, g.scale_rewards)
        for i, s in enumerate(samples):
            s["advantage"] = float(advantages.view(-1)[i])
            s["signal"] = not bool(zero[i // G])
        device = self.engine.device
        signal_tokens = torch.tensor(
            [float(sum(len(s["response_ids"]) for s in samples if s["signal"]))], dtype=torch.float64, device=device
        )
        torch.distributed.all_reduce(signal_tokens)
        total_tokens = float(signal_tokens.item())
        micro_samples = [
            samples[m * p.micro_batch_size * G : (m + 1) * p.micro_batch_size * G] for m in range(p.grad_accum)
        ]
        batches = [self.sequence_batch(ms) for ms in micro_samples]

        old_logp, ref_logp = [None] * p.grad_accum, [None] * p.grad_accum
        with torch.no_grad():
            for m, batch in enumerate(batches):
                if g.mu > 1:
                    old_logp[m] = self.log_probs(self.engine, batch)[0]
                if self.reference is not None:
                    ref_logp[m] = self.log_probs(self.reference, batch)[0]
        stats = torch.zeros(5, dtype=torch.float64, device=device)  # loss, kl, entropy, clipped, tokens
        for _ in range(g.mu):
            for m, batch in enumerate(batches):
                logp, entropy = self.log_probs(self.engine, batch)
                mask = (
                    batch["targets"].to(device)
                    * torch.tensor([1.0 if s["signal"] else 0.0 for s in micro_samples[m]], device=device)[:, None]
                )
                adv = torch.tensor([s["advantage"] for s in micro_samples[m]], device=device)
                old = old_logp[m] if old_logp[m] is not None else logp.detach()
                loss_tok, kl, clipped = token_losses(logp, old, ref_logp[m], adv, g.epsilon, g.epsilon_high, g.beta)
                loss = aggregate(loss_tok, mask, total_tokens)
                # DeepSpeed divides by accumulation steps and averages over ranks; the total is the step's own.
                self.engine.backward(loss * p.grad_accum * p.world_size)
                self.engine.step()
                self.rollouts.mark_stale()
                with torch.no_grad():
                    stats += torch.stack([loss.detach().double(), (kl * mask).sum().double(),
                                          (entropy * mask).sum().double(), (clipped * mask).sum().double(),
                                          mask.sum().double()])  # fmt: skip
        torch.distributed.all_reduce(stats)
        self.step += 1
        self.samples_consumed += p.global_batch_size
        self.step_stats = self.rollout_metrics(samples, totals, parts, zero, stats, generation_s, started)
        return float(stats[0] / g.mu), {}

    def rollout_metrics(self, samples, totals, parts, zero, stats, generation_s, started) -> dict:
        """Reward, accuracy, length and zero-signal statistics summed over every rank, and the step's loss terms."""
        names = ["total", *parts]
        values = {"total": totals, **parts}
        sources = sorted({q["source"] for q in self.queries})
        # per name: sum, sum of squares, count; per source: sum of totals, count; then lengths, zero groups, groups
        acc = []
        for name in names:
            v = torch.tensor(values[name], dtype=torch.float64)
            acc += [v.sum(), (v * v).sum(), float(len(v))]
        for src in sources:
            mine = [t for t, s in zip(totals, samples) if s["query"]["source"] == src]
            acc += [sum(mine), float(len(mine))]
        acc += [float(sum(len(s["response_ids"]) for s in samples)), float(zero.sum()), float(len(zero)),
                float(sum(not s["finished"] for s in samples))]  # fmt: skip
        t = torch.tensor([float(x) for x in acc], dtype=torch.float64, device=self.engine.device)
        torch.distributed.all_reduce(t)
        t, row, k = t.tolist(), {}, 0
        for name in names:
            total, squares, n = t[k : k + 3]
            k += 3
            mean = total / max(n, 1)
            row[f"reward/{name}/mean"] = round(mean, 6)
            row[f"reward/{name}/std"] = round(math.sqrt(max(squares / max(n, 1) - mean * mean, 0.0)), 6)
        for src in sources:
            row[f"reward/source/{src}"] = round(t[k] / max(t[k + 1], 1), 6)
            k += 2
        lengths, zero_groups, groups, unfinished = t[k : k + 4]
        n_samples = groups * self.cfg.rollout.group_size
        tokens = max(stats[4].item(), 1.0)
        if "rule" in parts:
            row["accuracy"] = row["reward/rule/mean"]
        row.update({
            "kl": round(stats[1].item() / tokens, 6), "entropy": round(stats[2].item() / tokens, 6),
            "clip_fraction": round(stats[3].item() / tokens, 6), "response_length": round(lengths / n_samples, 2),
            "unfinished_share": round(unfinished / n_samples, 4), "zero_signal_share": round(zero_groups / groups, 4),
            "generation_s": round(generation_s, 3), "training_s": round(time.time() - started - generation_s, 3),
        })  # fmt: skip
        return row

    def step_metrics(self, loss, per_source, lr, dt, started, start_step) -> dict:
        row = {"step": self.step, "loss": round(loss, 6), "lr": lr, "queries": self.samples_consumed}
        row.update(self.step_stats)
        row["eta_s"] = round((time.time() - started) / (self.step - start_step) * (self.max_steps - self.step), 1)
        grad_norm = self.engine.get_global_grad_norm()
        if grad_norm is not None:
            row["grad_norm"] = round(float(grad_norm), 6)
        return row

    def final_metrics(self) -> dict:
        return {"step": self.step, "queries_skipped": self.skipped}

    def write_export_files(self, folder: Path) -> None:
        """The architecture and the policy's tokenizer, with the chat template it was trained in."""
        self.model_config.save_pretrained(str(folder))
        self.tokenizer.chat_template = self.chat.template
        self.tokenizer.save_pretrained(str(folder / "tokenizer"))

    def save_checkpoint(self) -> Path:
        path = super().save_checkpoint()
        if self.is_main:
            (self.out / "queries.json").write_text(json.dumps({"used": len(self.queries), "skipped": self.skipped}))
        return path


def run_grpo(cfg: GRPOConfig, config_path: str | Path) -> None:
    """parse → build → train → close, as `run_training`."""
    drive(GRPOTrainer(cfg, config_path))
