#!/bin/bash
# One sweep as one Slurm job: the tiny sweep through slurm/ihsweep.sbatch with srun (PMIx), with
# mpirun, and through slurm/submit; each must complete (job COMPLETED, exit 0, log in the submit
# directory) with results identical to the same sweep under mpiexec outside Slurm, and record its
# job id. A job whose sweep is invalid ends with ihsweep's own exit code.
set -u
# shellcheck source=tests/slurm/lib.sh
. "$(dirname "$0")/lib.sh"
slurm_test_start job

ref_run ref.h5
check "reference sweep outside Slurm: 4 runs done" results_done ref.h5 4

# An invalid sweep: what ihsweep exits with outside Slurm is what the job must end with.
printf '{"name": "bad", "base": {"train_iters": -5}}\n' >bad.json
(unset SLURM_CONF && "$IHSWEEP" run bad.json -o bad-direct.h5 >/dev/null 2>&1)
bad_rc=$?

id_srun=$(sbatch --parsable -n 2 --time=10 "$SLURM_DIR/ihsweep.sbatch" tiny.json srun.h5)
id_mpirun=$(IHSWEEP_LAUNCHER=mpirun sbatch --parsable -n 2 --time=10 "$SLURM_DIR/ihsweep.sbatch" \
    tiny.json mpirun.h5)
out=$("$SLURM_DIR/submit" tiny.json -o submit.h5 --max-tasks 2 2>&1)
echo "$out"
id_submit=$(sed -n 's/^Submitted batch job \([0-9]*\)$/\1/p' <<<"$out")
check "submit printed and submitted the job" [ -n "$id_submit" ]
id_bad=$(sbatch --parsable -n 1 --time=10 "$SLURM_DIR/ihsweep.sbatch" bad.json bad.h5)

for pair in "srun:$id_srun" "mpirun:$id_mpirun" "submit:${id_submit:-none}"; do
    name=${pair%%:*}
    id=${pair#*:}
    [ "$id" != none ] || continue
    state=$(cluster_wait_job "$id" 120)
    check "$name: job $id COMPLETED (got $state)" [ "$state" = COMPLETED ]
    check "$name: job exit code 0" job_field_is "$id" ExitCode 0:0
    check "$name: no requeue" job_field_is "$id" Restarts 0
    check "$name: log in the submit directory" log_has "ihsweep-$id.out" "ihsweep exited with 0$"
    check "$name: 4 runs done" results_done "$name.h5" 4
    check "$name: results identical to the sweep outside Slurm" results_same ref.h5 "$name.h5"
    check "$name: results record the job id" \
        log_has <(h5dump -a /slurm_job_ids "$name.h5" 2>&1) "\"$id\""
done
check "srun job ran ihsweep under srun --mpi=pmix" log_has "ihsweep-$id_srun.out" "running: srun .*--mpi=pmix .*ihsweep run tiny.json -o srun.h5 --resume"
check "mpirun job ran ihsweep under mpirun" log_has "ihsweep-$id_mpirun.out" "running: mpirun .*ihsweep run tiny.json -o mpirun.h5 --resume"
check "srun job: one sweep on 2 ranks" log_has "ihsweep-$id_srun.out" "4 to do on 2 ranks"
check "srun job: one thread per rank, no HDF5 file locks" log_has "ihsweep-$id_srun.out" \
    "environment: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 HDF5_USE_FILE_LOCKING=FALSE"

state=$(cluster_wait_job "$id_bad" 60)
check "invalid sweep: job FAILED (got $state)" [ "$state" = FAILED ]
check "invalid sweep: job ends with ihsweep's exit code $bad_rc" job_field_is "$id_bad" ExitCode "$bad_rc:0"
check "invalid sweep: the error is in the log" log_has "ihsweep-$id_bad.out" "train_iters"
finish
