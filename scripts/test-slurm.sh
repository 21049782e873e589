#!/usr/bin/env bash
# make test-slurm: a real one-node Slurm cluster on localhost runs scripts/slurm/cellar-array.sbatch
# as an array of 4 tasks over a synthetic 24-well plate; one task fails on its first attempt (its
# input file truncated, then restored) and is resubmitted; `cellar merge --verify` joins the
# shards and the merged database must equal a one-process ingest of the same plate.
#
# Installs Debian's slurm-wlm and munge when missing (needs root). Everything else lives in a
# temporary folder: munge key and socket, slurm.conf, state, spool, logs; munged, slurmctld and
# slurmd are started without systemd and stopped on exit (trap), whatever happens.
set -euo pipefail
CELLAR=$(realpath "${1:?usage: test-slurm.sh path/to/cellar}")
REPO=$(cd "$(dirname "$0")/.." && pwd)
SBATCH_SCRIPT=$REPO/scripts/slurm/cellar-array.sbatch
SHARDS=4
START=$(date +%s)
say() { echo "test-slurm: $*" >&2; }

if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
    || ! command -v munged >/dev/null; then
    say "installing slurm-wlm and munge (apt-get)"
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi
if [ "$(id -u)" != 0 ]; then say "needs root (slurmd runs jobs as their user; munged and slurmd here run as root)"; exit 1; fi

