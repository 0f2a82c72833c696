# shellcheck shell=bash
# A one-node Slurm cluster for tests, sourced by the tests in this folder (bash).
# It does: check that Slurm can run here (else exit 77, which CTest reports as skipped), start
# munged unless one already answers, write a slurm.conf in a scratch folder, start slurmctld and
# slurmd, wait for the node to be idle, and tear all of it down on exit (EXIT trap), failed test
# or not. It does not install anything (.ci/install-deps test does) and never touches daemons it
# did not start, except those an earlier test cluster left behind (see Time-outs).
#
#   cluster_require                 exit 77 with "SKIPPED: ..." when Slurm cannot run here (exit 1
#                                   instead under IHSWEEP_REQUIRE_SLURM=1, for CI)
#   cluster_up DIR                  start the cluster in DIR; exports SLURM_CONF
#   cluster_down [RC]               tear down (the EXIT trap calls it; RC != 0 prints the logs),
#                                   then calls cluster_after_down RC when the caller defines it
#   cluster_wait_job ID SECONDS     wait until job ID has ended; prints its final state
#   cluster_job_field ID FIELD      one field of `scontrol show job` (JobState, ExitCode, Restarts)
#   cluster_conf_common             print the slurm.conf lines every test cluster shares (the
#                                   multi-node cluster of tests/multinode/slurm.sh uses them too)
#   fail MESSAGE                    print "FAIL: MESSAGE" and exit 1
#
# Time-outs: every wait has a limit, so a test fails and tears down before CTest's TIMEOUT kills
# it. A killed test leaves its daemons behind: $TMPDIR/ih_slurm_cluster_<port> names their folder
# and the next cluster_up cancels its jobs and stops them (by the pids in that folder, checking
# the program names).
# Environment: IH_SLURM_PORT (16817: slurmctld, +1: slurmd), IH_SLURM_SBIN (/usr/sbin).

IH_SLURM_PORT=${IH_SLURM_PORT:-16817} # slurmctld; slurmd uses the next port
IH_SLURM_SBIN=${IH_SLURM_SBIN:-/usr/sbin} # where slurmctld, slurmd and munged are
# Names the folder of the cluster that holds the ports now, so that the next cluster_up can stop
# its daemons if a time-out killed the test before its teardown.
_cluster_current=${TMPDIR:-/tmp}/ih_slurm_cluster_$IH_SLURM_PORT
_cluster_dir=""
_cluster_started_munged=""

fail()
{
    echo "FAIL: $*" >&2
    exit 1
}

cluster_log()
{
    printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"
}

# Skips (exit 77) or, with IHSWEEP_REQUIRE_SLURM=1 (CI), fails with the same message.
_cluster_skip()
{
    if [ "${IHSWEEP_REQUIRE_SLURM:-0}" = 1 ]; then
        echo "FAIL: $* (IHSWEEP_REQUIRE_SLURM=1)" >&2
        exit 1
    fi
    echo "SKIPPED: $*"
    exit 77
}

cluster_require()
{
    local tool
    for tool in slurmctld slurmd munged; do
        if [ ! -x "$IH_SLURM_SBIN/$tool" ]; then
            _cluster_skip "$IH_SLURM_SBIN/$tool is not installed (install Slurm and munge: .ci/install-deps test)"
        fi
    done
    for tool in sbatch srun squeue scontrol scancel sinfo munge unmunge; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            _cluster_skip "'$tool' is not installed (install Slurm and munge: .ci/install-deps test)"
        fi
    done
    if [ "$(id -u)" -ne 0 ]; then
        _cluster_skip "a test cluster needs root (slurmd launches jobs as their user)"
    fi
}

