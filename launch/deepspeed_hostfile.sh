#!/usr/bin/env bash
# Multi-node training with the DeepSpeed launcher (passwordless ssh between nodes, same paths everywhere):
#   launch/deepspeed_hostfile.sh launch/hostfile.example configs/qwen2_7b.yaml [--set k=v ...]
# The hostfile lists "hostname slots=GPUS" per node; the launcher passes --local_rank, which `mathcpt train` accepts.
set -euo pipefail
hostfile=${1:?usage: $0 HOSTFILE CONFIG.yaml [--set k=v ...]}
config=${2:?usage: $0 HOSTFILE CONFIG.yaml [--set k=v ...]}
shift 2
exec deepspeed --hostfile "$hostfile" --master_port "${MASTER_PORT:-29500}" \
  --module pipeline.cli train "$config" "$@"
