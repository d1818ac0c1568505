#!/usr/bin/env bash
# torchrun that leaves SIGTERM/SIGINT to the training ranks: it ignores them itself, and this script forwards them
# to the ranks when it is signalled alone.
#   launch/torchrun_graceful.sh --nnodes 1 --nproc_per_node 8 -m pipeline.cli train CONFIG.yaml
# Why: a signalled torchrun raises SignalException, exits 1 and SIGKILLs ranks still running after its 30 s
# shutdown grace, which a 7B/72B ZeRO-3 save outlasts. Slurm signals every process of the step (torchrun included),
# a terminal's Ctrl-C the whole process group. Here torchrun starts with both signals ignored and told not to handle
# them (`--signals-to-handle`), while the ranks install their own handler (pipeline.train.trainer): they finish
# their step, save the checkpoint and exit 0, and torchrun, seeing every worker succeed, exits 0 with them.
# Used by launch/slurm_train.sbatch (Slurm's scancel --signal=TERM, preemption and --signal=TERM@T reach this
# script); the grace a save needs is the scheduler's to give (Slurm: KillWait / GraceTime).
set -uo pipefail
python_bin=${MATHCPT_PYTHON:-python}
# The subshell ignores TERM and INT and execs torchrun, which keeps them ignored: an ignored signal stays ignored
# across exec, and torchrun installs handlers only for the signals it is told to handle. The ranks it starts inherit
# "ignored" too, until the trainer installs its handler.
(
  trap '' TERM INT
  exec "$python_bin" -m torch.distributed.run --signals-to-handle "${MATHCPT_TORCHRUN_SIGNALS:-SIGHUP,SIGQUIT}" "$@"
) &
torchrun_pid=$!
forward() {
  echo "torchrun_graceful: $1 received, forwarding it to the training ranks of torchrun $torchrun_pid" >&2
  pkill "-$1" -P "$torchrun_pid" || true
}
trap 'forward TERM' TERM
trap 'forward INT' INT
while true; do
  wait "$torchrun_pid"
  status=$?
  kill -0 "$torchrun_pid" 2>/dev/null || exit "$status"  # wait returned for a trapped signal: keep waiting
done
