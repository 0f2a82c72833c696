# Simulated cluster hosts for the multi-node tests (sourced). Every host is a network namespace
# "$IHMN_PREFIX-nodeK" with its own eth0 (10.77.0.K/24), joined to the others through a bridge
# that lives in a namespace of its own, the head host ("$IHMN_PREFIX-head", 10.77.0.254 on the
# bridge: where the Slurm tests run slurmctld and their client commands), so nothing is added to
# the machine's own network. Names: /etc/netns/<ns>/hosts, which `ip netns exec` mounts over
# /etc/hosts inside the host. onhost.sh runs a command "on" a host: in its namespace, with its
# own hostname (UTS namespace) and its own /tmp (a bind mount of $IHMN_SCRATCH/<host>), so
# node-local files stay on their node as on a cluster, and only the test folder is shared.
#   mn_up N        brings up node1..nodeN and head (returns 77 with a reason when namespaces
#                  are refused)
#   mn_down        removes everything mn_up made (called from the EXIT trap; idempotent)
#   mn_clean_stale removes what crashed earlier tests left (namespaces whose owner pid is gone)
# Needs root and iproute2. IHMN_ROOT: a folder on the shared file system for the scratch dirs.
IHMN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IHMN_PREFIX=ihmn-$$
IHMN_NODES=0
export IHMN_PREFIX IHMN_DIR

mn_clean_stale() {
  local ns pid p
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^ihmn-[0-9]*-'); do
    pid=${ns#ihmn-}
    pid=${pid%%-*}
    [ "$pid" = "$$" ] && continue
    kill -0 "$pid" 2>/dev/null && continue
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
    rm -rf "/etc/netns/$ns"
  done
}

# the hosts' names: node1..nodeN, then head
mn_hosts() {
  local k
  for k in $(seq 1 "$1"); do echo "node$k"; done
  echo head
}

mn_down() {
  local h p
  [ "$IHMN_NODES" -gt 0 ] || return 0
  for h in $(mn_hosts "$IHMN_NODES"); do
    for p in $(ip netns pids "$IHMN_PREFIX-$h" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
  done
  for h in $(mn_hosts "$IHMN_NODES"); do
    ip netns del "$IHMN_PREFIX-$h" 2>/dev/null
    rm -rf "/etc/netns/$IHMN_PREFIX-$h"
  done
  IHMN_NODES=0
}

mn_up() {
  local n=$1 k h ns sw=$IHMN_PREFIX-head
  : "${IHMN_ROOT:?IHMN_ROOT must name a shared folder}"
  export IHMN_SCRATCH=$IHMN_ROOT/scratch
  if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! command -v unshare >/dev/null; then
    echo "SKIP: the multi-node tests need root, iproute2 (ip) and unshare"
    return 77
  fi
  mn_clean_stale
  if ! ip netns add "$sw" 2>"$IHMN_ROOT/netns.err"; then
    echo "SKIP: the kernel refuses network namespaces here: $(cat "$IHMN_ROOT/netns.err")"
    return 77
  fi
  IHMN_NODES=$n
  ip -n "$sw" link add br0 type bridge && ip -n "$sw" link set br0 up &&
    ip -n "$sw" addr add 10.77.0.254/24 dev br0 && ip -n "$sw" link set lo up || {
    echo "SKIP: cannot create a bridge in a network namespace"
    return 77
  }
  for h in $(mn_hosts "$n"); do
    mkdir -p "/etc/netns/$IHMN_PREFIX-$h" "$IHMN_SCRATCH/$h"
    {
      echo "127.0.0.1 localhost"
      echo "10.77.0.254 head"
      for j in $(seq 1 "$n"); do echo "10.77.0.$j node$j"; done
    } >"/etc/netns/$IHMN_PREFIX-$h/hosts"
  done
  for k in $(seq 1 "$n"); do
    ns=$IHMN_PREFIX-node$k
    ip netns add "$ns" &&
      ip -n "$ns" link add eth0 type veth peer name "node$k" netns "$sw" &&
      ip -n "$ns" addr add "10.77.0.$k/24" dev eth0 &&
      ip -n "$ns" link set eth0 up && ip -n "$ns" link set lo up &&
      ip -n "$sw" link set "node$k" master br0 && ip -n "$sw" link set "node$k" up || {
      echo "SKIP: cannot create a veth pair between network namespaces"
      return 77
    }
  done
  return 0
}
