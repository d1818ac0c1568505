"""Real 2-rank DeepSpeed ZeRO-3 training (gloo, torchrun) on the data run's shards, then HF export."""

from __future__ import annotations

import json
import shutil

import pytest
import torch
import torch.nn.functional as F

from tests.conftest import ROOT, run_cli, torchrun

pytestmark = pytest.mark.slow


def metrics(run):
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


def test_parameters_are_partitioned_across_ranks(train_run):
    info = json.loads((train_run / "run_info.json").read_text())
    assert info["zero_stage"] == 3 and info["world_size"] == 2
    per_rank = info["parameters_per_rank"]
    # Each rank holds its half (DeepSpeed pads each tensor's partition to an even split).
    assert all(info["parameters"] / 2 <= n <= info["parameters"] / 2 + 256 for n in per_rank)


def test_loss_decreases_and_metrics_are_recorded(train_run):
    rows = [r for r in metrics(train_run) if "loss" in r]
    assert [r["step"] for r in rows] == list(range(1, 13))
    assert rows[-1]["loss"] < rows[0]["loss"] - 0.5
    assert rows[-1]["tokens"] == 12 * 16 * 128
    assert rows[0]["lr"] < rows[4]["lr"]  # warmup
    assert list((train_run / "wandb").glob("offline-run-*/run-*.wandb")), "wandb offline run file missing"
    assert sorted(p.name for p in (train_run / "checkpoints").glob("step_*")) == ["step_00000006", "step_00000012"]
    assert (train_run / "checkpoints" / "latest").read_text() == "step_00000012"
    assert rows[-1]["grad_norm"] > 0 and {f"loss/{s}" for s in ("web", "books")} <= set(rows[-1])


def test_export_reproduces_the_trained_loss(train_run, data_run, tmp_path):
    out = tmp_path / "hf"
    r = run_cli("export", str(train_run / "checkpoints"), "-o", str(out), "--dtype", "float32")
    assert r.returncode == 0, r.stderr[-3000:]
    assert {"config.json", "model.safetensors", "tokenizer.json", "generation_config.json"} <= {
        p.name for p in out.iterdir()
    }

    from transformers import AutoModelForCausalLM, AutoTokenizer

    from pipeline.train.data_loader import PackedMixture

    model = AutoModelForCausalLM.from_pretrained(str(out)).eval()
    assert model.config.model_type == "qwen2"
    tokenizer = AutoTokenizer.from_pretrained(str(out))
    batch = PackedMixture(str(data_run), 128, seed=0).batch(list(range(16)))
    with torch.no_grad():
        logits = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"], use_cache=False).logits
    loss = F.cross_entropy(logits.view(-1, logits.size(-1)), batch["labels"].view(-1)).item()
    trained = [r["eval_loss"] for r in metrics(train_run) if "eval_loss" in r][-1]
    assert abs(loss - trained) < 1e-4, (loss, trained)
    assert tokenizer.eos_token == "<|endoftext|>"


def test_export_logits_equal_the_zero3_engine_logits(train_run, data_run, tmp_path):
    """The issue's round trip: the DeepSpeed engine, resumed from the run's checkpoint on 2 ranks with its own
    partitioned shards, and the exported HF model give the same logits on the same packed samples."""
    run = tmp_path / "run"
    shutil.copytree(train_run, run)  # resuming rewrites the run's resolved config; leave the shared fixture alone
    engine_out = tmp_path / "engine_logits.pt"
    r = torchrun(
        2,
        str(ROOT / "tests" / "train" / "zero3_logits.py"),
        str(ROOT / "configs" / "tiny_cpu.yaml"),
        str(engine_out),
        "4",
        "--set",
        f"data.path={data_run}",
        "--set",
        f"output_dir={run}",
        "--set",
        "train.max_steps=12",
        "--set",
        "train.save_every=6",
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-5000:]
    engine = torch.load(engine_out)
    assert engine["step"] == 12

    hf = tmp_path / "hf"
    r = run_cli("export", str(run), "-o", str(hf), "--dtype", "float32")
    assert r.returncode == 0, r.stderr[-3000:]
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(hf)).eval()
    with torch.no_grad():
        logits = model(input_ids=engine["input_ids"], position_ids=engine["position_ids"], use_cache=False).logits
    assert logits.shape == engine["logits"].shape
    diff = (logits - engine["logits"]).abs().max().item()
    assert diff < 1e-4, diff
    # and the logits are not trivially equal: the model predicts different tokens at different positions
    assert logits.argmax(-1).unique().numel() > 1


