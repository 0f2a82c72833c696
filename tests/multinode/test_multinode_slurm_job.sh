#!/usr/bin/env bash
# `sbatch -N 3 slurm/ihsweep.sbatch` on a three-node Slurm cluster (slurm.sh: one slurmd per
# simulated host, slurmctld on the head host): the tiny Slurm sweep with srun (PMIx) and with
# mpirun as the launcher, one rank per node. Each job must complete with results identical to
# one rank outside Slurm, and its ranks must really have run on node1, node2 and node3 (each
# rank records its host: mns_where), the runs trained on the workers of node2 and node3.
TOOL=$1
source "$(dirname "$0")/lib.sh"
source "$IHMN_DIR/slurm.sh"
mns_start 3
cd "$dir" || fail "cd $dir"
cp "$IHSWEEP_SOURCE_DIR/tests/slurm/tiny.json" .
SLURM_DIR=$IHSWEEP_SOURCE_DIR/slurm

"$MPIEXEC" --oversubscribe -n 1 "$IHSWEEP" run tiny.json -o ref.h5 --progress-every 0 >ref.log 2>&1
expect_rc 0 $? "reference sweep on 1 rank outside Slurm" ref.log

mns_where
job=(-N 3 --ntasks-per-node=1 --time=10 "$SLURM_DIR/ihsweep.sbatch" tiny.json)
id_srun=$(sbatch --parsable "${job[@]}" srun.h5) || fail "sbatch (srun launcher)"
id_mpirun=$(IHSWEEP_LAUNCHER=mpirun sbatch --parsable "${job[@]}" mpirun.h5) ||
  fail "sbatch (mpirun launcher)"

for pair in "srun:$id_srun" "mpirun:$id_mpirun"; do
  name=${pair%%:*}
  id=${pair#*:}
  log=ihsweep-$id.out
  state=$(cluster_wait_job "$id" 150)
  [ "$state" = COMPLETED ] && [ "$(cluster_job_field "$id" ExitCode)" = 0:0 ] &&
    ok "$name: job $id COMPLETED with exit code 0" ||
    { bad "$name: job $id ended $state, exit code $(cluster_job_field "$id" ExitCode)"; tail -n 20 "$log"; }
  nodes=$(mns_node_of "$id")
  [ "$nodes" = "node[1-3]" ] && ok "$name: allocated node[1-3]" || bad "$name: allocated '$nodes'"
  grep -Eq "running: $name .*ihsweep-where run tiny.json -o $name.h5 --resume" "$log" &&
    ok "$name: ihsweep.sbatch launched the ranks with $name" || bad "$name: no 'running: $name' line"
  grep -q "4 to do on 3 ranks" "$log" && ok "$name: one sweep on 3 ranks" ||
    bad "$name: no '4 to do on 3 ranks' line: $(grep 'to do on' "$log")"
  where=$(sort -n "where-$id.log" 2>/dev/null | tr '\n' ' ')
  [ "$where" = "0 node1 1 node2 2 node3 " ] && ok "$name: rank 0 on node1, 1 on node2, 2 on node3" ||
    bad "$name: ranks ran on '$where', expected one on each node"
  # the hosts of the ranks that trained the runs
  trained_on=$(sed -n 's/.* run [0-9]* done.* on rank \([0-9]*\):.*/\1/p' "$log" | sort -u |
    while read -r r; do awk -v r="$r" '$1 == r { print $2 }' "where-$id.log"; done | sort -u | tr '\n' ' ')
  case $trained_on in
  "node2 node3 " | "node2 " | "node3 ") ok "$name: runs trained on $trained_on(rank 0 on node1 schedules)" ;;
  *) bad "$name: runs trained on '$trained_on', expected the workers on node2/node3" ;;
  esac
  [ "$(trained "$log")" = 4 ] && ok "$name: each of the 4 runs trained once" ||
    bad "$name: $(trained "$log") runs trained, expected 4"
  same ref.h5 "$name.h5" "$name across 3 nodes vs 1 rank"
done
finish
