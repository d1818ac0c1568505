"""Two torchrun agents (`--nnodes 2`, one rank each, c10d rendezvous on localhost) train like two ranks on one node.

    .venv/bin/python -m pytest tests/train/test_two_node_rendezvous.py

This is the multi-node path of launch/slurm_train.sbatch (one torchrun per node, rendezvous on the first node),
run as two agents on one machine.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, free_port, losses


@pytest.mark.slow
def test_two_agents_give_the_losses_of_one_node_with_two_ranks(data_run, train_run, tmp_path):
    port = free_port()
    out = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "WANDB_MODE": "offline", "TOKENIZERS_PARALLELISM": "false"}
    agent = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "2", "--nproc_per_node", "1"]
    agent += ["--rdzv_backend", "c10d", "--rdzv_endpoint", f"127.0.0.1:{port}", "--rdzv_id", "two-node-test"]
    train = ["-m", "pipeline.cli", "train", str(ROOT / "configs" / "tiny_cpu.yaml")]
    for item in (f"data.path={data_run}", f"output_dir={out}", "train.max_steps=12", "train.save_every=6"):
        train += ["--set", item]
    nodes = [
        subprocess.Popen(
            [*agent, *train], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for _ in range(2)
    ]
    outputs = [node.communicate(timeout=600)[0] for node in nodes]
    assert [node.returncode for node in nodes] == [0, 0], "\n".join(o[-3000:] for o in outputs)
    assert losses(out) == losses(train_run)  # the torchrun --standalone run with 2 ranks, bit-exact on CPU
