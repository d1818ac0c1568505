#!/usr/bin/env bash
# A throw-away single-node Slurm cluster (munged + slurmctld + slurmd, no systemd) for the tests that submit real
# jobs (tests/data/test_slurm_cluster.py). .ci/run starts it and stops it (tests/slurm/stop-slurm.sh) at the end.
#   bash tests/slurm/start-slurm.sh && .venv/bin/python -m pytest tests/data/test_slurm_cluster.py
# Installs Debian's slurmctld/slurmd/slurm-client/munge when missing (needs root and apt). Daemons it starts are
# recorded in $MATHCPT_SLURM_DIR/pids/ for the stop script. Without Slurm the cluster tests skip.
set -euo pipefail
DIR=${MATHCPT_SLURM_DIR:-/tmp/mathcpt-slurm}
CPUS=${MATHCPT_SLURM_CPUS:-$(nproc)}
MEM=${MATHCPT_SLURM_MEM_MB:-8000}
HOST=$(hostname -s)
CONF=/etc/slurm/slurm.conf
say() { echo "[start-slurm] $*" >&2; }
alive() { [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
   || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null && [[ $(id -u) == 0 ]] || { say "no Slurm and no way to install it"; exit 1; }
  say "installing slurmctld slurmd slurm-client munge"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    slurmctld slurmd slurm-client munge >/dev/null
fi
mkdir -p "$DIR"/{pids,log,ctld,d}

# munge: a key, its folders, the daemon (unless one already answers)
if [[ ! -s /etc/munge/munge.key ]]; then
  install -d -o munge -g munge -m 0700 /etc/munge
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
fi
chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
install -d -o munge -g munge -m 0755 /run/munge
install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  say "starting munged"
  rm -f /run/munge/munged.pid
  setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged --force
  for _ in $(seq 50); do [[ -s /run/munge/munged.pid ]] && break; sleep 0.1; done
  cp /run/munge/munged.pid "$DIR/pids/munged.pid"
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
fi

# slurm.conf: one node, one partition, no cgroups or accounting; dependent jobs of a failed job are cancelled
# (kill_invalid_depend), as the data chain expects; job records kept an hour so `scontrol show job` can read them.
over=""; (( CPUS > $(nproc) )) && over="SlurmdParameters=config_overrides"
conf="# written by mathcpt tests/slurm/start-slurm.sh
ClusterName=mathcpt-ci
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
DependencyParameters=kill_invalid_depend
MailProg=/bin/true
MinJobAge=3600
KillWait=${MATHCPT_SLURM_KILL_WAIT:-30}
SlurmctldPidFile=$DIR/pids/slurmctld.pid
SlurmdPidFile=$DIR/pids/slurmd.pid
StateSaveLocation=$DIR/ctld
SlurmdSpoolDir=$DIR/d
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
$over
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP"
changed=0
if [[ ! -f $CONF || "$(cat "$CONF")" != "$conf" ]]; then
  [[ -f $CONF ]] && cp "$CONF" "$CONF.bak.$(date +%s)"
  mkdir -p /etc/slurm && printf '%s\n' "$conf" > "$CONF" && changed=1
fi
if alive "$DIR/pids/slurmctld.pid"; then
  (( changed )) && scontrol reconfigure || true
else
  say "starting slurmctld"; slurmctld -c
fi
alive "$DIR/pids/slurmd.pid" || { say "starting slurmd"; slurmd -N "$HOST"; }

for i in $(seq 120); do
  state=$(sinfo -h -n "$HOST" -o %t 2>/dev/null | head -1 || true)
  case $state in
    idle|mix|alloc) say "node $HOST is $state"; exit 0 ;;
    down*|drain*) scontrol update nodename="$HOST" state=resume 2>/dev/null || true ;;
  esac
  sleep 0.5
done
say "the node did not become usable (state '$state')"; tail -20 "$DIR"/log/*.log >&2; exit 1
