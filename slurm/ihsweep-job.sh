# shellcheck shell=bash
# The body of ihsweep's Slurm batch scripts (ihsweep.sbatch, ihsweep-array.sbatch) and the shard
# naming that `slurm/submit` shares with them. Sourced by bash, never submitted on its own.
#
# ihsweep_job_run SWEEP OUT [ihsweep run options...] runs one sweep (or one shard of it) as one
# MPI job: it sets one thread per rank and HDF5_USE_FILE_LOCKING=FALSE, launches
# `ihsweep run SWEEP -o OUT --resume ...` with srun (PMIx) or mpirun, forwards SIGUSR1/SIGTERM
# from the batch shell to the launcher as SIGUSR1 ("checkpoint and stop"), and when the program
# exits 75 (checkpointed, resumable) requeues the job with `scontrol requeue`, at most
# IHSWEEP_MAX_REQUEUES times. The requeued job runs the same script again; --resume continues.
# It returns the program's exit code. It does not choose resources (sbatch options do) and does
# not merge shards (`ihsweep merge`, or the dependent job slurm/submit adds).
#
# Environment (all optional):
#   IHSWEEP               the program (default: ihsweep on PATH, else $SLURM_SUBMIT_DIR/build/ihsweep)
#   IHSWEEP_LAUNCHER      srun (default in a Slurm job) or mpirun (default outside one)
#   IHSWEEP_SRUN_MPI      srun's --mpi plugin (default pmix; empty: the cluster's MpiDefault)
#   IHSWEEP_LAUNCHER_ARGS extra launcher options (split on spaces)
#   IHSWEEP_MAX_REQUEUES  requeues after exit 75 (default 10); then the job ends with 75
#   IHSWEEP_MODULES       modules to `module load` first (module-based builds)
#   IHSWEEP_ENV_FILE      a file to source first (site set-up: modules, spack, PATH)

IHSWEEP_EXIT_RESUMABLE=75

# The job's id for scontrol: <array job>_<index> for an array element. (An element's own
# SLURM_JOB_ID can equal the array's id, and `scontrol requeue <array id>` requeues every element.)
ihsweep_job_id()
{
    if [ -n "${SLURM_ARRAY_JOB_ID:-}" ] && [ -n "${SLURM_ARRAY_TASK_ID:-}" ]; then
        printf '%s_%s\n' "$SLURM_ARRAY_JOB_ID" "$SLURM_ARRAY_TASK_ID"
    else
        printf '%s\n' "${SLURM_JOB_ID:-nojob}"
    fi
}

ihsweep_job_log()
{
    printf '[%s ihsweep-job %s] %s\n' "$(date '+%F %T')" "$(ihsweep_job_id)" "$*"
}

# Prints the results file of shard i of n for the final results file OUT:
# results.h5 -> results.shard-1-of-4.h5.
ihsweep_shard_path()
{
    local out=$1 i=$2 n=$3 base
    base=${out%.h5}
    printf '%s.shard-%d-of-%d.h5\n' "$base" "$i" "$n"
}

