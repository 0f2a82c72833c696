#!/usr/bin/env bash
# onhost.sh HOST CMD [ARGS...]: runs CMD on simulated host HOST ("node1", ..., "head"; hosts.sh):
# in the network namespace $IHMN_PREFIX-HOST, with hostname HOST, its /etc/hosts
# (/etc/netns/<namespace>/hosts) and its own /tmp ($IHMN_SCRATCH/HOST). Unlike `ip netns exec`
# it keeps the machine's /sys, where slurmd finds the cgroup file systems it insists on.
set -eu
host=$1
shift
exec nsenter --net="/run/netns/$IHMN_PREFIX-$host" unshare --uts --mount --propagation slave sh -c \
  'hostname "$0" && mount --bind "/etc/netns/$IHMN_PREFIX-$0/hosts" /etc/hosts &&
   mount --bind "$IHMN_SCRATCH/$0" /tmp && exec "$@"' "$host" "$@"
