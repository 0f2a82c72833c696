#!/bin/bash
# A broken launch: `srun` without the PMIx plugin starts each task as its own MPI job. ihsweep
# must stop with a clear error that names the fix (--mpi=pmix) instead of running N copies of the
# sweep into one file. With --mpi=pmix the same command works (the control).
set -u
# shellcheck source=tests/slurm/lib.sh
. "$(dirname "$0")/lib.sh"
slurm_test_start launch

out=$(srun --mpi=none -n 2 --time=2 "$IHSWEEP" run tiny.json -o broken.h5 2>&1)
rc=$?
echo "$out" | tail -n 5
check "srun --mpi=none: ihsweep fails (exit $rc)" [ "$rc" -ne 0 ]
check "srun --mpi=none: the error names the fix" log_has <(echo "$out") "--mpi=pmix"
if [ -e broken.h5 ]; then
    check "srun --mpi=none: no sweep ran into broken.h5" [ -z "$("$IHSWEEP" status broken.h5 2>/dev/null | grep '^progress: [1-9]')" ]
else
    ok "srun --mpi=none: no results file"
fi

out=$(srun --mpi=pmix -n 2 --time=2 "$IHSWEEP" run tiny.json -o good.h5 2>&1)
rc=$?
check "srun --mpi=pmix: the sweep runs (exit $rc)" [ "$rc" -eq 0 ]
check "srun --mpi=pmix: one sweep on 2 ranks" log_has <(echo "$out") "4 to do on 2 ranks"
check "srun --mpi=pmix: 4 runs done" results_done good.h5 4
finish