def test_export_refuses_non_checkpoint_and_non_empty_output(train_run, tmp_path):
    r = run_cli("export", str(tmp_path), "-o", str(tmp_path / "x"))
    assert r.returncode == 2 and "not a DeepSpeed checkpoint" in r.stderr
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "f").write_text("x")
    r = run_cli("export", str(train_run / "checkpoints"), "-o", str(tmp_path / "busy"))
    assert r.returncode == 2 and "not empty" in r.stderr


def test_resume_on_another_world_size_continues_the_same_losses(train_run, data_run, tmp_path):
    """A 2-rank checkpoint resumed on 1 rank (through DeepSpeed's universal form) reproduces the 2-rank losses."""
    out = tmp_path / "run"
    (out / "checkpoints").mkdir(parents=True)
    shutil.copytree(train_run / "checkpoints" / "step_00000006", out / "checkpoints" / "step_00000006")
    (out / "checkpoints" / "latest").write_text("step_00000006")
    shutil.copy(train_run / "train_config.resolved.yaml", out)
    r = torchrun(
        1,
        "-m",
        "pipeline.cli",
        "train",
        str(ROOT / "configs" / "tiny_cpu.yaml"),
        "--set",
        f"data.path={data_run}",
        "--set",
        f"output_dir={out}",
        "--set",
        "wandb.enabled=false",
        "--set",
        "train.max_steps=12",
        "--set",
        "train.save_every=6",
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "saved by 2 ranks, this job has 1: converting" in r.stdout + r.stderr
    straight = {row["step"]: row["loss"] for row in metrics(train_run) if "loss" in row}
    resumed = {row["step"]: row["loss"] for row in metrics(out) if "loss" in row}
    assert sorted(resumed) == list(range(7, 13))
    for step, loss in resumed.items():
        assert loss == pytest.approx(straight[step], abs=1e-4), step
    assert json.loads((out / "checkpoints" / "step_00000012" / "trainer_state.json").read_text())["world_size"] == 1


def test_resuming_with_another_config_is_refused_clearly(train_run, data_run):
    r = torchrun(
        2,
        "-m",
        "pipeline.cli",
        "train",
        str(ROOT / "configs" / "tiny_cpu.yaml"),
        "--set",
        f"data.path={data_run}",
        "--set",
        f"output_dir={train_run}",
        "--set",
        "model.shape.num_hidden_layers=2",
    )
    assert r.returncode != 0 and "checkpoints of another model or config (model" in (r.stdout + r.stderr)


def test_batch_that_does_not_divide_is_rejected_by_name(data_run, tmp_path):
    r = torchrun(
        2,
        "-m",
        "pipeline.cli",
        "train",
        str(ROOT / "configs" / "tiny_cpu.yaml"),
        "--set",
        f"data.path={data_run}",
        "--set",
        f"output_dir={tmp_path}",
        "--set",
        "batch.global_batch_size=12",
    )
    assert r.returncode != 0 and "batch.global_batch_size=12" in (r.stdout + r.stderr)


def test_one_rank_without_launcher_with_a_deepspeed_optimizer(data_run, tmp_path):
    """`mathcpt train` alone runs one rank; a DeepSpeed JSON with an optimizer section gets our hyperparameters."""
    ds = json.loads((ROOT / "configs" / "deepspeed" / "zero3_bf16.json").read_text())
    ds["optimizer"]["params"]["torch_adam"] = True  # DeepSpeed's fused Adam needs CUDA; its torch fallback runs here
    (tmp_path / "ds.json").write_text(json.dumps(ds))
    out = tmp_path / "run"
    r = run_cli(
        "train",
        str(ROOT / "configs" / "tiny_cpu.yaml"),
        "--set",
        f"data.path={data_run}",
        "--set",
        f"output_dir={out}",
        "--set",
        f"deepspeed.config={tmp_path / 'ds.json'}",
        "--set",
        "train.max_steps=3",
        "--set",
        "batch.global_batch_size=8",
        "--set",
        "wandb.enabled=false",
        env={"OMP_NUM_THREADS": "1"},
    )
    assert r.returncode == 0, r.stderr[-4000:]
    info = json.loads((out / "run_info.json").read_text())
    assert info["world_size"] == 1 and info["batch"]["grad_accum"] == 2
    rows = [row for row in metrics(out) if "loss" in row]
    assert [row["step"] for row in rows] == [1, 2, 3] and rows[0]["lr"] > 0


def test_pretrained_model_with_a_smaller_vocabulary_is_refused(data_run, tmp_path):
    from transformers import Qwen2Config, Qwen2ForCausalLM

    Qwen2ForCausalLM(
        Qwen2Config(
            vocab_size=100,
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=1,
            num_attention_heads=2,
            num_key_value_heads=1,
        )
    ).save_pretrained(str(tmp_path / "m"))
    r = run_cli(
        "train",
        str(ROOT / "configs" / "tiny_cpu.yaml"),
        "--set",
        f"data.path={data_run}",
        "--set",
        f"output_dir={tmp_path / 'run'}",
        "--set",
        "model.init=pretrained",
        "--set",
        f"model.name_or_path={tmp_path / 'm'}",
        "--set",
        "model.shape=null",
        "--set",
        "wandb.enabled=false",
    )
    assert r.returncode == 2 and "has a 100-token embedding" in r.stderr and "Traceback" not in r.stderr


def test_validation_loss_and_perplexity_per_source(sample_corpus, data_run, tmp_path):
    from pipeline.config.recipe import load_recipe
    from pipeline.data.recipe_run import run_recipe

    data = tmp_path / "data"
    run_recipe(
        load_recipe(
            ROOT / "data_recipes" / "demo.yaml", [f"data_root={sample_corpus}", "mixture.validation_fraction=0.25"]
        ),
        data,
    )
    common = [
        "--set",
        "train.max_steps=4",
        "--set",
        "batch.global_batch_size=8",
        "--set",
        "wandb.enabled=false",
        "--set",
        "train.eval_every=2",
        "--set",
        "train.eval_samples=8",
    ]
    r = run_cli(
        "train",
        str(ROOT / "configs" / "tiny_cpu.yaml"),
        "--set",
        f"data.path={data}",
        "--set",
        f"output_dir={tmp_path / 'run'}",
        *common,
        env={"OMP_NUM_THREADS": "1"},
    )
    assert r.returncode == 0, r.stderr[-4000:]
    rows = [row for row in metrics(tmp_path / "run") if "val_loss" in row]
    assert [row["step"] for row in rows] == [2, 4]
    assert {"val_ppl/web", "val_loss/books"} <= set(rows[-1]) and rows[-1]["val_ppl"] > 1
    r = run_cli(
        "train",
        str(ROOT / "configs" / "tiny_cpu.yaml"),
        "--set",
        f"data.path={data_run}",
        "--set",
        f"output_dir={tmp_path / 'run2'}",
        *common,
    )
    assert r.returncode == 2 and "train.eval_every needs a validation split" in r.stderr


def test_periodic_task_eval_generates_on_the_zero3_model(data_run, tmp_path):
    """Every rank takes part in generation under ZeRO-3; rank 0 logs the accuracy per task."""
    r = torchrun(
        2,
        "-m",
        "pipeline.cli",
        "train",
        str(ROOT / "configs" / "tiny_cpu.yaml"),
        "--set",
        f"data.path={data_run}",
        "--set",
        f"output_dir={tmp_path / 'run'}",
        "--set",
        "train.max_steps=2",
        "--set",
        "wandb.enabled=false",
        "--set",
        "train.task_eval_every=2",
        "--set",
        "train.task_eval_limit=3",
        "--set",
        "train.task_eval_max_new_tokens=6",
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    rows = [row for row in metrics(tmp_path / "run") if "task_eval/mini_gsm/accuracy" in row]
    assert [row["step"] for row in rows] == [2] and 0 <= rows[0]["task_eval/mini_gsm/accuracy"] <= 1
    r = run_cli(
        "train",
        str(ROOT / "configs" / "tiny_cpu.yaml"),
        "--set",
        f"data.path={data_run}",
        "--set",
        "train.task_eval=[nosuch]",
        "--dry-run",
    )
    assert r.returncode == 2 and "unknown eval task" in r.stderr
