"""Exact resume after kill -9, graceful save on SIGTERM, atomic checkpoints (2 gloo ranks, real DeepSpeed ZeRO-3)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import psutil
import pytest

from tests.conftest import ROOT, losses

pytestmark = pytest.mark.slow


def launch(data_run, out, *overrides: str) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
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
        "optim.warmup_steps=2",
    ]
    for o in overrides:
        cmd += ["--set", o]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )


def wait_for(predicate, proc: subprocess.Popen, timeout: float = 240):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        if proc.poll() is not None:
            raise AssertionError(f"training ended early ({proc.returncode}):\n{proc.stdout.read()[-4000:]}")
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_exact_resume_after_kill_9(data_run, tmp_path):
    straight = launch(data_run, tmp_path / "straight", "train.max_steps=8", "train.save_every=4")
    assert straight.wait(timeout=300) == 0, straight.stdout.read()[-4000:]

    killed = launch(data_run, tmp_path / "killed", "train.max_steps=8", "train.save_every=4")
    latest = tmp_path / "killed" / "checkpoints" / "latest"
    wait_for(lambda: latest.is_file() and latest.read_text() == "step_00000004", killed)
    os.killpg(killed.pid, signal.SIGKILL)  # the whole job, mid-run, no chance to clean up
    killed.wait()
    resumed = launch(data_run, tmp_path / "killed", "train.max_steps=8", "train.save_every=4")
    assert resumed.wait(timeout=300) == 0, resumed.stdout.read()[-4000:]

    a, b = losses(tmp_path / "straight"), losses(tmp_path / "killed")
    assert sorted(a) == sorted(b) == list(range(1, 9))
    assert [a[s] for s in range(5, 9)] == [b[s] for s in range(5, 9)]  # bit-exact on CPU


def test_sigterm_saves_the_finished_step_and_exits_0(data_run, tmp_path):
    proc = launch(data_run, tmp_path / "run", "train.max_steps=500")
    metrics = tmp_path / "run" / "metrics.jsonl"
    wait_for(lambda: metrics.is_file() and len(metrics.read_text().splitlines()) >= 3, proc)
    # SIGTERM to the training processes (what a scheduler's preemption notice reaches): they finish the step, save
    # and exit 0, so torchrun exits 0 too. (Signalling torchrun itself makes torchrun exit non-zero by its own rule.)
    workers = psutil.Process(proc.pid).children(recursive=True)
    assert len(workers) == 2
    for w in workers:
        w.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=120) == 0, proc.stdout.read()[-4000:]
    last = max(losses(tmp_path / "run"))
    ckpt = tmp_path / "run" / "checkpoints"
    assert (ckpt / "latest").read_text() == f"step_{last:08d}"
    state = json.loads((ckpt / f"step_{last:08d}" / "trainer_state.json").read_text())
    assert state["step"] == last and state["samples_consumed"] == last * 16


def test_a_killed_save_leaves_the_previous_checkpoint_usable(train_run, tmp_path):
    import shutil

    from tests.conftest import run_cli

    run = tmp_path / "run"
    shutil.copytree(train_run, run)
    ckpt = run / "checkpoints"
    # What a save killed half-way leaves: a partial folder, `latest` still on the previous complete checkpoint.
    shutil.copytree(ckpt / "step_00000012", ckpt / "step_00000018.partial")
    (ckpt / "step_00000018.partial" / "trainer_state.json").unlink()
    (ckpt / "step_00000018.partial" / "zero_pp_rank_1_mp_rank_00_model_states.pt").unlink()
    r = run_cli("export", str(ckpt), "-o", str(tmp_path / "hf"), "--dtype", "float32")
    assert r.returncode == 0, r.stderr[-2000:]
    assert (ckpt / "latest").read_text() == "step_00000012"


def test_a_data_stage_switches_at_its_step_and_resumes_inside_it_on_another_world_size(data_run, tmp_path):
    """data.stages: from step 3 only `books` is read (per-source losses say so), from step 6 only the books of another
    data run (`anneal`, same tokenizer); a 2-rank checkpoint inside the first stage resumed on 1 rank continues the
    2-rank run's losses, across the switch to the other run."""
    from tests.conftest import torchrun

    anneal = tmp_path / "anneal"
    shutil.copytree(data_run, anneal)
    stages = f"[{{from_step: 3, weights: {{books: 1.0}}}}, {{from_step: 6, path: {anneal}, weights: {{books: 1.0}}}}]"
    stage = [f"data.stages={stages}", "train.max_steps=8", "train.save_every=5"]
    straight = launch(data_run, tmp_path / "straight", *stage)
    assert straight.wait(timeout=300) == 0, straight.stdout.read()[-4000:]
    rows = [json.loads(x) for x in (tmp_path / "straight" / "metrics.jsonl").read_text().splitlines()]
    steps = {r["step"]: r for r in rows if "loss" in r}
    assert [steps[s]["data_stage"] for s in range(1, 9)] == [0, 0, 0, 1, 1, 1, 2, 2]
    assert len([k for k in steps[2] if k.startswith("loss/")]) > 1
    assert [k for k in steps[5] if k.startswith("loss/")] == ["loss/books"]
    assert [k for k in steps[8] if k.startswith("loss/")] == ["loss/anneal:books"]

    out = tmp_path / "one_rank"
    (out / "checkpoints").mkdir(parents=True)
    shutil.copytree(tmp_path / "straight" / "checkpoints" / "step_00000005", out / "checkpoints" / "step_00000005")
    (out / "checkpoints" / "latest").write_text("step_00000005")
    shutil.copy(tmp_path / "straight" / "train_config.resolved.yaml", out)
    sets = [f"data.path={data_run}", f"output_dir={out}", "wandb.enabled=false", "optim.warmup_steps=2", *stage]
    r = torchrun(1, "-m", "pipeline.cli", "train", str(ROOT / "configs" / "tiny_cpu.yaml"),
                 *(a for s in sets for a in ("--set", s)))  # fmt: skip
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    a, b = losses(tmp_path / "straight"), losses(out)
    assert sorted(b) == [6, 7, 8]
    for s in (6, 7, 8):
        assert b[s] == pytest.approx(a[s], abs=1e-4), s
