"""Fixtures of the instruct stage's tests: a chat tokenizer trained here, a tiny random policy, toy problems, and
sampling runs whose responses are correct or wrong by construction.

    .venv/bin/python -m pytest tests/instruct
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.sample.arithmetic import problems, worked, wrong_result
from tests.conftest import ROOT

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def chat_tokenizer(folder: Path):
    """A byte-level BPE trained on arithmetic and chat text, with the ChatML specials; saved as an HF folder."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    rng = random.Random(0)
    texts = [f"What is {a} + {b}? {worked(a, b, a + b)} system user assistant You are a helpful assistant. "
             "Please reason step by step, and put your final answer within \\boxed{}."
             for a in range(20) for b in range(20) for _ in range(rng.randint(1, 2))]  # fmt: skip
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(texts, trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|endoftext|>", pad_token="<|endoftext|>")
    tokenizer.save_pretrained(str(folder))
    return tokenizer


def tiny_policy(folder: Path, seed: int = 0) -> Path:
    """A random tiny Qwen2 with the chat tokenizer: its answers are noise, which is all sampling's mechanics need."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    tokenizer = chat_tokenizer(folder)
    torch.manual_seed(seed)
    config = Qwen2Config(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=512,
                         tie_word_embeddings=True, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id)  # fmt: skip
    Qwen2ForCausalLM(config).save_pretrained(str(folder))
    return folder


@pytest.fixture(scope="session")
def policy(tmp_path_factory) -> Path:
    return tiny_policy(tmp_path_factory.mktemp("policy"))


TOY_LIMIT = 5  # operands below 5: 25 sums, which a 2-layer model learns in a couple of hundred steps


def torchrun_cli(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m",
               "pipeline.cli", *args]  # fmt: skip
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def toy_policy(tmp_path_factory) -> Path:
    """A tiny Qwen2 that answers the toy sums in the chat format, made the way a user makes one: worked answers
    → `mathcpt sft-data` → `mathcpt train` (objective sft, 2 ZeRO-3 ranks) → `mathcpt export`."""
    from pipeline.config.instruct import SFTDataConfig
    from pipeline.instruct.sft_data import build_sft_data

    tmp = tmp_path_factory.mktemp("toy_policy")
    chat_tokenizer(tmp / "tokenizer")
    samples = synthetic_run(tmp / "samples", tmp / "tokenizer", n=400, k=1, accuracy=1.0, limit=TOY_LIMIT)
    build_sft_data(SFTDataConfig(output_dir=str(tmp / "data"), samples=[str(samples)], seq_len=160))
    shape = {"hidden_size": 64, "intermediate_size": 192, "num_hidden_layers": 2, "num_attention_heads": 4,
             "num_key_value_heads": 2}  # fmt: skip
    sets = [f"model.shape.{k}={v}" for k, v in shape.items()]
    sets += [f"data.path={tmp / 'data'}", f"output_dir={tmp / 'train'}", "data.seq_len=160", "train.objective=sft",
             "train.max_steps=200", "train.log_every=50", "wandb.enabled=false"]  # fmt: skip
    done = torchrun_cli("train", str(ROOT / "configs" / "tiny_cpu.yaml"), *(a for s in sets for a in ("--set", s)))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    exported = subprocess.run([sys.executable, "-m", "pipeline.cli", "export", str(tmp / "train"), "-o",
                               str(tmp / "model")], cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    assert exported.returncode == 0, exported.stderr[-2000:]
    return tmp / "model"


def write_problems(path: Path, n: int, seed: int = 0, limit: int = 10) -> Path:
    path.write_text("".join(json.dumps(p) + "\n" for p in problems(n, seed, limit)))
    return path


def synthetic_run(folder: Path, tokenizer_dir: Path, n: int, k: int, accuracy: float, seed: int = 0, limit: int = 10):
    """A finished sampling run (the format `mathcpt sample` writes) of n toy problems with k responses each, every
    response correct with probability `accuracy`: labels known by construction, for the reward model and SFT data."""
    from pipeline.config.instruct import BOXED_INSTRUCTION, DEFAULT_SYSTEM
    from pipeline.instruct.sampling import summarize, write_chunk
    from pipeline.shared.atomic import atomic_write_text
    from pipeline.shared.chat import ChatFormat, tokenizer_fingerprint

    chat = ChatFormat.load(str(tokenizer_dir), DEFAULT_SYSTEM, BOXED_INSTRUCTION)
    rng = random.Random(seed)
    rows = []
    for p in problems(n, seed, limit):
        responses = []
        for _ in range(k):
            right = rng.random() < accuracy
            c = p["a"] + p["b"] if right else wrong_result(p["a"], p["b"], rng)
            responses.append({"text": worked(p["a"], p["b"], c), "tokens": 12, "finished": True, "answer": str(c),
                              "correct": right})  # fmt: skip
        rows.append({"id": f"toy/{p['id']}", "source": "toy", "question": p["question"], "gold": p["answer"],
                     "answer_type": "number", "prompt": chat.prompt(p["question"]), "responses": responses,
                     "n_correct": sum(r["correct"] for r in responses)})  # fmt: skip
    (folder / "chunks").mkdir(parents=True, exist_ok=True)
    write_chunk(folder, 0, rows, {"problems": n, "prompt_too_long": 0, "seconds": 1.0, "generated_tokens": 12 * n * k})
    meta = {"policy": str(tokenizer_dir), "tokenizer_fingerprint": tokenizer_fingerprint(chat.tokenizer),
            "prompt": {"system": DEFAULT_SYSTEM, "instruction": BOXED_INSTRUCTION, "max_prompt_tokens": 2048},
            "generation": {"k": k}, "chat_template": chat.template}  # fmt: skip
    atomic_write_text(folder / "sampling.json", json.dumps(meta))
    atomic_write_text(folder / "report.json", json.dumps(summarize(rows, k, {}, 0, [{"seconds": 1.0,
                                                                                      "generated_tokens": 1}])))  # fmt: skip
    return folder


@pytest.fixture(scope="session")
def toy_reward_model(tmp_path_factory, toy_policy):
    """2 gloo ranks of real ZeRO-3, initialised from the toy policy as Qwen's reward model was from its policy, on
    300 toy problems with 8 responses each; then exported. (run folder, HF folder)."""
    tmp = tmp_path_factory.mktemp("toy_rm")
    samples = synthetic_run(tmp / "samples", toy_policy, n=300, k=8, accuracy=0.5, limit=TOY_LIMIT)
    sets = [f"data.samples=[{samples}]", f"output_dir={tmp / 'rm'}", "model.init=pretrained",
            f"model.name_or_path={toy_policy}", "model.shape=null", "tokenizer=null", "optim.lr=1e-3",
            "train.max_steps=300", "train.eval_every=100", "wandb.enabled=false"]  # fmt: skip
    done = torchrun_cli(
        "rm", "train", str(ROOT / "configs/instruct/rm_tiny_cpu.yaml"), *(a for s in sets for a in ("--set", s))
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    exported = subprocess.run([sys.executable, "-m", "pipeline.cli", "export", str(tmp / "rm"), "-o",
                               str(tmp / "model")], cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    assert exported.returncode == 0, exported.stderr[-2000:]
    return tmp / "rm", tmp / "model"