# Cancels every job of the cluster in folder $1 (if its slurmctld answers) and waits up to 20 s
# for them to end: job steps outlive slurmd, so a cluster is emptied before it is shut down.
_cluster_cancel_all()
{
    local -a jobs
    mapfile -t jobs < <(SLURM_CONF=$1/slurm.conf squeue -h -o %A 2>/dev/null)
    [ ${#jobs[@]} -gt 0 ] || return 0
    SLURM_CONF=$1/slurm.conf scancel --full "${jobs[@]}" 2>/dev/null
    for _ in $(seq 100); do
        [ -z "$(SLURM_CONF=$1/slurm.conf squeue -h -o %A 2>/dev/null)" ] && return 0
        sleep 0.2
    done
}

# Empties and stops the cluster in folder $1 if its daemons still run.
_cluster_stop_daemons()
{
    _cluster_alive "$1/slurmctld.pid" slurmctld && _cluster_cancel_all "$1"
    _cluster_stop_pidfile "$1/slurmd.pid" slurmd
    _cluster_stop_pidfile "$1/slurmctld.pid" slurmctld
}

# True when the pid in a pid file is a live (not zombie) process of the named program.
_cluster_alive()
{
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 1
    [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] || return 1
    [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" != Z ]
}

# Stops a daemon recorded in a pid file if that pid is still the named program.
_cluster_stop_pidfile()
{
    local pidfile=$1 name=$2
    _cluster_alive "$pidfile" "$name" || return 0
    kill -TERM "$(cat "$pidfile")" 2>/dev/null
    for _ in $(seq 50); do
        _cluster_alive "$pidfile" "$name" || return 0
        sleep 0.1
    done
    kill -KILL "$(cat "$pidfile")" 2>/dev/null
    return 0
}

_cluster_munge_ok()
{
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1
}

_cluster_start_munged()
{
    _cluster_munge_ok && return 0
    mkdir -p /run/munge
    chown munge:munge /run/munge
    if [ ! -f /etc/munge/munge.key ]; then
        fail "/etc/munge/munge.key is missing (reinstall munge or run mungekey as user munge)"
    fi
    runuser -u munge -- "$IH_SLURM_SBIN/munged" || fail "munged did not start"
    _cluster_started_munged=$(cat /run/munge/munged.pid 2>/dev/null)
    for _ in $(seq 50); do
        _cluster_munge_ok && return 0
        sleep 0.1
    done
    fail "munged started but 'munge -n | unmunge' still fails"
}

# The lines of slurm.conf that every test cluster shares (authentication, plugins, scheduling,
# time-outs); each cluster adds its hosts, ports and folders.
cluster_conf_common()
{
    cat <<'EOF'
AuthType=auth/munge
# cred_expire also sets how long a requeued job waits before it may start again (default 120 s)
AuthInfo=cred_expire=10
MpiDefault=pmix
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
SchedulerParameters=sched_interval=2
ReturnToService=2
KillWait=15
MinJobAge=600
EOF
}

_cluster_write_conf()
{
    local dir=$1 mem
    mem=$(awk '/^MemTotal:/ { print int($2 / 1024) - 512 }' /proc/meminfo)
    {
        cat <<EOF
# Written by tests/slurm/cluster.sh: a one-node test cluster in $dir
ClusterName=ci
SlurmctldHost=localhost
SlurmctldPort=$IH_SLURM_PORT
SlurmdPort=$((IH_SLURM_PORT + 1))
SlurmUser=slurm
EOF
        cluster_conf_common
        cat <<EOF
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/slurmd
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
NodeName=localhost NodeHostname=$(hostname) CPUs=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc) RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
    } >"$dir/slurm.conf"
}

cluster_up()
{
    local dir=$1 state
    _cluster_dir=$(mkdir -p "$dir" && cd "$dir" && pwd) || fail "cannot create $dir"
    trap '_cluster_on_exit' EXIT
    # Leftovers of an earlier test killed by its time-out before its teardown.
    [ -f "$_cluster_current" ] && _cluster_stop_daemons "$(cat "$_cluster_current")"
    _cluster_stop_daemons "$_cluster_dir"
    printf '%s\n' "$_cluster_dir" >"$_cluster_current"
    rm -rf "$_cluster_dir/ctld" "$_cluster_dir/slurmd" "$_cluster_dir"/*.log
    mkdir -p "$_cluster_dir/ctld" "$_cluster_dir/slurmd"
    chown slurm:slurm "$_cluster_dir/ctld"
    chmod 755 "$_cluster_dir"
    _cluster_start_munged
    _cluster_write_conf "$_cluster_dir"
    export SLURM_CONF=$_cluster_dir/slurm.conf
    # A job submitted from inside a job would inherit these; a test is never inside one.
    unset SLURM_JOB_ID SLURM_JOBID SLURM_NTASKS SLURM_NPROCS
    "$IH_SLURM_SBIN/slurmctld" -f "$SLURM_CONF" || fail "slurmctld did not start (see $_cluster_dir/slurmctld.log)"
    "$IH_SLURM_SBIN/slurmd" -f "$SLURM_CONF" || fail "slurmd did not start (see $_cluster_dir/slurmd.log)"
    for _ in $(seq 300); do
        state=$(sinfo -h -o %T 2>/dev/null)
        [ "$state" = idle ] && break
        sleep 0.1
    done
    [ "$state" = idle ] || fail "node not idle after 30 s (state '$state'; see $_cluster_dir/*.log)"
    cluster_log "cluster up in $_cluster_dir (SLURM_CONF=$SLURM_CONF)"
}

_cluster_on_exit()
{
    local rc=$?
    trap - EXIT
    cluster_down "$rc"
    exit "$rc"
}

cluster_down()
{
    local rc=${1:-0} _
    [ -n "$_cluster_dir" ] || return 0
    _cluster_cancel_all "$_cluster_dir"
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
        echo "---- last lines of slurmctld.log ----" >&2
        tail -n 30 "$_cluster_dir/slurmctld.log" >&2 2>/dev/null
        echo "---- last lines of slurmd.log ----" >&2
        tail -n 30 "$_cluster_dir/slurmd.log" >&2 2>/dev/null
    fi
    scontrol shutdown >/dev/null 2>&1
    for _ in $(seq 100); do
        _cluster_alive "$_cluster_dir/slurmctld.pid" slurmctld ||
            _cluster_alive "$_cluster_dir/slurmd.pid" slurmd || break
        sleep 0.1
    done
    _cluster_stop_daemons "$_cluster_dir"
    rm -f "$_cluster_current"
    if [ -n "$_cluster_started_munged" ] &&
        [ "$(cat "/proc/$_cluster_started_munged/comm" 2>/dev/null)" = munged ]; then
        kill -TERM "$_cluster_started_munged" 2>/dev/null
    fi
    _cluster_started_munged=""
    cluster_log "cluster down"
    _cluster_dir=""
    if declare -F cluster_after_down >/dev/null; then
        cluster_after_down "$rc"
    fi
    return 0
}

cluster_job_field()
{
    scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# Waits until every job with id $1 (an array: all its elements) has left the queue; prints the
# final JobState of $1. Fails after $2 seconds.
cluster_wait_job()
{
    local id=$1 limit=$2 start=$SECONDS
    while [ -n "$(squeue -h -j "$id" -o %A 2>/dev/null)" ]; do
        [ $((SECONDS - start)) -lt "$limit" ] ||
            fail "job $id still queued or running after $limit s: $(squeue -h -j "$id" -o '%i %T %M %r')"
        sleep 0.5
    done
    cluster_job_field "$id" JobState
}
