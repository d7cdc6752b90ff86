# slurm_private.sh - sourced (bash): a private Slurm (munged + slurmctld + slurmd) in a temp dir
# ($tmp/slurm; nothing in /etc or /run is touched, the ports are free ones), as
# ../shared/notes/slurm-local.md measured it. Installs slurmctld, slurmd, slurm-client and munge with
# apt-get when missing (as root; not when REGMNIST_TEST_NO_INSTALL is set). The caller defines
# skip() (called with the reason when Slurm cannot be installed or started; it must exit) and may
# set jobs_submitted=1 once it has submitted jobs (they are cancelled first on exit). On return
# SLURM_CONF names the private Slurm, $tmp is a scratch dir removed on exit, and the daemons stop
# when the caller's shell exits (its EXIT trap; INT and TERM exit 130 and 143).
# Used by tests/slurm.sh and bench/mnist_search.sh.
# --- Slurm installed? ---------------------------------------------------------------------------
have_slurm() {
  local c
  for c in slurmctld slurmd sbatch squeue scontrol scancel sinfo munged; do command -v "$c" > /dev/null || return 1; done
}
if ! have_slurm; then
  [[ -z ${REGMNIST_TEST_NO_INSTALL:-} ]] || skip "Slurm is not installed (and REGMNIST_TEST_NO_INSTALL is set)"
  [[ $(id -u) -eq 0 ]] || skip "Slurm is not installed and installing it needs root"
  command -v apt-get > /dev/null || skip "Slurm is not installed and there is no apt-get"
  pkgs=(slurmctld slurmd slurm-client munge)
  echo "slurm: installing ${pkgs[*]}"
  log=$(mktemp)
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}" > "$log" 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update > "$log" 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}" > "$log" 2>&1 ||
      { why=$(tail -1 "$log"); rm -f "$log"; skip "apt-get install ${pkgs[*]} failed: $why"; }
  fi
  rm -f "$log"
  have_slurm || skip "installed ${pkgs[*]}, but a command is still missing"
fi
[[ $(id -u) -eq 0 ]] || skip "slurmd must run as root to start jobs"

# --- A private Slurm in $tmp ----------------------------------------------------------------------
tmp=$(mktemp -d)
T=$tmp/slurm
pids=()   # munged slurmctld slurmd, in start order
jobs_submitted=${jobs_submitted:-0}
# stop PID...: SIGTERM, up to 5 s to exit, then SIGKILL; only the daemons this script started
stop() {
  local p
  [[ $# -gt 0 ]] || return 0
  kill -TERM "$@" 2> /dev/null
  for _ in $(seq 50); do
    for p in "$@"; do kill -0 "$p" 2> /dev/null && break; p=; done
    [[ -z $p ]] && break
    sleep 0.1
  done
  for p in "$@"; do kill -0 "$p" 2> /dev/null && kill -KILL "$p" 2> /dev/null; wait "$p" 2> /dev/null; done
}
cleanup() {
  if [[ ${#pids[@]} -gt 1 ]]; then
    if [[ $jobs_submitted -eq 1 ]]; then   # end our jobs first, so no slurmstepd outlives slurmd
      scancel --quiet --partition=debug 2> /dev/null
      for _ in $(seq 50); do [[ -z $(squeue -h -o %i 2> /dev/null) ]] && break; sleep 0.1; done
      for _ in $(seq 30); do compgen -G "$T/spool/d/${H}_*" > /dev/null || break; sleep 0.1; done
    fi
  fi
  stop "${pids[@]:1}"   # slurmctld and slurmd, then munged
  stop "${pids[@]:0:1}"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

H=$(hostname -s)
# free_port: a port below the usual ephemeral range (32768-60999) that nothing listens on
free_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 12000))
    [[ $p -ne ${ctld_port:-0} ]] && ! (exec 3<> "/dev/tcp/127.0.0.1/$p") 2> /dev/null && { echo "$p"; return 0; }
  done
  return 1
}
ctld_port=$(free_port) && d_port=$(free_port) || skip "no free port found"
cpus=$(nproc); ((cpus > 4)) && cpus=4   # more than the machine has would drain the node
mkdir -p "$T"/{etc,spool/d,spool/ctld,log,run,munge}
chmod 755 "$tmp" "$T" "$T/munge"   # munged refuses a socket dir others cannot enter
# cred_expire=5 (the least allowed; default 120) is also how long a requeued job waits to restart.
cat > "$T/etc/slurm.conf" <<EOF
ClusterName=regmnisttest
SlurmctldHost=$H(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.socket,cred_expire=5
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
StateSaveLocation=$T/spool/ctld
SlurmdSpoolDir=$T/spool/d
SlurmctldPidFile=$T/run/slurmctld.pid
SlurmdPidFile=$T/run/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
SchedulerParameters=batch_sched_delay=0,sched_interval=1,sched_min_interval=0,bf_interval=1
MinJobAge=4
NodeName=$H NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=$H Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$T/etc/slurm.conf
(umask 077 && head -c 1024 /dev/urandom > "$T/munge/munge.key") && chmod 400 "$T/munge/munge.key"
munged -F --socket="$T/munge/munge.socket" --key-file="$T/munge/munge.key" --pid-file="$T/munge/munged.pid" \
  --log-file="$T/log/munged.log" --seed-file="$T/munge/munged.seed" > "$T/log/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [[ -S $T/munge/munge.socket ]] && break; sleep 0.1; done
[[ -S $T/munge/munge.socket ]] || skip "munged did not start: $(tail -2 "$T/log/munged.out" | tr '\n' ' ')"
slurmctld -D > "$T/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N "$H" > "$T/log/slurmd.out" 2>&1 &
pids+=($!)
# ready when the node is idle; give up after 20 s, or at once when a daemon has died
state='' end=$((SECONDS + 20))
while ((SECONDS < end)); do
  state=$(timeout 3 sinfo -h -o %T 2>&1 | head -1)
  [[ $state == idle ]] && break
  for p in "${pids[@]}"; do kill -0 "$p" 2> /dev/null || break 2; done
  sleep 0.1
done
[[ $state == idle ]] || skip "Slurm did not start: sinfo says '$state'; $(cat "$T"/log/slurm*.out "$T"/log/slurm*.log 2> /dev/null |
  grep -i -v pmix | grep -i -m3 -E 'fatal|error: (slurmd|bind|unable|couldn)' | tr '\n' ' ')"
echo "slurm: private Slurm up in $((SECONDS - ${t_start:-0})) s (ports $ctld_port, $d_port)"
