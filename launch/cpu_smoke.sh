#!/usr/bin/env bash
# CPU smoke test of the launch path: a data run on the sample corpus, then 2-rank ZeRO-3 training for a few steps.
#   launch/cpu_smoke.sh [OUT_DIR]
set -euo pipefail
out=${1:-runs/smoke}
python -m pipeline.sample "$out/corpus" --scale 0.3
mathcpt data data_recipes/demo.yaml --out "$out/data" --set "data_root=$out/corpus"
OMP_NUM_THREADS=1 WANDB_MODE=offline torchrun --standalone --nproc_per_node 2 -m pipeline.cli train configs/tiny_cpu.yaml \
  --set "data.path=$out/data" --set "output_dir=$out/train" --set train.max_steps=5
mathcpt export "$out/train/checkpoints" -o "$out/model" --dtype float32
mathcpt report "$out/train"
