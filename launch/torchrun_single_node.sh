#!/usr/bin/env bash
# Train on one node with all its GPUs (or CPU ranks):
#   launch/torchrun_single_node.sh configs/qwen2_1.5b.yaml [--set train.max_steps=100 ...]
# NPROC defaults to the number of visible GPUs (2 on a CPU machine).
set -euo pipefail
config=${1:?usage: $0 CONFIG.yaml [--set k=v ...]}
shift
if command -v nvidia-smi >/dev/null 2>&1; then
  default_nproc=$(nvidia-smi --list-gpus | wc -l)
else
  default_nproc=2
fi
NPROC=${NPROC:-$default_nproc}
exec torchrun --standalone --nproc_per_node "$NPROC" -m pipeline.cli train "$config" "$@"
