#!/usr/bin/env bash
# A real single-node Slurm cluster on this machine, for the Slurm tests and
# the benchmark: `start DIR` writes DIR/slurm.conf and starts munged,
# slurmctld and slurmd (state, logs and pid files all in DIR); `stop DIR`
# stops what start started. Callers set SLURM_CONF=DIR/slurm.conf.
# Needs Debian's slurm-wlm and munge, and root (or sudo) for the daemons.
set -euo pipefail

action="${1:-}"
dir="${2:-}"
if [ -z "$action" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi
sudo=''
[ "$(id -u)" -eq 0 ] || sudo='sudo'

stop() {
  local pids=()
  for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munged.pid"; do
    if [ -s "$pidfile" ]; then
      pids+=("$(cat "$pidfile")")
      rm -f "$pidfile"
    fi
  done
  [ "${#pids[@]}" -gt 0 ] || return 0
  $sudo kill "${pids[@]}" 2>/dev/null || true
  # The daemons write their state as they go down: gone before the caller removes DIR.
  for _ in $(seq 1 50); do
    local alive=0
    for pid in "${pids[@]}"; do
      # A zombie (Z) is gone for this purpose: only its parent's wait is left.
      if [ -r "/proc/$pid/stat" ] && [ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" != Z ]; then alive=1; fi
    done
    [ "$alive" -eq 1 ] || return 0
    sleep 0.2
  done
}

if [ "$action" = stop ]; then
  stop
  exit 0
fi
[ "$action" = start ] || { echo "unknown action: $action" >&2; exit 2; }

for tool in slurmctld slurmd munged sbatch; do
  command -v "$tool" >/dev/null || { echo "$tool not found: install Debian's slurm-wlm and munge" >&2; exit 1; }
done
mkdir -p "$dir/state" "$dir/spool" "$dir/log"
dir="$(cd "$dir" && pwd)"
# What slurmd measures (it refuses a node that claims more), less 1 GiB of memory.
read -r cpus memory < <(slurmd -C | awk -F'[ =]' '/^NodeName/ { for (i = 1; i < NF; i++) { if ($i == "CPUs") c = $(i+1); if ($i == "RealMemory") m = $(i+1) } print c, m - 1024 }')
cat >"$dir/slurm.conf" <<CONF
ClusterName=local
SlurmctldHost=localhost
SlurmUser=$(id -un)
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
# cgroups (the default) fail in containers
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
SchedulerType=sched/backfill
# quick time limits for the tests: no grace beyond the limit, 10 s from TERM to KILL
OverTimeLimit=0
KillWait=10
# preemption for its test: a job in urgent cancels debug's jobs it needs room from, TERM first, KILL 10 s later
PreemptType=preempt/partition_prio
PreemptMode=CANCEL
NodeName=localhost CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP PriorityTier=1 GraceTime=10
PartitionName=urgent Nodes=localhost MaxTime=INFINITE State=UP PriorityTier=2
CONF
export SLURM_CONF="$dir/slurm.conf"

trap 'stop; echo "the cluster did not start; logs in $dir/log" >&2' ERR
if [ ! -s /etc/munge/munge.key ]; then $sudo /usr/sbin/mungekey -c; fi
$sudo mkdir -p /run/munge
$sudo chown munge:munge /run/munge 2>/dev/null || true
if ! munge -n >/dev/null 2>&1; then
  $sudo munged --force --pid-file="$dir/munged.pid" 2>/dev/null || $sudo munged --force
  [ -s "$dir/munged.pid" ] || pgrep -n munged >"$dir/munged.pid"
fi
$sudo env SLURM_CONF="$SLURM_CONF" slurmctld
$sudo env SLURM_CONF="$SLURM_CONF" slurmd
for _ in $(seq 1 60); do
  if sinfo -h -o '%t' 2>/dev/null | grep -qx 'idle'; then
    trap - ERR
    echo "slurm cluster up: SLURM_CONF=$SLURM_CONF"
    exit 0
  fi
  sleep 0.5
done
echo "the node did not come up; logs in $dir/log" >&2
stop
exit 1
