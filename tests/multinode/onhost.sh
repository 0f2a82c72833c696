#!/usr/bin/env bash
# onhost.sh HOST CMD [ARGS...]: runs CMD on simulated host HOST ("node1", ...; hosts.sh): in the
# network namespace $IHMN_PREFIX-HOST, with hostname HOST and its own /tmp ($IHMN_SCRATCH/HOST).
set -eu
host=$1
shift
exec ip netns exec "$IHMN_PREFIX-$host" unshare --uts sh -c \
  'hostname "$0" && mount --bind "$IHMN_SCRATCH/$0" /tmp && exec "$@"' "$host" "$@"