WORK=$(mktemp -d /tmp/cellar-slurm.XXXXXX)
chmod 700 "$WORK"
PIDS=()
cleanup() {
    local rc=$?
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    if [ $rc != 0 ]; then
        say "FAILED (exit $rc); daemon logs:"
        tail -n 20 "$WORK"/log/*.log >&2 2>/dev/null || true
        tail -n 20 "$WORK"/out/*.out >&2 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$WORK"/{munge,state,spool,log,out,shards}

# --- munge: a private key and socket (not /etc/munge, not the system's daemon) ---
dd if=/dev/urandom of="$WORK/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$WORK/munge/munge.key"
SOCKET=$WORK/munge/munge.sock
munged --force --foreground --key-file="$WORK/munge/munge.key" --socket="$SOCKET" \
    --pid-file="$WORK/munge/munged.pid" --log-file="$WORK/log/munged.log" --seed-file="$WORK/munge/seed" \
    >"$WORK/log/munged.stderr" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do [ -S "$SOCKET" ] && break; sleep 0.1; done
munge --socket="$SOCKET" -n </dev/null | unmunge --socket="$SOCKET" >/dev/null || { say "munge does not work"; exit 1; }

# --- slurm.conf for one node, free ports ---
HOST=$(hostname -s)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("",0)); print(s.getsockname()[1])'; }
CTLD_PORT=$(free_port); SLURMD_PORT=$(free_port)
MEM_MB=$(awk '/MemTotal/ { print int($2 / 1024 * 0.8) }' /proc/meminfo)
CPUS=$(nproc)
export SLURM_CONF=$WORK/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=cellartest
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$SOCKET
CredType=cred/munge
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SchedulerType=sched/builtin
MinJobAge=3600
InactiveLimit=0
KillWait=5
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=cellar Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
# Slurm reads cgroup.conf beside slurm.conf when present; none is needed with linuxproc + task/none.
slurmctld -D -i -f "$SLURM_CONF" >"$WORK/log/slurmctld.stderr" 2>&1 &
PIDS+=($!)
slurmd -D -N "$HOST" -f "$SLURM_CONF" >"$WORK/log/slurmd.stderr" 2>&1 &
PIDS+=($!)
for i in $(seq 120); do
    state=$(sinfo -h -n "$HOST" -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    [ "$i" = 120 ] && { say "node not idle after 60 s (state '$state')"; cat "$WORK"/log/*.stderr >&2; exit 1; }
    sleep 0.5
done
say "one-node cluster up on $HOST (slurmctld :$CTLD_PORT, slurmd :$SLURMD_PORT) after $(( $(date +%s) - START )) s"

# --- a synthetic 24-well plate, and the one-process ingest to compare with ---
DATA=$WORK/data
"$CELLAR" synth "$DATA" --plate P1 --wells 24 --sites 2 --size 512 --no-truth >/dev/null
"$CELLAR" ingest "$DATA" --db "$WORK/single.db" --settle 0 --workers 2 >"$WORK/log/single.txt" 2>&1
say "single ingest: $(grep "^ingested" "$WORK/log/single.txt")"

# The shard of well B03 (task that will fail first), from the documented hash, in Python.
VICTIM_WELL=B03
VICTIM_TASK=$(python3 - "$VICTIM_WELL" "$SHARDS" <<'EOF'
import sys
M = (1 << 64) - 1
def fnv1a(b):
    h = 0xcbf29ce484222325
    for x in b:
        h = ((h ^ x) * 0x100000001b3) & M
    return h
def mix(z):
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M
    return z ^ (z >> 31)
print(mix(fnv1a(b"P1\0" + sys.argv[1].encode())) % int(sys.argv[2]))
EOF
)
VICTIM=$(ls "$DATA"/P1/P1_${VICTIM_WELL}_s1_w1.* | head -1)
cp -p "$VICTIM" "$WORK/victim.bak"
head -c 200 "$WORK/victim.bak" >"$VICTIM"   # a truncated TIFF: that field fails
say "task $VICTIM_TASK (well $VICTIM_WELL) will fail: $(basename "$VICTIM") truncated"

submit() {  # submit ARRAY -> waits; prints the job id
    sbatch --parsable --wait --array="$1" --output="$WORK/out/%A_%a.out" --chdir="$WORK" \
        --export=ALL,CELLAR="$CELLAR",CELLAR_ROOT="$DATA",CELLAR_OUT="$WORK/shards",CELLAR_SHARDS=$SHARDS,CELLAR_ARGS="--settle 0" \
        "$SBATCH_SCRIPT" 2>>"$WORK/log/sbatch.log" || true
}
task_exit() {  # task_exit JOBID TASK -> exit code of that array task (from slurmctld's record)
    scontrol -o show job "$1" | awk -v t="$2" '$0 ~ "ArrayTaskId="t" " { for (i = 1; i <= NF; i++) if ($i ~ /^ExitCode=/) { split(substr($i, 10), a, ":"); print a[1] } }'
}
T0=$(date +%s)
JOB=$(submit "0-$((SHARDS - 1))" | tail -1)
say "array job $JOB (4 tasks) finished in $(( $(date +%s) - T0 )) s"
for t in $(seq 0 $((SHARDS - 1))); do
    code=$(task_exit "$JOB" "$t")
    if [ "$t" = "$VICTIM_TASK" ]; then
        [ "$code" = 1 ] || { say "task $t should have failed (exit 1), got '$code'"; exit 1; }
    else
        [ "$code" = 0 ] || { say "task $t failed (exit '$code')"; cat "$WORK/out/${JOB}_$t.out" >&2; exit 1; }
    fi
done
say "task $VICTIM_TASK failed as planned; restoring the file and resubmitting it alone"
# Same bytes, same inode and modification time as before (so the image rows equal the single
# ingest's); the size differs from the failed attempt's record, so the field is due again.
cp -p "$WORK/victim.bak" "$VICTIM"
T0=$(date +%s)
JOB2=$(submit "$VICTIM_TASK" | tail -1)
code=$(task_exit "$JOB2" "$VICTIM_TASK")
[ "$code" = 0 ] || { say "resubmitted task failed again (exit '$code')"; cat "$WORK/out/${JOB2}_$VICTIM_TASK.out" >&2; exit 1; }
grep -q "unchanged field(s) skipped" "$WORK/out/${JOB2}_$VICTIM_TASK.out" \
    || { say "the resubmitted task did not skip its finished fields"; cat "$WORK/out/${JOB2}_$VICTIM_TASK.out" >&2; exit 1; }
say "resubmitted task $VICTIM_TASK finished in $(( $(date +%s) - T0 )) s: $(grep '^ingested' "$WORK/out/${JOB2}_$VICTIM_TASK.out")"

# --- merge, verify, compare with the single ingest ---
"$CELLAR" merge "$WORK/merged.db" "$WORK/shards" --verify | tee "$WORK/log/merge.txt" >&2
python3 "$REPO/scripts/compare_dbs.py" "$WORK/single.db" "$WORK/merged.db" >&2
failed=$(sqlite3 "$WORK/merged.db" "SELECT count(*) FROM field WHERE status != 'done'")
recorded=$(sqlite3 "$WORK/merged.db" "SELECT count(*) FROM failure WHERE path LIKE '%$(basename "$VICTIM")'")
[ "$failed" = 0 ] || { say "$failed field(s) not done in the merged database"; exit 1; }
[ "$recorded" = 1 ] || { say "the first attempt's failure should be recorded once in the merged log, found $recorded"; exit 1; }
# Queries over the shard databases without merging answer exactly as over the merged one.
for q in "counts --by field --format csv" "counts --plate P1 --grid" "summary --feature Area,MeanIntensity_DNA --format csv" \
         "export --level cell --format csv" "export --level well --format tsv" "heatmap --plate P1 --format ascii"; do
    # shellcheck disable=SC2086
    "$CELLAR" $q --db "$WORK/shards" >"$WORK/several.txt"
    # shellcheck disable=SC2086
    "$CELLAR" $q --db "$WORK/merged.db" >"$WORK/one.txt"
    cmp -s "$WORK/several.txt" "$WORK/one.txt" || { say "cellar $q differs between --db DIR and the merged database"; exit 1; }
    [ -s "$WORK/one.txt" ] || { say "cellar $q printed nothing"; exit 1; }
done
say "counts, summary, export, heatmap over --db $WORK/shards equal those over the merged database"
# Merging again changes nothing.
before=$(sqlite3 "$WORK/merged.db" "SELECT (SELECT count(*) FROM cell), (SELECT count(*) FROM cell_mask), (SELECT count(*) FROM failure), (SELECT count(*) FROM run)")
"$CELLAR" merge "$WORK/merged.db" "$WORK/shards" >/dev/null
after=$(sqlite3 "$WORK/merged.db" "SELECT (SELECT count(*) FROM cell), (SELECT count(*) FROM cell_mask), (SELECT count(*) FROM failure), (SELECT count(*) FROM run)")
[ "$before" = "$after" ] || { say "a second merge changed counts: $before -> $after"; exit 1; }
# A merge killed (SIGKILL) in the middle leaves OUT as before that input; rerunning completes it.
"$CELLAR" bench store --cells 400000 --db "$WORK/big.db" >/dev/null
cells_before=$(sqlite3 "$WORK/merged.db" "SELECT count(*) FROM cell")
"$CELLAR" merge "$WORK/merged.db" "$WORK/big.db" >/dev/null 2>&1 &
MERGE_PID=$!
sleep 0.5
kill -9 "$MERGE_PID" 2>/dev/null || true
wait "$MERGE_PID" 2>/dev/null || true
[ "$(sqlite3 "$WORK/merged.db" "PRAGMA integrity_check")" = ok ] || { say "killed merge left a damaged database"; exit 1; }
cells_killed=$(sqlite3 "$WORK/merged.db" "SELECT count(*) FROM cell")
[ "$cells_killed" = "$cells_before" ] || [ "$cells_killed" = $((cells_before + 400000)) ] \
    || { say "killed merge left a partial input: $cells_killed cells (before: $cells_before)"; exit 1; }
"$CELLAR" merge "$WORK/merged.db" "$WORK/shards" "$WORK/big.db" --verify >"$WORK/log/remerge.txt"
[ "$(sqlite3 "$WORK/merged.db" "SELECT count(*) FROM cell")" = $((cells_before + 400000)) ] \
    || { say "rerun after the kill did not complete the merge"; cat "$WORK/log/remerge.txt" >&2; exit 1; }
say "merge killed with SIGKILL: $cells_killed cells ($([ "$cells_killed" = "$cells_before" ] && echo 'rolled back' || echo 'already committed')); rerun completed and verified"
say "PASS in $(( $(date +%s) - START )) s: 4 shards (one failed and resubmitted) merged = single ingest"
