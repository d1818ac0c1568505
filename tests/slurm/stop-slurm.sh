#!/usr/bin/env bash
# Stops what tests/slurm/start-slurm.sh started (by its pid files only), cancelling the cluster's jobs first.
#   bash tests/slurm/stop-slurm.sh
set -uo pipefail
DIR=${MATHCPT_SLURM_DIR:-/tmp/mathcpt-slurm}
stop() {  # name, pid file
  [[ -s $2 ]] || return 0
  local pid; pid=$(cat "$2")
  if kill -0 "$pid" 2>/dev/null && [[ $(cat /proc/"$pid"/comm 2>/dev/null) == "$1"* ]]; then
    kill -TERM "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$2"
}
if [[ -s $DIR/pids/slurmctld.pid ]] && kill -0 "$(cat "$DIR/pids/slurmctld.pid")" 2>/dev/null; then
  jobs=$(squeue -h -o %A 2>/dev/null | sort -u)
  [[ -n $jobs ]] && scancel $jobs 2>/dev/null
  for _ in $(seq 100); do [[ -z $(squeue -h -t R,CG -o %A 2>/dev/null) ]] && break; sleep 0.1; done
fi
stop slurmd "$DIR/pids/slurmd.pid"
stop slurmctld "$DIR/pids/slurmctld.pid"
stop munged "$DIR/pids/munged.pid"
exit 0