# Loads modules and site set-up; makes $IHSWEEP the program. Returns 1 (after a message) when the
# program cannot be found.
ihsweep_job_setup()
{
    local init
    if [ -n "${IHSWEEP_ENV_FILE:-}" ]; then
        # shellcheck disable=SC1090
        . "$IHSWEEP_ENV_FILE" || { ihsweep_job_log "cannot source IHSWEEP_ENV_FILE=$IHSWEEP_ENV_FILE"; return 1; }
    fi
    if [ -n "${IHSWEEP_MODULES:-}" ]; then
        if ! type module >/dev/null 2>&1; then
            for init in /etc/profile.d/lmod.sh /etc/profile.d/modules.sh \
                "${MODULESHOME:-/nonexistent}/init/bash"; do
                # shellcheck disable=SC1090
                [ -r "$init" ] && . "$init" && break
            done
        fi
        type module >/dev/null 2>&1 ||
            { ihsweep_job_log "IHSWEEP_MODULES is set but 'module' is not available"; return 1; }
        # shellcheck disable=SC2086
        module load $IHSWEEP_MODULES || { ihsweep_job_log "module load $IHSWEEP_MODULES failed"; return 1; }
    fi
    if [ -z "${IHSWEEP:-}" ]; then
        IHSWEEP=$(command -v ihsweep 2>/dev/null) || IHSWEEP=${SLURM_SUBMIT_DIR:-.}/build/ihsweep
    fi
    if [ ! -x "$IHSWEEP" ]; then
        ihsweep_job_log "ihsweep program not found: set IHSWEEP=/path/to/ihsweep or put it on PATH" \
            "(looked for $IHSWEEP)"
        return 1
    fi
    export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 HDF5_USE_FILE_LOCKING=FALSE
    return 0
}

_ihsweep_job_signal()
{
    local sig=$1
    _ihsweep_job_got="$_ihsweep_job_got $sig"
    ihsweep_job_log "batch shell got SIG$sig: asking ihsweep to checkpoint and stop (SIGUSR1)"
    [ -n "$_ihsweep_job_pid" ] && kill -USR1 "$_ihsweep_job_pid" 2>/dev/null
}

