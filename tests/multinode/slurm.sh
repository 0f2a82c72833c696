# shellcheck shell=bash
# A Slurm cluster across the simulated hosts (sourced after lib.sh, bash): slurmctld on the head
# host (10.77.0.254, on the bridge), one slurmd per node host, started on that host (onhost.sh)
# as `slurmd -N nodeK`, each with its own spool folder, pid file and log (%n in slurm.conf);
# munged runs on the machine itself and serves every host through its path socket
# (/run/munge), which network namespaces do not separate. All files live in $dir/cluster on the
# shared file system, so a job's files (results, checkpoints, logs) are seen from every node.
# The machine's own network cannot reach the hosts: the Slurm commands of a test (sbatch,
# squeue, scontrol, scancel, sinfo) are shell functions here that run them on the head host.
# Reuses tests/slurm/cluster.sh for the checks, munged and the job helpers.
#   mns_start N    skip (77) or fail as cluster_require says; N hosts (mn_start); the cluster up
#                  with node1..nodeN idle; everything torn down on exit (EXIT trap), also on failure
#   mns_node_of ID the node(s) job ID ran on (scontrol show job: NodeList)
#   mns_where      makes $IHSWEEP a wrapper that records "RANK HOST" for every MPI rank it starts
#                  in where-<job id>.log in the job's folder, then runs the program
# shellcheck source=tests/slurm/cluster.sh
. "$IHMN_DIR/../slurm/cluster.sh"
MNS_PORT=${IH_SLURM_PORT:-16817} # on the hosts' own network: never clashes with the machine's
mns_dir=""

for _mns_cmd in sbatch squeue scontrol scancel sinfo; do
  eval "$_mns_cmd() { \"\$IHMN_DIR/onhost.sh\" head $_mns_cmd \"\$@\"; }"
done

fail() {
  bad "$*"
  exit 1
}

_mns_write_conf() {
  {
    cat <<EOF
# Written by tests/multinode/slurm.sh: $1 node hosts and a head host, in $mns_dir
ClusterName=ihmn
SlurmctldHost=head(10.77.0.254)
SlurmctldPort=$MNS_PORT
SlurmdPort=$((MNS_PORT + 1))
# root: the state folder lives in the build tree, which user slurm may not be allowed to enter
SlurmUser=root
EOF
    cluster_conf_common
    cat <<EOF
StateSaveLocation=$mns_dir/ctld
SlurmctldPidFile=$mns_dir/slurmctld.pid
SlurmctldLogFile=$mns_dir/slurmctld.log
SlurmdSpoolDir=$mns_dir/spool-%n
SlurmdPidFile=$mns_dir/slurmd-%n.pid
SlurmdLogFile=$mns_dir/slurmd-%n.log
NodeName=node[1-$1] NodeAddr=10.77.0.[1-$1] CPUs=2 RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=node[1-$1] Default=YES MaxTime=INFINITE State=UP
EOF
  } >"$mns_dir/slurm.conf"
}

mns_start() {
  local n=$1 k idle
  cluster_require
  mn_start "$n"
  mns_dir=$dir/cluster
  trap 'mns_down; mn_down; rm -rf "$dir"' EXIT
  for k in $(seq 1 "$n"); do mkdir -p "$mns_dir/spool-node$k" || fail "cannot create $mns_dir"; done
  mkdir -p "$mns_dir/ctld" || fail "cannot create $mns_dir/ctld"
  _cluster_start_munged
  _mns_write_conf "$n"
  export SLURM_CONF=$mns_dir/slurm.conf
  unset SLURM_JOB_ID SLURM_JOBID SLURM_NTASKS SLURM_NPROCS
  "$IHMN_DIR/onhost.sh" head "$IH_SLURM_SBIN/slurmctld" -f "$SLURM_CONF" ||
    fail "slurmctld did not start on head: $(tail -n 5 "$mns_dir/slurmctld.log")"
  for k in $(seq 1 "$n"); do
    "$IHMN_DIR/onhost.sh" "node$k" "$IH_SLURM_SBIN/slurmd" -f "$SLURM_CONF" -N "node$k" ||
      fail "slurmd did not start on node$k: $(tail -n 5 "$mns_dir/slurmd-node$k.log")"
  done
  for _ in $(seq 300); do
    idle=$(sinfo -h -N -t idle -o %N 2>/dev/null | sort -u | wc -l)
    [ "$idle" -eq "$n" ] && break
    sleep 0.2
  done
  [ "$idle" -eq "$n" ] || fail "$idle of $n nodes idle after 60 s: $(sinfo -h -N -o '%N %T %E' 2>&1)"
  echo "cluster: slurmctld on head (10.77.0.254), slurmd on node1..node$n, in $mns_dir"
}

# Cancels every job, stops the daemons (scontrol shutdown, then by their pid files) and munged
# if this test started it; prints the daemons' logs when the test failed. Idempotent.
mns_down() {
  local rc=$? f
  local -a jobs
  [ -n "$mns_dir" ] || return 0
  mapfile -t jobs < <(squeue -h -o %A 2>/dev/null)
  if [ ${#jobs[@]} -gt 0 ]; then
    scancel --full "${jobs[@]}" 2>/dev/null
    for _ in $(seq 50); do
      [ -z "$(squeue -h -o %A 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
  if [ "$rc" -ne 0 ] || [ "${fails:-0}" -ne 0 ]; then
    for f in "$mns_dir"/*.log; do
      echo "---- last lines of $(basename "$f") ----"
      tail -n 20 "$f"
    done
  fi
  scontrol shutdown >/dev/null 2>&1
  for f in "$mns_dir"/slurmd-*.pid; do _cluster_stop_pidfile "$f" slurmd; done
  _cluster_stop_pidfile "$mns_dir/slurmctld.pid" slurmctld
  if [ -n "$_cluster_started_munged" ] &&
    [ "$(cat "/proc/$_cluster_started_munged/comm" 2>/dev/null)" = munged ]; then
    kill -TERM "$_cluster_started_munged" 2>/dev/null
  fi
  mns_dir=""
}

mns_node_of() {
  cluster_job_field "$1" NodeList
}

mns_where() {
  cat >"$dir/ihsweep-where" <<EOF
#!/bin/sh
r=\${OMPI_COMM_WORLD_RANK:-\${PMIX_RANK:-}}
[ -z "\$r" ] || echo "\$r \$(hostname)" >>"where-\$SLURM_JOB_ID.log"
exec "$IHSWEEP" "\$@"
EOF
  chmod 755 "$dir/ihsweep-where"
  export IHSWEEP=$dir/ihsweep-where
}
