#!/usr/bin/env bash
# Open MPI's remote launch agent for the simulated hosts (plm_rsh_agent), in place of ssh:
# agent.sh HOST WORDS... runs the words as a shell command on HOST, as `ssh HOST WORDS...` would.
host=$1
shift
exec "$(dirname "$0")/onhost.sh" "$host" sh -c "$*"