# Runs the sweep; see the file comment. Returns the program's exit code (75: checkpointed).
ihsweep_job_run()
{
    local sweep=$1 out=$2 rc restarts max launcher
    shift 2
    local -a cmd
    restarts=${SLURM_RESTART_COUNT:-0}
    max=${IHSWEEP_MAX_REQUEUES:-10}
    launcher=${IHSWEEP_LAUNCHER:-srun}
    [ -n "${SLURM_JOB_ID:-}" ] || launcher=${IHSWEEP_LAUNCHER:-mpirun} # run by hand, for a try
    # From here on a checkpoint signal is recorded (and later forwarded), never fatal.
    _ihsweep_job_got=""
    _ihsweep_job_pid=""
    trap '_ihsweep_job_signal USR1' USR1
    trap '_ihsweep_job_signal TERM' TERM
    ihsweep_job_setup || return 1
    [ -r "$sweep" ] || { ihsweep_job_log "cannot read sweep file '$sweep'"; return 66; }
    mkdir -p "$(dirname "$out")" || { ihsweep_job_log "cannot create the folder of '$out'"; return 73; }
    case "$launcher" in
    srun)
        cmd=(srun --kill-on-bad-exit=1)
        [ -n "${IHSWEEP_SRUN_MPI-pmix}" ] && cmd+=("--mpi=${IHSWEEP_SRUN_MPI-pmix}")
        ;;
    mpirun) cmd=(mpirun -x IHSWEEP_STOP_MARKER) ;;
    *)
        ihsweep_job_log "IHSWEEP_LAUNCHER must be srun or mpirun, not '$launcher'"
        return 64
        ;;
    esac
    # shellcheck disable=SC2206
    [ -n "${IHSWEEP_LAUNCHER_ARGS:-}" ] && cmd+=($IHSWEEP_LAUNCHER_ARGS)
    cmd+=("$IHSWEEP" run "$sweep" -o "$out" --resume "$@")

    local limit="none (not a Slurm job)"
    [ -z "${SLURM_JOB_ID:-}" ] || limit=$(squeue -h -j "$(ihsweep_job_id)" -o %l 2>/dev/null)
    ihsweep_job_log "attempt $((restarts + 1)) (restarts so far: $restarts, at most $max)" \
        "on ${SLURM_JOB_NODELIST:-$(hostname)}, ${SLURM_NTASKS:-?} tasks, time limit ${limit:-?}, cwd $(pwd)"
    ihsweep_job_log "environment: OMP_NUM_THREADS=$OMP_NUM_THREADS OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS" \
        "HDF5_USE_FILE_LOCKING=$HDF5_USE_FILE_LOCKING"
    ihsweep_job_log "running: ${cmd[*]}"
    if [ -n "$_ihsweep_job_got" ]; then
        # Only possible when the time limit is barely longer than the --signal margin.
        ihsweep_job_log "signalled before ihsweep started: not starting it and not requeueing;" \
            "give the job a time limit well above the --signal margin"
        trap - USR1 TERM
        return "$IHSWEEP_EXIT_RESUMABLE"
    fi
    # A checkpoint stop makes the ranks exit 0 and leave this marker, so that the launcher does
    # not log the normal stop before a time limit as a failed task; it is exit 75 from here on.
    IHSWEEP_STOP_MARKER="$out.stopped-$(ihsweep_job_id)"
    export IHSWEEP_STOP_MARKER
    rm -f "$IHSWEEP_STOP_MARKER"
    "${cmd[@]}" &
    _ihsweep_job_pid=$!
    # wait returns early (status > 128) whenever a trapped signal arrives: wait again.
    while :; do
        wait "$_ihsweep_job_pid"
        rc=$?
        [ "$rc" -gt 128 ] || break
        kill -0 "$_ihsweep_job_pid" 2>/dev/null && continue
        wait "$_ihsweep_job_pid" # ended meanwhile: this gives its own status
        rc=$?
        break
    done
    _ihsweep_job_pid=""
    trap - USR1 TERM
    if [ "$rc" -eq 0 ] && [ -e "$IHSWEEP_STOP_MARKER" ]; then
        rc=$IHSWEEP_EXIT_RESUMABLE
    fi
    rm -f "$IHSWEEP_STOP_MARKER"
    ihsweep_job_log "ihsweep exited with $rc"
    # A launcher that got SIGTERM itself (scancel signals every process of the job) kills the
    # ranks about 1 s later and exits 1 even when they checkpointed: after a signal, a results
    # file that `ihsweep status` can read means "stopped, resumable".
    if [ "$rc" -ne 0 ] && [ "$rc" -ne "$IHSWEEP_EXIT_RESUMABLE" ] && [ -n "$_ihsweep_job_got" ] &&
        "$IHSWEEP" status "$out" >/dev/null 2>&1; then
        ihsweep_job_log "the launcher exited $rc after SIG${_ihsweep_job_got# }, but $out is intact:" \
            "stopped, resumable (exit $IHSWEEP_EXIT_RESUMABLE)"
        rc=$IHSWEEP_EXIT_RESUMABLE
    elif [ "$rc" -ne 0 ] && [ "$rc" -ne "$IHSWEEP_EXIT_RESUMABLE" ]; then
        ihsweep_job_log "FAILED with exit $rc (not resumable by requeueing: see the error above)"
    fi
    [ "$rc" -ne "$IHSWEEP_EXIT_RESUMABLE" ] ||
        ihsweep_job_log "checkpointed every in-flight run (exit 75 is the normal stop, not an error)"

    if [ "$rc" -eq "$IHSWEEP_EXIT_RESUMABLE" ]; then
        if [ -z "${SLURM_JOB_ID:-}" ]; then
            ihsweep_job_log "not a Slurm job: run the same command again to resume"
        elif [[ "$_ihsweep_job_got" == *TERM* ]]; then
            ihsweep_job_log "stopped by SIGTERM (scancel or the time limit): not requeueing;" \
                "submit the same command again to resume"
        elif [ "$restarts" -ge "$max" ]; then
            ihsweep_job_log "requeue cap reached ($restarts of IHSWEEP_MAX_REQUEUES=$max):" \
                "submit the same command again to resume"
        else
            ihsweep_job_log "checkpointed: requeueing job $(ihsweep_job_id) (requeue $((restarts + 1)) of at most $max)"
            scontrol requeue "$(ihsweep_job_id)" ||
                ihsweep_job_log "scontrol requeue failed: submit the same command again to resume"
        fi
    fi
    return "$rc"
}
